"""One evaluation in a worker thread: load the test set, evaluate the network on it, then measure
its robustness.

The worker is an :class:`app.widgets.worker_thread.Worker` run in a plain QThread: its ``work``
does the whole job and reports with signals carrying plain data (NumPy arrays and objects made
here, never touched again by this thread). ``request_stop`` only sets an event, so the GUI thread
calls it directly while the job is busy; the maths looks at it between pieces of work.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Signal

from app.widgets.worker_thread import Worker
from nn.data.dataset import MnistSplits
from nn.data.mnist import load_sample
from nn.insight.evaluation import Evaluation, EvaluationStopped, evaluate_network
from nn.insight.robustness import robustness_curves
from nn.network import Network

logger = logging.getLogger(__name__)

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


class EvaluationWorker(Worker):
    """Evaluates ``network`` on the test set ``loader`` returns.

    Signals, in order: ``stage`` (what is being done, for the progress bar) before each step,
    ``progress`` (done, total) at most every
    :data:`~app.widgets.worker_thread.PROGRESS_INTERVAL`, ``evaluated`` (an
    :class:`EvaluatedTestSet`), ``robustness`` (the curves, ``{name: [(level, accuracy)]}``);
    ``failed`` (a message for the user) on an error; always last ``finished``.
    """

    evaluated = Signal(object)
    robustness = Signal(object)

    verb, doing = "evaluate", "evaluating"

    def __init__(self, network: Network, loader: TestSetLoader = committed_sample) -> None:
        super().__init__()
        self._network = network
        self._loader = loader

    def work(self) -> None:
        lower_thread_priority(WORKER_NICENESS)
        self.stage.emit("Loading the test set…")
        splits = self._loader(self.report_progress, self.should_stop)
        self._check_stop()
        test = splits.test
        if len(test) == 0:
            raise ValueError("the test set holds no images")
        images, labels = test.images, np.asarray(test.labels, dtype=np.int64)
        self.stage.emit(f"Evaluating {len(test):,} test images…")
        evaluation = self._measure(evaluate_network, images, labels)
        self.evaluated.emit(EvaluatedTestSet(evaluation, images, splits.source))
        self.stage.emit("Measuring robustness…")
        curves = self._measure(robustness_curves, images, labels)
        self.robustness.emit({name: list(points) for name, points in curves.items()})

    def _measure(self, measure: Callable, images: np.ndarray, labels: np.ndarray):
        """``measure(network, images, labels, progress=…, should_stop=…)``, unless a stop was
        asked for meanwhile (then EvaluationStopped, which tells nothing)."""
        result = measure(
            self._network,
            images,
            labels,
            progress=self.report_progress,
            should_stop=self.should_stop,
        )
        self._check_stop()
        return result

    def _check_stop(self) -> None:
        if self.stopping:
            raise EvaluationStopped


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
