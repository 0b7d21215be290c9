"""Palette-following colours: palette changes reach the callbacks, plots recolour, the diverging
table is centred on the background."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from app.theme import palette_for
from app.train.accuracy_plot import AccuracyPlot
from app.widgets.activation_chart import ActivationChart
from app.widgets.plotting import (
    DIVERGING_NEGATIVE,
    DIVERGING_POSITIVE,
    background_colour,
    diverging_index,
    diverging_lookup_table,
    frame_colour,
    is_dark,
    style_plot,
    text_colour,
    when_palette_changes,
)

LIGHT, DARK = palette_for(False), palette_for(True)


def rgb(colour: QColor) -> tuple[int, int, int]:
    return colour.red(), colour.green(), colour.blue()


# -- the diverging table ----------------------------------------------------------------------


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
@pytest.mark.parametrize("size", [256, 255, 11, 2, 1])
def test_diverging_table_middle_is_exactly_the_background(palette, size):
    table = diverging_lookup_table(palette, size)
    assert table.shape == (size, 3) and table.dtype == np.uint8
    assert tuple(table[size // 2]) == rgb(background_colour(palette))


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
def test_diverging_table_runs_linearly_from_blue_through_the_background_to_red(palette):
    size, middle = 256, 128
    table = diverging_lookup_table(palette, size)
    background = rgb(background_colour(palette))
    # Reference: piecewise-linear interpolation through the three anchor colours.
    expected = np.stack(
        [
            np.interp(
                np.arange(size),
                [0, middle, size - 1],
                [DIVERGING_NEGATIVE[c], background[c], DIVERGING_POSITIVE[c]],
            )
            for c in range(3)
        ],
        axis=1,
    )
    np.testing.assert_allclose(table, expected, atol=0.51)
    assert tuple(table[0]) == DIVERGING_NEGATIVE
    assert tuple(table[-1]) == DIVERGING_POSITIVE


@pytest.mark.parametrize("size", [256, 255, 11, 2, 1])
def test_diverging_index_puts_zero_on_the_middle_and_the_limits_on_the_ends(size):
    index = diverging_index(np.array([-5.0, -2.0, 0.0, 2.0, 5.0]), 2.0, size)
    assert index.tolist() == [0, 0, size // 2, size - 1, size - 1]
    assert diverging_index(np.zeros((2, 3)), 0.0, size).tolist() == [[size // 2] * 3] * 2


def test_diverging_index_colours_follow_the_value_linearly():
    table = diverging_lookup_table(DARK)
    values = np.linspace(-1.0, 1.0, 41)
    colours = table[diverging_index(values, 1.0)].astype(float)
    background = np.array(rgb(background_colour(DARK)), dtype=float)
    ends = np.where(values[:, None] < 0, DIVERGING_NEGATIVE, DIVERGING_POSITIVE)
    expected = background + (ends - background) * np.abs(values)[:, None]
    # One table step is at most 1/127 of the way from the background to an end colour.
    np.testing.assert_allclose(colours, expected, atol=np.abs(ends - background).max() / 127 + 1)


def test_diverging_table_refuses_an_empty_size():
    with pytest.raises(ValueError, match="at least 1"):
        diverging_lookup_table(LIGHT, 0)


# -- palette helpers -------------------------------------------------------------------------


def test_light_and_dark_are_told_apart():
    assert not is_dark(LIGHT)
    assert is_dark(DARK)


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
def test_frame_colour_is_a_translucent_text_colour(palette):
    frame = frame_colour(palette)
    assert rgb(frame) == rgb(text_colour(palette))
    assert 0.2 < frame.alphaF() < 0.6


# -- palette changes reach widgets -----------------------------------------------------------


class Recorder:
    """Records the window colour a widget has each time its callback runs."""

    def __init__(self, widget: QWidget) -> None:
        self.seen: list[str] = []
        when_palette_changes(
            widget,
            lambda: self.seen.append(widget.palette().color(QPalette.ColorRole.Window).name()),
        )


def test_an_application_palette_change_reaches_every_callback_once_with_the_new_colours(
    qtbot, restored_theme
):
    QApplication.setPalette(LIGHT)
    top = QWidget()
    qtbot.addWidget(top)
    child, plot = QWidget(top), ActivationChart(top)  # an ActivationChart is a pg.PlotWidget
    layout = QVBoxLayout(top)
    layout.addWidget(child)
    layout.addWidget(plot)
    lone_plot = ActivationChart()  # a top-level widget of its own
    qtbot.addWidget(lone_plot)
    hidden = QWidget()  # never shown: it must follow too, to be right when it is
    qtbot.addWidget(hidden)
    top.show()
    lone_plot.show()
    qtbot.waitExposed(top)
    recorders = [Recorder(w) for w in (top, child, plot, lone_plot, hidden)]
    dark, light = (
        DARK.color(QPalette.ColorRole.Window).name(),
        LIGHT.color(QPalette.ColorRole.Window).name(),
    )

    QApplication.setPalette(DARK)
    qtbot.waitUntil(lambda: all(r.seen == [dark] for r in recorders))
    QApplication.setPalette(LIGHT)
    qtbot.waitUntil(lambda: all(r.seen == [dark, light] for r in recorders))
    QApplication.setPalette(LIGHT)  # no change: no call
    QApplication.processEvents()
    assert all(r.seen == [dark, light] for r in recorders)


def label_colours(legend) -> list[str]:
    """The text colours of a pyqtgraph legend's labels."""
    return [QColor(label.opts["color"]).name() for _, label in legend.items]


