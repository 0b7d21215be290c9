"""The five styled variants: what each adds or replaces, on real pen digits and drawn shapes."""

from __future__ import annotations

import numpy as np
import pytest

from nn.data.pendigits import load_pendigits
from nn.handwriting.strokes import place_on_canvas, render_dataset, render_to_input
from nn.handwriting.styles import (
    STYLES,
    crossed_seven,
    flagged_one,
    open_four,
    slashed_zero,
    straight_nine,
)


@pytest.fixture(scope="module")
def by_label() -> dict[int, list]:
    digits = load_pendigits()
    return {d: [x for x in digits if x.label == d][:40] for d in range(10)}


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def box(strokes) -> tuple[np.ndarray, np.ndarray]:
    every = np.concatenate(strokes).astype(float)
    return every.min(axis=0), every.max(axis=0)


def test_every_style_keeps_its_digit_drawable(by_label):
    for style in STYLES:
        for digit in by_label[style.digit]:
            styled = style.apply(digit.strokes, rng())
            assert all(s.ndim == 2 and s.shape[1] == 2 and len(s) for s in styled)
            assert np.isfinite(np.concatenate(styled)).all()
            x = render_to_input(place_on_canvas(styled, 168), 22)
            assert x is not None and x.shape == (784,)


def test_the_same_generator_gives_the_same_variant(by_label):
    for style in STYLES:
        digit = by_label[style.digit][0]
        a, b = style.apply(digit.strokes, rng()), style.apply(digit.strokes, rng())
        assert all(np.array_equal(s, t) for s, t in zip(a, b))
        c = style.apply(digit.strokes, np.random.default_rng(1))
        assert not all(np.array_equal(s, t) for s, t in zip(a, c))


def test_a_slash_crosses_the_zero_from_lower_left_to_upper_right(by_label):
    for digit in by_label[0]:
        styled = slashed_zero(digit.strokes, rng())
        assert all(np.array_equal(s, t) for s, t in zip(styled, digit.strokes))
        (x0, y0), (x1, y1) = box(digit.strokes)
        start, end = styled[-1][0], styled[-1][-1]
        assert start[1] <= y0 + 1 and end[1] >= y1 - 1  # spans the height (y up)
        assert end[0] - start[0] > 0.5 * (x1 - x0)  # leaning right: "/"


def test_the_crossbar_is_short_level_and_at_mid_height():
    seven = (np.array([[100, 400], [300, 400], [180, 0]]),)  # bar, then the stem (y up)
    bar = crossed_seven(seven, rng())[-1]
    assert 0.35 * 400 - 25 <= bar[:, 1].mean() <= 0.5 * 400 + 25
    stem_x = 300 - 120 * (400 - bar[:, 1].mean()) / 400  # where the stem is at that height
    assert bar[0, 0] < stem_x < bar[-1, 0]
    assert bar[-1, 0] - bar[0, 0] < 200  # shorter than the 7 is wide


def test_a_one_gets_a_flag_at_its_top_and_a_foot_at_its_bottom():
    one = (np.array([[200, 450], [205, 50]]),)
    flag, stem, foot = flagged_one(one, rng())
    np.testing.assert_array_equal(stem, one[0])
    np.testing.assert_allclose(flag[-1], [200, 450])  # ends at the top
    assert flag[0, 0] < 200 and flag[0, 1] < 450  # comes from the lower left
    assert foot[0, 0] < 205 < foot[-1, 0]
    np.testing.assert_allclose(foot[:, 1], 50)


def test_a_closed_four_is_opened():
    closed = (np.array([[260, 450], [100, 200], [320, 200]]), np.array([[250, 450], [250, 0]]))
    l_stroke, stem = open_four(closed, rng())
    np.testing.assert_array_equal(stem, closed[1])
    at = int(np.flatnonzero((l_stroke == [100, 200]).all(axis=1))[0])  # the corner is kept
    np.testing.assert_array_equal(l_stroke[at:], [[100, 200], [320, 200]])  # and the bar
    before = l_stroke[:at]
    assert np.abs(before[:, 0] - 100).max() < 0.1 * 250  # a vertical line down to the corner
    assert before[0, 1] > 350  # from near the top
    assert before[:, 0].max() < 150  # and nowhere near the stem: the top is open


def test_a_nine_gets_a_straight_tail_to_its_bottom():
    t = np.linspace(0, 2 * np.pi, 20)
    loop = np.c_[200 + 80 * np.cos(t), 350 + 80 * np.sin(t)]
    tail = np.c_[280 - np.linspace(0, 150, 8) ** 1.2 / 5, np.linspace(350, 0, 8)]  # curved
    nine = (np.concatenate([loop, tail]).round().astype(int),)
    styled = straight_nine(nine, rng())[0]
    end = styled[-6:]  # the new tail
    direction = end[-1] - end[0]
    along = end - end[0]
    offsets = (along[:, 0] * direction[1] - along[:, 1] * direction[0]) / np.hypot(*direction)
    assert np.abs(offsets).max() < 1e-6  # straight
    assert end[-1, 1] == pytest.approx(0)  # down to the 9's bottom
    assert abs(direction[0]) < 0.1 * abs(direction[1])  # nearly vertical


def test_a_nine_whose_tail_is_not_on_its_last_stroke_gets_the_tail_straightened():
    t = np.linspace(0, 2 * np.pi, 20)
    loop = np.c_[200 + 80 * np.cos(t), 350 + 80 * np.sin(t)]
    tail = np.c_[280 - np.linspace(0, 150, 8) ** 1.2 / 5, np.linspace(350, 0, 8)]
    loop_and_tail = np.concatenate([loop, tail]).round().astype(int)
    tick = np.array([[180, 420], [200, 410], [220, 425]])  # a small stroke at the top, drawn last
    styled = straight_nine((loop_and_tail, tick), rng())
    np.testing.assert_array_equal(styled[1], tick)  # the top stroke is left alone
    new_tail = styled[0][-6:]
    assert new_tail[-1, 1] == pytest.approx(0)
    assert abs(new_tail[-1, 0] - new_tail[0, 0]) < 0.1 * (new_tail[0, 1] - new_tail[-1, 1])
    np.testing.assert_array_equal(styled[0][:20], loop_and_tail[:20])  # the loop is kept


def test_rendered_training_set_has_styles_and_every_pen_width(by_label):
    digits = [d for label in (0, 3, 7) for d in by_label[label][:4]]
    plain = render_dataset(digits, (10, 30), seed=0)
    styled = render_dataset(digits, (10, 30), seed=0, styles=True)
    assert len(plain) == 2 * len(digits)
    assert len(styled) == len(plain) + 8  # a slashed 0 and a crossed 7 for each of four
    assert plain.images.dtype == np.float32 and 0 <= plain.images.min() < plain.images.max() <= 1
    assert sorted(set(styled.labels[len(plain) :].tolist())) == [0, 7]
    np.testing.assert_array_equal(plain.labels, np.repeat([0] * 4 + [3] * 4 + [7] * 4, 2))
