"""Read digits from photos: accuracy per source and size, and the time to read a 12 MP photo.

MNIST digits and pen-digit drawings become "photos" through the model of paper, light, ink,
optics, sensor and JPEG in ``bench/photo_model.py`` (its docstring lists every setting), at
sizes from 28 px to 4,000 px (the longer side). Each photo is written to a JPEG file and read
as ``python -m nn read`` reads it: :func:`nn.images.read_photo_digits` on the path, then
:meth:`nn.model.Model.read` of the default model on each digit. A photo counts as read right
when the digits read, left to right, are its digits (none missing, none extra).

Sources: MNIST test digits (``--data``, default ``/work/shared/data/mnist`` or ``MNIST_DIR``),
pen digits of the test file drawn with ``render_strokes`` (pen 4-18 px on the 280-px canvas,
a ballpoint to a felt pen, at least 1.5 px of the photo), numbers of three MNIST digits
written side by side (1000 px), and MNIST digits on a sheet photographed whole, the table showing
all round (256 and 1000 px; ``--sources sheet``).
``--split train`` makes the photos from MNIST's training digits and the pen-digit training file
instead: the settings of ``nn/images`` were chosen on those, the test figures are reported.

    python bench/photos.py [--quick] [--split test|train] [--seed 1] [--data DIR]
        [--sizes 28,64,256,1000,4000] [--sources mnist,pen,numbers,sheet]

The 12 MP figure is the time from the path of a 4000 x 3000 JPEG to the answers of all its
digits (p50 and p95 over the 4,000-px photos). About 18 minutes on 2 cores; ``--quick`` about
three.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as nn/__main__.py, before NumPy loads
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.photo_model import make_photo
from nn.data.mnist import load_idx_folder
from nn.data.pendigits import TRAINING_FILE, load_pendigits
from nn.handwriting.strokes import place_on_canvas, render_strokes
from nn.images import ImageReadError, read_photo_digits
from nn.paths import bundled_file
from nn.weights import load_model

SIZES = (28, 64, 256, 1000, 4000)
COUNTS = {28: 500, 64: 500, 256: 500, 1000: 200, 4000: 300}
QUICK_COUNTS = {28: 100, 64: 100, 256: 100, 1000: 60, 4000: 20}
NUMBER_COUNT = 300
QUICK_NUMBER_COUNT = 60
NUMBER_SIDE = 1000
NUMBER_DIGITS = 3
SHEET_SIDES = (256, 1000)
PEN_TEST_FILE = Path("/work/shared/data/pendigits/pendigits-orig.tes.gz")


def mnist_digits(folder: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """MNIST images (n, 28, 28) float32 white on black and their labels (n,)."""
    splits = load_idx_folder(folder)
    data = splits.test if split == "test" else splits.training
    return data.images.reshape(-1, 28, 28), data.labels


def pen_digit(strokes, side: int, rng: np.random.Generator) -> np.ndarray:
    """One pen digit drawn on the 280-px canvas: (280, 280) float32 white on black, 200 px tall
    (or wide), with a pen of 4-18 px, at least as wide as 1.5 px of a ``side``-px photo (a
    thinner line would vanish in such a photo)."""
    placed = place_on_canvas(strokes, size=200)
    thinnest = min(18.0, max(4.0, 1.5 * 200 / (0.6 * side)))
    pen = rng.uniform(thinnest, 18)
    return render_strokes(placed, pen_width=pen).astype(np.float32) / 255


def read_file(model, path: Path) -> str:
    """The digits read from the photo at ``path``, left to right ("" when it has no ink)."""
    try:
        found = read_photo_digits(path)
    except ImageReadError:
        return ""
    answers = [model.read(sketch) for sketch in found.sketches]
    return "".join(str(a.digit) for a in answers if a is not None)


def run_condition(
    model, make, count: int, side: int, rng, folder: Path, whole_sheet: bool = False
) -> tuple[float, list]:
    """Read ``count`` photos of ``side`` px (of a sheet photographed whole when
    ``whole_sheet``); ``make(i, side)`` gives (ink images, label text). Returns the fraction read
    right and the read times (s)."""
    right, times = 0, []
    path = folder / f"photo-{side}.jpg"
    for i in range(count):
        inks, label = make(i, side)
        data, _ = make_photo(inks, side, rng, whole_sheet)
        path.write_bytes(data)
        start = time.perf_counter()
        digits = read_file(model, path)
        times.append(time.perf_counter() - start)
        right += digits == label
    return right / count, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the photos")
    parser.add_argument("--split", choices=("test", "train"), default="test")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR", "/work/shared/data/mnist"))
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="e.g. 28,1000")
    parser.add_argument("--sources", default="mnist,pen,numbers,sheet")
    args = parser.parse_args()
    counts = QUICK_COUNTS if args.quick else COUNTS
    number_count = QUICK_NUMBER_COUNT if args.quick else NUMBER_COUNT
    sizes = [int(s) for s in args.sizes.split(",")]
    sources = args.sources.split(",")
    model = load_model(bundled_file("resources/default-model.npz"))
    rng = np.random.default_rng(args.seed)
    images, labels = mnist_digits(args.data, args.split)
    pens = load_pendigits(PEN_TEST_FILE if args.split == "test" else TRAINING_FILE)
    mnist_order = rng.permutation(len(labels))
    pen_order = rng.permutation(len(pens))

    def mnist(i: int, side: int) -> tuple[list[np.ndarray], str]:
        k = mnist_order[i % len(labels)]
        return [images[k]], str(labels[k])

    def pen(i: int, side: int) -> tuple[list[np.ndarray], str]:
        digit = pens[pen_order[i % len(pens)]]
        return [pen_digit(digit.strokes, side, rng)], str(digit.label)

    def number(i: int, side: int) -> tuple[list[np.ndarray], str]:
        ks = mnist_order[(NUMBER_DIGITS * i + np.arange(NUMBER_DIGITS)) % len(labels)]
        return [images[k] for k in ks], "".join(str(labels[k]) for k in ks)

    print(f"Photos of {args.split} digits read by the default model (seed {args.seed})")
    print(
        f"{'source':<22} {'side px':>8} {'photos':>7} {'read right':>11} {'p50 s':>7} {'p95 s':>7}"
    )
    twelve: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        rows = [(name, make, side, False) for name, make in (("MNIST", mnist), ("pen digits", pen))
                if name.split()[0].lower() in sources for side in sizes]  # fmt: skip
        if "numbers" in sources:
            rows.append((f"MNIST numbers of {NUMBER_DIGITS}", number, NUMBER_SIDE, False))
        if "sheet" in sources:
            rows += [("MNIST, whole sheet", mnist, side, True) for side in SHEET_SIDES]
        for name, make, side, sheet in rows:
            count = counts[side] if make is not number else number_count
            accuracy, times = run_condition(model, make, count, side, rng, Path(folder), sheet)
            p50, p95 = np.percentile(times, [50, 95])
            print(f"{name:<22} {side:>8} {count:>7} {100 * accuracy:>10.2f}% "
                  f"{p50:>7.3f} {p95:>7.3f}", flush=True)  # fmt: skip
            if side == 4000:
                twelve += times
    if twelve:
        p50, p95 = np.percentile(twelve, [50, 95])
        print(f"12 MP photo (4000 x 3000 JPEG), path to answers: p50 {p50:.3f} s, "
              f"p95 {p95:.3f} s over {len(twelve)} photos")  # fmt: skip


if __name__ == "__main__":
    main()
