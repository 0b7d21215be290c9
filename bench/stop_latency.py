"""How soon Stop and closing the window take effect at the extremes the Train tab allows, and how
long Undo takes on a canvas of 5,000 strokes; all through the real window, as a user gets them.

- Training: the real MainWindow (offscreen) trains on full MNIST (``--data``, else ``$MNIST_DIR``,
  else the committed sample) with the form at its extremes: 5,000 hidden units in one or two
  layers, mini-batches of 60,000 (the whole training set in one step) or 32, the form's other
  settings as they come (sigmoid, N(0, 1)). Once training is under way, Stop is clicked and the
  clock runs until training has halted (``Trainer.run`` returned) and until the run's thread
  has ended (after scoring the stopped network on the test images, every k-th for a large
  network, for the Draw tab to show). In a second window, the window is closed and the clock
  runs until ``close()`` returns (it waits for the thread; a closing window scores nothing).
  One more case stops during the evaluation of the validation and test sets after the first
  epoch (the training set cut to 1,000 images so that the epoch ends soon); the last one trains
  the largest network with mini-batches of 32 as it is better trained: ReLU, N(0, 1/n_in).
  Mini-batches of at most 32 are computed whole, bit for bit as before, so there a stop waits
  for the matrix product under way; with sigmoids saturated by N(0, 1) weights many products
  are subnormal numbers, which makes one product of that network take up to about 0.8 s.
- Download: the Train tab downloads MNIST from a server on 127.0.0.1 that accepts the connection
  and never answers; Stop, then closing the window, are timed the same way.
- Undo: 5,000 short strokes are drawn with the mouse on the Draw tab (the default model reading
  along), then Undo is clicked 20 times; the time per click includes the new prediction.

Target: training halted and the window closed ≤ 0.5 s at every setting; a download stopped or
closed ≤ 0.5 s; Undo fast at any stroke count.
Usage: ``python bench/stop_latency.py [--data DIR] [--only training,download,undo] [--cap 120]
[--cases 1,2,3,4] [--repeats 1]`` (``--cap``: seconds to wait for a stop before giving up on that
case; ``--repeats``: Stop and close that many times per case, at a different moment each time,
and print the worst).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as app/__main__.py sets it
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from PySide6.QtCore import QSettings, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from app.main_window import DEFAULT_MODEL, MainWindow
from nn.data.dataset import MnistSplits
from nn.data.download import download_mnist
from nn.data.mnist import has_mnist_files, load_idx_folder, load_sample

TARGET = 0.5
RUNNING_FOR = 1.5
"""Seconds of training before Stop or close, plus up to one more chosen at random: the first
step is well under way, at a different point each time."""


def load_splits(folder: str | None) -> MnistSplits:
    folder = folder or os.environ.get("MNIST_DIR")
    if folder and has_mnist_files(folder):
        return load_idx_folder(folder)
    return load_sample()


def spin(seconds: float) -> None:
    """Run the event loop for ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.002)


