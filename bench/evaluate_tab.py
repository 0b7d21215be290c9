"""Does the window stay responsive while the Evaluate tab evaluates? Stalls of the GUI thread.

The real MainWindow with the default model (temporary settings), the Train tab's data choice set
to a folder of MNIST's IDX files, the Evaluate tab shown on one of its pages; Evaluate is
clicked (a mouse click) and the event loop runs until the evaluation's thread has ended. The
worker loads the folder, evaluates the 10,000 test images and measures the robustness curves,
as for a user.

Meanwhile a 5 ms precise QTimer notes when it fires: a stall is the time between two timeouts
minus the 5 ms, i.e. how late the window answers anything. For each run: the longest stall, the
99th percentile, how many exceed 50 ms (target: none), and the times from the click to
``evaluated`` (everything but the curves shown), to the map filled and to the robustness curves
drawn. Each timeout also reads Linux's scheduler accounts (``/proc/self/task/*/schedstat``) of
the GUI thread and of the worker, so each stall splits into the GUI thread's own work (running),
waiting for a CPU (taken by the worker, the X server or other processes) and sleeping while a
timeout is overdue, which is waiting for the GIL (or for the X server). The tab's GUI-thread
steps are timed with ``time.perf_counter`` around them, so the report says where its time went;
``--events`` also lists every event that took over 8 ms (paints are ``UpdateRequest`` events on
the window, a plot's repaint a ``MetaCall`` on its scene), at the price of a Python ``notify``
around every event.

Run it under ``QT_QPA_PLATFORM=offscreen`` (the default here) and under Xvfb, whose painting
through xcb costs more (and whose server shares the CPUs):

    python bench/evaluate_tab.py [--data MNIST_DIR] [--runs 2] [--pages mistakes,map,robustness]
        [--events] [--worker-nice N]
    xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb \
        python bench/evaluate_tab.py --data MNIST_DIR
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads, as app/__main__.py
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

INTERVAL_MS = 5
STALL_LIMIT = 0.050
SLOW_EVENT = 0.008
PAGES = {"mistakes": 0, "cell": 1, "map": 2, "robustness": 3}


class TimingApplication(QApplication):
    """Notes every top-level event whose handling took longer than :data:`SLOW_EVENT` (only with
    ``--events``: a Python ``notify`` holds the GIL around each event, which changes how the
    GUI thread and the worker share it)."""

    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        self.depth = 0
        self.slow: list[tuple[float, float, str]] = []  # (end, seconds, what)

    def notify(self, receiver: QObject, event: QEvent) -> bool:
        self.depth += 1
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return super().notify(receiver, event)
        finally:
            self.depth -= 1
            if self.depth == 0:
                end = time.perf_counter()
                if end - start > SLOW_EVENT:
                    ran = time.thread_time() - cpu
                    self.slow.append(
                        (end, end - start, f"{describe(event, receiver)}, ran {1000 * ran:.1f} ms")
                    )


def describe(event: QEvent, receiver: QObject) -> str:
    """The event's type and its receiver (for a graphics scene, the plot showing it)."""
    name = receiver.objectName() or type(receiver).__name__
    views = getattr(receiver, "views", None)
    if callable(views) and views():
        name = f"scene of {views()[0].objectName() or type(views()[0]).__name__}"
    return f"{event.type().name} → {name}"


class SlotTimes:
    """Wall time spent in chosen methods of the tab's objects, by label."""

    def __init__(self) -> None:
        self.calls: dict[str, list[float]] = defaultdict(list)
        self.wrapped: list[tuple[type, str, Callable]] = []

    def wrap(self, owner: object, name: str, label: str) -> None:
        """Replace the method ``name`` of ``owner``'s class by a timed version. On the class,
        so that ``owner.name`` stays a bound method of a QObject and a signal connected to it
        is still queued to the GUI thread."""
        cls = type(owner)
        original = cls.__dict__.get(name)
        if original is None:
            return

        def timed(this, *args, **kwargs):
            start = time.perf_counter()
            try:
                return original(this, *args, **kwargs)
            finally:
                self.calls[label].append(time.perf_counter() - start)

        timed.__name__, timed.__qualname__ = original.__name__, original.__qualname__
        setattr(cls, name, timed)
        self.wrapped.append((cls, name, original))

    def unwrap(self) -> None:
        """Put the methods back (the next run wraps them afresh)."""
        for cls, name, original in self.wrapped:
            setattr(cls, name, original)
        self.wrapped.clear()


