"""Teaching the default model a writer's hand: how much better it reads their other drawings.

For each writer of the pen-digit test file (14 writers no model here trained on), ``k`` of their
drawings of each digit become "their digits": drawn Qt-free as the canvas draws them
(:func:`nn.handwriting.strokes.render_strokes`, which a test holds to the real canvas; longer
side 60 % of the canvas, pen 22 px, the Draw tab's default), kept as the recipe's image plus
the strokes, exactly as the app's Teach tab stores them. The default model is adapted to them
by :func:`nn.personal.adapt.adapt`, the code the Teach button and ``python -m nn personalize``
run. Each of the writer's *other* drawings is then drawn under the seven conditions of
``bench/drawn_digits.py`` (sizes, corners, pens, turns) and read by :meth:`nn.model.Model.read`
(as the Draw tab reads: with its strokes) with the model before and after. Printed per writer
and ``k``: the share read right before and after, MNIST test accuracy after, and how long
teaching took.

Targets at k = 3: errors on the other drawings at least halved on average over writers, the
weakest writer (13) at least 98 %, MNIST test at least 98.9 % after, teaching at most 5 s with
one OpenBLAS thread (as the app runs).

``--tuning`` measures on the training file's 30 writers instead, the set the method was tuned
on. The default model learned those writers' digits, so each writer's drawings are first given
one slant, turn and stretch of their own (the same for all their digits, as a hand is), which
the model reads less well; with ``--hand per-digit`` each digit of each writer gets its own
(a writer whose 7 leans one way and whose 4 another). With ``--hand as-written`` the drawings
are taught and read as the writers wrote them: for a model that never learned those writers,
such as the one ``bench/held_out_writers.py --save`` trains without writers 26-30 (``--weights
FILE --writers 26,27,28,29,30``). The test file is never looked at then.

    python bench/personal.py [--data MNIST_DIR] [--weights FILE] [--k 1,3,5]
        [--writers 1,13] [--tuning [--hand one|per-digit|as-written]] [--seed 0]
        [--set wobble=0.08,steps=300]

``--set`` changes :class:`nn.personal.adapt.AdaptSettings` (numbers only), as the comparisons of
settings in ``docs/performance.md`` were made.

About 15 s per writer on this 2-core machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the app and nn/__main__.py, before NumPy
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.drawn_digits import CONDITIONS, TEST_FILE  # noqa: E402
from nn.data.mnist import find_mnist  # noqa: E402
from nn.data.pendigits import TRAINING_FILE, PenDigit, load_pendigits  # noqa: E402
from nn.handwriting.strokes import place_on_canvas, render_strokes  # noqa: E402
from nn.model import Model  # noqa: E402
from nn.personal.adapt import DEFAULT_SETTINGS, AdaptReport, AdaptSettings, adapt  # noqa: E402
from nn.personal.store import PersonalDigits  # noqa: E402
from nn.sketch.recipe import CANVAS_PIXELS, sketch_to_mnist  # noqa: E402
from nn.weights import load_model  # noqa: E402

TEACH_SIZE = 0.6
TEACH_PEN = 22.0
"""How the taught drawings are drawn: longer side 60 % of the canvas, the Draw tab's pen."""


def hand_of(writer: int) -> np.ndarray:
    """``--tuning``: the 2x2 map giving ``writer`` a hand of their own (turn 10-18°, shear
    0.45-0.65, either way, width ×0.74-1.35), the same each run."""
    rng = np.random.default_rng(1000 + writer)
    shear = rng.choice([-1, 1]) * rng.uniform(0.45, 0.65)
    turn = np.radians(rng.choice([-1, 1]) * rng.uniform(10, 18))
    stretch = np.exp(rng.uniform(-0.3, 0.3))
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    return rotation @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([stretch, 1.0])


def in_hands(digits: list[PenDigit], per_digit: bool) -> list[PenDigit]:
    """``--tuning``: the writer's drawings in their hand, one for all their digits or one per
    digit (:func:`hand_of` of ``100 * writer + digit``)."""
    return [
        in_hand(d, hand_of(100 * d.writer + d.label if per_digit else d.writer)) for d in digits
    ]


