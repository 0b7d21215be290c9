"""The other MNIST formats: Keras ``mnist.npz`` (no pickle) and Nielsen's ``mnist.pkl.gz``
(through the restricted unpickler, which must refuse anything but NumPy arrays)."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import re
import shlex
import struct
import zipfile
from contextlib import nullcontext
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from nn.data.mnist import DataError, load_keras_npz, load_nielsen_pickle
from tests.nn.data.conftest import peak_allocation


def _keras_arrays(n_train: int = 12, n_test: int = 4) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    return {
        "x_train": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, size=n_train).astype(np.uint8),
        "x_test": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, size=n_test).astype(np.int64),
    }


def test_keras_npz_round_trip(tmp_path: Path) -> None:
    arrays = _keras_arrays()
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, **arrays)
    splits = load_keras_npz(path)
    assert splits.source == str(path)
    assert (len(splits.training), len(splits.validation), len(splits.test)) == (10, 2, 4)
    flat = arrays["x_train"].reshape(12, 784) / np.float32(255)
    np.testing.assert_array_equal(splits.training.images, flat[:10])
    np.testing.assert_array_equal(splits.validation.images, flat[10:])
    np.testing.assert_array_equal(splits.validation.labels, arrays["y_train"][10:])
    np.testing.assert_array_equal(splits.test.labels, arrays["y_test"])
    assert splits.test.labels.dtype == np.uint8 and splits.test.images.dtype == np.float32


class _Boom:
    """Pickles as a call that would leave a marker file behind if it were ever run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


def test_keras_npz_with_object_array_is_refused(tmp_path: Path) -> None:
    arrays = _keras_arrays()
    marker = tmp_path / "ran"
    arrays["y_train"] = np.array([_Boom(marker)] * 12, dtype=object)
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=r"^mnist\.npz: refused"):
        load_keras_npz(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"x_train": np.zeros((12, 28, 28), np.float32)}, "x_train is float32"),
        ({"x_test": np.zeros((4, 784), np.uint8)}, "expected uint8 (n, 28, 28)"),
        ({"y_train": np.full(12, 10)}, "labels out of range 0-9"),
        ({"y_test": np.zeros(3, np.uint8)}, "4 images but 3 labels"),
        ({"y_test": None}, "no array y_test (it holds x_train, y_train, x_test)"),
    ],
)
def test_bad_keras_npz_is_refused(tmp_path: Path, change: dict, words: str) -> None:
    arrays = {**_keras_arrays(), **change}
    path = tmp_path / "mnist.npz"
    np.savez(path, **{key: value for key, value in arrays.items() if value is not None})
    with pytest.raises(DataError, match=r"^mnist\.npz: ") as caught:
        load_keras_npz(path)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "not a valid .npz"),
        (b"PK\x03\x04 broken", "not a valid .npz"),
        (None, "file not found"),
    ],
)
def test_not_an_npz_is_refused(tmp_path: Path, content: bytes | None, words: str) -> None:
    path = tmp_path / "mnist.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match=rf"^mnist\.npz: {re.escape(words)}"):
        load_keras_npz(path)


def test_a_single_npy_array_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(DataError, match=r"^mnist\.npy: a single \.npy array"):
        load_keras_npz(path)


def _npy(header: str, data: bytes = b"", *, declared_length: int | None = None) -> bytes:
    """A ``.npy`` file (version 1.0) written by hand: ``header`` as given, then ``data``."""
    text = header.encode("latin1")
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    length = len(text) if declared_length is None else declared_length
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", length) + text + data


