"""Opening a file a user names (only a regular file, and never blocking), and writing one
atomically.

Opening a named pipe blocks until something writes to it, and a device or socket is no file to
read, so the kind of file is checked before it is opened; it is opened non-blocking and checked
again on the open descriptor, so swapping the file in between gains nothing. The weight-file and
data loaders both open their files here and say in their own words what was refused.

:func:`write_atomically` writes a temporary file beside the target, fsyncs it and renames it
over the target, so a save that fails or is killed mid-write leaves the previous file whole;
the weight files and the user's digits are saved that way.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

STALE_AFTER_SECONDS = 600
"""A temporary file of a save unchanged this long was left by a save that was killed: the next
save to the same target removes it."""

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


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Save to ``path`` atomically: ``write(file)`` fills a temporary file beside it
    (``.NAME.XXXXXXXX.tmp``), which is fsynced and renamed over ``path``, so a crash or a full
    disk mid-write leaves the previous file as it was. A replaced file keeps its permissions; a
    new one gets rw-r--r--. Temporary files that earlier saves to ``path`` were killed in the
    middle of (unchanged for :data:`STALE_AFTER_SECONDS`) are then removed.

    Whatever ``write`` or the file system raises propagates (the folder must exist), after the
    temporary file is removed; the caller words the message.
    """
    mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else 0o644
    fd, temp_name = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".tmp",
                                     dir=path.parent)  # fmt: skip
    done = False
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(OSError):
            os.chmod(temp_name, mode)  # mkstemp makes the file private (0o600)
        os.replace(temp_name, path)
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
    _fsync_folder(path.parent)
    _remove_stale_temporary_files(path)


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}."


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable where the system allows it (POSIX)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_stale_temporary_files(path: Path) -> None:
    """Remove the temporary files of saves to ``path`` killed mid-write: only names
    :func:`tempfile.mkstemp` gave ours, regular files unchanged for :data:`STALE_AFTER_SECONDS`
    (a younger one may be another save in progress)."""
    pattern = re.compile(re.escape(_temporary_prefix(path)) + r"[a-z0-9_]{8}\.tmp")
    stale_before = time.time() - STALE_AFTER_SECONDS
    with contextlib.suppress(OSError), os.scandir(path.parent) as entries:
        for entry in entries:
            if not pattern.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                status = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(status.st_mode) and status.st_mtime < stale_before:
                    os.unlink(entry.path)
