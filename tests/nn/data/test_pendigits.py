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
from nn.data.pendigits import (
    MAX_COMMAND_LINES,
    MAX_FILE_BYTES,
    MAX_STROKE_CHARACTERS,
    TRAINING_FILE,
    load_pendigits,
)
from tests.nn.data.conftest import gzip_of_zeros

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


def digest(digits: list) -> str:
    """One hash of every label, writer and point (with its dtype and shape), in order."""
    hashed = hashlib.sha256()
    for digit in digits:
        hashed.update(f"{digit.label} {digit.writer} {len(digit.strokes)};".encode())
        for stroke in digit.strokes:
            hashed.update(f"{stroke.dtype.str}{stroke.shape};".encode() + stroke.tobytes())
    return hashed.hexdigest()


# The digests of both UCI files as the earlier, regular-expression parser read them: the
# line-by-line parser must give exactly the same digits.
TRAINING_DIGEST = "be1c6e58d0ae71e6a0456e8975a8df91035df26e7b27a443e3b82a7a9addf1c7"
TEST_DIGEST = "4ab9ede1d57b8ae2d292df0b4922e6b617ba6833f037adf357de15746207c030"


def test_the_committed_file_reads_as_it_always_did():
    assert digest(load_pendigits()) == TRAINING_DIGEST


def test_the_shared_test_file_when_present(pen_digits_test_file):
    digits = load_pendigits(pen_digits_test_file)
    assert digest(digits) == TEST_DIGEST
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


def line_of(text: str, needle: str) -> int:
    """The 1-based line of ``text`` where ``needle`` first appears."""
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    "coordinate", ["99999999999", "-99999999999999999999999", "9" * 5000, "501", "-1", "+0501"]
)
def test_a_coordinate_off_the_tablet_names_its_line(tmp_path, coordinate):
    text = TWO_DIGITS.replace(" 180  200", f" 180  {coordinate}")
    with pytest.raises(DataError) as caught:
        load_pendigits(write(tmp_path, text))
    message = str(caught.value)
    assert message.startswith(f"digits.tra, line {line_of(text, coordinate)}: "), message
    assert "outside the tablet (0-500)" in message


@pytest.mark.parametrize("token", ["2O", "1e3", "0x10", "1.5", "1_0", "-" * 5000])
def test_a_point_that_is_not_an_integer_names_its_line(tmp_path, token):
    text = TWO_DIGITS.replace(" 251  0", f" 251  {token}")
    with pytest.raises(DataError) as caught:
        load_pendigits(write(tmp_path, text))
    message = str(caught.value)
    assert message.startswith(f"digits.tra, line {line_of(text, token)}: "), message
    assert "other than integer points" in message and len(message) < 150


def test_a_coordinate_off_the_tablet_keeps_its_message_short(tmp_path):
    text = TWO_DIGITS.replace(" 180  200", " 180  " + "9" * 5000)
    with pytest.raises(DataError) as caught:
        load_pendigits(write(tmp_path, text))
    assert len(str(caught.value)) < 120


def test_pen_downs_without_pen_up_name_the_first(tmp_path):
    # 8,000 .PEN_DOWN lines and no .PEN_UP: a single pass reports the first at once.
    body = ".PEN_DOWN\n 10  10\n" * 8000
    text = HEADER + '.SEGMENT DIGIT    0 ? "1"\n' + body
    with pytest.raises(DataError, match=r"^digits\.tra, line 7: a stroke has no \.PEN_UP"):
        load_pendigits(write(tmp_path, text))


MISPLACED = {  # (what to replace, by what; the text the message's line holds; the message)
    "up without down": (
        (".DT 100\n.PEN_DOWN\n 60", ".DT 100\n.PEN_UP\n 60"),
        ".PEN_UP\n 60",
        ".PEN_UP without .PEN_DOWN",
    ),
    "comment in a stroke": (
        (" 60  200\n", " 60  200\n.COMMENT 7 3 12\n"),
        ".PEN_DOWN\n 60",
        "a stroke has no .PEN_UP (line {comment} is '.COMMENT 7 3 12')",
    ),
    "long writer id": (
        ('"1"\n.COMMENT 1 4', '"1"\n.COMMENT 1 4444444444'),
        "4444444444",
        "writer id 4444444444… too long",
    ),
    "pause in a stroke": (
        (".PEN_DOWN\n 250", ".PEN_DOWN\n.DT 100\n 250"),
        ".DT 100\n 250",
        "a stroke holds something other than integer points ('.DT')",
    ),
}


@pytest.mark.parametrize(
    ("segment", "words"),
    [
        (".SEGMENT DIGIT    1 ? 1", "not a digit segment ('.SEGMENT DIGIT    1 ? 1')"),
        ('.SEGMENT DIGIT    1 ? "1', "not a digit segment ('.SEGMENT DIGIT    1 ? \"1')"),
        ('.SEGMENT WORD    1 ? "1"', "not a digit segment ('.SEGMENT WORD    1 ? \"1\"')"),
        ('.segment DIGIT    1 ? "1"', "unknown command '.segment' (commands are upper case)"),
        (".Pen_Down", "unknown command '.Pen_Down' (commands are upper case)"),
    ],
)
def test_every_segment_line_is_a_digit_or_an_error(tmp_path, segment, words):
    # A .SEGMENT line that is not read as a digit must not fold its strokes into the digit before.
    text = TWO_DIGITS.replace('.SEGMENT DIGIT    1 ? "1"', segment)
    with pytest.raises(DataError) as caught:
        load_pendigits(write(tmp_path, text))
    assert str(caught.value) == f"digits.tra, line {line_of(text, segment)}: {words}"


@pytest.mark.parametrize("case", MISPLACED)
def test_misplaced_commands_name_their_line(tmp_path, case):
    change, needle, words = MISPLACED[case]
    text = TWO_DIGITS.replace(*change)
    with pytest.raises(DataError) as caught:
        load_pendigits(write(tmp_path, text))
    if "{comment}" in words:
        words = words.format(comment=line_of(text, ".COMMENT 7 3 12\n"))
    assert str(caught.value) == f"digits.tra, line {line_of(text, needle)}: {words}"


def test_a_file_larger_than_any_pen_digit_file_is_refused(tmp_path):
    path = tmp_path / "huge.tra.gz"
    path.write_bytes(gzip_of_zeros(MAX_FILE_BYTES + 1 - len(TWO_DIGITS), TWO_DIGITS.encode()))
    with pytest.raises(DataError, match=r"^huge\.tra\.gz: too large \(more than 8,388,608 bytes"):
        load_pendigits(path)
    assert 2 * len(gzip.decompress(TRAINING_FILE.read_bytes())) <= MAX_FILE_BYTES


def test_a_file_of_too_many_commands_is_refused_before_it_is_parsed(tmp_path):
    text = TWO_DIGITS + ".DT 100\n" * MAX_COMMAND_LINES
    with pytest.raises(DataError, match=r"^digits\.tra: too many command lines \(100,016 lines"):
        load_pendigits(write(tmp_path, text))


def test_a_stroke_longer_than_any_written_is_refused(tmp_path):
    points = " 10  10\n" * (MAX_STROKE_CHARACTERS // 8 + 1)
    text = TWO_DIGITS.replace(" 60  200\n", points)
    line = line_of(text, ".PEN_DOWN\n 10  10")
    with pytest.raises(
        DataError, match=rf"^digits\.tra, line {line}: a stroke of more than 65,536"
    ):
        load_pendigits(write(tmp_path, text))
