"""The Train tab: settings, Train/Pause/Stop, live progress, the accuracy plot and the log.

A run is a :class:`TrainingWorker` moved to a plain QThread (the Qt for Python pattern, kept by
:class:`~app.widgets.worker_thread.WorkerThread`): the worker's signals arrive here through
queued connections, and Pause/Resume/Stop call its thread-safe methods directly, since its
thread is busy inside ``Trainer.run()``.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.train.accuracy_plot import AccuracyPlot
from app.train.data_source import DataLoader, load_data
from app.train.progress_panel import ProgressPanel
from app.train.run_history import run_settings
from app.train.run_state import RunState
from app.train.training_controls import ERROR_STYLE, TrainingControls
from app.train.training_job import TrainingJob
from app.train.training_worker import TrainingWorker
from app.train.unit_grid import UnitGrid
from app.widgets.worker_thread import WorkerThread
from nn.handwriting.options import RunOutcome, describe_run
from nn.model import Model
from nn.network import Network
from nn.training import STUCK_WARNING, EpochResult


class TrainingTab(QWidget):
    """Signals, all emitted in the GUI thread: ``epoch_finished(EpochResult)`` once the tab has
    shown an epoch; ``model_trained(Model)`` when a run produced a network (finished or
    stopped); ``running_changed(bool)`` when a run starts and once its thread has ended.

    Connect to these rather than to the worker's signals: a plain function connected to a worker
    signal would run in the worker thread.
    """

    epoch_finished = Signal(object)
    model_trained = Signal(object)
    running_changed = Signal(bool)

    def __init__(self, data_loader: DataLoader = load_data, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingTab")
        self.setAccessibleName("Train")
        self.setAccessibleDescription("Choose the data and settings, train, watch the accuracy")
        self.setAutoFillBackground(True)  # one colour behind all, like the opaque ProgressPanel
        self.data_loader = data_loader
        self.controls = TrainingControls()
        self.form, self.dataset_chooser = self.controls.form, self.controls.dataset_chooser
        self.train_button = self.controls.train_button
        self.pause_button = self.controls.pause_button
        self.stop_button = self.controls.stop_button
        self.progress_panel = ProgressPanel()
        self.plot = AccuracyPlot()
        self.unit_grid = UnitGrid()
        self.log = QPlainTextEdit()
        self.log.setObjectName("trainingLog")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        self.log.setToolTip("What each run did: its settings, one line per epoch, how it ended")
        self.log.setAccessibleName("Training log")
        self.log.setAccessibleDescription(self.log.toolTip())
        self._build_layout()
        # After the inputs and buttons, the right column top to bottom (as laid out).
        QWidget.setTabOrder(self.stop_button, self.progress_panel.pick_folder_button)
        self._runner = WorkerThread(self)
        self._runner.ended.connect(self._on_thread_finished)
        self._job: TrainingJob | None = None
        self._run_state = RunState()
        self._started_at = 0.0
        self.train_button.clicked.connect(self.start_training)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop_training)
        self.progress_panel.pick_folder_button.clicked.connect(self._pick_folder)
        self.controls.set_running(False)

    def __repr__(self) -> str:
        return f"TrainingTab(running={self.is_running})"

    def _build_layout(self) -> None:
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)  # the groups' own frames suffice
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the inputs, scrolled into view
        bar_width = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        scroll.setMinimumWidth(self.controls.sizeHint().width() + bar_width + 4)
        splitter = QSplitter(Qt.Orientation.Vertical)
        figures = QSplitter(Qt.Orientation.Horizontal)
        figures.setObjectName("figuresSplitter")
        figures.addWidget(self.plot.panel())
        figures.addWidget(self.unit_grid)
        figures.setStretchFactor(0, 1)  # the grid keeps its size: one pixel a weight
        figures.setStretchFactor(1, 0)
        splitter.addWidget(figures)
        splitter.addWidget(self.log)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        right = QVBoxLayout()
        right.addWidget(self.progress_panel)
        right.addWidget(splitter, 1)
        left = QVBoxLayout()
        left.addWidget(scroll, 1)
        left.addWidget(self.controls.action_bar)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)

    @property
    def is_running(self) -> bool:
        """True from Train until the run's thread has ended."""
        return self._runner.is_running

    @property
    def worker(self) -> TrainingWorker | None:
        """The current run's worker (its signals are handy in tests), or None."""
        return self._runner.worker

    @property
    def thread(self) -> QThread | None:
        """The QThread the current run works in, or None; read-only (to check that it ended)."""
        return self._runner.qthread

    def start_training(self) -> bool:
        """Start a run with the current settings; False if one runs or the settings are bad."""
        if self.is_running or self.controls.problem():
            return False
        sizes, options, config = self.form.parse()
        self._job = TrainingJob(
            self.dataset_chooser.choice(),
            sizes,
            config,
            options,
            handwriting=self.controls.handwriting.options(),
        )
        self._run_state = RunState()
        self._started_at = time.monotonic()
        self.plot.start_run(run_settings(self._job))
        self.unit_grid.clear("The first layer's units show here once the data is loaded.")
        self.progress_panel.show_message("")
        self.log.appendPlainText(f"Started: {self._job.describe()}")
        self.progress_panel.show_busy("loading the data…")
        self._launch(TrainingWorker(self._job, self.data_loader))
        return True

    def _launch(self, worker: TrainingWorker) -> None:
        worker.download_progress.connect(self.progress_panel.show_download)
        worker.rendering_progress.connect(self.progress_panel.show_rendering)
        worker.data_loaded.connect(self._on_data_loaded)
        worker.progress.connect(self.progress_panel.show_progress)
        worker.epoch_finished.connect(self._on_epoch_finished)
        worker.first_layer.connect(self.unit_grid.show_weights)
        worker.summary.connect(self._on_summary)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_finished)
        self._runner.start(worker)
        self.controls.set_running(True)
        self.running_changed.emit(True)

    def toggle_pause(self) -> None:
        """Pause the run at the next mini-batch (or pen digit being drawn), or resume it."""
        if self.worker is None:
            return
        pausing = self.pause_button.text() == "Pause"
        (self.worker.pause if pausing else self.worker.resume)()
        self.controls.set_paused(pausing)
        self.progress_panel.set_paused(pausing)
        self.log.appendPlainText(f"{'Paused' if pausing else 'Resumed'} at {self._elapsed()}")

    def stop_training(self) -> None:
        """Ask the run to stop between two mini-batches (or two drawn pen digits); the network
        trained so far is kept."""
        if self.worker is None:
            return
        self.worker.request_stop()
        self.controls.set_stopping()
        self.log.appendPlainText(f"Stop requested at {self._elapsed()}")

    def shutdown(self) -> None:
        """Stop any run and wait for its thread to end (the window calls this when closing).

        The run is abandoned rather than stopped: what was trained is not scored on the test set
        nor handed over, so the wait is only for the piece of work under way (a part of a
        mini-batch, of an evaluation or of a download; see ``bench/stop_latency.py``)."""
        worker = self.worker
        if worker is not None:
            self._runner.stop_and_wait(worker.abandon)

    def _on_data_loaded(self, description: str) -> None:
        self._run_state.data_loaded = True
        self.log.appendPlainText(f"Data: {description}")
        if self._job is not None:
            self.progress_panel.start_training(self._job.config.epochs)

    def _on_epoch_finished(self, result: EpochResult) -> None:
        self._run_state.epochs = result.epoch + 1
        self.plot.add_epoch(result)
        self.progress_panel.epoch_finished(result)
        self.log.appendPlainText(result.epoch_line())
        if result.looks_stuck() and not self._run_state.warned_stuck:
            self._run_state.warned_stuck = True
            self.log.appendPlainText(STUCK_WARNING)
        self.epoch_finished.emit(result)

    def _on_summary(self, outcome: RunOutcome) -> None:
        self._run_state.outcome = outcome

    def _on_failed(self, message: str) -> None:
        self._run_state.failed = True  # offline, bad files…: offer to pick a folder
        self.progress_panel.show_message(message, ERROR_STYLE, not self._run_state.data_loaded)
        self.log.appendPlainText(f"{message} ({self._elapsed()})")

    def _on_finished(self, network: Network | None) -> None:
        self.plot.flush()
        state, job = self._run_state, self._job
        if network is None or job is None or state.outcome is None:
            failed = state.failed
            if not failed:
                self.progress_panel.show_message(
                    "Stopped before any training: the model in use is unchanged."
                )
            self.progress_panel.show_done("failed" if failed else "stopped", complete=False)
            self.log.appendPlainText(f"Ended without a trained network ({self._elapsed()})")
            return
        outcome = state.outcome
        correct, total = outcome.test or (0, 0)
        accuracy = f"{100 * correct / total:.1f} % on the test set" if total else "no test set"
        if outcome.stopped_early and total:  # a large network is scored on part of the test set
            accuracy = f"{100 * correct / total:.1f} % on {total:,} test images"
        verb = "Stopped" if outcome.stopped_early else "Finished"
        self.log.appendPlainText(
            f"{verb} after {outcome.epochs} epoch(s), {self._elapsed()}: {accuracy}"
        )
        self.progress_panel.show_done(f"{verb.lower()} · {accuracy}", not outcome.stopped_early)
        self.progress_panel.show_message(
            f"{verb}: this network ({accuracy}) is now in use in the Draw tab."
        )
        description = describe_run(
            outcome, front_end="app", trained_with=job.describe(), handwriting=job.handwriting
        )
        self.model_trained.emit(Model(network, description))

    def _on_thread_finished(self) -> None:
        self.controls.set_running(False)
        self.running_changed.emit(False)

    def _pick_folder(self) -> None:
        if self.dataset_chooser.choose_folder():
            self.progress_panel.show_message("Folder chosen: press Train to start.")

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self._started_at:.1f} s"
