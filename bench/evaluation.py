"""How long the Evaluate tab's maths takes: the default model on MNIST's 10,000 test images.

Through the functions the tab calls: ``evaluate_network`` (forward pass in pieces, confusion
matrix, the map's PCA and every image's place on it), then ``mistakes()`` and
``per_digit_accuracy``, then ``robustness_curves`` at its default levels. The parts are timed
inside the same runs (the forward pass ends at the last progress report) and again one by one
on the same arrays. Each figure is the median of the runs, in wall time and in this process's
CPU time: on a machine that other work shares, the CPU time is the steadier measure of the
compute itself. One OpenBLAS thread, as in the app, unless ``OPENBLAS_NUM_THREADS`` says
otherwise. Target: the whole evaluation at most 0.5 s.

    python bench/evaluation.py [--data MNIST_DIR] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads, as app/__main__.py
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from nn.data.mnist import load_idx_folder, local_mnist_folder  # noqa: E402
from nn.insight.evaluation import (  # noqa: E402
    confusion_matrix,
    evaluate_network,
    read_in_pieces,
)
from nn.insight.projection import fit_projection  # noqa: E402
from nn.insight.robustness import SUBSET, robustness_curves  # noqa: E402
from nn.paths import bundled_file  # noqa: E402
from nn.weights import load_model  # noqa: E402

TARGET = 0.5


def _clocks() -> np.ndarray:
    return np.array([time.perf_counter(), time.process_time()])


def median_seconds(work: Callable[[], object], repeats: int) -> np.ndarray:
    """Median (wall, CPU) seconds of ``work()``."""
    times = []
    for _ in range(repeats):
        start = _clocks()
        work()
        times.append(_clocks() - start)
    return np.median(times, axis=0)


def whole_evaluation(network, images, labels, repeats: int) -> tuple[np.ndarray, np.ndarray]:
    """Median (wall, CPU) seconds of the whole evaluation as the tab runs it, and of its
    forward pass."""
    totals, forwards = [], []
    last_report = _clocks()

    def note_time(done: int, total: int) -> None:
        last_report[:] = _clocks()

    for _ in range(repeats):
        start = _clocks()
        evaluation = evaluate_network(network, images, labels, progress=note_time)
        evaluation.mistakes()
        evaluation.per_digit_accuracy  # noqa: B018 - computed on first use, as the tab uses it
        totals.append(_clocks() - start)
        forwards.append(last_report - start)
    return np.median(totals, axis=0), np.median(forwards, axis=0)


def _both(seconds: np.ndarray) -> str:
    return f"{seconds[0]:6.3f} s wall  {seconds[1]:6.3f} s CPU"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder of the MNIST IDX files (default: MNIST_DIR)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    folder = args.data or local_mnist_folder()
    if folder is None:
        parser.error("needs full MNIST: --data DIR or MNIST_DIR")
    test = load_idx_folder(folder).test
    network = load_model(bundled_file("resources/default-model.npz")).network
    images, labels = test.images, test.labels
    threads = os.environ["OPENBLAS_NUM_THREADS"]
    print(f"default model {list(network.sizes)}, {len(test)} test images, {threads} BLAS thread(s)")
    print(f"median of {args.repeats} runs")

    total, forward = whole_evaluation(network, images, labels, args.repeats)
    _, answers, hidden = read_in_pieces(network, images)
    evaluation = evaluate_network(network, images, labels)
    labels64 = labels.astype(np.int64)
    parts = {
        "forward pass (in pieces)": median_seconds(
            lambda: read_in_pieces(network, images), args.repeats
        ),
        "confusion matrix": median_seconds(
            lambda: confusion_matrix(labels64, answers), args.repeats
        ),
        "map: PCA of the last hidden layer": median_seconds(
            lambda: fit_projection(hidden), args.repeats
        ),
        "map: placing every image": median_seconds(
            lambda: evaluation.map.place(hidden), args.repeats
        ),
        "mistakes, most confident first": median_seconds(evaluation.mistakes, args.repeats),
    }
    verdict = "meets" if total[1] <= TARGET else "misses"
    print(f"  {'whole evaluation:':38s}{_both(total)}", end="")
    print(f"   (CPU: {verdict} the target of {TARGET} s)")
    print(f"    {'of which the forward pass:':36s}{_both(forward)}")
    print("    each part alone:")
    for name, seconds in parts.items():
        print(f"      {name + ':':34s}{_both(seconds)}")
    print(f"  accuracy {evaluation.accuracy:.4f}, {len(evaluation.mistakes())} mistakes")

    curves: dict[str, list[tuple[float, float]]] = {}

    def measure_curves() -> None:
        curves.update(robustness_curves(network, images, labels))

    seconds = median_seconds(measure_curves, max(1, args.repeats // 2))
    print(f"  {f'robustness curves ({SUBSET} images):':38s}{_both(seconds)}")
    for name, curve in curves.items():
        print(f"    {name:10s}" + "  ".join(f"{lvl:g}: {acc:.3f}" for lvl, acc in curve))
    return 0


if __name__ == "__main__":
    sys.exit(main())
