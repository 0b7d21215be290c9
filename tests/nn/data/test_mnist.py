"""Loading MNIST IDX folders: round trips, every kind of bad file, and the full set."""

from __future__ import annotations

import gzip
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nn.data.dataset import MnistSplits
from nn.data.mnist import DataError, has_mnist_files, load_idx_folder
from tests.nn.data.conftest import (
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    images_idx,
    labels_idx,
    write_idx_set,
)


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_round_trip(tmp_path: Path, gz: bool) -> None:
    arrays = write_idx_set(tmp_path, gz)
    splits = load_idx_folder(tmp_path)
    assert isinstance(splits, MnistSplits) and splits.source == str(tmp_path)
    # 12 training images: validation is the last sixth (2), training the first 10.
    assert (len(splits.training), len(splits.validation), len(splits.test)) == (10, 2, 5)
    for dataset in (splits.training, splits.validation, splits.test):
        assert dataset.images.dtype == np.float32 and dataset.labels.dtype == np.uint8
    assert splits.training.images[0, :3].tolist() == [0.0, 1.0, np.float32(128) / np.float32(255)]
    pixels, labels = arrays[TRAIN_IMAGES], arrays[TRAIN_LABELS]
    np.testing.assert_array_equal(splits.training.images, pixels[:10] / np.float32(255))
    np.testing.assert_array_equal(splits.validation.images, pixels[10:] / np.float32(255))
    np.testing.assert_array_equal(splits.training.labels, labels[:10])
    np.testing.assert_array_equal(splits.validation.labels, labels[10:])
    np.testing.assert_array_equal(splits.test.images, arrays[TEST_IMAGES] / np.float32(255))
    np.testing.assert_array_equal(splits.test.labels, arrays[TEST_LABELS])


def test_raw_and_gz_files_can_be_mixed(tmp_path: Path) -> None:
    write_idx_set(tmp_path, gz=True)
    raw = gzip.decompress((tmp_path / f"{TEST_LABELS}.gz").read_bytes())
    (tmp_path / f"{TEST_LABELS}.gz").unlink()
    (tmp_path / TEST_LABELS).write_bytes(raw)
    assert has_mnist_files(tmp_path)
    assert len(load_idx_folder(tmp_path).test) == 5


def _pixels_header(rows: int, cols: int) -> Callable[[bytes], bytes]:
    return lambda data: data[:8] + struct.pack(">II", rows, cols) + data[16:]


# (file to damage, how, words the message must hold)
CORRUPTIONS = {
    "truncated pixels": (TRAIN_IMAGES, lambda d: d[:-10], ["truncated", "12 images of 28x28"]),
    "trailing bytes": (TRAIN_IMAGES, lambda d: d + b"abc", ["3 bytes of trailing data"]),
    "truncated labels": (TEST_LABELS, lambda d: d[:-1], ["truncated", "5 labels"]),
    "trailing label": (TEST_LABELS, lambda d: d + b"\x01", ["1 byte of trailing data"]),
    "labels as images": (TRAIN_IMAGES, lambda d: labels_idx(np.zeros(12)), ["0x00000801", "2051"]),
    "images as labels": (TEST_LABELS, lambda d: images_idx(np.zeros((5, 784))), ["expected 2049"]),
    "wrong dims": (TEST_IMAGES, _pixels_header(27, 29), ["27x29", "expected 28x28"]),
    "label 11": (TRAIN_LABELS, lambda d: d[:-1] + b"\x0b", ["out of range 0-9", "11", "index 11"]),
    "count mismatch": (TEST_LABELS, lambda d: labels_idx(np.zeros(4)), ["5 images but 4 labels"]),
    "empty": (TRAIN_LABELS, lambda d: b"", ["empty"]),
    "short header": (TEST_IMAGES, lambda d: d[:10], ["truncated header"]),
    "random bytes": (TRAIN_IMAGES, lambda d: np.random.default_rng(1).bytes(5000), ["not an IDX"]),
    "gzip in a raw name": (TEST_IMAGES, gzip.compress, ["0x1f8b", "gzip"]),
}


@pytest.mark.parametrize("case", CORRUPTIONS)
def test_corrupt_raw_file_is_refused(tmp_path: Path, case: str) -> None:
    name, damage, words = CORRUPTIONS[case]
    write_idx_set(tmp_path, gz=False)
    (tmp_path / name).write_bytes(damage((tmp_path / name).read_bytes()))
    with pytest.raises(DataError) as caught:
        load_idx_folder(tmp_path)
    message = str(caught.value)
    named = TEST_IMAGES if case == "count mismatch" else name  # names the pair, images first
    assert message.startswith(named), message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda d: d[: len(d) // 2], "truncated gzip"),
        (lambda d: b"", "empty"),
        (lambda d: b"not gzip data at all", "not a valid gzip"),
        (lambda d: gzip.compress(gzip.decompress(d)[:-7]), "truncated: header says 12 images"),
    ],
    ids=["cut gzip", "empty", "not gzip", "truncated content"],
)
def test_corrupt_gz_file_is_refused(tmp_path: Path, damage: Callable, words: str) -> None:
    write_idx_set(tmp_path, gz=True)
    path = tmp_path / f"{TRAIN_IMAGES}.gz"
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(DataError, match=f"^{TRAIN_IMAGES}.gz: {words}"):
        load_idx_folder(tmp_path)


def test_missing_files_are_listed(tmp_path: Path) -> None:
    write_idx_set(tmp_path, gz=True)
    (tmp_path / f"{TRAIN_LABELS}.gz").unlink()
    (tmp_path / f"{TEST_IMAGES}.gz").unlink()
    assert not has_mnist_files(tmp_path)
    with pytest.raises(DataError) as caught:
        load_idx_folder(tmp_path)
    message = str(caught.value)
    assert str(tmp_path) in message and TRAIN_LABELS in message and TEST_IMAGES in message
    assert TRAIN_IMAGES not in message


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such folder"):
        load_idx_folder(tmp_path / "nowhere")
    assert not has_mnist_files(tmp_path / "nowhere")
    assert issubclass(DataError, ValueError)


@pytest.mark.mnist
def test_full_set(mnist_dir: Path) -> None:
    splits = load_idx_folder(mnist_dir)
    assert (len(splits.training), len(splits.validation), len(splits.test)) == (50000, 10000, 10000)
    assert splits.training.images.shape == (50000, 784)
    assert splits.training.images.dtype == np.float32
    for dataset in (splits.training, splits.validation, splits.test):
        assert dataset.images.min() == 0.0 and dataset.images.max() == 1.0
    # Well-known facts: the first training image is a 5, the first test image a 7, and the
    # test set holds 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 of digits 0-9.
    assert splits.training.labels[0] == 5
    assert splits.test.labels[0] == 7
    counts = np.bincount(splits.test.labels, minlength=10).tolist()
    assert counts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    all_training = np.concatenate([splits.training.labels, splits.validation.labels])
    assert np.bincount(all_training).tolist() == [
        5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949
    ]  # fmt: skip