def _npy_of(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _header(descr: str, shape: tuple[int, ...]) -> str:
    return f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"


def _archive(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    """A zip of ``members``, each written as given (no NumPy involved)."""
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _sound_members() -> dict[str, bytes]:
    return {f"{key}.npy": _npy_of(value) for key, value in _keras_arrays().items()}


@pytest.mark.parametrize(
    ("member", "content", "words"),
    [
        ("x_train", _npy(_header("|u1", (10**9, 28, 28)), bytes(100)),
         "x_train holds 1,000,000,000 rows, at most 60,000 expected"),
        ("x_test", _npy(_header("|u1", (10_001, 28, 28)), bytes(100)),
         "x_test holds 10,001 rows, at most 10,000 expected"),
        ("y_train", _npy(_header("<i8", (2**62,)), bytes(100)),
         "y_train holds 4,611,686,018,427,387,904 rows, at most 60,000 expected"),
        ("x_train", _npy(_header("|u1", (-1, 28, 28))), "x_train is uint8 (-1, 28, 28), expected"),
        ("x_train", _npy(_header("<f8", (10**12, 28, 28))), "x_train is float64"),
        ("y_test", _npy(_header("|O", (4,))), "refused y_test: it holds Python objects"),
        ("x_train", _npy("{'descr': '|u1', 'fortran_order': False, 'shape': ((((((("),
         "corrupt .npz archive"),
        ("x_train", _npy("{'descr': '|u1', 'shape': (1, 28, 28) 'fortran_order': False}"),
         "corrupt .npz archive"),
        ("x_train", _npy("[" * 5000), "corrupt .npz archive"),
        ("x_train", _npy("{'descr': '|u1', 'fortran_order': False, 'shape': "
                         + "(" * 300 + "1" + ")" * 300 + "}"), "corrupt .npz archive"),
        ("x_train", _npy(_header("|u1", (1, 28, 28)), declared_length=65_535),
         "corrupt .npz archive"),
        ("x_train", b"\x93NUMPY\x01", "corrupt .npz archive"),
        ("x_train", _npy(_header("|u1", (1, 28, 28)), bytes(783)),
         "x_train: truncated (783 of 784 bytes of data)"),
        ("x_train", _npy(_header("|u1", (1, 28, 28)), bytes(785)),
         "x_train: trailing data after its 784"),
        ("x_train", b"\x93NUMPY\x03\x00" + bytes(60), "x_train is a .npy file of version (3, 0)"),
    ],
)  # fmt: skip
def test_npz_member_declaring_bad_sizes_is_refused(
    tmp_path: Path, member: str, content: bytes, words: str
) -> None:
    members = _sound_members()
    members[f"{member}.npy"] = content
    path = _archive(tmp_path / "mnist.npz", members)
    with pytest.raises(DataError, match=r"^mnist\.npz: ") as caught:
        load_keras_npz(path)
    message = str(caught.value)
    assert words in message and len(message) < 200, message


def test_npz_member_inflating_past_its_header_is_not_inflated(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in _sound_members().items():
            if name != "x_train.npy":
                archive.writestr(name, data)
        with archive.open("x_train.npy", "w") as member:  # 12 images declared, 40 MiB of data
            member.write(_npy(_header("|u1", (12, 28, 28))))
            for _ in range(40):
                member.write(bytes(2**20))
    assert path.stat().st_size < 2**20
    peak = peak_allocation(lambda: load_keras_npz(path))
    assert peak < 16 * 2**20
    with pytest.raises(
        DataError, match=r"^mnist\.npz: x_train: trailing data after its 9,408 bytes"
    ):
        load_keras_npz(path)


def _patched_size(data: bytes, name: bytes, size: int) -> bytes:
    """``data`` (a zip without Zip64 entries) with the uncompressed size of member ``name`` in
    its central directory set to ``size``."""
    entry = data.index(b"PK\x01\x02")
    while data[entry + 46 : entry + 46 + len(name)] != name:
        entry = data.index(b"PK\x01\x02", entry + 4)
    return data[: entry + 24] + struct.pack("<I", size) + data[entry + 28 :]


def test_npz_member_declaring_a_huge_size_is_refused_before_reading(tmp_path: Path) -> None:
    sound = _archive(tmp_path / "sound.npz", _sound_members()).read_bytes()
    path = tmp_path / "mnist.npz"
    path.write_bytes(_patched_size(sound, b"y_train.npy", 4_000_000_000))
    with pytest.raises(DataError, match=r"^mnist\.npz: y_train holds 4,000,000,000 bytes, at most"):
        load_keras_npz(path)


def test_npz_with_a_huge_directory_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    members = _sound_members()
    members.update({f"padding{index}": b"" for index in range(3000)})  # ~170 kB of directory
    path = _archive(tmp_path / "mnist.npz", members)
    with pytest.raises(DataError, match=r"^mnist\.npz: not a valid \.npz archive \(its directory"):
        load_keras_npz(path)


@pytest.mark.parametrize("second", ["x_test.npy", "x_test"])
def test_npz_with_two_members_for_one_array_is_refused(tmp_path: Path, second: str) -> None:
    path = _archive(tmp_path / "mnist.npz", _sound_members())
    with (
        pytest.warns(UserWarning, match="Duplicate name")
        if second == "x_test.npy"
        else nullcontext(),
        zipfile.ZipFile(path, "a") as archive,
    ):
        archive.writestr(second, _npy_of(np.zeros((4, 28, 28), np.uint8)))
    with pytest.raises(DataError, match=r"^mnist\.npz: 2 members named x_test\[\.npy\]$"):
        load_keras_npz(path)


def test_npz_compressed_other_than_by_deflate_is_refused(tmp_path: Path) -> None:
    path = _archive(tmp_path / "mnist.npz", _sound_members(), zipfile.ZIP_BZIP2)
    with pytest.raises(DataError, match=r"^mnist\.npz: x_train is compressed with method 12"):
        load_keras_npz(path)


def test_npz_with_damaged_data_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, **_keras_arrays(n_train=600))
    data = bytearray(path.read_bytes())
    start = data.index(b"x_train.npy") + 200  # inside the deflated pixels
    data[start : start + 16] = bytes(16)
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"^mnist\.npz: corrupt \.npz archive \("):
        load_keras_npz(path)


def test_fortran_ordered_npz_arrays_load_as_numpy_reads_them(tmp_path: Path) -> None:
    arrays = _keras_arrays()
    arrays["x_train"] = np.asfortranarray(arrays["x_train"])
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays)
    splits = load_keras_npz(path)
    expected = arrays["x_train"].reshape(12, 784) / np.float32(255)
    np.testing.assert_array_equal(splits.training.images, expected[:10])


