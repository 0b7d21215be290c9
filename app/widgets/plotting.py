"""Colours that follow the application's palette, for plots and painted widgets alike.

Every view reads its colours from the palette when it draws, and re-reads them when the palette
changes (the user switches View ▸ Theme, or the system switches between light and dark), through
:func:`when_palette_changes`. :func:`style_plot` does both for a pyqtgraph plot.

A change of the application's palette (``QApplication.setPalette``) reaches each top-level
widget as ``ApplicationPaletteChange`` and then, once the widget has taken the new palette, as
``PaletteChange``, which Qt passes on to its children; both are delivered from the event loop,
not inside ``setPalette``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

PALETTE_EVENTS = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
DIVERGING_NEGATIVE = (33, 102, 172)
"""The diverging table's colour at -1 (blue), RGB."""
DIVERGING_POSITIVE = (178, 24, 43)
"""The diverging table's colour at +1 (red), RGB."""


def is_dark(palette: QPalette) -> bool:
    """True when the palette's window colour is dark (a dark theme)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def text_colour(palette: QPalette) -> QColor:
    """The colour of text, axes and tick labels: the palette's WindowText."""
    return palette.color(QPalette.ColorRole.WindowText)


def background_colour(palette: QPalette) -> QColor:
    """The background of plots and images: the palette's Base (white in light, near black in
    dark)."""
    return palette.color(QPalette.ColorRole.Base)


class _PaletteWatcher(QObject):
    """Calls ``callback`` after the watched widget's palette changed.

    A top-level widget hears of an application palette change twice: ``ApplicationPaletteChange``
    comes while ``widget.palette()`` is still the old one, ``PaletteChange`` once it is the new
    one. The callback runs only when the palette differs from the one it last ran with, so it
    runs once per change and always sees the new colours.
    """

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback = callback
        self._seen = QPalette(widget.palette())
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in PALETTE_EVENTS and watched is self._widget:
            palette = self._widget.palette()
            if palette != self._seen:
                self._seen = QPalette(palette)
                self._callback()
        return False


def when_palette_changes(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` (no arguments) each time ``widget``'s palette changes, for as long as
    the widget lives. The callback reads ``widget.palette()`` afresh."""
    _PaletteWatcher(widget, callback)


def style_plot(plot: pg.PlotWidget, restyle: Callable[[QPalette], None] | None = None) -> None:
    """Give ``plot`` the palette's background, axis, title and legend text colours now and after
    every palette change; ``restyle(palette)``, when given, then recolours the plot's own items
    (curves, bars)."""

    def apply() -> None:
        item = plot.getPlotItem()
        if item is None:  # the plot was closed: pyqtgraph has let go of its items
            return
        palette = plot.palette()
        text = text_colour(palette)
        plot.setBackground(background_colour(palette))
        for name in ("left", "bottom", "right", "top"):
            axis = item.getAxis(name)
            axis.setPen(text)
            axis.setTextPen(text)
            axis.label.setDefaultTextColor(text)
        item.titleLabel.setAttr("color", text)
        item.titleLabel.setText(item.titleLabel.text)
        for legend in _legends(plot):
            _style_legend(legend, palette)
        if restyle is not None:
            restyle(palette)

    apply()
    when_palette_changes(plot, apply)


def frame_colour(palette: QPalette) -> QColor:
    """A quiet edge around images and plots, seen against both the window and a black image:
    the text colour at 40 % opacity."""
    colour = QColor(text_colour(palette))
    colour.setAlphaF(0.4)
    return colour


def _legends(plot: pg.PlotWidget) -> list[pg.LegendItem]:
    """The legends shown in ``plot``, whether made by ``addLegend`` or placed by hand."""
    return [item for item in plot.scene().items() if isinstance(item, pg.LegendItem)]


def _style_legend(legend: pg.LegendItem, palette: QPalette) -> None:
    """Legend labels in the text colour; a legend's frame, if it has one, in the background
    colour with a mid-tone edge."""
    text = text_colour(palette)
    legend.setLabelTextColor(text)
    for _sample, label in legend.items:
        label.setText(label.text)  # setLabelTextColor stores the colour; this redraws the text
    if legend.brush().style() != pg.QtCore.Qt.BrushStyle.NoBrush:
        legend.setBrush(background_colour(palette))
    if legend.pen().style() != pg.QtCore.Qt.PenStyle.NoPen:
        legend.setPen(palette.color(QPalette.ColorRole.Mid))


def diverging_lookup_table(palette: QPalette, size: int = 256) -> np.ndarray:
    """A ``(size, 3)`` uint8 colour table for signed values centred on 0: blue
    (:data:`DIVERGING_NEGATIVE`) at index 0, exactly the palette's background at index
    ``size // 2``, red (:data:`DIVERGING_POSITIVE`) at index ``size - 1``, linear in between on
    each side. :func:`diverging_index` maps values to its entries (0 to index ``size // 2``)."""
    if size < 1:
        raise ValueError(f"a lookup table needs at least 1 entry, not {size}")
    middle_index = size // 2
    middle = np.array(background_colour(palette).getRgb()[:3], dtype=float)
    index = np.arange(size, dtype=float)
    t = np.where(
        index < middle_index,
        (index - middle_index) / max(middle_index, 1),
        (index - middle_index) / max(size - 1 - middle_index, 1),
    )[:, None]
    negative = np.array(DIVERGING_NEGATIVE, dtype=float)
    positive = np.array(DIVERGING_POSITIVE, dtype=float)
    table = np.where(t < 0, middle + (negative - middle) * -t, middle + (positive - middle) * t)
    return np.round(table).astype(np.uint8)


def diverging_index(values: np.ndarray, limit: float, size: int = 256) -> np.ndarray:
    """The entries of a :func:`diverging_lookup_table` of ``size`` for ``values`` (any shape)
    on a scale of ``-limit`` (entry 0) to ``+limit`` (entry ``size - 1``): 0 is entry
    ``size // 2``, values beyond the limit take the end entries. Returns int64, the shape of
    ``values``; a ``limit`` of 0 (all values 0) gives the middle entry everywhere."""
    middle = size // 2
    v = np.asarray(values, dtype=float)
    t = np.clip(v / limit, -1.0, 1.0) if limit > 0 else np.zeros_like(v)
    steps = np.where(t < 0, middle, size - 1 - middle)
    return np.rint(middle + t * steps).astype(np.int64)
