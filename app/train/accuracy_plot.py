"""The live plot of a training run: validation and test accuracy per epoch, training loss."""

from __future__ import annotations

import math
import time

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from nn.training import EpochResult

VALIDATION_COLOUR = "#1f77b4"
TEST_COLOUR = "#d62728"
LOSS_COLOUR = "#7f7f7f"
REDRAW_INTERVAL_MS = 250


class AccuracyPlot(pg.PlotWidget):
    """Accuracy (%) on the left axis and training loss on a right axis of its own, against epoch.

    The three curves are created once; :meth:`add_epoch` appends a point to each with
    ``setData`` and :meth:`clear_run` empties them for a new run. Redraws are at most
    :data:`REDRAW_INTERVAL_MS` apart: an epoch that ends sooner after the last redraw is drawn
    with the next one (each redraw costs the training thread ~10 ms of the GIL), and
    :meth:`flush` draws what is pending at once.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("accuracyPlot")
        self.setMinimumSize(260, 200)
        item = self.getPlotItem()
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "accuracy", units="%")
        item.setMenuEnabled(False)
        for name in ("left", "bottom", "right"):
            item.getAxis(name).setPen("#444")
            item.getAxis(name).setTextPen("#222")
        item.setTitle(" ")  # an empty title row: the legend sits there, above the curves
        legend = pg.LegendItem(colCount=3, labelTextColor="#222")
        legend.setParentItem(item)
        legend.anchor(itemPos=(0.5, 0), parentPos=(0.5, 0), offset=(0, 2))
        self.validation_curve = item.plot(**_style(VALIDATION_COLOUR, "o"))
        self.test_curve = item.plot(**_style(TEST_COLOUR, "s"))
        legend.addItem(self.validation_curve, "validation accuracy")
        legend.addItem(self.test_curve, "test accuracy")
        self.loss_view = pg.ViewBox()
        self.loss_curve = pg.PlotDataItem(**_style(LOSS_COLOUR, "t", dashed=True))
        self._add_loss_axis(item, legend)
        self._epochs: list[int] = []
        self._validation: list[float] = []
        self._test: list[float] = []
        self._loss: list[float] = []
        self._last_redraw = -math.inf
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.timeout.connect(self.flush)
        self.clear_run()

    def __repr__(self) -> str:
        return f"AccuracyPlot({len(self._epochs)} epochs)"

    def _add_loss_axis(self, item: pg.PlotItem, legend: pg.LegendItem) -> None:
        """A second ViewBox for the loss, drawn over the main one and sharing its x axis."""
        item.showAxis("right")
        item.getAxis("right").setLabel("training loss")
        item.getAxis("right").enableAutoSIPrefix(False)
        item.scene().addItem(self.loss_view)
        item.getAxis("right").linkToView(self.loss_view)
        self.loss_view.setXLink(item)
        self.loss_view.addItem(self.loss_curve)
        legend.addItem(self.loss_curve, "training loss")
        item.vb.sigResized.connect(self._sync_views)

    def _sync_views(self) -> None:
        main = self.getPlotItem().vb
        self.loss_view.setGeometry(main.sceneBoundingRect())
        self.loss_view.linkedViewChanged(main, self.loss_view.XAxis)

    def clear_run(self) -> None:
        """Forget the points of the previous run."""
        self._redraw_timer.stop()
        for values in (self._epochs, self._validation, self._test, self._loss):
            values.clear()
        self.flush()
        self._last_redraw = -math.inf  # the first epoch of a run shows at once

    def add_epoch(self, result: EpochResult) -> None:
        """Append the point of one finished epoch (epochs are numbered from 0, as in the log)."""
        self._epochs.append(result.epoch)
        self._loss.append(result.training_loss)
        if result.validation_accuracy is not None:
            self._validation.append(100 * result.validation_accuracy)
        if result.test_accuracy is not None:
            self._test.append(100 * result.test_accuracy)
        if not self._redraw_timer.isActive():
            wait = REDRAW_INTERVAL_MS - 1000 * (time.monotonic() - self._last_redraw)
            if wait <= 0:
                self.flush()
            else:
                self._redraw_timer.start(int(wait))

    def flush(self) -> None:
        """Show every point added so far."""
        self._redraw_timer.stop()
        self._last_redraw = time.monotonic()
        step = max(1, math.ceil(len(self._epochs) / 10))  # whole epochs, at most ~10 labels
        self.getPlotItem().getAxis("bottom").setTickSpacing(step, step)
        self.loss_curve.setData(self._epochs, self._loss)
        for curve, values in (
            (self.validation_curve, self._validation),
            (self.test_curve, self._test),
        ):
            curve.setData(self._epochs[len(self._epochs) - len(values) :], values)


def _style(colour: str, symbol: str, dashed: bool = False) -> dict:
    pen = pg.mkPen(colour, width=2, style=pg.QtCore.Qt.PenStyle.DashLine if dashed else None)
    return {
        "pen": pen,
        "symbol": symbol,
        "symbolSize": 6,
        "symbolBrush": colour,
        "symbolPen": colour,
        "antialias": True,
    }
