"""Shared test settings: Qt runs headless, and the full MNIST set is found through MNIST_DIR;
small pen-digit files cut from the committed one."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import pytest

from nn.data.pendigits import TRAINING_FILE

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PEN_DIGITS_TEST_FILE = (
    Path(__file__).resolve().parents[2] / "shared/data/pendigits/pendigits-orig.tes.gz"
)
"""The pen-digit test file (14 writers) beside the project, read-only; tests skip without it."""

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


def write_pen_digits(path: Path, count: int) -> Path:
    """Write the first ``count`` digits of the committed pen-digit file to ``path`` (UNIPEN text,
    header included): labels 8, 2, 1, 4, 1, 6, 4, 0, 5, 0, 9, 8, 5, 9, 7, 3, 3, 9, 2, 2, …"""
    text = gzip.decompress(TRAINING_FILE.read_bytes()).decode("ascii")
    starts = [m.start() for m in re.finditer(r"^\.SEGMENT", text, re.MULTILINE)]
    path.write_text(text[: starts[count]], encoding="ascii")
    return path
