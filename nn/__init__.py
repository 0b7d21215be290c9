"""The neural network of Digit Recognizer, in NumPy, Pillow and the standard library (no Qt).

``Network`` holds the maths, ``Trainer`` runs mini-batch SGD epoch by epoch, :mod:`nn.data` reads
MNIST and the pen digits, and :mod:`nn.weights` saves and loads trained networks.
Pillow resizes sketches (:mod:`nn.sketch`) and draws pen strokes (:mod:`nn.handwriting`).
"""

from __future__ import annotations

import importlib

_HOMES = {
    "Dataset": "nn.data.dataset",
    "MnistSplits": "nn.data.dataset",
    "Network": "nn.network",
    "EpochResult": "nn.training",
    "Trainer": "nn.training",
    "TrainingConfig": "nn.training",
    "TrainingDiverged": "nn.training",
    "Model": "nn.model",
}
"""Where each name ``from nn import …`` gives lives; imported on first use, so that importing one
part of ``nn`` (e.g. :mod:`nn.sketch` to read a sketch) does not load the others."""

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'nn' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
