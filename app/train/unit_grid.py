"""The first hidden layer's units as pictures: each unit's 784 incoming weights as a 28x28 image.

While a network trains, its first layer's weights are shown once at the start and after every
epoch, so a learner watches the units turn from noise into strokes and blobs. A page of
:data:`PAGE_UNITS` units is tiled into one RGB image (one ``QImage`` painted by one widget, not a
widget per unit); only the page shown is rendered, and only while the grid is visible.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRect, QSize, Signal
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.widgets.plotting import diverging_lookup_table, when_palette_changes
from nn.digits import IMAGE_PIXELS, IMAGE_SIDE

PAGE_UNITS = 64
"""Units per page: 8 rows of 8."""
COLUMNS = 8
GAP = 1
"""Pixels between two units' images, in the palette's Window colour (as are empty places)."""

SCALE_TIP = (
    "Each square is one unit of the first hidden layer: its 784 incoming weights laid out as "
    "the 28x28 image they look at. Red pixels excite the unit, blue ones inhibit it, the "
    "background colour is 0. Each unit has its own symmetric scale, from minus to plus its "
    "largest absolute weight, so the pattern of a unit with small weights shows as clearly as "
    "a large one's."
)

WAITING = "The first hidden layer's units show here once training starts."


def unit_scales(weights: np.ndarray) -> np.ndarray:
    """``(n,)`` the largest absolute weight of each unit (row of ``weights``), 1 where a unit's
    weights are all 0 (so that it shows as 0, not as a division by zero)."""
    largest = np.abs(weights).max(axis=1)
    return np.where(largest > 0, largest, 1.0).astype(np.float64)


def tile_units(
    weights: np.ndarray, table: np.ndarray, gap_colour: tuple[int, int, int]
) -> np.ndarray:
    """One ``(rows * 29 - 1, 8 * 29 - 1, 3)`` uint8 image of the units in ``weights``
    (``(k, 784)``, k ≤ :data:`PAGE_UNITS`), unit i at row i // 8, column i % 8, left to right.

    A weight v of a unit whose scale is m (:func:`unit_scales`) takes the colour
    ``table[round((v / m + 1) / 2 * (len(table) - 1))]``, so 0 is the table's middle entry."""
    count = len(weights)
    rows = max(1, math.ceil(count / COLUMNS))
    step = IMAGE_SIDE + GAP
    image = np.empty((rows * step - GAP, COLUMNS * step - GAP, 3), dtype=np.uint8)
    image[:] = gap_colour
    if count == 0:
        return image
    page = weights.astype(np.float64)  # 50,000 values: float64 costs nothing and rounds exactly
    scaled = page / unit_scales(page)[:, None]
    top = len(table) - 1
    index = np.rint((scaled + 1) * (top / 2)).astype(np.intp)
    np.clip(index, 0, top, out=index)
    pictures = table[index].reshape(count, IMAGE_SIDE, IMAGE_SIDE, 3)
    for unit, picture in enumerate(pictures):
        row, column = divmod(unit, COLUMNS)
        image[row * step : row * step + IMAGE_SIDE, column * step : column * step + IMAGE_SIDE] = (
            picture
        )
    return image


