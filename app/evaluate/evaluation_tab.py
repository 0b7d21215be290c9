"""The Evaluate tab: how the model in use does on the test set.

Evaluate runs an :class:`EvaluationWorker` in a plain QThread (a
:class:`~app.widgets.worker_thread.WorkerThread`, as the Train tab does): it
loads the test set of the data chosen in the Train tab, evaluates the network in pieces, then
measures robustness. Results arrive as plain data through queued connections and are drawn once:
the confusion matrix, the images of a chosen cell, the mistakes, the map and the curves. Each
arrival is shown in steps, one per turn of the event loop (the matrix and summary, then the
mistakes, then the map), so that the window repaints and answers input between them: no step
keeps the GUI thread busy for more than a few milliseconds. When the model in use changes, a
running evaluation is stopped and old results are cleared.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QModelIndex, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.evaluate.confusion_view import ColourScale, ConfusionView
from app.evaluate.digit_detail import DigitDetail
from app.evaluate.evaluation_worker import (
    EvaluatedTestSet,
    EvaluationWorker,
    TestSetLoader,
    committed_sample,
)
from app.evaluate.mistakes_gallery import MistakesGallery, long_caption, short_caption
from app.evaluate.robustness_plot import RobustnessPlots
from app.evaluate.test_set_map import TestSetMap
from app.evaluate.thumbnails import INDEX_ROLE, ThumbnailModel, thumbnail_view
from app.widgets.worker_thread import WorkerThread
from nn.insight.evaluation import Evaluation
from nn.insight.projection import place_image
from nn.insight.robustness import SUBSET
from nn.model import Model

EVALUATE = "Evaluate"
EVALUATE_NEW = "Evaluate the new model"
STOP = "Stop"
CONFUSION_HEADER = ["true digit", *(f"answered {d}" for d in range(10))]
SUMMARY_LINES = 2  # the summary and the usual messages fit in two lines

TestSetChoice = Callable[[], TestSetLoader]
"""Called in the GUI thread when Evaluate is pressed: returns the loader of the test set to use
(the Train tab's data choice, fixed at that moment), which the worker thread then calls."""


def _committed_sample_choice() -> TestSetLoader:
    return committed_sample


Step = Callable[[], None]
"""One piece of showing results, run alone in a turn of the event loop."""


class EvaluationTab(QWidget):
    """Signals, emitted in the GUI thread: ``evaluated(Evaluation)`` once a finished evaluation
    is shown (matrix, mistakes and map); ``robustness_measured(dict)`` once its curves are
    drawn; ``running_changed(bool)`` when an evaluation starts and once its thread has ended and
    everything it handed over is shown; ``open_in_draw(np.ndarray)`` with a (784,) test image
    the user asked to see in the Draw tab."""

    evaluated = Signal(object)
    robustness_measured = Signal(object)
    running_changed = Signal(bool)
    open_in_draw = Signal(object)

    def __init__(
        self, test_set: TestSetChoice = _committed_sample_choice, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationTab")
        self.setAccessibleName("Evaluate")
        self.setAccessibleDescription(
            "How the model in use does on the test set: accuracy, confusion matrix, mistakes, "
            "a map of the test images and robustness curves"
        )
        self.test_set = test_set
        self._model: Model | None = None
        self._result: EvaluatedTestSet | None = None
        self._sketch_image: np.ndarray | None = None  # (784,) the Draw tab's input, to place
        self._stale = False
        self._runner = WorkerThread(self)
        self._runner.ended.connect(self._on_thread_finished)
        self._stage = ""  # what the worker said it is doing, shown in the progress bar
        self._failure = ""  # why the last evaluation failed, shown until the next one
        self._steps: deque[Step] = deque()  # what is left to show of the results handed over
        self._finish_pending = False  # the thread ended; say so once the steps are done
        self._step_timer = QTimer(self)
        self._step_timer.setSingleShot(True)
        self._step_timer.setInterval(0)
        self._step_timer.timeout.connect(self._run_step)
        self._build_controls()
        self._build_views()
        self._build_layout()
        self._connect()
        self._show_state()

    def __repr__(self) -> str:
        return f"EvaluationTab(running={self.is_running}, evaluated={self._result is not None})"

    # -- building ---------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.evaluate_button = QPushButton(EVALUATE, self)
        self.evaluate_button.setObjectName("evaluateButton")
        self.evaluate_button.setAccessibleName("Evaluate")
        self.evaluate_button.setAccessibleDescription(
            "Evaluates the model in use on the test set of the data chosen in the Train tab"
        )
        self.evaluate_button.setToolTip(
            "Read every test image of the data chosen in the Train tab with the model in use "
            "(the committed sample's 1,000, or MNIST's 10,000) and show how it did"
        )
        self.evaluate_button.setMinimumWidth(170)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("evaluationProgress")
        self.progress_bar.setAccessibleName("Evaluation progress")
        self.progress_bar.setAccessibleDescription("How far the evaluation has got")
        self.progress_bar.setToolTip("How far the evaluation has got")
        self.progress_bar.setTextVisible(True)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("evaluationSummary")
        self.summary_label.setAccessibleName("Evaluation result")
        self.summary_label.setToolTip("Accuracy on the test set, and which test set")
        self.summary_label.setWordWrap(True)
        # Room for SUMMARY_LINES lines whatever it says: a new text then moves nothing below it
        # (a move would repaint the matrix and resize, and so re-lay out, the chart).
        lines = SUMMARY_LINES * self.summary_label.fontMetrics().lineSpacing()
        self.summary_label.setMinimumHeight(lines + 4)
        self.summary_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _build_views(self) -> None:
        self.confusion = ConfusionView(self)
        self.colour_scale = ColourScale(self)
        self.export_confusion_button = QPushButton("Export CSV…", self)
        self.export_confusion_button.setObjectName("exportConfusionButton")
        self.export_confusion_button.setAccessibleName("Export the confusion matrix")
        self.export_confusion_button.setAccessibleDescription(
            "Saves the confusion matrix's counts as a CSV table"
        )
        self.export_confusion_button.setToolTip("Save the confusion matrix's counts as a CSV table")
        self.detail = DigitDetail(self)
        self.cell_model = ThumbnailModel(self)
        self.cell_view = thumbnail_view(self.cell_model, self)
        self.cell_view.setObjectName("cellImagesView")
        self.cell_view.setAccessibleName("Images of the chosen cell")
        self.cell_view.setToolTip(
            "The test images of the chosen confusion matrix cell; click one to see its outputs"
        )
        self.cell_label = QLabel(self)
        self.cell_label.setObjectName("cellImagesLabel")
        self.cell_label.setToolTip("Which cell of the confusion matrix is listed")
        self.mistakes = MistakesGallery(self)
        self.map = TestSetMap(self)
        self.robustness = RobustnessPlots(self)
        self.views = QTabWidget(self)
        self.views.setObjectName("evaluationViews")
        self.views.setAccessibleName("Evaluation views")
        self.views.setAccessibleDescription(
            "Mistakes, the chosen cell's images, the map, robustness"
        )
        self.views.setToolTip("Mistakes, the images of the chosen cell, the map and robustness")
        cell_page = QWidget(self)
        cell_layout = QVBoxLayout(cell_page)
        cell_layout.setContentsMargins(4, 4, 4, 4)
        cell_layout.addWidget(self.cell_label)
        cell_layout.addWidget(self.cell_view, 1)
        self.views.addTab(self.mistakes, "&Mistakes")
        self.views.addTab(cell_page, "Chosen &cell")
        self.views.addTab(self.map, "Ma&p")
        self.views.addTab(self.robustness, "&Robustness")
        self.cell_page = cell_page

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.evaluate_button)
        top.addWidget(self.progress_bar, 1)
        box = QGroupBox("Confusion matrix: rows = true digit, columns = answer", self)
        box.setObjectName("confusionBox")
        matrix = QVBoxLayout(box)
        matrix.addWidget(self.confusion, 0, Qt.AlignmentFlag.AlignHCenter)
        scale_row = QHBoxLayout()
        scale_row.addWidget(QLabel("share of the row:", box))
        scale_row.addWidget(self.colour_scale, 1)
        scale_row.addWidget(self.export_confusion_button)
        matrix.addLayout(scale_row)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.summary_label)
        left_layout.addWidget(box)
        left_layout.addWidget(self.detail, 1)
        scroll = QScrollArea(self)  # a short window scrolls the matrix rather than clipping it
        scroll.setObjectName("evaluationLeftScroll")
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the cells, scrolled into view
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(
            left.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
        )
        self.views.setMinimumSize(260, 200)  # the pages shrink: the window fits small screens
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("evaluationSplitter")
        splitter.addWidget(scroll)
        splitter.addWidget(self.views)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        self.evaluate_button.clicked.connect(self._on_button)
        self.confusion.cell_chosen.connect(self.show_cell)
        self.cell_view.clicked.connect(self._on_cell_image)
        self.cell_view.activated.connect(self._on_cell_image)
        self.mistakes.digit_chosen.connect(self.show_digit)
        self.map.digit_chosen.connect(self.show_digit)
        self.detail.open_in_draw.connect(self.open_in_draw)
        self.export_confusion_button.clicked.connect(self.export_confusion)

    # -- public API -------------------------------------------------------------------------
    @property
    def model(self) -> Model | None:
        return self._model

    @property
    def evaluation(self) -> Evaluation | None:
        """The evaluation shown, or None (none yet, or cleared because the model changed)."""
        return None if self._result is None else self._result.evaluation

    @property
    def images(self) -> np.ndarray | None:
        """The (n, 784) test images of the evaluation shown, or None."""
        return None if self._result is None else self._result.images

    @property
    def stale(self) -> bool:
        """True when the model changed since the last evaluation was started: its results were
        cleared and the button offers to evaluate the new model."""
        return self._stale

    @property
    def is_running(self) -> bool:
        """True from Evaluate until the evaluation's thread has ended and what it handed over
        is shown."""
        return self._runner.is_running or self._finish_pending

    @property
    def thread(self) -> QThread | None:
        """The QThread the evaluation runs in, or None (read-only, to check that it ended)."""
        return self._runner.qthread

    @property
    def _worker(self) -> EvaluationWorker | None:
        return self._runner.worker

    def set_model(self, model: Model | None) -> None:
        """Evaluate ``model`` from now on. A different network stops a running evaluation and
        clears the results, which belonged to the previous model; the same network (e.g. the
        model was saved) keeps them."""
        same = (
            model is not None and self._model is not None and model.network is self._model.network
        )
        self._model = model
        if same:
            return
        had_results = self._result is not None or self.is_running
        if self._worker is not None:
            self._worker.request_stop()
        self._clear_results()
        self._stale = had_results
        self._failure = ""
        self._show_state()

    def start_evaluation(self) -> bool:
        """Evaluate the model in use on the chosen test set; False when there is no model or an
        evaluation is running."""
        if self._model is None or self.is_running:
            return False
        loader = self.test_set()
        self._clear_results()
        self._stale = False
        self._failure = ""
        worker = EvaluationWorker(self._model.network, loader)
        self._launch(worker)
        return True

    def stop_evaluation(self) -> None:
        """Stop a running evaluation; what was already shown stays."""
        if self._worker is not None:
            self._worker.request_stop()
            self.progress_bar.setFormat("Stopping…")

    def shutdown(self) -> None:
        """Stop any evaluation and wait for its thread to end (the window calls this when
        closing): the wait is for one piece of at most 1,000 images."""
        self._runner.stop_and_wait()

    def show_cell(self, true_digit: int, answer: int) -> None:
        """List the test images of ``true_digit`` answered ``answer`` in the Chosen cell page."""
        result = self._result
        if result is None:
            return
        evaluation = result.evaluation
        indices = evaluation.cell(true_digit, answer)
        labels, answers, confidence = evaluation.labels, evaluation.answers, evaluation.confidence

        def caption(i: int) -> tuple[str, str]:
            label, got, c = int(labels[i]), int(answers[i]), float(confidence[i])
            return short_caption(label, got, c), long_caption(i, label, got, c)

        self.cell_model.set_items(result.images, indices, caption)
        verb = "read right" if true_digit == answer else f"read as {answer}"
        count = f"{len(indices):,} image{'' if len(indices) == 1 else 's'}"
        text = f"{count} of {true_digit} {verb}"
        self.cell_label.setText(text)
        self.cell_view.setAccessibleDescription(text)
        self.confusion.setCurrentIndex(self.confusion.cell_index(true_digit, answer))
        self.views.setCurrentWidget(self.cell_page)

    def shown_cell_indices(self) -> np.ndarray:
        """The test-set indices listed in the Chosen cell page, in order."""
        return self.cell_model.indices()

    def show_digit(self, index: int) -> None:
        """Show test image ``index`` with its outputs under the matrix."""
        result = self._result
        if result is None or not 0 <= index < result.evaluation.total:
            return
        evaluation = result.evaluation
        self.detail.show_digit(
            index,
            result.images[index],
            int(evaluation.labels[index]),
            evaluation.outputs[index],
        )

    def show_sketch(self, image: np.ndarray | None) -> None:
        """Place the sketch being drawn, ``image`` (784,) in [0, 1] as the network reads it, on
        the map (None hides the marker): one forward pass and a projection, nothing redrawn.

        While the tab is hidden (the user is drawing in the Draw tab) the image is only kept,
        and placed when the tab is shown: drawing pays nothing for a map nobody sees."""
        self._sketch_image = None if image is None else np.asarray(image, np.float32).copy()
        if self.isVisible():
            self._place_sketch()

    def _place_sketch(self) -> None:
        result, model, image = self._result, self._model, self._sketch_image
        if image is None or result is None or model is None:
            self.map.set_sketch_position(None)
            return
        self.map.set_sketch_position(place_image(model.network, result.evaluation.map, image))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._place_sketch()

    def confusion_table(self) -> tuple[list[str], list[list[object]]]:
        """The confusion matrix as a table: a header, then one row per true digit."""
        counts = self.confusion.confusion_model.confusion()
        return CONFUSION_HEADER, [[d, *map(int, counts[d])] for d in range(10)]

    def export_confusion(self) -> None:
        """Ask for a file and save :meth:`confusion_table` there as CSV."""
        from app.widgets.plot_export import ask_save_path, show_error, write_csv

        chosen = ask_save_path(self, "Export CSV", "confusion-matrix.csv", "CSV table (*.csv)")
        if not chosen:
            return
        try:
            write_csv(chosen, *self.confusion_table())
        except (OSError, ValueError) as error:
            show_error(self, "Could not export the CSV", f"{chosen} was not written.\n\n{error}")

    # -- the run ----------------------------------------------------------------------------
    def _on_button(self) -> None:
        if self.is_running:
            self.stop_evaluation()
        else:
            self.start_evaluation()

    def _launch(self, worker: EvaluationWorker) -> None:
        worker.stage.connect(self._on_stage)
        worker.progress.connect(self._on_progress)
        worker.evaluated.connect(self._on_evaluated)
        worker.robustness.connect(self._on_robustness)
        worker.failed.connect(self._on_failed)
        self._runner.start(worker)
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setFormat("Starting…")
        self.summary_label.setText("Evaluating…")
        self._show_state()
        self.running_changed.emit(True)

    def _current(self) -> bool:
        """True while the run's results are still wanted (not stopped, model unchanged)."""
        return self._worker is not None and not self._worker.stopping

    def _on_stage(self, text: str) -> None:
        if self._current():
            self.progress_bar.setRange(0, 0)  # busy until the first count arrives
            self.progress_bar.setFormat(text)
            self._stage = text

    def _on_progress(self, done: int, total: int) -> None:
        if self._current() and total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
            self.progress_bar.setFormat(f"{self._stage} %p %")

    def _on_evaluated(self, result: EvaluatedTestSet) -> None:
        if not self._current():
            return
        self._queue(lambda: self._show_summary(result))
        self._queue(self._show_mistakes)
        self._queue(self._show_map)
        for digit in range(10):
            self._queue(lambda digit=digit: self.map.fill_digit(digit))
        self._queue(lambda: self.evaluated.emit(result.evaluation))

    def _show_summary(self, result: EvaluatedTestSet) -> None:
        self._result = result
        evaluation = result.evaluation
        self.confusion.set_confusion(evaluation.confusion)
        self.summary_label.setText(_summary(result))
        self.summary_label.setAccessibleDescription(self.summary_label.text())
        self.cell_label.setText("Click a cell of the confusion matrix to list its images")
        subset = min(evaluation.total, SUBSET)
        self.robustness.set_curves(None, f"Measuring on {subset:,} of the test images…")

    def _show_mistakes(self) -> None:
        if self._result is None:
            return
        self.mistakes.set_evaluation(self._result.evaluation, self._result.images)
        mistakes = self.mistakes.shown_indices()
        if len(mistakes):
            self.show_digit(int(mistakes[0]))

    def _show_map(self) -> None:
        """Set the map up for the evaluation shown; its digits are drawn in the next steps."""
        if self._result is None:
            return
        evaluation = self._result.evaluation
        self.map.set_map(
            evaluation.projection,
            evaluation.labels,
            evaluation.answers,
            self._result.images,
            fill=False,
        )
        self._place_sketch()

    def _on_robustness(self, curves: dict) -> None:
        if self._current():
            self._queue(lambda: self._show_curves(curves))

    def _show_curves(self, curves: dict) -> None:
        if self._result is None:
            return
        total = self._result.evaluation.total
        subset = min(total, SUBSET)
        note = (
            f"Measured on {subset:,} of the {total:,} test images, chosen at random (the same "
            "each time)."
            if subset < total
            else f"Measured on all {total:,} test images."
        )
        self.robustness.set_curves(curves, note)
        self.robustness_measured.emit(curves)

    def _on_failed(self, message: str) -> None:
        if self._current():
            self._failure = message

    def _on_thread_finished(self) -> None:
        self._finish_pending = True  # after the steps still queued
        self._step_timer.start()

    def _finish(self) -> None:
        self._finish_pending = False
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1 if self._result is not None else 0)
        self.progress_bar.setFormat("Done" if self._result is not None else "")
        if self._result is not None and not self.robustness.curves():
            self.robustness.set_curves(None, "Not measured: the evaluation was stopped.")
        self._show_state()
        self.running_changed.emit(False)

    # -- showing results in steps ------------------------------------------------------------
    def _queue(self, step: Step) -> None:
        """Run ``step`` in a later turn of the event loop, after the steps already queued."""
        self._steps.append(step)
        self._step_timer.start()

    def _run_step(self) -> None:
        """One queued step per turn, so that the window repaints and answers in between; once
        none is left, the end of the run if the thread has ended."""
        if self._steps:
            self._steps.popleft()()
        if self._steps or self._finish_pending:
            if self._steps:
                self._step_timer.start()
            else:
                self._finish()

    # -- state ------------------------------------------------------------------------------
    def _clear_results(self) -> None:
        self._result = None
        self._steps.clear()  # nothing more of the old results is to be shown
        self.confusion.set_confusion(None)
        self.cell_model.clear()
        self.cell_label.setText("Click a cell of the confusion matrix to list its images")
        self.cell_view.setAccessibleDescription("No cell chosen")
        self.mistakes.set_evaluation(None, None)
        self.map.set_map(None)
        self.robustness.set_curves(None)
        if self.detail.index is not None:  # a chart left as it is costs no repaint
            self.detail.clear()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("")

    def _show_state(self) -> None:
        running = self.is_running
        self.evaluate_button.setEnabled(running or self._model is not None)
        self.evaluate_button.setText(STOP if running else EVALUATE_NEW if self._stale else EVALUATE)
        self.export_confusion_button.setEnabled(self._result is not None)
        if running:
            return
        if self._model is None:
            text = "No model: open a weight file or train one, then evaluate it here."
        elif self._stale:
            text = (
                "The model in use changed: the results of the previous model were cleared. "
                f"Press “{EVALUATE_NEW}”."
            )
        elif self._failure and self._result is None:
            text = self._failure
        elif self._result is None:
            text = "Press Evaluate to read the test set with the model in use."
        else:
            return  # the summary of the results stays
        self.summary_label.setText(text)
        self.summary_label.setAccessibleDescription(text)

    def _on_cell_image(self, index: QModelIndex) -> None:
        if index.isValid():
            self.show_digit(int(index.data(INDEX_ROLE)))


def _summary(result: EvaluatedTestSet) -> str:
    evaluation = result.evaluation
    source = f" ({result.source})" if result.source else ""
    return (
        f"Accuracy {100 * evaluation.accuracy:.1f} %: {evaluation.correct:,} of "
        f"{evaluation.total:,} test images right{source}"
    )