def wait_for(condition: Callable[[], object], cap: float) -> float | None:
    """Seconds until ``condition()`` holds, the event loop running; None after ``cap`` seconds."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > cap:
            return None
        QApplication.processEvents()
        time.sleep(0.001)
    return time.perf_counter() - start


class Case:
    """One setting of the form, and when to interrupt it."""

    def __init__(
        self, name: str, hidden: str, batch: int, *, in_evaluation: bool = False, relu=False
    ) -> None:
        self.name, self.hidden, self.batch = name, hidden, batch
        self.in_evaluation, self.relu = in_evaluation, relu


CASES = [
    Case("[784, 5000, 10], mini-batch 60,000", "5000", 60_000),
    Case("[784, 5000, 5000, 10], mini-batch 60,000", "5000,5000", 60_000),
    Case("[784, 5000, 5000, 10], mini-batch 32", "5000,5000", 32),
    Case("[784, 5000, 5000, 10], in the evaluation after epoch 1", "5000,5000", 60_000,
         in_evaluation=True),
    Case("[784, 5000, 5000, 10], mini-batch 32, ReLU, N(0, 1/n_in)", "5000,5000", 32, relu=True),
]  # fmt: skip


def start_run(
    case: Case, splits: MnistSplits, settings: QSettings, rng: np.random.Generator
) -> MainWindow:
    """A window training ``case``, returned once training is under way (or evaluating)."""
    if case.in_evaluation:
        splits = MnistSplits(splits.training.subset(1000), splits.validation, splits.test)
    window = MainWindow(default_model=None, data_loader=lambda *_: splits, settings=settings)
    window.show()
    tab = window.training_tab
    tab.form.hidden_edit.setText(case.hidden)
    tab.form.batch_spin.setValue(case.batch)
    tab.form.epochs_spin.setValue(3)
    tab.form.seed_edit.setText("1")
    if case.relu:
        for combo, value in ((tab.form.activation_combo, "relu"), (tab.form.init_combo, "scaled")):
            combo.setCurrentIndex(combo.findData(value))
    epoch_trained = threading.Event()
    tab.train_button.click()
    worker = tab.worker
    worker.progress.connect(lambda done, total: done == total and epoch_trained.set())
    wait_for(lambda: worker.trainer is not None, 600)
    if case.in_evaluation:
        wait_for(epoch_trained.is_set, 600)
        spin(0.3 * rng.uniform(0.5, 1.5))  # the evaluation is under way
    else:
        spin(RUNNING_FOR + rng.uniform(0, 1))
    return window


def time_stop(window: MainWindow, cap: float) -> tuple[float | None, float | None]:
    """Seconds from clicking Stop until training halted (``Trainer.run`` returned) and until the
    run's thread ended (the stopped network scored on the test set and handed over)."""
    tab = window.training_tab
    trainer = tab.worker.trainer
    start = time.perf_counter()
    tab.stop_button.click()
    halted = wait_for(lambda: trainer is None or trainer.stopped, cap)
    halted = None if halted is None else time.perf_counter() - start
    ended = wait_for(lambda: not tab.is_running, cap)
    return halted, None if ended is None else time.perf_counter() - start


def time_close(window: MainWindow) -> float:
    start = time.perf_counter()
    window.close()
    return time.perf_counter() - start


def shown(seconds: float | None, cap: float) -> str:
    if seconds is None:
        return f"> {cap:.0f} s (gave up)"
    verdict = "OK" if seconds <= TARGET else "over"
    return f"{seconds * 1000:7.0f} ms  {verdict}"


def worst(timings: list[float | None], cap: float) -> str:
    """The worst of ``timings``, then each of them if there are several."""
    if None in timings:
        return shown(None, cap)
    each = ", ".join(f"{t * 1000:.0f}" for t in timings)
    return shown(max(timings), cap) + (f"  (worst of {each} ms)" if len(timings) > 1 else "")


def bench_training(
    splits: MnistSplits, settings: QSettings, cap: float, cases: list[Case], repeats: int
) -> bool:
    """Prints each case; False if a run was left running (the process must then exit hard)."""
    print(f"training on {splits!r}")
    rng = np.random.default_rng(0)
    for case in cases:
        halted, ended, closed = [], [], []
        for _ in range(repeats):
            window = start_run(case, splits, settings, rng)
            stop = time_stop(window, cap)
            halted.append(stop[0])
            ended.append(stop[1])
            window.deleteLater()
            if stop[1] is None:
                break
            window = start_run(case, splits, settings, rng)
            closed.append(time_close(window))
            window.deleteLater()
            QApplication.processEvents()
        print(f"  {case.name:58} Stop  → training halted: {worst(halted, cap)}")
        print(f"  {'':58} Stop  → thread ended:    {worst(ended, cap)}")
        if None in ended:
            print("  (closing would wait as long; the remaining cases are skipped)")
            return False
        print(f"  {'':58} close → returned:        {worst(closed, cap)}")
    return True


