"""Reading and writing MNIST's IDX files (big-endian header, then raw unsigned bytes), and the
bounded file reading every data loader shares.

An image file is ``magic 2051, count, rows, cols`` (four big-endian int32) followed by
``count x rows x cols`` pixel bytes; a label file is ``magic 2049, count`` followed by ``count``
label bytes. Every problem raises :class:`DataError` naming the file and what is wrong.

Files come from downloads and from folders the user picks, so nothing here trusts a size the file
declares: only regular files are opened, the header's count is checked against MNIST's sizes
before the body is read, and a ``.gz`` body is inflated only up to the size the header allows
(plus one byte, to notice more), so a small compressed file cannot fill the memory.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nn.digits import IMAGE_PIXELS, IMAGE_SIDE
from nn.files import NotARegularFileError, open_regular_file

IMAGE_MAGIC = 2051
LABEL_MAGIC = 2049
IMAGE_HEADER_BYTES = 16
LABEL_HEADER_BYTES = 8

MAX_TRAINING_IMAGES = 60_000
"""MNIST's training set: the most images (or labels) a training file may hold."""
MAX_TEST_IMAGES = 10_000
"""MNIST's test set: the most images (or labels) a ``t10k`` file may hold."""
MAX_IDX_BYTES = IMAGE_HEADER_BYTES + MAX_TRAINING_IMAGES * IMAGE_PIXELS
"""The largest IDX file there is: MNIST's training images, 47,040,016 bytes."""


class DataError(ValueError):
    """A data file is missing, corrupt or not what it claims to be; the message names the file.

    Public as ``nn.data.mnist.DataError``; defined here, in the lowest data module, so that the IDX
    reader and the restricted unpickler can raise it without importing ``nn.data.mnist``.
    """


def describe(error: BaseException) -> str:
    """``error`` in a few words for a message: its text (at most 100 characters) or its type."""
    text = str(error) or type(error).__name__
    return text if len(text) <= 100 else f"{text[:99]}…"


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for binary reading (:func:`nn.files.open_regular_file`: a FIFO or device is
    refused before it is opened); DataError unless it is an existing regular file."""
    try:
        return open_regular_file(path)
    except NotARegularFileError:
        raise DataError(f"{path.name}: not a regular file") from None
    except FileNotFoundError:
        raise DataError(f"{path.name}: file not found in {path.parent}") from None
    except OSError as error:
        raise DataError(f"{path.name}: cannot be read ({error.strerror or error})") from None


@contextmanager
def open_content(path: Path) -> Iterator[tuple[BinaryIO, int | None]]:
    """``(stream, size)``: the content of the regular file ``path``, inflated as it is read when
    its name ends in ``.gz`` (``size`` None), else the file itself (``size`` its length).

    Errors of the file or of the gzip stream, raised while the caller reads, become DataError.
    """
    with open_regular(path) as file:
        size = os.fstat(file.fileno()).st_size
        if path.suffix != ".gz":
            try:
                yield file, size
            except OSError as error:
                raise DataError(f"{path.name}: cannot be read ({describe(error)})") from None
            return
        if size == 0:
            raise DataError(f"{path.name}: empty file")
        try:
            with gzip.GzipFile(fileobj=file, mode="rb") as stream:
                yield stream, None  # type: ignore[misc]
        except EOFError:
            raise DataError(f"{path.name}: truncated gzip stream (incomplete download?)") from None
        except (OSError, zlib.error) as error:
            raise DataError(f"{path.name}: not a valid gzip file ({describe(error)})") from None


def read_up_to(stream: BinaryIO, size: int) -> bytes:
    """At most ``size`` bytes of ``stream``: fewer only at its end; never inflates more."""
    chunks = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_bytes(path: Path, limit: int = MAX_IDX_BYTES) -> bytes:
    """The file's content, decompressed when its name ends in ``.gz``; DataError if it holds
    more than ``limit`` bytes (by default the largest IDX file), found without reading more."""
    with open_content(path) as (stream, size):
        if size is not None and size > limit:
            raise DataError(f"{path.name}: too large ({size:,} bytes, at most {limit:,})")
        data = read_up_to(stream, limit + 1)
    if len(data) > limit:
        raise DataError(f"{path.name}: too large (more than {limit:,} bytes once decompressed)")
    return data


def read_images(path: Path, max_count: int = MAX_TRAINING_IMAGES) -> np.ndarray:
    """The images of the IDX image file ``path`` (raw or ``.gz``): ``(n, 784)`` uint8, with
    ``n`` at most ``max_count``; the body is read only once the header is found sound."""
    return _read_idx(path, IMAGE_MAGIC, max_count).reshape(-1, IMAGE_PIXELS)


def read_labels(path: Path, max_count: int = MAX_TRAINING_IMAGES) -> np.ndarray:
    """The labels of the IDX label file ``path`` (raw or ``.gz``): ``(n,)`` uint8 0-9, with
    ``n`` at most ``max_count``."""
    labels = _read_idx(path, LABEL_MAGIC, max_count)
    check_label_range(labels, path.name)
    return labels


def _read_idx(path: Path, magic: int, max_count: int) -> np.ndarray:
    """The body of an IDX file as a flat uint8 array, after its header was checked."""
    name = path.name
    header_size = IMAGE_HEADER_BYTES if magic == IMAGE_MAGIC else LABEL_HEADER_BYTES
    with open_content(path) as (stream, size):
        head = read_up_to(stream, header_size)
        expected, what, unit = _layout(head, name, magic, max_count)
        if size is not None and size - header_size != expected:  # raw: no need to read it
            _check_length(name, size - header_size, expected, what, unit)
        body = read_up_to(stream, expected + 1)
    _check_length(name, len(body), expected, what, unit, exact=size is not None)
    return np.frombuffer(body, dtype=np.uint8)


def _layout(data: bytes, name: str, magic: int, max_count: int) -> tuple[int, str, str]:
    """``(body bytes, what the header says, unit)`` from the header at the start of ``data``."""
    if magic == IMAGE_MAGIC:
        count, rows, cols = _header(data, name, IMAGE_MAGIC, 3, "image")
        if rows != IMAGE_SIDE or cols != IMAGE_SIDE:
            raise DataError(f"{name}: images are {rows}x{cols}, expected 28x28")
        _check_count(name, count, max_count, "images")
        return count * IMAGE_PIXELS, f"{count} images of 28x28", "pixels"
    (count,) = _header(data, name, LABEL_MAGIC, 1, "label")
    _check_count(name, count, max_count, "labels")
    return count, f"{count} labels", "labels"


def _check_count(name: str, count: int, max_count: int, what: str) -> None:
    """Raise unless the header's ``count`` lies in 0 to ``max_count``."""
    if count < 0:
        raise DataError(f"{name}: header says {count} {what}")
    if count > max_count:
        raise DataError(f"{name}: header says {count:,} {what}, at most {max_count:,} expected")


