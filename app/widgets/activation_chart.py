"""A bar chart of the network's 10 output activations, the winner highlighted."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import QWidget

DIGITS = 10
BAR_COLOUR = QColor(120, 144, 178)  # muted blue-grey
WINNER_COLOUR = QColor(232, 125, 30)  # orange


class ActivationChart(pg.PlotWidget):
    """Ten bars at x = 0…9, heights = output activations in [0, 1] (y range fixed to [0, 1]).

    One :class:`pg.BarGraphItem` is created here and only updated afterwards
    (:meth:`set_activations` → ``setOpts``). Mouse panning, zooming and the context menu are off:
    it is a display, not a plot to explore.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activationChart")
        self.setToolTip(
            "Output activation of each of the 10 output neurons (0 to 1); "
            "the highest, the network's answer, is orange."
        )
        self.setMinimumSize(220, 160)
        self._brush = QBrush(BAR_COLOUR)
        self._winner_brush = QBrush(WINNER_COLOUR)
        self._heights = np.zeros(DIGITS)
        self._bars = pg.BarGraphItem(
            x=np.arange(DIGITS),
            height=self._heights.copy(),
            width=0.7,
            pen=pg.mkPen(None),
            brushes=[self._brush] * DIGITS,
        )
        self._style_plot()
        self.addItem(self._bars)

    def _style_plot(self) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        self.setBackground(palette.color(QPalette.ColorRole.Base))
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.setXRange(-0.6, DIGITS - 0.4, padding=0)
        plot.setYRange(0.0, 1.0, padding=0.05)  # a margin, so the 0 and 1 labels show
        plot.showGrid(y=True, alpha=0.25)
        plot.setLabel("bottom", "digit")
        plot.setLabel("left", "activation")
        for name in ("bottom", "left"):
            axis = plot.getAxis(name)
            axis.setPen(text)
            axis.setTextPen(text)
        plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(DIGITS)]])
        plot.getAxis("left").setTicks([[(v, f"{v:g}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]])

    def set_activations(self, a: np.ndarray | None) -> None:
        """Show ``a``, the (10,) output activations in [0, 1]; None → all bars at 0."""
        if a is None:
            self._heights = np.zeros(DIGITS)
            brushes = [self._brush] * DIGITS
        else:
            self._heights = np.asarray(a, dtype=float).reshape(DIGITS).copy()
            brushes = [self._brush] * DIGITS
            brushes[int(np.argmax(self._heights))] = self._winner_brush
        self._bars.setOpts(height=self._heights, brushes=brushes)

    def heights(self) -> np.ndarray:
        """A copy of the (10,) bar heights now shown."""
        return np.array(self._bars.opts["height"], dtype=float)
