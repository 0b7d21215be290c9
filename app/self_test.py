"""The self-test: ``python -m app --self-test``, and ``DigitRecognizer --self-test`` when frozen.

Headless (``QT_QPA_PLATFORM=offscreen`` unless the environment names another platform), with only
bundled data and a temporary folder (the settings are an INI file there, never the user's), it
shows the main window with the default model, draws a 7 on the canvas with mouse events and
checks that the network reads it, trains one tiny epoch in a :class:`TrainingWorker` thread and
ends that thread, saves and reloads the weights, closes the window, checks that the log file
takes lines (the user's log, :mod:`app.log_file`, when it can be written), and prints one line::

    self-test ok: window 0.84 s, predict 0.6 ms, epoch 0.21 s, save+load 0.02 s

"window" runs from the start of the process (Linux; elsewhere from the entry script's start) to
the window's first paint. At the first failure it prints ``self-test FAILED at <step>: <why>``
to stderr and returns 1; an exception raised inside a Qt callback counts as a failure too.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import numpy as np
from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, Slot
from PySide6.QtWidgets import QApplication, QWidget

from app.draw.mouse_replay import drag
from app.log_file import check_log_file
from app.main_window import DEFAULT_MODEL, MainWindow
from app.train.data_source import DataChoice
from app.train.training_job import TrainingJob
from app.train.training_worker import TrainingWorker
from app.widgets.worker_thread import WorkerThread
from nn.data.dataset import MnistSplits
from nn.data.mnist import load_sample
from nn.description import ModelDescription
from nn.model import Model
from nn.network import Network
from nn.training import TrainingConfig
from nn.weights import load_model, save_model

EXPECTED_DIGIT = 7
SEVEN = [[(0.22, 0.2), (0.5, 0.19), (0.78, 0.2)], [(0.78, 0.2), (0.6, 0.5), (0.45, 0.82)]]
"""The strokes of the drawn 7, in fractions (across, down) of the canvas's drawing square."""
TINY_NETWORK = {
    "output_activation": "softmax",
    "cost": "cross-entropy",
    "init": "scaled",
    "seed": 1,
}
MIN_TEST_ACCURACY = 0.5  # after one epoch on 1,000 sample images (0.73 measured); chance is 0.1
TIMEOUT = 60.0  # seconds for any one wait


class SelfTestError(Exception):
    """A step of the self-test failed; ``step`` names it."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step


def run_self_test(argv: list[str], create_application: Callable, started_at: float) -> int:
    """Run every step, then print the timings and return 0, or print the failed step and return 1.

    ``create_application(argv)`` makes the QApplication; ``started_at`` is the entry script's
    ``time.monotonic()``, used where the process's own start cannot be read.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    errors: list[BaseException] = []
    previous_hook = sys.excepthook
    sys.excepthook = lambda kind, error, trace: errors.append(error)  # Qt callbacks' exceptions
    try:
        with tempfile.TemporaryDirectory(prefix="digit-recognizer-self-test-") as folder:
            test = SelfTest(Path(folder), process_started_at(started_at), errors)
            line = test.run(argv, create_application)
    except SelfTestError as failure:
        print(f"self-test FAILED at {failure}", file=_stream(sys.stderr), flush=True)
        return 1
    finally:
        sys.excepthook = previous_hook
    print(line, file=_stream(sys.stdout), flush=True)
    return 0


def process_started_at(fallback: float) -> float:
    """When this process began, on the ``time.monotonic()`` clock, read from ``/proc`` (Linux);
    for a one-file bundle, when the bootloader that unpacked it began. Else ``fallback``."""
    pid = "self"
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle and not Path(bundle).resolve().is_relative_to(Path(sys.executable).resolve().parent):
        pid = str(os.getppid())  # a one-file bundle runs in a child of the unpacking bootloader
    try:
        with open(f"/proc/{pid}/stat") as file:
            start_ticks = int(file.read().rsplit(")", 1)[1].split()[19])  # field 22, starttime
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return fallback
    return min(time.monotonic() - age, fallback)


