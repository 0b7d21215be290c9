"""sketch_to_mnist on plain arrays (no Qt): MNIST's 20x20 box and centre-of-mass centring."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from nn.sketch.recipe import CANVAS_PIXELS, sketch_to_mnist

N = CANVAS_PIXELS


def disc(cy: float, cx: float, r: float, size: int = N) -> np.ndarray:
    """A (size, size) uint8 image: a white filled disc of radius ``r`` px centred at (cy, cx)."""
    ys, xs = np.mgrid[0:size, 0:size]
    return (((ys - cy) ** 2 + (xs - cx) ** 2 <= r * r) * 255).astype(np.uint8)


def centre_of_mass(x: np.ndarray) -> tuple[float, float]:
    """Intensity centre of mass (row, column) of a (784,) input, in pixel indices."""
    img = x.reshape(28, 28).astype(np.float64)
    ys, xs = np.mgrid[0:28, 0:28]
    return float((img * ys).sum() / img.sum()), float((img * xs).sum() / img.sum())


def ink_box(x: np.ndarray, faint: float = 0.0) -> tuple[int, int]:
    """(height, width) in pixels of the box around the pixels of ``x`` brighter than ``faint``."""
    ink = x.reshape(28, 28) > faint
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def assert_mnist_like(x: np.ndarray) -> None:
    assert x.shape == (784,)
    assert x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0
    cy, cx = centre_of_mass(x)
    assert abs(cy - 14) <= 0.5 + 1e-6 and abs(cx - 14) <= 0.5 + 1e-6, (cy, cx)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_empty_sketch_gives_none(dtype):
    assert sketch_to_mnist(np.zeros((N, N), dtype=dtype)) is None


def test_output_is_784_float32_in_unit_range():
    x = sketch_to_mnist(disc(140, 140, 60))
    assert_mnist_like(x)
    assert x.max() == pytest.approx(1.0)  # solid ink stays full white, as in MNIST (/255)


def test_float_sketch_matches_uint8_sketch():
    img = disc(100, 170, 50)
    from_float = sketch_to_mnist(img.astype(np.float64) / 255)
    diff = np.abs(from_float - sketch_to_mnist(img))
    assert diff.max() < 0.03  # uint8 rounding inside Pillow's resampling
    assert diff.mean() < 0.002


def test_position_does_not_matter():
    centred = sketch_to_mnist(disc(140, 140, 50))
    corner = sketch_to_mnist(disc(60, 215, 50))
    assert np.abs(centred - corner).mean() < 0.01


@pytest.mark.parametrize("r", [0.5, 3, 12])
def test_tiny_dot_fills_the_20_px_box(r):
    x = sketch_to_mnist(disc(33, 250, r))
    assert_mnist_like(x)
    assert max(ink_box(x)) == 20


def test_single_pixel_gives_a_centred_square():
    img = np.zeros((N, N), np.uint8)
    img[5, 270] = 255
    x = sketch_to_mnist(img)
    assert_mnist_like(x)
    assert ink_box(x) == (20, 20)


def test_solid_canvas_gives_a_centred_20_px_square():
    x = sketch_to_mnist(np.full((N, N), 255, np.uint8))
    assert_mnist_like(x)
    assert ink_box(x) == (20, 20)
    assert x.reshape(28, 28)[4:24, 4:24].min() == pytest.approx(1.0)


def test_faint_pixels_do_not_enlarge_the_box():
    img = disc(140, 140, 40)
    img[0, 0] = img[279, 279] = 20  # under 10 % of the maximum: noise, not ink
    assert np.abs(sketch_to_mnist(img) - sketch_to_mnist(disc(140, 140, 40))).max() < 1e-6


def test_tall_thin_bar_keeps_its_aspect():
    img = np.zeros((N, N), np.uint8)
    img[40:240, 120:142] = 255  # 200 x 22 px, like a "1" drawn with the default pen
    x = sketch_to_mnist(img)
    assert_mnist_like(x)
    height, width = ink_box(x, faint=0.05)
    assert height == 20
    assert 2 <= width <= 4


def test_wide_bar_keeps_its_aspect():
    img = np.zeros((N, N), np.uint8)
    img[100:130, 20:260] = 255  # 30 x 240 px, like a "-"
    height, width = ink_box(sketch_to_mnist(img), faint=0.05)
    assert width == 20
    assert 2 <= height <= 4


@pytest.mark.parametrize("thickness", [1, 3, 30])
def test_thin_and_thick_diagonal_strokes(thickness):
    img = np.zeros((N, N), np.uint8)
    for i in range(30, 250):
        img[i, i - thickness // 2 : i + thickness // 2 + 1] = 255
    x = sketch_to_mnist(img)
    assert_mnist_like(x)
    assert max(ink_box(x)) == 20
    img28 = x.reshape(28, 28)
    assert img28.trace() > img28[::-1].trace()  # still a "\" diagonal, not a "/"
    if thickness == 30:
        assert x.max() > 0.9  # a thick stroke keeps full white in its core


def read_mnist_image(folder, index: int) -> np.ndarray:
    """Test-set image ``index`` as (28, 28) uint8, read straight from the IDX file."""
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz", "rb") as f:
        data = f.read()
    return np.frombuffer(data, np.uint8, count=784, offset=16 + 784 * index).reshape(28, 28)


@pytest.mark.mnist
@pytest.mark.parametrize("index", [0, 1, 2, 7])
def test_real_mnist_digit_round_trips(mnist_dir, index):
    digit = read_mnist_image(mnist_dir, index)
    rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    ink = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    big = np.kron(ink, np.ones((10, 10), np.uint8))  # as if drawn 10x larger
    canvas = np.zeros((N, N), np.uint8)
    top = N - big.shape[0] - 5
    canvas[top : top + big.shape[0], 3 : 3 + big.shape[1]] = big  # bottom-left, off-centre
    x = sketch_to_mnist(canvas)
    assert x is not None
    assert np.abs(x - digit.reshape(784) / 255).mean() < 0.1


def test_rejects_non_2d_input():
    with pytest.raises(ValueError, match="2-D"):
        sketch_to_mnist(np.zeros((N, N, 3), np.uint8))
