"""The Your digits tab, driven through the window: digits kept from the Draw tab, the grid, delete
and undo, export and import, teaching in a worker thread, and a store that cannot be used."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from app.draw.mouse_replay import drag
from app.main_window import MainWindow
from app.personal.teach_result import FORGETFUL_POINTS
from nn.description import ModelDescription
from nn.model import Model
from nn.network import Network
from nn.personal.adapt import adapted_digits
from nn.personal.store import load_digits, save_digits
from nn.sketch.recipe import sketch_to_mnist
from tests.app.conftest import close_while_running

LEFT = Qt.MouseButton.LeftButton
SEVEN = [[(70, 60), (210, 60), (130, 240)]]
ONE = [[(140, 40), (140, 240)]]
FIVE = [[(200, 50), (90, 50), (85, 130)], [(85, 130), (190, 140), (180, 230), (80, 230)]]


@pytest.fixture
def store(tmp_path) -> Path:
    return tmp_path / "store" / "my-digits.npz"


@pytest.fixture
def window(make_window, store) -> MainWindow:
    return make_window(digits_store=store)


def tiny_model(seed: int = 3) -> Model:
    return Model(Network([784, 12, 10], seed=seed), ModelDescription(front_end="app"))


def draw_and_answer(qtbot, window: MainWindow, strokes, digit: int, *, key: bool = False):
    """Draw ``strokes`` on a clear canvas, then click ``digit`` (or press its key)."""
    tab = window.drawing_tab
    window.tabs.setCurrentWidget(tab)
    tab.clear()
    drag(tab.canvas, strokes)
    if key:
        tab.canvas.setFocus()
        qtbot.keyClick(tab.canvas, Qt.Key(Qt.Key.Key_0 + digit))
    else:
        qtbot.mouseClick(tab.answer_keys.buttons[digit], LEFT)


def keep_one_seven_five(qtbot, window: MainWindow):
    """Draw and keep a 1, a 7 and a 5, then show the Your digits tab (returned)."""
    for strokes, digit in ((ONE, 1), (SEVEN, 7), (FIVE, 5)):
        draw_and_answer(qtbot, window, strokes, digit)
    tab = window.my_digits_tab
    window.tabs.setCurrentWidget(tab)
    return tab


def thumbnail_click(qtbot, view, row: int) -> None:
    index = view.model().index(row, 0)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), LEFT, pos=view.visualRect(index).center())


# -- keeping a digit ---------------------------------------------------------------------------
def test_drawing_then_clicking_7_keeps_the_sketch_in_the_file(qtbot, window, store):
    draw_and_answer(qtbot, window, SEVEN, 7)
    canvas = window.drawing_tab.canvas
    digits = window.my_digits_tab.digits
    assert list(digits.labels) == [7]
    recipe = sketch_to_mnist(canvas.image_array())
    np.testing.assert_array_equal(digits.images[0], recipe)
    pen_width, strokes = digits.strokes[0]
    assert pen_width == canvas.pen_width
    assert len(strokes) == 1
    np.testing.assert_allclose(strokes[0], canvas.strokes()[0], atol=1e-3)
    on_disk = load_digits(store)
    assert list(on_disk.labels) == [7]
    np.testing.assert_allclose(on_disk.images[0], recipe, atol=1 / 255)
    if on_disk.strokes is not None:
        np.testing.assert_allclose(on_disk.strokes[0][1][0], canvas.strokes()[0], atol=0.01)
    message = window.statusBar().currentMessage()
    assert "Kept as a 7" in message and "1 of your digits" in message


def test_pressing_a_digit_key_keeps_the_sketch(qtbot, window, store):
    draw_and_answer(qtbot, window, ONE, 1, key=True)
    draw_and_answer(qtbot, window, SEVEN, 7, key=True)
    assert list(load_digits(store).labels) == [1, 7]
    assert "2 of your digits" in window.statusBar().currentMessage()


def test_an_empty_canvas_keeps_nothing(qtbot, window, store):
    qtbot.mouseClick(window.drawing_tab.answer_keys.buttons[3], LEFT)
    assert len(window.my_digits_tab.digits.labels) == 0 and not store.exists()
    assert "Draw a 3 first" in window.statusBar().currentMessage()


# -- the grid ---------------------------------------------------------------------------------
def test_the_grid_counts_each_digit(qtbot, window):
    for strokes, digit in ((ONE, 1), (SEVEN, 7), (ONE, 1), (FIVE, 5)):
        draw_and_answer(qtbot, window, strokes, digit)
    grid = window.my_digits_tab.grid
    expected = np.zeros(10, int)
    for digit in (1, 7, 1, 5):
        expected[digit] += 1
    np.testing.assert_array_equal(grid.counts(), expected)
    assert "1: 2" in grid.counts_label.text() and "7: 1" in grid.counts_label.text()
    assert grid.filter_combo.itemText(0) == "all digits (4)"
    assert grid.filter_combo.itemText(2) == "1s (2)"
    assert grid.view.model().rowCount() == 4
    labels_in_order = [grid.view.model().index(r, 0).data() for r in range(4)]
    assert labels_in_order == ["1", "1", "5", "7"]  # grouped by digit
    grid.filter_combo.setCurrentIndex(2)
    assert grid.view.model().rowCount() == 2
    assert "2 1s" in grid.view.accessibleDescription()


def test_the_grid_is_walked_with_arrows(qtbot, window):
    tab = keep_one_seven_five(qtbot, window)
    view = tab.grid.view
    thumbnail_click(qtbot, view, 0)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.currentIndex().row() == 1
    assert view.currentIndex().data(Qt.ItemDataRole.AccessibleTextRole) == "A 5, the 1st of your 5s"


# -- deleting ---------------------------------------------------------------------------------
def test_delete_removes_the_selected_digit_from_the_file_and_undo_puts_it_back(
    qtbot, window, store
):
    tab = keep_one_seven_five(qtbot, window)
    thumbnail_click(qtbot, tab.grid.view, 2)  # grouped: 1, 5, 7 → the 7
    assert tab.grid.selected_positions() == [1]
    assert tab.delete_button.isEnabled()
    qtbot.keyClick(tab.grid.view, Qt.Key.Key_Delete)
    assert sorted(load_digits(store).labels) == [1, 5]
    assert "Deleted 1" in window.statusBar().currentMessage()
    assert tab.undo_button.isEnabled()
    qtbot.mouseClick(tab.undo_button, LEFT)
    assert list(load_digits(store).labels) == [1, 7, 5]
    assert not tab.undo_button.isEnabled()


def test_the_delete_button_removes_several(qtbot, window, store):
    tab = keep_one_seven_five(qtbot, window)
    view = tab.grid.view
    thumbnail_click(qtbot, view, 0)
    view.selectionModel().select(view.model().index(1, 0), QItemSelectionModel.SelectionFlag.Select)
    qtbot.mouseClick(tab.delete_button, LEFT)
    assert list(load_digits(store).labels) == [7]


# -- export and import ------------------------------------------------------------------------
def click_when_asked(button_text: str) -> None:
    """Click the button named ``button_text`` of the question the next modal loop shows."""

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        for button in box.buttons():
            if button.text().replace("&", "") == button_text:
                button.click()
                return
        raise AssertionError(f"no {button_text!r} in {[b.text() for b in box.buttons()]}")

    QTimer.singleShot(0, answer)


def test_export_then_import_round_trips(qtbot, window, tmp_path, monkeypatch):
    for strokes, digit in ((ONE, 1), (SEVEN, 7)):
        draw_and_answer(qtbot, window, strokes, digit)
    tab = window.my_digits_tab
    window.tabs.setCurrentWidget(tab)
    exported = tmp_path / "exported.npz"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(exported), ""))
    )
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(exported), ""))
    )
    qtbot.mouseClick(tab.export_button, LEFT)
    original = tab.digits
    np.testing.assert_array_equal(load_digits(exported).labels, original.labels)

    click_when_asked("Replace mine")
    qtbot.mouseClick(tab.import_button, LEFT)
    np.testing.assert_array_equal(tab.digits.labels, original.labels)
    np.testing.assert_allclose(tab.digits.images, original.images, atol=1 / 255)

    click_when_asked("Add to mine")
    qtbot.mouseClick(tab.import_button, LEFT)
    assert list(tab.digits.labels) == [1, 7, 1, 7]
    assert list(load_digits(tab.store_path).labels) == [1, 7, 1, 7]

    click_when_asked("Cancel")
    qtbot.mouseClick(tab.import_button, LEFT)
    assert len(tab.digits.labels) == 4
    qtbot.mouseClick(tab.undo_button, LEFT)  # the merge undone
    assert list(load_digits(tab.store_path).labels) == [1, 7]


def test_importing_a_bad_file_says_so_and_changes_nothing(qtbot, window, tmp_path, monkeypatch):
    draw_and_answer(qtbot, window, ONE, 1)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not digits")
    tab = window.my_digits_tab
    assert not tab.import_from(bad, replace=True)
    assert list(tab.digits.labels) == [1]
    assert "could not be read" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: tab.findChild(QMessageBox, "personalWarning") is not None)
    tab.findChild(QMessageBox, "personalWarning").close()


# -- teaching ---------------------------------------------------------------------------------
@dataclass
class FakeReport:
    personal_before: float | None
    personal_after: float | None
    mnist_before: float
    mnist_after: float
    held_back: int = 2
    examples: int = 6
    seconds: float = 0.1

    @property
    def mnist_drop_points(self) -> float:
        return 100 * (self.mnist_before - self.mnist_after)

    def too_forgetful(self, limit: float = 0.3) -> bool:
        return self.mnist_drop_points > limit

    def remembering(self) -> str:
        return ""


def fake_adapt(mnist_after: float, calls: list | None = None):
    """An adapt that reports progress and returns a new tiny model (run in the worker thread)."""

    def adapt(model, digits, train, test, *, progress=None, should_stop=None, seed=0):
        if calls is not None:
            calls.append((threading.current_thread(), len(digits.labels), test))
        for done in range(1, 4):
            progress(done, 3)
        report = FakeReport(0.5, 1.0, 0.9, mnist_after)
        return Model(Network([784, 12, 10], seed=99), ModelDescription(front_end="app")), report

    return adapt


def teach(qtbot, tab) -> None:
    qtbot.mouseClick(tab.teach_button, LEFT)
    assert tab.is_teaching
    qtbot.waitUntil(lambda: not tab.is_teaching, timeout=30_000)


def test_teaching_runs_in_the_worker_and_puts_the_adapted_model_in_use(qtbot, window):
    base = tiny_model()
    window.model.set_model(base)
    draw_and_answer(qtbot, window, SEVEN, 7)
    tab = window.my_digits_tab
    calls: list = []
    tab.adapt = fake_adapt(mnist_after=0.899, calls=calls)
    window.tabs.setCurrentWidget(tab)
    teach(qtbot, tab)
    thread, count, test = calls[0]
    assert thread is not threading.main_thread() and count == 1
    assert len(test) > 0
    adapted = window.model.model
    assert adapted is not base and tuple(adapted.network.sizes) == (784, 12, 10)
    assert tab.result.cells[("personal", "before")].text() == "50.0 %"
    assert tab.result.cells[("personal", "after")].text() == "100.0 %"
    assert tab.result.cells[("mnist", "after")].text() == "89.9 %"
    assert "in use" in tab.result.verdict.text()
    assert tab.progress_bar.format() == "Done"
    assert not tab.result.use_button.isVisible()
    qtbot.mouseClick(tab.result.back_button, LEFT)
    assert window.model.model is base
    assert not tab.result.back_button.isEnabled()


def test_a_too_forgetful_model_is_kept_out_unless_the_user_insists(qtbot, window):
    base = tiny_model()
    window.model.set_model(base)
    draw_and_answer(qtbot, window, SEVEN, 7)
    tab = window.my_digits_tab
    tab.adapt = fake_adapt(mnist_after=0.9 - (FORGETFUL_POINTS + 0.1) / 100)
    window.tabs.setCurrentWidget(tab)
    teach(qtbot, tab)
    assert window.model.model is base
    assert "unchanged" in tab.result.verdict.text()
    assert tab.result.use_button.isVisible()
    qtbot.mouseClick(tab.result.use_button, LEFT)
    adapted = window.model.model
    assert adapted is not base
    assert not tab.result.use_button.isVisible()
    qtbot.mouseClick(tab.result.back_button, LEFT)
    assert window.model.model is base


def test_back_to_the_base_model_restores_its_file(qtbot, window, tmp_path):
    from nn.weights import save_model

    path = tmp_path / "base.npz"
    save_model(tiny_model(), path)
    assert window.open_weights(path)
    base = window.model.model
    draw_and_answer(qtbot, window, SEVEN, 7)
    tab = window.my_digits_tab
    tab.adapt = fake_adapt(mnist_after=0.9)
    teach(qtbot, tab)
    assert window.model.path is None
    tab.back_to_base()
    assert window.model.model is base and window.model.path == path


def test_closing_the_window_mid_teach_ends_the_thread(qtbot, window):
    window.model.set_model(tiny_model())
    draw_and_answer(qtbot, window, SEVEN, 7)
    started = threading.Event()

    def slow_adapt(model, digits, train, test, *, progress=None, should_stop=None, seed=0):
        started.set()
        while not should_stop():
            threading.Event().wait(0.005)
        raise ValueError("stopped")

    tab = window.my_digits_tab
    tab.adapt = slow_adapt
    qtbot.mouseClick(tab.teach_button, LEFT)
    assert started.wait(10)
    close_while_running(qtbot, window, tab, lambda: tab.is_teaching)


def test_stop_keeps_the_model_in_use(qtbot, window):
    base = tiny_model()
    window.model.set_model(base)
    draw_and_answer(qtbot, window, SEVEN, 7)
    gate = threading.Event()

    def gated_adapt(model, digits, train, test, *, progress=None, should_stop=None, seed=0):
        while not should_stop():
            gate.wait(0.005)
        return fake_adapt(0.9)(model, digits, train, test, progress=progress)

    tab = window.my_digits_tab
    tab.adapt = gated_adapt
    qtbot.mouseClick(tab.teach_button, LEFT)
    qtbot.mouseClick(tab.stop_button, LEFT)
    qtbot.waitUntil(lambda: not tab.is_teaching, timeout=5000)
    assert window.model.model is base
    assert "unchanged" in tab.teach_label.text()


def test_teach_needs_a_model_and_digits(qtbot, window):
    tab = window.my_digits_tab
    assert not tab.teach_button.isEnabled()
    window.model.set_model(tiny_model())
    assert not tab.teach_button.isEnabled()
    draw_and_answer(qtbot, window, SEVEN, 7)
    assert tab.teach_button.isEnabled()


def test_teaching_with_the_real_adapt(qtbot, window, tiny_splits):
    window.model.set_model(tiny_model())
    tab = window.my_digits_tab
    assert tab.adapt.__name__ == "real_adapt"
    test = tiny_splits.test
    for i in range(40):
        tab.keep(int(test.labels[i]), test.images[i])
    draw_and_answer(qtbot, window, FIVE, 5)  # one drawn on the canvas: its strokes are known
    window.tabs.setCurrentWidget(tab)
    teach(qtbot, tab)
    report = tab._report
    assert report is not None, tab.teach_label.text()
    assert tab.result.cells[("mnist", "before")].text().endswith("%")
    if report.too_forgetful(FORGETFUL_POINTS):
        assert tab.result.use_button.isVisible()
        qtbot.mouseClick(tab.result.use_button, LEFT)
    adapted = window.model.model
    assert adapted_digits(adapted.description) == report.examples == 41  # held-back ones too
    assert 0 < report.held_back < 41
    assert report.remembered == len(adapted.strokes) == 1
    assert "remembering how 1 was drawn" in tab.result.verdict.text()
    assert window.model_label.text().startswith("adapted to your digits just now — ")


# -- a store that cannot be used --------------------------------------------------------------
def test_a_damaged_store_at_start_is_kept_aside_and_never_overwritten(qtbot, make_window, store):
    store.parent.mkdir(parents=True)
    damaged = b"PK\x03\x04 this is not a digits file"
    store.write_bytes(damaged)
    window = make_window(digits_store=store)
    tab = window.my_digits_tab
    aside = store.with_name(store.name + ".damaged")
    assert aside.read_bytes() == damaged
    assert tab.banner.isVisibleTo(tab) and "could not be read" in tab.banner.text()
    assert str(aside) in tab.banner.text()
    assert "could not be read" in window.statusBar().currentMessage()
    draw_and_answer(qtbot, window, SEVEN, 7)
    assert list(load_digits(store).labels) == [7]
    assert aside.read_bytes() == damaged
    assert tab.banner.isVisibleTo(tab) and str(aside) in tab.banner.text()  # still told


def test_a_second_damaged_store_does_not_replace_the_first(make_window, store):
    store.parent.mkdir(parents=True)
    store.with_name(store.name + ".damaged").write_bytes(b"first")
    store.write_bytes(b"second")
    make_window(digits_store=store)
    assert store.with_name(store.name + ".damaged").read_bytes() == b"first"
    assert store.with_name(store.name + ".damaged-2").read_bytes() == b"second"


def test_an_unwritable_folder_keeps_the_digits_and_says_so(qtbot, make_window, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    store = blocker / "my-digits.npz"
    window = make_window(digits_store=store)
    draw_and_answer(qtbot, window, SEVEN, 7)
    tab = window.my_digits_tab
    assert list(tab.digits.labels) == [7]
    assert "not saved" in window.statusBar().currentMessage()
    assert tab.banner.isVisibleTo(tab) and "could not be saved" in tab.banner.text()
    assert tab.retry_button.isVisibleTo(tab)
    blocker.unlink()
    qtbot.mouseClick(tab.retry_button, LEFT)
    assert list(load_digits(store).labels) == [7]
    assert not tab.banner.isVisibleTo(tab)


def test_a_store_written_elsewhere_opens(qtbot, make_window, store):
    window = make_window(digits_store=store)
    draw_and_answer(qtbot, window, SEVEN, 7)
    digits = window.my_digits_tab.digits
    window.close()
    other = store.with_name("copy.npz")
    save_digits(digits, other)
    again = make_window(digits_store=other)
    assert list(again.my_digits_tab.digits.labels) == [7]