def _stream(stream: TextIO | None) -> TextIO:
    """``stream``; for a windowed Windows executable, which has none, the console of the command
    prompt that started it, else nowhere."""
    if stream is not None:
        return stream
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            return open("CONOUT$", "w")  # left open until the process exits
    return open(os.devnull, "w")


def tiny_sample(choice: DataChoice, on_download_progress=None, should_stop=None) -> MnistSplits:
    """A data loader: 1,000 training, 200 validation and 200 test images of the bundled sample."""
    sample = load_sample()
    return MnistSplits(
        sample.training.subset(1000),
        sample.validation.subset(200),
        sample.test.subset(200),
        source="self-test subset of the committed sample",
    )


class FirstPaint(QObject):
    """An application event filter that notes when any widget of ``window`` is first painted."""

    def __init__(self, window: QWidget) -> None:
        super().__init__()
        self.window, self.at = window, None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self.at is None
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and watched.window() is self.window
        ):
            self.at = time.monotonic()
        return False


class WorkerResults(QObject):
    """Receives a TrainingWorker's signals in the GUI thread (queued, as the training tab does)."""

    def __init__(self) -> None:
        super().__init__()
        self.epochs, self.failures, self.network, self.finished = [], [], None, False

    @Slot(object)
    def on_epoch(self, result) -> None:
        self.epochs.append(result)

    @Slot(str)
    def on_failed(self, message: str) -> None:
        self.failures.append(message)

    @Slot(object)
    def on_finished(self, network) -> None:
        self.network, self.finished = network, True


