"""How well the app reads real handwriting: the pen-digit test file replayed into the real canvas.

Every digit of ``pendigits-orig.tes`` (3,498 digits by 14 writers, none of them in the training
file) is replayed as mouse drags (press → moves → release per stroke, y flipped) into the
``sketchCanvas`` of a running :class:`app.main_window.MainWindow`, cleared between digits, under
each condition below; the answer is what the drawing tab emits on ``prediction_changed``. With two
weight files, each drawing is read by both (``DrawingTab.set_model``), side by side. Then the
styled variants of ``nn.handwriting.styles`` (a slashed 0, a crossed 7, …) made from the test
digits.

    python bench/drawn_digits.py [OLD.npz] [NEW.npz] [--limit N] [--data MNIST_DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.draw.mouse_replay import drag  # noqa: E402
from nn.data.pendigits import PenDigit, load_pendigits  # noqa: E402
from nn.handwriting.strokes import place_on_canvas  # noqa: E402
from nn.sketch.recipe import CANVAS_PIXELS  # noqa: E402

TEST_FILE = ROOT.parent / "shared/data/pendigits/pendigits-orig.tes.gz"
N = CANVAS_PIXELS
CORNERS = ((0.27, 0.27), (0.73, 0.27), (0.27, 0.73), (0.73, 0.73))


@dataclass(frozen=True)
class Condition:
    """How a digit is drawn: its longer side as a fraction of the canvas, the pen width in image
    pixels, whether it goes to a corner, and a rotation in degrees (alternating sign)."""

    name: str
    size: float
    pen: int = 22
    corner: bool = False
    rotation: float = 0.0

    def strokes(self, digit: PenDigit, index: int) -> list[np.ndarray]:
        """The digit's strokes in canvas image pixels for the ``index``-th drawing."""
        centre = CORNERS[index % 4] if self.corner else (0.5, 0.5)
        turn = self.rotation * (1 if index % 2 else -1)
        return place_on_canvas(digit.strokes, self.size * N, (centre[0] * N, centre[1] * N), turn)


CONDITIONS = (
    Condition("small (30 %)", 0.30),
    Condition("medium (60 %)", 0.60),
    Condition("large (90 %)", 0.90),
    Condition("off-centre", 0.45, corner=True),
    Condition("thin pen (10 px)", 0.60, pen=10),
    Condition("thick pen (36 px)", 0.60, pen=36),
    Condition("rotated ±10°", 0.60, rotation=10.0),
)
STYLE_CONDITION = Condition("styled", 0.60)


class Reader:
    """Draws into a window's drawing tab and collects what each model answers."""

    def __init__(self, window, models: list) -> None:
        self.tab = window.drawing_tab
        self.models = models  # nn.model.Model: each reads sketches its own way
        self.last: np.ndarray | None = None
        self.seconds: list[list[float]] = [[] for _ in models]
        self.tab.prediction_changed.connect(self._store)

    def _store(self, activations) -> None:
        self.last = activations

    def read(self, strokes: list[np.ndarray], pen: int) -> np.ndarray:
        """(models, 10) activations emitted after drawing ``strokes`` with pen width ``pen``."""
        self.tab.clear()
        self.tab.pen_width = pen
        drag(self.tab.canvas, strokes)
        rows = []
        for i, model in enumerate(self.models):
            start = time.perf_counter()
            self.tab.set_model(model)  # runs update_prediction: sketch → Model.read → outputs
            self.seconds[i].append(time.perf_counter() - start)
            rows.append(np.zeros(10) if self.last is None else np.array(self.last, dtype=float))
        return np.array(rows)


def cases(digits: list[PenDigit]) -> Iterator[tuple[str, PenDigit, list[np.ndarray], int]]:
    """``(row name, digit, canvas strokes, pen)`` for every condition, then the styled rows."""
    from nn.handwriting.styles import STYLES

    for condition in CONDITIONS:
        for i, digit in enumerate(digits):
            yield condition.name, digit, condition.strokes(digit, i), condition.pen
    rng = np.random.default_rng(2026)
    for style in STYLES:
        for i, digit in enumerate(d for d in digits if d.label == style.digit):
            styled = PenDigit(digit.label, digit.writer, style.apply(digit.strokes, rng))
            yield style.name, digit, STYLE_CONDITION.strokes(styled, i), 22


def run(reader: Reader, digits: list[PenDigit], progress: Callable[[str], None]):
    """Replay everything; returns row names (n,), labels (n,), writers (n,) and activations
    (n, models, 10)."""
    names, labels, writers, outputs = [], [], [], []
    for name, digit, strokes, pen in cases(digits):
        if not names or names[-1] != name:
            progress(name)
        names.append(name)
        labels.append(digit.label)
        writers.append(digit.writer)
        outputs.append(reader.read(strokes, pen))
    return np.array(names), np.array(labels), np.array(writers), np.array(outputs)


def make_window(weights: Path):
    """A shown MainWindow with ``weights`` as its model; settings go to a temporary file."""
    from app.main_window import MainWindow

    folder = tempfile.mkdtemp(prefix="drawn-digits-")
    settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(default_model=weights, settings=settings)
    window.resize(1100, 720)
    window.show()
    QApplication.processEvents()
    return window


def main(argv: list[str] | None = None) -> int:
    from bench.drawn_digits_report import report
    from nn.weights import load_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", nargs="*", type=Path, help="one or two weight files")
    parser.add_argument("--limit", type=int, help="only the first N test digits (a quick look)")
    parser.add_argument("--data", help="MNIST folder for the test accuracy (default: MNIST_DIR)")
    parser.add_argument("--pendigits", type=Path, default=TEST_FILE, help="the .tes file")
    parser.add_argument("--save", type=Path, help="save names, labels, activations (.npz)")
    args = parser.parse_args(argv)
    files = args.weights or [ROOT / "resources/default-model.npz"]
    digits = load_pendigits(args.pendigits)[: args.limit]
    app = QApplication.instance() or QApplication([])
    window = make_window(files[0])
    models = [load_model(f) for f in files]
    start = time.perf_counter()
    reader = Reader(window, models)
    names, labels, writers, outputs = run(
        reader, digits, lambda n: print(f"  replaying {n} …", file=sys.stderr)
    )
    print(
        f"{len(labels)} drawings replayed in {time.perf_counter() - start:.0f} s", file=sys.stderr
    )
    if args.save:
        np.savez_compressed(args.save, names=names, labels=labels, writers=writers, outputs=outputs)
    report(files, reader, names, labels, writers, outputs, args.data)
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
