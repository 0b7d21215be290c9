"""Random distortions of 28x28 digits, so a network sees each training digit differently each epoch.

:func:`augment` gives every image its own random affine map (rotation, scale, shear, shift, all
about MNIST's centre of mass, pixel (14, 14)) and stroke thickness (blended towards a grey
dilation or erosion with a plus-shaped 3x3 neighbourhood). Everything is vectorised over the
images (bilinear sampling by gathering the four neighbours of every output pixel), in chunks that
fit the CPU cache, so NumPy releases the GIL for almost all of it and a background thread can
prepare the next epoch while this one trains (:class:`nn.training.Trainer`'s ``augment``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nn.digits import IMAGE_PIXELS, IMAGE_SIDE
from nn.sketch.morphology import thicken

CENTRE = 14.0  # MNIST's centre of mass, in pixel indices
_PADDED = (
    IMAGE_SIDE + 3
)  # one zero column/row before, two after: every clipped sample lands in them
_GRID = 4  # control points per axis of the elastic displacement field


def _spread_matrix() -> np.ndarray:
    """(784, 16): bilinear weights taking a 4x4 grid of values (spanning the image) to every
    pixel."""
    along = np.stack(
        [
            np.interp(
                np.arange(IMAGE_SIDE), np.linspace(0, IMAGE_SIDE - 1, _GRID), np.eye(_GRID)[k]
            )
            for k in range(_GRID)
        ],
        axis=1,
    )  # (28, 4): weight of control point k for each pixel of one axis
    return np.kron(along, along).astype(np.float32)  # rows: pixel y*28+x; cols: point ky*4+kx


_SPREAD = _spread_matrix()


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random distortions; each image draws its own values uniformly.

    ``rotation`` ± degrees, ``scale`` (low, high) factor, ``aspect`` ± relative stretch of the
    width against the height, ``shear`` ± horizontal shear factor, ``shift`` ± pixels on each
    axis, ``thickness`` ± the blend towards a dilation (positive) or an erosion (negative),
    ``elastic`` the spread (pixels, standard deviation) of a smooth random displacement field,
    bilinear between a 4x4 grid of random displacements (0: none).
    """

    rotation: float = 12.0
    scale: tuple[float, float] = (0.85, 1.15)
    aspect: float = 0.1
    shear: float = 0.2
    shift: float = 2.0
    thickness: float = 0.7
    elastic: float = 0.0
    chunk: int = 256  # images per vectorised step: measured fastest, the arrays stay in cache


def augment(
    images: np.ndarray, rng: np.random.Generator, config: AugmentConfig = AugmentConfig()
) -> np.ndarray:
    """Distorted copies of ``images`` (n, 784) float in [0, 1]: (n, 784) float32 in [0, 1].

    The same generator state gives the same output. Labels are untouched: row i of the result
    is a distortion of row i of ``images``.
    """
    images = np.asarray(images)
    if images.ndim != 2 or images.shape[1] != IMAGE_PIXELS:
        raise ValueError(f"images must be (n, {IMAGE_PIXELS}), got {images.shape}")
    n = len(images)
    inverse, offset = _random_maps(n, rng, config)
    thickness = rng.uniform(-config.thickness, config.thickness, n).astype(np.float32)
    grid = rng.normal(0.0, config.elastic, (n, 2, _GRID * _GRID)).astype(np.float32)
    out = np.empty((n, IMAGE_PIXELS), dtype=np.float32)
    for start in range(0, n, config.chunk):
        part = slice(start, start + config.chunk)
        thick = thicken(images[part].astype(np.float32), thickness[part])
        moves = grid[part] @ _SPREAD.T if config.elastic else None  # (m, 2, 784)
        out[part] = _warp(thick, inverse[part], offset[part], moves)
    return out


def _random_maps(n: int, rng: np.random.Generator, c: AugmentConfig):
    """Per image, the inverse linear map ``(n, 2, 2)`` and offset ``(n, 2)`` taking an output
    pixel (x, y) to the point of the input it samples: ``src = A (dst - centre - t) + centre``,
    returned as ``A`` and ``centre - A (centre + t)``."""
    angle = np.radians(rng.uniform(-c.rotation, c.rotation, n))
    scale = rng.uniform(c.scale[0], c.scale[1], n)
    aspect = 1 + rng.uniform(-c.aspect, c.aspect, n)
    shear = rng.uniform(-c.shear, c.shear, n)
    shift = rng.uniform(-c.shift, c.shift, (n, 2))
    cos, sin = np.cos(angle), np.sin(angle)
    # forward map M = rotation @ shear @ diag(scale·aspect, scale), in (x, y) with y down
    forward = np.empty((n, 2, 2))
    sx, sy = scale * aspect, scale
    forward[:, 0, 0] = cos * sx
    forward[:, 0, 1] = cos * shear * sy - sin * sy
    forward[:, 1, 0] = sin * sx
    forward[:, 1, 1] = sin * shear * sy + cos * sy
    inverse = np.linalg.inv(forward)
    centre = np.array([CENTRE, CENTRE])
    offset = centre - np.einsum("nij,nj->ni", inverse, centre + shift)
    return inverse.astype(np.float32), offset.astype(np.float32)


def _warp(
    images: np.ndarray, inverse: np.ndarray, offset: np.ndarray, moves: np.ndarray | None = None
) -> np.ndarray:
    """Bilinear resampling of (m, 28, 28) images at the points the maps give, each moved by
    ``moves`` (m, 2, 784) pixels (x, y) if given: (m, 784)."""
    m = len(images)
    ys, xs = np.divmod(np.arange(IMAGE_PIXELS, dtype=np.float32), IMAGE_SIDE)
    src_x = inverse[:, 0, :1] * xs + inverse[:, 0, 1:] * ys + offset[:, :1]
    src_y = inverse[:, 1, :1] * xs + inverse[:, 1, 1:] * ys + offset[:, 1:]
    if moves is not None:
        src_x += moves[:, 0]
        src_y += moves[:, 1]
    np.clip(src_x, -1, IMAGE_SIDE, out=src_x)  # beyond the border every neighbour is padding
    np.clip(src_y, -1, IMAGE_SIDE, out=src_y)
    x0, y0 = np.floor(src_x), np.floor(src_y)
    fx, fy = src_x - x0, src_y - y0
    padded = np.zeros((m, _PADDED, _PADDED), dtype=np.float32)
    padded[:, 1 : IMAGE_SIDE + 1, 1 : IMAGE_SIDE + 1] = images
    flat = padded.reshape(m, -1)
    index = (y0.astype(np.intp) + 1) * _PADDED + (x0.astype(np.intp) + 1)
    top = np.take_along_axis(flat, index, 1) * (1 - fx)
    top += np.take_along_axis(flat, index + 1, 1) * fx
    bottom = np.take_along_axis(flat, index + _PADDED, 1) * (1 - fx)
    bottom += np.take_along_axis(flat, index + _PADDED + 1, 1) * fx
    top *= 1 - fy
    bottom *= fy
    top += bottom
    return np.clip(top, 0.0, 1.0, out=top)
