"""One evaluation in a worker thread: load the test set, evaluate the network on it, then measure
its robustness.

The worker is a QObject moved to a plain QThread; :meth:`EvaluationWorker.run` does the whole job
and reports with signals carrying plain data (NumPy arrays and objects made here, never touched
again by this thread). :meth:`EvaluationWorker.request_stop` only sets an event, so the GUI thread
calls it directly while ``run`` is busy; the maths looks at it between pieces of work.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from nn.data.dataset import MnistSplits
from nn.data.mnist import load_sample
from nn.insight.evaluation import Evaluation, EvaluationStopped, evaluate_network
from nn.insight.robustness import robustness_curves
from nn.network import Network

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.05
"""Seconds between two progress signals: at most 20 a second, so the window never queues up
more repaints than it can draw."""

WORKER_NICENESS = 5
"""How much lower than the window's the worker thread's CPU priority is (Linux ``nice`` steps,
for this thread alone). On a machine whose cores are all busy, the GUI thread then gets most of
a core when it needs one, instead of queueing behind the evaluation for whole time slices; an
idle core still runs the evaluation at full speed."""

DownloadProgress = Callable[[int, int], None]
TestSetLoader = Callable[[DownloadProgress, Callable[[], bool]], MnistSplits]
"""``loader(on_download_progress, should_stop)`` → the splits whose ``test`` set is evaluated;
called in the worker thread; raises DataError, DownloadError or OSError."""


def committed_sample(on_download_progress: DownloadProgress, should_stop) -> MnistSplits:
    """The test set when nothing else is chosen: the 1,000 images committed with the app."""
    return load_sample()


@dataclass(frozen=True, eq=False)
class EvaluatedTestSet:
    """What the worker hands over after the main evaluation: the
    :class:`~nn.insight.evaluation.Evaluation`, the test ``images`` (n, 784) it was made on and
    where they came from (``source``, for the user)."""

    evaluation: Evaluation
    images: np.ndarray
    source: str


class EvaluationWorker(QObject):
    """Evaluates ``network`` on the test set ``loader`` returns.

    Signals, in order: ``stage`` (what is being done, for the progress bar) before each step,
    ``progress`` (done, total) at most every :data:`PROGRESS_INTERVAL`, ``evaluated`` (an
    :class:`EvaluatedTestSet`), ``robustness`` (the curves, ``{name: [(level, accuracy)]}``);
    ``failed`` (a message for the user) on an error; always last ``finished``.
    """

    stage = Signal(str)
    progress = Signal(int, int)
    evaluated = Signal(object)
    robustness = Signal(object)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, network: Network, loader: TestSetLoader = committed_sample) -> None:
        super().__init__()
        self._network = network
        self._loader = loader
        self._stop = threading.Event()
        self._last_emit = 0.0

    def request_stop(self) -> None:
        """Stop at the next check (between pieces of images); nothing more is handed over."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @Slot()
    def run(self) -> None:
        """Do the whole job; always ends by emitting ``finished``."""
        lower_thread_priority(WORKER_NICENESS)
        try:
            self._run()
        except EvaluationStopped:
            pass
        except (ValueError, OSError) as error:  # DataError, DownloadError, a bad test set
            if not self._stop.is_set():
                self.failed.emit(f"Could not evaluate: {error}")
        except Exception as error:  # the thread must report back whatever happens
            if not self._stop.is_set():
                logger.exception("evaluation failed")
                self.failed.emit(f"Unexpected error while evaluating: {error!r}")
        finally:
            self.finished.emit()

    def _run(self) -> None:
        self.stage.emit("Loading the test set…")
        splits = self._loader(self._on_progress, self._stop.is_set)
        self._check_stop()
        test = splits.test
        if len(test) == 0:
            raise ValueError("the test set holds no images")
        images, labels = test.images, np.asarray(test.labels, dtype=np.int64)
        self.stage.emit(f"Evaluating {len(test):,} test images…")
        evaluation = evaluate_network(
            self._network,
            images,
            labels,
            progress=self._on_progress,
            should_stop=self._stop.is_set,
        )
        self._check_stop()
        self.evaluated.emit(EvaluatedTestSet(evaluation, images, splits.source))
        self.stage.emit("Measuring robustness…")
        curves = robustness_curves(
            self._network,
            images,
            labels,
            progress=self._on_progress,
            should_stop=self._stop.is_set,
        )
        self._check_stop()
        self.robustness.emit({name: list(points) for name, points in curves.items()})

    def _check_stop(self) -> None:
        if self._stop.is_set():
            raise EvaluationStopped

    def _on_progress(self, done: int, total: int) -> None:
        """Emit ``progress(done, total)`` at the end and at most every
        :data:`PROGRESS_INTERVAL`."""
        now = time.monotonic()
        if done >= total or now - self._last_emit >= PROGRESS_INTERVAL:
            self._last_emit = now
            self.progress.emit(int(done), int(total))


def lower_thread_priority(steps: int) -> None:
    """Make the calling thread ``steps`` nice levels less urgent, on Linux, where a thread has its
    own nice value (elsewhere ``setpriority`` would act on a whole process, so nothing is
    done). A failure only costs responsiveness and is ignored."""
    if steps <= 0 or not sys.platform.startswith("linux"):
        return
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + steps)
    except OSError:
        logger.debug("could not lower the evaluation thread's priority", exc_info=True)
