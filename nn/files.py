"""Opening a file a user names: only a regular file, and never blocking.

Opening a named pipe blocks until something writes to it, and a device or socket is no file to
read, so the kind of file is checked before it is opened; it is opened non-blocking and checked
again on the open descriptor, so swapping the file in between gains nothing. The weight-file and
data loaders both open their files here and say in their own words what was refused.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = (
    (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
)  # fmt: skip
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class NotARegularFileError(OSError):
    """``path`` names something other than a regular file; ``kind`` says what ("a folder", "a
    named pipe", …)."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{path} is {kind}, not a regular file")
        self.kind = kind


def open_regular_file(path: Path) -> BinaryIO:
    """``path`` open for binary reading (the caller closes it). Raises NotARegularFileError for
    anything but a regular file, and the usual OSError (FileNotFoundError, …) otherwise."""
    _check(path, os.stat(path))
    descriptor = os.open(path, _FLAGS)
    try:
        _check(path, os.fstat(descriptor))
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _check(path: Path, status: os.stat_result) -> None:
    if not stat.S_ISREG(status.st_mode):
        kind = next((name for test, name in _KINDS if test(status.st_mode)), "a special file")
        raise NotARegularFileError(path, kind)
