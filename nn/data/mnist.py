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
import zipfile
import zlib
from pathlib import Path

import numpy as np

from nn.data.dataset import Dataset, MnistSplits
from nn.data.idx import DataError, check_label_range, parse_images, parse_labels, read_bytes
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
    """The four MNIST IDX files in ``folder``, validated; ``source`` is the folder's path."""
    path = Path(folder)
    if not path.is_dir():
        raise DataError(f"{path}: no such folder")
    files = {name: idx_file(path, name) for name in IDX_NAMES}
    missing = [f"{name}[.gz]" for name, file in files.items() if file is None]
    if missing:
        raise DataError(f"{path}: missing MNIST file(s): {', '.join(missing)}")
    train_images, train_labels, test_images, test_labels = (files[name] for name in IDX_NAMES)
    assert train_images and train_labels and test_images and test_labels
    train = parse_images(read_bytes(train_images), train_images.name)
    train_y = parse_labels(read_bytes(train_labels), train_labels.name)
    test = parse_images(read_bytes(test_images), test_images.name)
    test_y = parse_labels(read_bytes(test_labels), test_labels.name)
    _check_counts(train, train_y, f"{train_images.name} and {train_labels.name}")
    _check_counts(test, test_y, f"{test_images.name} and {test_labels.name}")
    return _split((train, train_y), (test, test_y), str(path))


def _npz_pair(archive: np.lib.npyio.NpzFile, prefix: str, name: str) -> tuple[np.ndarray, ...]:
    """Checked ``x_{prefix}`` (n, 28, 28) uint8 as (n, 784) and ``y_{prefix}`` (n,) integers."""
    keys = (f"x_{prefix}", f"y_{prefix}")
    missing = [key for key in keys if key not in archive.files]
    if missing:
        raise DataError(f"{name}: no array {missing[0]} (it holds {', '.join(archive.files)})")
    try:
        images, labels = archive[keys[0]], archive[keys[1]]
    except ValueError as error:  # object arrays, which would need pickle
        raise DataError(f"{name}: refused {keys[0]} or {keys[1]}: {error}") from None
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(
            f"{name}: {keys[0]} is {images.dtype} {images.shape}, expected uint8 (n, 28, 28)"
        )
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise DataError(f"{name}: {keys[1]} is {labels.dtype} {labels.shape}, expected (n,) int")
    _check_counts(images, labels, f"{name}: {keys[0]} and {keys[1]}")
    check_label_range(labels, f"{name}: {keys[1]}")
    return images.reshape(len(images), IMAGE_PIXELS), labels


def load_keras_npz(path: str | Path) -> MnistSplits:
    """A Keras-style ``mnist.npz`` (``x_train`` (60000, 28, 28) uint8, ``y_train``, ``x_test``,
    ``y_test``), read without pickle; ``source`` is the file's path."""
    file = Path(path)
    try:
        handle = file.open("rb")  # opened here: np.load leaks its own handle on a bad zip
    except FileNotFoundError:
        raise DataError(f"{file.name}: file not found in {file.parent}") from None
    except OSError as error:
        raise DataError(f"{file.name}: cannot be read ({error.strerror or error})") from None
    with handle:
        try:
            archive = np.load(handle, allow_pickle=False)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise DataError(f"{file.name}: not a valid .npz archive ({error})") from None
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise DataError(f"{file.name}: a single .npy array, not an .npz archive")
        with archive:
            try:
                train = _npz_pair(archive, "train", file.name)
                test = _npz_pair(archive, "test", file.name)
            except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
                raise DataError(f"{file.name}: corrupt .npz archive ({error})") from None
    return _split(train, test, str(file))


def _nielsen_set(value: object, what: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """One ``(images float (n, 784) in [0, 1], labels int (n,))`` pair of Nielsen's pickle."""
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
    return images.astype(np.float32), labels.astype(np.uint8)


def load_nielsen_pickle(path: str | Path) -> MnistSplits:
    """Nielsen's ``mnist.pkl.gz``: a gzipped Python 2 pickle of ``(training, validation, test)``
    pairs, read with a restricted unpickler; his validation set is kept as it is."""
    file = Path(path)
    try:
        with gzip.open(file, "rb") as stream:
            content = safe_load(stream, file.name, encoding="latin1")
    except FileNotFoundError:
        raise DataError(f"{file.name}: file not found in {file.parent}") from None
    except (OSError, zlib.error) as error:
        raise DataError(f"{file.name}: not a valid gzip file ({error})") from None
    if not (isinstance(content, tuple) and len(content) == 3):
        raise DataError(f"{file.name}: expected a (training, validation, test) tuple")
    sets = [
        Dataset(*_nielsen_set(value, what, file.name))
        for value, what in zip(content, ("training", "validation", "test"), strict=True)
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
