"""The accuracy plot: earlier runs kept, dimmed and named by what differs; exports; colours."""

from __future__ import annotations

import csv
import os

import numpy as np
from PySide6.QtGui import QColor, QImage, QPalette

from app.train.accuracy_plot import MAX_EARLIER_RUNS, AccuracyPlot
from nn.training import EpochResult
from tests.app.conftest import OFFSCREEN_POPUPS, choose, open_plot_menu
from tests.app.train.conftest import LEFT, configure, run_to_end


def legend_labels(plot: AccuracyPlot) -> list[str]:
    return [label.text for _, label in plot.runs_legend.items]


def two_runs(qtbot, window) -> AccuracyPlot:
    tab = window.training_tab
    window.tabs.setCurrentWidget(tab)
    configure(tab, epochs=2, eta="1.0", seed="1")
    run_to_end(qtbot, tab)
    configure(tab, epochs=3, eta="3", seed="1")
    run_to_end(qtbot, tab)
    return tab.plot


def test_an_earlier_run_stays_dimmed_and_named_by_what_differs(qtbot, window):
    plot = two_runs(qtbot, window)
    assert legend_labels(plot) == ["run 2 (this run)", "run 1: η = 1, 2 epochs"]
    assert plot.runs_legend.isVisible()
    [earlier] = plot.earlier_runs
    x, _ = earlier.validation_curve.getData()
    assert list(x) == [0, 1]
    for dim, bold in zip(earlier.curves, (plot.validation_curve, plot.test_curve, plot.loss_curve)):
        assert dim.opts["pen"].color().alpha() < 128 <= bold.opts["pen"].color().alpha() == 255
        assert dim.opts["pen"].widthF() < bold.opts["pen"].widthF()
    assert list(plot.test_curve.getData()[0]) == [0, 1, 2]  # the current run, bold, in full
    button = plot.clear_earlier_button
    assert button.isEnabled()
    qtbot.mouseClick(button, LEFT)
    assert plot.earlier_runs == [] and not plot.runs_legend.isVisible()
    assert not button.isEnabled()
    assert earlier.validation_curve not in plot.getPlotItem().items
    assert list(plot.test_curve.getData()[0]) == [0, 1, 2]


def test_runs_with_the_same_settings_say_so(qtbot, window):
    tab = window.training_tab
    configure(tab, epochs=1, seed="2")
    run_to_end(qtbot, tab)
    run_to_end(qtbot, tab)
    assert legend_labels(tab.plot) == ["run 2 (this run)", "run 1: same settings"]


def result(epoch: int, validation: int, test: int, loss: float) -> EpochResult:
    return EpochResult(epoch, loss, validation, 100, test, 100, 0.01)


def test_at_most_eight_earlier_runs_are_kept_the_oldest_dropped(qtbot):
    plot = AccuracyPlot()
    qtbot.addWidget(plot)
    for run in range(1, 12):
        plot.start_run({"η": f"η = {run}"})
        plot.add_epoch(result(0, 50 + run, 40 + run, 1.0 / run))
    assert len(plot.earlier_runs) == MAX_EARLIER_RUNS
    assert [r.figures.number for r in plot.earlier_runs] == list(range(3, 11))
    assert legend_labels(plot)[:2] == ["run 11 (this run)", "run 10: η = 10"]
    items = plot.getPlotItem().items
    assert sum(isinstance(i, type(plot.test_curve)) for i in items) == 2 + 2 * MAX_EARLIER_RUNS


