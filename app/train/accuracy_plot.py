"""The live plot of training runs: validation and test accuracy per epoch, training loss, and the
earlier runs' curves, dimmed, for comparison."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from app.train.run_history import RunFigures, differences, shorten
from app.widgets.plot_export import enable_export
from app.widgets.plotting import background_colour, is_dark, style_plot, text_colour
from nn.training import EpochResult

REDRAW_INTERVAL_MS = 250
MAX_EARLIER_RUNS = 8
"""Earlier runs kept on the plot; the oldest is dropped beyond that, so the legend fits."""
EARLIER_SYMBOLS = ("t1", "d", "star", "p", "h", "x", "+", "t2")
"""One marker per earlier run (by run number), so that its three curves can be told apart from
another run's; the current run's markers (o, s, t) are not among them."""
DIM_ALPHA = 110
"""Opacity (of 255) of an earlier run's curves."""
COLOURS = {  # (light palette, dark palette): both readable on the palette's Base colour
    "validation": ("#1f77b4", "#6cb4ee"),
    "test": ("#d62728", "#ff7b7b"),
}
CSV_HEADER = ["run", "settings", "epoch", "validation accuracy (%)", "test accuracy (%)",
              "training loss"]  # fmt: skip
CLEAR_TIP = "Remove the dimmed curves of earlier runs from the plot; the current run stays"


@dataclass
class EarlierRun:
    """A finished or stopped run still drawn: its figures, its three dimmed curves and the
    sample drawn beside its name in the runs legend."""

    figures: RunFigures
    validation_curve: pg.PlotDataItem
    test_curve: pg.PlotDataItem
    loss_curve: pg.PlotDataItem
    sample: pg.PlotDataItem

    @property
    def curves(self) -> tuple[pg.PlotDataItem, pg.PlotDataItem, pg.PlotDataItem]:
        return self.validation_curve, self.test_curve, self.loss_curve


