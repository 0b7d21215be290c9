"""A photo or scan of a handwritten number → one sketch per digit, left to right.

:func:`read_photo_digits` opens the image (:mod:`nn.images.reading`), cleans it
(:mod:`nn.images.cleaning`) and splits the ink into digits: pieces of ink whose horizontal
extents overlap belong to one digit (:func:`nn.sketch.grouping.group_spans`, as strokes on the
canvas do), so a detached bar or dot stays with its digit; a group much lower and fainter than
the digits (a point, a colon, an apostrophe) is a mark and is left out. Each digit becomes a
sketch, an (H, W) uint8 image of white ink on black, what :meth:`nn.model.Model.read` takes; it
goes through the same recipe as a drawing (:func:`nn.sketch.recipe.sketch_to_mnist`).

A pen line on paper is often much thinner, for the digit's size, than the canvas pen or an MNIST
stroke, and would fade to a faint line when the digit is shrunk to 20 px. So a digit whose
strokes are thinner than :data:`THIN_STROKE` of its longer side, thinner than almost any MNIST
digit's, is made bolder (a grey dilation) until they are about :data:`STROKE_WIDTH`, an MNIST
digit's typical width. Strokes already as wide as MNIST's are left as written: made bolder
still, a 7's bar swells into its stem or a 9's loop closes, and they read as a 1 or a 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from nn.images.cleaning import CleanInk, clean
from nn.images.reading import ImageReadError, ImageSource, read_grey
from nn.sketch.grouping import group_spans

SKETCH_SIDE = 112
"""The longer side, in pixels, a digit's sketch is shrunk to (four times the recipe's 28)."""

THIN_STROKE = 0.06
"""Strokes thinner than this fraction of the digit's longer side (as :func:`stroke_width`
measures them on the sketch) are a pen line to make bolder: fewer than 5 % of MNIST's training
digits, enlarged to the sketch's size, have strokes this thin (their 5th percentile is 0.064)."""

STROKE_WIDTH = 0.10
"""The stroke width, as a fraction of the digit's longer side, thin strokes are made bold to:
the median of MNIST's training digits measured the same way (0.098)."""

SMALL_GROUP = 0.3
"""A group of pieces lower than this fraction of the tallest digit and with less ink than this
fraction of the most inked one is a mark (a point, a comma, a stray speck), not a digit."""

FAINT_GROUP = (0.7, 0.15)
"""A group lower than the first fraction of the tallest digit and with less ink than the second
fraction of the most inked one is also a mark (a colon, an apostrophe, a stray line where the
table meets the paper): a digit of a number is about as tall as the others, and a 1 has about
40 % of a 0's ink (medians over MNIST's training digits), rarely less than 15 %."""


Box = tuple[int, int, int, int]
"""``(left, top, right, bottom)`` in pixels of the original image, right and bottom exclusive."""


@dataclass(frozen=True, eq=False)
class PhotoDigits:
    """What :func:`read_photo_digits` found.

    ``cleaned``: (h, w) uint8, the image's kept ink, white on black, at the working size (for
    display). ``sketches``: one (H, W) uint8 white-on-black image per digit, left to right.
    ``boxes``: each digit's box in the original image (see :data:`Box`). ``size``: the original
    image's ``(width, height)``. ``inverted``: the image had light ink on a dark ground.
    """

    cleaned: np.ndarray
    sketches: list[np.ndarray]
    boxes: list[Box]
    size: tuple[int, int]
    inverted: bool

    def __len__(self) -> int:
        return len(self.sketches)


def read_photo_digits(source: ImageSource, name: str | None = None) -> PhotoDigits:
    """Find the digits in a photo or scan, left to right.

    ``source`` is a path, the encoded bytes of an image, or a Pillow image (see
    :func:`nn.images.reading.read_grey`); ``name`` is what messages call it. Raises
    :class:`~nn.images.reading.ImageReadError` for a file that cannot be read and for an image
    without ink.
    """
    grey = read_grey(source, name)
    ink = clean(grey.pixels, taken_side=max(grey.size))
    groups = digit_groups(ink)
    if not groups:
        raise ImageReadError(f"{grey.name}: no ink found (a blank page?)")
    scale_x = grey.size[0] / grey.pixels.shape[1]
    scale_y = grey.size[1] / grey.pixels.shape[0]
    sketches, boxes = [], []
    for group in groups:
        sketch, (left, top, right, bottom) = _digit_sketch(ink, group)
        sketches.append(sketch)
        boxes.append(_scaled_box(left, top, right, bottom, scale_x, scale_y, grey.size))
    cleaned = np.round(ink.ink * 255).astype(np.uint8)
    return PhotoDigits(cleaned, sketches, boxes, grey.size, ink.inverted)


