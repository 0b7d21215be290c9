"""Strokes → the 280x280 image the drawing canvas paints, without Qt; and pen digits on a canvas.

The canvas (``app/draw/sketch_canvas.py``) paints each stroke with QPainter: anti-aliased, white on
black, round caps and joins, a dot at the first point and one line per segment, into a 280x280
8-bit image. :func:`render_strokes` paints the same strokes with Pillow: every segment (and the
first point) becomes a capsule polygon, filled at ``SUPERSAMPLE`` times the resolution, then
averaged down (box filter), which gives each pixel its covered fraction as anti-aliasing does.
Only the strokes' bounding box is painted, so a digit costs about a millisecond. Agreement with
the real canvas is tested in ``tests/app/draw/test_canvas_renderer_agreement.py``.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from PIL import Image, ImageDraw

from nn.data.dataset import Dataset
from nn.data.pendigits import TABLET_SIDE, PenDigit
from nn.digits import IMAGE_PIXELS
from nn.sketch.recipe import CANVAS_PIXELS, MIN_STEP, sketch_to_mnist

SUPERSAMPLE = 4
"""Sub-pixels per pixel and axis when painting: 16 coverage levels per pixel."""

_CAP_VERTICES = 12  # polygon vertices per half circle of a round cap


class RenderCancelledError(Exception):
    """:func:`render_dataset`'s ``should_stop()`` said yes: the drawing was abandoned."""


