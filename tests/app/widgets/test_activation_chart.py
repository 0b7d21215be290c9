"""The output bar chart: its bars, its colours in both themes, and its state in words."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from app.draw.mouse_replay import drag
from app.main_window import DEFAULT_MODEL
from app.self_test import SEVEN, hand_path
from app.theme import palette_for
from app.widgets.activation_chart import ActivationChart, describe_activations
from app.widgets.plotting import background_colour

LIGHT, DARK = palette_for(False), palette_for(True)


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""

    def luminance(colour: QColor) -> float:
        channels = [colour.redF(), colour.greenF(), colour.blueF()]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def expected_description(a: list[float]) -> str:
    """The words for ``a``, worked out by sorting (activation, digit) pairs."""
    (top, first), (runner, second) = sorted(
        ((value, digit) for digit, value in enumerate(a)), key=lambda p: (-p[0], p[1])
    )[:2]
    return f"answer {first}, activation {top:.2f}; next {second}, {runner:.2f}"


@pytest.fixture
def chart(qtbot, restored_theme) -> ActivationChart:
    QApplication.setPalette(LIGHT)
    chart = ActivationChart()
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def test_the_chart_is_named_and_says_no_drawing_before_any(chart):
    assert chart.accessibleName() == "Output activations"
    assert chart.accessibleDescription() == "no drawing"
    np.testing.assert_array_equal(chart.heights(), np.zeros(10))


def test_the_description_says_the_answer_and_the_runner_up_after_every_update(chart):
    rng = np.random.default_rng(4)
    for _ in range(20):
        a = rng.dirichlet(np.ones(10))
        chart.set_activations(a)
        assert chart.accessibleDescription() == expected_description(a.tolist())
        np.testing.assert_allclose(chart.heights(), a)
    chart.set_activations(None)
    assert chart.accessibleDescription() == "no drawing"


def test_the_description_reads_like_the_example():
    a = np.full(10, 0.001)
    a[4], a[9] = 0.98, 0.01
    assert describe_activations(a) == "answer 4, activation 0.98; next 9, 0.01"


def test_only_the_winner_is_highlighted(chart):
    a = np.linspace(0.0, 0.3, 10)
    a[6] = 0.9
    chart.set_activations(a)
    colours = [b.color().name() for b in chart.bar_brushes()]
    assert len(set(colours)) == 2
    assert [i for i, c in enumerate(colours) if c != colours[0]] == [6]


def test_bars_and_winner_recolour_with_the_palette_and_stand_out_in_both(qtbot, chart):
    a = np.full(10, 0.05)
    a[2] = 0.55
    chart.set_activations(a)
    seen = {}
    for name, palette in (("dark", DARK), ("light", LIGHT), ("dark again", DARK)):
        QApplication.setPalette(palette)
        base = background_colour(palette)
        qtbot.waitUntil(lambda b=base: chart.backgroundBrush().color() == b)
        brushes = chart.bar_brushes()
        bar, winner = brushes[0].color(), brushes[2].color()
        assert all(b.color() == bar for i, b in enumerate(brushes) if i != 2)
        assert contrast(bar, base) >= 3.0, name  # WCAG's minimum for graphics
        assert contrast(winner, base) >= 2.5, name
        assert winner != bar
        seen[name] = (bar.name(), winner.name())
    assert seen["dark"] != seen["light"]
    assert seen["dark"] == seen["dark again"]


def test_drawing_on_the_draw_tab_updates_the_descriptions(make_window):
    window = make_window(default_model=DEFAULT_MODEL)
    tab = window.drawing_tab
    window.tabs.setCurrentWidget(tab)
    assert tab.chart.accessibleDescription() == "no drawing"
    drag(tab.canvas, [hand_path(stroke) for stroke in SEVEN], fractions=True)
    a = tab.activations()
    assert a is not None and int(np.argmax(a)) == 7
    assert tab.chart.accessibleDescription() == expected_description(a.tolist())
    assert tab.chart.accessibleDescription().startswith("answer 7, activation ")
    shown = tab.preview.current_input()
    ink = sum(1 for value in shown.tolist() if value >= 0.5) / 784
    assert tab.preview.accessibleDescription() == (
        f"the 28×28 image the network reads: ink covers {round(100 * ink)} % of it"
    )
    tab.clear()
    assert tab.chart.accessibleDescription() == "no drawing"
    assert "blank" in tab.preview.accessibleDescription()
