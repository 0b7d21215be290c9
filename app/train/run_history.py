"""What the accuracy plot keeps of each run: its settings in words and its figures per epoch.

A run's settings are a dict of short phrases keyed by setting (``{"η": "η = 3", "mini-batch":
"mini-batch 10", …}``), built from the run's :class:`TrainingJob` after parsing, so that "3"
and "3.0" typed for η are the same setting. Two runs are told apart by the phrases that differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.train.training_job import TrainingJob

MAX_LABEL = 60
"""The longest legend label, in characters: longer lists of differences end with "…"."""


def run_settings(job: TrainingJob) -> dict[str, str]:
    """The job's settings as phrases, one per setting, in the order the form shows them."""
    options, config = job.network_options, job.config
    folder = f" ({job.data.folder})" if job.data.folder else ""
    return {
        "data": f"{job.data.kind} data{folder}",
        "sizes": str(list(job.sizes)),
        "hidden activation": f"{options.get('hidden_activation', 'sigmoid')} hidden",
        "output": f"{options.get('output_activation', 'sigmoid')} output",
        "cost": f"{options.get('cost', 'quadratic')} cost",
        "init": "N(0, 1/n_in) init" if options.get("init") == "scaled" else "N(0, 1) init",
        "η": f"η = {config.eta:g}",
        "schedule": "η annealed (cosine)" if config.schedule == "cosine" else "η constant",
        "mini-batch": f"mini-batch {config.batch_size}",
        "epochs": f"{config.epochs} epoch{'' if config.epochs == 1 else 's'}",
        "λ": f"λ = {config.lmbda:g}",
        "momentum": f"momentum {config.momentum:g}",
        "seed": "random seed" if config.seed is None else f"seed {config.seed}",
        "handwriting": ", ".join(job.handwriting.describe()) or "no handwriting options",
    }


def differences(settings: dict[str, str], reference: dict[str, str]) -> list[str]:
    """The phrases of ``settings`` that ``reference`` does not share, in ``settings``' order."""
    return [phrase for key, phrase in settings.items() if reference.get(key) != phrase]


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,") + "…"


@dataclass
class RunFigures:
    """One run's figures per epoch: ``epochs`` (from 0, as in the log), accuracies in percent
    (None where that set was not evaluated) and the mean training loss per sample."""

    number: int
    settings: dict[str, str] = field(default_factory=dict)
    epochs: list[int] = field(default_factory=list)
    validation: list[float | None] = field(default_factory=list)
    test: list[float | None] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)

    def add(self, epoch: int, validation: float | None, test: float | None, loss: float) -> None:
        self.epochs.append(epoch)
        self.validation.append(validation)
        self.test.append(test)
        self.loss.append(loss)

    def clear(self) -> None:
        for values in (self.epochs, self.validation, self.test, self.loss):
            values.clear()

    @staticmethod
    def points(epochs: list[int], values: list[float | None]) -> tuple[list[int], list[float]]:
        """``(x, y)`` of the epochs that have a value, for ``setData``."""
        pairs = [(e, v) for e, v in zip(epochs, values, strict=True) if v is not None]
        return [e for e, _ in pairs], [v for _, v in pairs]

    def rows(self, settings_text: str) -> list[list[object]]:
        """One CSV row per epoch: run, settings, epoch, validation %, test %, training loss
        ("" where a set was not evaluated)."""
        return [
            [self.number, settings_text, epoch, _cell(v), _cell(t), float(loss)]
            for epoch, v, t, loss in zip(
                self.epochs, self.validation, self.test, self.loss, strict=True
            )
        ]


def _cell(value: float | None) -> object:
    return "" if value is None else float(value)
