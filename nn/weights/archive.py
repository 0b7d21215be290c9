"""Reading the ``.npy`` entries of a zip archive (an ``.npz`` file) with every size bounded.

``np.load`` trusts what a file declares: the size of the archive's table of contents, each
entry's unpacked size and each array's shape, and it allocates what they ask for before reading
a byte of data. A few kilobytes of hostile file can so ask for gigabytes. :class:`Archive` reads
the same files but refuses, before allocating, a table of contents larger than
:data:`MAX_TABLE_BYTES`, an entry whose unpacked size exceeds what its caller says it may need,
an ``.npy`` header longer than :data:`MAX_HEADER_BYTES`, and an array whose declared dtype and
shape the caller refuses. Arrays holding Python objects are never unpickled. Every problem is a
ContentError saying what is wrong, in a sentence short enough for a message box.
:func:`open_limited` opens such a file: a regular file of bounded size only.
"""

from __future__ import annotations

import io
import math
import os
import reprlib
import struct
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nn.files import NotARegularFileError, open_regular_file

MAX_TABLE_BYTES = 1 << 20
"""The largest table of contents (zip central directory) read: a weight file's takes 2 kB."""

MAX_HEADER_BYTES = 10_000
"""The longest ``.npy`` header read (NumPy's own limit); ``np.save`` writes 128 bytes."""

NPY_OVERHEAD = 12 + MAX_HEADER_BYTES
"""The most bytes an ``.npy`` entry holds besides its data: magic, version, length, header."""

# What the zip and zlib modules raise on a damaged archive or entry.
ZIP_ERRORS = (
    zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError,
    ValueError, struct.error, OverflowError,
)  # fmt: skip

_NPY_VERSIONS = {(1, 0): "<H", (2, 0): "<I"}
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # np.savez and np.savez_compressed

_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 50
_REPR.maxlong = 40
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = 6
_REPR.maxlevel = 3


class ContentError(Exception):
    """What is wrong with a weight file's content (without the file's path)."""


def brief(text: object, limit: int = 120) -> str:
    """``text`` on one line, cut to at most ``limit`` characters: for a message box."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def shown(value: object, limit: int = 60) -> str:
    """A short ``repr`` of a value read from a file, however large or deep the value is."""
    try:
        text = _REPR.repr(value)
    except ValueError:  # an integer with more digits than Python writes out
        text = f"<a {type(value).__name__} too long to show>"
    return brief(text, limit)


def open_limited(path: Path, max_bytes: int, what: str) -> BinaryIO:
    """``path`` open for binary reading (the caller closes it) if it is a regular file
    (:func:`nn.files.open_regular_file`) of at most ``max_bytes``; otherwise a ContentError
    saying why, ``what`` naming the kind of file expected ("a weight file")."""
    try:
        file = open_regular_file(path)
    except NotARegularFileError as exc:
        if exc.kind == "a folder":
            raise ContentError(f"is a folder, not {what}") from None
        raise ContentError(f"is {exc.kind}, not a regular file: it is not read") from None
    except FileNotFoundError:
        raise ContentError("no such file") from None
    except OSError as exc:
        raise ContentError(f"cannot be read ({brief(exc, 100)})") from None
    size = os.fstat(file.fileno()).st_size
    if size > max_bytes:
        file.close()
        raise ContentError(f"the file is {size:,} bytes; {what} has at most {max_bytes:,}")
    return file


HeaderCheck = Callable[[np.dtype, tuple[int, ...]], None]
"""Called with an entry's declared dtype and shape before its data is read; raises ContentError."""


class Archive:
    """The ``.npy`` entries of an opened zip archive, read with their sizes bounded.

    ``names`` lists what the archive holds (as ``np.load`` names it, for messages); ``keys``
    are the ``.npy`` entries by name without the suffix. Use as a context manager; the given
    file is not closed.
    """

    def __init__(self, file: BinaryIO, size: int) -> None:
        reads = _TableReads(file, size)
        try:
            self._zip = zipfile.ZipFile(reads)
        except ZIP_ERRORS as exc:
            raise ContentError(f"a damaged or truncated zip archive ({brief(exc)})") from None
        reads.limit = None  # entries are bounded one by one as they are read
        infos = self._zip.infolist()
        twice = [name for name, n in Counter(i.filename for i in infos).items() if n > 1]
        if twice:
            self._zip.close()
            raise ContentError(
                f"the archive holds {len(twice):,} name(s) twice, e.g. {shown(twice[0], 40)}: "
                "which entry is meant is ambiguous"
            )
        self.names = [i.filename.removesuffix(".npy") for i in infos]
        self._entries = {i.filename[:-4]: i for i in infos if i.filename.endswith(".npy")}

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._zip.close()

    @property
    def keys(self) -> set[str]:
        return set(self._entries)

    def read(self, key: str, max_bytes: int, check: HeaderCheck | None = None) -> np.ndarray:
        """The array stored as ``key``, whose data may take at most ``max_bytes`` bytes.

        The entry's unpacked size is checked before it is opened, ``check`` sees its dtype and
        shape before any data is read, and the data is read exactly: a damaged entry (bad
        CRC-32, truncated, more bytes than its header declares) is refused.
        """
        info = self._entries[key]
        if info.compress_type not in _COMPRESSIONS:
            raise ContentError(f"entry {key!r} is compressed in a way weight files never are")
        limit = NPY_OVERHEAD + max_bytes
        if info.file_size > limit:
            raise ContentError(
                f"entry {key!r} unpacks to {info.file_size:,} bytes; it may take at most {limit:,}"
            )
        try:
            with self._zip.open(info) as stream:
                return _read_npy(key, stream, info.file_size, max_bytes, check)
        except ZIP_ERRORS as exc:
            raise ContentError(f"entry {key!r} is damaged ({brief(exc)})") from None


