"""File ▸ Open/Save of the main window: dialogs, weight files, recent files, dropped files.

:class:`WeightFiles` works on the model in use (:class:`~app.model_in_use.ModelInUse`) and the
settings; the window owns one, connects its menu actions to it and shows its ``message``. The
dialogs are the small methods :meth:`WeightFiles.ask_open_path`,
:meth:`WeightFiles.ask_save_path` and :meth:`WeightFiles.show_error`, which tests replace.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.model_in_use import ModelInUse
from app.recent_files import RecentFilesMenu
from app.settings import LAST_FOLDER
from nn.weights import WeightFileError, load_model, save_model

WEIGHT_SUFFIXES = (".npz", ".json")
OPEN_FILTER = "Weight files (*.npz *.json);;All files (*)"
SAVE_FILTER = "Weight files (*.npz)"
MESSAGE_MS = 5000


class WeightFiles(QObject):
    """Open, Save, Save as…, Open recent and drag-and-drop of weight files.

    ``message(text, milliseconds)`` carries a line for the status bar after each success.
    Failures are shown by :meth:`show_error` and change nothing: the model in use stays.
    """

    message = Signal(str, int)

    def __init__(
        self, model: ModelInUse, settings: QSettings, recent: RecentFilesMenu, window: QWidget
    ) -> None:
        super().__init__(window)
        self.model = model
        self.settings = settings
        self.recent = recent
        self.window = window
        recent.file_chosen.connect(self.open_recent)

    def __repr__(self) -> str:
        return f"WeightFiles({self.model!r})"

    def open(self, path: str | Path | None = None) -> bool:
        """Use the model in ``path`` (asked for when None); on any problem, say so and keep the
        model in use. True when the file was opened."""
        if path is None:
            path = self.ask_open_path()
            if not path:
                return False
        path = Path(path)
        try:
            model = load_model(path)
        except (WeightFileError, OSError) as error:
            self.show_error(
                "Could not open the weights",
                f"{path.name} was not opened.\n\n{error}\n\nThe model in use is unchanged.",
            )
            return False
        self.model.set_model(model, path=path, user_file=True)
        self._remember(path)
        self.message.emit(f"Opened {path.name}", MESSAGE_MS)
        return True

    def open_recent(self, path: str) -> None:
        """Open a file of File ▸ Open recent; one that no longer exists leaves the list."""
        if not self.open(path) and not Path(path).exists():
            self.recent.remove(path)

    def save(self) -> bool:
        """Save to the user's file the model came from, else ask where (as Save as…)."""
        path = self.model.save_path
        return self._write(path) if path is not None else self.save_as()

    def save_as(self) -> bool:
        """Ask for a file name and save the model in use there; True when saved."""
        if self.model.model is None:
            return False
        sizes = "-".join(str(n) for n in self.model.model.network.sizes)
        path = self.ask_save_path(str(Path(self.last_folder()) / f"digit-model-{sizes}.npz"))
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() != ".npz":
            path = path.with_name(path.name + ".npz")
        return self._write(path)

    def last_folder(self) -> str:
        """The folder of the last file opened or saved, else the home folder."""
        folder = self.settings.value(LAST_FOLDER, "")
        return folder if isinstance(folder, str) and Path(folder).is_dir() else str(Path.home())

    @staticmethod
    def dropped_file(mime: QMimeData) -> Path | None:
        """The first local ``.npz``/``.json`` file among dragged URLs, or None."""
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in WEIGHT_SUFFIXES:
                return Path(url.toLocalFile())
        return None

    # -- dialogs (replaced by tests) ---------------------------------------------------------
    def ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open weights", self.last_folder(), OPEN_FILTER
        )
        return path

    def ask_save_path(self, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self.window, "Save weights", suggested, SAVE_FILTER)
        return path

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.critical(self.window, title, text)

    # -- internals ---------------------------------------------------------------------------
    def _write(self, path: Path) -> bool:
        model = self.model.model
        if model is None:
            return False
        try:
            saved = save_model(model, path)
        except (WeightFileError, OSError) as error:
            self.show_error(
                "Could not save the weights",
                f"The network was not saved to {path.name}.\n\n{error}\n\n"
                "Nothing was lost: the model is still in use. Try another folder or name.",
            )
            return False
        self.model.mark_saved(saved, path)
        self._remember(path)
        self.message.emit(f"Saved {path}", MESSAGE_MS)
        return True

    def _remember(self, path: Path) -> None:
        self.settings.setValue(LAST_FOLDER, str(path.resolve().parent))
        self.recent.add(path)
