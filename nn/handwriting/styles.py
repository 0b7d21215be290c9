"""Five ways of writing digits that many people use and MNIST under-represents, made from strokes.

Each :class:`Style` turns a pen digit's strokes (tablet coordinates, y up, as in
:mod:`nn.data.pendigits`) into the same digit written that way, keeping the writer's own strokes
wherever the style allows:

- ``slashed 0``: the 0's strokes plus a slash through it, lower left to upper right;
- ``crossed 7``: the 7's strokes plus a short bar across its stem at mid-height;
- ``1 with flag and foot``: the 1's strokes plus a flag at its top and a foot at its bottom;
- ``open 4``: the part drawn before the 4's corner (the leftmost point) becomes a vertical
  line, so the top is open whatever way the writer closed it;
- ``9 with straight tail``: the part of the 9 below its loop (the end of the stroke that
  reaches lowest, or its start for people who draw the tail upwards) becomes a straight
  vertical line down to the 9's bottom.

Sizes and angles are jittered with the given generator, so a seed repeats them. Used to train
(on the training file's digits) and to measure (on the test file's, ``bench/drawn_digits.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Strokes = Sequence[np.ndarray]


def _box(strokes: Strokes) -> tuple[np.ndarray, np.ndarray]:
    """Lower-left ``(x0, y0)`` and size ``(w, h)`` of the strokes' bounding box, tablet units."""
    every = np.concatenate(strokes).astype(float)
    low = every.min(axis=0)
    return low, np.maximum(every.max(axis=0) - low, 1.0)


def _line(start, end, points: int = 6) -> np.ndarray:
    """A straight stroke of ``points`` points from ``start`` to ``end``: ``(points, 2)``."""
    t = np.linspace(0.0, 1.0, points)[:, None]
    return (1 - t) * np.asarray(start, dtype=float) + t * np.asarray(end, dtype=float)


def slashed_zero(strokes: Strokes, rng: np.random.Generator) -> list[np.ndarray]:
    (x0, y0), (w, h) = _box(strokes)
    over = rng.uniform(0.0, 0.15, 2) * h
    start = (x0 + rng.uniform(-0.1, 0.15) * w, y0 - over[0])
    end = (x0 + w * rng.uniform(0.85, 1.1), y0 + h + over[1])
    return [*(s.astype(float) for s in strokes), _line(start, end)]


def crossed_seven(strokes: Strokes, rng: np.random.Generator) -> list[np.ndarray]:
    (x0, y0), (w, h) = _box(strokes)
    y = y0 + h * rng.uniform(0.35, 0.5)
    xs = _crossings(strokes, y)
    centre = float(np.mean(xs)) if xs else x0 + w / 2
    half = max(w, 0.4 * h) * rng.uniform(0.2, 0.3)
    tilt = rng.uniform(-0.05, 0.05) * h
    return [
        *(s.astype(float) for s in strokes),
        _line((centre - half, y - tilt), (centre + half, y + tilt)),
    ]


def _crossings(strokes: Strokes, y: float) -> list[float]:
    """The x of every point where a stroke crosses the height ``y``."""
    xs = []
    for s in strokes:
        s = s.astype(float)
        a, b = s[:-1], s[1:]
        hit = (a[:, 1] - y) * (b[:, 1] - y) <= 0
        dy = np.where(b[:, 1] == a[:, 1], 1.0, b[:, 1] - a[:, 1])
        t = np.clip((y - a[:, 1]) / dy, 0, 1)
        xs.extend((a[hit, 0] + t[hit] * (b[hit, 0] - a[hit, 0])).tolist())
    return xs


