"""The memory of the user's strokes: trajectories, distances to remembered drawings, weighing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn.sketch import stroke_memory
from nn.sketch.stroke_memory import (
    DIRECTION_WEIGHT,
    FEATURES,
    STRENGTH,
    TRAJECTORY_POINTS,
    UNTAUGHT_DISTANCE,
    StrokeMemory,
    trajectory,
)


def line(start, end, points=5) -> np.ndarray:
    return np.linspace(start, end, points)


def corner() -> list[np.ndarray]:
    """An L: down, then right (a 4's or a 7's parts, drawn as one stroke)."""
    return [np.concatenate([line((10, 10), (10, 50)), line((10, 50), (40, 50))[1:]])]


def test_a_straight_stroke_is_evenly_spaced_points_across_a_box_of_side_one():
    features = trajectory([line((100.0, 30.0), (160.0, 30.0), points=3)])
    points = features[: 2 * TRAJECTORY_POINTS].reshape(-1, 2)
    steps = features[2 * TRAJECTORY_POINTS :].reshape(-1, 2)
    assert features.shape == (FEATURES,) and features.dtype == np.float32
    np.testing.assert_allclose(points[:, 0], np.linspace(-0.5, 0.5, TRAJECTORY_POINTS), atol=1e-6)
    np.testing.assert_allclose(points[:, 1], 0, atol=1e-6)
    np.testing.assert_allclose(steps, [[DIRECTION_WEIGHT, 0.0]] * (TRAJECTORY_POINTS - 1))


def test_the_jump_between_two_strokes_is_part_of_the_path():
    """Two dots 30 px apart: the path runs from one to the other, so it is the line between."""
    features = trajectory([np.array([[0.0, 0.0]]), np.array([[30.0, 0.0]])])
    joined = trajectory([line((0.0, 0.0), (30.0, 0.0))])
    np.testing.assert_allclose(features, joined, atol=1e-6)


def test_where_and_how_large_a_drawing_is_does_not_matter_but_its_direction_does():
    strokes = corner()
    moved = [s * 3.5 + (200, -40) for s in strokes]
    backwards = [s[::-1] for s in strokes[::-1]]
    np.testing.assert_allclose(trajectory(moved), trajectory(strokes), atol=1e-5)
    assert np.linalg.norm(trajectory(backwards) - trajectory(strokes)) > 1


@pytest.mark.parametrize(
    "strokes", [[], [np.zeros((0, 2))], [np.array([[1.0, math.nan], [2.0, 3.0]])]]
)
def test_strokes_without_usable_points_have_no_trajectory(strokes):
    assert trajectory(strokes) is None


def test_a_single_point_has_a_trajectory_without_directions():
    features = trajectory([np.array([[5.0, 5.0]])])
    np.testing.assert_array_equal(features, np.zeros(FEATURES))


def remembered_drawings(rng):
    """Random trajectories of digits 1, 4 and 7 (digits 0, 2, 3, 5, 6, 8, 9 never taught)."""
    drawings = [[rng.uniform(0, 280, (rng.integers(2, 30), 2))] for _ in range(9)]
    return drawings, [1, 4, 7] * 3


def test_distances_are_to_the_nearest_remembered_drawing_of_each_digit():
    rng = np.random.default_rng(0)
    drawings, labels = remembered_drawings(rng)
    memory = StrokeMemory.of(drawings, labels)
    probe = [rng.uniform(0, 280, (12, 2))]
    expected = np.full(10, UNTAUGHT_DISTANCE)
    for digit in (1, 4, 7):
        expected[digit] = min(
            math.dist(trajectory(d), trajectory(probe))
            for d, label in zip(drawings, labels, strict=True)
            if label == digit
        )
    np.testing.assert_allclose(memory.distances(probe), expected, rtol=1e-5)


def test_weighing_multiplies_each_activation_by_its_digits_closeness_and_keeps_their_sum():
    rng = np.random.default_rng(1)
    drawings, labels = remembered_drawings(rng)
    memory = StrokeMemory.of(drawings, labels)
    probe = drawings[4]  # a remembered 4: distance 0 to its digit
    activations = rng.dirichlet(np.ones(10)).astype(np.float32)
    distances = memory.distances(probe)
    expected = [a * math.exp(-STRENGTH * d) for a, d in zip(activations, distances, strict=True)]
    expected = np.array(expected) / sum(expected)
    weighed = memory.weigh(activations, probe)
    assert distances[4] == pytest.approx(0, abs=1e-6)
    np.testing.assert_allclose(weighed, expected, rtol=1e-5)
    assert weighed.dtype == np.float32
    assert weighed.argmax() == 4


def test_weighing_strokes_without_points_leaves_the_activations_alone():
    memory = StrokeMemory.of([corner()], [4])
    activations = np.linspace(0.1, 1.0, 10)
    assert memory.weigh(activations, []) is activations


def test_a_memory_keeps_only_drawings_with_strokes_and_at_most_the_last_it_may_hold(monkeypatch):
    monkeypatch.setattr(stroke_memory, "MAX_DRAWINGS", 2)
    drawings = [corner(), None, [line((0, 0), (0, 9))], [line((0, 0), (9, 0))]]
    memory = StrokeMemory.of(drawings, [4, 5, 1, 7])
    assert memory.labels.tolist() == [1, 7]
    np.testing.assert_array_equal(memory.features[1], trajectory(drawings[3]))
    assert StrokeMemory.of([None, None], [3, 3]) is None


@pytest.mark.parametrize(
    ("features", "labels", "message"),
    [
        (np.zeros((2, FEATURES - 1)), [1, 2], "must be"),
        (np.zeros((0, FEATURES)), [], "holds 1 to"),
        (np.zeros((2, FEATURES)), [1], "labels must be"),
        (np.zeros((2, FEATURES)), [1.0, 2.0], "labels must be"),
        (np.zeros((2, FEATURES)), [1, 10], "digits 0-9"),
        (np.full((2, FEATURES), np.inf), [1, 2], "finite"),
    ],
)
def test_a_memory_refuses_what_it_cannot_hold(features, labels, message):
    with pytest.raises(ValueError, match=message):
        StrokeMemory(features, np.array(labels))


def test_a_memory_holds_float32_features_and_int64_labels():
    memory = StrokeMemory(np.zeros((3, FEATURES)), np.array([0, 9, 9], dtype=np.uint8))
    assert memory.features.dtype == np.float32 and memory.labels.dtype == np.int64
    assert len(memory) == 3 and "3 drawings of 2 digits" in repr(memory)