def in_hand(digit: PenDigit, hand: np.ndarray) -> PenDigit:
    """``digit`` written with ``hand`` (about its box's centre, tablet units)."""
    every = np.concatenate(digit.strokes).astype(float)
    centre = (every.min(axis=0) + every.max(axis=0)) / 2
    strokes = tuple((s.astype(float) - centre) @ hand.T + centre for s in digit.strokes)
    return PenDigit(digit.label, digit.writer, strokes)


def split(digits: list[PenDigit], k: int, rng: np.random.Generator):
    """``k`` random drawings of each digit to teach, and the others."""
    taught, others = [], []
    for label in range(10):
        own = [d for d in digits if d.label == label]
        order = rng.permutation(len(own))
        taught += [own[i] for i in order[:k]]
        others += [own[i] for i in order[k:]]
    return taught, others


def as_taught(digits: list[PenDigit]) -> PersonalDigits:
    """The drawings as the Teach tab keeps them: the recipe's image of the canvas, the strokes
    in canvas pixels and the pen width."""
    store = PersonalDigits.empty()
    for d in digits:
        strokes = place_on_canvas(d.strokes, TEACH_SIZE * CANVAS_PIXELS)
        image = sketch_to_mnist(render_strokes(strokes, TEACH_PEN))
        store = store.with_example(image, d.label, (TEACH_PEN, strokes))
    return store


def read_right(models: list[Model], digits: list[PenDigit]) -> np.ndarray:
    """``(models, drawings)``: whether each model read each digit right under each of the seven
    conditions (drawings condition by condition), as the Draw tab reads."""
    right = []
    for condition in CONDITIONS:
        for i, digit in enumerate(digits):
            strokes = condition.strokes(digit, i)
            sketch = render_strokes(strokes, condition.pen)
            answers = [model.read(sketch, strokes) for model in models]
            right.append([a is not None and a.digit == digit.label for a in answers])
    return np.array(right).T


def one_writer(
    base: Model, digits: list[PenDigit], ks: list[int], mnist, seed: int, settings: AdaptSettings
):
    """Adapt ``base`` to ``k`` of the writer's drawings per digit for each ``k``; returns per k
    ``(accuracy before, accuracy after, report)`` on the writer's other drawings."""
    adapted, others = [], []
    for k in ks:
        taught, rest = split(digits, k, np.random.default_rng([seed, digits[0].writer, k]))
        model, report = adapt(
            base,
            as_taught(taught),
            mnist.training,
            mnist.test,
            seed=seed,
            settings=settings,
        )
        adapted.append((model, report))
        others.append({id(d) for d in rest})
    right = read_right([base] + [model for model, _ in adapted], digits)
    per_drawing = np.array([id(d) for _ in CONDITIONS for d in digits])
    results = []
    for (_, report), rest, after in zip(adapted, others, right[1:], strict=True):
        mask = np.isin(per_drawing, list(rest))
        results.append((right[0][mask].mean(), after[mask].mean(), report))
    return results


