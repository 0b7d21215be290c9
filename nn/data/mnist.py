"""Loading MNIST into :class:`MnistSplits`, from IDX files, a Keras ``mnist.npz``, Nielsen's
``mnist.pkl.gz`` or the committed sample, and finding which of them to use.

Every loader returns images as ``(n, 784)`` float32 in [0, 1] (pixel / 255, white digit on
black) and labels as ``(n,)`` uint8 0-9, and raises :class:`DataError` for any bad file.
For the 60,000 training images of IDX and Keras files, validation is the last sixth
(the last 10,000) and training the rest (the first 50,000); test is MNIST's 10,000 test images.
"""

from __future__ import annotations

import gzip
import os
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np

from nn.data.dataset import Dataset, MnistSplits
from nn.data.idx import (
    MAX_TEST_IMAGES,
    MAX_TRAINING_IMAGES,
    DataError,
    check_label_range,
    describe,
    open_regular,
    read_images,
    read_labels,
    read_up_to,
)
from nn.data.safe_pickle import safe_load
from nn.digits import IMAGE_PIXELS, IMAGE_SIDE
from nn.paths import bundled_file, user_data_dir

__all__ = [
    "IDX_NAMES",
    "SAMPLE_SOURCE",
    "DataError",
    "find_mnist",
    "has_mnist_files",
    "load_idx_folder",
    "load_keras_npz",
    "load_nielsen_pickle",
    "load_sample",
    "local_mnist_folder",
]

# The four IDX files, each stored raw or with ".gz" appended.
IDX_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
SAMPLE_SOURCE = "committed sample"

MAX_COUNTS = {"train": MAX_TRAINING_IMAGES, "test": MAX_TEST_IMAGES}
"""The most images (and labels) each part of MNIST holds, in any of its formats."""
MAX_NPY_HEADER = 10_000
"""The longest ``.npy`` header read (NumPy's own limit); a member may hold that much more than
its array's bytes."""
MAX_ZIP_DIRECTORY = 65_536
"""The largest zip central directory read (an MNIST archive's directory lists four members in a
few hundred bytes); a larger one is refused before the zip module parses it entry by entry."""


def _scaled(pixels: np.ndarray) -> np.ndarray:
    """``(n, 784)`` uint8 0-255 → float32 in [0, 1], in one division."""
    return np.divide(pixels, np.float32(255), dtype=np.float32)


def _check_counts(images: np.ndarray, labels: np.ndarray, what: str) -> None:
    """Raise unless there are as many labels as images."""
    if len(images) != len(labels):
        raise DataError(f"{what}: {len(images)} images but {len(labels)} labels")


def _split(train: tuple[np.ndarray, ...], test: tuple[np.ndarray, ...], source: str) -> MnistSplits:
    """Checked ``((n, 784) uint8 pixels, (n,) labels)`` pairs → splits; validation is the last
    sixth of ``train``."""
    images, labels = _scaled(train[0]), train[1].astype(np.uint8)
    first = len(labels) - len(labels) // 6
    return MnistSplits(
        training=Dataset(images[:first], labels[:first]),
        validation=Dataset(images[first:], labels[first:]),
        test=Dataset(_scaled(test[0]), test[1].astype(np.uint8)),
        source=source,
    )


