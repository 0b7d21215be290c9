"""Small MNIST IDX folders written by hand, for the loading and finding tests; small files that
inflate to huge ones, and a measure of the memory a refusal takes."""

from __future__ import annotations

import gzip
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nn.data.idx import DataError

NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
TEST_NAMES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
TRAIN_IMAGES, TRAIN_LABELS = NAMES
TEST_IMAGES, TEST_LABELS = TEST_NAMES


def images_idx(pixels: np.ndarray, rows: int = 28, cols: int = 28) -> bytes:
    """IDX image bytes written by hand (not with the code under test)."""
    return struct.pack(">IIII", 2051, len(pixels), rows, cols) + pixels.astype(np.uint8).tobytes()


def labels_idx(labels: np.ndarray) -> bytes:
    """IDX label bytes written by hand."""
    return struct.pack(">II", 2049, len(labels)) + labels.astype(np.uint8).tobytes()


def write_idx_set(
    folder: Path, gz: bool, n_train: int = 12, n_test: int = 5
) -> dict[str, np.ndarray]:
    """Four small valid IDX files in ``folder``; returns the arrays written, by file name."""
    rng = np.random.default_rng(n_train)
    arrays = {
        TRAIN_IMAGES: rng.integers(0, 256, size=(n_train, 784), dtype=np.uint8),
        TRAIN_LABELS: np.arange(n_train, dtype=np.uint8) % 10,
        TEST_IMAGES: rng.integers(0, 256, size=(n_test, 784), dtype=np.uint8),
        TEST_LABELS: (np.arange(n_test, dtype=np.uint8) * 3) % 10,
    }
    arrays[TRAIN_IMAGES][0, :3] = (0, 255, 128)  # the extremes and a midpoint, for exact values
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        data = images_idx(array) if "images" in name else labels_idx(array)
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return arrays


def gzip_of_zeros(size: int, prefix: bytes = b"") -> bytes:
    """A small gzip file inflating to ``prefix`` then ``size`` zero bytes: one member of 1 MiB of
    zeros repeated (gzip readers join members), so that even 1 GiB takes about 1 MB on disk."""
    chunk = 2**20
    member = gzip.compress(bytes(chunk), compresslevel=9, mtime=0)
    whole, rest = divmod(size, chunk)
    parts = [gzip.compress(prefix, mtime=0)] if prefix else []
    parts += [member] * whole
    if rest:
        parts.append(gzip.compress(bytes(rest), mtime=0))
    return b"".join(parts)


def peak_allocation(action: Callable[[], object]) -> int:
    """The peak of memory allocated (bytes, as tracemalloc counts Python's and NumPy's
    allocations) while ``action`` runs; ``action`` must raise DataError."""
    tracemalloc.start()
    try:
        with pytest.raises(DataError):
            action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
