"""The Qt-free stroke renderer against brute-force coverage, and pen digits placed on a canvas."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from nn.data.pendigits import load_pendigits
from nn.handwriting.strokes import canvas_points, place_on_canvas, render_strokes, render_to_input


def brute_force(strokes: list[np.ndarray], width: float, side: int = 280, s: int = 8):
    """Reference image: each pixel's fraction of s x s sample points within width/2 of a stroke
    (every point and segment), computed point by point with no polygons, in the strokes' box."""
    every = np.concatenate(strokes)
    low = np.clip(np.floor(every.min(axis=0) - width), 0, side).astype(int)
    high = np.clip(np.ceil(every.max(axis=0) + width), 0, side).astype(int)
    ys, xs = np.mgrid[low[1] : high[1], low[0] : high[0]]
    offsets = (np.arange(s) + 0.5) / s
    grid = (*xs.shape, s, s)  # per pixel, s rows of s sample points
    px = np.broadcast_to(xs[..., None, None] + offsets, grid).reshape(*xs.shape, -1)
    py = np.broadcast_to(ys[..., None, None] + offsets[:, None], grid).reshape(*xs.shape, -1)
    best = np.full(px.shape, np.inf)
    for stroke in strokes:
        for a, b in [(stroke[0], stroke[0]), *itertools.pairwise(stroke)]:
            d = b - a
            t = np.clip(((px - a[0]) * d[0] + (py - a[1]) * d[1]) / max(d @ d, 1e-12), 0, 1)
            best = np.minimum(best, np.hypot(px - a[0] - t * d[0], py - a[1] - t * d[1]))
    image = np.zeros((side, side))
    image[low[1] : high[1], low[0] : high[0]] = (best <= width / 2).mean(axis=2) * 255
    return image


def test_a_dot_is_a_disc_as_wide_as_the_pen():
    image = render_strokes([np.array([[100.0, 120.0]])], 22)
    assert image.shape == (280, 280) and image.dtype == np.uint8
    assert image[120, 100] == 255
    assert image.sum() / 255 == pytest.approx(math.pi * 11**2, rel=0.03)
    ys, xs = np.nonzero(image)
    assert np.hypot(ys + 0.5 - 120, xs + 0.5 - 100).max() < 11 + 1.5


def test_a_line_has_the_area_of_a_capsule():
    image = render_strokes([np.array([[40.0, 50.0], [200.0, 170.0]])], 16)
    area = 16 * 200 + math.pi * 8**2  # length 200 (a 3-4-5 triangle) times width, plus the caps
    assert image.sum() / 255 == pytest.approx(area, rel=0.02)


@pytest.mark.parametrize("width", [6, 22, 40])
def test_agrees_with_brute_force_coverage(width):
    rng = np.random.default_rng(width)
    strokes = [np.cumsum(rng.normal(0, 12, (15, 2)), axis=0) + 140 for _ in range(2)]
    image = render_strokes(strokes, width).astype(float)
    reference = brute_force(strokes, width)
    # Grey levels of 255: 16 coverage levels (4x4 sub-pixels) against 64, so edges differ a bit.
    assert np.abs(image - reference).mean() < 0.4  # averaged over the image
    assert np.abs(image - reference).max() < 100  # at an edge pixel
    assert image.sum() == pytest.approx(reference.sum(), rel=0.03)  # total ink


def test_ink_outside_the_image_is_clipped():
    strokes = [np.array([[140.0, 140.0], [600.0, 140.0], [600.0, -300.0]])]
    image = render_strokes(strokes, 22)
    assert image.shape == (280, 280)
    assert image[140, 279] == 255 and image[140, 150] == 255
    assert not render_strokes([np.array([[-100.0, -100.0], [-50.0, -80.0]])], 22).any()


def test_nothing_drawn_is_blank_and_has_no_input():
    assert not render_strokes([], 22).any()
    assert not render_strokes([np.zeros((0, 2))], 22).any()
    assert render_to_input([], 22) is None


def test_moves_under_half_a_pixel_are_dropped_like_the_canvas_does():
    points = np.array([[10.0, 10.0], [10.3, 10.2], [10.6, 10.1], [10.7, 10.4], [12.0, 10.0]])
    np.testing.assert_array_equal(canvas_points(points), points[[0, 2, 4]])


def test_placing_flips_y_and_fits_the_size():
    tablet = [np.array([[100, 100], [100, 400]]), np.array([[50, 300], [200, 300]])]
    placed = place_on_canvas(tablet, 168, centre=(100, 150))
    every = np.concatenate(placed)
    assert (every.max(axis=0) - every.min(axis=0)).max() == pytest.approx(168)
    assert (every.max(axis=0) + every.min(axis=0)) / 2 == pytest.approx([100, 150])
    first = placed[0]
    assert first[0, 1] > first[1, 1]  # the tablet stroke goes up (y up): on screen y decreases
    assert placed[1][0, 1] < (every[:, 1].max() + every[:, 1].min()) / 2  # bar in the upper part


def test_rotation_turns_anticlockwise_on_screen():
    upright = [np.array([[250, 100], [250, 400]])]  # a vertical bar
    turned = place_on_canvas(upright, 100, rotation=90)[0]
    np.testing.assert_allclose(turned[:, 1], turned[0, 1], atol=1e-9)  # now horizontal
    assert turned[1, 0] < turned[0, 0]  # its top end (the second point) now points left


def test_a_rendered_pen_digit_is_a_mnist_like_input():
    digit = load_pendigits()[0]
    x = render_to_input(place_on_canvas(digit.strokes, 168), 22)
    assert x.shape == (784,) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() == pytest.approx(1.0)
    image = x.reshape(28, 28)
    rows, cols = np.flatnonzero(image.max(axis=1) > 0.1), np.flatnonzero(image.max(axis=0) > 0.1)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (20, 21, 22)