def schedstat(path: str) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of a thread, from Linux's
    ``schedstat``; NaN when it cannot be read."""
    try:
        with open(path) as file:
            running, waiting, _ = file.read().split()
        return int(running) / 1e9, int(waiting) / 1e9
    except (OSError, ValueError):
        return float("nan"), float("nan")


class Clock:
    """The 5 ms ticks: wall time and the scheduler's accounts of the GUI and worker threads.

    Over a gap between ticks the GUI thread was either running, runnable but kept off the CPUs
    (by the worker or other processes), or asleep: the last, while a tick is overdue, is a wait
    for the GIL (or for the X server)."""

    def __init__(self) -> None:
        self.worker_id: int | None = None
        self.gui_path = f"/proc/self/task/{threading.get_native_id()}/schedstat"
        self.rows: list[tuple[float, ...]] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.tick)
        self.marks: dict[str, float] = {}
        self.watch: list[tuple[str, Callable[[], bool]]] = []

    def tick(self) -> None:
        now = time.perf_counter()
        worker = f"/proc/self/task/{self.worker_id}/schedstat" if self.worker_id else ""
        self.rows.append((now, *schedstat(self.gui_path), schedstat(worker)[0]))
        for name, done in self.watch:
            if name not in self.marks and done():
                self.marks[name] = now

    def start(self) -> None:
        self.rows.clear()
        self.marks.clear()
        self.tick()
        self.timer.start()

    def stalls(self) -> np.ndarray:
        """(k, 5): end time, stall (gap − interval), and during the gap the GUI thread's time
        running and waiting for a CPU, and the worker's time running."""
        rows = np.array(self.rows)
        gaps = np.diff(rows, axis=0)
        stall = gaps[:, 0] - INTERVAL_MS / 1000
        return np.column_stack([rows[1:, 0], stall, gaps[:, 1], gaps[:, 2], gaps[:, 3]])


def folder_loader(folder: str, clock: Clock) -> Callable:
    """The app's loader for the FOLDER choice, noting the worker thread's id for its clock."""
    from app.train.data_source import load_data

    def load(choice, on_download_progress, should_stop):
        clock.worker_id = threading.get_native_id()
        return load_data(choice, on_download_progress, should_stop)

    return load


def time_slots(tab, slots: SlotTimes) -> None:
    """Time the tab's GUI-thread steps: hand-over, confusion, gallery, map, robustness."""
    for owner, name, label in (
        (tab, "_on_evaluated", "hand-over: received"),
        (tab, "_show_summary", "hand-over: matrix and summary"),
        (tab, "_show_mistakes", "hand-over: mistakes"),
        (tab, "_show_map", "hand-over: map"),
        (tab.confusion, "set_confusion", "confusion matrix"),
        (tab.mistakes, "set_evaluation", "mistakes gallery"),
        (tab.map, "set_map", "map: set_map"),
        (tab.map, "fill_digit", "map: one digit"),
        (tab, "_run_step", "one step of showing results"),
        (tab.detail, "show_digit", "digit detail"),
        (tab, "_show_curves", "robustness: shown"),
        (tab.robustness, "set_curves", "robustness plots"),
        (tab, "_on_progress", "progress bar"),
        (tab, "_on_stage", "progress bar: stage"),
        (tab, "_clear_results", "clearing the last results"),
    ):
        slots.wrap(owner, name, label)


def run_once(app: TimingApplication, window, page: str, clock: Clock) -> dict:
    tab = window.evaluation_tab
    tab.views.setCurrentIndex(PAGES[page])
    app.processEvents()
    slots = SlotTimes()
    time_slots(tab, slots) if os.environ.get("WRAP", "1") == "1" else None
    marks: dict[str, float] = {}
    tab.evaluated.connect(lambda _: marks.setdefault("evaluated", time.perf_counter()))
    tab.robustness_measured.connect(
        lambda _: marks.setdefault("robustness drawn", time.perf_counter())
    )
    clock.watch = [("map filled", lambda: "evaluated" in marks and tab.map.filled)]
    loop = QEventLoop()
    tab.running_changed.connect(lambda running: running or loop.quit())
    app.slow.clear()
    clock.start()
    start = time.perf_counter()
    QTest.mouseClick(tab.evaluate_button, Qt.MouseButton.LeftButton)
    if tab.is_running:
        loop.exec()
    settle = QEventLoop()
    QTimer.singleShot(300, settle.quit)  # the last repaints
    settle.exec()
    clock.timer.stop()
    tab.running_changed.disconnect()
    tab.evaluated.disconnect()
    tab.robustness_measured.disconnect()
    slots.unwrap()
    marks.update(clock.marks)
    if tab.evaluation is None:
        raise SystemExit(f"the evaluation failed: {tab.summary_label.text()}")
    return {
        "stalls": clock.stalls(),
        "marks": {name: at - start for name, at in marks.items()},
        "slots": dict(slots.calls),
        "slow": [(end - start, seconds, what) for end, seconds, what in app.slow],
        "start": start,
    }


