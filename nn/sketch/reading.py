"""How a model reads a sketch's 28x28 input: as it is, or softened and made a little bolder.

Networks trained like the default model (MNIST plus pen digits drawn as the canvas draws them,
every image distorted each epoch) read people's sketches better when the 28x28 input from the
sketch recipe (:func:`nn.sketch.recipe.sketch_to_mnist`) is first softened, a blur ``[s, 1-2s, s]``
along each axis, then made bolder, blended towards its plus-shaped dilation as
:func:`nn.handwriting.augment.thicken` does. :data:`SOFTENED` is the strongest setting that kept
their MNIST test accuracy, read the same way, at 99 % on held-out writers
(``bench/held_out_writers.py``; the figures are in docs/default-model.md).

Networks trained on MNIST alone read sketches slightly *worse* that way, so how to read is the
model's setting, not the drawing tab's: it is saved in the weight file's metadata under
``"sketch_reading"`` (absent: as it is). Training inputs are never transformed; only sketches
being read are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nn.sketch.morphology import blur, thicken

METADATA_KEY = "sketch_reading"
"""The weight file metadata entry: ``{"soften": s, "bolden": b}``."""

_SIDE = 28
_MAX_SOFTEN = 1 / 3  # the kernel [1/3, 1/3, 1/3]: beyond it the centre weighs less than a neighbour


def _is_number(value: object) -> bool:
    """True for a finite int or float (a bool is not a number here; an int too large for a
    float is not finite)."""
    if type(value) not in (int, float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


@dataclass(frozen=True)
class SketchReading:
    """``soften``: the weight ``s`` of each neighbour in the blur ``[s, 1-2s, s]``, applied along
    rows then columns, in [0, 1/3]. ``bolden``: the blend towards the plus-shaped dilation, in
    [0, 1]. Both 0 (the default): inputs are read as they are."""

    soften: float = 0.0
    bolden: float = 0.0

    def __post_init__(self) -> None:
        for name, value, most in (("soften", self.soften, _MAX_SOFTEN), ("bolden", self.bolden, 1)):
            if not (_is_number(value) and 0 <= value <= most):
                raise ValueError(f"{METADATA_KEY}: {name} must be a number in [0, {most:.4g}], "
                                 f"got {value!r:.40}")  # fmt: skip

    @property
    def as_drawn(self) -> bool:
        """True when inputs are read unchanged."""
        return self.soften == 0 and self.bolden == 0

    def apply(self, inputs: np.ndarray) -> np.ndarray:
        """The inputs as this model reads them: ``(784,)`` or ``(n, 784)`` in [0, 1] → the same
        shape, float32 in [0, 1]; the array itself when :attr:`as_drawn`."""
        if self.as_drawn:
            return inputs
        images = np.asarray(inputs, dtype=np.float32).reshape(-1, _SIDE, _SIDE)
        if self.soften:
            images = blur(images, self.soften)
        flat = images.reshape(-1, _SIDE * _SIDE)
        if self.bolden:
            flat = thicken(flat, np.full(len(flat), self.bolden, np.float32))
        return np.clip(flat, 0.0, 1.0).reshape(np.shape(inputs))

    def describe(self) -> str:
        """For reports: "as drawn", "softened", "bolder" or "softened, bolder"."""
        parts = (["softened"] if self.soften else []) + (["bolder"] if self.bolden else [])
        return ", ".join(parts) or "as drawn"

    def to_metadata(self) -> dict[str, dict[str, float]]:
        """The weight file metadata entry that makes a model read this way."""
        return {METADATA_KEY: {"soften": self.soften, "bolden": self.bolden}}

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, object]) -> SketchReading:
        """How the model with this weight file ``metadata`` reads: as drawn when the entry is
        absent. A malformed entry raises ValueError saying what is wrong."""
        entry = metadata.get(METADATA_KEY)
        if entry is None:
            return AS_DRAWN
        if not isinstance(entry, dict) or set(entry) - {"soften", "bolden"}:
            raise ValueError(
                f'{METADATA_KEY} must be {{"soften": s, "bolden": b}}, got {entry!r:.60}'
            )
        return cls(soften=entry.get("soften", 0.0), bolden=entry.get("bolden", 0.0))


AS_DRAWN = SketchReading()
"""Inputs read as the sketch recipe makes them (any network that was not told otherwise)."""

SOFTENED = SketchReading(soften=1 / 6, bolden=0.25)
"""The default model's reading, chosen on held-out writers (see docs/default-model.md)."""
