"""Images in the window: File ▸ Open image, dropped files, Edit ▸ Paste image, bad images, and
reading in a worker thread while the window keeps running."""

from __future__ import annotations

import struct
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage, QKeySequence

import app.draw.photo_reading as photo_reading
from app.image_files import png_bytes
from app.main_window import DEFAULT_MODEL
from app.settings import LAST_IMAGE_FOLDER
from nn.images import read_photo_digits
from nn.model import Model
from nn.network import Network
from nn.weights import save_model
from tests.app.conftest import errors_shown
from tests.app.draw.test_photo_view import number_photo
from tests.nn.images.making import encoded

WAIT_MS = 20000  # a generous bound on a read on a loaded machine; never reached when it works


@pytest.fixture
def window(make_window):
    return make_window(default_model=DEFAULT_MODEL)


@pytest.fixture
def errors(window, monkeypatch) -> list[tuple[str, str]]:
    """The error boxes the window would have shown, as (title, text)."""
    return errors_shown(monkeypatch, window.image_files)


@pytest.fixture
def photo_path(tmp_path) -> Path:
    path = tmp_path / "photos" / "number.jpg"
    path.parent.mkdir()
    path.write_bytes(number_photo())
    return path


def read_number(window, path_or_bytes) -> str:
    """The number the Qt-free reader and the model in use make of an image."""
    model = window.model.model
    return "".join(str(model.read(s).digit) for s in read_photo_digits(path_or_bytes).sketches)


def choose_file(window, monkeypatch, path: Path | str) -> None:
    monkeypatch.setattr(window.image_files, "ask_open_path", lambda: str(path))