def _header(data: bytes, name: str, magic: int, fields: int, kind: str) -> tuple[int, ...]:
    """The big-endian int32 header fields after the magic number, checked against ``magic``."""
    if not data:
        raise DataError(f"{name}: empty file")
    size = 4 * (1 + fields)
    if len(data) < 4:
        raise DataError(f"{name}: not an IDX {kind} file (only {len(data)} bytes)")
    (found,) = struct.unpack_from(">I", data)
    if found != magic:
        hint = " — it looks gzip-compressed: name it with .gz" if data[:2] == b"\x1f\x8b" else ""
        raise DataError(
            f"{name}: not an IDX {kind} file (magic number {found:#010x}, expected {magic}){hint}"
        )
    if len(data) < size:
        raise DataError(f"{name}: truncated header ({len(data)} bytes, expected {size})")
    return struct.unpack_from(f">{fields}i", data, 4)


def _check_length(
    name: str, body: int, expected: int, what: str, unit: str, *, exact: bool = True
) -> None:
    """Raise unless the ``body`` bytes after the header are exactly the ``expected`` count;
    ``exact`` False when ``body`` was read only up to one byte past ``expected``."""
    if body < expected:
        raise DataError(
            f"{name}: truncated: header says {what} but the file holds {body} bytes of "
            f"{unit} (expected {expected})"
        )
    if body > expected:
        if not exact:
            raise DataError(f"{name}: trailing data after {what}")
        extra = body - expected
        plural = "s" if extra > 1 else ""
        raise DataError(f"{name}: {extra} byte{plural} of trailing data after {what}")


def parse_images(data: bytes, name: str, max_count: int = MAX_TRAINING_IMAGES) -> np.ndarray:
    """The images of IDX image bytes: ``(n, 784)`` uint8, 0 (black) to 255 (white ink)."""
    expected, what, unit = _layout(data, name, IMAGE_MAGIC, max_count)
    _check_length(name, len(data) - IMAGE_HEADER_BYTES, expected, what, unit)
    return np.frombuffer(data, dtype=np.uint8, offset=IMAGE_HEADER_BYTES).reshape(-1, IMAGE_PIXELS)


def parse_labels(data: bytes, name: str, max_count: int = MAX_TRAINING_IMAGES) -> np.ndarray:
    """The labels of IDX label bytes: ``(n,)`` uint8, each 0-9."""
    expected, what, unit = _layout(data, name, LABEL_MAGIC, max_count)
    _check_length(name, len(data) - LABEL_HEADER_BYTES, expected, what, unit)
    labels = np.frombuffer(data, dtype=np.uint8, offset=LABEL_HEADER_BYTES)
    check_label_range(labels, name)
    return labels


def check_label_range(labels: np.ndarray, name: str) -> None:
    """Raise unless every label is an integer 0-9 (``labels`` of any integer dtype)."""
    bad = np.flatnonzero((labels < 0) | (labels > 9))
    if bad.size:
        first = int(bad[0])
        raise DataError(
            f"{name}: labels out of range 0-9 ({bad.size} bad, "
            f"the first is {labels[first]} at index {first})"
        )


def encode_images(images: np.ndarray) -> bytes:
    """IDX bytes for ``images``: ``(n, 784)`` or ``(n, 28, 28)`` uint8 pixels 0-255."""
    pixels = np.ascontiguousarray(images, dtype=np.uint8).reshape(-1, IMAGE_PIXELS)
    return struct.pack(">4i", IMAGE_MAGIC, len(pixels), IMAGE_SIDE, IMAGE_SIDE) + pixels.tobytes()


def encode_labels(labels: np.ndarray) -> bytes:
    """IDX bytes for ``labels``: ``(n,)`` integers 0-9."""
    values = np.ascontiguousarray(labels, dtype=np.uint8).reshape(-1)
    return struct.pack(">2i", LABEL_MAGIC, len(values)) + values.tobytes()
