"""Colours that follow the application's palette, for plots and painted widgets alike.

Every view reads its colours from the palette when it draws, and re-reads them when the palette
changes (the user switches View ▸ Theme, or the system switches between light and dark), through
:func:`when_palette_changes`. :func:`style_plot` does both for a pyqtgraph plot.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

PALETTE_EVENTS = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)


def is_dark(palette: QPalette) -> bool:
    """True when the palette's window colour is dark (a dark theme)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def text_colour(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorRole.WindowText)


def background_colour(palette: QPalette) -> QColor:
    """The background of plots and images: the palette's Base (white in light, near black in
    dark)."""
    return palette.color(QPalette.ColorRole.Base)


class _PaletteWatcher(QObject):
    """Calls ``callback`` after the watched widget's palette changed."""

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in PALETTE_EVENTS:
            self._callback()
        return False


def when_palette_changes(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` (no arguments) each time ``widget``'s palette changes, for as long as
    the widget lives. The callback reads ``widget.palette()`` afresh."""
    _PaletteWatcher(widget, callback)


def style_plot(plot: pg.PlotWidget, restyle: Callable[[QPalette], None] | None = None) -> None:
    """Give ``plot`` the palette's background, axis and text colours now and after every palette
    change; ``restyle(palette)``, when given, then recolours the plot's own items (curves,
    bars, legends)."""

    def apply() -> None:
        palette = plot.palette()
        text = text_colour(palette)
        plot.setBackground(background_colour(palette))
        item = plot.getPlotItem()
        for name in ("left", "bottom", "right", "top"):
            axis = item.getAxis(name)
            axis.setPen(text)
            axis.setTextPen(text)
            axis.label.setDefaultTextColor(text)
        item.titleLabel.setAttr("color", text)
        item.titleLabel.setText(item.titleLabel.text)
        if restyle is not None:
            restyle(palette)

    apply()
    when_palette_changes(plot, apply)


def diverging_lookup_table(palette: QPalette, size: int = 256) -> np.ndarray:
    """A ``(size, 3)`` uint8 colour table for signed values centred on 0: blue for negative,
    the palette's background at the middle entry, red for positive. Index ``size // 2`` is 0;
    map a value v in [-m, m] to ``round((v / m + 1) / 2 * (size - 1))``."""
    middle = np.array(background_colour(palette).getRgb()[:3], dtype=float)
    negative = np.array([33, 102, 172], dtype=float)  # blue
    positive = np.array([178, 24, 43], dtype=float)  # red
    t = np.linspace(-1.0, 1.0, size)[:, None]
    table = np.where(t < 0, middle + (negative - middle) * -t, middle + (positive - middle) * t)
    return np.round(table).astype(np.uint8)
