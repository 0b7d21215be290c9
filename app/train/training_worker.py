"""One training run in a worker thread: load the data, draw any pen digits, build the network,
run the Trainer.

The worker is a QObject moved to a plain QThread; its :meth:`TrainingWorker.run` slot does the
whole job and reports with signals carrying plain Python/NumPy data (never widgets). Pause, resume
and stop are plain methods that only set ``threading.Event``\\ s, so the GUI thread calls them
directly while ``run`` is busy.
"""

from __future__ import annotations

import logging
import math
import threading
import time

import numpy as np
from PySide6.QtCore import QObject, Signal, SignalInstance, Slot

from app.train.data_source import DataLoader, load_data
from app.train.training_job import TrainingJob
from nn.data.dataset import Dataset, MnistSplits
from nn.handwriting.options import RunOutcome, training_set
from nn.handwriting.strokes import RenderCancelledError
from nn.network import Network
from nn.training import EpochResult, Trainer, TrainingDiverged

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.1
"""Seconds between two progress signals: 10 a second is smooth, and costs training little."""

STOPPED_SCORING_WORK = 10**10
"""The most images × parameters spent scoring a stopped network on the test set, so that Stop
hands it over promptly: all 10,000 test images for up to a million parameters (the default model
has 0.95 million: 0.2 s), else every k-th image (every 29th, 345 images, for the largest network
the Train tab allows). The score says how many images it counts."""


