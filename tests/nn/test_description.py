"""Model descriptions: the typed fields, the metadata they are stored as, and every file written
before descriptions were versioned."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from nn.description import (
    DESCRIPTION_VERSION,
    FRONT_ENDS,
    MAX_JSON_CHARS,
    MAX_JSON_DEPTH,
    MAX_TEST_IMAGES,
    MAX_TEXT,
    ModelDescription,
)
from nn.handwriting.options import HandwritingOptions, RunOutcome, describe_run
from nn.model import Model
from nn.network import Network
from nn.sketch.reading import AS_DRAWN, SOFTENED
from nn.training import TrainingConfig
from nn.weights import WeightFileError, load_model, save_model

FIXTURES = Path(__file__).resolve().parent / "weights" / "fixtures"
ISO_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")

FULL = ModelDescription(
    dataset="committed sample + 26 drawn pen digits (pen.tra)",
    trained_with="python -m nn train --sample --epochs 12 --soften-sketches --save m.npz",
    front_end="cli",
    trained_at="2025-01-02T03:04:05+01:00",
    epochs=12,
    stopped_early=True,
    test_accuracy=0.9731,
    test_images=10_000,
    validation_accuracy=0.97,
    settings={"network": {"sizes": [784, 30, 10], "cost": "quadratic"}, "training": {"eta": 3.0}},
    sketch_reading=SOFTENED,
    saved_at="2025-01-02T03:05:00+01:00",
    extra={"note": "kept as it was", "nested": {"list": [1, 2.5, None]}},
)
"""A description with no field left at its default."""


def raw_metadata(path: Path) -> dict:
    """The metadata JSON object of a weight file, read without the code under test."""
    with np.load(path, allow_pickle=False) as archive:
        return json.loads(str(archive["metadata"]))


def with_metadata(source: Path, target: Path, metadata: dict) -> Path:
    """A copy of the weight file ``source`` at ``target`` whose metadata is ``metadata``."""
    with np.load(source, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["metadata"] = np.array(json.dumps(metadata))
    with open(target, "wb") as file:
        np.savez(file, **arrays)
    return target


def small_network(seed: int = 0) -> Network:
    return Network([784, 12, 10], hidden_activation="relu", output_activation="softmax",
                   cost="cross-entropy", init="scaled", seed=seed)  # fmt: skip


# ---------------------------------------------------------------- round trips


def test_every_field_survives_a_round_trip_through_the_metadata():
    metadata = FULL.to_metadata()
    assert metadata["description_version"] == DESCRIPTION_VERSION == 2
    assert ModelDescription.from_metadata(metadata) == FULL
    as_stored = json.loads(json.dumps(metadata))  # what a weight file holds
    assert ModelDescription.from_metadata(as_stored) == FULL
    assert ModelDescription.from_metadata(ModelDescription().to_metadata()) == ModelDescription()


def test_a_description_survives_a_real_save_and_load(tmp_path: Path):
    network = small_network()
    saved = save_model(Model(network, FULL), tmp_path / "full.npz")
    loaded = load_model(tmp_path / "full.npz")
    assert loaded.description == saved.description
    assert loaded.description.replace(saved_at=FULL.saved_at) == FULL
    assert ISO_SECONDS.fullmatch(loaded.description.saved_at)
    assert loaded.reading == SOFTENED


def test_saving_then_loading_keeps_the_network_bit_for_bit_and_stamps_saved_at(tmp_path: Path):
    for dtype in (np.float32, np.float64):
        network = Network([784, 20, 7, 10], hidden_activation="relu", output_activation="softmax",
                          cost="cross-entropy", seed=3, dtype=dtype)  # fmt: skip
        path = tmp_path / f"{np.dtype(dtype).name}.npz"
        saved = save_model(Model(network, ModelDescription(epochs=4)), path)
        loaded = load_model(path)
        assert loaded.network.sizes == network.sizes
        names = ("hidden_activation", "output_activation", "cost")
        assert [getattr(loaded.network, n) for n in names] == [getattr(network, n) for n in names]
        for mine, theirs in zip(network.layers, loaded.network.layers, strict=True):
            assert theirs.dtype == mine.dtype and np.array_equal(theirs, mine)
        assert ISO_SECONDS.fullmatch(saved.description.saved_at)
        assert loaded.description.saved_at == saved.description.saved_at
        assert loaded.description.epochs == 4


def test_unknown_keys_survive_a_round_trip_in_extra(tmp_path: Path):
    for version in (1, 2):
        metadata = {"description_version": version, "epochs": 3, "accuracy": 0.97,
                    "by": {"name": "Ada", "tags": ["a", "b"]}}  # fmt: skip
        if version == 1:
            del metadata["description_version"]
        description = ModelDescription.from_metadata(metadata)
        assert description.epochs == 3
        assert description.extra == {"accuracy": 0.97, "by": {"name": "Ada", "tags": ["a", "b"]}}
        written = description.to_metadata()
        assert written["accuracy"] == 0.97 and written["by"] == metadata["by"]
        save_model(Model(small_network(), description), tmp_path / "extra.npz")
        assert load_model(tmp_path / "extra.npz").description.extra == description.extra


# ---------------------------------------------------------------- files of earlier versions


def test_the_cli_file_of_version_1():
    path = FIXTURES / "cli-v1.npz"
    model = load_model(path)
    d = model.description
    assert d.front_end == "cli"
    assert d.trained_with.startswith("python -m nn train --sample")
    assert d.dataset == "committed sample"
    assert d.test_accuracy == 0.588 and d.test_images is None and d.test_correct is None
    assert d.validation_accuracy == 0.616
    assert (d.epochs, d.stopped_early) == (1, False)
    assert d.sketch_reading == SOFTENED and model.reading == SOFTENED
    assert d.trained_at == raw_metadata(path)["date"]
    assert ISO_SECONDS.fullmatch(d.trained_at) and ISO_SECONDS.fullmatch(d.saved_at)
    assert d.extra == {}
    assert model.network.sizes == (784, 5, 10)


def test_the_app_file_of_version_1():
    path = FIXTURES / "app-v1.npz"
    raw = raw_metadata(path)
    model = load_model(path)
    d = model.description
    assert d.front_end == "app"
    assert d.test_accuracy == 0.801 and d.test_images == 1000 and d.test_correct == 801
    assert (d.epochs, d.stopped_early) == (2, True)
    assert d.dataset == "committed sample"
    assert d.trained_at == raw["trained_at"]
    assert d.settings["hyperparameters"] == raw["hyperparameters"]
    assert d.settings["hyperparameters"]["eta"] == 0.5
    assert (d.settings["init"], d.settings["augmented"]) == ("scaled", True)
    redundant = ("sizes", "hidden_activation", "output_activation", "cost")
    assert all(key in raw for key in redundant)  # the file has them…
    assert not any(key in d.extra for key in redundant)  # …and the network says them already
    assert d.extra == {}
    assert d.sketch_reading == AS_DRAWN
    network = model.network
    assert (network.hidden_activation, network.output_activation, network.cost) == (
        "relu", "softmax", "cross-entropy",
    )  # fmt: skip


def test_the_benchmark_file_of_version_1():
    model = load_model(FIXTURES / "bench-v1.npz")
    assert model.description.front_end == "bench"
    assert model.description.trained_with == "bench/held_out_writers.py"
    assert model.network.sizes == (784, 4, 10)


def test_a_network2_json_file_is_imported_and_predicts_as_its_weights_say():
    path = FIXTURES / "network2.json"
    model = load_model(path)
    network = model.network
    assert model.description.front_end == "imported"
    assert model.reading == AS_DRAWN
    assert network.sizes == (784, 3, 10)
    assert (network.hidden_activation, network.output_activation) == ("sigmoid", "sigmoid")
    assert network.cost == "cross-entropy"

    document = json.loads(path.read_text(encoding="utf-8"))
    images = np.random.default_rng(7).random((6, 784))
    a = images.T
    for w, b in zip(document["weights"], document["biases"], strict=True):
        a = 1.0 / (1.0 + np.exp(-(np.array(w) @ a + np.array(b))))
    np.testing.assert_allclose(network.predict(images), a.T, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["cli-v1.npz", "app-v1.npz", "bench-v1.npz", "network2.json"])
def test_a_file_of_an_earlier_version_saved_again_reads_the_same(tmp_path: Path, name: str):
    before = load_model(FIXTURES / name)
    saved = save_model(before, tmp_path / "again.npz")
    after = load_model(tmp_path / "again.npz")
    assert raw_metadata(tmp_path / "again.npz")["description_version"] == DESCRIPTION_VERSION
    assert after.description == saved.description
    assert after.description.replace(saved_at=before.description.saved_at) == before.description
    for mine, theirs in zip(before.network.layers, after.network.layers, strict=True):
        assert np.array_equal(theirs, mine)


@pytest.mark.parametrize(
    ("given", "expected"), [(95.1, 0.951), (58.8, 0.588), (100, 1.0), (0.951, 0.951), (1, 1.0)]
)
def test_a_version_1_percentage_becomes_a_fraction(given, expected):
    description = ModelDescription.from_metadata({"test_accuracy": given})
    assert description.test_accuracy == pytest.approx(expected, abs=1e-12)


def test_the_apps_version_1_counts_win_over_its_rounded_fraction():
    description = ModelDescription.from_metadata(
        {"test_correct": 9123, "test_total": 10000, "test_accuracy": 0.91}
    )
    assert (description.test_accuracy, description.test_images) == (0.9123, 10000)
    assert description.test_correct == 9123


# ---------------------------------------------------------------- refused values


BAD_VALUES = [
    ("test_accuracy", 1.5, "test_accuracy must be a fraction in"),
    ("test_accuracy", math.nan, "test_accuracy must be a fraction in"),
    ("validation_accuracy", -0.1, "validation_accuracy must be a fraction in"),
    ("epochs", -1, "epochs must be a whole number"),
    ("epochs", 10**400, "epochs must be a whole number"),
    ("epochs", 2.0, "epochs must be a whole number"),
    ("dataset", "x" * 5000, f"dataset must be a text of at most {MAX_TEXT} characters"),
    ("trained_with", 42, "trained_with must be a text"),
    ("front_end", "nonsense", "front_end must be one of " + ", ".join(FRONT_ENDS)),
    ("stopped_early", "yes", "stopped_early must be true or false"),
    ("test_images", 0, "test_images must be a whole number"),
    ("settings", [1, 2], "settings must be a JSON object"),
    ("test_accuracy", 10**400, "test_accuracy must be a fraction in"),
    ("validation_accuracy", -(10**400), "validation_accuracy must be a fraction in"),
    ("test_images", 10**400, "test_images must be a whole number"),
]


@pytest.mark.parametrize(("field", "value", "match"), BAD_VALUES)
def test_a_bad_value_is_refused_naming_its_field(field, value, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        ModelDescription(**{field: value})
    metadata = {**ModelDescription().to_metadata(), field: value}
    with pytest.raises(ValueError, match=re.escape(match)):
        ModelDescription.from_metadata(metadata)


@pytest.mark.parametrize(("field", "value", "match"), BAD_VALUES)
def test_a_weight_file_with_a_bad_value_is_refused_naming_the_file(tmp_path, field, value, match):
    good = tmp_path / "good.npz"
    save_model(Model(small_network()), good)
    bad = with_metadata(good, tmp_path / "bad.npz", {**raw_metadata(good), field: value})
    with pytest.raises(WeightFileError, match=re.escape(match)) as info:
        load_model(bad)
    assert str(bad) in str(info.value)


@pytest.mark.parametrize(
    ("metadata", "match"),
    [
        ({"epochs": -1}, "epochs must be a whole number"),
        ({"test_accuracy": math.nan}, "test_accuracy must be a fraction"),
        ({"test_accuracy": 250}, "test_accuracy must be a fraction"),
        ({"dataset": "x" * 5000}, "dataset must be a text"),
        ({"trained_with": ["python", "-m", "nn"]}, "trained_with must be a text"),
    ],
)
def test_bad_values_in_version_1_metadata_are_refused_too(metadata, match):
    with pytest.raises(ValueError, match=match):
        ModelDescription.from_metadata(metadata)


def test_a_number_beyond_float_range_is_refused_not_overflowed():
    with pytest.raises(OverflowError):
        math.isfinite(10**400)  # the trap: an int too large for a float
    for metadata in (
        {"test_accuracy": 10**400},
        {"description_version": 2, "test_accuracy": 10**400},
        {"validation_accuracy": 10**400},
    ):
        with pytest.raises(ValueError, match="must be a fraction in") as info:
            ModelDescription.from_metadata(metadata)
        assert len(str(info.value)) < 120


@pytest.mark.parametrize(
    ("correct", "total"),
    [(10**400, 10_000), (10**400, 10**400), (10**400, 10**401), (5, 10**400), (801, 0),
     (-1, 1000), (1001, 1000), ("801", 1000), (True, 1), (801, None), (None, 1000),
     (10, MAX_TEST_IMAGES + 1)],
)  # fmt: skip
def test_version_1_test_counts_out_of_range_are_refused(tmp_path, correct, total):
    metadata = {"test_correct": correct, "test_total": total, "test_accuracy": 0.9}
    with pytest.raises(
        ValueError, match="test_correct and test_total must be whole numbers"
    ) as info:
        ModelDescription.from_metadata(metadata)
    assert len(str(info.value)) < 250
    good = tmp_path / "good.npz"
    save_model(Model(small_network()), good)
    bad = with_metadata(good, tmp_path / "bad.npz", metadata)
    with pytest.raises(WeightFileError, match="test_correct and test_total") as info:
        load_model(bad)
    assert str(bad) in str(info.value)


def test_version_1_test_counts_in_range_still_give_the_fraction():
    d = ModelDescription.from_metadata({"test_correct": 0, "test_total": MAX_TEST_IMAGES})
    assert (d.test_accuracy, d.test_images, d.test_correct) == (0.0, MAX_TEST_IMAGES, 0)


def test_a_sketch_reading_beyond_float_range_is_refused_briefly():
    for metadata in (
        {"sketch_reading": {"soften": 10**400}},
        {"description_version": 2, "sketch_reading": {"bolden": -(10**400)}},
        {"sketch_reading": {"soften": 0.1, "x": ["y" * 10_000]}},
    ):
        with pytest.raises(ValueError, match="sketch_reading cannot be used") as info:
            ModelDescription.from_metadata(metadata)
        assert len(str(info.value)) <= 200


def test_a_version_1_origin_that_is_not_text_is_refused():
    with pytest.raises(ValueError, match="imported_from must be a text, got a list"):
        ModelDescription.from_metadata({"imported_from": [["a"]] * 1000})
    deep: list = []
    for _ in range(50):
        deep = [deep]
    with pytest.raises(ValueError, match="trained_with must be a text"):
        ModelDescription.from_metadata({"trained_with": deep})


@pytest.mark.parametrize("field", ["dataset", "trained_with", "trained_at", "saved_at"])
def test_a_text_with_a_lone_surrogate_is_refused(field):
    with pytest.raises(UnicodeEncodeError):
        "a\ud800b".encode()  # it cannot be shown or printed
    with pytest.raises(ValueError, match=f"{field} holds a character that is not Unicode text"):
        ModelDescription(**{field: "a\ud800b"})
    metadata = json.loads(f'{{"description_version": 2, "{field}": "a\\udc00"}}')
    with pytest.raises(ValueError, match=f"{field} holds a character that is not Unicode"):
        ModelDescription.from_metadata(metadata)


def _nested(depth: int) -> dict:
    value: object = 1
    for _ in range(depth):
        value = {"level": value}
    return value  # type: ignore[return-value]


OVERSIZED = {
    "long text": {"note": "x" * MAX_JSON_CHARS},
    "many numbers": {"list": list(range(30_000))},
    "deep": _nested(MAX_JSON_DEPTH + 1),
    "huge number": {"n": 10 ** (MAX_JSON_CHARS + 10)},
    "NumPy array": {"a": np.zeros(100_000)},
}


@pytest.mark.parametrize("field", ["settings", "extra"])
@pytest.mark.parametrize("value", OVERSIZED.values(), ids=OVERSIZED.keys())
def test_settings_and_extra_larger_or_deeper_than_a_description_needs_are_refused(field, value):
    match = rf"{field} must be a JSON object of at most {MAX_JSON_CHARS:,} characters, nested"
    with pytest.raises(ValueError, match=match):
        ModelDescription(**{field: value})


@pytest.mark.parametrize("field", ["settings", "extra"])
def test_settings_and_extra_nested_far_too_deep_are_refused_without_recursing(field):
    value: list = []
    for _ in range(100_000):  # deeper than Python can write out or compare recursively
        value = [value]
    with pytest.raises(ValueError, match=f"{field} must be a JSON object"):
        ModelDescription(**{field: {"deep": value}})


def test_a_weight_file_with_oversized_settings_or_extra_is_refused(tmp_path):
    good = tmp_path / "good.npz"
    save_model(Model(small_network()), good)
    for name, metadata in {
        "settings": {"description_version": 2, "settings": {"note": "x" * MAX_JSON_CHARS}},
        "extra": {"unknown": _nested(MAX_JSON_DEPTH + 5)},
    }.items():
        bad = with_metadata(good, tmp_path / f"{name}.npz", metadata)
        with pytest.raises(WeightFileError, match=f"{name} must be a JSON object of at most"):
            load_model(bad)


def test_settings_and_extra_within_the_bounds_are_kept(tmp_path):
    settings = {"note": "x" * (MAX_JSON_CHARS // 2), "deep": _nested(MAX_JSON_DEPTH - 2)}
    extra = {"counts": list(range(5000))}
    description = ModelDescription(settings=settings, extra=extra)
    save_model(Model(small_network(), description), tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz").description
    assert loaded.settings == settings and loaded.extra == extra


def test_a_description_from_a_newer_version_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="newer version of Digit Recognizer"):
        ModelDescription.from_metadata({"description_version": 99})
    good = tmp_path / "good.npz"
    save_model(Model(small_network()), good)
    newer = with_metadata(good, tmp_path / "newer.npz", {"description_version": 99})
    with pytest.raises(WeightFileError, match="newer version") as info:
        load_model(newer)
    assert str(newer) in str(info.value)
    for odd in (0, "2", 2.0, True):
        with pytest.raises(ValueError, match="description_version must be a whole number"):
            ModelDescription.from_metadata({"description_version": odd})


# ---------------------------------------------------------------- a training run's description


def run_outcome(**changes) -> RunOutcome:
    values = {
        "sizes": (784, 30, 10),
        "network_options": {"hidden_activation": "relu", "output_activation": "softmax",
                            "cost": "cross-entropy", "init": "scaled", "seed": 4},
        "config": TrainingConfig(epochs=3, eta=0.5, seed=4),
        "dataset": "committed sample",
        "epochs": 2,
        "stopped_early": True,
        "test": (801, 1000),
        "validation_accuracy": 0.79,
    }  # fmt: skip
    return RunOutcome(**{**values, **changes})


def test_a_run_is_described_with_typed_fields_and_json_settings(tmp_path: Path):
    handwriting = HandwritingOptions(augment=True, pen_digits="pen.tra", soften_sketches=True)
    d = describe_run(run_outcome(), front_end="app", trained_with="η 0.5", handwriting=handwriting)
    assert (d.front_end, d.trained_with, d.dataset) == ("app", "η 0.5", "committed sample")
    assert (d.epochs, d.stopped_early) == (2, True)
    assert (d.test_accuracy, d.test_images, d.test_correct) == (0.801, 1000, 801)
    assert d.validation_accuracy == 0.79
    assert ISO_SECONDS.fullmatch(d.trained_at) and d.saved_at == ""
    assert d.sketch_reading == SOFTENED
    assert d.settings["network"] == {"sizes": [784, 30, 10], "hidden_activation": "relu",
                                     "output_activation": "softmax", "cost": "cross-entropy",
                                     "init": "scaled", "seed": 4}  # fmt: skip
    training = {"epochs": 3, "batch_size": 10, "eta": 0.5, "lmbda": 0.0, "momentum": 0.0,
                "seed": 4, "schedule": "constant"}  # fmt: skip
    assert d.settings["training"] == training
    assert d.settings["handwriting"] == handwriting.settings()
    assert d.settings["handwriting"]["pen_digits"] == "pen.tra"
    assert ModelDescription.from_metadata(json.loads(json.dumps(d.to_metadata()))) == d
    save_model(Model(small_network(), d), tmp_path / "run.npz")
    assert load_model(tmp_path / "run.npz").description.replace(saved_at="") == d


@pytest.mark.parametrize("test", [None, (0, 0)])
def test_a_run_without_a_test_set_has_no_test_accuracy(test):
    d = describe_run(run_outcome(test=test), front_end="cli", trained_with="python -m nn train",
                     handwriting=HandwritingOptions())  # fmt: skip
    assert (d.test_accuracy, d.test_images, d.test_correct) == (None, None, None)
    assert d.sketch_reading == AS_DRAWN


def test_a_run_from_an_unknown_front_end_is_refused():
    with pytest.raises(ValueError, match="front_end must be one of"):
        describe_run(
            run_outcome(), front_end="web", trained_with="", handwriting=HandwritingOptions()
        )
