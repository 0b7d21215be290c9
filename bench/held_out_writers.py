"""Choose training settings without the test file: train without some pen writers, read them.

Trains a network like the default model's recipe (MNIST plus the pen-digit *training* file drawn
three times per pen width, reshaped, with styled variants, images distorted each epoch, softmax
and cross-entropy, momentum 0.9, cosine schedule), except that some writers of the training file
(``--writers``, 26-30 unless told) are left out. Those writers' digits are then drawn Qt-free
(:func:`nn.handwriting.strokes.render_strokes`, which a test holds to the real canvas) under the
seven conditions of ``bench/drawn_digits.py`` and as its styled variants, and read as the Draw
tab reads them (:meth:`nn.model.Model.read`), once as drawn and once softened
(``nn.sketch.reading``). The test file's 14 writers are never read, so choices made on these
figures keep the benchmark honest.

    python bench/held_out_writers.py --data ../shared/data/mnist [--sizes 784,800,400,10]
        [--epochs 30] [--eta 0.05] [--lmbda 5] [--batch-size 32] [--pen-copies 3] [--seed 1]
        [--writers 26,27,28,29,30] [--save FILE | --weights FILE]

``--save`` keeps the network with the default recipe's reading of sketches (softened), so
``bench/personal.py --weights FILE`` teaches it as it would the default model.

About 11 minutes on 2 cores with the defaults; under a minute with ``--weights`` (a network saved
by an earlier run with ``--save``). How much the error counts move between seeds is in
``docs/default-model.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as nn/__main__.py, before NumPy loads
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.drawn_digits import CONDITIONS, cases
from nn.data.dataset import Dataset
from nn.data.mnist import load_idx_folder
from nn.data.pendigits import TRAINING_FILE, load_pendigits
from nn.description import ModelDescription
from nn.handwriting.augment import augment
from nn.handwriting.options import PEN_WIDTHS, usable_cores
from nn.handwriting.strokes import render_dataset, render_strokes
from nn.model import Model
from nn.network import Network
from nn.sketch.reading import AS_DRAWN, SOFTENED
from nn.training import Trainer, TrainingConfig
from nn.weights import load_model, save_model

HELD_OUT = "26,27,28,29,30"
"""The training file's writers kept out of training and read instead, unless ``--writers``."""


def read_held_out(models: dict[str, Model], digits) -> tuple[np.ndarray, np.ndarray, dict]:
    """Draw every case of ``bench/drawn_digits.py`` (each digit under each condition, then the
    styled variants) Qt-free and read it with each model, as the Draw tab does
    (:meth:`nn.model.Model.read`). Returns the row names ``(n,)``, the labels ``(n,)`` and, per
    model name, which drawings it read right ``(n,)``."""
    rows, labels, right = [], [], {name: [] for name in models}
    for name, digit, strokes, pen in cases(digits):
        sketch = render_strokes(strokes, pen)
        rows.append(name)
        labels.append(digit.label)
        for model_name, model in models.items():
            answer = model.read(sketch)
            right[model_name].append(answer is not None and answer.digit == digit.label)
    return np.array(rows), np.array(labels), {k: np.array(v) for k, v in right.items()}


def train_without_held_out(args: argparse.Namespace, kept) -> Network:
    """A network trained as the options say on MNIST plus the pen digits ``kept`` (the writers
    not held out), drawn as the default recipe draws them; prints MNIST test accuracy per epoch."""
    mnist = load_idx_folder(args.data)
    drawn = render_dataset(
        kept, PEN_WIDTHS, args.seed, styles=True, copies=args.pen_copies, reshape=True,
        processes=usable_cores(),
    )  # fmt: skip
    training = Dataset(
        np.concatenate([mnist.training.images, drawn.images]),
        np.concatenate([mnist.training.labels, drawn.labels]),
    )
    print(f"training on {len(training):,} images ({len(drawn):,} pen drawings of the others)")
    network = Network(
        [int(s) for s in args.sizes.split(",")], hidden_activation="relu",
        output_activation="softmax", cost="cross-entropy", init="scaled", seed=args.seed,
    )  # fmt: skip
    config = TrainingConfig(
        epochs=args.epochs, batch_size=args.batch_size, eta=args.eta, lmbda=args.lmbda,
        momentum=0.9, seed=args.seed, schedule="cosine",
    )  # fmt: skip
    for result in Trainer(network, training, config, test=mnist.test, augment=augment).run():
        print(f"epoch {result.epoch}: MNIST test {result.test_correct} / {result.test_total}")
    return network


def held_out_writers(text: str, known: set[int]) -> set[int] | None:
    """The writers named in ``text`` (comma-separated numbers), or None when one is not a
    number or not among ``known`` or none is named."""
    try:
        named = {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        return None
    return named if named and named <= known else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder of the four MNIST IDX files")
    parser.add_argument("--sizes", default="784,800,400,10")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--eta", type=float, default=0.05)
    parser.add_argument("--lmbda", type=float, default=5.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--pen-copies", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--writers", default=HELD_OUT, help=f"writers held out ({HELD_OUT})")
    parser.add_argument("--save", help="also save the trained network to this weight file")
    parser.add_argument("--weights", help="read with this weight file instead of training one")
    args = parser.parse_args()

    start = time.perf_counter()
    pen = load_pendigits(TRAINING_FILE)
    held_out = held_out_writers(args.writers, {d.writer for d in pen})
    if held_out is None:
        parser.error(f"--writers: give writers of the training file, e.g. {HELD_OUT}")
    if args.weights:
        model = load_model(args.weights)
    else:
        network = train_without_held_out(args, [d for d in pen if d.writer not in held_out])
        described = ModelDescription(
            trained_with=" ".join(sys.argv), front_end="bench", sketch_reading=SOFTENED
        )
        model = Model(network, described)
        if args.save:
            save_model(model, args.save)
    readings = {"as drawn": AS_DRAWN, "softened": SOFTENED}  # see nn.sketch.reading
    models = {name: model.with_reading(reading) for name, reading in readings.items()}
    rows, _, right = read_held_out(models, [d for d in pen if d.writer in held_out])
    in_conditions = np.isin(rows, [c.name for c in CONDITIONS])
    seconds = time.perf_counter() - start
    named = ", ".join(str(w) for w in sorted(held_out))
    print(f"\nWriters {named} ({in_conditions.sum():,} drawings), {seconds:.0f} s, read:")
    print(f"  {'':<30} {'as drawn':>9} {'softened':>9}")
    for name in dict.fromkeys(rows):
        print(f"  {name:<30}" + "".join(f" {r[rows == name].mean():9.2%}" for r in right.values()))
    print(
        f"  {'overall':<30}" + "".join(f" {r[in_conditions].mean():9.2%}" for r in right.values())
    )
    errors = [int((~r[in_conditions]).sum()) for r in right.values()]
    print(f"  {'errors':<30}" + "".join(f" {e:9d}" for e in errors))


if __name__ == "__main__":
    main()
