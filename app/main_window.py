"""The main window: Draw and Train tabs, the File and Help menus, the model in the status bar."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from app import app_version
from app.draw.answer_keys import sketch_to_keep
from app.draw.drawing_tab import DrawingTab
from app.draw.sketch_canvas import MAX_PEN_WIDTH, MIN_PEN_WIDTH
from app.evaluate.evaluation_tab import EvaluationTab
from app.evaluate.evaluation_worker import TestSetLoader
from app.image_files import ImageFiles
from app.log_file import add_log_actions
from app.model_in_use import NO_MODEL, ModelInUse
from app.personal.my_digits_tab import MyDigitsTab
from app.recent_files import RecentFilesMenu
from app.settings import (
    GEOMETRY,
    HYPERPARAMETERS,
    LAST_FOLDER,
    PEN_WIDTH,
    app_settings,
    path_problem,
    read_json,
    read_value,
    report_dropped,
    write_json,
)
from app.theme import ThemeMenu
from app.train.data_source import DataLoader, load_data
from app.train.training_tab import TrainingTab
from app.weight_files import WeightFiles
from nn.model import Model
from nn.paths import bundled_file
from nn.weights import WeightFileError, load_model

logger = logging.getLogger(__name__)

DEFAULT_MODEL = bundled_file("resources/default-model.npz")
DEFAULT_SIZE = (1100, 720)
MAX_GEOMETRY_BYTES = 4096  # what saveGeometry() writes is about 70 bytes


class MainWindow(QMainWindow):
    """The application window. ``model`` is the model in use (shown in the status bar and used by
    the Draw tab); ``training_tab.data_loader`` may be replaced, e.g. by tests, to train on
    other data. Settings persist in :func:`app.settings.app_settings` unless ``settings`` is given.
    """

    def __init__(
        self,
        *,
        default_model: Path | None = DEFAULT_MODEL,
        data_loader: DataLoader = load_data,
        settings: QSettings | None = None,
        digits_store: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Digit Recognizer")
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else app_settings()
        self.model = ModelInUse(self)
        self.drawing_tab = DrawingTab(settings=self.settings)
        self.training_tab = TrainingTab(data_loader)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.tabs.addTab(self.drawing_tab, "&Draw")
        self.tabs.addTab(self.training_tab, "&Train")
        self.evaluation_tab = EvaluationTab(self._chosen_test_set)
        self.tabs.addTab(self.evaluation_tab, "&Evaluate")
        self.my_digits_tab = MyDigitsTab(self.model, self._chosen_test_set, digits_store)
        self.tabs.addTab(self.my_digits_tab, "&Your digits")
        self.setCentralWidget(self.tabs)
        self.model_label = QLabel(NO_MODEL)
        self.model_label.setObjectName("modelStatus")
        self.model_label.setAccessibleDescription(
            "The model the Draw tab reads with, and its accuracy on the MNIST test set"
        )
        self.statusBar().addPermanentWidget(self.model_label)
        self.recent_menu = RecentFilesMenu(self.settings, self)
        self.weight_files = WeightFiles(self.model, self.settings, self.recent_menu, self)
        self.weight_files.message.connect(self.statusBar().showMessage)
        self.image_files = ImageFiles(self.drawing_tab, self.settings, self)
        self.image_files.message.connect(self.statusBar().showMessage)
        self.image_files.photo_shown.connect(
            lambda _name: self.tabs.setCurrentWidget(self.drawing_tab)
        )
        self._build_menus()
        self.model.changed.connect(self._on_model_changed)
        self.training_tab.model_trained.connect(self._on_model_trained)
        self.evaluation_tab.open_in_draw.connect(self._open_in_draw)
        self.drawing_tab.prediction_changed.connect(self._place_sketch)
        self.drawing_tab.answer_given.connect(self._keep_answer)
        self.my_digits_tab.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self._restore_settings()
        self._on_model_changed()
        self._load_default_model(default_model)
        self._describe_tabs()
        if self.my_digits_tab.store_problem:  # the file of the user's digits, kept aside
            self.statusBar().showMessage(self.my_digits_tab.store_problem)

    def __repr__(self) -> str:
        return f"MainWindow({self.model!r})"

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = self._action(file_menu, "&Open weights…", QKeySequence.StandardKey.Open)
        self.save_action = self._action(file_menu, "&Save weights", QKeySequence.StandardKey.Save)
        self.save_as_action = self._action(file_menu, "Save weights &as…", "Ctrl+Shift+S")
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.image_files.open_action)  # Ctrl+I
        file_menu.addSeparator()
        self.quit_action = self._action(file_menu, "&Quit", "Ctrl+Q")
        # No Alt letter: E, D, I and T are taken by the tabs and the Train tab's fields.
        self.edit_menu = self.menuBar().addMenu("Edit")
        self.edit_menu.setObjectName("editMenu")
        self.edit_menu.addAction(self.image_files.paste_action)  # Ctrl+V
        self.theme_menu = ThemeMenu(self.settings, self)  # applies the stored theme
        self.menuBar().addMenu("&View").addMenu(self.theme_menu)
        # Alt+N: T, R, A, I and G are taken by the Train tab and its fields, or the Evaluate tab's.
        self.training_menu = self.menuBar().addMenu("Trai&ning")
        self.training_menu.setObjectName("trainingMenu")
        self.training_menu.addActions(list(self.training_tab.controls.run_actions))
        self.training_tab.controls.train_action.triggered.connect(
            lambda: self.tabs.setCurrentWidget(self.training_tab)  # the run shows there
        )
        self._add_tab_shortcuts()
        help_menu = self.menuBar().addMenu("&Help")
        self.log_folder_action = add_log_actions(help_menu, self)
        help_menu.addSeparator()
        self.about_action = self._action(help_menu, "&About Digit Recognizer", None)
        self.open_action.triggered.connect(lambda: self.weight_files.open())
        self.save_action.triggered.connect(self.weight_files.save)
        self.save_as_action.triggered.connect(self.weight_files.save_as)
        self.quit_action.triggered.connect(self.close)
        self.about_action.triggered.connect(self._show_about)

    def _action(self, menu, text: str, shortcut) -> QAction:
        action = menu.addAction(text)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _add_tab_shortcuts(self) -> None:
        """Ctrl+1 … Ctrl+9 show the first … ninth tab, of however many there are (Ctrl+Tab and
        Ctrl+Shift+Tab, the tab widget's own, go to the next and the previous)."""
        for number in range(1, 10):
            action = QAction(f"Show tab {number}", self)
            action.setObjectName(f"showTab{number}Action")
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, i=number - 1: self._show_tab(i))
            self.addAction(action)

    def _show_tab(self, index: int) -> None:
        if index < self.tabs.count():
            self.tabs.setCurrentIndex(index)

    def _describe_tabs(self) -> None:
        """Name the tab widget and give each tab its shortcut in a tooltip."""
        names = [self.tabs.tabText(i).replace("&", "") for i in range(self.tabs.count())]
        for index, name in enumerate(names[:9]):
            widget = self.tabs.widget(index)
            tip = widget.accessibleDescription() or name
            self.tabs.setTabToolTip(index, f"{tip} (Ctrl+{index + 1})")
        self.tabs.setAccessibleName("Tabs")
        self.tabs.setAccessibleDescription(
            f"{', '.join(names)}: Ctrl+1 to Ctrl+{min(len(names), 9)} show one, Ctrl+Tab the next"
        )

    def _restore_settings(self) -> None:
        """Put back the window's size, the pen width, the last folder and the Train tab's inputs.

        A stored value the window cannot use (see :mod:`app.settings`) is dropped and named in
        the log, and its default stays: a damaged settings file never stops the app starting.
        """
        self._restore_geometry()
        self._restore_pen_width()
        self.drawing_tab.pen_width_changed.connect(self._save_pen_width)
        folder = read_value(self.settings, LAST_FOLDER)
        if folder is not None and (problem := path_problem(folder)):
            report_dropped(LAST_FOLDER, folder, problem)
            self.settings.remove(LAST_FOLDER)  # File ▸ Open and Save read it again later
        self.training_tab.dataset_chooser.last_folder = self.weight_files.last_folder()
        self.training_tab.controls.set_values(read_json(self.settings, HYPERPARAMETERS, {}))

    def _restore_geometry(self) -> None:
        geometry = read_value(self.settings, GEOMETRY)
        if (
            isinstance(geometry, QByteArray)
            and geometry.size() <= MAX_GEOMETRY_BYTES
            and self.restoreGeometry(geometry)
        ):
            return
        if geometry is not None:
            report_dropped(GEOMETRY, geometry, "not a window geometry Qt can restore")
        self.resize(*DEFAULT_SIZE)

    def _restore_pen_width(self) -> None:
        stored = read_value(self.settings, PEN_WIDTH)
        if stored is None:
            return
        # INI files hold text, "22": a whole number in the slider's range, or nothing.
        text = str(stored).strip() if type(stored) in (str, int) else ""
        digits = text.isascii() and text.isdigit() and len(text) <= 3
        if digits and MIN_PEN_WIDTH <= int(text) <= MAX_PEN_WIDTH:
            self.drawing_tab.pen_width = int(text)
            return
        report_dropped(PEN_WIDTH, stored, f"not a whole number {MIN_PEN_WIDTH}-{MAX_PEN_WIDTH}")
        self.settings.remove(PEN_WIDTH)  # written again only when the width changes

    def _save_pen_width(self, width: int) -> None:
        self.settings.setValue(PEN_WIDTH, width)

    def _load_default_model(self, path: Path | None) -> None:
        """Use the bundled model if there is one; a damaged one is reported, not fatal."""
        if path is None or not path.exists():
            logger.info("no default model at %s", path)
            return
        try:
            model = load_model(path)
        except (WeightFileError, OSError) as error:
            logger.warning("the default model could not be read: %s", error)
            # The file's name, not its long bundled path, so the reason fits in the status bar.
            reason = str(error).removeprefix(f"{path}: ")
            self.statusBar().showMessage(
                f"The default model {path.name} could not be read: {reason}"
            )
            self.statusBar().setToolTip(str(error))
            return
        self.model.set_model(model, path=path, user_file=False)

    def _on_model_changed(self) -> None:
        self.drawing_tab.set_model(self.model.model)
        self.evaluation_tab.set_model(self.model.model)
        self.model_label.setText(self.model.description())
        self.model_label.setAccessibleName(f"Model in use: {self.model_label.text()}")
        self.model_label.setToolTip(str(self.model.path or ""))
        has_model = self.model.model is not None
        self.save_action.setEnabled(has_model)
        self.save_as_action.setEnabled(has_model)

    def open_weights(self, path: str | Path | None = None) -> bool:
        """Open a weight file as File ▸ Open does (asking for it when ``path`` is None); True
        when its model is now in use."""
        return self.weight_files.open(path)

    def _chosen_test_set(self) -> TestSetLoader:
        """The loader of the test set the Evaluate tab uses: that of the data chosen in the
        Train tab, fixed now (in the GUI thread) and called in the evaluation's thread."""
        choice = self.training_tab.dataset_chooser.choice()
        loader = self.training_tab.data_loader
        return lambda on_download_progress, should_stop: loader(
            choice, on_download_progress, should_stop
        )

    def _open_in_draw(self, image) -> None:
        """Show a (784,) test image from the Evaluate tab in the Draw tab."""
        self.tabs.setCurrentWidget(self.drawing_tab)
        self.drawing_tab.show_image(image)

    def _place_sketch(self, _activations) -> None:
        """Mark the sketch being drawn on the Evaluate tab's map of the test set."""
        self.evaluation_tab.show_sketch(self.drawing_tab.current_input())

    def _keep_answer(self, digit: int) -> None:
        """Keep the sketch (or its selected digit) among the user's digits as ``digit``."""
        kept = sketch_to_keep(self.drawing_tab)
        if kept is None:
            self.statusBar().showMessage(f"Draw a {digit} first, then tell it's a {digit}", 8000)
            return
        self.my_digits_tab.keep(digit, kept.image, (kept.pen_width, kept.strokes))

    def _on_model_trained(self, model: Model) -> None:
        self.model.set_model(model)
        self.statusBar().showMessage("The trained network is now the model in use", 8000)

    def about_text(self) -> str:
        """The Help → About text (rich text)."""
        return (
            f"<h3>Digit Recognizer {app_version()}</h3>"
            "<p>Train a small neural network on handwritten digits, watch its accuracy climb, "
            "then draw a digit and see what it reads. The network and its training "
            "(backpropagation, mini-batch gradient descent) are written from scratch in NumPy.</p>"
            "<p><b>Credits</b><br>The MNIST database of handwritten digits is by Yann LeCun, "
            "Corinna Cortes and Christopher J. C. Burges.<br>The pen-drawn digits are by "
            "E. Alpaydin and F. Alimoglu (UCI Machine Learning Repository, CC BY 4.0).<br>"
            "The network follows Michael Nielsen's book <i>Neural Networks and Deep "
            "Learning</i>.<br>Built with Qt for Python (PySide6), pyqtgraph, NumPy and Pillow.</p>"
        )

    def _show_about(self) -> None:
        QMessageBox.about(self, "About Digit Recognizer", self.about_text())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if self.weight_files.dropped_file(mime) or self.image_files.dropped_image(mime):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self.weight_files.dropped_file(event.mimeData())  # before any image dropped too
        image = None if path else self.image_files.dropped_image(event.mimeData())
        if path is None and image is None:
            event.ignore()
            return
        event.acceptProposedAction()
        if path is not None:
            self.weight_files.open(path)
        else:
            self.image_files.open_dropped(image)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop a running training and wait for its thread, then remember the settings."""
        self.training_tab.shutdown()
        self.evaluation_tab.shutdown()
        self.my_digits_tab.shutdown()
        self.image_files.shutdown()
        self.settings.setValue(GEOMETRY, self.saveGeometry())
        write_json(self.settings, HYPERPARAMETERS, self.training_tab.controls.values())
        self.settings.sync()
        if self.settings.status() != QSettings.Status.NoError:  # e.g. no writable home folder
            logger.warning("settings could not be saved to %s", self.settings.fileName())
        super().closeEvent(event)
