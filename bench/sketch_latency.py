"""Latency from a mouse move on the canvas to updated bars, through the drawing tab's real code.

A :class:`app.draw.drawing_tab.DrawingTab` is built offscreen with the default model
(``resources/default-model.npz``, or the weight file given) and its settings in a temporary file,
so the network view is hidden, as it is by default. Digits are replayed as mouse
strokes; for each mouse move event the clock runs from sending the event (the canvas paints the
new segment into its 560x280 image) to the return of ``DrawingTab.update_prediction()`` (sketch →
28x28, predict, preview, ``BarGraphItem.setOpts``, label): the same method the live timer and a
release call.
A second figure adds the repaint of the whole tab that follows on screen (``processEvents``).

    python bench/sketch_latency.py [--events 600] [--weights FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

from app.draw.mouse_replay import mouse_events

BUDGET_MS = 2.0


def digit_strokes() -> list[np.ndarray]:
    """A few digits as strokes of (u, v) canvas fractions, about 3 screen pixels per move."""
    t = np.linspace(0, 2 * np.pi, 120)
    zero = np.c_[0.5 + 0.22 * np.sin(t), 0.5 - 0.33 * np.cos(t)]
    seven = np.r_[np.c_[np.linspace(0.25, 0.75, 50), np.full(50, 0.2)],
                  np.c_[np.linspace(0.75, 0.45, 80), np.linspace(0.2, 0.85, 80)]]  # fmt: skip
    eight = np.c_[0.5 + 0.15 * np.sin(2 * t), 0.5 - 0.33 * np.cos(t)]
    return [zero, seven, eight]


def replay(tab, events: int, repaint: bool) -> list[float]:
    """Milliseconds per mouse move, for ``events`` moves over repeated digits."""
    canvas = tab.canvas
    timings: list[float] = []
    while len(timings) < events:
        for stroke in digit_strokes():
            start = time.perf_counter()
            for event in mouse_events(canvas, [stroke], fractions=True):  # each made when asked
                QApplication.sendEvent(canvas, event)
                if event.type() == QEvent.Type.MouseMove:
                    tab.update_prediction()
                    if repaint:
                        QApplication.processEvents()
                    timings.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()  # the next event's clock includes making it
            tab.clear()
            QApplication.processEvents()
    return timings[:events]


def report(label: str, timings: list[float]) -> float:
    p50, p95 = np.percentile(timings, [50, 95])
    worst = max(timings)
    print(f"{label}: {len(timings)} moves, p50 {p50:.3f} ms, p95 {p95:.3f} ms, max {worst:.3f} ms")
    return float(p95)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=600, help="mouse moves to time (≥ 500)")
    parser.add_argument("--weights", type=Path, help="a weight file (default: the default model)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    from app.draw.drawing_tab import DrawingTab
    from nn.paths import bundled_file
    from nn.weights import load_model

    model = load_model(args.weights or bundled_file("resources/default-model.npz"))
    print(f"model: {list(model.network.sizes)}, reads sketches {model.reading.describe()}")
    folder = tempfile.TemporaryDirectory()  # the user's own settings (network shown?) play no part
    settings = QSettings(str(Path(folder.name) / "settings.ini"), QSettings.Format.IniFormat)
    tab = DrawingTab(model, settings=settings)
    tab.resize(900, 560)
    tab.show()
    app.processEvents()
    replay(tab, 100, repaint=True)  # warm-up: caches, first paints
    p95 = report("move → bars (update path)", replay(tab, args.events, repaint=False))
    report("move → bars + repaint     ", replay(tab, args.events, repaint=True))
    verdict = "OK" if p95 <= BUDGET_MS else "TOO SLOW"
    print(f"update path p95 {p95:.3f} ms vs budget {BUDGET_MS} ms: {verdict}")
    tab.close()
    return 0 if p95 <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
