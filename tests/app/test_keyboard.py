"""The whole app from the keyboard: shortcuts run training and switch tabs, Tab visits the
controls in order, Alt+letter reaches a field, keys edit the drawing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.draw.mouse_replay import drag
from app.main_window import MainWindow
from tests.app.conftest import loader_for
from tests.app.train.conftest import configure

CTRL, SHIFT, ALT = (
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.ShiftModifier,
    Qt.KeyboardModifier.AltModifier,
)


@pytest.fixture
def active_window(qtbot, window) -> MainWindow:
    """The window, active: shortcuts reach only the active window."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    return window


def press(qtbot, window: QWidget, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed where the focus is, as a person types it."""
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifiers)


def tab_stops(qtbot, window: QWidget, start: QWidget, count: int) -> list[str]:
    """The object names of the ``count`` widgets Tab visits from ``start`` on (``start``
    first); the focus stays on the last."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start, timeout=2000)
    names = [start.objectName()]
    for _ in range(count - 1):
        press(qtbot, window, Qt.Key.Key_Tab)
        names.append(QApplication.focusWidget().objectName())
    return names


def test_shortcuts_start_pause_resume_and_stop_a_run(qtbot, active_window, tiny_splits):
    window = active_window
    tab = window.training_tab
    controls = tab.controls
    tab.data_loader = loader_for(tiny_splits)
    configure(tab, epochs=500, batch_size=1)  # far longer than the test lasts
    assert window.tabs.currentWidget() is window.drawing_tab
    window.drawing_tab.canvas.setFocus()
    with qtbot.waitSignal(tab.running_changed, timeout=5000, check_params_cb=bool):
        press(qtbot, window, Qt.Key.Key_Return, CTRL)
    assert window.tabs.currentWidget() is tab  # the run is shown where it happens
    worker = tab.worker
    assert not controls.train_action.isEnabled()
    assert controls.pause_action.isEnabled() and controls.stop_action.isEnabled()

    press(qtbot, window, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: worker.held, timeout=10_000)
    assert tab.pause_button.text() == "Resume" and controls.pause_action.text() == "&Resume"
    assert "paused" in tab.progress_panel.label.text()

    press(qtbot, window, Qt.Key.Key_F6)  # the other Pause/Resume key
    qtbot.waitUntil(lambda: not worker.held, timeout=5000)
    assert tab.pause_button.text() == "Pause" and tab.is_running

    with qtbot.waitSignal(tab.running_changed, timeout=10_000, check_params_cb=lambda r: not r):
        press(qtbot, window, Qt.Key.Key_Period, CTRL)
    assert window.model.model is not None and window.model.model.description.stopped_early
    assert controls.train_action.isEnabled()
    assert not controls.pause_action.isEnabled() and not controls.stop_action.isEnabled()


def test_f5_trains_and_shift_f5_stops(qtbot, active_window, tiny_splits):
    tab = active_window.training_tab
    tab.data_loader = loader_for(tiny_splits)
    configure(tab, epochs=500, batch_size=1)
    active_window.tabs.setCurrentWidget(tab)
    tab.form.seed_edit.setFocus()  # a field being typed in does not keep the key
    with qtbot.waitSignal(tab.running_changed, timeout=5000, check_params_cb=bool):
        press(qtbot, active_window, Qt.Key.Key_F5)
    with qtbot.waitSignal(tab.running_changed, timeout=10_000, check_params_cb=lambda r: not r):
        press(qtbot, active_window, Qt.Key.Key_F5, SHIFT)
    assert "Stop requested" in tab.log.toPlainText()


def test_ctrl_return_trains_from_a_text_field(qtbot, active_window, tiny_splits):
    tab = active_window.training_tab
    tab.data_loader = loader_for(tiny_splits)
    configure(tab, epochs=1)
    active_window.tabs.setCurrentWidget(tab)
    tab.form.hidden_edit.setFocus()
    with qtbot.waitSignal(tab.running_changed, timeout=10_000, check_params_cb=lambda r: not r):
        press(qtbot, active_window, Qt.Key.Key_Return, CTRL)
    assert active_window.model.model is not None
    assert tab.form.hidden_edit.text() == "30"  # the key typed nothing into the field


def test_the_train_shortcut_does_nothing_while_the_settings_are_bad(qtbot, active_window):
    tab = active_window.training_tab
    configure(tab, eta="fast")
    assert not tab.controls.train_action.isEnabled()
    press(qtbot, active_window, Qt.Key.Key_F5)
    assert not tab.is_running


def test_ctrl_and_a_digit_show_each_tab(qtbot, active_window):
    window = active_window
    tabs = window.tabs
    assert tabs.count() >= 2
    press(qtbot, window, Qt.Key.Key_2, CTRL)
    assert tabs.currentWidget() is window.training_tab
    for index in reversed(range(tabs.count())):
        press(qtbot, window, Qt.Key(Qt.Key.Key_1 + index), CTRL)
        assert tabs.currentIndex() == index
    press(qtbot, window, Qt.Key.Key_9, CTRL)  # no ninth tab: nothing changes
    assert tabs.currentIndex() == 0
    press(qtbot, window, Qt.Key.Key_Tab, CTRL)  # the tab widget's own: the next tab
    assert tabs.currentIndex() == 1


TRAIN_TAB_ORDER = [
    "sampleDataRadio",  # Tab stops at the chosen data; the arrow keys choose another
    "chooseFolderButton",
    "hiddenLayersEdit",
    "hiddenActivationCombo",
    "outputCostCombo",
    "initCombo",
    "etaEdit",
    "scheduleCombo",
    "batchSizeSpin",
    "epochsSpin",
    "lambdaEdit",
    "momentumEdit",
    "seedEdit",
    "augmentCheck",
    "softenCheck",
    "penDigitsCheck",
    "penCopiesSpin",
    "penReshapeCheck",
    "penStylesCheck",
    "trainButton",
]


def test_tab_visits_the_train_tab_top_to_bottom(qtbot, active_window):
    window = active_window
    tab = window.training_tab
    press(qtbot, window, Qt.Key.Key_2, CTRL)
    tab.controls.handwriting.pen_digits_check.setChecked(True)  # enables the three under it
    start = tab.dataset_chooser.buttons["sample"]
    stops = tab_stops(qtbot, window, start, len(TRAIN_TAB_ORDER) + 1)
    assert stops[:-1] == TRAIN_TAB_ORDER
    assert stops[-1] not in TRAIN_TAB_ORDER  # on to the right column, not back to the inputs
    press(qtbot, window, Qt.Key.Key_Tab, SHIFT)
    assert QApplication.focusWidget() is tab.train_button
    # Pause and Stop are disabled until a run starts: Tab skips them, the order has them next.
    assert tab.controls.focus_order()[-3:] == [tab.train_button, tab.pause_button, tab.stop_button]
    assert tab.train_button.nextInFocusChain() is tab.pause_button


def test_tab_visits_the_draw_tab_canvas_first(qtbot, active_window):
    tab = active_window.drawing_tab
    stops = tab_stops(qtbot, active_window, tab.canvas, 10)
    order = ["sketchCanvas", "penWidthSlider", "undoButton", "clearButton"]
    assert [name for name in stops if name in order][:4] == order


@pytest.mark.parametrize(
    ("key", "field"),
    [(Qt.Key.Key_L, "hidden_edit"), (Qt.Key.Key_R, "eta_edit"), (Qt.Key.Key_S, "seed_edit")],
)
def test_alt_and_a_letter_reach_a_field(qtbot, active_window, key, field):
    tab = active_window.training_tab
    press(qtbot, active_window, Qt.Key.Key_2, CTRL)
    tab.train_button.setFocus()
    press(qtbot, active_window, key, ALT)
    assert QApplication.focusWidget() is getattr(tab.form, field)


def test_digits_are_typed_into_the_epochs_box(qtbot, active_window):
    tab = active_window.training_tab
    press(qtbot, active_window, Qt.Key.Key_2, CTRL)
    tab.form.epochs_spin.setFocus()
    press(qtbot, active_window, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(QApplication.focusWidget(), "12")
    assert tab.form.epochs_spin.value() == 12


def test_keys_undo_and_clear_the_drawing(qtbot, active_window):
    tab = active_window.drawing_tab
    canvas = tab.canvas
    drag(canvas, [[(60, 60), (220, 60)], [(140, 60), (140, 240)], [(60, 240), (220, 240)]])
    canvas.setFocus()
    assert canvas.accessibleDescription().startswith("3 strokes")
    press(qtbot, active_window, Qt.Key.Key_Delete)
    assert len(canvas.strokes()) == 2
    press(qtbot, active_window, Qt.Key.Key_Backspace)
    assert len(canvas.strokes()) == 1
    press(qtbot, active_window, Qt.Key.Key_Z, CTRL)
    assert canvas.is_empty()
    drag(canvas, [[(60, 60), (220, 200)]])
    press(qtbot, active_window, Qt.Key.Key_Escape)
    assert canvas.is_empty() and canvas.accessibleDescription().startswith("empty")
    assert tab.current_input() is None