class TrainingWorker(QObject):
    """Runs one :class:`TrainingJob`; create it, move it to a QThread, connect ``started → run``.

    Signals, in order: ``download_progress`` (bytes done, total) while full MNIST downloads,
    ``rendering_progress`` (images drawn, total) while pen digits are drawn, ``data_loaded`` (a
    description of the data), then ``progress`` (samples done, in epoch) and
    ``epoch_finished`` (an :class:`~nn.training.EpochResult`) during training, ``first_layer``
    (a float32 copy of the first layer's ``(n_1, 784)`` weights and when they were taken: at the
    start, after each epoch, when stopped part-way), ``summary`` (a
    :class:`~nn.handwriting.options.RunOutcome`) when a network was trained, ``failed``
    (a message for the user) on an error, and always last ``finished`` (the trained Network,
    also when stopped part-way, or None).
    """

    download_progress = Signal(int, int)
    rendering_progress = Signal(int, int)
    data_loaded = Signal(str)
    progress = Signal(int, int)
    epoch_finished = Signal(object)
    first_layer = Signal(object, str)
    summary = Signal(object)
    failed = Signal(str)
    finished = Signal(object)

    def __init__(self, job: TrainingJob, data_loader: DataLoader = load_data) -> None:
        super().__init__()
        self.job = job
        self._data_loader = data_loader
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._abandon = threading.Event()  # the window is closing: hand nothing over
        self._not_paused = threading.Event()  # cleared while paused; holds pen-digit drawing
        self._not_paused.set()
        self._drawing_held = threading.Event()  # set while pen-digit drawing waits for resume
        self._trainer: Trainer | None = None
        self._last_emit = 0.0
        self._epochs_done = 0
        self._samples_trained = 0
        self._data_ready = False

    def __repr__(self) -> str:
        return f"TrainingWorker({self.job!r})"

    @property
    def trainer(self) -> Trainer | None:
        """The run's :class:`~nn.training.Trainer` once the data is ready, else None. Look only:
        the run is controlled through :meth:`pause`, :meth:`resume` and :meth:`request_stop`."""
        return self._trainer

    @property
    def held(self) -> bool:
        """True while the run waits for :meth:`resume`: between two drawn pen digits, or in the
        Trainer between two mini-batches. :meth:`pause` takes effect there, not at once."""
        trainer = self._trainer
        return self._drawing_held.is_set() or (trainer is not None and trainer.held)

    # ---- controls, thread-safe (called from the GUI thread)

    def request_stop(self) -> None:
        """Stop soon: between two mini-batches or two drawn pen digits, or once the data is
        loaded."""
        with self._lock:
            self._stop.set()
            self._not_paused.set()
            if self._trainer is not None:
                self._trainer.request_stop()

    def abandon(self) -> None:
        """Stop as :meth:`request_stop` does, and skip scoring what was trained on the test set:
        nothing is handed over (``finished`` carries None). The window calls this when it closes,
        so that it never waits for work nobody will see."""
        self._abandon.set()
        self.request_stop()

    def pause(self) -> None:
        with self._lock:
            self._not_paused.clear()
            if self._trainer is not None:
                self._trainer.pause()

    def resume(self) -> None:
        with self._lock:
            self._not_paused.set()
            if self._trainer is not None:
                self._trainer.resume()

    # ---- the run, in the worker thread

    @Slot()
    def run(self) -> None:
        """Do the whole job; always ends by emitting ``finished``."""
        network = None
        try:
            network = self._run()
        except RenderCancelledError:
            pass  # stopped while drawing pen digits: nothing was trained
        except TrainingDiverged as error:
            self.failed.emit(
                f"Training diverged at epoch {self._epochs_done}: learning rate too large "
                f"({error}). Try a smaller η."
            )
        except (ValueError, OSError) as error:  # DataError, DownloadError, bad settings
            if not self._stop.is_set():
                stage = "" if self._data_ready else "Could not load the training data: "
                self.failed.emit(f"{stage}{error}")
        except Exception as error:  # the thread must report back whatever happens
            logger.exception("training failed")
            self.failed.emit(f"Unexpected error: {error!r}")
        finally:
            self.finished.emit(network)

    def _run(self) -> Network | None:
        splits = self._data_loader(self.job.data, self._on_download_progress, self._stop.is_set)
        if self._stop.is_set():
            return None
        training, source = training_set(
            splits,
            self.job.handwriting,
            self.job.config.seed,
            self._on_rendering_progress,
            self._drawing_should_stop,
        )
        self._data_ready = True
        self.data_loaded.emit(_describe(training, source, splits))
        if self._stop.is_set():
            return None
        network = Network(self.job.sizes, **self.job.network_options)
        trainer = Trainer(
            network,
            training,
            self.job.config,
            validation=splits.validation,
            test=splits.test,
            on_progress=self._on_progress,
            augment=self.job.handwriting.augment_function(),
        )
        with self._lock:
            self._trainer = trainer
            if self._stop.is_set():
                trainer.request_stop()
            elif not self._not_paused.is_set():
                trainer.pause()
        self._emit_first_layer(network, "initial weights")
        last = None
        for last in trainer.run():
            self._epochs_done = last.epoch + 1
            self.epoch_finished.emit(last)
            self._emit_first_layer(network, f"after epoch {last.epoch}")
        if trainer.stopped and self._samples_trained and not self._abandon.is_set():
            self._emit_first_layer(network, f"as stopped in epoch {trainer.epochs_trained}")
        if trainer.epochs_trained == 0 and self._samples_trained == 0:
            return None  # stopped before the first mini-batch: nothing was trained
        outcome = self._outcome(trainer, splits.test, source, last)
        if outcome is None:
            return None  # abandoned while scoring
        self.summary.emit(outcome)
        return network

    def _outcome(
        self, trainer: Trainer, test: Dataset, source: str, last: EpochResult | None
    ) -> RunOutcome | None:
        """What the run produced, for the log and the trained model's description; None if the
        run was abandoned meanwhile. A run stopped part-way is scored on the test set as it
        ended (on every k-th image for a large network, see :data:`STOPPED_SCORING_WORK`), in
        pieces between which :meth:`abandon` takes effect."""
        if trainer.stopped or last is None or last.test_correct is None:
            parameters = sum(layer.size for layer in trainer.network.layers)
            step = max(1, math.ceil(len(test) * parameters / STOPPED_SCORING_WORK))
            test = Dataset(test.images[::step], test.labels[::step])
            test_correct = trainer.score(test, self._abandon.is_set)
            if test_correct is None:
                return None
        else:
            test_correct = last.test_correct
        return RunOutcome(
            sizes=trainer.network.sizes,
            network_options=self.job.network_options,
            config=self.job.config,
            dataset=source,
            epochs=trainer.epochs_trained,
            stopped_early=trainer.stopped,
            test=(int(test_correct), len(test)),
            validation_accuracy=None if last is None else last.validation_accuracy,
        )

    def _emit_first_layer(self, network: Network, when: str) -> None:
        """Emit a copy of the first layer's weights (800 x 784 float32 is 2.5 MB, copied in
        about a millisecond): the GUI thread reads it while training goes on."""
        self.first_layer.emit(np.array(network.weights[0], dtype=np.float32), when)

    def _drawing_should_stop(self) -> bool:
        """Asked before each pen digit is drawn: waits while paused; True once Stop was asked."""
        if not self._not_paused.is_set():
            self._drawing_held.set()
            self._not_paused.wait()
            self._drawing_held.clear()
        return self._stop.is_set()

    def _on_progress(self, done: int, total: int) -> None:
        self._samples_trained = done
        self._emit_progress(self.progress, done, total)

    def _on_download_progress(self, done: int, total: int) -> None:
        self._emit_progress(self.download_progress, done, total)

    def _on_rendering_progress(self, done: int, total: int) -> None:
        self._emit_progress(self.rendering_progress, done, total)

    def _emit_progress(self, signal: SignalInstance, done: int, total: int) -> None:
        """Emit ``signal(done, total)`` at the end and at most every ``PROGRESS_INTERVAL``."""
        now = time.monotonic()
        if done >= total or now - self._last_emit >= PROGRESS_INTERVAL:
            self._last_emit = now
            signal.emit(done, total)


def _describe(training: Dataset, source: str, splits: MnistSplits) -> str:
    return (
        f"{source}: {len(training):,} training, {len(splits.validation):,} "
        f"validation, {len(splits.test):,} test images"
    )
