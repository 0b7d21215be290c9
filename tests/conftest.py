"""Shared test settings: Qt runs headless, and the full MNIST set is found through MNIST_DIR."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder of the full MNIST IDX files; skips the test when MNIST_DIR does not hold them."""
    folder = os.environ.get("MNIST_DIR")
    if not folder:
        pytest.skip("full MNIST not available: set MNIST_DIR to a folder of the four IDX files")
    path = Path(folder).resolve()
    missing = [name for name in MNIST_FILES if not (path / name).exists()]
    if missing:
        pytest.skip(f"full MNIST not available: {path} lacks {', '.join(missing)}")
    return path
