"""Reading a photo's digits off the GUI thread: the image → :class:`LoadedPhoto` (plain data).

A 12-megapixel photo takes a few tenths of a second to decode and clean, too long for the GUI
thread, so :class:`PhotoReader` reads in a thread of its own pool, one image at a time. Each
request supersedes the ones before: a request still waiting is skipped, and the outcome of one
already running is dropped, so only the newest request's photo or failure is ever told.
"""

from __future__ import annotations

import contextlib
import io
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QRunnable,
    QSize,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter

from nn.files import open_regular_file
from nn.images import ImageReadError, PhotoDigits, read_photo_digits
from nn.images.reading import PASTED, ImageSource

PICTURE_SIDE = 1400
"""The longest side, in pixels, of the picture kept for display (a canvas-sized view on a
high-DPI screen)."""

MAX_FILE_BYTES = 256 * 2**20
"""The largest file decoded again for display (a 50-megapixel image compresses to far less)."""

QT_FORMATS = (b"png", b"jpeg", b"jpg", b"bmp", b"gif", b"tiff", b"tif", b"webp")
"""What Qt may decode the picture as: the formats :mod:`nn.images` reads."""


@dataclass(frozen=True, eq=False)
class LoadedPhoto:
    """A photo read: ``name`` (for messages and the view), ``digits`` (what
    :func:`nn.images.read_photo_digits` found, boxes in the original's pixels) and ``picture``,
    the photo for display: (h, w, 3) uint8 RGB, at most :data:`PICTURE_SIDE` on its longer
    side, upright as the original's ``digits.size`` is."""

    name: str
    digits: PhotoDigits
    picture: np.ndarray


def load_photo(source: ImageSource, name: str | None = None) -> LoadedPhoto:
    """Read ``source`` (a path, encoded bytes or a Pillow image) as
    :func:`~nn.images.read_photo_digits` does and make its picture. Raises
    :class:`~nn.images.ImageReadError` (one line naming the image) when it cannot be read."""
    label = name or (str(source) if isinstance(source, str | Path) else PASTED)
    digits = read_photo_digits(source, label)
    return LoadedPhoto(label, digits, _picture(source, digits))


def _picture(source: ImageSource, digits: PhotoDigits) -> np.ndarray:
    """The photo scaled for display, decoded by Qt (upright by its EXIF orientation); the cleaned
    ink, dark on light, if it cannot be decoded again (e.g. the file changed since it was read)."""
    try:
        data = _encoded(source)
        picture = _decoded_rgb(data, digits.size) if data is not None else None
    except (OSError, ValueError, MemoryError):
        picture = None
    if picture is None:
        ink = 255 - digits.cleaned
        picture = np.repeat(ink[:, :, None], 3, axis=2)
    return picture


def _encoded(source: ImageSource) -> bytes | None:
    """The encoded image: the file's bytes (a regular file only, as it was read), the bytes
    given, or a Pillow image saved as PNG."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | Path):
        with open_regular_file(Path(source)) as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    buffer = io.BytesIO()
    source.save(buffer, "PNG")  # a Pillow image
    return buffer.getvalue()


def _decoded_rgb(data: bytes, size: tuple[int, int]) -> np.ndarray | None:
    """``data`` decoded at most :data:`PICTURE_SIDE` on its longer side: (h, w, 3) uint8, or
    None when Qt cannot decode it as one of the formats read or as an image of ``size``."""
    if len(data) > MAX_FILE_BYTES:
        return None
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    stored = reader.size()
    if bytes(reader.format().data()).lower() not in QT_FORMATS or not stored.isValid():
        return None
    if stored.width() * stored.height() != size[0] * size[1]:
        return None  # not the image read
    scale = min(1.0, PICTURE_SIDE / max(stored.width(), stored.height()))
    reader.setScaledSize(
        QSize(max(1, round(stored.width() * scale)), max(1, round(stored.height() * scale)))
    )
    image = reader.read()
    if image.isNull():
        return None
    page = QImage(image.size(), QImage.Format.Format_RGB888)
    page.fill(QColor(255, 255, 255))  # transparent areas: white paper
    painter = QPainter(page)
    painter.drawImage(0, 0, image)
    painter.end()
    width, height, line = page.width(), page.height(), page.bytesPerLine()
    rows = np.frombuffer(page.constBits(), np.uint8, count=line * height).reshape(height, line)
    return rows[:, : width * 3].reshape(height, width, 3).copy()


class _Relay(QObject):
    """Carries a job's outcome from the pool's thread to the reader (queued, in its thread)."""

    done = Signal(int, object)  # request number, LoadedPhoto
    failed = Signal(int, str)  # request number, one line


class _Job(QRunnable):
    def __init__(self, request: int, source: ImageSource, name: str, reader: PhotoReader) -> None:
        super().__init__()
        self._request, self._source, self._name = request, source, name
        self._relay, self._newest = reader._relay, reader._newest_request

    def run(self) -> None:
        if self._request != self._newest():
            return  # superseded before it started
        try:
            outcome = load_photo(self._source, self._name)
        except ImageReadError as error:
            self._tell(self._relay.failed, str(error))
        except MemoryError:
            self._tell(self._relay.failed, f"{self._name}: not enough memory to read it")
        except Exception as error:  # never let a photo take the window down
            self._tell(self._relay.failed, f"{self._name} could not be read ({error})")
        else:
            self._tell(self._relay.done, outcome)

    def _tell(self, signal, value: object) -> None:
        with contextlib.suppress(RuntimeError):  # the reader is gone: nobody to tell
            signal.emit(self._request, value)


class PhotoReader(QObject):
    """Reads images in a worker thread; only the newest request's outcome is emitted.

    ``photo_read(LoadedPhoto)`` or ``failed(message)`` follow each :meth:`read` unless a newer
    one came first; ``busy_changed(bool)`` says when reading starts and when the newest request
    is done. Call :meth:`shutdown` before the owner goes (it waits for the running job).
    """

    photo_read = Signal(object)
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        self._lock = threading.Lock()
        self._request = 0
        self._busy = False

    def read(self, source: ImageSource, name: str | None = None) -> None:
        """Start reading ``source`` (a path, encoded bytes or a Pillow image the caller no longer
        changes); ``name`` is what messages call it."""
        with self._lock:
            self._request += 1
            request = self._request
        label = name or (str(source) if isinstance(source, str | Path) else PASTED)
        self._pool.start(_Job(request, source, label, self))
        self._set_busy(True)

    def is_busy(self) -> bool:
        """True from a :meth:`read` until its outcome (or a newer one's) is emitted."""
        return self._busy

    def cancel(self) -> None:
        """Forget every request: none of their outcomes will be emitted."""
        with self._lock:
            self._request += 1
        self._pool.clear()
        self._set_busy(False)

    def shutdown(self) -> None:
        """Cancel, and wait for a read already running to end (a fraction of a second)."""
        self.cancel()
        self._pool.waitForDone()

    def _newest_request(self) -> int:
        with self._lock:
            return self._request

    def _on_done(self, request: int, photo: LoadedPhoto) -> None:
        if request == self._newest_request():
            self._set_busy(False)
            self.photo_read.emit(photo)

    def _on_failed(self, request: int, message: str) -> None:
        if request == self._newest_request():
            self._set_busy(False)
            self.failed.emit(message)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)