def canvas_points(points: np.ndarray) -> np.ndarray:
    """The points of one stroke ``(n, 2)`` that the canvas keeps: it ignores a mouse move
    smaller than ``MIN_STEP`` on both axes from the last kept point. Returns ``(k, 2)`` float."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(points) == 0:
        return points
    kept = [points[0]]
    for p in points[1:]:
        if abs(p[0] - kept[-1][0]) >= MIN_STEP or abs(p[1] - kept[-1][1]) >= MIN_STEP:
            kept.append(p)
    return np.array(kept)


def render_strokes(
    strokes: Sequence[np.ndarray], pen_width: float, side: int = CANVAS_PIXELS
) -> np.ndarray:
    """Paint ``strokes`` as the canvas does: a ``(side, side)`` uint8 image, white ink on black.

    Each stroke is an ``(n, 2)`` array of ``(x, y)`` points in image pixels (x right, y down,
    pixel ``(i, j)`` covering ``[i, i+1) x [j, j+1)``); ``pen_width`` is in image pixels. Ink
    outside the image is clipped. Empty strokes are skipped.
    """
    kept = [canvas_points(s) for s in strokes]
    kept = [s for s in kept if len(s)]
    image = np.zeros((side, side), dtype=np.uint8)
    if not kept:
        return image
    r = pen_width / 2
    every = np.concatenate(kept)
    left = max(0, math.floor(every[:, 0].min() - r) - 1)
    top = max(0, math.floor(every[:, 1].min() - r) - 1)
    right = min(side, math.ceil(every[:, 0].max() + r) + 1)
    bottom = min(side, math.ceil(every[:, 1].max() + r) + 1)
    if right <= left or bottom <= top:
        return image  # entirely outside the image
    k = SUPERSAMPLE
    big = Image.new("L", ((right - left) * k, (bottom - top) * k), 0)
    draw = ImageDraw.Draw(big)
    # No half-sub-pixel shift: measured against QPainter on 300 pen digits, it only adds error.
    offset = np.array([left, top], dtype=float)
    for stroke in kept:
        points = (stroke - offset) * k
        for polygon in _capsules(points, r * k):
            draw.polygon(polygon, fill=255)
    small = big.reduce(k)  # box average: the covered fraction of each pixel
    image[top:bottom, left:right] = np.asarray(small)
    return image


def _capsules(points: np.ndarray, radius: float) -> list[list[list[float]]]:
    """Polygons of a dot at ``points[0]`` and a capsule (round-capped line) per segment: all
    points within ``radius`` of the segment, each half circle as ``_CAP_VERTICES`` straight
    pieces with vertices on the circle. Computed for all segments at once."""
    a = np.concatenate([points[:1], points[:-1]])  # segment starts; the first is the dot
    b = points  # segment ends
    d = b - a
    heading = np.arctan2(d[:, 1], d[:, 0])  # 0 for the dot (and any repeated point)
    half = np.linspace(0.0, math.pi, _CAP_VERTICES + 1)
    around_b = heading[:, None] - math.pi / 2 + half  # right side, around b's cap, to the left
    around_a = around_b + math.pi
    xs = np.concatenate(
        [b[:, :1] + radius * np.cos(around_b), a[:, :1] + radius * np.cos(around_a)], 1
    )
    ys = np.concatenate(
        [b[:, 1:] + radius * np.sin(around_b), a[:, 1:] + radius * np.sin(around_a)], 1
    )
    return np.stack([xs, ys], axis=2).reshape(len(points), -1).tolist()


def place_on_canvas(
    strokes: Sequence[np.ndarray],
    size: float,
    centre: tuple[float, float] = (CANVAS_PIXELS / 2, CANVAS_PIXELS / 2),
    rotation: float = 0.0,
) -> list[np.ndarray]:
    """Tablet strokes (y up, as in the pen-digit files) → canvas strokes (y down, image px).

    The digit is flipped upright, turned by ``rotation`` degrees (positive: anticlockwise as
    seen on screen) about the centre of its bounding box, scaled so the longer side of its
    bounding box is ``size`` image pixels (aspect kept), and centred on ``centre`` (x, y).
    Returns float ``(n_i, 2)`` arrays, one per stroke.
    """
    flipped = [np.column_stack([s[:, 0], TABLET_SIDE - s[:, 1]]).astype(float) for s in strokes]
    every = np.concatenate(flipped)
    mid = (every.min(axis=0) + every.max(axis=0)) / 2
    t = math.radians(rotation)
    # y points down on screen, so an anticlockwise turn on screen is clockwise in these axes.
    turn = np.array([[math.cos(t), math.sin(t)], [-math.sin(t), math.cos(t)]])
    turned = [(s - mid) @ turn.T for s in flipped]
    every = np.concatenate(turned)
    low, high = every.min(axis=0), every.max(axis=0)
    scale = size / max(float((high - low).max()), 1e-9)
    middle = (low + high) / 2
    return [(s - middle) * scale + np.asarray(centre, dtype=float) for s in turned]


def render_to_input(strokes: Sequence[np.ndarray], pen_width: float) -> np.ndarray | None:
    """Canvas strokes → the network's (784,) float32 input in [0, 1] (None if nothing is
    drawn): :func:`render_strokes` then :func:`nn.sketch.recipe.sketch_to_mnist`, as the drawing
    tab."""
    return sketch_to_mnist(render_strokes(strokes, pen_width))


PARALLEL_BLOCK = 500
"""Drawings per task when several processes draw: big enough that sending strokes and images
between processes costs little, small enough to follow progress and stop requests."""

MIN_PARALLEL = 4 * PARALLEL_BLOCK
"""Fewer drawings than this are drawn in this process: starting others would cost more."""


def render_dataset(
    digits: Sequence[PenDigit],
    pen_widths: Sequence[float] = (10, 22, 36),
    seed: int | None = 0,
    styles: bool = False,
    copies: int = 1,
    reshape: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    processes: int = 1,
) -> Dataset:
    """Pen digits drawn as the canvas would, through the sketch → 28x28 recipe: a Dataset.

    Every digit is drawn ``copies`` times per pen width (image pixels), centred, its longer side
    a random 30-90 % of the canvas (so the stroke is thin or thick relative to the digit, as when
    people draw small or large). With ``reshape``, each drawing is first turned, slanted and
    stretched at random (:func:`nn.handwriting.styles.reshape_hand`). With ``styles``, every digit
    of a
    styled class (see :mod:`nn.handwriting.styles`) is also drawn restyled, ``copies`` times, each
    with a random one of the pen widths. ``seed`` repeats it all.

    ``processes`` > 1 draws in that many worker processes, ``PARALLEL_BLOCK`` drawings at a time
    (only from a program whose main module is import-safe, such as ``python -m nn``); the images
    are the same bit for bit. ``on_progress(done, total)`` is called after each drawn image, or
    block with several processes. ``should_stop()`` is asked before each one; True raises
    :class:`RenderCancelledError`. Neither changes the images.
    """
    from nn.handwriting.styles import STYLES, reshape_hand

    rng = np.random.default_rng(seed)
    jobs = [(d.label, d.strokes, w) for d in digits for w in pen_widths for _ in range(copies)]
    for style in STYLES if styles else ():
        for d in digits:
            if d.label == style.digit:
                jobs += [(d.label, style.apply(d.strokes, rng), rng.choice(pen_widths))] * copies
    labels = np.array([label for label, _, _ in jobs], dtype=np.uint8)
    sizes = rng.uniform(0.3, 0.9, len(jobs)) * CANVAS_PIXELS
    total = len(jobs)
    drawings = (  # lazy: with one process, each is reshaped just before it is drawn
        (reshape_hand(strokes, rng) if reshape else strokes, size, width)
        for (_, strokes, width), size in zip(jobs, sizes, strict=True)
    )
    images = np.zeros((total, IMAGE_PIXELS), dtype=np.float32)
    parallel = processes > 1 and total >= MIN_PARALLEL
    blocks = _in_blocks(drawings, PARALLEL_BLOCK if parallel else 1)
    pool = None
    if parallel:  # spawned, not forked: forking a process that runs threads can deadlock
        pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
    try:
        drawn = pool.map(_draw_block, blocks) if pool else map(_draw_block, blocks)
        done = 0
        while done < total:
            if should_stop is not None and should_stop():
                raise RenderCancelledError(f"stopped after {done} of {total} images")
            block_images = next(drawn)
            images[done : done + len(block_images)] = block_images
            done += len(block_images)
            if on_progress is not None:
                on_progress(done, total)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return Dataset(images, labels)


def _in_blocks(items: Iterable, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (the last one shorter), taken from it only as needed."""
    iterator = iter(items)
    while block := list(itertools.islice(iterator, size)):
        yield block


def _draw_block(drawings: Sequence[tuple[Sequence[np.ndarray], float, float]]) -> np.ndarray:
    """``(tablet strokes, size, pen width)`` drawings → ``(k, 784)`` float32 inputs, a blank
    row for a drawing with no ink. Top-level so worker processes can run it."""
    images = np.zeros((len(drawings), IMAGE_PIXELS), dtype=np.float32)
    for i, (strokes, size, width) in enumerate(drawings):
        x = render_to_input(place_on_canvas(strokes, size), width)
        if x is not None:
            images[i] = x
    return images
