"""File ▸ Open/Save for the main window: dialogs, weight files, recent files, dropped files.

A mixin of :class:`app.main_window.MainWindow`, kept apart so that each file stays short. It uses
the window's ``model`` (:class:`~app.model_in_use.ModelInUse`), ``settings``, ``recent_menu``,
``statusBar()`` and ``_show_error(title, text)``. The dialogs are the small methods
``_ask_open_path`` and ``_ask_save_path``, which tests replace.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QFileDialog

from app.settings import LAST_FOLDER
from nn.weights.weight_file import WeightFileError, load_weights, save_weights

WEIGHT_SUFFIXES = (".npz", ".json")
OPEN_FILTER = "Weight files (*.npz *.json);;All files (*)"
SAVE_FILTER = "Weight files (*.npz)"


class WeightFileActions:
    """Open, Save, Save as…, Open recent and drag-and-drop of weight files."""

    def open_weights(self, path: str | Path | None = None) -> bool:
        """Use the network in ``path`` (asked for when None); on any problem, say so in a dialog
        and keep the model in use. True when the file was opened."""
        if path is None:
            path = self._ask_open_path()
            if not path:
                return False
        path = Path(path)
        try:
            network, metadata = load_weights(path)
        except (WeightFileError, OSError) as error:
            self._show_error(
                "Could not open the weights",
                f"{path.name} was not opened.\n\n{error}\n\nThe model in use is unchanged.",
            )
            return False
        self.model.set_model(network, metadata, path=path, user_file=True)
        self._remember(path)
        self.statusBar().showMessage(f"Opened {path.name}", 5000)
        return True

    def _open_recent(self, path: str) -> None:
        if not self.open_weights(path) and not Path(path).exists():
            self.recent_menu.remove(path)

    def save_weights(self) -> bool:
        """Save to the user's file the model came from, else ask where (as Save as…)."""
        path = self.model.save_path
        return self._write(path) if path is not None else self.save_weights_as()

    def save_weights_as(self) -> bool:
        """Ask for a file name and save the model in use there; True when saved."""
        if self.model.network is None:
            return False
        sizes = "-".join(str(n) for n in self.model.network.sizes)
        path = self._ask_save_path(str(Path(self._last_folder()) / f"digit-model-{sizes}.npz"))
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() != ".npz":
            path = path.with_name(path.name + ".npz")
        return self._write(path)

    def _write(self, path: Path) -> bool:
        network = self.model.network
        if network is None:
            return False
        metadata = {key: v for key, v in self.model.metadata.items() if key != "saved_at"}
        metadata.setdefault("sizes", list(network.sizes))
        metadata.setdefault("cost", network.cost)
        try:
            save_weights(network, path, metadata)
        except (WeightFileError, OSError) as error:
            self._show_error(
                "Could not save the weights",
                f"The network was not saved to {path.name}.\n\n{error}\n\n"
                "Nothing was lost: the model is still in use. Try another folder or name.",
            )
            return False
        self.model.metadata = metadata
        self.model.mark_saved(path)
        self._remember(path)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def _ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open weights", self._last_folder(), OPEN_FILTER
        )
        return path

    def _ask_save_path(self, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, "Save weights", suggested, SAVE_FILTER)
        return path

    def _last_folder(self) -> str:
        folder = self.settings.value(LAST_FOLDER, "")
        return folder if isinstance(folder, str) and Path(folder).is_dir() else str(Path.home())

    def _remember(self, path: Path) -> None:
        self.settings.setValue(LAST_FOLDER, str(path.resolve().parent))
        self.recent_menu.add(path)

    @staticmethod
    def dropped_weight_file(mime: QMimeData) -> Path | None:
        """The first local ``.npz``/``.json`` file among dragged URLs, or None."""
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in WEIGHT_SUFFIXES:
                return Path(url.toLocalFile())
        return None
