"""What keeps the window responsive while results are shown: the results are handed over in
steps (and ``evaluated`` / the end of the run are announced only once all of them are shown), the
map is filled one digit at a time, the matrix's colours are kept per palette, and the worker
thread runs at a lower priority."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest
from PySide6.QtGui import QColor, QPalette

from app.evaluate import test_set_map
from app.evaluate.colours import scale_colour, share_to_scale, text_on
from app.evaluate.confusion_view import ConfusionDelegate
from app.evaluate.evaluation_worker import lower_thread_priority
from tests.app.evaluate.conftest import LEFT, expected_answers, window_with_model


def test_evaluated_comes_once_matrix_mistakes_and_map_are_shown(qtbot, make_window, tiny_splits):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    seen_at_evaluated, seen_at_end = [], []

    def note(seen: list) -> None:
        seen.append(
            (
                int(tab.confusion.confusion_model.confusion().sum()),
                len(tab.mistakes.shown_indices()),
                tab.map.point_count(),
                bool(tab.robustness.curves()),
            )
        )

    tab.evaluated.connect(lambda _: note(seen_at_evaluated))
    tab.running_changed.connect(lambda running: running or note(seen_at_end))

    def ended(running: bool) -> bool:
        return not running

    with qtbot.waitSignal(tab.running_changed, timeout=30_000, check_params_cb=ended):
        qtbot.mouseClick(tab.evaluate_button, LEFT)
    test = tiny_splits.test
    wrong = int(np.sum(expected_answers(window.model.model.network, test.images) != test.labels))
    shown = (len(test), wrong, (len(test) - wrong, wrong))
    assert seen_at_evaluated == [(*shown, False)]  # the curves come later
    assert seen_at_end == [(*shown, True)]


def test_the_map_can_be_filled_one_digit_at_a_time(qtbot):
    panel = test_set_map.TestSetMap()
    qtbot.addWidget(panel)
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 300)
    answers = np.where(rng.random(300) < 0.8, labels, (labels + 1) % 10)
    panel.set_map(rng.normal(size=(300, 2)), labels, answers, fill=False)
    assert panel.point_count() == (0, 0) and not panel.filled
    for digit in range(10):
        panel.fill_digit(digit)
        drawn = labels <= digit
        right = labels == answers
        assert panel.point_count() == (np.sum(drawn & right), np.sum(drawn & ~right))
    assert panel.filled
    panel.set_map(None)
    assert panel.point_count() == (0, 0) and panel.filled


def _palette(window: str, base: str) -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(window))
    palette.setColor(QPalette.ColorRole.Base, QColor(base))
    return palette


def test_the_matrix_colours_are_those_of_the_palette_in_use(qapp):
    delegate = ConfusionDelegate()
    light, dark = _palette("#efefef", "#ffffff"), _palette("#2b2b2b", "#1e1e1e")
    for palette in (light, dark, light):  # kept colours never leak from one palette to another
        for share in (0.0, 0.001, 0.02, 0.5, 1.0):
            fill = scale_colour(palette, share_to_scale(share))
            assert delegate.cell_colours(palette, share) == (fill, text_on(fill))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value")
def test_the_worker_thread_yields_the_cpu_to_the_window():
    before = os.getpriority(os.PRIO_PROCESS, 0)
    seen = []

    def work() -> None:
        lower_thread_priority(5)
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [min(before + 5, 19)]
    assert os.getpriority(os.PRIO_PROCESS, 0) == before  # the GUI thread keeps its own
