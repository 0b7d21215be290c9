"""Weight files: round trips, atomic saving, refusal of bad content, network2 JSON import."""

from __future__ import annotations

import errno
import itertools
import json
import os
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from nn.description import ModelDescription
from nn.model import Model
from nn.network import Network
from nn.weights.weight_file import (
    FORMAT_TAG,
    FORMAT_VERSION,
    WeightFileError,
    load_model,
    save_model,
)

DESCRIPTION = ModelDescription(
    dataset="MNIST", epochs=30, test_accuracy=0.9731, trained_at="2024-05-01T12:00:00+02:00"
)
ISO_SECONDS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"


class _CreatesFolder:
    """Unpickling this runs ``os.mkdir(path)``: the side effect shows whether it was unpickled."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def _small_net(dtype=np.float32) -> Network:
    return Network(
        [784, 16, 8, 10],
        hidden_activation="relu",
        output_activation="softmax",
        cost="cross-entropy",
        init="scaled",
        seed=1,
        dtype=dtype,
    )


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.npz"
    save_model(Model(_small_net(), DESCRIPTION), path)
    return path


def _arrays_of(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def _write_npz(path: Path, arrays: dict) -> Path:
    with open(path, "wb") as file:
        np.savez(file, **arrays)
    return path


def with_changes(source: Path, target: Path, changes: dict) -> Path:
    """``source``'s arrays with ``changes`` made (a None value deletes that entry), written as
    ``target``."""
    arrays = _arrays_of(source)
    for key, value in changes.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    return _write_npz(target, arrays)


def _assert_refused(path: Path, match: str) -> WeightFileError:
    with pytest.raises(WeightFileError, match=match) as info:
        load_model(path)
    assert str(path) in str(info.value)
    return info.value


def _assert_same_network(a: Network, b: Network) -> None:
    assert a.sizes == b.sizes
    assert (a.hidden_activation, a.output_activation, a.cost) == (
        b.hidden_activation,
        b.output_activation,
        b.cost,
    )
    for x, y in zip(a.parameters(), b.parameters(), strict=True):
        assert x.dtype == y.dtype
        assert x.shape == y.shape
        assert x.tobytes() == y.tobytes()  # bit for bit


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    ("sizes", "hidden", "output", "cost", "dtype"),
    [
        ([784, 30, 10], "sigmoid", "sigmoid", "quadratic", np.float32),
        ([784, 16, 8, 10], "relu", "softmax", "cross-entropy", np.float32),
        ([784, 16, 8, 10], "relu", "softmax", "cross-entropy", np.float64),
        ([784, 10], "sigmoid", "softmax", "cross-entropy", np.float32),
    ],
)
def test_round_trip_keeps_everything(tmp_path, sizes, hidden, output, cost, dtype):
    net = Network(
        sizes, hidden_activation=hidden, output_activation=output, cost=cost, seed=7, dtype=dtype
    )
    path = tmp_path / "model.npz"
    saved = save_model(Model(net, DESCRIPTION), path)

    model = load_model(path)
    loaded = model.network

    _assert_same_network(loaded, net)
    assert loaded.dtype == np.dtype(dtype)
    assert all(layer.flags.c_contiguous and layer.flags.writeable for layer in loaded.layers)
    assert all(np.shares_memory(p, layer) for p, layer in zip(loaded.weights, loaded.layers))
    images = np.random.default_rng(0).random((5, 784))
    assert np.array_equal(loaded.predict(images), net.predict(images))
    assert model.description == saved.description
    assert model.description.replace(saved_at="") == DESCRIPTION
    assert re.fullmatch(ISO_SECONDS, model.description.saved_at)


def test_loaded_parameters_are_copies(good_file):
    first = load_model(good_file).network
    first.weights[0][:] = 0
    second = load_model(good_file).network
    assert np.any(second.weights[0] != 0)


def test_saving_stamps_saved_at_and_leaves_the_given_model_alone(tmp_path):
    given = Model(_small_net(), DESCRIPTION.replace(saved_at="2020-01-02T03:04:05+00:00"))
    saved = save_model(given, tmp_path / "m.npz")
    assert given.description.saved_at == "2020-01-02T03:04:05+00:00"
    assert saved.network is given.network
    assert saved.description == given.description.replace(saved_at=saved.description.saved_at)
    assert re.fullmatch(ISO_SECONDS, saved.description.saved_at)
    assert saved.description.saved_at != "2020-01-02T03:04:05+00:00"


def test_numpy_values_in_the_description_are_stored_as_json_numbers(tmp_path):
    path = tmp_path / "m.npz"
    settings = {"eta": np.float32(0.5), "n": np.int64(3), "sizes": np.array([784, 10])}
    description = ModelDescription(settings=settings, extra={"note": np.float64(0.25)})
    save_model(Model(_small_net(), description), path)
    loaded = load_model(path).description
    assert loaded.settings == {"eta": 0.5, "n": 3, "sizes": [784, 10]}
    assert type(loaded.settings["n"]) is int and loaded.extra == {"note": 0.25}


def test_unserialisable_metadata_is_refused_before_writing(tmp_path):
    path = tmp_path / "m.npz"
    description = ModelDescription(settings={"when": object()})
    with pytest.raises(WeightFileError, match="metadata cannot be stored as JSON"):
        save_model(Model(_small_net(), description), path)
    assert list(tmp_path.iterdir()) == []


def test_file_layout_is_the_documented_one(good_file):
    arrays = _arrays_of(good_file)
    assert set(arrays) == {
        "format", "version", "sizes", "hidden_activation", "output_activation", "cost",
        "metadata", "weight_0", "weight_1", "weight_2", "bias_0", "bias_1", "bias_2",
    }  # fmt: skip
    assert arrays["format"].shape == () and str(arrays["format"]) == FORMAT_TAG
    assert int(arrays["version"]) == FORMAT_VERSION
    assert arrays["sizes"].dtype == np.int64 and arrays["sizes"].tolist() == [784, 16, 8, 10]
    assert arrays["weight_1"].shape == (8, 16) and arrays["bias_1"].shape == (8, 1)
    metadata = json.loads(str(arrays["metadata"]))
    assert metadata["dataset"] == "MNIST" and metadata["description_version"] == 2


def test_path_without_suffix_is_kept(tmp_path):
    path = tmp_path / "model"
    save_model(Model(_small_net()), path)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    _assert_same_network(load_model(path).network, _small_net())


def test_default_size_network_file_is_small(tmp_path):
    path = tmp_path / "default.npz"
    save_model(Model(Network([784, 256, 128, 10], init="scaled", seed=0)), path)
    assert path.stat().st_size <= 5 * 1024 * 1024


# ---------------------------------------------------------------- atomic saving


def _assert_old_file_intact(path: Path, old_bytes: bytes) -> None:
    assert path.read_bytes() == old_bytes
    model = load_model(path)
    _assert_same_network(model.network, _small_net())
    assert model.description.dataset == "MNIST"
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_disk_full_mid_write_leaves_old_file(good_file, monkeypatch):
    old_bytes = good_file.read_bytes()

    def savez_then_disk_full(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", savez_then_disk_full)
    other = Network([784, 5, 10], seed=3)
    with pytest.raises(WeightFileError, match="No space left on device") as info:
        save_model(Model(other), good_file)
    assert str(good_file) in str(info.value)
    monkeypatch.undo()
    _assert_old_file_intact(good_file, old_bytes)


def test_failed_rename_leaves_old_file(good_file, monkeypatch):
    old_bytes = good_file.read_bytes()

    def failing_replace(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(WeightFileError, match="No space left on device"):
        save_model(Model(Network([784, 5, 10], seed=3)), good_file)
    monkeypatch.undo()
    _assert_old_file_intact(good_file, old_bytes)


def test_interrupt_mid_write_propagates_and_cleans_up(good_file, monkeypatch):
    old_bytes = good_file.read_bytes()

    def interrupted(file, **arrays):
        file.write(b"PK\x03\x04")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_model(Model(Network([784, 5, 10], seed=3)), good_file)
    monkeypatch.undo()
    _assert_old_file_intact(good_file, old_bytes)


def test_network_with_nan_is_not_saved(good_file):
    old_bytes = good_file.read_bytes()
    broken = _small_net()
    broken.weights[2][3, 4] = np.nan
    with pytest.raises(WeightFileError, match=r"not saved: weight_2 holds 1 NaN"):
        save_model(Model(broken), good_file)
    _assert_old_file_intact(good_file, old_bytes)


def test_saving_into_missing_folder_fails_cleanly(tmp_path):
    path = tmp_path / "no-such-folder" / "m.npz"
    with pytest.raises(WeightFileError, match="could not save"):
        save_model(Model(_small_net()), path)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- files that are not weights


def test_missing_file(tmp_path):
    _assert_refused(tmp_path / "absent.npz", "no such file")


def test_folder(tmp_path):
    _assert_refused(tmp_path, "is a folder")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    _assert_refused(path, "the file is empty")


@pytest.mark.parametrize("fraction", [0.0, 0.001, 0.01, 0.3, 0.5, 0.9, 0.9999])
def test_truncated_file(good_file, tmp_path, fraction):
    data = good_file.read_bytes()
    cut = max(4, int(len(data) * fraction))
    path = tmp_path / "cut.npz"
    path.write_bytes(data[:cut])
    _assert_refused(path, "damaged or truncated zip archive")


def test_truncated_to_less_than_the_zip_signature(good_file, tmp_path):
    path = tmp_path / "cut.npz"
    path.write_bytes(good_file.read_bytes()[:3])
    _assert_refused(path, "not a Digit Recognizer weight file: neither")


def test_flipped_byte_in_weights_is_caught(good_file, tmp_path):
    data = bytearray(good_file.read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside weight_0's 50 kB of data
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(data))
    _assert_refused(path, r"entry 'weight_0' is damaged \(Bad CRC-32")


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(12345).bytes(4096))
    _assert_refused(path, "not a Digit Recognizer weight file: neither an .npz archive")


def test_npy_file(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.zeros(3))
    _assert_refused(path, r"single NumPy array \(\.npy\)")


def test_pickle_is_refused_without_unpickling(tmp_path):
    control = tmp_path / "control-marker"
    pickle.loads(pickle.dumps(_CreatesFolder(control)))
    assert control.exists()  # the sentinel really does act when unpickled

    marker = tmp_path / "marker"
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps({"weights": _CreatesFolder(marker), "sizes": [784, 10]}))
    _assert_refused(path, "Python pickle, which is never loaded")
    assert not marker.exists()


def test_object_array_is_refused_without_unpickling(good_file, tmp_path):
    marker = tmp_path / "marker"
    arrays = _arrays_of(good_file)
    arrays["weight_0"] = np.array([_CreatesFolder(marker)], dtype=object)
    path = _write_npz(tmp_path / "objects.npz", arrays)

    _assert_refused(path, "entry 'weight_0' holds Python objects, which are never unpickled")
    assert not marker.exists()
    with np.load(path, allow_pickle=True) as archive:
        archive["weight_0"]  # the file really would have run code
    assert marker.exists()


def test_npz_of_something_else(tmp_path):
    path = _write_npz(tmp_path / "other.npz", {"x_train": np.zeros(3), "y_train": np.ones(3)})
    _assert_refused(path, r"without a 'format' entry, not a weight file \(it holds x_train")


def _layer(rng, rows, cols, dtype=np.float32):
    return rng.standard_normal((rows, cols)).astype(dtype)


_R = np.random.default_rng(5)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"format": np.array("keras-weights")}, "not a Digit Recognizer weight file: format tag"),
        ({"format": np.array([1, 2])}, "entry 'format' must be one string"),
        ({"version": np.array(2)}, r"made by a newer version of Digit Recognizer \(file format 2"),
        ({"version": np.array(0)}, "unknown file format version 0"),
        ({"version": np.array(1.0)}, "'version' must be one integer"),
        ({"cost": None}, "missing entries: cost"),
        (
            {"weight_1": _layer(_R, 8, 17)},
            r"weight_1 has shape \(8, 17\), but sizes .* need \(8, 16\)",
        ),
        ({"bias_2": _layer(_R, 10, 2)}, r"bias_2 has shape \(10, 2\)"),
        ({"sizes": np.array([100, 16, 8, 10])}, "first layer must have 784 neurons"),
        ({"sizes": np.array([784, 16, 8, 9])}, "last layer must have 10 neurons"),
        ({"sizes": np.array([784, 0, 8, 10])}, "every layer needs at least one neuron"),
        ({"sizes": np.array([784.0, 16, 8, 10])}, "'sizes' must be a 1-D integer array"),
        ({"sizes": np.array([784, 16, 10])}, "entries bias_2, weight_2 belong to no layer"),
        ({"bias_1": None}, "need entries that are missing: bias_1"),
        ({"weight_0": np.full((16, 784), 3, dtype=np.int64)}, "weight_0 has dtype int64"),
        ({"weight_0": np.zeros((16, 784), dtype=np.float16)}, "weight_0 has dtype float16"),
        ({"bias_0": np.zeros((16, 1))}, "the layers mix dtypes float32 and float64"),
        ({"hidden_activation": np.array("tanh")}, "hidden_activation 'tanh' is not one of"),
        ({"output_activation": np.array("relu")}, "output_activation 'relu' is not one of"),
        ({"metadata": np.array("{accuracy: 0.9")}, "the metadata is not valid JSON"),
        ({"metadata": np.array("[1, 2]")}, "the metadata must be a JSON object, not list"),
    ],
)
def test_bad_entries_are_refused(good_file, tmp_path, changes, match):
    _assert_refused(with_changes(good_file, tmp_path / "bad.npz", changes), match)


@pytest.mark.parametrize(("key", "value"), [("weight_1", np.nan), ("bias_2", np.inf)])
def test_non_finite_values_name_the_layer(good_file, tmp_path, key, value):
    arrays = _arrays_of(good_file)
    arrays[key] = arrays[key].copy()
    arrays[key][1, 0] = value
    _assert_refused(_write_npz(tmp_path / "bad.npz", arrays), rf"{key} holds 1 NaN or infinite")


def test_big_endian_arrays_load_as_native(good_file, tmp_path):
    arrays = _arrays_of(good_file)
    for key in arrays:
        if key.startswith(("weight_", "bias_")):
            arrays[key] = arrays[key].astype(">f4")
    loaded = load_model(_write_npz(tmp_path / "be.npz", arrays)).network
    assert loaded.dtype == np.dtype(np.float32) and loaded.dtype.isnative
    _assert_same_network(loaded, _small_net())


# ---------------------------------------------------------------- Nielsen's network2 JSON


def _network2_document(rng, cost="CrossEntropyCost") -> dict:
    sizes = [784, 3, 10]
    return {
        "sizes": sizes,
        "weights": [rng.standard_normal((n, m)).tolist() for m, n in itertools.pairwise(sizes)],
        "biases": [rng.standard_normal((n, 1)).tolist() for n in sizes[1:]],
        "cost": cost,
    }


def _write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_network2_json_import_predicts_like_network2(tmp_path):
    document = _network2_document(np.random.default_rng(42))
    model = load_model(_write_json(tmp_path / "nielsen.json", document))
    network = model.network

    assert model.description.front_end == "imported"
    assert model.description.trained_with == "imported from network2 JSON"
    assert network.sizes == (784, 3, 10)
    assert (network.hidden_activation, network.output_activation) == ("sigmoid", "sigmoid")
    assert network.cost == "cross-entropy"
    assert network.dtype == np.float64

    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    w1, w2 = (np.array(w) for w in document["weights"])
    b1, b2 = (np.array(b) for b in document["biases"])
    x = np.random.default_rng(1).random((784, 1))
    expected = sigmoid(w2 @ sigmoid(w1 @ x + b1) + b2)
    np.testing.assert_allclose(network.feedforward(x), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(network.predict(x[:, 0]), expected[:, 0], rtol=1e-12, atol=1e-15)


def test_network2_quadratic_cost_and_round_trip_to_npz(tmp_path):
    document = _network2_document(np.random.default_rng(3), cost="QuadraticCost")
    imported = load_model(_write_json(tmp_path / "nielsen.json", document))
    network = imported.network
    assert network.cost == "quadratic"
    save_model(imported, tmp_path / "converted.npz")
    again = load_model(tmp_path / "converted.npz")
    _assert_same_network(again.network, network)
    assert again.description.front_end == "imported"  # a converted file still says so


def _set(document: dict, key: str, index: int | None, value: object) -> dict:
    if index is None:
        document[key] = value
    else:
        document[key][index] = value
    return document


@pytest.mark.parametrize(
    ("key", "index", "value", "match"),
    [
        (
            "weights",
            1,
            [[0.5] * 4] * 10,
            r"weights\[1\] has shape \(10, 4\), but sizes .* \(10, 3\)",
        ),
        ("biases", 0, [0.1, 0.2, 0.3], r"biases\[0\] has shape \(3,\)"),
        ("weights", 1, [[0.5] * 3] * 9 + [[0.5] * 2], r"weights\[1\] is not a rectangular list"),
        ("weights", 0, [["a"] * 784] * 3, r"weights\[0\] must hold only numbers"),
        ("weights", 0, [[None] * 784] * 3, r"weights\[0\] must hold only numbers"),
        ("biases", 1, [[float("nan")]] * 10, r"biases\[1\] holds 10 NaN or infinite"),
        ("cost", None, "LogLikelihoodCost", "cost 'LogLikelihoodCost' is not one of"),
        ("sizes", None, [784, 3, 9], "last layer must have 10 neurons"),
        ("sizes", None, [784, 3.0, 10], "'sizes' must be a list of whole numbers"),
    ],
)
def test_bad_network2_json_is_refused(tmp_path, key, index, value, match):
    document = _set(_network2_document(np.random.default_rng(0)), key, index, value)
    _assert_refused(_write_json(tmp_path / "bad.json", document), match)


def test_network2_json_missing_keys(tmp_path):
    path = _write_json(tmp_path / "bad.json", {"sizes": [784, 10], "weights": []})
    _assert_refused(path, "lacks the key\\(s\\) biases, cost")


def test_truncated_network2_json(tmp_path):
    text = json.dumps(_network2_document(np.random.default_rng(0)))
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    _assert_refused(path, "not a network2 JSON file: not valid JSON")
