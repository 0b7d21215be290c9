"""The Your digits tab: the digits the user kept in the Draw tab, and teaching the model in use
their handwriting.

Every change (a digit kept, deleted or imported) is written at once to the user's store
(:func:`nn.personal.store.user_store_path`, written atomically by ``save_digits``), so a crash
loses nothing. A store that cannot be read is never written over: it is moved aside as
``.damaged`` (and the tab starts empty), or, when even that fails, nothing is saved until the
user has moved it. A save that fails (an unwritable folder, a full disk) keeps the digits in
memory and says so, and the next change or "Try saving again" writes them all.

Teach runs a :class:`~app.personal.teach_worker.TeachWorker` in a plain QThread (a
:class:`~app.widgets.worker_thread.WorkerThread`, as the Train tab does). The adapted model goes
in use unless MNIST accuracy fell by more than :data:`~app.personal.teach_result.FORGETFUL_POINTS`
points; "Use it anyway" and "Back to the base model" change that.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QThread, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.model_in_use import ModelInUse
from app.personal.digit_grid import DigitGrid
from app.personal.teach_result import FORGETFUL_POINTS, TeachResult
from app.personal.teach_worker import Adapt, MnistLoader, TeachWorker, committed_sample, real_adapt
from app.widgets.controls import described_button
from app.widgets.plotting import when_palette_changes
from app.widgets.worker_thread import WorkerThread
from nn.digits import IMAGE_PIXELS
from nn.model import Model
from nn.personal.store import (
    PersonalDigits,
    PersonalDigitsError,
    load_digits,
    save_digits,
    user_store_path,
)

logger = logging.getLogger(__name__)

MnistChoice = Callable[[], MnistLoader]
"""Called in the GUI thread when Teach is pressed: the loader of the MNIST data to use (the Train
tab's data choice, fixed at that moment), which the worker thread then calls."""

NPZ_FILTER = "Your digits (*.npz);;All files (*)"
TEACH = "Te&ach"
STOP = "&Stop"


class MyDigitsTab(QWidget):
    """The grid of the user's digits, Delete / Undo / Export / Import, Teach and its result.

    ``model_in_use`` is the window's :class:`~app.model_in_use.ModelInUse`: teaching adapts its
    model and, when the result is good, sets the adapted one. ``store_path`` is where the digits
    live (the user's store unless given); ``adapt`` is :func:`nn.personal.adapt.adapt` or a
    stand-in with its signature. ``message(text)`` asks the window to show a status message.
    """

    message = Signal(str)
    teaching_changed = Signal(bool)

    def __init__(
        self,
        model_in_use: ModelInUse,
        mnist: MnistChoice = lambda: committed_sample,
        store_path: Path | None = None,
        adapt: Adapt = real_adapt,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("myDigitsTab")
        self.setAccessibleName("Your digits")
        self.setAccessibleDescription(
            "The digits you kept in the Draw tab, and teaching the network your handwriting"
        )
        self.model_in_use = model_in_use
        self.mnist = mnist
        self.adapt = adapt
        self.store_path = Path(store_path) if store_path is not None else user_store_path()
        self._digits = PersonalDigits.empty()
        self._undo: tuple[str, PersonalDigits] | None = None
        self._can_save = True
        self._runner = WorkerThread(self)
        self._runner.ended.connect(self._on_thread_finished)
        self._base: tuple[Model, Path | None, bool] | None = None
        self._adapted: Model | None = None
        self._pending: Model | None = None
        self._report = None
        self._taught_from: Model | None = None
        self._note = ""  # what teaching last did, shown under Teach
        self._build()
        self.store_problem = ""
        self.store_problem = self._load_store()
        """Why the store could not be read at start ("" when it could): shown until the app
        closes."""
        self._show_digits()
        model_in_use.changed.connect(self._on_model_changed)
        when_palette_changes(self, self._restyle)
        self._restyle()
        self._show_state()

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.intro = QLabel(
            "Digits you kept: draw one in the Draw tab, then click its digit under the bars "
            "(or press its key). Teach adapts the model in use to your handwriting.",
            self,
        )
        self.intro.setWordWrap(True)
        self.banner = QLabel(self)
        self.banner.setObjectName("storeProblem")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setAccessibleName("Problem with the file of your digits")
        self.banner.setAccessibleDescription("Says when your digits cannot be read or saved")
        self.banner.hide()
        self.retry_button = self._button(
            "T&ry saving again", "retrySaveButton", "Write your digits to their file again"
        )
        self.retry_button.clicked.connect(self.retry_save)
        self.retry_button.hide()
        self.grid = DigitGrid(self)
        self.grid.selection_changed.connect(self._show_state)
        self.grid.view.installEventFilter(self)
        self.delete_button = self._button(
            "De&lete", "deleteDigitsButton", "Remove the selected digits (Delete)"
        )
        self.undo_button = self._button(
            "Und&o", "undoDigitsButton", "Put back what the last delete or import changed"
        )
        self.export_button = self._button(
            "E&xport…", "exportDigitsButton", "Save your digits to a .npz file"
        )
        self.import_button = self._button(
            "&Import…", "importDigitsButton", "Add digits from a .npz file, or replace yours"
        )
        self.delete_button.clicked.connect(self.delete_selected)
        self.undo_button.clicked.connect(self.undo)
        self.export_button.clicked.connect(self._ask_export)
        self.import_button.clicked.connect(self._ask_import)
        self.teach_button = self._button(
            TEACH,
            "teachButton",
            "Adapt the model in use to your digits, keeping part of them back to measure it",
        )
        self.stop_button = self._button(STOP, "stopTeachingButton", "Stop teaching")
        self.teach_button.clicked.connect(self.start_teaching)
        self.stop_button.clicked.connect(self.stop_teaching)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("teachProgress")
        self.progress_bar.setAccessibleName("Teaching progress")
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("")
        self.teach_label = QLabel(self)
        self.teach_label.setObjectName("teachStatus")
        self.teach_label.setWordWrap(True)
        self.result = TeachResult(self)
        self.result.use_anyway.connect(self.use_anyway)
        self.result.back_to_base.connect(self.back_to_base)
        self._lay_out()

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        return described_button(QPushButton(text, self), name, tip)

    def _lay_out(self) -> None:
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.retry_button)
        file_row = QHBoxLayout()
        for button in (self.delete_button, self.undo_button):
            file_row.addWidget(button)
        file_row.addStretch(1)
        for button in (self.export_button, self.import_button):
            file_row.addWidget(button)
        left = QVBoxLayout()
        left.addWidget(self.grid, 1)
        left.addLayout(file_row)
        teach_box = QGroupBox("Teach the network your handwriting", self)
        teach_buttons = QHBoxLayout()
        teach_buttons.addWidget(self.teach_button)
        teach_buttons.addWidget(self.stop_button)
        teach_buttons.addWidget(self.progress_bar, 1)
        teach_layout = QVBoxLayout(teach_box)
        teach_layout.addLayout(teach_buttons)
        teach_layout.addWidget(self.teach_label)
        right = QVBoxLayout()
        right.addWidget(teach_box)
        right.addWidget(self.result)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(banner_row)
        layout.addLayout(body, 1)
        order = (
            self.retry_button,
            self.grid.filter_combo,
            self.grid.view,
            self.delete_button,
            self.undo_button,
            self.export_button,
            self.import_button,
            self.teach_button,
            self.stop_button,
            self.result.use_button,
            self.result.back_button,
        )
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def _restyle(self) -> None:
        """The banner in the palette's colours: a warning stands out in light and dark alike."""
        palette = self.palette()
        text = palette.color(palette.ColorRole.BrightText).name()
        back = palette.color(palette.ColorRole.Highlight).name()
        self.banner.setStyleSheet(
            f"QLabel#storeProblem {{ color: {text}; background: {back}; padding: 4px; }}"
        )

    # -- the store --------------------------------------------------------------------------
    @property
    def digits(self) -> PersonalDigits:
        """The user's digits as the tab holds them (saved, unless a save failed)."""
        return self._digits

    def _load_store(self) -> str:
        """Read the store; on a problem, keep the file and return a message ("" when fine)."""
        path = self.store_path
        if not path.exists():
            return ""
        try:
            self._digits = load_digits(path)
            return ""
        except (PersonalDigitsError, OSError, ValueError) as error:
            logger.warning("your digits could not be read from %s: %s", path, error)
            reason = error
        aside = _aside_name(path)
        try:
            path.rename(aside)
        except OSError as error:
            logger.warning("%s could not be moved aside: %s", path, error)
            self._can_save = False
            text = (
                f"Your digits file {path} could not be read ({reason}) nor moved aside "
                f"({error.strerror or error}). Nothing is saved there until you move or mend it."
            )
        else:
            text = (
                f"Your digits file could not be read ({reason}). It was kept as {aside}; "
                "digits you keep now go to a new file."
            )
        self._show_problem(text, retry=False)
        return text

    def _save(self) -> bool:
        """Write the digits to the store; on a problem say so (they stay in memory)."""
        if not self._can_save:
            self._show_problem(
                f"Not saved: {self.store_path} could not be read, and is kept as it is until "
                "you move or mend it. Your digits stay here while the app is open.",
                retry=True,
            )
            return False
        try:
            self.store_path.parent.mkdir(parents=True, exist_ok=True)
            save_digits(self._digits, self.store_path)
        except (OSError, PersonalDigitsError, ValueError) as error:
            logger.warning("your digits could not be saved to %s: %s", self.store_path, error)
            self._show_problem(
                f"Your digits could not be saved to {self.store_path} ({error}). They stay here "
                "while the app is open; the file still holds what was saved before.",
                retry=True,
            )
            return False
        self.retry_button.hide()
        if self.store_problem:  # the file kept aside at start: still worth knowing
            self.banner.setText(self.store_problem)
            self.banner.setAccessibleDescription(self.store_problem)
        else:
            self.banner.hide()
        return True

    def retry_save(self) -> bool:
        """Try writing the digits again (after the user freed space or moved a damaged file)."""
        if not self._can_save and not self.store_path.exists():
            self._can_save = True  # the damaged file was moved away
        saved = self._save()
        if saved:
            self.message.emit(f"Your {len(self._digits)} digits are saved")
        return saved

    def _show_problem(self, text: str, *, retry: bool) -> None:
        self.banner.setText(text)
        self.banner.setAccessibleDescription(text)
        self.banner.show()
        self.retry_button.setVisible(retry)
        self.message.emit(text)

    def _change(self, digits: PersonalDigits, undo: str | None = None) -> bool:
        """Hold ``digits`` from now on and save them; ``undo`` names a change Undo puts back."""
        self._undo = (undo, self._digits) if undo else None
        self._digits = digits
        self._show_digits()
        return self._save()

    # -- keeping, deleting, importing -------------------------------------------------------
    def keep(self, label: int, image: np.ndarray, strokes=None) -> str:
        """Keep ``image`` ((784,) in [0, 1], the sketch recipe's image) as the digit ``label``,
        with ``strokes`` ``(pen_width, [(k, 2) point arrays in canvas image pixels])`` or None,
        and save at once. Returns (and emits) the message for the status bar."""
        image = np.asarray(image, np.float32).reshape(IMAGE_PIXELS)
        try:
            digits = self._digits.with_example(image, int(label), strokes)
        except ValueError as error:  # strokes the store cannot hold: the image still counts
            logger.warning("the strokes of a %d are not kept: %s", label, error)
            digits = self._digits.with_example(image, int(label))
        saved = self._change(digits)
        count = len(self._digits)
        if saved:
            text = (
                f"Kept as a {int(label)} — {count} of your digits; teach from the Your digits tab"
            )
        else:
            text = f"Kept as a {int(label)} for now, but not saved: see the Your digits tab"
        self.message.emit(text)
        return text

    def delete_selected(self) -> int:
        """Remove the selected digits (Undo puts them back); returns how many."""
        positions = self.grid.selected_positions()
        if not positions:
            return 0
        digits = self._digits
        for position in sorted(positions, reverse=True):
            digits = digits.without(position)
        first = positions[0]
        self._change(digits, undo=f"delete of {len(positions)} digit(s)")
        remaining = self.grid.list_model.rowCount()
        if remaining:  # keep the keyboard where it was: select the digit that took its place
            listed = self.grid.list_model.positions()
            later = listed[listed >= first]
            self.grid.select_position(int(later.min() if len(later) else listed.max()))
        self.message.emit(f"Deleted {len(positions)} of your digits (Undo puts them back)")
        return len(positions)

    def undo(self) -> bool:
        """Put back what the last delete or import changed; False when there is nothing."""
        if self._undo is None:
            return False
        what, before = self._undo
        self._change(before)
        self.message.emit(f"Undid the {what}")
        return True

    def export_to(self, path: str | Path) -> bool:
        """Write the digits to ``path`` (the store's .npz format); False (and a message) on a
        problem."""
        try:
            save_digits(self._digits, Path(path))
        except (OSError, PersonalDigitsError, ValueError) as error:
            self._warn("Could not export your digits", f"{path} was not written.\n\n{error}")
            return False
        self.message.emit(f"Exported {len(self._digits)} digits to {path}")
        return True

    def import_from(self, path: str | Path, *, replace: bool) -> bool:
        """Add the digits of ``path`` to the user's (``replace``: instead of them); Undo puts
        back what was there. False (and a message) when the file cannot be read."""
        try:
            incoming = load_digits(Path(path))
        except (OSError, PersonalDigitsError, ValueError) as error:
            self._warn("Could not import digits", f"{path} could not be read.\n\n{error}")
            return False
        digits = incoming if replace else merged(self._digits, incoming)
        self._change(digits, undo="import")
        verb = "Replaced your digits with" if replace else "Added"
        self.message.emit(f"{verb} {len(incoming)} digits from {Path(path).name}")
        return True

    def _ask_export(self) -> None:
        suggested = str(Path.home() / "my-digits.npz")
        chosen, _ = QFileDialog.getSaveFileName(self, "Export your digits", suggested, NPZ_FILTER)
        if chosen:
            self.export_to(chosen)

    def _ask_import(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Import digits", "", NPZ_FILTER)
        if not chosen:
            return
        replace = False
        if len(self._digits):
            answer = self._ask_merge_or_replace(Path(chosen).name)
            if answer is None:
                return
            replace = answer
        self.import_from(chosen, replace=replace)

    def _ask_merge_or_replace(self, name: str) -> bool | None:
        """True to replace, False to merge, None to cancel."""
        box = QMessageBox(self)
        box.setObjectName("importQuestion")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Import digits")
        box.setText(
            f"Add the digits of {name} to your {len(self._digits)} digits, or replace yours?"
        )
        box.setInformativeText("Undo puts back your digits either way.")
        merge = box.addButton("&Add to mine", QMessageBox.ButtonRole.AcceptRole)
        replace = box.addButton("&Replace mine", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(merge)
        box.exec()
        clicked = box.clickedButton()
        return True if clicked is replace else False if clicked is merge else None

    def _warn(self, title: str, text: str) -> None:
        self.message.emit(text.split("\n")[0])
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok)
        box.setParent(self, box.windowFlags())
        box.setObjectName("personalWarning")
        box.open()  # not modal to the event loop: a test or a screen reader goes on

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Delete or Backspace in the grid removes the selected digits."""
        if watched is self.grid.view and event.type() == QEvent.Type.KeyPress:
            key = event.key() if isinstance(event, QKeyEvent) else None
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.grid.selected_positions():
                self.delete_selected()
                return True
        return super().eventFilter(watched, event)

    # -- teaching ---------------------------------------------------------------------------
    @property
    def is_teaching(self) -> bool:
        """True from Teach until the worker's thread has ended."""
        return self._runner.is_running

    @property
    def thread(self) -> QThread | None:
        """The QThread teaching runs in, or None (read-only, to check that it ended)."""
        return self._runner.qthread

    @property
    def _worker(self) -> TeachWorker | None:
        return self._runner.worker

    def start_teaching(self) -> bool:
        """Adapt the model in use to the user's digits in a worker thread; False when there is
        no model, no digits, or teaching is already running."""
        model = self.model_in_use.model
        if model is None or not len(self._digits) or self.is_teaching:
            return False
        if self._adapted is None or model is not self._adapted:
            self._base = (model, self.model_in_use.path, self.model_in_use.user_file)
        self._taught_from = model
        self._pending = None
        worker = TeachWorker(model, self._digits, self.mnist(), self.adapt)
        worker.stage.connect(self._on_stage)
        worker.progress.connect(self._on_progress)
        worker.taught.connect(self._on_taught)
        worker.failed.connect(self._on_failed)
        self._runner.start(worker)
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setFormat("Starting…")
        self._note = ""
        self.teach_label.setText(f"Teaching on {len(self._digits)} of your digits…")
        self._show_state()
        self.teaching_changed.emit(True)
        return True

    def stop_teaching(self) -> None:
        """Stop teaching; the model in use stays as it is."""
        if self._worker is not None:
            self._worker.request_stop()
            self.progress_bar.setFormat("Stopping…")
            self._set_note("Stopped: the model in use is unchanged.")

    def shutdown(self) -> None:
        """Stop teaching and wait for its thread to end (the window calls this when closing)."""
        self._runner.stop_and_wait()

    def _current(self) -> bool:
        return self._worker is not None and not self._worker.stopping

    def _on_stage(self, text: str) -> None:
        if self._current():
            self.progress_bar.setRange(0, 0)
            self.progress_bar.setFormat(text)

    def _on_progress(self, done: int, total: int) -> None:
        if self._current() and total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
            self.progress_bar.setFormat("Teaching… %p %")

    def _on_taught(self, model: Model, report) -> None:
        if not self._current():
            return
        self._report = report
        forgetful = report.too_forgetful(FORGETFUL_POINTS)
        if forgetful:
            self._pending = model
            self._set_note("Taught, but the model forgot too much MNIST: see below.")
        else:
            self._put_in_use(model)
            self._set_note("Taught: the adapted model is now in use.")
        self.result.show_report(report, in_use=not forgetful)
        self.message.emit(self.result.verdict.text())

    def _on_failed(self, text: str) -> None:
        if self._current():
            self._set_note(text)
            self.message.emit(text)

    def _on_thread_finished(self) -> None:
        done = self._report is not None and self.progress_bar.maximum() > 0
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1 if done else 0)
        self.progress_bar.setFormat("Done" if done else "")
        self._show_state()
        self.teaching_changed.emit(False)

    def _put_in_use(self, model: Model) -> None:
        self._adapted = model
        self._pending = None
        self.model_in_use.set_model(model)

    def use_anyway(self) -> bool:
        """Put the adapted model in use although MNIST fell too far; False when there is none."""
        if self._pending is None or self._report is None:
            return False
        self._put_in_use(self._pending)
        self.result.show_verdict(self._report, in_use=True)
        self._set_note("The adapted model is now in use.")
        self.message.emit("The adapted model is now in use")
        return True

    def back_to_base(self) -> bool:
        """Put back the model in use before teaching; False when there is none."""
        if self._base is None:
            return False
        model, path, user_file = self._base
        self._adapted = None
        self.model_in_use.set_model(model, path=path, user_file=user_file)
        if self._report is not None:
            self.result.show_verdict(self._report, in_use=False)
        self.result.use_button.hide()
        self._set_note("The base model is back in use.")
        self.message.emit("The base model is back in use")
        return True

    def _on_model_changed(self) -> None:
        """Another model in use (opened, trained): teaching from the old one stops, and "Back"
        applies only while the adapted model is in use."""
        model = self.model_in_use.model
        if self._worker is not None and model is not self._taught_from:
            self.stop_teaching()
        if model is not self._adapted and model is not self._base_model():
            self._note, self._pending = "", None  # a model from elsewhere: the result is old
        if model is not self._adapted:
            self.result.back_button.setEnabled(False)
            self.result.use_button.setVisible(
                self._pending is not None and model is self._base_model()
            )
        else:
            self.result.back_button.setEnabled(self._base is not None)
        self._show_state()

    def _base_model(self) -> Model | None:
        return None if self._base is None else self._base[0]

    # -- showing ----------------------------------------------------------------------------
    def _show_digits(self) -> None:
        self.grid.set_digits(self._digits.images, self._digits.labels)
        self._show_state()

    def _show_state(self) -> None:
        teaching = self.is_teaching
        has_model = self.model_in_use.model is not None
        count = len(self._digits)
        self.delete_button.setEnabled(bool(self.grid.selected_positions()) and not teaching)
        self.undo_button.setEnabled(self._undo is not None and not teaching)
        if self._undo is not None:
            self.undo_button.setToolTip(f"Put back what the {self._undo[0]} changed")
        self.export_button.setEnabled(count > 0)
        self.import_button.setEnabled(not teaching)
        self.teach_button.setEnabled(has_model and count > 0 and not teaching)
        self.stop_button.setEnabled(teaching)
        if not teaching:
            self.teach_label.setText(self._note or self._hint(has_model, count))
        self.teach_label.setAccessibleName(self.teach_label.text())

    def _set_note(self, text: str) -> None:
        """Say what teaching did, until the model in use changes otherwise."""
        self._note = text
        self.teach_label.setText(text)
        self.teach_label.setAccessibleName(text)

    @staticmethod
    def _hint(has_model: bool, count: int) -> str:
        if not has_model:
            return "Open or train a model to teach it your handwriting."
        if count == 0:
            return "Keep some digits in the Draw tab first."
        return f"Ready to teach the model in use your {count} digits."


def merged(mine: PersonalDigits, incoming: PersonalDigits) -> PersonalDigits:
    """``mine`` followed by ``incoming``, each example with its strokes and time when known."""
    strokes = None
    if mine.strokes is not None or incoming.strokes is not None:
        strokes = [*(mine.strokes or [None] * len(mine))]
        strokes += incoming.strokes or [None] * len(incoming)
    times = None
    if mine.added_at is not None or incoming.added_at is not None:
        times = np.concatenate([_times(mine), _times(incoming)])
    return PersonalDigits(
        np.concatenate([mine.images, incoming.images]),
        np.concatenate([mine.labels, incoming.labels]),
        strokes,
        times,
    )


def _times(digits: PersonalDigits) -> np.ndarray:
    """When each example was added (NaN where unknown)."""
    return digits.added_at if digits.added_at is not None else np.full(len(digits), np.nan)


def _aside_name(path: Path) -> Path:
    """``digits.npz.damaged``, or ``digits.npz.damaged-2`` … when that name is taken."""
    candidate = path.with_name(path.name + ".damaged")
    for n in itertools.count(2):
        if not candidate.exists():
            return candidate
        candidate = path.with_name(f"{path.name}.damaged-{n}")
    raise AssertionError("unreachable")