def idx_file(folder: Path, name: str) -> Path | None:
    """The raw or ``.gz`` file for ``name`` in ``folder`` (raw first), or None."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def has_mnist_files(folder: str | Path) -> bool:
    """Whether ``folder`` holds all four IDX files (raw or ``.gz``); their content is not read."""
    path = Path(folder)
    return path.is_dir() and all(idx_file(path, name) for name in IDX_NAMES)


def load_idx_folder(folder: str | Path) -> MnistSplits:
    """The four MNIST IDX files in ``folder``, validated; ``source`` is the folder's path.

    The training files may hold at most 60,000 images or labels and the ``t10k`` files 10,000
    (MNIST's sizes); a header declaring more is refused before the body is read.
    """
    path = Path(folder)
    if not path.is_dir():
        raise DataError(f"{path}: no such folder")
    files = {name: idx_file(path, name) for name in IDX_NAMES}
    missing = [f"{name}[.gz]" for name, file in files.items() if file is None]
    if missing:
        raise DataError(f"{path}: missing MNIST file(s): {', '.join(missing)}")
    train_images, train_labels, test_images, test_labels = (files[name] for name in IDX_NAMES)
    assert train_images and train_labels and test_images and test_labels
    train = read_images(train_images, MAX_COUNTS["train"])
    train_y = read_labels(train_labels, MAX_COUNTS["train"])
    test = read_images(test_images, MAX_COUNTS["test"])
    test_y = read_labels(test_labels, MAX_COUNTS["test"])
    _check_counts(train, train_y, f"{train_images.name} and {train_labels.name}")
    _check_counts(test, test_y, f"{test_images.name} and {test_labels.name}")
    return _split((train, train_y), (test, test_y), str(path))


def load_keras_npz(path: str | Path) -> MnistSplits:
    """A Keras-style ``mnist.npz`` (``x_train`` (60000, 28, 28) uint8, ``y_train``, ``x_test``,
    ``y_test``), read without pickle; ``source`` is the file's path.

    Each member's size, ``.npy`` header, dtype and shape are checked before its data is read, so
    a damaged or hostile archive is refused without inflating more than an MNIST array.
    """
    file = Path(path)
    with open_regular(file) as handle:
        if handle.read(6) == b"\x93NUMPY":
            raise DataError(f"{file.name}: a single .npy array, not an .npz archive")
        try:
            _check_zip_directory(handle, file.name)
            archive = zipfile.ZipFile(handle)
        except DataError:
            raise
        except Exception as error:  # zipfile raises many kinds on a damaged archive
            raise DataError(
                f"{file.name}: not a valid .npz archive ({type(error).__name__}: {describe(error)})"
            ) from None
        with archive:
            try:
                train = _npz_pair(archive, "train", file.name)
                test = _npz_pair(archive, "test", file.name)
            except DataError:
                raise
            except Exception as error:  # zipfile's, zlib's and NumPy's errors on damaged data
                why = f"{type(error).__name__}: {describe(error)}"
                raise DataError(f"{file.name}: corrupt .npz archive ({why})") from None
    return _split(train, test, str(file))


def _check_zip_directory(handle: BinaryIO, name: str) -> None:
    """Raise unless the zip central directory that ``zipfile`` would read is at most
    :data:`MAX_ZIP_DIRECTORY` bytes; finds it as ``zipfile`` does (end record, then Zip64)."""
    end = handle.seek(0, os.SEEK_END)
    tail_start = max(end - 22 - 65_535, 0)
    handle.seek(tail_start)
    tail = handle.read()
    if tail[-22:-18] == b"PK\x05\x06" and tail[-2:] == b"\x00\x00":
        found = len(tail) - 22
    else:
        found = tail.rfind(b"PK\x05\x06")
        if found < 0 or len(tail) - found < 22:
            return  # no end record: zipfile says so
    (size,) = struct.unpack_from("<I", tail, found + 12)
    position = tail_start + found
    if position >= 20 + 56:  # a Zip64 locator and end record just before it take precedence
        handle.seek(position - 20)
        locator = handle.read(20)
        if locator[:4] == b"PK\x06\x07":
            handle.seek(position - 20 - 56)
            record = handle.read(56)
            if record[:4] == b"PK\x06\x06":
                (size,) = struct.unpack_from("<Q", record, 40)
    if size > MAX_ZIP_DIRECTORY:
        raise DataError(
            f"{name}: not a valid .npz archive (its directory "
            f"takes {size:,} bytes, at most {MAX_ZIP_DIRECTORY:,} expected)"
        )
    handle.seek(0)


def _npz_pair(archive: zipfile.ZipFile, prefix: str, name: str) -> tuple[np.ndarray, ...]:
    """Checked ``x_{prefix}`` (n, 28, 28) uint8 as (n, 784) and ``y_{prefix}`` (n,) integers."""
    keys = (f"x_{prefix}", f"y_{prefix}")
    members: dict[str, list[str]] = {}
    for member in archive.namelist():
        members.setdefault(member.removesuffix(".npy"), []).append(member)
    missing = [key for key in keys if key not in members]
    if missing:
        held = ", ".join(f"{key:.40}" for key in list(members)[:8])
        more = ", …" if len(members) > 8 else ""
        raise DataError(f"{name}: no array {missing[0]} (it holds {held}{more})")
    for key in keys:
        if len(members[key]) > 1:  # which one would be read is up to the zip reader
            raise DataError(f"{name}: {len(members[key])} members named {key}[.npy]")
    limit = MAX_COUNTS[prefix]
    images = _npz_array(archive, members[keys[0]][0], name, limit, _image_layout)
    labels = _npz_array(archive, members[keys[1]][0], name, limit, _label_layout)
    _check_counts(images, labels, f"{name}: {keys[0]} and {keys[1]}")
    check_label_range(labels, f"{name}: {keys[1]}")
    return images.reshape(len(images), IMAGE_PIXELS), labels


class _Layout(NamedTuple):
    """What one array of an MNIST archive must be: images or labels."""

    images: bool
    expected: str  # in words, for messages
    row_bytes: int  # the most bytes one row (image or label) may take

    def accepts(self, dtype: np.dtype, shape: tuple[int, ...]) -> bool:
        if self.images:
            return dtype == np.uint8 and len(shape) == 3 and shape[1:] == (IMAGE_SIDE, IMAGE_SIDE)
        return len(shape) == 1 and dtype.kind in "iu"


_image_layout = _Layout(True, "expected uint8 (n, 28, 28)", IMAGE_PIXELS)
_label_layout = _Layout(False, "expected (n,) int", 8)


def _npz_array(
    archive: zipfile.ZipFile, member: str, name: str, limit: int, layout: _Layout
) -> np.ndarray:
    """The array in zip member ``member``, read only once its zip entry and ``.npy`` header
    declare a dtype and shape ``layout`` accepts, with at most ``limit`` rows."""
    key = member.removesuffix(".npy")
    info = archive.getinfo(member)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise DataError(f"{name}: {key} is compressed with method {info.compress_type}")
    most = MAX_NPY_HEADER + limit * layout.row_bytes
    if info.file_size > most:
        raise DataError(f"{name}: {key} holds {info.file_size:,} bytes, at most {most:,} expected")
    with archive.open(info) as stream:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream, MAX_NPY_HEADER)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream, MAX_NPY_HEADER)
        else:
            raise DataError(f"{name}: {key} is a .npy file of version {version}")
        if dtype.hasobject:
            raise DataError(f"{name}: refused {key}: it holds Python objects (that needs pickle)")
        if not layout.accepts(dtype, shape) or min(shape) < 0:
            raise DataError(f"{name}: {key} is {dtype} {shape!s:.60}, {layout.expected}")
        if shape[0] > limit:
            raise DataError(f"{name}: {key} holds {shape[0]:,} rows, at most {limit:,} expected")
        count = int(np.prod(shape, dtype=np.int64))
        expected = count * dtype.itemsize
        data = read_up_to(stream, expected + 1)
    if len(data) < expected:
        raise DataError(f"{name}: {key}: truncated ({len(data):,} of {expected:,} bytes of data)")
    if len(data) > expected:
        raise DataError(f"{name}: {key}: trailing data after its {expected:,} bytes of data")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran else "C")


def _nielsen_set(value: object, what: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """One checked ``(images float (n, 784) in [0, 1], labels int (n,))`` pair of Nielsen's
    pickle, as it was found (converted by the caller once all three sets are checked)."""
    if not (isinstance(value, tuple) and len(value) == 2):
        raise DataError(f"{name}: the {what} set is not an (images, labels) pair")
    images, labels = value
    if not all(isinstance(array, np.ndarray) for array in value):
        raise DataError(f"{name}: the {what} set does not hold NumPy arrays")
    if images.dtype.kind != "f" or images.ndim != 2 or images.shape[1] != IMAGE_PIXELS:
        raise DataError(
            f"{name}: {what} images are {images.dtype} {images.shape}, expected (n, 784)"
        )
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise DataError(f"{name}: {what} labels are {labels.dtype} {labels.shape}, expected (n,)")
    _check_counts(images, labels, f"{name}: {what} set")
    if images.size and not (np.all(np.isfinite(images)) and 0 <= images.min() <= images.max() <= 1):
        raise DataError(f"{name}: {what} images have pixel values outside [0, 1]")
    check_label_range(labels, f"{name}: {what} labels")
    return images, labels


def load_nielsen_pickle(path: str | Path) -> MnistSplits:
    """Nielsen's ``mnist.pkl.gz``: a gzipped Python 2 pickle of ``(training, validation, test)``
    pairs, read with a restricted unpickler; his validation set is kept as it is.

    The unpickler reads at most :data:`nn.data.safe_pickle.MAX_PICKLE_BYTES` (the real file
    inflates to about 220 MB) and builds nothing but checked NumPy arrays.
    """
    file = Path(path)
    with open_regular(file) as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            raise DataError(f"{file.name}: empty file")
        try:
            with gzip.GzipFile(fileobj=handle, mode="rb") as stream:
                content = safe_load(stream, file.name)
        except EOFError:
            raise DataError(f"{file.name}: truncated gzip stream (incomplete download?)") from None
        except (OSError, zlib.error) as error:
            raise DataError(f"{file.name}: not a valid gzip file ({describe(error)})") from None
    if not (isinstance(content, tuple) and len(content) == 3):
        raise DataError(f"{file.name}: expected a (training, validation, test) tuple")
    checked = [
        _nielsen_set(value, what, file.name)
        for value, what in zip(content, ("training", "validation", "test"), strict=True)
    ]
    del content
    sets = [
        Dataset(images.astype(np.float32), labels.astype(np.uint8)) for images, labels in checked
    ]
    return MnistSplits(*sets, source=str(file))


def load_sample() -> MnistSplits:
    """The small stratified sample committed in ``data/sample/`` (see ``data/README.md``)."""
    splits = load_idx_folder(bundled_file("data/sample"))
    return MnistSplits(splits.training, splits.validation, splits.test, source=SAMPLE_SOURCE)


def find_mnist(folder: str | Path | None = None) -> MnistSplits:
    """MNIST from the first place that has it: ``folder`` if given (its errors are raised),
    else ``$MNIST_DIR``, else ``user_data_dir() / "mnist"`` (where downloads go), else the
    committed sample. Files that are found but corrupt raise DataError rather than being
    skipped; ``source`` of the result says which place was used."""
    if folder is not None:
        return load_idx_folder(folder)
    local = local_mnist_folder()
    return load_sample() if local is None else load_idx_folder(local)


def local_mnist_folder() -> Path | None:
    """The first folder that holds the four MNIST IDX files (:func:`has_mnist_files`, content not
    read): ``$MNIST_DIR``, else ``user_data_dir() / "mnist"`` (where downloads go); None if
    neither does."""
    for candidate in (os.environ.get("MNIST_DIR"), user_data_dir() / "mnist"):
        if candidate and has_mnist_files(candidate):
            return Path(candidate)
    return None