def test_style_plot_recolours_background_axes_title_legends_and_items(qtbot, restored_theme):
    QApplication.setPalette(LIGHT)
    plot = ActivationChart()  # a pg.PlotWidget (tests do not import pyqtgraph itself)
    qtbot.addWidget(plot)
    plot.setTitle("activations")
    legend = plot.addLegend()
    legend.addItem(plot.plot([0, 1], [0, 1]), "a legend")
    restyled: list[bool] = []
    style_plot(plot, lambda palette: restyled.append(is_dark(palette)))
    accuracy = AccuracyPlot()  # its legend is placed by hand, not made by addLegend
    qtbot.addWidget(accuracy)
    plot.show()
    qtbot.waitExposed(plot)

    for palette, dark in ((DARK, True), (LIGHT, False)):
        QApplication.setPalette(palette)
        qtbot.waitUntil(lambda d=dark: restyled[-1:] == [d])
        text = palette.color(QPalette.ColorRole.WindowText).name()
        assert plot.backgroundBrush().color() == palette.color(QPalette.ColorRole.Base)
        for name in ("left", "bottom"):
            axis = plot.getPlotItem().getAxis(name)
            assert axis.pen().color().name() == text
            assert axis.textPen().color().name() == text
            assert axis.labelStyle["color"] == text
        title = plot.getPlotItem().titleLabel.item.toHtml().lower().replace(" ", "")
        assert f"color:{text}" in title
        assert label_colours(legend) == [text]
        qtbot.waitUntil(lambda t=text: set(label_colours(accuracy.legend)) == {t})
    assert restyled == [False, True, False]


def test_a_closed_plot_ignores_palette_changes(qtbot, restored_theme):
    QApplication.setPalette(LIGHT)
    plot = ActivationChart()  # not given to qtbot: pyqtgraph's close() cannot run twice
    restyled: list[bool] = []
    style_plot(plot, lambda palette: restyled.append(is_dark(palette)))
    watcher = Recorder(plot)
    plot.close()  # pyqtgraph drops the plot item; the widget lives on until deleted
    QApplication.setPalette(DARK)
    qtbot.waitUntil(lambda: watcher.seen != [])
    assert restyled == [False]
    plot.deleteLater()
