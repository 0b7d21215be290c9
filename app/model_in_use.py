"""The model in use: the network the Draw tab reads with, where it came from, what it scored."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.train.training_job import TrainingJob
from nn.network import Network
from nn.sketch.reading import AS_DRAWN, SketchReading

NO_MODEL = "No model loaded — train one in the Train tab or open a weight file"
TRAINED_JUST_NOW = "trained just now"


class ModelInUse(QObject):
    """Holds the network in use and its metadata; ``changed`` fires whenever either changes.

    ``path`` is the file it was read from or last saved to; ``user_file`` says whether that file
    is the user's own (so Save may overwrite it) rather than the bundled default model.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.network: Network | None = None
        self.metadata: dict = {}
        self.path: Path | None = None
        self.user_file = False

    def __repr__(self) -> str:
        return f"ModelInUse({self.network!r}, path={self.path})"

    def set_model(
        self, network: Network, metadata: dict, *, path: Path | None = None, user_file: bool = False
    ) -> None:
        """Use ``network`` from now on (read from ``path``, or trained when ``path`` is None)."""
        self.network = network
        self.metadata = dict(metadata)
        self.path = path
        self.user_file = user_file and path is not None
        self.changed.emit()

    def mark_saved(self, path: Path) -> None:
        """The network was written to the user's file ``path``."""
        self.path = path
        self.user_file = True
        self.changed.emit()

    @property
    def save_path(self) -> Path | None:
        """Where Save writes without asking, or None (then Save acts as Save as…)."""
        return self.path if self.user_file else None

    def sketch_reading(self) -> SketchReading:
        """How the network reads sketches, as its metadata says (:mod:`nn.sketch.reading`); a model
        whose metadata does not say, or says nonsense, reads them as drawn."""
        try:
            return SketchReading.from_metadata(self.metadata)
        except ValueError:
            return AS_DRAWN  # files were validated on loading: only hand-made metadata gets here

    def test_accuracy(self) -> float | None:
        """The test accuracy in [0, 1] recorded in the metadata, if any."""
        correct, total = self.metadata.get("test_correct"), self.metadata.get("test_total")
        if isinstance(correct, int) and isinstance(total, int) and total > 0:
            return correct / total
        accuracy = self.metadata.get("test_accuracy")
        if isinstance(accuracy, int | float) and 0 <= accuracy <= 100:
            return accuracy if accuracy <= 1 else accuracy / 100
        return None

    def description(self) -> str:
        """For the status bar: "trained just now — [784, 30, 10] — 95.1 % test"."""
        if self.network is None:
            return NO_MODEL
        name = self.path.name if self.path is not None else TRAINED_JUST_NOW
        parts = [name, str(list(self.network.sizes))]
        accuracy = self.test_accuracy()
        if accuracy is not None:
            parts.append(f"{100 * accuracy:.1f} % test")
        return " — ".join(parts)


def training_metadata(network: Network, job: TrainingJob, summary: dict) -> dict:
    """The metadata saved with a network the app trained: its shape, result and settings."""
    total = summary.get("test_total", 0)
    correct = summary.get("test_correct")
    metadata = {
        "sizes": list(network.sizes),
        "hidden_activation": network.hidden_activation,
        "output_activation": network.output_activation,
        "cost": network.cost,
        "init": job.network_options.get("init", "normal"),
        "epochs": summary.get("epochs", 0),
        "stopped_early": bool(summary.get("stopped", False)),
        "dataset": summary.get("dataset", ""),
        "hyperparameters": dataclasses.asdict(job.config),
        "augmented": job.handwriting.augment,
        **job.handwriting.reading_metadata(),
        "trained_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    if correct is not None and total:
        metadata.update(test_correct=correct, test_total=total, test_accuracy=correct / total)
    return metadata
