"""A bar chart of the network's 10 output activations, the winner highlighted."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import QWidget

from app.widgets.plotting import is_dark, style_plot

DIGITS = 10
BAR_COLOURS = {False: QColor(120, 144, 178), True: QColor(128, 154, 196)}
"""The bars' muted blue-grey, on a light (False) and a dark (True) background."""
WINNER_COLOURS = {False: QColor(224, 112, 16), True: QColor(245, 150, 55)}
"""The winner's orange, on a light (False) and a dark (True) background."""


def bar_colours(palette: QPalette) -> tuple[QColor, QColor]:
    """``(bar, winner)`` colours that stand out on ``palette``'s background: blue-grey and
    orange, a pair that colour-blind eyes tell apart too."""
    dark = is_dark(palette)
    return QColor(BAR_COLOURS[dark]), QColor(WINNER_COLOURS[dark])


def describe_activations(a: np.ndarray | None) -> str:
    """The chart's state in words, for screen readers: "answer 4, activation 0.98; next 9,
    0.01" for (10,) activations ``a``, "no drawing" for None."""
    if a is None:
        return "no drawing"
    order = np.argsort(-np.asarray(a, dtype=float).reshape(DIGITS), kind="stable")
    first, second = int(order[0]), int(order[1])
    return f"answer {first}, activation {a[first]:.2f}; next {second}, {a[second]:.2f}"


class ActivationChart(pg.PlotWidget):
    """Ten bars at x = 0…9, heights = output activations in [0, 1] (y range fixed to [0, 1]).

    One :class:`pg.BarGraphItem` is created here and only updated afterwards
    (:meth:`set_activations` → ``setOpts``). Mouse panning, zooming and the context menu are off:
    it is a display, not a plot to explore. Its colours follow the palette
    (:func:`~app.widgets.plotting.style_plot`); its accessible description says the answer and
    the runner-up in words after every :meth:`set_activations`.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activationChart")
        self.setToolTip(
            "Output activation of each of the 10 output neurons (0 to 1); "
            "the highest, the network's answer, is orange."
        )
        self.setAccessibleName("Output activations")
        self.setMinimumSize(220, 160)
        self._heights = np.zeros(DIGITS)
        self._winner: int | None = None
        self._brush, self._winner_brush = (QBrush(c) for c in bar_colours(self.palette()))
        self._bars = pg.BarGraphItem(
            x=np.arange(DIGITS),
            height=self._heights.copy(),
            width=0.7,
            pen=pg.mkPen(None),
            brushes=self._brushes(),
        )
        self._set_up_axes()
        self.addItem(self._bars)
        style_plot(self, self._restyle)
        self.set_activations(None)

    def _set_up_axes(self) -> None:
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.setXRange(-0.6, DIGITS - 0.4, padding=0)
        plot.setYRange(0.0, 1.0, padding=0.05)  # a margin, so the 0 and 1 labels show
        plot.showGrid(y=True, alpha=0.25)
        plot.setLabel("bottom", "digit")
        plot.setLabel("left", "activation")
        plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(DIGITS)]])
        plot.getAxis("left").setTicks([[(v, f"{v:g}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]])

    def _restyle(self, palette: QPalette) -> None:
        self._brush, self._winner_brush = (QBrush(c) for c in bar_colours(palette))
        self._bars.setOpts(brushes=self._brushes())

    def _brushes(self) -> list[QBrush]:
        brushes = [self._brush] * DIGITS
        if self._winner is not None:
            brushes[self._winner] = self._winner_brush
        return brushes

    def set_activations(self, a: np.ndarray | None) -> None:
        """Show ``a``, the (10,) output activations in [0, 1]; None → all bars at 0."""
        if a is None:
            self._heights = np.zeros(DIGITS)
            self._winner = None
        else:
            self._heights = np.asarray(a, dtype=float).reshape(DIGITS).copy()
            self._winner = int(np.argmax(self._heights))
        self._bars.setOpts(height=self._heights, brushes=self._brushes())
        self.setAccessibleDescription(describe_activations(None if a is None else self._heights))

    def heights(self) -> np.ndarray:
        """A copy of the (10,) bar heights now shown."""
        return np.array(self._bars.opts["height"], dtype=float)

    def bar_brushes(self) -> list[QBrush]:
        """The 10 bars' brushes now shown, digit 0 first (the winner's differs)."""
        return list(self._bars.opts["brushes"])
