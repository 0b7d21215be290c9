"""Shared test settings: Qt runs headless; the full MNIST set is found through MNIST_DIR and the
pen-digit test file through PENDIGITS_DIR; small pen-digit files cut from the committed one."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import pytest

from nn.data.pendigits import TRAINING_FILE

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PEN_DIGITS_TEST_NAME = "pendigits-orig.tes.gz"
DEFAULT_PENDIGITS_DIR = Path(__file__).resolve().parents[2] / "shared/data/pendigits"
"""Where the pen-digit test file is looked for without PENDIGITS_DIR: beside the project."""


def pen_digits_dir() -> Path:
    """The folder named by PENDIGITS_DIR, else :data:`DEFAULT_PENDIGITS_DIR`."""
    folder = os.environ.get("PENDIGITS_DIR")
    return Path(folder).resolve() if folder else DEFAULT_PENDIGITS_DIR


MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

FIRST_PEN_LABELS = (8, 2, 1, 4, 1, 6, 4, 0, 5, 0, 9, 8, 5, 9, 7, 3, 3, 9, 2, 2)
"""The labels of the committed pen-digit file's first 20 digits, in order."""


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


@pytest.fixture(scope="session")
def pen_digits_test_file() -> Path:
    """The pen-digit test file of 14 writers; skips the test when PENDIGITS_DIR (by default
    ``shared/data/pendigits`` beside the project) does not hold it."""
    path = pen_digits_dir() / PEN_DIGITS_TEST_NAME
    if not path.is_file():
        pytest.skip(
            f"pen-digit test file not available: {path} not found "
            f"(set PENDIGITS_DIR to a folder holding {PEN_DIGITS_TEST_NAME})"
        )
    return path


def write_pen_digits(path: Path, count: int) -> Path:
    """Write the first ``count`` digits of the committed pen-digit file to ``path`` (UNIPEN text,
    header included); the first 20 are labelled as :data:`FIRST_PEN_LABELS` says."""
    text = gzip.decompress(TRAINING_FILE.read_bytes()).decode("ascii")
    starts = [m.start() for m in re.finditer(r"^\.SEGMENT", text, re.MULTILINE)]
    path.write_text(text[: starts[count]], encoding="ascii")
    return path


@pytest.fixture
def pen_file(tmp_path) -> Path:
    """A pen-digit file of 20 digits (labels :data:`FIRST_PEN_LABELS`) named ``pen.tra``."""
    return write_pen_digits(tmp_path / "pen.tra", 20)