class StallingServer:
    """Accepts connections on 127.0.0.1 and never sends a byte; stops by itself after
    ``lifetime`` seconds."""

    def __init__(self, lifetime: float) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.accepted = threading.Event()
        self.lifetime = lifetime
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/"

    def _serve(self) -> None:
        held = []
        end = time.monotonic() + self.lifetime
        while time.monotonic() < end:
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            held.append(connection)
            self.accepted.set()
        for connection in held:
            connection.close()
        self.listener.close()


def bench_download(settings: QSettings, cap: float) -> bool:
    print("download from a server that accepts and never answers (127.0.0.1)")
    for action in ("Stop", "close"):
        server = StallingServer(lifetime=cap + 30)
        folder = tempfile.TemporaryDirectory()

        def loader(choice, on_progress, should_stop, url=server.url, folder=folder.name):
            path = download_mnist(
                Path(folder), on_progress=on_progress, mirrors=[url], should_stop=should_stop
            )
            return load_idx_folder(path)

        window = MainWindow(default_model=None, data_loader=loader, settings=settings)
        window.show()
        window.training_tab.train_button.click()
        wait_for(server.accepted.is_set, 30)
        spin(RUNNING_FOR)
        if action == "Stop":
            _, seconds = time_stop(window, cap)
            print(f"  Stop  → thread ended: {shown(seconds, cap)}")
            if seconds is None:
                return False
            window.close()
        else:
            print(f"  close → returned:     {shown(time_close(window), cap)}")
        window.deleteLater()
        QApplication.processEvents()
        folder.cleanup()
    return True


def bench_undo(settings: QSettings, strokes: int = 5000, undos: int = 20) -> None:
    from app.draw.mouse_replay import drag

    window = MainWindow(default_model=DEFAULT_MODEL, settings=settings)
    window.show()
    tab = window.drawing_tab
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    bend = np.linspace(0, np.pi, 10)
    for u, v in rng.uniform(0.2, 0.75, (strokes, 2)):  # a small arc of 10 points each
        arc = [(u + 0.04 * t / np.pi, v + 0.02 * np.sin(t)) for t in bend]
        drag(tab.canvas, [arc], fractions=True)
    drawn = time.perf_counter() - start
    QApplication.processEvents()
    times = []
    for _ in range(undos):
        start = time.perf_counter()
        tab.undo_button.click()
        times.append(time.perf_counter() - start)
        QApplication.processEvents()
    assert len(tab.canvas.strokes()) == strokes - undos
    ms = sorted(t * 1000 for t in times)
    print(
        f"undo with {strokes:,} strokes ({drawn:.1f} s to draw them): "
        f"median {statistics.median(ms):.1f} ms, worst {ms[-1]:.1f} ms of {undos} clicks"
    )
    window.close()


def quiet_offscreen(kind, context, message: str) -> None:
    """Qt's messages, less the offscreen platform's note on every window shown."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder of the four MNIST IDX files")
    parser.add_argument("--only", default="training,download,undo")
    parser.add_argument("--cap", type=float, default=120.0)
    parser.add_argument("--cases", default="1,2,3,4,5", help="which training cases (1-5)")
    parser.add_argument("--repeats", type=int, default=1, help="stops and closes per case")
    args = parser.parse_args()
    cases = [CASES[int(number) - 1] for number in args.cases.split(",")]
    parts = set(args.only.split(","))
    application = QApplication(sys.argv[:1])
    qInstallMessageHandler(quiet_offscreen)
    folder = tempfile.TemporaryDirectory()
    settings = QSettings(str(Path(folder.name) / "settings.ini"), QSettings.Format.IniFormat)
    finished = True
    if "undo" in parts:
        bench_undo(settings)
    if "download" in parts:
        finished = bench_download(settings, args.cap)
    if finished and "training" in parts:
        splits = load_splits(args.data)
        finished = bench_training(splits, settings, args.cap, cases, args.repeats)
    application.processEvents()
    folder.cleanup()
    if not finished:
        sys.stdout.flush()
        os._exit(1)  # a run is still going: Qt must not destroy its running thread


if __name__ == "__main__":
    main()