def drop(window, path: Path) -> bool:
    """Drag ``path`` over the window and drop it; True if the window accepted it."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dragEnterEvent(enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dropEvent(event)
    return True


def test_the_menus_offer_open_and_paste_with_their_keys(window):
    files = window.image_files
    assert files.open_action.shortcut() == QKeySequence("Ctrl+I")
    assert QKeySequence("Ctrl+V") in files.paste_action.shortcuts()
    assert files.open_action in window.menuBar().actions()[0].menu().actions()
    assert files.paste_action in window.edit_menu.actions()
    for action in (files.open_action, files.paste_action):
        assert action.objectName() and action.toolTip() and action.statusTip()
    taken = [
        a.shortcut()
        for a in window.findChildren(type(files.open_action))
        if a not in (files.open_action, files.paste_action) and not a.shortcut().isEmpty()
    ]
    assert QKeySequence("Ctrl+I") not in taken and QKeySequence("Ctrl+V") not in taken


def test_open_image_reads_the_number_and_shows_it(qtbot, window, monkeypatch, photo_path):
    expected = read_number(window, photo_path)
    assert expected == "147"
    window.tabs.setCurrentWidget(window.training_tab)
    choose_file(window, monkeypatch, photo_path)
    tab = window.drawing_tab
    with qtbot.waitSignal(tab.number_changed, timeout=WAIT_MS) as emitted:
        window.image_files.open_action.trigger()
    assert emitted.args == [expected]
    assert window.tabs.currentWidget() is tab
    assert tab.showing_photo() and tab.photo_view.isVisible()
    assert len(tab.digit_groups()) == 3 and tab.digit_chips.isVisible()
    assert "read as 147" in window.statusBar().currentMessage()
    assert window.settings.value(LAST_IMAGE_FOLDER) == str(photo_path.parent)
    assert window.image_files.last_folder() == str(photo_path.parent)
    answers = [window.model.model.read(s) for s in read_photo_digits(photo_path).sketches]
    with qtbot.waitSignal(tab.prediction_changed) as shown:
        qtbot.mouseClick(tab.digit_chips.chips[1], Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(shown.args[0], answers[1].activations)
    assert not window.image_files.busy_bar.isVisible()


def test_a_dropped_image_is_read_and_a_dropped_weight_file_still_opens(
    qtbot, window, tmp_path, photo_path
):
    tab = window.drawing_tab
    with qtbot.waitSignal(tab.number_changed, timeout=WAIT_MS) as emitted:
        assert drop(window, photo_path)
    assert emitted.args == [read_number(window, photo_path)]
    assert window.settings.value(LAST_IMAGE_FOLDER) == str(photo_path.parent)
    network = Network([784, 16, 10], seed=3)
    weights = tmp_path / "dropped.npz"
    save_model(Model(network), weights)
    assert drop(window, weights)
    assert window.model.path == weights
    assert tuple(window.model.model.network.sizes) == (784, 16, 10)
    assert tab.showing_photo() and tab.model is window.model.model  # read again by it
    assert not drop(window, tmp_path / "missing.png")  # nothing there to read
    notes = tmp_path / "notes.txt"
    notes.write_text("147")
    assert not drop(window, notes)


def test_a_pasted_image_is_read(qtbot, window, photo_path):
    data = number_photo(digits=(2, 5))
    image = QImage.fromData(data)
    QGuiApplication.clipboard().setImage(image)
    expected = read_number(window, png_bytes(image))
    tab = window.drawing_tab
    with qtbot.waitSignal(tab.number_changed, timeout=WAIT_MS) as emitted:
        window.image_files.paste_action.trigger()
    assert emitted.args == [expected] and expected == "25"
    assert tab.photo_view.photo.name == "the pasted image"
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo_path))])  # a file copied in a file manager
    QGuiApplication.clipboard().setMimeData(mime)
    with qtbot.waitSignal(tab.number_changed, timeout=WAIT_MS) as emitted:
        window.image_files.paste_action.trigger()
    assert emitted.args == ["147"] and tab.photo_view.photo.name == "number.jpg"


def test_pasting_without_an_image_says_so(qtbot, window):
    QGuiApplication.clipboard().setText("147")
    assert not window.image_files.paste()
    assert "no image" in window.statusBar().currentMessage()
    assert not window.image_files.is_busy()


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` grey pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * (width + 1))
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def _bad_image(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A file that cannot be read as digits, and a word its message holds."""
    path = tmp_path / f"{kind}.png"
    if kind == "text":
        path.write_text("not an image at all")
        return path, "not an image"
    if kind == "truncated":
        path = tmp_path / "truncated.jpg"
        path.write_bytes(number_photo()[:1500])
        return path, "truncated"
    if kind == "huge":
        path.write_bytes(_png_claiming(10_000, 5_000))  # 50 megapixels
        return path, "too large"
    if kind == "blank":
        path.write_bytes(encoded(np.ones((300, 400), np.float32) * 0.97, "PNG"))
        return path, "no ink"
    if kind == "folder":
        path.mkdir()
        return path, "folder"
    return path, "no such file"  # "missing": nothing there


BAD = ["text", "truncated", "huge", "blank", "folder", "missing"]


def _draw_a_stroke(qtbot, tab) -> None:
    canvas = tab.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, 60))
    qtbot.mouseMove(canvas, QPoint(110, 140))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(110, 140))


@pytest.mark.parametrize("kind", BAD)
def test_a_bad_image_opened_changes_nothing_and_says_why(
    qtbot, window, errors, monkeypatch, tmp_path, kind
):
    tab = window.drawing_tab
    _draw_a_stroke(qtbot, tab)
    strokes, points = list(tab.canvas._strokes), tab.canvas.strokes()
    model, number = window.model.model, tab.number()
    path, word = _bad_image(tmp_path, kind)
    choose_file(window, monkeypatch, path)
    with qtbot.waitSignal(window.image_files.reader.failed, timeout=WAIT_MS) as failed:
        window.image_files.open_action.trigger()
    assert word in failed.args[0] and path.name in failed.args[0]
    assert len(errors) == 1 and word in errors[0][1] and "unchanged" in errors[0][1]
    message = window.statusBar().currentMessage()
    assert message.startswith("Image not read") and word in message
    assert list(tab.canvas._strokes) == strokes and all(
        a is b for a, b in zip(tab.canvas._strokes, strokes, strict=True)
    )
    assert all(np.array_equal(a, b) for a, b in zip(tab.canvas.strokes(), points, strict=True))
    assert window.model.model is model and tab.model is model
    assert tab.number() == number and not tab.showing_photo()
    assert not window.image_files.busy_bar.isVisible()


