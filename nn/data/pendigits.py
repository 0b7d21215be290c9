"""Reading the pen-based digits of Alpaydin & Alimoglu (UCI ``pendigits-orig``, UNIPEN text).

Each digit is a list of strokes, each stroke the tablet points sampled while the pen was down.
Coordinates are integers in 0-500 with the **y axis pointing up** (flip it for screen
coordinates; :func:`nn.handwriting.strokes.place_on_canvas` does). The format::

    .SEGMENT DIGIT    0 ? "8"        one digit; its label between the quotes
    .COMMENT 8 12  224               label, writer id, sample index of that writer
    .PEN_DOWN                        a stroke starts; one "x y" point per line follows
     267  333
    .PEN_UP                          the stroke ends
    .DT 100                          pause before the next stroke, ms

Header lines (``.INCLUDE``, ``.LEXICON``, ``.HIERARCHY``) come first. Every problem raises
:class:`nn.data.idx.DataError` naming the file and, where it helps, the line. The parser makes a
single pass over the file; a file larger than :data:`MAX_FILE_BYTES` or with more than
:data:`MAX_COMMAND_LINES` command lines is refused before it is parsed, so no file, however
made, takes long to read or to refuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nn.data.idx import DataError, read_bytes
from nn.paths import bundled_file

TABLET_SIDE = 500
"""Tablet coordinates lie in 0-500 (the box each digit was written in)."""

MAX_FILE_BYTES = 8 * 2**20
"""The largest pen-digit file read (decompressed): the UCI training file takes 3.6 MB."""
MAX_COMMAND_LINES = 100_000
"""The most lines starting with ``.`` (``.SEGMENT``, ``.PEN_DOWN``, ``.DT``…) a file may hold:
the UCI training file has 43,289. With :data:`MAX_FILE_BYTES`, this keeps a file from costing
more than about twice what the training file costs to read."""
MAX_STROKE_CHARACTERS = 65_536
"""The longest stroke read, in characters of its point lines: the longest in the UCI files
takes 2,310 (231 points)."""

TRAINING_FILE = bundled_file("data/pendigits/pendigits-orig.tra.gz")
"""The pen-digit training file the project carries (7,494 digits by 30 writers), for the default
model; what ``python -m nn train --pen-digits`` and the Train tab draw."""

_SEGMENT = re.compile(r'\.SEGMENT\s+DIGIT\s+\S+\s+\S+\s+"([^"]*)"\s*')
_COMMENT = re.compile(r"\.COMMENT\s+(\d+)\s+(\d+)")
_KEYWORD_LINE = re.compile(
    r"^\.(?:SEGMENT|COMMENT|PEN_DOWN|PEN_UP)(?!\w)[^\n]*", re.MULTILINE | re.IGNORECASE
)
"""The lines the parser acts on (found in any case, to refuse ``.segment``); every other line is
skipped in one search, and points are read a whole stroke at a time, so each character of the
file is looked at a bounded number of times."""
_COMMANDS = frozenset([".SEGMENT", ".COMMENT", ".PEN_DOWN", ".PEN_UP"])


@dataclass(frozen=True)
class PenDigit:
    """One written digit: ``label`` 0-9, ``writer`` id (per file), and ``strokes``, each an
    ``(n, 2)`` int array of tablet points ``(x, y)``, y pointing up, in drawing order."""

    label: int
    writer: int
    strokes: tuple[np.ndarray, ...]

    def __repr__(self) -> str:
        points = sum(len(s) for s in self.strokes)
        return (
            f"PenDigit({self.label}, writer={self.writer}, "
            f"{len(self.strokes)} strokes, {points} points)"
        )


def load_pendigits(path: str | Path = TRAINING_FILE) -> list[PenDigit]:
    """Every digit of a ``pendigits-orig`` file (raw or ``.gz``), in file order.

    Raises :class:`DataError` for a missing, truncated, oversized or foreign file, with the
    reason and, for a bad digit, its line. The file is read in time linear in its size.
    """
    path = Path(path)
    data = read_bytes(path, MAX_FILE_BYTES)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise DataError(f"{path.name}: not a pen-digit file (binary content)") from None
    return _Parser(text, path.name).digits()


class _Parser:
    """A single pass over the keyword lines of a pen-digit file, tracking the digit and the
    stroke it is in; line numbers are counted as it goes, for messages."""

    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.name = name
        self.line = 1  # the line number of ``offset``
        self.offset = 0
        self.digits_read: list[PenDigit] = []
        self.digit: _Digit | None = None
        self.stroke_start = -1  # offset of the first point line of the open stroke, or -1
        self.stroke_line = 0  # the line of its .PEN_DOWN

    def digits(self) -> list[PenDigit]:
        commands = self.text.count("\n.") + self.text.startswith(".")
        if commands > MAX_COMMAND_LINES:
            raise DataError(
                f"{self.name}: too many command lines ({commands:,} lines starting with '.', "
                f"at most {MAX_COMMAND_LINES:,})"
            )
        for match in _KEYWORD_LINE.finditer(self.text):
            self._advance(match.start())
            self._keyword(match.group(), match.end())
        if self.digit is None:
            raise DataError(f'{self.name}: not a pen-digit file (no ".SEGMENT DIGIT" line)')
        self._finish_digit()
        return self.digits_read

    def _advance(self, offset: int) -> None:
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset

    def _keyword(self, line: str, end: int) -> None:
        command = line.split(None, 1)[0]
        if command not in _COMMANDS:
            raise DataError(
                f"{self._where(self.line)}: unknown command {command!r:.30} "
                "(commands are upper case)"
            )
        if command == ".SEGMENT":
            segment = _SEGMENT.fullmatch(line)
            if segment is None:
                raise DataError(f"{self._where(self.line)}: not a digit segment ({line!r:.50})")
            if self.digit is not None:
                self._finish_digit()
            self.digit = _Digit(self.line, segment.group(1))
            return
        digit = self.digit
        if digit is None:  # the header, before the first digit
            return
        if command == ".PEN_UP":
            if self.stroke_start < 0:
                raise DataError(f"{self._where(self.line)}: .PEN_UP without .PEN_DOWN")
            body = self.text[self.stroke_start : self.offset]
            digit.strokes.append(_points(body, self.name, self.stroke_line))
            self.stroke_start = -1
        elif self.stroke_start >= 0:  # .PEN_DOWN or .COMMENT in a stroke
            raise DataError(
                f"{self._where(self.stroke_line)}: a stroke has no .PEN_UP "
                f"(line {self.line} is {line!r:.30})"
            )
        elif command == ".PEN_DOWN":
            if end == len(self.text):  # no point line can follow
                raise DataError(
                    f"{self._where(self.line)}: a stroke has no .PEN_UP (truncated file?)"
                )
            self.stroke_start, self.stroke_line = end + 1, self.line
        elif digit.writer is None:  # .COMMENT
            comment = _COMMENT.match(line)
            if comment:
                writer = comment.group(2)
                if len(writer) > 9:
                    raise DataError(f"{self._where(self.line)}: writer id {writer:.20}… too long")
                digit.writer = int(writer)

    def _finish_digit(self) -> None:
        digit = self.digit
        assert digit is not None
        where = self._digit_at(digit.line)
        if self.stroke_start >= 0:
            raise DataError(
                f"{self._where(self.stroke_line)}: a stroke has no .PEN_UP (truncated file?)"
            )
        if not re.fullmatch(r"[0-9]", digit.label):
            raise DataError(f'{where}: label "{digit.label:.20}" is not a digit 0-9')
        if not digit.strokes:
            raise DataError(f"{where}: digit without strokes")
        self.digits_read.append(PenDigit(int(digit.label), digit.writer or 0, tuple(digit.strokes)))

    def _where(self, line: int) -> str:
        return f"{self.name}, line {line}"

    def _digit_at(self, line: int) -> str:
        return f"{self.name}, digit at line {line}"


class _Digit:
    """A digit being read: the line of its ``.SEGMENT``, its label text, writer and strokes."""

    __slots__ = ("label", "line", "strokes", "writer")

    def __init__(self, line: int, label: str) -> None:
        self.line = line
        self.label = label
        self.writer: int | None = None
        self.strokes: list[np.ndarray] = []


def _points(body: str, name: str, pen_down_line: int) -> np.ndarray:
    """The ``x y`` lines between ``.PEN_DOWN`` (at ``pen_down_line``) and ``.PEN_UP`` →
    ``(n, 2)`` int32 tablet points; a bad point names its line."""
    where = f"{name}, line {pen_down_line}"
    if len(body) > MAX_STROKE_CHARACTERS:
        raise DataError(f"{where}: a stroke of more than {MAX_STROKE_CHARACTERS:,} characters")
    tokens = body.split()
    if len(tokens) == 0 or len(tokens) % 2:
        raise DataError(f"{where}: a stroke is empty or has an odd number of coordinates")
    try:  # NumPy reads "1_0" as 10, like int(): refuse it with the other malformed points
        values = None if "_" in body else np.array(tokens, dtype=np.int64)
    except (ValueError, OverflowError):
        values = None
    if values is None or values.min() < 0 or values.max() > TABLET_SIDE:
        raise DataError(_bad_point(body, name, pen_down_line))
    return values.astype(np.int32).reshape(-1, 2)


def _bad_point(body: str, name: str, pen_down_line: int) -> str:
    """The message for the first token of ``body`` that is not an integer on the tablet."""
    for match in re.finditer(r"\S+", body):
        token = match.group()
        if not re.fullmatch(r"[+-]?[0-9]+", token):
            problem = f"something other than integer points ({token!r:.30})"
        elif len(token) > 6 or not 0 <= int(token) <= TABLET_SIDE:
            problem = f"a point outside the tablet (0-{TABLET_SIDE}): {token:.20}"
        else:
            continue
        line = pen_down_line + 1 + body.count("\n", 0, match.start())
        return f"{name}, line {line}: a stroke holds {problem}"
    return f"{name}, line {pen_down_line}: a stroke holds something other than integer points"
