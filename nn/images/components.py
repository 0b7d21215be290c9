"""Connected pieces of ink in a mask, labelled with NumPy alone (8-connected).

The mask is cut into runs (horizontal stretches of set pixels, row by row); two runs on adjacent
rows belong together when they overlap or touch diagonally. The runs are then joined by
propagating the smallest label along those links with pointer jumping, all vectorised, so a
1000 x 750 mask of handwriting is labelled in a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Components:
    """The pieces of a mask. ``labels``: (h, w) int32, 0 for background, 1..n for the pieces.
    Per piece (index ``k - 1`` for label ``k``), all (n,) int64: ``area`` in pixels and the
    bounding box ``top``, ``bottom``, ``left``, ``right`` (half-open, in pixels)."""

    labels: np.ndarray
    area: np.ndarray
    top: np.ndarray
    bottom: np.ndarray
    left: np.ndarray
    right: np.ndarray

    def __len__(self) -> int:
        return len(self.area)


def label_components(mask: np.ndarray) -> Components:
    """Label the 8-connected pieces of the (h, w) bool ``mask``."""
    mask = np.asarray(mask, dtype=bool)
    h, w = mask.shape
    rows, starts, ends = _runs(mask)
    run_label = _join_runs(rows, starts, ends, w)
    count = int(run_label.max()) + 1 if len(run_label) else 0
    labels = np.zeros((h, w), dtype=np.int32)
    lengths = ends - starts
    if count:
        flat = np.repeat(rows * w + starts, lengths) + _ramp(lengths)
        labels.reshape(-1)[flat] = np.repeat(run_label + 1, lengths)
    area = np.bincount(run_label, weights=lengths, minlength=count).astype(np.int64)
    top = np.full(count, h, np.int64)
    bottom = np.zeros(count, np.int64)
    left = np.full(count, w, np.int64)
    right = np.zeros(count, np.int64)
    np.minimum.at(top, run_label, rows)
    np.maximum.at(bottom, run_label, rows + 1)
    np.minimum.at(left, run_label, starts)
    np.maximum.at(right, run_label, ends)
    return Components(labels, area, top, bottom, left, right)


def _ramp(lengths: np.ndarray) -> np.ndarray:
    """0, 1, …, n-1 for each n in ``lengths``, concatenated."""
    total = int(lengths.sum())
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total, dtype=np.int64) - offsets


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every run of set pixels: its row, first column and end column (exclusive), (r,) int64
    each, ordered by row then column."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    change = np.diff(padded, axis=1)  # +1 where a run starts, -1 one past its end
    start_rows, starts = np.nonzero(change == 1)
    _, ends = np.nonzero(change == -1)
    return start_rows.astype(np.int64), starts.astype(np.int64), ends.astype(np.int64)


def _join_runs(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, width: int) -> np.ndarray:
    """A label 0..n-1 per run, equal for runs of one 8-connected piece."""
    n = len(rows)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    stride = width + 2
    key_start = rows * stride + starts  # runs in order of these keys (row-major)
    key_end = rows * stride + ends
    # Runs on the next row that touch run i: start <= end_i (exclusive end: diagonal touch
    # included) and end >= start_i. Both ends increase along a row, so it is a contiguous slice.
    first = np.searchsorted(key_end, (rows + 1) * stride + starts, side="left")
    last = np.searchsorted(key_start, (rows + 1) * stride + ends, side="right")
    counts = np.maximum(last - first, 0)
    a = np.repeat(np.arange(n), counts)
    b = np.repeat(first, counts) + _ramp(counts)
    label = np.arange(n)
    while True:
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]  # pointer jumping: follow each label to its own label
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    _, dense = np.unique(label, return_inverse=True)
    return dense.astype(np.int64)