def report(run: dict, page: str, number: int, verbose: bool) -> None:
    stalls = run["stalls"]
    stall = stalls[:, 1]
    marks = run["marks"]
    times = "  ".join(f"{name} {1000 * at:5.0f} ms" for name, at in sorted(marks.items()))
    print(
        f"run {number} ({page} page): max stall {1000 * stall.max():5.1f} ms  "
        f"p99 {1000 * np.percentile(stall, 99):5.1f} ms  "
        f"> 50 ms: {int(np.sum(stall > STALL_LIMIT))}  |  {times}"
    )
    steps = []
    for label, calls in sorted(run["slots"].items()):
        steps.append(f"{label} {len(calls)}× max {1000 * max(calls):.1f} ms")
    print("    GUI-thread steps: " + "; ".join(steps))
    worst = stalls[np.argsort(-stall)[:3]]
    for end, seconds, running, waiting, worker in worst:
        gap = seconds + INTERVAL_MS / 1000
        print(
            f"    stall {1000 * seconds:5.1f} ms at {1000 * (end - run['start']):5.0f} ms: "
            f"GUI thread running {1000 * running:4.1f}, waiting for a CPU {1000 * waiting:4.1f}, "
            f"asleep {1000 * max(0.0, gap - running - waiting):4.1f} ms; "
            f"worker running {1000 * worker:4.1f} ms"
        )
    if verbose:
        for at, seconds, what in run["slow"]:
            print(f"    slow event at {1000 * at:5.0f} ms: {1000 * seconds:5.1f} ms {what}")


def summary(runs: list[dict]) -> None:
    stalls = np.concatenate([run["stalls"][:, 1] for run in runs])
    maxima = sorted(1000 * run["stalls"][:, 1].max() for run in runs)
    print(
        f"all {len(runs)} runs: max stall per run {', '.join(f'{m:.0f}' for m in maxima)} ms "
        f"(median {statistics.median(maxima):.0f} ms); p99 over all ticks "
        f"{1000 * np.percentile(stalls, 99):.1f} ms; stalls > 50 ms: "
        f"{int(np.sum(stalls > STALL_LIMIT))} (target: max ≤ 50 ms)"
    )
    for name in ("evaluated", "map filled", "robustness drawn"):
        values = [run["marks"][name] for run in runs if name in run["marks"]]
        if values:
            print(f"  click → {name}: median {1000 * statistics.median(values):.0f} ms")
    # where the stalls went: the GUI thread's own work, waiting for a CPU, or asleep (the GIL)
    big = np.concatenate([run["stalls"][run["stalls"][:, 1] > 0.020] for run in runs])
    if len(big):
        wall = big[:, 1].sum() + INTERVAL_MS / 1000 * len(big)
        running, waiting = big[:, 2].sum(), big[:, 3].sum()
        print(
            f"  {len(big)} stalls > 20 ms, {1000 * wall:.0f} ms in all; the GUI thread was "
            f"running {100 * running / wall:.0f} %, waiting for a CPU {100 * waiting / wall:.0f} "
            f"%, asleep (GIL) {100 * max(0.0, wall - running - waiting) / wall:.0f} %; the "
            f"worker was running {100 * np.nansum(big[:, 4]) / wall:.0f} %"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR", ""), help="IDX folder")
    parser.add_argument("--runs", type=int, default=2, help="evaluations per page")
    parser.add_argument("--pages", default="mistakes,map,robustness")
    parser.add_argument("--events", action="store_true", help="time and list slow events")
    parser.add_argument(
        "--worker-nice", type=int, default=None, help="the worker's niceness (default: the app's)"
    )
    args = parser.parse_args()
    if not args.data or not Path(args.data).is_dir():
        raise SystemExit("give --data MNIST_FOLDER (or set MNIST_DIR) holding MNIST's IDX files")
    app = TimingApplication(sys.argv[:1]) if args.events else QApplication(sys.argv[:1])
    app.slow = []
    settings = tempfile.TemporaryDirectory()
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings.name)
    import app.evaluate.evaluation_worker as evaluation_worker
    from app.main_window import MainWindow

    if args.worker_nice is not None:
        evaluation_worker.WORKER_NICENESS = args.worker_nice
    from app.train.data_source import FOLDER, DataChoice

    clock = Clock()
    window = MainWindow(data_loader=folder_loader(args.data, clock))
    window.resize(1280, 800)
    window.show()
    window.training_tab.dataset_chooser.set_choice(DataChoice(FOLDER, args.data))
    window.tabs.setCurrentWidget(window.evaluation_tab)
    QTest.qWaitForWindowExposed(window)
    app.processEvents()
    model = window.model.model
    print(
        f"platform {app.platformName()}, model {model.network.sizes if model else None}, "
        f"data {args.data}, switch interval {1000 * sys.getswitchinterval():.0f} ms, "
        f"worker niceness +{getattr(evaluation_worker, 'WORKER_NICENESS', 0)}"
    )
    runs = []
    for _ in range(args.runs):
        for page in args.pages.split(","):
            run = run_once(app, window, page, clock)
            report(run, page, len(runs) + 1, args.events)
            runs.append(run)
    summary(runs)
    window.close()
    settings.cleanup()


if __name__ == "__main__":
    main()
