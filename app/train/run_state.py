"""What the Train tab knows of the run in progress, gathered from its worker's signals."""

from __future__ import annotations

from dataclasses import dataclass

from nn.handwriting.options import RunOutcome


@dataclass
class RunState:
    """One run's state, fresh for each run: ``epochs`` finished so far, whether it ``failed``,
    whether its data was loaded (``data_loaded``: errors before that offer to pick a folder),
    whether the user was ``warned_stuck`` at chance already, and the worker's ``outcome`` (None
    until a network was trained)."""

    epochs: int = 0
    failed: bool = False
    data_loaded: bool = False
    warned_stuck: bool = False
    outcome: RunOutcome | None = None
