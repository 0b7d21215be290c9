"""Photos of known digits, made here, read back: cleaning, splitting and the model's answers."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest
from PIL import Image

from nn.images import read_photo_digits
from nn.images.cleaning import PaperZones
from nn.images.components import label_components
from nn.model import Model
from nn.paths import bundled_file
from nn.sketch.recipe import sketch_to_mnist
from nn.weights import load_model
from tests.nn.images.making import (
    PAGE,
    blue_pen,
    encoded,
    enlarge,
    on_table,
    page,
    photo_of_digit,
    sample_digit,
    small_photo,
    write,
)


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(bundled_file("resources/default-model.npz"))


def _digits(model: Model, source: object) -> str:
    found = read_photo_digits(source)
    return "".join(str(model.read(sketch).digit) for sketch in found.sketches)


def _flood_labels(mask: np.ndarray) -> np.ndarray:
    """8-connected labels by breadth-first flood fill, numbered in the order first met."""
    labels = np.zeros(mask.shape, np.int32)
    count = 0
    for start in zip(*np.nonzero(mask), strict=True):
        if labels[start]:
            continue
        count += 1
        labels[start] = count
        queue = deque([start])
        while queue:
            y, x = queue.popleft()
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = y + dy, x + dx
                    inside = 0 <= ny < mask.shape[0] and 0 <= nx < mask.shape[1]
                    if inside and mask[ny, nx] and not labels[ny, nx]:
                        labels[ny, nx] = count
                        queue.append((ny, nx))
    return labels


@pytest.mark.parametrize("density", [0.1, 0.4, 0.6])
def test_pieces_are_the_flood_fill_s(density: float) -> None:
    mask = np.random.default_rng(1).random((40, 60)) < density
    pieces = label_components(mask)
    reference = _flood_labels(mask)
    assert len(pieces) == reference.max()
    pairs = {
        (int(a), int(b)) for a, b in zip(pieces.labels.ravel(), reference.ravel(), strict=True)
    }
    assert len(pairs) == len(pieces) + 1  # the same partition, background included
    for k in range(1, len(pieces) + 1):
        rows, cols = np.nonzero(pieces.labels == k)
        assert pieces.area[k - 1] == rows.size
        assert (pieces.top[k - 1], pieces.bottom[k - 1]) == (rows.min(), rows.max() + 1)
        assert (pieces.left[k - 1], pieces.right[k - 1]) == (cols.min(), cols.max() + 1)


def test_photos_of_sample_digits_read_as_the_digits_themselves(model: Model) -> None:
    agree = total = 0
    for label in range(10):
        for nth in range(3):
            digit = sample_digit(label, nth)
            direct = model.read(digit).digit
            image, _ = photo_of_digit(label, nth, height=140 + 20 * nth)
            agree += _digits(model, encoded(image, "JPEG", quality=70)) == str(direct)
            total += 1
    assert agree >= 0.9 * total


def test_blue_ink_on_a_gradient_is_read(model: Model) -> None:
    image, _ = photo_of_digit(7)
    assert _digits(model, encoded(blue_pen(image), "JPEG")) == "7"


def test_light_ink_on_a_dark_ground_gives_the_same_input_as_dark_on_light() -> None:
    digit = enlarge(sample_digit(2), 200)
    light = np.full((360, 480), 0.9, np.float32)
    write(light, digit, 80, 140)
    dark = 1 - light
    inputs = []
    for image in (light, dark):
        found = read_photo_digits(encoded(image, "PNG"))
        assert len(found) == 1
        inputs.append(sketch_to_mnist(found.sketches[0]))
    assert read_photo_digits(encoded(dark, "PNG")).inverted
    assert np.abs(inputs[0] - inputs[1]).max() < 0.05


def test_specks_are_dropped() -> None:
    image, (top, left) = photo_of_digit(4)
    rng = np.random.default_rng(2)
    specks = []
    for _ in range(30):
        y, x = rng.integers(5, PAGE[1] - 8), rng.integers(5, PAGE[0] - 8)
        if top - 5 <= y < top + 205 and left - 5 <= x < left + 205:
            continue
        image[y : y + 2, x : x + 2] *= 0.2
        specks.append((y, x))
    found = read_photo_digits(encoded(image, "PNG"))
    assert len(found) == 1
    scale = found.cleaned.shape[1] / PAGE[0]
    for y, x in specks:
        y0, x0 = int(y * scale), int(x * scale)
        assert found.cleaned[max(0, y0 - 3) : y0 + 6, max(0, x0 - 3) : x0 + 6].max() == 0


def test_a_paper_edge_is_removed(model: Model) -> None:
    image, _ = photo_of_digit(3)
    image[:, -50:] = 0.15  # the table beside the page
    image[:, -52:-50] = 0.5
    found = read_photo_digits(encoded(image, "JPEG"))
    scale = found.cleaned.shape[1] / PAGE[0]
    assert found.cleaned[:, int((PAGE[0] - 60) * scale) :].max() == 0
    assert [model.read(s).digit for s in found.sketches] == [3]


@pytest.mark.parametrize("share", [0.3, 0.5, 0.7, 0.9])
def test_a_page_photographed_whole_on_a_dark_table_is_read(model: Model, share: float) -> None:
    # The table outvotes the paper when it shows all round: the paper must not be taken for ink.
    for label in (2, 7):
        image, _ = photo_of_digit(label)
        photo, page_area = on_table(image, share, table=0.2)
        found = read_photo_digits(encoded(photo, "JPEG"))
        assert not found.inverted
        assert [model.read(s).digit for s in found.sketches] == [label]
        table = np.ones(photo.shape, bool)
        table[page_area] = False
        table = np.asarray(Image.fromarray(table).resize(found.cleaned.shape[::-1]))
        assert found.cleaned[table].max() == 0  # nothing of the table or its edge kept


def test_a_dark_canvas_in_a_light_window_is_read_as_light_ink(model: Model) -> None:
    image, _ = photo_of_digit(3)
    screenshot, _ = on_table(1 - image, 0.5, table=0.9)  # light ink on a dark canvas, light frame
    found = read_photo_digits(encoded(screenshot, "PNG"))
    assert found.inverted
    assert [model.read(s).digit for s in found.sketches] == [3]


def _brightness_map(dark_box: tuple[slice, slice], level: float = 0.3) -> np.ndarray:
    paper = np.full((300, 400), 0.9, np.float32)
    paper[dark_box] = level
    return paper


@pytest.mark.parametrize(
    ("dark_box", "inside"),
    [
        ((slice(60, 240), slice(80, 320)), True),  # a wide area away from the border
        ((slice(130, 170), slice(180, 220)), False),  # a bold blot: too small to be the paper
        ((slice(0, 300), slice(0, 90)), False),  # a table along one side
        ((slice(0, 120), slice(0, 160)), False),  # a shadow in a corner
        ((slice(60, 240), slice(80, 400)), False),  # wide, but reaching the border
    ],
)
def test_only_a_wide_dark_area_away_from_the_border_says_the_polarity_is_wrong(
    dark_box: tuple[slice, slice], inside: bool
) -> None:
    assert PaperZones.of(_brightness_map(dark_box)).inside == inside


def test_the_rim_of_a_table_all_round_lies_just_outside_it() -> None:
    paper = np.full((300, 400), 0.2, np.float32)
    paper[50:250, 60:340] = 0.9  # the page; the table all round
    rim = PaperZones.of(paper).table_rim
    ys, xs = np.nonzero(rim)
    assert rim.any() and not rim[:, :40].any() and not rim[60:240, 70:330].any()
    assert ys.min() >= 50 - 4 and ys.max() <= 250 + 3 and xs.min() >= 60 - 4 and xs.max() <= 340 + 3
    assert not PaperZones.of(paper).inside


def test_a_number_is_read_left_to_right_with_a_detached_stroke_kept(model: Model) -> None:
    image = page((720, 300))
    places = []
    for k, label in enumerate((1, 4, 7)):  # read right from the sample as they are
        left = 40 + 230 * k
        write(image, enlarge(sample_digit(label), 200), 50, left)
        places.append(left)
    # A short bar above the 4, apart from it, within its horizontal extent.
    bar_left = places[1] + 90
    image[30:38, bar_left : bar_left + 30] *= 0.15
    found = read_photo_digits(encoded(image, "JPEG", quality=80))
    assert "".join(str(model.read(s).digit) for s in found.sketches) == "147"
    lefts = [box[0] for box in found.boxes]
    assert lefts == sorted(lefts)
    left, top, right, bottom = found.boxes[1]
    assert top <= 31 and left <= bar_left and right >= bar_left + 30
    for (left, _, right, bottom), place in zip(found.boxes, places, strict=True):
        assert place - 2 <= left and right <= place + 202 and bottom <= 252
    assert found.size == (720, 300)


def test_photos_of_sample_digits_at_their_own_28_px_read_as_the_digits_themselves(
    model: Model,
) -> None:
    agree = total = 0
    for label in range(10):
        for nth in range(4):
            digit = sample_digit(label, nth)
            direct = str(model.read(digit).digit)
            for light_ink in (False, True):
                photo = encoded(small_photo(digit, light_ink), "JPEG", quality=80)
                found = read_photo_digits(photo)
                assert found.size == (28, 28) and found.inverted == light_ink
                agree += _digits(model, photo) == direct
                total += 1
    assert agree >= 0.95 * total


def test_a_digit_filling_the_frame_is_kept_beside_specks(model: Model) -> None:
    digit = sample_digit(5, 1)
    rows, cols = np.nonzero(digit > 0.1)
    crop = digit[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    height = 200
    width = round(crop.shape[1] * height / crop.shape[0])
    ink = (
        np.asarray(
            Image.fromarray((crop * 255).astype(np.uint8)).resize((width, height), Image.BILINEAR),
            np.float32,
        )
        / 255
    )
    image = page((width, height + 60))
    write(image, ink, 30, 0)  # touching the left and right sides: a tightly cropped photo
    image[5:8, 5:8] *= 0.2  # two specks of dust
    image[-8:-5, -8:-5] *= 0.2
    found = read_photo_digits(encoded(image, "PNG"))
    assert [model.read(s).digit for s in found.sketches] == [model.read(digit).digit]


def test_a_colon_and_an_apostrophe_between_digits_are_no_digits(model: Model) -> None:
    image = page((820, 300))
    lefts = (40, 310, 580)
    for label, left in zip((1, 4, 7), lefts, strict=True):
        write(image, enlarge(sample_digit(label), 200), 50, left)
    colon = 290  # two dots between the 1 and the 4, each 12 px
    image[120:132, colon : colon + 12] *= 0.15
    image[190:202, colon : colon + 12] *= 0.15
    mark = 560  # a short stroke high up between the 4 and the 7, as an apostrophe
    image[80:140, mark : mark + 8] *= 0.15
    found = read_photo_digits(encoded(image, "JPEG", quality=85))
    assert "".join(str(model.read(s).digit) for s in found.sketches) == "147"


def test_a_faint_smudge_beside_a_digit_is_no_digit(model: Model) -> None:
    image, (top, left) = photo_of_digit(6, height=160)
    y, x = np.mgrid[0 : PAGE[1], 0 : PAGE[0]]
    centre_y, centre_x = top + 80, left + 260  # right of the digit, apart from it
    smudge = np.exp(-(((y - centre_y) / 45.0) ** 2 + ((x - centre_x) / 20.0) ** 2))
    image *= 1 - 0.3 * smudge  # at most 30 % darker, fading out: a thumb's print, not a stroke
    found = read_photo_digits(encoded(image, "JPEG", quality=85))
    assert [model.read(s).digit for s in found.sketches] == [model.read(sample_digit(6)).digit]
    assert found.boxes[0][2] <= left + 170


def _ring(diameter: int, line: float) -> np.ndarray:
    """A ring ``diameter`` px across (outer edge) drawn with a line ``line`` px wide, anti-aliased:
    (diameter, diameter) float32 ink in [0, 1], white on black."""
    centre = (diameter - 1) / 2
    y, x = np.mgrid[0:diameter, 0:diameter]
    off_line = np.abs(np.hypot(y - centre, x - centre) - (diameter - line) / 2)
    return np.clip(line / 2 + 0.5 - off_line, 0, 1).astype(np.float32)


def _ring_line_width(recipe_input: np.ndarray, line_fraction: float) -> float:
    """The mean line width, in pixels of the 28x28 input, of a ring whose line was
    ``line_fraction`` of its diameter: its ink over the length of its centre line (the ring fills
    the 20-px box, so that line is a circle of diameter 20 (1 - ``line_fraction``))."""
    return float(recipe_input.sum()) / (np.pi * 20 * (1 - line_fraction))


def _photo_input(ink: np.ndarray) -> np.ndarray:
    """The 28x28 input the photo of ``ink`` written dark on a lit page gives, (784,)."""
    image = page()
    write(image, ink, (PAGE[1] - ink.shape[0]) // 2, (PAGE[0] - ink.shape[1]) // 2, darkness=0.9)
    found = read_photo_digits(encoded(image, "PNG"))
    assert len(found) == 1
    return sketch_to_mnist(found.sketches[0])


@pytest.mark.parametrize("line_fraction", [0.09, 0.12, 0.15])
def test_strokes_as_wide_as_mnist_s_keep_their_width(line_fraction: float) -> None:
    # MNIST's strokes are about 2 px of its 20-px box, a tenth of the digit: a ring, 200 px
    # across, drawn with such a line reaches the network as wide as it was written, not bolder.
    ring = _ring(200, line_fraction * 200)
    written = _ring_line_width(sketch_to_mnist(ring), line_fraction)
    assert 0.85 * 20 * line_fraction < written < 1.15 * 20 * line_fraction  # the ruler holds
    photographed = _ring_line_width(_photo_input(ring), line_fraction)
    assert photographed == pytest.approx(written, rel=0.08)


@pytest.mark.parametrize("line_px", [2, 4])
def test_a_thin_pen_line_is_made_about_as_wide_as_mnist_s(line_px: int) -> None:
    # A ballpoint's line on a 200-px digit, 1-2 % of its size, would fade to a trace of ink at
    # 20 px; it reaches the network about 2 px wide, as MNIST's typical strokes are.
    ring = _ring(200, line_px)
    as_written = _ring_line_width(sketch_to_mnist(ring), line_px / 200)
    photographed = _ring_line_width(_photo_input(ring), line_px / 200)
    assert as_written < 0.5
    assert 1.5 < photographed < 2.6


def test_photographed_sample_digits_keep_their_ink() -> None:
    # Each sample digit, photographed 200 px tall, gives the network about as much ink as the
    # digit itself does: its strokes are neither thinned nor made bolder on the way.
    ratios = []
    for label in range(10):
        for nth in range(3):
            image, _ = photo_of_digit(label, nth, height=200)
            found = read_photo_digits(encoded(image, "PNG"))
            photographed = sketch_to_mnist(found.sketches[0]).sum()
            ratios.append(photographed / sketch_to_mnist(sample_digit(label, nth)).sum())
    low, middle, high = np.percentile(ratios, [25, 50, 75])
    assert low > 0.9
    assert 0.95 < middle < 1.05
    assert high < 1.15
