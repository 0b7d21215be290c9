"""The confusion matrix in words and colours, and its CSV export."""

from __future__ import annotations

import csv
import itertools

import numpy as np
import pytest
from PySide6.QtGui import QColor, QPalette

import app.widgets.plot_export as plot_export
from app.evaluate.colours import scale_colour, share_to_scale, text_on
from app.evaluate.confusion_view import describe_confusion, most_confused
from app.widgets.plotting import background_colour
from tests.app.evaluate.conftest import LEFT, evaluate, window_with_model


def _matrix() -> np.ndarray:
    confusion = np.diag(np.full(10, 100)).astype(np.int64)
    confusion[4, 9] = 12
    confusion[9, 4] = 3
    confusion[7, 1] = 12  # a tie: the first in reading order is named
    return confusion


def test_the_most_confused_pair_is_named_in_words():
    confusion = _matrix()
    assert most_confused(confusion) == (4, 9, 12)
    total = confusion.sum()
    assert describe_confusion(confusion) == (
        f"accuracy {100 * 1000 / total:.1f} % (1,000 of {total:,}); "
        "most confused: 4 read as 9, 12 times"
    )
    assert describe_confusion(np.diag(np.full(10, 5))).endswith("no mistakes")
    assert describe_confusion(np.zeros((10, 10))).startswith("No evaluation yet")


def _contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        channels = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4
                    for x in c.getRgbF()[:3]]  # fmt: skip
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _palette(window: str, base: str, text: str) -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(window))
    palette.setColor(QPalette.ColorRole.Base, QColor(base))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(text))
    return palette


@pytest.mark.parametrize(
    "palette",
    [_palette("#efefef", "#ffffff", "#000000"), _palette("#2b2b2b", "#1e1e1e", "#f0f0f0")],
    ids=["light", "dark"],
)
def test_the_colour_scale_reads_in_light_and_dark(qapp, palette):
    assert scale_colour(palette, 0.0) == background_colour(palette)
    full = scale_colour(palette, 1.0)
    assert _contrast(full, background_colour(palette)) > 3, "the end of the scale stands out"
    for step in range(21):
        fill = scale_colour(palette, step / 20)
        assert _contrast(text_on(fill), fill) >= 4.5, step  # WCAG AA for the counts


def test_shares_map_onto_the_scale_by_decades():
    assert share_to_scale(0) == 0 and share_to_scale(float("nan")) == 0
    assert share_to_scale(1.0) == pytest.approx(1.0)
    steps = [share_to_scale(s) for s in (0.001, 0.01, 0.1, 1.0)]
    assert all(a < b for a, b in itertools.pairwise(steps))
    assert steps[0] > 0.05, "one mistake in a thousand is visible"


def test_the_confusion_matrix_exports_as_csv(qtbot, make_window, tmp_path, monkeypatch):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluation = evaluate(qtbot, tab)
    target = tmp_path / "confusion.csv"
    monkeypatch.setattr(plot_export, "ask_save_path", lambda *args: str(target))
    qtbot.mouseClick(tab.export_confusion_button, LEFT)
    with target.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["true digit", *(f"answered {d}" for d in range(10))]
    table = np.array([[int(v) for v in row] for row in rows[1:]])
    np.testing.assert_array_equal(table[:, 0], np.arange(10))
    np.testing.assert_array_equal(table[:, 1:], evaluation.confusion)


def test_a_failed_csv_export_is_reported(qtbot, make_window, tmp_path, monkeypatch):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluate(qtbot, tab)
    errors: list[str] = []
    target = tmp_path / "missing-folder" / "confusion.csv"
    monkeypatch.setattr(plot_export, "ask_save_path", lambda *args: str(target))
    monkeypatch.setattr(plot_export, "show_error", lambda parent, title, text: errors.append(text))
    qtbot.mouseClick(tab.export_confusion_button, LEFT)
    assert len(errors) == 1 and "confusion.csv" in errors[0]
    assert not target.exists()
