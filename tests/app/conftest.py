"""GUI test fixtures: settings and downloads kept in temporary folders, small data, a window.

Also the plots' right-click menu (:func:`open_plot_menu`, :func:`choose`) and the save dialog
and error box of exports (the ``dialogs`` fixture), for every tab's plots.

No GUI test writes the user's real settings: every test gets its own QSettings INI folder (the
app's settings are IniFormat/UserScope, which ``QSettings.setPath`` redirects), QStandardPaths
runs in test mode, and ``XDG_DATA_HOME`` points at a temporary folder so nothing is downloaded
into the real user data folder.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import ClassVar

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings, QStandardPaths, Qt
from PySide6.QtGui import QContextMenuEvent, QPalette
from PySide6.QtWidgets import QApplication, QMenu

from app.main_window import MainWindow
from app.theme import SYSTEM, apply_theme
from app.train.data_source import DataChoice
from app.widgets import plot_export
from nn.data.dataset import MnistSplits
from nn.data.mnist import load_sample


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch) -> Iterator:
    """A fresh settings folder per test; the user's own settings are never read or written."""
    folder = tmp_path / "settings"
    folder.mkdir()
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    yield folder


@pytest.fixture(scope="session")
def sample_splits() -> MnistSplits:
    """The committed sample: 5,000 training, 1,000 validation and 1,000 test images."""
    return load_sample()


@pytest.fixture(scope="session")
def tiny_splits(sample_splits) -> MnistSplits:
    """1,000 training, 200 validation and 200 test images of the sample: epochs of ~10 ms."""
    return MnistSplits(
        sample_splits.training.subset(1000),
        sample_splits.validation.subset(200),
        sample_splits.test.subset(200),
        source="tiny test subset",
    )


def loader_for(splits: MnistSplits, gate: threading.Event | None = None) -> Callable:
    """A data loader for the training tab that returns ``splits`` (after ``gate`` is set)."""

    def load(choice: DataChoice, on_download_progress, should_stop) -> MnistSplits:
        if gate is not None:
            gate.wait(10)
        return splits

    return load


def close_while_running(qtbot, window: MainWindow, tab, running: Callable[[], bool]) -> None:
    """Close ``window`` while ``tab.thread`` runs: closing returns only once that thread has
    ended, and ``running()`` turns False once the tab has heard of it."""
    thread = tab.thread
    assert thread is not None and thread.isRunning()
    window.close()
    assert thread.isFinished()
    qtbot.waitUntil(lambda: not running(), timeout=5000)


OFFSCREEN_POPUPS = pytest.mark.qt_log_ignore(
    "This plugin does not support (raise|grabbing the keyboard)"
)
"""What the offscreen platform says each time a menu pops up."""


def open_plot_menu(qtbot, plot: pg.PlotWidget) -> QMenu:
    """Right-click the middle of the plot, as Qt delivers it (a context menu event on the
    view), and return the menu once it shows."""
    at = plot.viewport().rect().center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, plot.viewport().mapToGlobal(at))
    QApplication.sendEvent(plot.viewport(), event)
    menu = plot.findChild(QMenu, "plotExportMenu")
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    return menu


def choose(qtbot, menu: QMenu, text: str) -> None:
    """Move down the menu with the arrow key to ``text`` and press Enter."""
    for _ in range(len(menu.actions()) + 1):
        qtbot.keyClick(menu, Qt.Key.Key_Down)
        if menu.activeAction() is not None and menu.activeAction().text() == text:
            qtbot.keyClick(menu, Qt.Key.Key_Return)
            return
    raise AssertionError(f"{text!r} not in {[a.text() for a in menu.actions()]}")


def errors_shown(monkeypatch, files) -> list[tuple[str, str]]:
    """The error boxes ``files`` (the window's weight or image files) would have shown, as
    ``(title, text)``, recorded instead of shown."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(files, "show_error", lambda title, text: shown.append((title, text)))
    return shown


@pytest.fixture
def dialogs(monkeypatch):
    """Replaces the save dialog (answers with ``dialogs.answer``) and the error box (records
    ``(title, text)`` in ``dialogs.errors``)."""

    class Dialogs:
        answer = ""
        errors: ClassVar[list[tuple[str, str]]] = []
        suggested: ClassVar[list[str]] = []

    def ask(parent, title, suggested, file_filter):
        Dialogs.suggested.append(suggested)
        return Dialogs.answer

    Dialogs.errors = []
    monkeypatch.setattr(plot_export, "ask_save_path", ask)
    monkeypatch.setattr(
        plot_export, "show_error", lambda parent, t, x: Dialogs.errors.append((t, x))
    )
    return Dialogs


@pytest.fixture
def make_window(qtbot, tiny_splits) -> Iterator[Callable[..., MainWindow]]:
    """Build shown MainWindows (no default model, tiny data unless told otherwise); at teardown
    close them and check that no training thread is left running."""
    windows: list[MainWindow] = []

    def make(**kwargs) -> MainWindow:
        kwargs.setdefault("default_model", None)
        kwargs.setdefault("data_loader", loader_for(tiny_splits))
        window = MainWindow(**kwargs)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        qtbot.waitUntil(lambda w=window: not w.training_tab.is_running, timeout=5000)


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window()


@pytest.fixture
def restored_theme(qapp) -> Iterator[None]:
    """Put back the application's style and palette, and the theme's "System" choice, after the
    test, so that tests that follow see the colours they would have seen."""
    style, palette = qapp.style().name(), QPalette(qapp.palette())
    yield
    apply_theme(SYSTEM, qapp)
    if qapp.style().name() != style:
        qapp.setStyle(style)
    QApplication.setPalette(palette)