class _Python2Pickler(pickle._Pickler):
    """Writes ``bytes`` as a Python 2 ``str`` (BINSTRING), as Python 2 did for array data."""

    dispatch: ClassVar[dict] = dict(pickle._Pickler.dispatch)

    def _save_python2_str(self, obj: bytes) -> None:
        self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = _save_python2_str


def _python2_pickle(content: object) -> bytes:
    """A pickle like one written by Python 2 with NumPy 1 (``numpy.core``), protocol 2."""
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(content)
    return buffer.getvalue().replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")


def _nielsen_content() -> tuple:
    """Nielsen's layout: (training, validation, test), each (float32 (n, 784), int64 (n,))."""
    rng = np.random.default_rng(5)

    def pair(n: int) -> tuple[np.ndarray, np.ndarray]:
        images = rng.integers(0, 256, size=(n, 784)).astype(np.float32) / 256
        return images, rng.integers(0, 10, size=n).astype(np.int64)

    return pair(8), pair(3), pair(4)


@pytest.mark.parametrize("protocol", ["python2", 2, 4, 5])
def test_nielsen_pickle_round_trip(tmp_path: Path, protocol: str | int) -> None:
    content = _nielsen_content()
    if protocol == "python2":
        data = _python2_pickle(content)
        assert b"numpy.core.multiarray" in data and pickle.BINSTRING in data
    else:
        data = pickle.dumps(content, protocol=protocol)
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(data))
    splits = load_nielsen_pickle(path)
    assert splits.source == str(path)
    for dataset, (images, labels) in zip(
        (splits.training, splits.validation, splits.test), content, strict=True
    ):  # Nielsen's own validation set is kept
        np.testing.assert_array_equal(dataset.images, images)
        np.testing.assert_array_equal(dataset.labels, labels)
        assert dataset.images.dtype == np.float32 and dataset.labels.dtype == np.uint8


@pytest.mark.parametrize("place", ["whole", "inside"])
def test_malicious_pickle_is_refused_and_runs_nothing(tmp_path: Path, place: str) -> None:
    marker = tmp_path / "ran"
    training, validation, test = _nielsen_content()
    boom = _Boom(marker)
    content = boom if place == "whole" else (training, validation, (test[0], boom))
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(pickle.dumps(content, protocol=2)))
    with pytest.raises(DataError, match=r"^mnist\.pkl\.gz: refused .*system"):
        load_nielsen_pickle(path)
    assert not marker.exists()


def test_pickle_calling_eval_is_refused(tmp_path: Path) -> None:
    data = b"\x80\x02cbuiltins\neval\nX\x0c\x00\x00\x00print('hi!')\x85R."
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(data))
    with pytest.raises(DataError, match=r"refused to unpickle the global builtins\.eval"):
        load_nielsen_pickle(path)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ((1, 2), "expected a (training, validation, test) tuple"),
        ([np.zeros(3)] * 3, "expected a (training, validation, test) tuple"),
        ("bad images", "test images are float64 (4, 783)"),
        ("bad pixels", "test images have pixel values outside [0, 1]"),
        ("bad labels", "test labels: labels out of range 0-9"),
    ],
)
def test_bad_nielsen_pickle_is_refused(tmp_path: Path, content: object, words: str) -> None:
    training, validation, test = _nielsen_content()
    if content == "bad images":
        content = (training, validation, (np.zeros((4, 783)), test[1]))
    elif content == "bad pixels":
        content = (training, validation, (test[0] * 255, test[1]))
    elif content == "bad labels":
        content = (training, validation, (test[0], test[1] - 1))
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(pickle.dumps(content)))
    with pytest.raises(DataError, match=r"^mnist\.pkl\.gz: ") as caught:
        load_nielsen_pickle(path)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("data", "words"),
    [(b"not gzip", "not a valid gzip"), (gzip.compress(b"garbage"), "not a valid pickle")],
)
def test_not_a_pickle_is_refused(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(data)
    with pytest.raises(DataError, match=rf"^mnist\.pkl\.gz: {re.escape(words)}"):
        load_nielsen_pickle(path)
