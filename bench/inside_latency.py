"""Latency from a mouse move to every view updated with the network view shown, through the
drawing tab's real code; and gradient × input against integrated gradients on pen digits.

A :class:`app.draw.drawing_tab.DrawingTab` is built offscreen with the default model (or the
weight file given), its settings in a temporary file. Digits are replayed as mouse strokes
(:func:`bench.sketch_latency.replay`): for each mouse move the clock runs from sending the event
to the return of ``DrawingTab.update_prediction()``. With "Show the network" checked that is
the answer (preview, bars, label) plus :func:`nn.insight.inside.look_inside` and the network
view's grids, strongest connections and description, and the "what it looks at" image; with it
unchecked, the answer alone. The two are measured in alternating rounds. A third figure adds the
repaint of the whole tab (``processEvents``) with the views shown.

Then pen digits of the test writers (``pendigits-orig.tes``) are drawn into the tab, and for
the input each one gives, gradient × input (what the app shows) is compared with integrated
gradients (32 steps from a black image): how alike the two maps are, how closely each adds up
to z(x) − z(black), and what each costs.

    python bench/inside_latency.py [--events 600] [--weights FILE] [--pendigits FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.sketch_latency import replay  # noqa: E402

SHOWN_BUDGET_MS = 5.0
HIDDEN_BUDGET_MS = 2.0
PEN_DIGITS = ROOT.parent / "shared/data/pendigits/pendigits-orig.tes.gz"
ROUNDS = 3


def percentiles(timings: list[float]) -> tuple[float, float, float]:
    p50, p95 = np.percentile(timings, [50, 95])
    return float(p50), float(p95), float(max(timings))


def report(label: str, timings: list[float]) -> float:
    p50, p95, worst = percentiles(timings)
    print(f"{label}: {len(timings)} moves, p50 {p50:.3f} ms, p95 {p95:.3f} ms, max {worst:.3f} ms")
    return p95


def time_views(tab, events: int) -> tuple[list[float], list[float], list[float]]:
    """Per-move milliseconds with the views shown and hidden (alternating rounds), and shown
    with the repaint."""
    shown: list[float] = []
    hidden: list[float] = []
    per_round = max(1, events // ROUNDS)
    for _ in range(ROUNDS):
        tab.inside.toggle.setChecked(False)
        hidden += replay(tab, per_round, repaint=False)
        tab.inside.toggle.setChecked(True)
        shown += replay(tab, per_round, repaint=False)
    repainted = replay(tab, per_round, repaint=True)
    return shown, hidden, repainted


def compare_attributions(tab, path: Path, count: int) -> None:
    """Gradient × input against integrated gradients on ``count`` pen digits drawn in ``tab``."""
    from app.draw.mouse_replay import drag
    from nn.data.pendigits import load_pendigits
    from nn.handwriting.strokes import place_on_canvas
    from nn.insight.inside import integrated_gradients, look_inside, winner_z
    from nn.sketch.recipe import CANVAS_PIXELS

    if not path.is_file():
        print(f"no pen digits at {path}: attribution comparison skipped")
        return
    digits = load_pendigits(path)
    chosen = [next(d for d in digits[i * 7 :] if d.label == i % 10) for i in range(count)]
    network = tab.model.network
    black = np.zeros(784, np.float32)
    cosines, top_agree, gxi_gap, ig_gap, gxi_ms, ig_ms = [], [], [], [], [], []
    for digit in chosen:
        tab.clear()
        drag(tab.canvas, place_on_canvas(digit.strokes, 0.6 * CANVAS_PIXELS))
        x = tab.current_input()
        start = time.perf_counter()
        inside = look_inside(network, x)
        gxi_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        ig = integrated_gradients(network, x, inside.winner, steps=32)
        ig_ms.append((time.perf_counter() - start) * 1000)
        gxi = inside.attribution.astype(np.float64)
        cosines.append(float(gxi @ ig / (np.linalg.norm(gxi) * np.linalg.norm(ig))))
        top = np.argsort(-np.abs(ig))[:50]
        top_agree.append(float(np.mean(np.sign(gxi[top]) == np.sign(ig[top]))))
        change = inside.z - winner_z(network, black, inside.winner)
        gxi_gap.append(abs(gxi.sum() - change) / abs(change))
        ig_gap.append(abs(float(ig.sum()) - change) / abs(change))
    tab.clear()
    print(f"attributions on {count} pen digits (one per digit, the test writers):")
    print(
        f"  cosine(gradient×input, integrated gradients): median {np.median(cosines):.2f}, "
        f"min {min(cosines):.2f}; same sign on IG's 50 strongest pixels: "
        f"median {np.median(top_agree):.0%}"
    )
    print(
        f"  |Σ map − (z(x) − z(black))| / |z(x) − z(black)|: gradient×input median "
        f"{np.median(gxi_gap):.2f}, integrated gradients median {np.median(ig_gap):.3f}"
    )
    print(
        f"  cost: look_inside (everything) median {np.median(gxi_ms):.2f} ms, "
        f"integrated gradients alone median {np.median(ig_ms):.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=600, help="mouse moves to time per case")
    parser.add_argument("--weights", type=Path, help="a weight file (default: the default model)")
    parser.add_argument("--pendigits", type=Path, default=PEN_DIGITS, help="the .tes file")
    parser.add_argument("--digits", type=int, default=10, help="pen digits to compare on")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    from app.draw.drawing_tab import DrawingTab
    from nn.paths import bundled_file
    from nn.weights import load_model

    model = load_model(args.weights or bundled_file("resources/default-model.npz"))
    print(f"model: {list(model.network.sizes)}, reads sketches {model.reading.describe()}")
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        tab = DrawingTab(model, settings=settings)
        tab.resize(1200, 760)
        tab.show()
        app.processEvents()
        tab.inside.toggle.setChecked(True)
        replay(tab, 100, repaint=True)  # warm-up: caches, first paints
        shown, hidden, repainted = time_views(tab, args.events)
        shown_p95 = report("move → every view (network shown)", shown)
        hidden_p95 = report("move → answer (network hidden)  ", hidden)
        report("move → every view + repaint     ", repainted)
        compare_attributions(tab, args.pendigits, args.digits)
        tab.close()
    ok = shown_p95 <= SHOWN_BUDGET_MS and hidden_p95 <= HIDDEN_BUDGET_MS
    print(
        f"p95 shown {shown_p95:.3f} ms (budget {SHOWN_BUDGET_MS}), hidden {hidden_p95:.3f} ms "
        f"(budget {HIDDEN_BUDGET_MS}): {'OK' if ok else 'TOO SLOW'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
