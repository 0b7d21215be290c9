"""A sketch (white ink on black, any size) → the (784,) input of the network, as MNIST was made.

MNIST digits were fitted into a 20x20 box (aspect kept, anti-aliased) and pasted into 28x28 so that
their intensity centre of mass falls on pixel (row 14, column 14), counting pixel centres from 0
(measured on the test set: mean centre of mass (13.99, 14.00), spread ±0.29 px, the signature of an
integer shift). :func:`sketch_to_mnist` repeats those steps on a drawing; see "Sketch → 28x28" in
``docs/architecture.md``. Pure NumPy + Pillow, no Qt.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from nn.digits import IMAGE_PIXELS, IMAGE_SIDE

CANVAS_PIXELS = 280
"""Height of the sketch image in pixels, fixed whatever the screen size or DPI: the side of the
square a single digit is drawn in, and the length pen widths and drawing sizes are measured
against."""

CANVAS_WIDTH = 2 * CANVAS_PIXELS
"""Width of the sketch image in pixels: two squares side by side, room to write a number of up
to four digits at the size of a single one (see "Writing a number" in docs/performance.md)."""

MIN_STEP = 0.5
"""In sketch image pixels: a pointer move closer than this on both axes to the last kept point
of its stroke adds no point. The canvas ignores such moves, and the Qt-free renderer drops such
points, so both paint the same segments."""

BOX_SIDE = 20
"""The longer side of the ink's bounding box after scaling, in pixels (as in MNIST)."""

CENTRE = 14.0
"""Where the centre of mass lands, in pixel indices (row and column), as in MNIST."""

FAINT_FRACTION = 0.1
"""Pixels dimmer than this fraction of the brightest one are ignored for the bounding box."""

_RESAMPLE = Image.Resampling.LANCZOS  # anti-aliased when shrinking, smooth when enlarging
_REDUCING_GAP = 2.0  # shrink by an integer factor (box average) first, then LANCZOS: 3-5x faster


def sketch_to_mnist(sketch: np.ndarray) -> np.ndarray | None:
    """Convert a drawing to the network's input: a (784,) float32 array in [0, 1], or None if empty.

    ``sketch`` is an (H, W) image, white ink (high) on black (0): uint8 in 0-255 (other integers
    likewise, bool as 0/255), or float in [0, 1]. Steps:

    1. bounding box of the pixels brighter than 10 % of the brightest; crop to it;
    2. scale so the longer side is 20 px, aspect kept, at least 1 px on the shorter side
       (Pillow LANCZOS after an integer box reduction: anti-aliased);
    3. paste into 28x28 with an *integer* shift that puts the intensity centre of mass on pixel
       (14, 14), MNIST's own convention (so within 0.5 px of it), clamped so no ink leaves the
       28x28 field (only for very lopsided shapes);
    4. values in [0, 1] as in the training data (uint8 / 255, white on black, no contrast
       stretching).

    The sketch is only read through views and 1-D reductions: no full-size temporaries.
    """
    sketch = np.asarray(sketch)
    if sketch.ndim != 2:
        raise ValueError(f"a sketch is a 2-D (H, W) image, got shape {sketch.shape}")
    if sketch.dtype == np.bool_:
        sketch = sketch.view(np.uint8) * np.uint8(255)
    elif sketch.dtype != np.uint8 and not np.issubdtype(sketch.dtype, np.floating):
        sketch = np.clip(sketch, 0, 255).astype(np.uint8)  # other integers: taken as 0-255
    box = _ink_box(sketch)
    if box is None:
        return None
    top, bottom, left, right = box
    small = _scale_to_box(sketch[top:bottom, left:right])
    return _paste_centred(small).reshape(IMAGE_PIXELS)


def _ink_box(sketch: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(top, bottom, left, right)``, half-open, in pixels, of the non-faint ink; None if blank."""
    row_max = sketch.max(axis=1)  # (H,): brightest pixel of each row
    peak = row_max.max()
    if not peak > 0:  # also catches NaN
        return None
    col_max = sketch.max(axis=0)  # (W,)
    threshold = peak * FAINT_FRACTION
    rows = np.flatnonzero(row_max > threshold)
    cols = np.flatnonzero(col_max > threshold)
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _scale_to_box(crop: np.ndarray) -> np.ndarray:
    """Scale the (h, w) ``crop`` so its longer side is 20 px; returns float32 (h', w') in [0, 1]."""
    h, w = crop.shape
    if h >= w:
        size = (max(1, round(w * BOX_SIDE / h)), BOX_SIDE)  # Pillow sizes are (width, height)
    else:
        size = (BOX_SIDE, max(1, round(h * BOX_SIDE / w)))
    if crop.dtype == np.uint8:
        image = Image.fromarray(crop).resize(size, _RESAMPLE, reducing_gap=_REDUCING_GAP)
        scaled = np.asarray(image, dtype=np.float32)
        scaled *= np.float32(1 / 255)
        return scaled
    image = Image.fromarray(np.ascontiguousarray(crop, dtype=np.float32))
    scaled = np.array(image.resize(size, _RESAMPLE, reducing_gap=_REDUCING_GAP), dtype=np.float32)
    return np.clip(scaled, 0.0, 1.0, out=scaled)  # LANCZOS may over- and undershoot a little


def _paste_centred(small: np.ndarray) -> np.ndarray:
    """Paste the (h, w) ``small`` image into a black 28x28 so its centre of mass is at (14, 14)."""
    h, w = small.shape
    mass = float(small.sum())
    if mass > 0:
        cy = float(small.sum(axis=1) @ np.arange(h)) / mass  # centre of mass, in rows of `small`
        cx = float(small.sum(axis=0) @ np.arange(w)) / mass
    else:
        cy, cx = (h - 1) / 2, (w - 1) / 2
    top = min(max(round(CENTRE - cy), 0), IMAGE_SIDE - h)
    left = min(max(round(CENTRE - cx), 0), IMAGE_SIDE - w)
    out = np.zeros((IMAGE_SIDE, IMAGE_SIDE), dtype=np.float32)
    out[top : top + h, left : left + w] = small
    return out
