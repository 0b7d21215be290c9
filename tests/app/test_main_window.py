"""The main window: menus, the model in the status bar, weight files, drag-and-drop, settings."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence

from app import app_version
from app.main_window import MainWindow
from app.model_in_use import NO_MODEL
from nn.description import ModelDescription
from nn.model import Model
from nn.network import Network
from nn.weights import load_model, save_model
from tests.app.conftest import errors_shown

ISO_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


@pytest.fixture
def network() -> Network:
    return Network([784, 16, 10], seed=5)


@pytest.fixture
def errors(window, monkeypatch) -> list[tuple[str, str]]:
    """The error dialogs the window would have shown, as (title, text)."""
    return errors_shown(monkeypatch, window.weight_files)


def probe() -> np.ndarray:
    return np.random.default_rng(0).random((5, 784), dtype=np.float32)


def test_the_window_has_its_tabs_menus_and_status(window):
    assert [window.tabs.tabText(i).replace("&", "") for i in range(2)] == ["Draw", "Train"]
    assert window.findChild(object, "drawingTab") is window.drawing_tab
    assert window.findChild(object, "trainingTab") is window.training_tab
    shortcuts = {
        window.open_action: "Ctrl+O",
        window.save_action: "Ctrl+S",
        window.save_as_action: "Ctrl+Shift+S",
        window.quit_action: "Ctrl+Q",
    }
    for action, keys in shortcuts.items():
        assert action.shortcut() == QKeySequence(keys)
    assert window.model_label.text() == NO_MODEL
    assert not window.save_action.isEnabled()
    assert window.drawing_tab.model is None


def test_about_names_the_version_and_the_credits(window):
    text = window.about_text()
    for part in (app_version(), "MNIST", "LeCun", "Cortes", "Burges", "Nielsen"):
        assert part in text


def test_the_default_model_is_loaded_and_described(make_window, network, tmp_path):
    path = tmp_path / "default-model.npz"
    save_model(Model(network, ModelDescription(test_accuracy=0.9123, test_images=10000)), path)
    window = make_window(default_model=path)
    assert window.model_label.text() == "default-model.npz — [784, 16, 10] — 91.2 % test"
    assert window.drawing_tab.model is window.model.model
    np.testing.assert_array_equal(window.model.model.network.predict(probe()),
                                  network.predict(probe()))  # fmt: skip
    assert window.model.save_path is None  # Save never overwrites the bundled model


def test_a_damaged_default_model_is_reported_and_the_app_opens(make_window, tmp_path):
    path = tmp_path / "default-model.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    window = make_window(default_model=path)
    message = window.statusBar().currentMessage()
    assert message.startswith("The default model default-model.npz could not be read: ")
    assert str(tmp_path) not in message  # the reason, not a long path, fills the status bar
    assert str(path) in window.statusBar().toolTip()
    assert window.model_label.text() == NO_MODEL
    assert window.isVisible()


def test_save_as_then_open_gives_identical_predictions(window, network, tmp_path, monkeypatch):
    trained = ModelDescription(front_end="app", test_accuracy=0.9, test_images=100)
    window.model.set_model(Model(network, trained))
    expected = network.predict(probe())
    asked = []
    monkeypatch.setattr(
        window.weight_files, "ask_save_path", lambda s: asked.append(s) or str(tmp_path / "m")
    )
    window.save_action.trigger()  # a trained network has no file yet: Save acts as Save as…
    saved = tmp_path / "m.npz"
    assert asked and asked[0].endswith("digit-model-784-16-10.npz") and saved.exists()
    assert window.model_label.text() == "m.npz — [784, 16, 10] — 90.0 % test"
    assert ISO_SECONDS.fullmatch(window.model.model.description.saved_at)  # the model as saved
    window.model.set_model(Model(Network([784, 16, 10], seed=6)))
    monkeypatch.setattr(window.weight_files, "ask_open_path", lambda: str(saved))
    window.open_action.trigger()
    np.testing.assert_array_equal(window.model.model.network.predict(probe()), expected)
    assert window.drawing_tab.model is window.model.model
    description = window.model.model.description
    assert (description.front_end, description.test_correct) == ("app", 90)
    assert window.recent_menu.paths() == [str(saved.resolve())]


def test_how_a_model_reads_sketches_comes_with_it_and_is_saved_with_it(
    window, network, tmp_path, monkeypatch
):
    from nn.sketch.reading import AS_DRAWN, SOFTENED

    softened = tmp_path / "softened.npz"
    save_model(Model(network, ModelDescription(sketch_reading=SOFTENED)), softened)
    monkeypatch.setattr(window.weight_files, "ask_open_path", lambda: str(softened))
    window.open_action.trigger()
    assert window.drawing_tab.model.reading == SOFTENED
    monkeypatch.setattr(window.weight_files, "ask_save_path", lambda s: str(tmp_path / "copy.npz"))
    window.save_as_action.trigger()
    assert load_model(tmp_path / "copy.npz").reading == SOFTENED
    window.model.set_model(Model(network, ModelDescription(front_end="app")))  # trained in the app
    assert window.drawing_tab.model.reading == AS_DRAWN


def test_save_writes_to_the_users_file_without_asking(window, network, tmp_path, monkeypatch):
    path = tmp_path / "mine.npz"
    save_model(Model(network), path)
    assert window.open_weights(path)
    in_use = window.model.model.network
    in_use.biases[0] += 1  # changed since it was opened: Save writes it back to the same file
    monkeypatch.setattr(window.weight_files, "ask_save_path", pytest.fail)
    window.save_action.trigger()
    reloaded = load_model(path)
    np.testing.assert_array_equal(reloaded.network.biases[0], in_use.biases[0])
    assert reloaded.description.saved_at == window.model.model.description.saved_at


def test_a_failed_save_shows_an_error_and_keeps_the_model(
    window, network, errors, tmp_path, monkeypatch
):
    model = Model(network)
    window.model.set_model(model)
    target = tmp_path / "missing-folder" / "net.npz"
    monkeypatch.setattr(window.weight_files, "ask_save_path", lambda suggested: str(target))
    assert not window.weight_files.save_as()
    assert len(errors) == 1 and "net.npz" in errors[0][1]
    assert window.model.model is model and window.model.path is None


def test_opening_a_corrupt_file_shows_the_problem_and_keeps_the_model(
    window, network, errors, tmp_path, monkeypatch
):
    model = Model(network)
    window.model.set_model(model)
    before = network.predict(probe())
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"\x93NUMPY this is a lone .npy, not a weight archive")
    monkeypatch.setattr(window.weight_files, "ask_open_path", lambda: str(bad))
    window.open_action.trigger()
    assert len(errors) == 1
    _title, text = errors[0]
    assert "broken.npz" in text and "single NumPy array" in text
    assert window.model.model is model and window.drawing_tab.model is model
    np.testing.assert_array_equal(window.model.model.network.predict(probe()), before)
    assert window.model_label.text().startswith("trained just now")


def test_a_missing_recent_file_is_reported_and_dropped(window, network, errors, tmp_path):
    path = tmp_path / "gone.npz"
    save_model(Model(network), path)
    assert window.open_weights(path)
    path.unlink()
    window.recent_menu.actions()[0].trigger()
    assert len(errors) == 1 and "no such file" in errors[0][1]
    assert window.recent_menu.paths() == []
    assert not window.recent_menu.isEnabled()


def test_dropping_a_weight_file_opens_it(window, network, tmp_path):
    path = tmp_path / "dropped.npz"
    save_model(Model(network), path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dropEvent(drop)
    assert window.model.path == path
    np.testing.assert_array_equal(
        window.model.model.network.predict(probe()), network.predict(probe())
    )


def test_other_dropped_files_are_refused(window, tmp_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()


def test_geometry_pen_width_and_folder_are_remembered(make_window, network, tmp_path):
    first = make_window()
    screen = first.screen().availableGeometry()  # offscreen: 800 × 600
    size = (min(first.minimumSizeHint().width() + 6, screen.width()), screen.height() - 30)
    first.resize(*size)
    first.drawing_tab.pen_width = first.drawing_tab.pen_width + 3
    path = tmp_path / "net.npz"
    save_model(Model(network), path)
    first.open_weights(path)
    first.close()
    second: MainWindow = make_window()
    assert second.size().toTuple() == size
    assert second.drawing_tab.pen_width == first.drawing_tab.pen_width
    assert second.weight_files.last_folder() == str(tmp_path.resolve())
    assert second.recent_menu.paths() == [str(path.resolve())]


def test_the_app_and_the_cli_describe_the_models_they_train_alike(qtbot, window, tmp_path, capsys):
    from nn.cli import main
    from tests.app.train.conftest import configure, run_to_end

    cli_file = tmp_path / "cli.npz"
    arguments = ["train", "--sample", "--epochs", "1", "--sizes", "784,10", "--seed", "1"]
    assert main([*arguments, "--save", str(cli_file)]) == 0
    capsys.readouterr()
    cli = load_model(cli_file).description
    configure(window.training_tab, epochs=1, seed="1")
    run_to_end(qtbot, window.training_tab)
    app = window.model.model.description

    for description, front_end in ((cli, "cli"), (app, "app")):
        assert description.front_end == front_end
        assert description.trained_with and description.dataset
        assert (description.epochs, description.stopped_early) == (1, False)
        assert 0 <= description.test_accuracy <= 1  # a fraction, not a percentage
        assert description.test_images > 0 and isinstance(description.test_correct, int)
        assert ISO_SECONDS.fullmatch(description.trained_at)
        assert set(description.settings) == {"network", "training", "handwriting"}
        assert description.extra == {}
    for part in ("network", "training", "handwriting"):
        assert set(app.settings[part]) == set(cli.settings[part]), part


def test_quit_closes_the_window(window):
    window.quit_action.trigger()
    assert not window.isVisible()


def test_the_app_and_the_cli_give_the_same_warning_when_accuracy_is_stuck(qtbot, window, capsys):
    from nn.cli import main
    from tests.app.train.conftest import configure, log_lines, run_to_end

    arguments = ["train", "--sample", "--sizes", "784,5,10", "--epochs", "3", "--eta", "1e9"]
    assert main([*arguments, "--seed", "1"]) == 0
    cli = capsys.readouterr().err.splitlines()
    configure(window.training_tab, hidden="5", eta="1e9", epochs=3, seed="1")
    run_to_end(qtbot, window.training_tab)
    app = [line for line in log_lines(window.training_tab) if "stuck" in line]
    assert len(cli) == 1 and cli == app
