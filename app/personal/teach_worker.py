"""Teaching the model in use the user's handwriting, in a worker thread.

:class:`TeachWorker` is an :class:`app.widgets.worker_thread.Worker` run in a plain QThread (as
the Train tab's worker is): its ``work`` loads the MNIST data, then calls
:func:`nn.personal.adapt.adapt`, and reports with signals that carry plain data (the adapted
:class:`~nn.model.Model` and its report, made in this thread and never touched by it again).
``request_stop`` only sets an event, so the GUI thread calls it directly while the job is busy;
adapting looks at it between mini-batches.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal

from app.widgets.worker_thread import Worker
from nn.data.dataset import MnistSplits
from nn.data.mnist import load_sample
from nn.model import Model

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


class TeachWorker(Worker):
    """Adapts ``model`` to ``digits`` with the MNIST data ``loader`` returns.

    Signals: ``stage`` (what is being done) before each step, ``progress`` (done, total) at most
    every :data:`~app.widgets.worker_thread.PROGRESS_INTERVAL`; ``taught`` (model, report) when
    adapting ended and was not stopped; ``failed`` (a message for the user) on an error (none
    once stopping: adapting then raises AdaptationStopped); always last ``finished``.
    """

    taught = Signal(object, object)

    verb, doing = "teach", "teaching"

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

    def work(self) -> None:
        self.stage.emit("Loading the MNIST data…")
        splits = self._loader(self.report_progress, self.should_stop)
        if self.stopping:
            return
        self.stage.emit("Teaching…")
        model, report = self._adapt(
            self._model,
            self._digits,
            splits.training,
            splits.test,
            progress=self.report_progress,
            should_stop=self.should_stop,
            seed=self._seed,
        )
        if not self.stopping:
            self.taught.emit(model, report)
