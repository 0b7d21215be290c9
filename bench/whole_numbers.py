"""How well the Draw tab reads numbers: the pen-digit test drawings written side by side.

The 3,498 digits of ``pendigits-orig.tes`` (14 writers, none in the training file) are shuffled
(seeded) and cut into numbers of 2-4 digits. Each number is laid out as a person writes one: a
height the writer likes (45-75 % of the canvas height) unless the number would not fit the
canvas's width, then as large as fits; each digit 90-110 % of that height, its baseline moved by
a few percent, the gaps between digits' ink 10-60 % of the height. The numbers are drawn with
mouse drags (press, moves, release per stroke) on the ``sketchCanvas`` of a
:class:`app.draw.drawing_tab.DrawingTab` with the default model, and what it reads
(``number_changed``, ``digit_groups()``) is compared with the labels. Printed:

* whole-number accuracy (every digit right and no digit split or merged);
* per-digit accuracy over the numbers grouped into the right count of digits;
* grouping errors: numbers read as a different count of digits;
* how cramped the digits are: their height in pen widths (a single digit drawn at 60 % of the
  canvas height is 7.6 pen widths high);
* the latency per mouse move, from sending the event to the return of ``update_prediction()``
  (the same path as ``bench/sketch_latency.py``), on the first ``--timed`` numbers, and in the
  same rounds on each one's first digit drawn alone (the one-digit path, for comparison).

``--layouts`` first compares canvas shapes without Qt: the same numbers laid out for each shape,
each digit painted alone by :func:`nn.handwriting.strokes.render_strokes` (held to the canvas by
``tests/app/draw/test_canvas_renderer_agreement.py``) and read with ``Model.read``.

    python bench/whole_numbers.py [--limit N] [--timed 100] [--layouts] [--weights FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from nn.data.pendigits import TABLET_SIDE, PenDigit, load_pendigits  # noqa: E402
from nn.sketch.recipe import CANVAS_PIXELS, CANVAS_WIDTH  # noqa: E402

TEST_FILE = ROOT.parent / "shared/data/pendigits/pendigits-orig.tes.gz"
PEN = 22
GAPS = (0.1, 0.6)
"""The gap between neighbouring digits' ink, as fractions of their height: drawn uniformly."""
MARGIN = 0.04
"""Fraction of the canvas width a writer leaves free on each side."""


@dataclass(frozen=True)
class WrittenNumber:
    """A number on the canvas: ``labels`` left to right, ``strokes`` (x, y) in image pixels,
    ``height`` the digits' common height in image pixels, ``owners`` each stroke's digit."""

    labels: tuple[int, ...]
    strokes: list[np.ndarray]
    height: float
    owners: tuple[int, ...]

    @property
    def text(self) -> str:
        return "".join(str(label) for label in self.labels)


def numbers_of(digits: Sequence[PenDigit], seed: int) -> list[list[PenDigit]]:
    """Every digit once, shuffled, in numbers of 2-4 digits (the last may have 1: dropped)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(digits))
    numbers, start = [], 0
    while start < len(order):
        count = int(rng.integers(2, 5))
        number = [digits[i] for i in order[start : start + count]]
        if len(number) >= 2:
            numbers.append(number)
        start += count
    return numbers


def upright(digit: PenDigit) -> tuple[list[np.ndarray], np.ndarray]:
    """The digit's strokes with y down, moved so its bounding box starts at (0, 0); its size."""
    flipped = [
        np.column_stack([s[:, 0], TABLET_SIDE - s[:, 1]]).astype(float) for s in digit.strokes
    ]
    every = np.concatenate(flipped)
    low = every.min(axis=0)
    return [s - low for s in flipped], every.max(axis=0) - low