def summary(k: int, rows: list[tuple[int, float, float, AdaptReport]], tuning: bool) -> None:
    before = np.array([r[1] for r in rows])
    after = np.array([r[2] for r in rows])
    mnist = np.array([r[3].mnist_after for r in rows])
    seconds = np.array([r[3].seconds for r in rows])
    errors_before, errors_after = 1 - before.mean(), 1 - after.mean()
    weakest = rows[int(np.argmin(before))]
    print(f"\nk = {k}: mean over {len(rows)} writers")
    print(f"  read right        {before.mean():7.2%} → {after.mean():7.2%}")
    print(f"  errors            {errors_before:7.2%} → {errors_after:7.2%}  "
          f"(× {errors_after / max(errors_before, 1e-12):.2f})")  # fmt: skip
    print(f"  weakest before    writer {weakest[0]}: {weakest[1]:.2%} → {weakest[2]:.2%}")
    print(f"  lowest after      {after.min():.2%} (writer {rows[int(np.argmin(after))][0]})")
    print(f"  MNIST test after  mean {mnist.mean():.2%}, lowest {mnist.min():.2%} "
          f"(before {rows[0][3].mnist_before:.2%})")  # fmt: skip
    print(f"  teaching          mean {seconds.mean():.1f} s, longest {seconds.max():.1f} s")
    if k == 3 and not tuning:
        print("  targets at k = 3:")
        halved = "met" if errors_after <= errors_before / 2 else "NOT met"
        print(f"    errors at least halved:  {halved}")
        w13 = [r for r in rows if r[0] == 13]
        if w13:
            met = "met" if w13[0][2] >= 0.98 else "NOT met"
            print(f"    writer 13 ≥ 98 %:        {met} ({w13[0][2]:.2%})")
        print(f"    MNIST ≥ 98.9 % after:    {'met' if mnist.min() >= 0.989 else 'NOT met'} "
              f"(lowest {mnist.min():.2%})")  # fmt: skip
        print(f"    teaching ≤ 5 s:          {'met' if seconds.max() <= 5 else 'NOT met'} "
              f"(longest {seconds.max():.1f} s)")  # fmt: skip


def changed_settings(text: str) -> AdaptSettings:
    """:data:`DEFAULT_SETTINGS` with ``name=number`` pairs (comma-separated) changed; raises
    ValueError naming a pair that is not a number setting."""
    changes = {}
    for pair in filter(None, text.split(",")):
        name, _, value = (part.strip() for part in pair.partition("="))
        current = getattr(DEFAULT_SETTINGS, name, None)
        if type(current) not in (int, float):
            raise ValueError(f"{name!r} is not a number setting of AdaptSettings")
        changes[name] = type(current)(float(value))
    return dataclasses.replace(DEFAULT_SETTINGS, **changes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST folder (default: MNIST_DIR or the downloads)")
    parser.add_argument("--weights", type=Path, default=ROOT / "resources/default-model.npz")
    parser.add_argument("--k", default="1,3,5", help="drawings taught per digit (1,3,5)")
    parser.add_argument("--writers", help="only these writers, e.g. 5,13")
    parser.add_argument("--tuning", action="store_true", help="the training file's writers")
    parser.add_argument(
        "--hand",
        choices=("one", "per-digit", "as-written"),
        default="one",
        help="--tuning: one hand per writer, one per writer and digit, or none",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", default="", help="settings to change, e.g. wobble=0.08,steps=300")
    args = parser.parse_args(argv)
    try:
        settings = changed_settings(args.set)
    except ValueError as error:
        parser.error(f"--set: {error}")
    ks = [int(k) for k in args.k.split(",")]
    base = load_model(args.weights)
    mnist = find_mnist(args.data)
    if len(mnist.test) < 10_000:
        print(f"note: MNIST from {mnist.source} ({len(mnist.test)} test images)")
    pen = load_pendigits(TRAINING_FILE if args.tuning else TEST_FILE)
    writers = sorted({d.writer for d in pen})
    if args.writers:
        writers = [w for w in writers if str(w) in args.writers.split(",")]
    print(f"{'writer':>6} {'k':>2} {'before':>8} {'after':>8} {'MNIST after':>12} {'teach':>7}")
    rows: dict[int, list] = {k: [] for k in ks}
    start = time.perf_counter()
    for writer in writers:
        digits = [d for d in pen if d.writer == writer]
        if args.tuning and args.hand != "as-written":
            digits = in_hands(digits, args.hand == "per-digit")
        for k, (before, after, report) in zip(
            ks, one_writer(base, digits, ks, mnist, args.seed, settings)
        ):
            rows[k].append((writer, before, after, report))
            print(f"{writer:>6} {k:>2} {before:8.2%} {after:8.2%} {report.mnist_after:12.2%} "
                  f"{report.seconds:6.1f}s", flush=True)  # fmt: skip
    for k in ks:
        summary(k, rows[k], args.tuning)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{time.perf_counter() - start:.0f} s in all; load average now {load} "
          f"on {os.cpu_count()} cores")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
