"""How the user moves the pen: their taught drawings' strokes, weighed with the network's answer.

A drawn image loses how it was drawn. One writer's 5 may look like their own 4 yet be written in
another order and direction; their loopless 9 may look like a 4 yet start where their 9s start.
A model taught the user's digits (:mod:`nn.personal.adapt`) also remembers each taught
drawing's *trajectory* when its strokes are known, and a drawing read with its strokes is
compared with them:

- :func:`trajectory`: the strokes joined in the order drawn (the pen's jump from one stroke to
  the next included), centred on their box and scaled by its longer side, resampled to
  :data:`TRAJECTORY_POINTS` points evenly spaced along the path, plus the direction of each
  step (weighted :data:`DIRECTION_WEIGHT`). Where and how large the digit is drawn does not
  matter; the order and direction of the pen do.
- :meth:`StrokeMemory.weigh`: for each digit, the distance ``d`` to the nearest remembered
  drawing of it (:data:`UNTAUGHT_DISTANCE` for a digit never taught), and each of the network's
  activations multiplied by ``exp(-STRENGTH * (d - d_nearest))``, their sum kept: a product of
  the two opinions, the network's and the memory's.

The numbers were chosen on pen-digit training writers a model had never seen
(``bench/personal.py --tuning``); what they do is measured in ``docs/performance.md``.
A memory bounds what it holds (:data:`MAX_DRAWINGS`), so reading with it stays quick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TRAJECTORY_POINTS = 32
"""Points a trajectory is resampled to, evenly spaced along the pen's path."""
DIRECTION_WEIGHT = 0.3
"""Weight of each step's unit direction beside the points (which span a box of side 1)."""
FEATURES = 2 * TRAJECTORY_POINTS + 2 * (TRAJECTORY_POINTS - 1)
"""Numbers describing one trajectory: the points' x, y, then the steps' directions."""

STRENGTH = 6.0
"""How strongly distance counts: a digit whose nearest remembered drawing is 0.1 further than
another's loses a factor ``exp(-0.6)``, about 0.55, against it."""
UNTAUGHT_DISTANCE = 1.6
"""The distance a digit never taught is given: about as far as the nearest drawing of another
digit usually lies, so teaching only some digits does not pull drawings of the others to them."""
MAX_DRAWINGS = 10_000
"""The most drawings a memory holds (2.5 MB at float32)."""


def trajectory(strokes: Sequence[np.ndarray]) -> np.ndarray | None:
    """The :data:`FEATURES` numbers (float32) describing strokes drawn in this order, each an
    ``(n, 2)`` array of x, y points in any one unit (canvas pixels, say); None when they hold
    no point."""
    drawn = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes]
    drawn = [s for s in drawn if len(s)]
    if not drawn:
        return None
    points = np.concatenate(drawn)
    if not np.all(np.isfinite(points)):
        return None
    low, high = points.min(axis=0), points.max(axis=0)
    points = (points - (low + high) / 2) / max(float((high - low).max()), 1e-9)
    along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    spots = np.linspace(0.0, along[-1], TRAJECTORY_POINTS)
    path = np.column_stack([np.interp(spots, along, points[:, i]) for i in range(2)])
    steps = np.diff(path, axis=0)
    lengths = np.linalg.norm(steps, axis=1, keepdims=True)
    directions = np.divide(steps, lengths, out=np.zeros_like(steps), where=lengths > 0)
    return np.concatenate([path.ravel(), DIRECTION_WEIGHT * directions.ravel()]).astype(np.float32)


@dataclass(frozen=True, eq=False)
class StrokeMemory:
    """Remembered trajectories: ``features`` ``(n, FEATURES)`` float32 (:func:`trajectory`) and
    their digits ``labels`` ``(n,)`` int64 in 0-9, with 1 <= n <= :data:`MAX_DRAWINGS`."""

    features: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        features = np.asarray(self.features, dtype=np.float32)
        labels = np.asarray(self.labels)
        if features.ndim != 2 or features.shape[1] != FEATURES:
            raise ValueError(f"features must be (n, {FEATURES}), got {features.shape}")
        if not 1 <= len(features) <= MAX_DRAWINGS:
            raise ValueError(f"{len(features):,} drawings; a memory holds 1 to {MAX_DRAWINGS:,}")
        if labels.shape != (len(features),) or labels.dtype.kind not in "iu":
            raise ValueError(f"labels must be ({len(features)},) integers, got {labels.shape}")
        if np.any((labels < 0) | (labels > 9)):
            raise ValueError("labels must be digits 0-9")
        if not np.all(np.isfinite(features)):
            raise ValueError("features must be finite numbers")
        object.__setattr__(self, "features", features)
        object.__setattr__(self, "labels", labels.astype(np.int64))

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        return f"StrokeMemory({len(self)} drawings of {len(np.unique(self.labels))} digits)"

    @classmethod
    def of(
        cls, drawings: Sequence[Sequence[np.ndarray] | None], labels: Sequence[int]
    ) -> StrokeMemory | None:
        """The memory of ``drawings`` (each its strokes, or None when only an image is known)
        labelled ``labels``; the last :data:`MAX_DRAWINGS` with strokes are kept. None when no
        drawing has strokes."""
        kept = [
            (features, int(label))
            for drawing, label in zip(drawings, labels, strict=True)
            if drawing is not None and (features := trajectory(drawing)) is not None
        ][-MAX_DRAWINGS:]
        if not kept:
            return None
        return cls(np.stack([f for f, _ in kept]), np.array([label for _, label in kept]))

    def distances(self, strokes: Sequence[np.ndarray]) -> np.ndarray | None:
        """``(10,)``: for each digit, the distance from these strokes' trajectory to its nearest
        remembered drawing (:data:`UNTAUGHT_DISTANCE` for a digit not remembered); None when the
        strokes hold no point."""
        features = trajectory(strokes)
        if features is None:
            return None
        each = np.linalg.norm(self.features - features, axis=1)
        nearest = np.full(10, np.inf)
        np.minimum.at(nearest, self.labels, each)
        return np.where(np.isinf(nearest), UNTAUGHT_DISTANCE, nearest)

    def weigh(self, activations: np.ndarray, strokes: Sequence[np.ndarray]) -> np.ndarray:
        """The network's ``(10,)`` ``activations`` for a drawing, each multiplied by
        ``exp(-STRENGTH * (d - d_nearest))`` (:meth:`distances`) and scaled back to their sum:
        softmax outputs stay shares. Unchanged when the strokes hold no point."""
        distances = self.distances(strokes)
        if distances is None:
            return activations
        positive = np.clip(activations, 0.0, None)
        weighed = positive * np.exp(-STRENGTH * (distances - distances.min()))
        total = float(weighed.sum())
        if not np.isfinite(total) or total <= 0:
            return activations
        return (weighed * (float(positive.sum()) / total)).astype(activations.dtype)
