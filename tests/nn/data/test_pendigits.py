"""Loading pen-digit files: a hand-written file read back, the committed file, every bad file."""

from __future__ import annotations

import gzip
import hashlib
import struct
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from nn.data.mnist import DataError
from nn.data.pendigits import TRAINING_FILE, load_pendigits

HEADER = '.INCLUDE        dene.doc\n\n.LEXICON "0" "1" "2"\n.HIERARCHY      DIGIT\n\n'
TWO_DIGITS = (
    HEADER
    + '.SEGMENT DIGIT    0 ? "7"\n.COMMENT 7 3  12\n'
    + ".PEN_DOWN\n 10  400\n 200  410\n 120  20\n.PEN_UP\n.DT 100\n"
    + ".PEN_DOWN\n 60  200\n 180  200\n.PEN_UP\n.DT 100\n\n"
    + '.SEGMENT DIGIT    1 ? "1"\n.COMMENT 1 4  0\n'
    + ".PEN_DOWN\n 250  480\n 251  0\n.PEN_UP\n.DT 100\n"
)


def write(tmp_path: Path, text: str | bytes, name: str = "digits.tra") -> Path:
    path = tmp_path / name
    data = text.encode() if isinstance(text, str) else text
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


@pytest.mark.parametrize("name", ["digits.tra", "digits.tra.gz"])
def test_reads_a_file_written_by_hand(tmp_path, name):
    digits = load_pendigits(write(tmp_path, TWO_DIGITS, name))
    assert [(d.label, d.writer, len(d.strokes)) for d in digits] == [(7, 3, 2), (1, 4, 1)]
    np.testing.assert_array_equal(digits[0].strokes[0], [[10, 400], [200, 410], [120, 20]])
    np.testing.assert_array_equal(digits[0].strokes[1], [[60, 200], [180, 200]])
    np.testing.assert_array_equal(digits[1].strokes[0], [[250, 480], [251, 0]])
    assert repr(digits[0]) == "PenDigit(7, writer=3, 2 strokes, 5 points)"


def test_the_committed_training_file_is_the_published_one():
    raw = gzip.decompress(TRAINING_FILE.read_bytes())
    assert hashlib.md5(raw).hexdigest() == "28e269fb7eaf8cb51af3f561743a0de5"  # the README's
    digits = load_pendigits()
    assert len(digits) == 7494
    assert len({d.writer for d in digits}) == 30
    per_class = Counter(d.label for d in digits)
    assert sorted(per_class) == list(range(10))
    assert min(per_class.values()) >= 719 and max(per_class.values()) <= 780
    points = np.concatenate([s for d in digits for s in d.strokes])
    assert points.min() >= 0 and points.max() <= 500
    assert Counter(len(d.strokes) for d in digits)[1] > 5000  # most digits are one stroke


def test_the_shared_test_file_when_present(pen_digits_test_file):
    digits = load_pendigits(pen_digits_test_file)
    assert len(digits) == 3498
    assert len({d.writer for d in digits}) == 14
    assert min(Counter(d.label for d in digits).values()) >= 335


def idx_bytes() -> bytes:
    return struct.pack(">IIII", 2051, 1, 28, 28) + bytes(784)


TRUNCATED_STROKE = TWO_DIGITS[: TWO_DIGITS.index(" 251  0")]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.gz", "empty file"),
        (gzip.compress(TWO_DIGITS.encode())[:-12], "cut.tra.gz", "truncated gzip"),
        (b"not gzip at all", "fake.tra.gz", "not a valid gzip"),
        (TRUNCATED_STROKE, "cut.tra", "no .PEN_UP"),
        (idx_bytes(), "train-images-idx3-ubyte", "not a pen-digit file"),
        ('{"sizes": [784, 30, 10]}', "model.json", "not a pen-digit file"),
        (TWO_DIGITS.replace('"7"', '"x"'), "label.tra", 'label "x" is not a digit'),
        (TWO_DIGITS.replace(" 120  20", " 120  2O"), "letter.tra", "other than integer"),
        (TWO_DIGITS.replace(" 120  20", " 120"), "odd.tra", "odd number"),
        (TWO_DIGITS.replace(" 120  20", " 120  900"), "far.tra", "outside the tablet"),
        (TWO_DIGITS.replace(" 60  200\n 180  200\n", ""), "nostroke.tra", "empty"),
        (HEADER + '.SEGMENT DIGIT    0 ? "3"\n.COMMENT 3 1 0\n', "bare.tra", "without strokes"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(DataError, match=message) as caught:
        load_pendigits(path)
    assert name in str(caught.value)


def test_a_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_pendigits(tmp_path / "nowhere.tra.gz")


def test_error_names_the_line_of_the_bad_digit(tmp_path):
    text = TWO_DIGITS.replace('1 ? "1"', '1 ? "?"')
    line = text[: text.index('"?"')].count("\n") + 1
    with pytest.raises(DataError, match=f"line {line}"):
        load_pendigits(write(tmp_path, text))
