"""The optional weight-file entries of a model that remembers the user's strokes.

``stroke_features`` ``(n, FEATURES)`` float32 and ``stroke_labels`` ``(n,)`` int64 hold a
:class:`nn.sketch.stroke_memory.StrokeMemory` (1 <= n <= ``MAX_DRAWINGS``): both or neither.
Earlier versions of the app ignore entries they do not know, so they open such a file as the
network alone. Each entry's dtype and shape are checked before its data is read.
"""

from __future__ import annotations

import numpy as np

from nn.sketch.stroke_memory import FEATURES, MAX_DRAWINGS, StrokeMemory
from nn.weights.archive import Archive, ContentError, brief

FEATURES_KEY = "stroke_features"
LABELS_KEY = "stroke_labels"


def memory_arrays(memory: StrokeMemory | None) -> dict[str, np.ndarray]:
    """The entries to save for ``memory`` (none without one)."""
    if memory is None:
        return {}
    return {FEATURES_KEY: memory.features, LABELS_KEY: memory.labels}


def read_memory(archive: Archive) -> StrokeMemory | None:
    """The memory the archive holds, None when it holds none; raises ContentError."""
    present = {FEATURES_KEY, LABELS_KEY} & archive.keys
    if not present:
        return None
    if len(present) == 1:
        missing = ({FEATURES_KEY, LABELS_KEY} - present).pop()
        raise ContentError(f"entry {present.pop()!r} comes without {missing!r}")

    def check_features(dtype: np.dtype, shape: tuple[int, ...]) -> None:
        if dtype.kind != "f" or dtype.itemsize not in (4, 8):
            raise ContentError(f"{FEATURES_KEY!r} must be float32 or float64, not {brief(dtype)}")
        if len(shape) != 2 or shape[1] != FEATURES or not 1 <= shape[0] <= MAX_DRAWINGS:
            raise ContentError(
                f"{FEATURES_KEY!r} must be (n, {FEATURES}) with 1 <= n <= {MAX_DRAWINGS:,}, "
                f"not {shape!s:.40}"
            )

    def check_labels(dtype: np.dtype, shape: tuple[int, ...]) -> None:
        if dtype.kind not in "iu" or len(shape) != 1 or shape[0] > MAX_DRAWINGS:
            raise ContentError(
                f"{LABELS_KEY!r} must be a 1-D integer array of at most {MAX_DRAWINGS:,}, not "
                f"{brief(dtype, 30)} {shape!s:.40}"
            )

    features = archive.read(FEATURES_KEY, MAX_DRAWINGS * FEATURES * 8, check_features)
    labels = archive.read(LABELS_KEY, MAX_DRAWINGS * 8, check_labels)
    try:
        return StrokeMemory(features, labels)
    except ValueError as exc:
        raise ContentError(f"the remembered strokes are invalid: {exc}") from None
