"""The Evaluate tab driven as a person would: Evaluate, the confusion matrix and its cells, the
mistakes, robustness, a change of model and closing the window mid-evaluation."""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import Qt

from app.evaluate.evaluation_tab import EVALUATE, EVALUATE_NEW
from app.evaluate.thumbnails import INDEX_ROLE
from nn.insight.evaluation import Evaluation
from tests.app.conftest import close_while_running, loader_for
from tests.app.evaluate.conftest import (
    LEFT,
    click_item,
    evaluate,
    expected_answers,
    expected_confusion,
    gated_loader,
    tiny_model,
    window_with_model,
)


def test_evaluate_counts_the_test_set_as_the_network_answers(qtbot, make_window, tiny_splits):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluation = evaluate(qtbot, tab)
    test = tiny_splits.test
    answers = expected_answers(window.model.model.network, test.images)
    confusion = expected_confusion(test.labels, answers)
    assert isinstance(evaluation, Evaluation)
    np.testing.assert_array_equal(evaluation.confusion, confusion)
    np.testing.assert_array_equal(tab.confusion.confusion_model.confusion(), confusion)
    shown = tab.confusion.confusion_model
    for true in range(10):
        for answer in range(10):
            assert shown.index(true, answer).data() == str(confusion[true, answer])
        row = confusion[true].sum()
        right = f"{100 * confusion[true, true] / row:.1f}" if row else "–"
        assert shown.index(true, 10).data() == right
    correct = int(np.sum(answers == test.labels))
    assert f"{100 * correct / len(answers):.1f} %" in tab.summary_label.text()
    assert f"{correct:,} of {len(answers):,}" in tab.summary_label.text()
    assert tab.confusion.accessibleDescription().startswith(
        f"accuracy {100 * correct / len(answers):.1f} %"
    )
    assert not tab.is_running
    assert tab.evaluate_button.text() == EVALUATE


def test_clicking_a_cell_lists_exactly_its_images(qtbot, make_window, tiny_splits):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluate(qtbot, tab)
    test = tiny_splits.test
    answers = expected_answers(window.model.model.network, test.images)
    confusion = expected_confusion(test.labels, answers)
    off_diagonal = confusion - np.diag(np.diag(confusion))
    true, answer = np.unravel_index(int(np.argmax(off_diagonal)), confusion.shape)
    for cell in ((int(true), int(answer)), (int(true), int(true))):
        click_item(qtbot, tab.confusion, tab.confusion.cell_index(*cell))
        expected = [i for i in range(len(answers)) if (test.labels[i], answers[i]) == cell]
        assert tab.shown_cell_indices().tolist() == expected
        assert tab.views.currentWidget() is tab.cell_page
        assert tab.cell_label.text().startswith(f"{len(expected):,} image")


def test_arrow_keys_and_enter_choose_a_cell(qtbot, make_window, tiny_splits):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluation = evaluate(qtbot, tab)
    view = tab.confusion
    click_item(qtbot, view, view.cell_index(2, 2))
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    answers = expected_answers(window.model.model.network, tiny_splits.test.images)
    expected = np.flatnonzero((tiny_splits.test.labels == 3) & (answers == 3))
    assert tab.shown_cell_indices().tolist() == expected.tolist()
    assert evaluation.cell(3, 3).tolist() == expected.tolist()


def test_the_gallery_holds_exactly_the_mistakes(qtbot, make_window, tiny_splits):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluation = evaluate(qtbot, tab)
    test = tiny_splits.test
    outputs = window.model.model.network.predict(test.images)
    answers = outputs.argmax(axis=1)
    wrong = {i for i in range(len(answers)) if answers[i] != test.labels[i]}
    shown = tab.mistakes.shown_indices()
    assert len(shown) == len(wrong) and set(shown.tolist()) == wrong
    confidence = outputs[shown, answers[shown]]
    assert np.all(np.diff(confidence) <= 1e-6), "most confident mistakes first"
    assert tab.mistakes.count_label.text().startswith(f"{len(wrong):,} mistakes")
    combo = tab.mistakes.order_combo
    combo.setCurrentIndex(combo.findData("index"))
    assert tab.mistakes.shown_indices().tolist() == sorted(wrong)
    first = tab.mistakes.model.index(0)
    click_item(qtbot, tab.mistakes.view, first)
    chosen = int(first.data(INDEX_ROLE))
    assert tab.detail.index == chosen
    np.testing.assert_allclose(tab.detail.chart.heights(), outputs[chosen], rtol=1e-5)
    assert evaluation.labels[chosen] != evaluation.answers[chosen]


def test_open_in_draw_shows_the_image_in_the_draw_tab(qtbot, make_window, tiny_splits):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluate(qtbot, tab)
    click_item(qtbot, tab.mistakes.view, tab.mistakes.model.index(0))
    chosen = tab.detail.index
    with qtbot.waitSignal(tab.open_in_draw) as blocker:
        qtbot.mouseClick(tab.detail.open_button, LEFT)
    np.testing.assert_array_equal(blocker.args[0], tiny_splits.test.images[chosen])
    assert window.tabs.currentWidget() is window.drawing_tab