class SelfTest:
    """The steps, in order; each raises :class:`SelfTestError` naming itself when it fails."""

    def __init__(self, folder: Path, launched: float, errors: list[BaseException]) -> None:
        self.folder, self.launched, self.errors = folder, launched, errors
        self.app: QApplication | None = None
        self.window: MainWindow | None = None

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Turn any exception in the block, or in a Qt callback meanwhile, into a failure."""
        try:
            yield
        except Exception as error:
            raise SelfTestError(name, f"{type(error).__name__}: {error}") from error
        if self.errors:
            error = self.errors[0]
            raise SelfTestError(
                name, f"exception in a Qt callback: {type(error).__name__}: {error}"
            )

    def wait_until(self, condition: Callable[[], object], what: str) -> None:
        """Process events until ``condition()`` holds; TimeoutError after :data:`TIMEOUT`."""
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {what} after {TIMEOUT:g} s")
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    def run(self, argv: list[str], create_application: Callable) -> str:
        with self.step("start"):
            self.app = QApplication.instance() or create_application(argv)
        try:
            with self.step("show the window"):
                window_s = self.show_window()
            with self.step("load the default model"):
                self.check_default_model()
            with self.step("draw a 7 and predict"):
                predict_ms = self.draw_and_predict()
            with self.step("train one epoch in the worker thread"):
                network, epoch_s = self.train_one_epoch()
            with self.step("save and reload the weights"):
                save_s = self.save_and_load(network)
            with self.step("close the window"):
                self.close_window()
            with self.step("write the log"):
                check_log_file()  # passes when the log goes to the terminal only, as it said
        finally:
            self.delete_window()
        return (
            f"self-test ok: window {window_s:.2f} s, predict {predict_ms:.1f} ms, "
            f"epoch {epoch_s:.2f} s, save+load {save_s:.2f} s"
        )

    def show_window(self) -> float:
        """Show the main window; seconds from the process's start to its first paint."""
        settings = QSettings(str(self.folder / "settings.ini"), QSettings.Format.IniFormat)
        self.window = MainWindow(settings=settings, data_loader=tiny_sample)
        first_paint = FirstPaint(self.window)
        self.app.installEventFilter(first_paint)
        try:
            self.window.show()
            self.wait_until(lambda: first_paint.at is not None, "paint of the window")
        finally:
            self.app.removeEventFilter(first_paint)
        return first_paint.at - self.launched

    def check_default_model(self) -> None:
        model = self.window.model
        if model.model is None or model.path != DEFAULT_MODEL:
            status = self.window.statusBar().currentMessage() or f"nothing at {DEFAULT_MODEL}"
            raise RuntimeError(f"the default model is not in use ({status})")

    def draw_and_predict(self) -> float:
        """Draw :data:`SEVEN` with mouse events; milliseconds of one sketch → prediction pass."""
        tab = self.window.drawing_tab
        self.window.tabs.setCurrentWidget(tab)
        drag(tab.canvas, [hand_path(stroke) for stroke in SEVEN], fractions=True)
        started = time.perf_counter()
        activations = tab.update_prediction()
        predict_ms = (time.perf_counter() - started) * 1000
        if activations is None:
            raise RuntimeError("the canvas gave no prediction")
        digit = int(np.argmax(activations))
        if digit != EXPECTED_DIGIT:
            raise RuntimeError(
                f"read the drawn {EXPECTED_DIGIT} as {digit}: {activations.round(2)}"
            )
        return predict_ms

    def train_one_epoch(self) -> tuple[Network, float]:
        """One epoch of a small softmax network on 1,000 sample images in a worker thread."""
        config = TrainingConfig(epochs=1, batch_size=10, eta=0.5, seed=1)
        job = TrainingJob(DataChoice(), (784, 30, 10), config, TINY_NETWORK)
        worker, runner, results = TrainingWorker(job, tiny_sample), WorkerThread(), WorkerResults()
        worker.epoch_finished.connect(results.on_epoch)
        worker.failed.connect(results.on_failed)
        worker.finished.connect(results.on_finished)
        runner.start(worker)
        try:
            self.wait_until(lambda: results.finished, "end of the training run")
        finally:
            if not runner.stop_and_wait(timeout_ms=int(TIMEOUT * 1000)):
                raise TimeoutError("the training thread did not end")
        if results.failures or results.network is None or len(results.epochs) != 1:
            raise RuntimeError(f"no network trained: {results.failures or results.epochs}")
        accuracy = results.epochs[0].test_accuracy
        if accuracy is None or accuracy < MIN_TEST_ACCURACY:
            raise RuntimeError(
                f"test accuracy {accuracy} after one epoch, under {MIN_TEST_ACCURACY}"
            )
        return results.network, results.epochs[0].seconds

    def save_and_load(self, network: Network) -> float:
        """Save to the temporary folder, load back, compare; seconds for both."""
        path, images = self.folder / "self-test.npz", tiny_sample(DataChoice()).test.images
        started = time.perf_counter()
        save_model(Model(network, ModelDescription(dataset="self-test")), path)
        loaded = load_model(path)
        seconds = time.perf_counter() - started
        if loaded.description.dataset != "self-test":
            raise RuntimeError(f"the description came back as {loaded.description}")
        if not np.array_equal(loaded.network.predict(images), network.predict(images)):
            raise RuntimeError("the reloaded network predicts differently")
        return seconds

    def close_window(self) -> None:
        """Close the window: it stores its settings, in the temporary INI file."""
        self.window.close()
        self.window.settings.sync()
        if self.window.settings.status() != QSettings.Status.NoError:
            raise RuntimeError(f"settings not written: {self.window.settings.status()}")

    def delete_window(self) -> None:
        """Close and delete the window, also after a failure (idempotent)."""
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            self.window = None


def hand_path(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """``points`` (fractions of the drawing square) joined by straight runs in steps of about 1 %
    of its side, as a hand moving the mouse would report them."""
    path = [points[0]]
    for (u0, v0), (u1, v1) in itertools.pairwise(points):
        steps = max(1, round(100 * max(abs(u1 - u0), abs(v1 - v0))))
        path += [(u0 + (u1 - u0) * k / steps, v0 + (v1 - v0) * k / steps) for k in range(1, steps)]
        path.append((u1, v1))
    return path