def digit_groups(ink: CleanInk) -> list[np.ndarray]:
    """The kept pieces grouped into digits, left to right: per digit, the piece labels (1-based)."""
    pieces = ink.pieces
    kept = np.flatnonzero(ink.kept)
    if kept.size == 0:
        return []
    spans = [(float(pieces.left[k]), float(pieces.right[k]) - 1) for k in kept]
    groups = [kept[np.array(g)] for g in group_spans(spans)]
    heights = np.array([pieces.bottom[g].max() - pieces.top[g].min() for g in groups])
    areas = np.array([pieces.area[g].sum() for g in groups])
    low, faint = heights / heights.max(), areas / areas.max()
    mark = ((low < SMALL_GROUP) & (faint < SMALL_GROUP)) | (
        (low < FAINT_GROUP[0]) & (faint < FAINT_GROUP[1])
    )
    return [g + 1 for g, is_mark in zip(groups, mark, strict=True) if not is_mark]


def _digit_sketch(ink: CleanInk, labels: np.ndarray) -> tuple[np.ndarray, Box]:
    """The sketch of the digit made of the pieces ``labels``, and its box in working pixels."""
    index = labels - 1
    pieces = ink.pieces
    top, bottom = int(pieces.top[index].min()), int(pieces.bottom[index].max())
    left, right = int(pieces.left[index].min()), int(pieces.right[index].max())
    window = ink.pieces.labels[top:bottom, left:right]
    crop = np.where(np.isin(window, labels), ink.ink[top:bottom, left:right], np.float32(0))
    crop = _shrink_to(crop, SKETCH_SIDE)
    crop = _bolden(crop)
    return np.round(crop * 255).astype(np.uint8), (left, top, right, bottom)


def _shrink_to(crop: np.ndarray, side: int) -> np.ndarray:
    h, w = crop.shape
    if max(h, w) <= side:
        return crop
    factor = side / max(h, w)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    image = Image.fromarray(np.ascontiguousarray(crop, dtype=np.float32))
    return np.asarray(image.resize(size, Image.Resampling.BOX), dtype=np.float32)


def stroke_width(ink: np.ndarray) -> float:
    """The mean stroke width of (h, w) ink in [0, 1], in pixels: its area over half its outline
    (a stroke of width ``s`` and length ``L`` has area ``s L`` and outline about ``2 L``)."""
    solid = ink >= 0.5
    outline = np.count_nonzero(solid[1:] != solid[:-1]) + np.count_nonzero(
        solid[:, 1:] != solid[:, :-1]
    )
    outline += np.count_nonzero(solid[[0, -1]]) + np.count_nonzero(solid[:, [0, -1]])
    return float(ink.sum()) / max(outline / 2, 1.0)


def _bolden(crop: np.ndarray) -> np.ndarray:
    """``crop`` ((h, w) ink in [0, 1]) with strokes thinner than :data:`THIN_STROKE` of its
    longer side widened to about :data:`STROKE_WIDTH` of it; other crops unchanged."""
    side = max(crop.shape)
    width = stroke_width(crop)
    if width >= THIN_STROKE * side:
        return crop
    radius = round((STROKE_WIDTH * side - width) / 2)
    if radius < 1:
        return crop
    padded = np.pad(crop, radius)
    return _max_filter(padded, 2 * radius + 1)


def _max_filter(image: np.ndarray, size: int) -> np.ndarray:
    """The largest value in each ``size`` x ``size`` square (zeros beyond the edges)."""
    half = size // 2
    out = image
    for axis in (0, 1):
        padded = np.pad(out, [(half, half) if a == axis else (0, 0) for a in (0, 1)])
        windows = np.lib.stride_tricks.sliding_window_view(padded, size, axis=axis)
        out = windows.max(axis=-1)
    return out


def _scaled_box(
    left: int, top: int, right: int, bottom: int, sx: float, sy: float, size: tuple[int, int]
) -> Box:
    return (
        max(0, int(np.floor(left * sx))),
        max(0, int(np.floor(top * sy))),
        min(size[0], int(np.ceil(right * sx))),
        min(size[1], int(np.ceil(bottom * sy))),
    )
