"""Grey-level morphology of 28x28 digit images: blurring and bolder (or thinner) strokes.

Both run when a sketch is read (:mod:`nn.sketch.reading`); :func:`thicken` also varies stroke
thickness when training images are distorted (:mod:`nn.handwriting.augment`). NumPy only.
"""

from __future__ import annotations

import numpy as np

from nn.digits import IMAGE_SIDE


def thicken(images: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """Blend each image (m, 784) towards its plus-shaped grey dilation (``amount`` > 0) or
    erosion (< 0) by ``|amount|``; returns (m, 28, 28) float32."""
    x = images.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    centre, up, down = p[:, 1:-1, 1:-1], p[:, :-2, 1:-1], p[:, 2:, 1:-1]
    left, right = p[:, 1:-1, :-2], p[:, 1:-1, 2:]
    grow = amount > 0
    target = np.where(
        grow[:, None, None],
        np.maximum(np.maximum(np.maximum(up, down), np.maximum(left, right)), centre),
        np.minimum(np.minimum(np.minimum(up, down), np.minimum(left, right)), centre),
    )
    target -= x
    target *= np.abs(amount)[:, None, None]
    target += x
    return target


def blur(images: np.ndarray, s: float) -> np.ndarray:
    """``images`` (n, 28, 28) blurred by ``[s, 1-2s, s]`` along each axis, zero beyond the
    border: (n, 28, 28) float32."""
    s, centre = np.float32(s), np.float32(1 - 2 * s)
    across = images * centre
    across[:, :, 1:] += s * images[:, :, :-1]
    across[:, :, :-1] += s * images[:, :, 1:]
    down = across * centre
    down[:, 1:, :] += s * across[:, :-1, :]
    down[:, :-1, :] += s * across[:, 1:, :]
    return down