def write(
    number: Sequence[PenDigit],
    rng: np.random.Generator,
    width: float = CANVAS_WIDTH,
    height: float = CANVAS_PIXELS,
    pen: float = PEN,
) -> WrittenNumber:
    """Lay ``number`` out on a ``width`` x ``height`` canvas as a person writes (module text)."""
    shapes = [upright(d) for d in number]
    liked = rng.uniform(0.45, 0.75) * height
    sizes = rng.uniform(0.9, 1.1, len(number))
    gaps = rng.uniform(GAPS[0], GAPS[1], len(number) - 1)
    shifts = rng.normal(0.0, 0.04, len(number))
    aspects = [max(float(size[0] / max(size[1], 1.0)), 0.05) for _, size in shapes]
    per_height = sum(a * s for a, s in zip(aspects, sizes, strict=True)) + gaps.sum()
    room = width * (1 - 2 * MARGIN) - pen * len(number)
    h = min(liked, room / per_height)
    x = (width - (per_height * h + pen * len(number))) / 2 + pen / 2
    bottom = (height + h) / 2
    strokes, owners = [], []
    for i, ((pieces, size), grow) in enumerate(zip(shapes, sizes, strict=True)):
        scale = h * grow / max(float(size[1]), 1.0)
        top = bottom + shifts[i] * h - size[1] * scale
        strokes += [np.column_stack([x + p[:, 0] * scale, top + p[:, 1] * scale]) for p in pieces]
        owners += [i] * len(pieces)
        x += size[0] * scale + pen + (gaps[i] * h if i < len(gaps) else 0.0)
    return WrittenNumber(tuple(d.label for d in number), strokes, h, tuple(owners))


@dataclass
class Tally:
    """Counts over numbers: right whole, digits right / digits in well-grouped numbers, numbers
    split into the wrong count of digits, and each digit's height in pen widths."""

    numbers: int = 0
    whole_right: int = 0
    digits: int = 0
    digits_right: int = 0
    grouping_errors: int = 0
    by_length: dict = field(default_factory=dict)
    """Number of digits → [numbers right, numbers]."""

    def add(self, written: WrittenNumber, read: Sequence[int]) -> None:
        self.numbers += 1
        counts = self.by_length.setdefault(len(written.labels), [0, 0])
        counts[1] += 1
        counts[0] += tuple(read) == written.labels
        if len(read) != len(written.labels):
            self.grouping_errors += 1
            return
        right = sum(a == b for a, b in zip(read, written.labels, strict=True))
        self.digits += len(read)
        self.digits_right += right
        self.whole_right += right == len(read)

    def report(self, name: str) -> None:
        print(
            f"{name}: whole numbers {self.whole_right / self.numbers:.2%} "
            f"({self.whole_right}/{self.numbers}), digits {self.digits_right / self.digits:.2%}, "
            f"grouping errors {self.grouping_errors} ({self.grouping_errors / self.numbers:.2%})"
        )
        lengths = ", ".join(
            f"{n} digits {right / total:.2%}"
            for n, (right, total) in sorted(self.by_length.items())
        )
        print(f"    whole numbers by length: {lengths}")


def cramped(written: Sequence[WrittenNumber], pen: float) -> str:
    """Median digit height in pen widths, for all numbers and for those of 4 digits."""
    every = np.median([w.height for w in written]) / pen
    four = np.median([w.height for w in written if len(w.labels) == 4]) / pen
    return f"digit height median {every:.1f} pen widths (4-digit numbers: {four:.1f})"


def compare_layouts(numbers: list[list[PenDigit]], model, seed: int) -> None:
    """Qt-free: the same numbers written on each canvas shape, each digit read alone."""
    from app.draw.number_reading import stroke_boxes
    from nn.handwriting.strokes import render_strokes
    from nn.sketch.grouping import group_boxes

    shapes = (
        ("square 280x280, pen 22", CANVAS_PIXELS, PEN),
        ("square 280x280, pen 12", CANVAS_PIXELS, 12),
        ("wide 420x280, pen 22  ", 420, PEN),
        ("wide 560x280, pen 22  ", CANVAS_WIDTH, PEN),
    )
    for name, width, pen in shapes:
        rng = np.random.default_rng(seed)
        tally, written_all = Tally(), []
        for number in numbers:
            written = write(number, rng, width, CANVAS_PIXELS, pen)
            written_all.append(written)
            boxes = stroke_boxes(written.strokes, [pen] * len(written.strokes))
            read = []
            for group in group_boxes(boxes):
                image = render_strokes([written.strokes[i] for i in group], pen, width)
                answer = model.read(image[:CANVAS_PIXELS, :width])
                read.append(-1 if answer is None else answer.digit)
            tally.add(written, read)
        tally.report(name)
        print(f"    {cramped(written_all, pen)}")


