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
:class:`nn.data.idx.DataError` naming the file and, where it helps, the line.
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

TRAINING_FILE = bundled_file("data/pendigits/pendigits-orig.tra.gz")
"""The pen-digit training file the project carries (7,494 digits by 30 writers), for the default
model; what ``python -m nn train --pen-digits`` and the Train tab draw."""

_SEGMENT = re.compile(r'^\.SEGMENT\s+DIGIT\s+\S+\s+\S+\s+"([^"]*)"\s*$', re.MULTILINE)
_STROKE = re.compile(r"^\.PEN_DOWN[^\n]*\n(.*?)^\.PEN_UP", re.MULTILINE | re.DOTALL)


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

    Raises :class:`DataError` for a missing, truncated or foreign file, with the reason.
    """
    path = Path(path)
    data = read_bytes(path)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise DataError(f"{path.name}: not a pen-digit file (binary content)") from None
    starts = [m.start() for m in _SEGMENT.finditer(text)]
    if not starts:
        raise DataError(f'{path.name}: not a pen-digit file (no ".SEGMENT DIGIT" line)')
    digits, line, previous = [], 1, 0
    for start, end in zip(starts, [*starts[1:], len(text)]):
        line += text.count("\n", previous, start)  # for error messages: the block's first line
        previous = start
        digits.append(_parse_segment(text[start:end], path.name, line))
    return digits


def _parse_segment(block: str, name: str, line: int) -> PenDigit:
    """One ``.SEGMENT`` block (starting at file line ``line``) → a :class:`PenDigit`."""
    where = f"{name}, digit at line {line}"
    label_text = _SEGMENT.match(block).group(1)  # type: ignore[union-attr]
    if not re.fullmatch(r"[0-9]", label_text):
        raise DataError(f'{where}: label "{label_text}" is not a digit 0-9')
    comment = re.search(r"^\.COMMENT\s+(\d+)\s+(\d+)", block, re.MULTILINE)
    writer = int(comment.group(2)) if comment else 0
    downs = block.count(".PEN_DOWN")
    strokes = [_parse_points(m.group(1), where) for m in _STROKE.finditer(block)]
    if downs != block.count(".PEN_UP") or len(strokes) != downs:
        raise DataError(f"{where}: a stroke has no .PEN_UP (truncated file?)")
    if not strokes:
        raise DataError(f"{where}: digit without strokes")
    return PenDigit(int(label_text), writer, tuple(strokes))


def _parse_points(body: str, where: str) -> np.ndarray:
    """The ``x y`` lines between ``.PEN_DOWN`` and ``.PEN_UP`` → ``(n, 2)`` int32."""
    try:
        values = np.array(body.split(), dtype=np.int32)
    except ValueError:
        raise DataError(f"{where}: a stroke holds something other than integer points") from None
    if len(values) == 0 or len(values) % 2:
        raise DataError(f"{where}: a stroke is empty or has an odd number of coordinates")
    points = values.reshape(-1, 2)
    if points.min() < 0 or points.max() > TABLET_SIDE:
        raise DataError(f"{where}: point outside the tablet (0-{TABLET_SIDE})")
    return points