@pytest.mark.parametrize("kind", ["text", "blank"])
def test_a_bad_image_dropped_or_pasted_is_told_in_the_status_bar_only(
    qtbot, window, errors, photo_path, tmp_path, kind
):
    tab = window.drawing_tab
    with qtbot.waitSignal(tab.number_changed, timeout=WAIT_MS):
        window.image_files.open_dropped(photo_path)
    shown = tab.photo_view.photo
    path, word = _bad_image(tmp_path, kind)
    with qtbot.waitSignal(window.image_files.reader.failed, timeout=WAIT_MS):
        assert drop(window, path)
    assert word in window.statusBar().currentMessage()
    assert tab.photo_view.photo is shown and tab.number() == "147"  # the photo stays
    if kind == "blank":
        QGuiApplication.clipboard().setImage(QImage.fromData(path.read_bytes()))
        with qtbot.waitSignal(window.image_files.reader.failed, timeout=WAIT_MS):
            window.image_files.paste()
        assert "the pasted image: no ink" in window.statusBar().currentMessage()
    assert errors == []


def test_a_large_photo_is_read_in_a_worker_while_the_window_runs(
    qtbot, window, monkeypatch, tmp_path
):
    path = tmp_path / "large.jpg"
    path.write_bytes(number_photo(size=(4000, 3000)))  # 12 megapixels
    ticked = threading.Event()
    seen: dict[str, object] = {}
    load = photo_reading.load_photo

    def load_after_a_tick(source, name=None):
        seen["thread"] = threading.get_ident()
        seen["ticked"] = ticked.wait(WAIT_MS / 1000)  # only the GUI thread's timer sets it
        return load(source, name)

    monkeypatch.setattr(photo_reading, "load_photo", load_after_a_tick)
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(ticked.set)
    timer.start()
    tab = window.drawing_tab
    try:
        with qtbot.waitSignal(tab.number_changed, timeout=2 * WAIT_MS) as emitted:
            window.image_files.open(path)
            assert window.image_files.is_busy() and window.image_files.busy_bar.isVisible()
            assert "Reading large.jpg" in window.statusBar().currentMessage()
    finally:
        timer.stop()
    assert seen["ticked"] is True and seen["thread"] != threading.get_ident()
    assert emitted.args == [read_number(window, path)] == ["147"]
    assert tab.photo_view.photo.digits.size == (4000, 3000)
    assert not window.image_files.busy_bar.isVisible()


def test_a_newer_image_supersedes_one_still_being_read(qtbot, window, monkeypatch, tmp_path):
    first, second = tmp_path / "first.jpg", tmp_path / "second.jpg"
    first.write_bytes(number_photo(digits=(3, 8)))
    second.write_bytes(number_photo(digits=(1, 4, 7)))
    release, started = threading.Event(), threading.Event()
    load = photo_reading.load_photo

    def held(source, name=None):
        if name == "first.jpg":
            started.set()
            release.wait(WAIT_MS / 1000)  # still reading when the second is asked for
        return load(source, name)

    monkeypatch.setattr(photo_reading, "load_photo", held)
    shown: list[str] = []
    window.image_files.photo_shown.connect(shown.append)
    window.image_files.open_dropped(first)
    assert started.wait(WAIT_MS / 1000)
    window.image_files.open_dropped(second)
    release.set()
    # One read at a time: the first's outcome (dropped) arrives before the second's.
    qtbot.waitUntil(lambda: shown == ["second.jpg"], timeout=WAIT_MS)
    assert window.drawing_tab.number() == "147"