def flagged_one(strokes: Strokes, rng: np.random.Generator) -> list[np.ndarray]:
    every = np.concatenate(strokes).astype(float)
    top, bottom = every[every[:, 1].argmax()], every[every[:, 1].argmin()]
    h = max(top[1] - bottom[1], 1.0)
    angle = np.radians(rng.uniform(20, 45))  # below the horizontal, to the left
    length = h * rng.uniform(0.22, 0.35)
    flag_start = top + length * np.array([-np.cos(angle), -np.sin(angle)])
    half = h * rng.uniform(0.18, 0.28)
    foot = _line(bottom - np.array([half, 0]), bottom + np.array([half, 0]))
    return [_line(flag_start, top, 4), *(s.astype(float) for s in strokes), foot]


def open_four(strokes: Strokes, rng: np.random.Generator) -> list[np.ndarray]:
    strokes = [s.astype(float) for s in strokes]
    (_, y0), (_, h) = _box(strokes)
    k = min(range(len(strokes)), key=lambda i: strokes[i][:, 0].min())
    stroke = strokes[k]
    corner_at = int(stroke[:, 0].argmin())
    corner = stroke[corner_at]
    top = y0 + h * rng.uniform(0.8, 1.0)
    lean = rng.uniform(-0.08, 0.08) * (top - corner[1])
    strokes[k] = np.concatenate([_line((corner[0] + lean, top), corner)[:-1], stroke[corner_at:]])
    return strokes


def straight_nine(strokes: Strokes, rng: np.random.Generator) -> list[np.ndarray]:
    strokes = [s.astype(float) for s in strokes]
    (_, y0), (_, h) = _box(strokes)
    middle = y0 + h * 0.5  # the loop fills the upper half; the tail is what lies below
    # The tail ends at the 9's lowest point, so it is on the stroke reaching lowest (not always
    # the first or the last: some people add a small stroke at the top afterwards).
    k = min(range(len(strokes)), key=lambda i: strokes[i][:, 1].min())
    stroke = strokes[k]
    at_end = _run_below(stroke[::-1], middle)  # a tail drawn downwards, at the stroke's end
    at_start = _run_below(stroke, middle)  # or upwards, at its start (some people start there)
    lean = rng.uniform(-0.06, 0.06) * h
    if at_start > at_end:
        joint = stroke[min(at_start, len(stroke) - 1)]
        tail = _line((joint[0] + lean, y0), joint)
        strokes[k] = np.concatenate([tail, stroke[at_start + 1 :]])
    else:
        keep = max(len(stroke) - at_end - 1, 0)  # up to the joint, the last point above
        joint = stroke[keep]
        strokes[k] = np.concatenate([stroke[:keep], _line(joint, (joint[0] + lean, y0))])
    return strokes


def _run_below(points: np.ndarray, y: float) -> int:
    """How many of the first ``points`` (n, 2) lie below the height ``y`` (y up), in a row."""
    above = np.flatnonzero(points[:, 1] >= y)
    return int(above[0]) if len(above) else len(points)


def reshape_hand(
    strokes: Strokes, rng: np.random.Generator, strength: float = 1.0
) -> list[np.ndarray]:
    """The digit as another hand might write it: turned (±10°), slanted (shear ±0.3) and
    stretched (width x 0.82-1.22) about its box's centre, times ``strength``. Tablet units, y up.
    """
    every = np.concatenate(strokes).astype(float)
    centre = (every.min(axis=0) + every.max(axis=0)) / 2
    turn = np.radians(rng.uniform(-10, 10) * strength)
    shear = rng.uniform(-0.3, 0.3) * strength
    stretch = np.exp(rng.uniform(-0.2, 0.2) * strength)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    m = rotation @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([stretch, 1.0])
    return [(s.astype(float) - centre) @ m.T + centre for s in strokes]


@dataclass(frozen=True)
class Style:
    """A way of writing ``digit``: ``apply(strokes, rng)`` returns the restyled strokes."""

    name: str
    digit: int
    apply: Callable[[Strokes, np.random.Generator], list[np.ndarray]]


STYLES = (
    Style("slashed 0", 0, slashed_zero),
    Style("crossed 7", 7, crossed_seven),
    Style("1 with flag and foot", 1, flagged_one),
    Style("open 4", 4, open_four),
    Style("9 with straight tail", 9, straight_nine),
)
