"""A model's memory of the user's strokes in its weight file: kept, and refused when hostile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nn.description import ModelDescription
from nn.model import Model
from nn.sketch.stroke_memory import FEATURES, MAX_DRAWINGS, StrokeMemory
from nn.weights.weight_file import load_model, save_model
from tests.nn.weights.test_hostile_files import (
    members_of,
    npy_header,
    refused,
    small_network,
    write_zip,
)
from tests.nn.weights.test_weight_file import with_changes


def memory() -> StrokeMemory:
    rng = np.random.default_rng(3)
    drawings = [[rng.uniform(0, 280, (rng.integers(1, 20), 2))] for _ in range(12)]
    return StrokeMemory.of(drawings, [d % 10 for d in range(12)])


@pytest.fixture
def remembering_file(tmp_path: Path) -> Path:
    path = tmp_path / "adapted.npz"
    save_model(Model(small_network(), ModelDescription(dataset="MNIST"), memory()), path)
    return path


def test_a_saved_memory_loads_back_as_it_was(remembering_file):
    loaded = load_model(remembering_file)
    np.testing.assert_array_equal(loaded.strokes.features, memory().features)
    np.testing.assert_array_equal(loaded.strokes.labels, memory().labels)
    assert loaded.description.dataset == "MNIST"


def test_a_model_without_a_memory_is_saved_without_its_entries(tmp_path):
    path = tmp_path / "plain.npz"
    save_model(Model(small_network()), path)
    assert not {"stroke_features", "stroke_labels"} & set(members_of(path))
    assert load_model(path).strokes is None


@pytest.mark.parametrize(
    ("entries", "match"),
    [
        ({"stroke_labels": None}, "'stroke_features' comes without 'stroke_labels'"),
        ({"stroke_features": None}, "'stroke_labels' comes without 'stroke_features'"),
        ({"stroke_features": np.zeros((12, FEATURES - 2))}, r"must be \(n, 126\)"),
        ({"stroke_features": np.zeros((12, FEATURES), np.int32)}, "float32 or float64"),
        ({"stroke_labels": np.arange(12) + 5}, "digits 0-9"),
        ({"stroke_labels": np.zeros(11, np.int64)}, "labels must be"),
        ({"stroke_labels": np.array(["1"] * 12)}, "1-D integer array"),
        ({"stroke_features": np.full((12, FEATURES), np.nan)}, "finite"),
    ],
)
def test_a_damaged_memory_is_refused_with_what_is_wrong(remembering_file, tmp_path, entries, match):
    refused(with_changes(remembering_file, tmp_path / "changed.npz", entries), match)


def test_a_memory_larger_than_any_model_holds_is_refused_before_it_is_read(
    remembering_file, tmp_path
):
    """The header declares a million drawings (500 MB); there is no data behind it."""
    members = members_of(remembering_file) | {
        "stroke_features": npy_header(np.float32, (1_000_000, FEATURES))
    }
    path = write_zip(tmp_path / "changed.npz", members)
    assert MAX_DRAWINGS < 1_000_000
    refused(path, r"must be \(n, 126\) with 1 <= n <= 10,000")
