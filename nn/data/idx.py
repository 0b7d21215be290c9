"""Reading and writing MNIST's IDX files (big-endian header, then raw unsigned bytes).

An image file is ``magic 2051, count, rows, cols`` (four big-endian int32) followed by
``count x rows x cols`` pixel bytes; a label file is ``magic 2049, count`` followed by ``count``
label bytes. Every problem raises :class:`DataError` naming the file and what is wrong.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from nn.digits import IMAGE_PIXELS, IMAGE_SIDE

IMAGE_MAGIC = 2051
LABEL_MAGIC = 2049


class DataError(ValueError):
    """A data file is missing, corrupt or not what it claims to be; the message names the file.

    Public as ``nn.data.mnist.DataError``; defined here, in the lowest data module, so that the IDX
    reader and the restricted unpickler can raise it without importing ``nn.data.mnist``.
    """


def read_bytes(path: Path) -> bytes:
    """The file's content, decompressed when its name ends in ``.gz``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path.name}: file not found in {path.parent}") from None
    except OSError as error:
        raise DataError(f"{path.name}: cannot be read ({error.strerror or error})") from error
    if path.suffix != ".gz":
        return data
    if not data:
        raise DataError(f"{path.name}: empty file")
    try:
        return gzip.decompress(data)
    except EOFError:
        raise DataError(f"{path.name}: truncated gzip stream (incomplete download?)") from None
    except (OSError, zlib.error) as error:
        raise DataError(f"{path.name}: not a valid gzip file ({error})") from None


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


def _check_length(name: str, body: int, expected: int, what: str, unit: str) -> None:
    """Raise unless the ``body`` bytes after the header are exactly the ``expected`` count."""
    if body < expected:
        raise DataError(
            f"{name}: truncated: header says {what} but the file holds {body} bytes of "
            f"{unit} (expected {expected})"
        )
    if body > expected:
        extra = body - expected
        plural = "s" if extra > 1 else ""
        raise DataError(f"{name}: {extra} byte{plural} of trailing data after {what}")


def parse_images(data: bytes, name: str) -> np.ndarray:
    """The images of an IDX image file: ``(n, 784)`` uint8, 0 (black) to 255 (white ink)."""
    count, rows, cols = _header(data, name, IMAGE_MAGIC, 3, "image")
    if rows != IMAGE_SIDE or cols != IMAGE_SIDE:
        raise DataError(f"{name}: images are {rows}x{cols}, expected 28x28")
    if count < 0:
        raise DataError(f"{name}: header says {count} images")
    _check_length(name, len(data) - 16, count * IMAGE_PIXELS, f"{count} images of 28x28", "pixels")
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, IMAGE_PIXELS)


def parse_labels(data: bytes, name: str) -> np.ndarray:
    """The labels of an IDX label file: ``(n,)`` uint8, each 0-9."""
    (count,) = _header(data, name, LABEL_MAGIC, 1, "label")
    if count < 0:
        raise DataError(f"{name}: header says {count} labels")
    _check_length(name, len(data) - 8, count, f"{count} labels", "labels")
    labels = np.frombuffer(data, dtype=np.uint8, offset=8)
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
