"""Finding MNIST (explicit folder, MNIST_DIR, user data folder, committed sample) and the
committed sample itself, including that data/make_sample.py reproduces it exactly."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from nn.data.mnist import DataError, find_mnist, load_sample
from nn.paths import bundled_file, user_data_dir
from tests.nn.data.conftest import TEST_LABELS, write_idx_set


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """An env folder and a user data folder in tmp_path, both empty; MNIST_DIR unset."""
    for variable in ("HOME", "XDG_DATA_HOME", "APPDATA"):
        monkeypatch.setenv(variable, str(tmp_path / "home"))
    monkeypatch.delenv("MNIST_DIR", raising=False)
    user = user_data_dir() / "mnist"
    assert tmp_path in user.parents  # never the real user data folder
    return {"env": tmp_path / "env", "user": user, "explicit": tmp_path / "explicit"}


def test_find_prefers_an_explicit_folder(places: dict[str, Path], monkeypatch) -> None:
    for place in places.values():
        write_idx_set(place, gz=True)
    monkeypatch.setenv("MNIST_DIR", str(places["env"]))
    assert find_mnist(places["explicit"]).source == str(places["explicit"])
    assert find_mnist(str(places["explicit"])).source == str(places["explicit"])


def test_find_explicit_folder_errors_propagate(places: dict[str, Path], monkeypatch) -> None:
    write_idx_set(places["env"], gz=True)
    monkeypatch.setenv("MNIST_DIR", str(places["env"]))
    with pytest.raises(DataError, match="no such folder"):
        find_mnist(places["explicit"])


def test_find_then_mnist_dir_then_user_folder_then_sample(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert find_mnist().source == "committed sample"
    write_idx_set(places["user"], gz=True)
    assert find_mnist().source == str(places["user"])
    monkeypatch.setenv("MNIST_DIR", str(places["env"]))  # set, but the folder does not exist
    assert find_mnist().source == str(places["user"])
    places["env"].mkdir()  # exists, but empty
    assert find_mnist().source == str(places["user"])
    write_idx_set(places["env"], gz=False)
    assert find_mnist().source == str(places["env"])


def test_find_reports_corrupt_files_instead_of_skipping_them(places, monkeypatch) -> None:
    write_idx_set(places["env"], gz=False)
    (places["env"] / TEST_LABELS).write_bytes(b"")
    monkeypatch.setenv("MNIST_DIR", str(places["env"]))
    with pytest.raises(DataError, match=f"^{TEST_LABELS}: empty file"):
        find_mnist()


def test_sample_is_small_and_stratified() -> None:
    splits = load_sample()
    assert splits.source == "committed sample"
    # data/README.md: 500 / 100 / 100 images of each digit.
    for dataset, per_digit in (
        (splits.training, 500),
        (splits.validation, 100),
        (splits.test, 100),
    ):
        assert np.bincount(dataset.labels, minlength=10).tolist() == [per_digit] * 10
        assert dataset.images.dtype == np.float32
        assert dataset.images.min() >= 0.0 and dataset.images.max() <= 1.0
        assert dataset.images.max() == 1.0  # MNIST digits have full-intensity pixels
    # Interleaved: every digit appears among the first 10 training images.
    assert sorted(splits.training.labels[:10].tolist()) == list(range(10))


@pytest.mark.mnist
def test_make_sample_reproduces_the_committed_sample(mnist_dir: Path, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_sample", bundled_file("data/make_sample.py")
    )
    assert spec is not None and spec.loader is not None
    make_sample = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_sample)
    assert make_sample.main([str(mnist_dir), "--out", str(tmp_path)]) == 0
    committed = bundled_file("data/sample")
    names = sorted(path.name for path in committed.iterdir())
    assert names == sorted(path.name for path in tmp_path.iterdir())
    for name in names:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name
