"""Teaching the model in use the user's handwriting, in a worker thread.

:class:`TeachWorker` is a QObject moved to a plain QThread (the pattern of the Train tab): ``run``
loads the MNIST data, then calls :func:`nn.personal.adapt.adapt`, and reports with signals that
carry plain data (the adapted :class:`~nn.model.Model` and its report, made in this thread and
never touched by it again). :meth:`TeachWorker.request_stop` only sets an event, so the GUI
thread calls it directly while ``run`` is busy; adapting looks at it between mini-batches.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from nn.data.dataset import MnistSplits
from nn.data.mnist import load_sample
from nn.model import Model

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.05
"""Seconds between two progress signals: at most 20 a second."""

DownloadProgress = Callable[[int, int], None]
MnistLoader = Callable[[DownloadProgress, Callable[[], bool]], MnistSplits]
"""``loader(on_download_progress, should_stop)`` → the MNIST splits to keep the model from
forgetting; called in the worker thread; raises DataError, DownloadError or OSError."""

Adapt = Callable[..., tuple[Model, object]]
"""``adapt(model, digits, mnist_train, mnist_test, *, progress, should_stop, seed)`` → (adapted
model, report): :func:`nn.personal.adapt.adapt` or a stand-in with its signature; stopping may
raise anything (nothing is handed over once a stop was asked for)."""


def committed_sample(on_download_progress: DownloadProgress, should_stop) -> MnistSplits:
    """The MNIST data when nothing else is chosen: the sample committed with the app."""
    return load_sample()


def real_adapt(*args, **kwargs):
    """:func:`nn.personal.adapt.adapt`, imported when first used (it loads the training code)."""
    from nn.personal.adapt import adapt

    return adapt(*args, **kwargs)


class TeachWorker(QObject):
    """Adapts ``model`` to ``digits`` with the MNIST data ``loader`` returns.

    Signals: ``stage`` (what is being done) before each step, ``progress`` (done, total) at most
    every :data:`PROGRESS_INTERVAL`; ``taught`` (model, report) when adapting ended and was not
    stopped; ``failed`` (a message for the user) on an error; always last ``finished``.
    """

    stage = Signal(str)
    progress = Signal(int, int)
    taught = Signal(object, object)
    failed = Signal(str)
    finished = Signal()

    def __init__(
        self,
        model: Model,
        digits,
        loader: MnistLoader = committed_sample,
        adapt: Adapt = real_adapt,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self._model = model
        self._digits = digits
        self._loader = loader
        self._adapt = adapt
        self._seed = seed
        self._stop = threading.Event()
        self._last_emit = 0.0

    def request_stop(self) -> None:
        """Stop at the next check; nothing is handed over."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @Slot()
    def run(self) -> None:
        """Do the whole job; always ends by emitting ``finished``."""
        try:
            self._run()
        except (ValueError, OSError) as error:  # DataError, DownloadError, no digits
            if not self._stop.is_set():
                self.failed.emit(f"Could not teach: {error}")
        except Exception as error:  # the thread must report back whatever happens (stopping
            if not self._stop.is_set():  # raises AdaptationStopped: nothing to report then)
                logger.exception("teaching failed")
                self.failed.emit(f"Unexpected error while teaching: {error!r}")
        finally:
            self.finished.emit()

    def _run(self) -> None:
        self.stage.emit("Loading the MNIST data…")
        splits = self._loader(self._on_progress, self._stop.is_set)
        if self._stop.is_set():
            return
        self.stage.emit("Teaching…")
        model, report = self._adapt(
            self._model,
            self._digits,
            splits.training,
            splits.test,
            progress=self._on_progress,
            should_stop=self._stop.is_set,
            seed=self._seed,
        )
        if not self._stop.is_set():
            self.taught.emit(model, report)

    def _on_progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last_emit >= PROGRESS_INTERVAL:
            self._last_emit = now
            self.progress.emit(int(done), int(total))
