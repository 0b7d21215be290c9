"""The model in use: the model the Draw tab reads with, and the file it came from."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from nn.model import Model
from nn.personal.adapt import adapted_digits

NO_MODEL = "No model loaded — train one in the Train tab or open a weight file"
TRAINED_JUST_NOW = "trained just now"
ADAPTED_JUST_NOW = "adapted to your digits just now"


class ModelInUse(QObject):
    """Holds the :class:`~nn.model.Model` in use; ``changed`` fires whenever it or its file
    changes.

    ``path`` is the file it was read from or last saved to; ``user_file`` says whether that file
    is the user's own (so Save may overwrite it) rather than the bundled default model.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model: Model | None = None
        self.path: Path | None = None
        self.user_file = False

    def __repr__(self) -> str:
        return f"ModelInUse({self.model!r}, path={self.path})"

    def set_model(self, model: Model, *, path: Path | None = None, user_file: bool = False) -> None:
        """Use ``model`` from now on (read from ``path``, or trained when ``path`` is None)."""
        self.model = model
        self.path = path
        self.user_file = user_file and path is not None
        self.changed.emit()

    def mark_saved(self, model: Model, path: Path) -> None:
        """``model`` (the one in use, as saved) was written to the user's file ``path``."""
        self.model = model
        self.path = path
        self.user_file = True
        self.changed.emit()

    @property
    def save_path(self) -> Path | None:
        """Where Save writes without asking, or None (then Save acts as Save as…)."""
        return self.path if self.user_file else None

    def description(self) -> str:
        """For the status bar: "trained just now — [784, 30, 10] — 95.1 % test"."""
        if self.model is None:
            return NO_MODEL
        if self.path is not None:
            name = self.path.name
        elif adapted_digits(self.model.description) is not None:
            name = ADAPTED_JUST_NOW
        else:
            name = TRAINED_JUST_NOW
        parts = [name, str(list(self.model.network.sizes))]
        accuracy = self.model.description.test_accuracy
        if accuracy is not None:
            parts.append(f"{100 * accuracy:.1f} % test")
        return " — ".join(parts)