class AccuracyPlot(pg.PlotWidget):
    """Accuracy (%) on the left axis and training loss on a right axis of its own, against epoch.

    The current run's three curves are created once; :meth:`add_epoch` appends a point to each
    with ``setData``. :meth:`start_run` moves the run before it (if it had an epoch) among the
    earlier runs, drawn thin and faint with one marker per run and named in a second legend by
    the settings in which it differs from the current run, until :meth:`clear_earlier_runs`
    (at most :data:`MAX_EARLIER_RUNS` are kept). Redraws of the current run are at most
    :data:`REDRAW_INTERVAL_MS` apart: an epoch that ends sooner after the last redraw is drawn
    with the next one (each redraw costs the training thread ~10 ms of the GIL), and
    :meth:`flush` draws what is pending at once. Colours follow the palette; the right-click
    menu exports the plot as PNG and the figures as CSV (:meth:`figures`).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accuracyPlot")
        self.setToolTip(
            "Accuracy on the validation and test sets after each epoch, and the training loss "
            "(right axis). Earlier runs stay, faint, for comparison. Right-click to export."
        )
        self.setAccessibleName("Accuracy plot")
        self.setAccessibleDescription(
            "Validation and test accuracy in percent and training loss per epoch, for this run "
            "and, dimmed, for earlier runs"
        )
        self.setMinimumSize(260, 200)
        item = self.getPlotItem()
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "accuracy", units="%")
        item.setTitle(" ")  # an empty title row: the legend sits there, above the curves
        self.legend = pg.LegendItem(colCount=3)
        self.legend.setParentItem(item)
        self.legend.anchor(itemPos=(0.5, 0), parentPos=(0.5, 0), offset=(0, 2))
        self.validation_curve = item.plot(symbol="o", symbolSize=6, antialias=True)
        self.test_curve = item.plot(symbol="s", symbolSize=6, antialias=True)
        self.legend.addItem(self.validation_curve, "validation accuracy")
        self.legend.addItem(self.test_curve, "test accuracy")
        self.loss_view = pg.ViewBox()
        self.loss_curve = pg.PlotDataItem(symbol="t", symbolSize=6, antialias=True)
        self._add_loss_axis(item)
        self.runs_legend = pg.LegendItem(colCount=1)
        """Names the runs once there are earlier ones: the current run first, bold."""
        self.runs_legend.setParentItem(item.vb)
        self.runs_legend.anchor(itemPos=(1, 1), parentPos=(1, 1), offset=(-4, -4))
        self.runs_legend.setVisible(False)
        self._current_sample = pg.PlotDataItem()
        self.earlier_runs: list[EarlierRun] = []
        """Oldest first."""
        self._run = RunFigures(number=0)
        self._runs_started = 0
        self._last_redraw = -math.inf
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.timeout.connect(self.flush)
        self.clear_earlier_action = QAction("Clear earlier runs", self)
        self.clear_earlier_action.setObjectName("clearEarlierRunsAction")
        self.clear_earlier_action.setToolTip(CLEAR_TIP)
        self.clear_earlier_action.triggered.connect(self.clear_earlier_runs)
        self.addAction(self.clear_earlier_action)  # shown in the right-click menu
        self.clear_earlier_button = _clear_button(self.clear_earlier_action)
        self._panel: QWidget | None = None
        enable_export(self, self.figures, name="training-curves")
        style_plot(self, self._restyle)
        self.clear_run()
        self._update_runs()

    def __repr__(self) -> str:
        return f"AccuracyPlot({len(self._run.epochs)} epochs, {len(self.earlier_runs)} earlier)"

    def panel(self) -> QWidget:
        """The plot above its "Clear earlier runs" button, as one widget to lay out (made on
        the first call; the plot then lives in it)."""
        if self._panel is None:
            self._panel = QWidget()
            self._panel.setObjectName("accuracyPanel")
            column = QVBoxLayout(self._panel)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(self, 1)
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(self.clear_earlier_button)
            column.addLayout(row)
        return self._panel

    def _add_loss_axis(self, item: pg.PlotItem) -> None:
        """A second ViewBox for the loss, drawn over the main one and sharing its x axis."""
        item.showAxis("right")
        item.getAxis("right").setLabel("training loss")
        item.getAxis("right").enableAutoSIPrefix(False)
        item.scene().addItem(self.loss_view)
        item.getAxis("right").linkToView(self.loss_view)
        self.loss_view.setXLink(item)
        self.loss_view.addItem(self.loss_curve)
        self.legend.addItem(self.loss_curve, "training loss")
        item.vb.sigResized.connect(self._sync_views)

    def _sync_views(self) -> None:
        main = self.getPlotItem().vb
        self.loss_view.setGeometry(main.sceneBoundingRect())
        self.loss_view.linkedViewChanged(main, self.loss_view.XAxis)

    # ---- runs

    @property
    def run_number(self) -> int:
        """The current run's number (1 for the first run since the window opened; 0 before)."""
        return self._run.number

    def start_run(self, settings: dict[str, str]) -> None:
        """A new run with these settings (see :func:`~app.train.run_history.run_settings`)
        begins: the run shown so far, if it had an epoch, joins the earlier runs."""
        self.flush()
        if self._run.epochs:
            self._keep_as_earlier(self._run)
        self._runs_started += 1
        self._run = RunFigures(number=self._runs_started, settings=dict(settings))
        self.clear_run()
        self._update_runs()

    def clear_run(self) -> None:
        """Forget the points of the current run (the earlier runs stay)."""
        self._redraw_timer.stop()
        self._run.clear()
        self.flush()
        self._last_redraw = -math.inf  # the first epoch of a run shows at once

    def clear_earlier_runs(self) -> None:
        """Remove the earlier runs' curves and legend entries."""
        while self.earlier_runs:
            self._drop(self.earlier_runs[0])
        self._update_runs()

    def _keep_as_earlier(self, figures: RunFigures) -> None:
        if len(self.earlier_runs) >= MAX_EARLIER_RUNS:
            self._drop(self.earlier_runs[0])
        symbol = EARLIER_SYMBOLS[(figures.number - 1) % len(EARLIER_SYMBOLS)]
        curves = [pg.PlotDataItem(symbol=symbol, symbolSize=5, antialias=True) for _ in range(3)]
        for curve in curves:
            curve.setZValue(-1)  # under the current run's curves
        validation, test, loss = curves
        validation.setData(*RunFigures.points(figures.epochs, figures.validation))
        test.setData(*RunFigures.points(figures.epochs, figures.test))
        loss.setData(figures.epochs, figures.loss)
        self.getPlotItem().addItem(validation)
        self.getPlotItem().addItem(test)
        self.loss_view.addItem(loss)
        sample = pg.PlotDataItem(symbol=symbol, symbolSize=7)
        self.earlier_runs.append(EarlierRun(figures, validation, test, loss, sample))

    def _drop(self, run: EarlierRun) -> None:
        self.getPlotItem().removeItem(run.validation_curve)
        self.getPlotItem().removeItem(run.test_curve)
        self.loss_view.removeItem(run.loss_curve)
        self.earlier_runs.remove(run)

    def earlier_label(self, run: EarlierRun) -> str:
        """The legend's name of an earlier run: its number and what differs from the current
        run ("run 1: η = 0.5, mini-batch 20")."""
        changed = differences(run.figures.settings, self._run.settings)
        return shorten(f"run {run.figures.number}: {', '.join(changed) or 'same settings'}")

    def _update_runs(self) -> None:
        """Rebuild the runs legend (names depend on the current run) and restyle."""
        self.runs_legend.clear()
        if self.earlier_runs:
            self.runs_legend.addItem(self._current_sample, f"run {self._run.number} (this run)")
            for run in reversed(self.earlier_runs):  # the latest first
                self.runs_legend.addItem(run.sample, self.earlier_label(run))
        self.runs_legend.setVisible(bool(self.earlier_runs))
        self.clear_earlier_action.setEnabled(bool(self.earlier_runs))
        self._restyle(self.palette())
        self._update_ticks()

    # ---- epochs

    def add_epoch(self, result: EpochResult) -> None:
        """Append the point of one finished epoch (epochs are numbered from 0, as in the log)."""
        self._run.add(
            result.epoch,
            None if result.validation_accuracy is None else 100 * result.validation_accuracy,
            None if result.test_accuracy is None else 100 * result.test_accuracy,
            result.training_loss,
        )
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
        run = self._run
        self._update_ticks()
        self.loss_curve.setData(run.epochs, run.loss)
        self.validation_curve.setData(*RunFigures.points(run.epochs, run.validation))
        self.test_curve.setData(*RunFigures.points(run.epochs, run.test))

    def _update_ticks(self) -> None:
        epochs = max([len(self._run.epochs)] + [len(r.figures.epochs) for r in self.earlier_runs])
        step = max(1, math.ceil(epochs / 10))  # whole epochs, at most ~10 labels
        self.getPlotItem().getAxis("bottom").setTickSpacing(step, step)

    def figures(self) -> tuple[list[str], list[list[object]]]:
        """The CSV table of every run on the plot, earlier runs first, one row per run per
        epoch: run number, settings (for an earlier run what differs from the current run, for
        the current run all of them), epoch, validation and test accuracy (%), training loss."""
        rows = []
        for run in self.earlier_runs:
            changed = differences(run.figures.settings, self._run.settings)
            rows += run.figures.rows(", ".join(changed) or "same settings")
        rows += self._run.rows(", ".join(self._run.settings.values()))
        return list(CSV_HEADER), rows

    # ---- colours

    def _restyle(self, palette: QPalette) -> None:
        """Colour curves and legends from ``palette``: readable on its Base colour, light or
        dark; earlier runs in the same colours, faint and thin."""
        dark = is_dark(palette)
        text = text_colour(palette)
        colours = {
            "validation": QColor(COLOURS["validation"][dark]),
            "test": QColor(COLOURS["test"][dark]),
            "loss": _blend(text, background_colour(palette), 0.35),
        }
        current = {"validation": self.validation_curve, "test": self.test_curve,
                   "loss": self.loss_curve}  # fmt: skip
        for name, curve in current.items():
            _colour_curve(curve, colours[name], width=2, dashed=name == "loss")
        for run in self.earlier_runs:
            for name, curve in zip(("validation", "test", "loss"), run.curves, strict=True):
                _colour_curve(curve, _faint(colours[name]), width=1, dashed=name == "loss")
            _colour_curve(run.sample, _faint(text, 150), width=1)
        _colour_curve(self._current_sample, text, width=3)
        self._current_sample.setSymbol(None)
        for legend in (self.legend, self.runs_legend):
            legend.setLabelTextColor(text)
        backdrop = QColor(background_colour(palette))
        backdrop.setAlpha(215)
        self.runs_legend.setBrush(backdrop)
        self.runs_legend.setPen(_faint(text, 80))
        for index, (_, label) in enumerate(self.runs_legend.items):
            label.setAttr("color", text if index == 0 else _faint(text, 150))
            label.setAttr("bold", index == 0)
            label.setText(label.text)
        for _, label in self.legend.items:
            label.setText(label.text)


def _colour_curve(curve: pg.PlotDataItem, colour: QColor, width: float, dashed: bool = False):
    style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
    curve.setPen(pg.mkPen(colour, width=width, style=style))
    curve.setSymbolPen(pg.mkPen(colour))
    curve.setSymbolBrush(pg.mkBrush(colour))


def _faint(colour: QColor, alpha: int = DIM_ALPHA) -> QColor:
    faint = QColor(colour)
    faint.setAlpha(alpha)
    return faint


def _blend(colour: QColor, towards: QColor, amount: float) -> QColor:
    """``colour`` moved ``amount`` (0 to 1) of the way to ``towards``."""
    return QColor.fromRgbF(
        *(a + (b - a) * amount for a, b in zip(colour.getRgbF()[:3], towards.getRgbF()[:3]))
    )


def _clear_button(action: QAction) -> QPushButton:
    button = QPushButton(action.text())
    button.setObjectName("clearEarlierRunsButton")
    button.setToolTip(CLEAR_TIP)
    button.setAccessibleName("Clear earlier runs")
    button.setAccessibleDescription(CLEAR_TIP)
    button.clicked.connect(action.trigger)
    button.setEnabled(action.isEnabled())
    action.enabledChanged.connect(button.setEnabled)
    return button