def _read_npy(
    key: str, stream: BinaryIO, file_size: int, max_bytes: int, check: HeaderCheck | None
) -> np.ndarray:
    dtype, shape, fortran_order, header_bytes = _read_header(key, stream)
    if dtype.hasobject:
        raise ContentError(f"entry {key!r} holds Python objects, which are never unpickled")
    if check is not None:
        check(dtype, shape)
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    if nbytes > max_bytes:
        raise ContentError(
            f"entry {key!r} declares {brief(dtype, 30)} {shape!s:.40} ({nbytes:,} bytes); "
            f"it may take at most {max_bytes:,}"
        )
    if file_size != header_bytes + nbytes:
        raise ContentError(
            f"entry {key!r} is damaged: {file_size - header_bytes:,} bytes of data where its "
            f"header declares {nbytes:,}"
        )
    data = stream.read(nbytes)
    if len(data) != nbytes or stream.read(1):  # reading to the end checks the CRC-32
        raise ContentError(f"entry {key!r} is damaged: its data is cut short")
    if dtype.itemsize == 0:
        return np.zeros(shape, dtype)
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran_order else "C")


def _read_header(key: str, stream: BinaryIO) -> tuple[np.dtype, tuple[int, ...], bool, int]:
    """``(dtype, shape, fortran_order, bytes before the data)`` of an ``.npy`` entry."""
    try:
        version = np.lib.format.read_magic(stream)
    except ValueError:
        raise ContentError(f"entry {key!r} is not a NumPy array") from None
    length_format = _NPY_VERSIONS.get(version)
    if length_format is None:
        raise ContentError(
            f"entry {key!r} is in .npy format {version[0]}.{version[1]}, which weight files "
            "never use"
        )
    length_bytes = stream.read(struct.calcsize(length_format))
    if len(length_bytes) != struct.calcsize(length_format):
        raise ContentError(f"entry {key!r} is damaged: its .npy header is cut short")
    (length,) = struct.unpack(length_format, length_bytes)
    if length > MAX_HEADER_BYTES:
        raise ContentError(
            f"entry {key!r} has a damaged .npy header: {length:,} bytes long, where NumPy "
            f"writes about 128 (at most {MAX_HEADER_BYTES:,} are read)"
        )
    header = stream.read(length)
    if len(header) != length:
        raise ContentError(f"entry {key!r} is damaged: its .npy header is cut short")
    parse = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else (np.lib.format.read_array_header_2_0)
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NumPy warns of headers written by Python 2
            shape, fortran_order, dtype = parse(
                io.BytesIO(length_bytes + header), max_header_size=MAX_HEADER_BYTES
            )
    except Exception as exc:  # a damaged header makes the parser raise anything
        raise ContentError(
            f"entry {key!r} has a damaged .npy header ({type(exc).__name__}: {brief(exc, 60)})"
        ) from None
    if any(n < 0 for n in shape):
        raise ContentError(f"entry {key!r} has a damaged .npy header (shape {shape!s:.40})")
    return dtype, tuple(shape), fortran_order, 8 + len(length_bytes) + length


class _TableReads:
    """The file as ``zipfile.ZipFile`` sees it: while ``limit`` is set, no single read may be
    larger, so a hostile table of contents is refused before it is read. ZipFile reads the
    table in one read of the size the archive declares for it."""

    def __init__(self, file: BinaryIO, size: int) -> None:
        self._file = file
        self._size = size
        self.limit: int | None = MAX_TABLE_BYTES

    def read(self, n: int | None = -1) -> bytes:
        if self.limit is not None:
            wanted = self._size - self._file.tell() if n is None or n < 0 else n
            if wanted > self.limit:
                raise ContentError(
                    f"a zip archive whose table of contents is {wanted:,} bytes long; a weight "
                    f"file's takes a few kilobytes (at most {self.limit:,} are read)"
                )
        return self._file.read(n)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def seekable(self) -> bool:
        return True
