"""A small colour image (e.g. 28x28) shown enlarged with crisp pixels, and the colour maps the
network views paint with: signed values in a diverging map, levels from background to ink."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.widgets.plotting import background_colour, diverging_lookup_table, is_dark, text_colour

DIVERGING_ENTRIES = 257
"""Entries of the diverging table: odd, so that 0 falls exactly on the middle (background)."""


_TABLES: dict[tuple, np.ndarray] = {}
"""Colour tables made so far, by what they depend on: the views recolour on every change of the
sketch, and making a table costs more than using it."""


def _kept(key: tuple, make) -> np.ndarray:
    table = _TABLES.get(key)
    if table is None:
        if len(_TABLES) > 64:  # palettes come and go only when the theme changes
            _TABLES.clear()
        table = make()
        table.setflags(write=False)
        _TABLES[key] = table
    return table


def diverging_table(palette: QPalette) -> np.ndarray:
    """``(257, 3)`` uint8, read-only: blue, the palette's background at entry 128, red."""
    key = ("diverging", background_colour(palette).rgb())
    return _kept(key, lambda: diverging_lookup_table(palette, DIVERGING_ENTRIES))


def diverging_colours(values: np.ndarray, table: np.ndarray, limit: float) -> np.ndarray:
    """Signed ``values`` (any shape) → colours ``(…, 3)`` uint8 from ``table`` (odd length):
    −limit → the first entry, 0 → the middle one, +limit → the last; beyond ±limit clipped."""
    last = len(table) - 1
    t = np.asarray(values, dtype=np.float32) / np.float32(limit if limit > 0 else 1.0)
    index = np.rint((np.clip(t, -1.0, 1.0) + 1.0) * (last / 2)).astype(np.intp)
    return table[index]


def readable(rgb: np.ndarray, palette: QPalette) -> tuple[int, int, int]:
    """A map colour for text and thin lines on the palette's window: as it is in a light theme,
    mixed 45 % towards the text colour in a dark one, where the map's dark red and blue would
    hardly stand out."""
    colour = np.asarray(rgb, dtype=np.float32)[:3]
    if is_dark(palette):
        colour += 0.45 * (np.array(text_colour(palette).getRgb()[:3], np.float32) - colour)
    r, g, b = (int(v) for v in np.rint(colour))
    return r, g, b


def level_table(palette: QPalette, entries: int = 256) -> np.ndarray:
    """``(entries, 3)`` uint8, read-only, from the palette's background (0) to its text colour
    (1): ink on the page, readable in light and dark themes."""
    background, ink = background_colour(palette), text_colour(palette)

    def make() -> np.ndarray:
        start = np.array(background.getRgb()[:3], dtype=np.float32)
        end = np.array(ink.getRgb()[:3], dtype=np.float32)
        t = np.linspace(0.0, 1.0, entries, dtype=np.float32)[:, None]
        return np.rint(start + (end - start) * t).astype(np.uint8)

    return _kept(("level", background.rgb(), ink.rgb(), entries), make)


def level_colours(levels: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``levels`` in [0, 1] (any shape; clipped) → colours ``(…, 3)`` uint8 from ``table``."""
    last = len(table) - 1
    index = np.rint(np.clip(levels, 0.0, 1.0) * last).astype(np.intp)
    return table[index]


def new_rgb_image(width: int, height: int) -> QImage:
    """An opaque ``width`` x ``height`` image for :func:`write_rgb`."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(0)
    return image


def write_rgb(image: QImage, rgb: np.ndarray) -> None:
    """Copy ``rgb`` ``(height, width, 3)`` uint8 into ``image`` (Format_RGB32, same size)."""
    height, width = image.height(), image.width()
    rgb = np.asarray(rgb, dtype=np.uint32).reshape(height, width, 3)
    words = image.bytesPerLine() // 4
    pixels = np.frombuffer(image.bits(), np.uint32).reshape(height, words)
    pixels[:, :width] = 0xFF000000 | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def read_rgb(image: QImage) -> np.ndarray:
    """The ``(height, width, 3)`` uint8 colours of ``image`` (Format_RGB32), a copy."""
    height, width = image.height(), image.width()
    words = image.bytesPerLine() // 4
    pixels = np.frombuffer(image.constBits(), np.uint32).reshape(height, words)[:, :width]
    return np.stack([(pixels >> shift) & 0xFF for shift in (16, 8, 0)], axis=-1).astype(np.uint8)


class PixelImage(QWidget):
    """Shows a ``width`` x ``height`` colour image as large as fits, a whole number of screen
    pixels per image pixel, without smoothing, centred on the window colour."""

    def __init__(self, width: int, height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = new_rgb_image(width, height)
        self.setMinimumSize(3 * width, 3 * height)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(4 * self._image.width(), 4 * self._image.height())

    def set_rgb(self, rgb: np.ndarray) -> None:
        """Show ``rgb`` ``(height, width, 3)`` uint8."""
        write_rgb(self._image, rgb)
        self.update()

    def rgb(self) -> np.ndarray:
        """The colours shown now, ``(height, width, 3)`` uint8 (a copy)."""
        return read_rgb(self._image)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        width, height = self._image.width(), self._image.height()
        scale = min(self.width() / width, self.height() / height)
        if scale >= 1:
            scale = int(scale)
        rect = QRectF(
            (self.width() - width * scale) / 2,
            (self.height() - height * scale) / 2,
            width * scale,
            height * scale,
        )
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(rect, self._image)
        painter.end()