def test_robustness_starts_at_the_plain_accuracy(qtbot, make_window, tiny_splits):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    with qtbot.waitSignal(tab.robustness_measured, timeout=30_000) as blocker:
        qtbot.mouseClick(tab.evaluate_button, LEFT)
    curves = blocker.args[0]
    test = tiny_splits.test  # 200 images: the curves use all of them
    answers = expected_answers(window.model.model.network, test.images)
    plain = np.mean(answers == test.labels)
    assert set(curves) == {"noise", "rotation", "thickness", "shift"}
    for name, points in curves.items():
        assert points[0][0] == 0
        assert points[0][1] == plain, name
        assert len(points) > 2
    assert tab.robustness.curves() == curves
    assert "Noise: accuracy" in tab.robustness.accessibleDescription()


def test_a_new_model_clears_the_results_and_the_button_says_so(qtbot, make_window):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluate(qtbot, tab)
    saved_model = window.model.model
    window.model.set_model(saved_model)  # the same network (e.g. saved): results stay
    assert tab.evaluation is not None and not tab.stale
    window.model.set_model(tiny_model(seed=9))
    assert tab.evaluation is None and tab.stale
    assert tab.evaluate_button.text() == EVALUATE_NEW
    assert "changed" in tab.summary_label.text()
    assert tab.confusion.confusion_model.confusion().sum() == 0
    assert len(tab.mistakes.shown_indices()) == 0
    assert tab.map.point_count() == (0, 0)
    evaluate(qtbot, tab)
    assert not tab.stale and tab.evaluate_button.text() == EVALUATE


def test_a_new_model_mid_evaluation_stops_it(qtbot, make_window, tiny_splits):
    gate = threading.Event()
    window = window_with_model(make_window, data_loader=gated_loader(tiny_splits, gate))
    tab = window.evaluation_tab
    qtbot.mouseClick(tab.evaluate_button, LEFT)
    assert tab.is_running
    with qtbot.assertNotEmitted(tab.evaluated, wait=100):
        window.model.set_model(tiny_model(seed=11))
        qtbot.waitUntil(lambda: not tab.is_running, timeout=5000)
    gate.set()
    assert tab.stale and tab.evaluation is None
    assert tab.evaluate_button.text() == EVALUATE_NEW
    assert tab.evaluate_button.isEnabled()


def test_stop_keeps_what_was_shown(qtbot, make_window, tiny_splits):
    gate = threading.Event()
    window = window_with_model(make_window, data_loader=gated_loader(tiny_splits, gate))
    tab = window.evaluation_tab
    qtbot.mouseClick(tab.evaluate_button, LEFT)
    assert tab.evaluate_button.text() == "Stop"
    qtbot.mouseClick(tab.evaluate_button, LEFT)
    qtbot.waitUntil(lambda: not tab.is_running, timeout=5000)
    assert tab.evaluation is None and tab.evaluate_button.text() == EVALUATE


def test_closing_the_window_mid_evaluation_ends_the_thread(qtbot, make_window, tiny_splits):
    gate = threading.Event()
    window = window_with_model(make_window, data_loader=gated_loader(tiny_splits, gate))
    tab = window.evaluation_tab
    qtbot.mouseClick(tab.evaluate_button, LEFT)
    close_while_running(qtbot, window, tab, lambda: tab.is_running)


def test_without_a_model_evaluate_is_off(qtbot, make_window):
    window = make_window()
    tab = window.evaluation_tab
    assert not tab.evaluate_button.isEnabled()
    assert "No model" in tab.summary_label.text()
    assert window.tabs.tabText(2).replace("&", "") == "Evaluate"


def test_a_test_set_that_cannot_load_is_reported(qtbot, make_window):
    def broken(choice, on_download_progress, should_stop):
        raise OSError("no such folder")

    window = window_with_model(make_window, data_loader=broken)
    tab = window.evaluation_tab
    qtbot.mouseClick(tab.evaluate_button, LEFT)
    qtbot.waitUntil(lambda: not tab.is_running, timeout=5000)
    assert "no such folder" in tab.summary_label.text()
    assert tab.evaluation is None


def test_the_data_chosen_in_the_train_tab_is_evaluated(qtbot, make_window, sample_splits):
    window = window_with_model(make_window, data_loader=loader_for(sample_splits))
    evaluation = evaluate(qtbot, window.evaluation_tab)
    assert evaluation.total == len(sample_splits.test)


def test_every_control_is_named_and_described(qtbot, make_window):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluate(qtbot, tab)
    controls = [
        tab.evaluate_button,
        tab.progress_bar,
        tab.summary_label,
        tab.confusion,
        tab.colour_scale,
        tab.export_confusion_button,
        tab.cell_view,
        tab.views,
        tab.mistakes.view,
        tab.mistakes.order_combo,
        tab.map.plot,
        *tab.robustness.plots.values(),
        tab.detail.chart,
        tab.detail.open_button,
    ]
    for control in controls:
        assert control.objectName(), control
        assert control.toolTip(), control.objectName()
        assert control.accessibleName(), control.objectName()
        assert control.accessibleDescription(), control.objectName()