@OFFSCREEN_POPUPS
def test_the_csv_export_holds_exactly_the_numbers_plotted(qtbot, window, tmp_path, dialogs):
    plot = two_runs(qtbot, window)
    dialogs.answer = str(tmp_path / "curves.csv")
    choose(qtbot, open_plot_menu(qtbot, plot), "Export figures as CSV…")
    with (tmp_path / "curves.csv").open(newline="", encoding="utf-8") as file:
        header, *rows = list(csv.reader(file))
    assert header == ["run", "settings", "epoch", "validation accuracy (%)",
                      "test accuracy (%)", "training loss"]  # fmt: skip
    runs = {1: plot.earlier_runs[0].curves, 2: (plot.validation_curve, plot.test_curve,
                                                plot.loss_curve)}  # fmt: skip
    for number, curves in runs.items():
        mine = [row for row in rows if row[0] == str(number)]
        plotted = [curve.getData() for curve in curves]
        assert [int(row[2]) for row in mine] == [int(x) for x in plotted[0][0]]
        for column, (_, y) in zip((3, 4, 5), plotted, strict=True):
            assert [float(row[column]) for row in mine] == [float(v) for v in y]
    assert {row[1] for row in rows if row[0] == "1"} == {"η = 1, 2 epochs"}
    current = {row[1] for row in rows if row[0] == "2"}.pop()
    assert "η = 3" in current and "3 epochs" in current and "[784, 30, 10]" in current
    assert dialogs.errors == []


@OFFSCREEN_POPUPS
def test_the_png_export_is_the_plot_at_its_size(qtbot, window, tmp_path, dialogs):
    plot = two_runs(qtbot, window)
    dialogs.answer = str(tmp_path / "curves.png")
    choose(qtbot, open_plot_menu(qtbot, plot), "Export plot as PNG…")
    image = QImage(str(tmp_path / "curves.png"))
    assert not image.isNull()
    assert (image.width(), image.height()) == (plot.width(), plot.height())


@OFFSCREEN_POPUPS
def test_an_export_to_an_unwritable_place_shows_why_and_leaves_nothing(
    qtbot, window, tmp_path, dialogs
):
    plot = two_runs(qtbot, window)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a-file").write_text("x", encoding="utf-8")
    dialogs.answer = str(folder / "a-file" / "curves.csv")
    choose(qtbot, open_plot_menu(qtbot, plot), "Export figures as CSV…")
    [(title, text)] = dialogs.errors
    assert title == "Could not export the CSV" and "Not a directory" in text
    assert os.listdir(folder) == ["a-file"]
    assert window.isVisible()


@OFFSCREEN_POPUPS
def test_clear_earlier_runs_is_in_the_menu_too(qtbot, window, dialogs):
    plot = two_runs(qtbot, window)
    choose(qtbot, open_plot_menu(qtbot, plot), "Clear earlier runs")
    assert plot.earlier_runs == []


def test_colours_follow_the_palette(qtbot):
    plot = AccuracyPlot()
    qtbot.addWidget(plot)
    plot.start_run({"η": "η = 1"})
    plot.add_epoch(result(0, 80, 81, 0.5))
    plot.start_run({"η": "η = 2"})
    plot.add_epoch(result(0, 82, 83, 0.4))
    plot.show()
    qtbot.waitExposed(plot)
    light_validation = plot.validation_curve.opts["pen"].color().name()
    dark = QPalette(plot.palette())
    for role, colour in ((QPalette.ColorRole.Window, "#2b2b2b"),
                         (QPalette.ColorRole.Base, "#1e1e1e"),
                         (QPalette.ColorRole.WindowText, "#e6e6e6")):  # fmt: skip
        dark.setColor(role, QColor(colour))
    plot.setPalette(dark)
    qtbot.waitUntil(lambda: plot.validation_curve.opts["pen"].color().name() != light_validation)
    text = QColor("#e6e6e6")
    for legend in (plot.legend, plot.runs_legend):
        for _, label in legend.items:
            assert QColor(label.opts["color"]).rgb() == text.rgb()
    background = plot.backgroundBrush().color()
    for curve in (plot.validation_curve, plot.test_curve, plot.loss_curve):
        assert _contrast(curve.opts["pen"].color(), background) > 3
    [earlier] = plot.earlier_runs
    assert earlier.validation_curve.opts["pen"].color().rgb() == (
        plot.validation_curve.opts["pen"].color().rgb()
    )  # the same colour, fainter


def _contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours."""

    def luminance(colour: QColor) -> float:
        channels = np.array(colour.getRgbF()[:3])
        linear = np.where(
            channels <= 0.03928, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4
        )
        return float(linear @ [0.2126, 0.7152, 0.0722])

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