def timed_moves(tab, strokes: list[np.ndarray]) -> list[float]:
    """Draw ``strokes`` on ``tab``'s canvas, reading after each mouse move as the live timer
    does; the milliseconds from sending each move to the return of ``update_prediction()``."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from app.draw.mouse_replay import mouse_events

    moves = []
    start = time.perf_counter()
    for event in mouse_events(tab.canvas, strokes):
        QApplication.sendEvent(tab.canvas, event)
        if event.type() == QEvent.Type.MouseMove:
            tab.update_prediction()
            moves.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()  # the next event's clock includes making it
    return moves


def replay(tab, numbers: list[list[PenDigit]], seed: int, timed: int):
    """Draw every number on ``tab``'s canvas with mouse events; returns the tally, the written
    numbers, the milliseconds of each timed mouse move, and, in the same rounds, of each move
    drawing the number's first digit alone (the one-digit path)."""
    from app.draw.mouse_replay import drag

    rng = np.random.default_rng(seed)
    tally, written_all, moves, single = Tally(), [], [], []
    for index, number in enumerate(numbers):
        written = write(number, rng)
        written_all.append(written)
        tab.clear()
        if index < timed:
            first = [
                s for s, owner in zip(written.strokes, written.owners, strict=True) if not owner
            ]
            single += timed_moves(tab, first)
            tab.clear()
            moves += timed_moves(tab, written.strokes)
        else:
            drag(tab.canvas, written.strokes)  # each release reads the drawing at once
        tab.update_prediction()
        groups = tab.digit_groups()
        read = [-1 if g.answer is None else g.answer.digit for g in groups]
        assert tab.number() == "".join(str(d) for d in read)
        tally.add(written, read)
        if index % 200 == 199:
            print(f"  {index + 1} numbers …", file=sys.stderr)
    return tally, written_all, moves, single


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N numbers (a quick look)")
    parser.add_argument("--timed", type=int, default=100, help="numbers whose moves are timed")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--layouts", action="store_true", help="compare canvas shapes first")
    parser.add_argument("--weights", type=Path, help="a weight file (default: the default model)")
    parser.add_argument("--pendigits", type=Path, default=TEST_FILE, help="the .tes file")
    args = parser.parse_args(argv)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from nn.paths import bundled_file
    from nn.weights import load_model

    model = load_model(args.weights or bundled_file("resources/default-model.npz"))
    numbers = numbers_of(load_pendigits(args.pendigits), args.seed)[: args.limit]
    counts = np.bincount([len(n) for n in numbers], minlength=5)[2:]
    print(f"{len(numbers)} numbers ({counts[0]} of 2 digits, {counts[1]} of 3, {counts[2]} of 4)")
    if args.layouts:
        compare_layouts(numbers, model, args.seed)
    app = QApplication.instance() or QApplication([])
    from app.draw.drawing_tab import DrawingTab

    folder = tempfile.mkdtemp(prefix="whole-numbers-")  # the user's settings stay untouched
    settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
    tab = DrawingTab(model, settings=settings)  # "Show the network" unticked, as at first start
    tab.resize(1280, 800)
    tab.show()
    app.processEvents()
    start = time.perf_counter()
    tally, written, moves, single = replay(tab, numbers, args.seed, args.timed)
    print(f"replayed through the Draw tab in {time.perf_counter() - start:.0f} s")
    tally.report(f"Draw tab, canvas {CANVAS_WIDTH}x{CANVAS_PIXELS}, pen {PEN}")
    print(f"    {cramped(written, PEN)}")
    for name, timings in (("numbers", moves), ("their first digits alone", single)):
        if timings:
            p50, p95 = np.percentile(timings, [50, 95])
            print(
                f"move → bars, {name}: {len(timings)} moves, "
                f"p50 {p50:.3f} ms, p95 {p95:.3f} ms, max {max(timings):.3f} ms"
            )
    tab.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