class UnitGrid(QWidget):
    """A caption, the tiled page of units, and paging controls (shown when there is more than
    one page). :meth:`show_weights` takes the first layer's ``(n_1, 784)`` weights; the page
    shown is rendered at once if the grid is visible, else when it is next shown."""

    page_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unitGrid")
        self._weights: np.ndarray | None = None
        self._page = 0
        self._stale = False
        self._when = ""
        self.caption = QLabel()
        self.caption.setObjectName("unitGridCaption")
        self.caption.setWordWrap(True)
        self.view = _ImageView()
        self.previous_button = _tool_button(
            "unitPreviousButton", "◀", "Previous units", "Show the previous page of units"
        )
        self.next_button = _tool_button(
            "unitNextButton", "▶", "Next units", "Show the next page of units"
        )
        self.page_spin = QSpinBox()
        self.page_spin.setObjectName("unitPageSpin")
        self.page_spin.setToolTip(f"Which page of {PAGE_UNITS} units to show")
        self.page_spin.setAccessibleName("Unit page")
        self.page_spin.setAccessibleDescription(
            f"The page of the first hidden layer's units shown, {PAGE_UNITS} units a page"
        )
        self.page_spin.setPrefix("page ")
        self.pager = QWidget()
        self.pager.setObjectName("unitPager")
        row = QHBoxLayout(self.pager)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.previous_button)
        row.addWidget(self.page_spin, 1)
        row.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.pager)
        self.previous_button.clicked.connect(lambda: self.set_page(self._page - 1))
        self.next_button.clicked.connect(lambda: self.set_page(self._page + 1))
        self.page_spin.valueChanged.connect(lambda value: self.set_page(value - 1))
        when_palette_changes(self, self._render)
        self.clear()

    def sizeHint(self) -> QSize:
        """Wide enough for a page at one screen pixel a weight."""
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.view.sizeHint().width()), hint.height())

    def __repr__(self) -> str:
        units = 0 if self._weights is None else len(self._weights)
        return f"UnitGrid({units} units, page {self._page + 1} of {self.page_count})"

    @property
    def page(self) -> int:
        """The page shown, from 0."""
        return self._page

    @property
    def page_count(self) -> int:
        units = 0 if self._weights is None else len(self._weights)
        return max(1, math.ceil(units / PAGE_UNITS))

    def units_shown(self) -> range:
        """The indices (from 0) of the units on the page shown."""
        units = 0 if self._weights is None else len(self._weights)
        return range(self._page * PAGE_UNITS, min(units, (self._page + 1) * PAGE_UNITS))

    def image(self) -> np.ndarray:
        """A copy of the ``(height, width, 3)`` uint8 image shown (see :func:`tile_units`)."""
        return self.view.pixels.copy()

    def clear(self, message: str = WAITING) -> None:
        """Forget the weights shown (a new run starts)."""
        self._weights = None
        self._page = 0
        self.caption.setText(message)
        self._update_pager()
        self._render()

    def show_weights(self, weights: np.ndarray, when: str) -> None:
        """Show ``weights``, the first layer's ``(n_1, 784)`` incoming weights (kept, not
        copied: pass a copy), with ``when`` (e.g. "after epoch 3") in the caption."""
        weights = np.asarray(weights)
        if weights.ndim != 2 or weights.shape[1] != IMAGE_PIXELS:
            raise ValueError(f"expected (units, {IMAGE_PIXELS}) weights, got {weights.shape}")
        self._weights = weights
        self._page = min(self._page, self.page_count - 1)
        self._when = when
        self._update_pager()
        self._render()

    def set_page(self, page: int) -> None:
        """Show page ``page`` (from 0), clamped to the pages there are."""
        page = max(0, min(page, self.page_count - 1))
        if page == self._page and self.page_spin.value() == page + 1:
            return
        self._page = page
        self._update_pager()
        self._render()
        self.page_changed.emit(page)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._render()

    def _update_pager(self) -> None:
        pages = self.page_count
        self.page_spin.blockSignals(True)
        self.page_spin.setRange(1, pages)
        self.page_spin.setSuffix(f" of {pages}")
        self.page_spin.setValue(self._page + 1)
        self.page_spin.blockSignals(False)
        self.previous_button.setEnabled(self._page > 0)
        self.next_button.setEnabled(self._page < pages - 1)
        self.pager.setVisible(pages > 1)
        if self._weights is not None:
            shown = self.units_shown()
            units = len(self._weights)
            which = f"{units} unit{'' if units == 1 else 's'}"
            if pages > 1:
                which = f"units {shown.start + 1}–{shown.stop} of {units:,}"
            self.caption.setText(f"First hidden layer: {which}, {self._when}")

    def _render(self) -> None:
        """Tile the page shown into the view's image; postponed while the grid is hidden."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        palette = self.palette()
        gap = palette.color(QPalette.ColorRole.Window).getRgb()[:3]
        if self._weights is None:
            self.view.set_pixels(tile_units(np.empty((0, IMAGE_PIXELS)), np.empty((1, 3)), gap))
            return
        shown = self.units_shown()
        page = self._weights[shown.start : shown.stop]
        self.view.set_pixels(tile_units(page, diverging_lookup_table(palette), gap))


class _ImageView(QWidget):
    """Paints one RGB image as large as fits, keeping its proportions: magnified by a whole
    factor (every weight a crisp square of pixels) when there is room, smoothly shrunk when
    not."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("unitGridImage")
        self.setToolTip(SCALE_TIP)
        self.setAccessibleName("First-layer units")
        self.setAccessibleDescription(SCALE_TIP)
        self.setMinimumSize(120, 60)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.pixels = np.zeros((1, 1, 3), dtype=np.uint8)
        self._image = QImage()

    def sizeHint(self) -> QSize:
        return QSize(COLUMNS * (IMAGE_SIDE + GAP) - GAP, COLUMNS * (IMAGE_SIDE + GAP) - GAP)

    def set_pixels(self, pixels: np.ndarray) -> None:
        """Show ``pixels``, an ``(h, w, 3)`` uint8 array (copied into the view's own image)."""
        self.pixels = np.ascontiguousarray(pixels)
        height, width, _ = self.pixels.shape
        self._image = QImage(
            self.pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888
        ).copy()
        self.update()

    def paintEvent(self, event) -> None:
        if self._image.isNull():
            return
        width, height = self._image.width(), self._image.height()
        scale = min(self.width() / width, self.height() / height)
        smooth = scale < 1
        if not smooth:
            scale = math.floor(scale)
        target_width, target_height = round(width * scale), round(height * scale)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        left = (self.width() - target_width) // 2
        painter.drawImage(QRect(left, 0, target_width, target_height), self._image)
        painter.end()


def _tool_button(name: str, text: str, accessible: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName(name)
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(accessible)
    button.setAccessibleDescription(tip)
    button.setAutoRaise(False)
    return button
