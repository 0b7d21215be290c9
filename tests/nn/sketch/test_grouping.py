"""Grouping pieces of ink into digits by their horizontal extents, against a brute-force
reference: connected pieces of the graph whose edges join every two overlapping extents."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nn.sketch.grouping import group_boxes, group_spans


def reference_groups(spans, tolerance: float = 0.0) -> list[list[int]]:
    """Every pair compared; groups are connected components (repeated relabelling), ordered by
    their leftmost edge."""
    n = len(spans)
    label = list(range(n))
    changed = True
    while changed:
        changed = False
        for i in range(n):
            for j in range(n):
                a, b = sorted(spans[i]), sorted(spans[j])
                gap = max(a[0], b[0]) - min(a[1], b[1])
                if gap <= tolerance and label[i] != label[j]:
                    label[i] = label[j] = min(label[i], label[j])
                    changed = True
    components: dict[int, list[int]] = {}
    for i in range(n):
        components.setdefault(label[i], []).append(i)
    return sorted(components.values(), key=lambda g: min(min(spans[i]) for i in g))


def test_no_spans_no_groups():
    assert group_spans([]) == []


def test_digits_written_apart_stay_apart_ordered_left_to_right():
    # drawn right to left: a "4" at 200-260, a "2" at 10-70, a "0" at 100-170
    spans = [(200, 260), (10, 70), (100, 170)]
    assert group_spans(spans) == [[1], [2], [0]]


def test_overlapping_strokes_make_one_digit():
    # a 4's two strokes overlap, a 7's bar and stem overlap
    spans = [(10, 60), (40, 70), (120, 180), (130, 170)]
    assert group_spans(spans) == [[0, 1], [2, 3]]


def test_a_dot_above_a_digit_belongs_to_it():
    # the body of an "i"-like 1 at 50-70, its dot (drawn last) at 55-66, another digit right
    spans = [(50, 70), (120, 170), (55, 66)]
    assert group_spans(spans) == [[0, 2], [1]]


def test_a_wide_stroke_bridges_the_pieces_it_overlaps():
    # two pieces apart, then a long bar over both: one group, indices ascending
    spans = [(100, 120), (10, 30), (20, 110)]
    assert group_spans(spans) == [[0, 1, 2]]


def test_touching_extents_join_and_tolerance_widens_or_narrows_the_rule():
    assert group_spans([(0, 10), (10, 20)]) == [[0, 1]]
    assert group_spans([(0, 10), (13, 20)]) == [[0], [1]]
    assert group_spans([(0, 10), (13, 20)], tolerance=3) == [[0, 1]]


def test_ends_in_either_order_and_numpy_values():
    assert group_spans([(np.float32(30), np.int64(20)), (25.0, 40.0)]) == [[0, 1]]


@pytest.mark.parametrize(
    "spans", [[(0, float("nan"))], [(0, float("inf"))], [(1, 2, 3)], [("a", 2)], [None]]
)
def test_malformed_spans_are_refused_with_a_message(spans):
    with pytest.raises(ValueError, match="span 0"):
        group_spans(spans)


@pytest.mark.parametrize("tolerance", [float("nan"), float("inf"), -1.0])
def test_a_tolerance_that_is_not_finite_or_negative_is_refused(tolerance):
    with pytest.raises(ValueError, match="tolerance"):
        group_spans([(0, 1)], tolerance=tolerance)


@pytest.mark.parametrize("seed", range(200))
def test_agrees_with_the_brute_force_reference_on_random_spans(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 12))
    lefts = rng.uniform(0, 300, n).round(int(rng.integers(0, 2)))  # some exact touches
    spans = [(float(x), float(x + w)) for x, w in zip(lefts, rng.uniform(0, 60, n), strict=True)]
    if seed % 3 == 0:
        spans = [(b, a) for a, b in spans]  # ends given right to left
    tolerance = float(rng.choice([0.0, 0.0, 5.0]))
    groups = group_spans(spans, tolerance=tolerance)
    assert groups == reference_groups(spans, tolerance)
    assert sorted(i for g in groups for i in g) == list(range(n))
    assert all(g == sorted(g) for g in groups)


# -- group_boxes: the rules for digits written side by side --------------------------------------

DIGIT_HEIGHT = 150.0


def box(left: float, right: float, top: float = 60.0, bottom: float = 60.0 + DIGIT_HEIGHT):
    return (left, top, right, bottom)


def test_boxes_no_pieces_no_digits():
    assert group_boxes([]) == []


def test_boxes_digits_written_apart_stay_apart():
    gap = 0.1 * DIGIT_HEIGHT  # more than 7 % of the height
    assert group_boxes([box(200, 280), box(10, 90), box(90 + gap, 200 - gap)]) == [[1], [2], [0]]


def test_boxes_strokes_that_nearly_meet_are_one_digit():
    # an open 4: its left stroke and its stem 6 % of the height apart
    assert group_boxes([box(10, 60), box(60 + 0.06 * DIGIT_HEIGHT, 90)]) == [[0, 1]]


def test_boxes_a_dot_above_a_digit_belongs_to_it():
    body, dot = box(50, 80, 80, 230), box(58, 72, 40, 54)
    assert group_boxes([body, box(150, 230), dot]) == [[0, 2], [1]]


def test_boxes_stacked_parts_are_one_digit():
    # a slanted 3 drawn as two arcs: the upper one right of the lower one, barely overlapping
    upper, lower = box(80, 140, 40, 120), box(20, 75, 110, 200)
    assert group_boxes([upper, lower]) == [[0, 1]]


def test_boxes_a_speck_joins_the_nearer_digit():
    left, right = box(10, 90), box(160, 240)
    speck_near_right = box(135, 145, 100, 110)  # 7 % of the height: a tap of the pen
    assert group_boxes([left, right, speck_near_right]) == [[0], [1, 2]]
    assert group_boxes([box(40, 50, 200, 210), right]) == [[0, 1]]  # alone on one side


def test_boxes_refuse_bad_fractions_and_boxes():
    with pytest.raises(ValueError, match="gap_fraction"):
        group_boxes([box(0, 1)], gap_fraction=-0.1)
    with pytest.raises(ValueError, match="speck_fraction"):
        group_boxes([box(0, 1)], speck_fraction=float("nan"))
    with pytest.raises(ValueError, match="span 0"):
        group_boxes([(0, float("nan"), 1, 2)])


@pytest.mark.parametrize("seed", range(150))
def test_boxes_on_random_pieces_keep_the_rules(seed):
    """Whatever the pieces: a partition; each digit a union of overlapping-extent groups; digits
    left to right and apart across; and every two neighbours apart by the rules (gap above 7 %
    of the taller, heights overlapping by half the shorter, neither a speck)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 14))
    lefts, widths = rng.uniform(0, 500, n), rng.uniform(2, 90, n)
    tops, heights = rng.uniform(0, 150, n), rng.uniform(2, 150, n)
    boxes = [
        (float(x), float(y), float(x + w), float(y + h))
        for x, y, w, h in zip(lefts, tops, widths, heights, strict=True)
    ]
    digits = group_boxes(boxes)
    assert sorted(i for g in digits for i in g) == list(range(n))
    assert all(g == sorted(g) for g in digits)
    for span_group in group_spans([(b[0], b[2]) for b in boxes]):
        assert any(set(span_group) <= set(g) for g in digits)
    bounds = [
        (
            min(boxes[i][0] for i in g),
            min(boxes[i][1] for i in g),
            max(boxes[i][2] for i in g),
            max(boxes[i][3] for i in g),
        )
        for g in digits
    ]
    tallest = max(b[3] - b[1] for b in bounds)
    for left, right in itertools.pairwise(bounds):
        left_h, right_h = left[3] - left[1], right[3] - right[1]
        assert right[0] - left[2] > 0.07 * max(left_h, right_h)
        shared = min(left[3], right[3]) - max(left[1], right[1])
        assert shared >= 0.5 * min(left_h, right_h)
    if len(bounds) > 1:
        for b in bounds:
            assert b[3] - b[1] > 0.25 * tallest or b[2] - b[0] > 0.25 * tallest
