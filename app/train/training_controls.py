"""The left column of the Train tab: data choice, hyper-parameters, handwriting options, a
validation line, buttons."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.settings import HYPERPARAMETERS, path_problem, report_dropped
from app.train.data_source import KINDS, SAMPLE, DataChoice
from app.train.dataset_chooser import DatasetChooser
from app.train.handwriting_options import HandwritingOptionsBox
from app.train.hyperparameter_form import HyperparameterForm

logger = logging.getLogger(__name__)

ERROR_STYLE = "color: #b00020;"


class TrainingControls(QWidget):
    """The inputs, and an :attr:`action_bar` with ``validationMessage`` and ``trainButton``/
    ``pauseButton``/``stopButton`` for the tab to place. A bad value shows its message and
    disables Train; while a run goes, the inputs are locked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset_chooser = DatasetChooser()
        self.form = HyperparameterForm()
        self.handwriting = HandwritingOptionsBox()
        self.validation_label = error_label("validationMessage")
        self.train_button = _button("trainButton", "Train", "Start training with these settings")
        self.pause_button = _button("pauseButton", "Pause", "Hold training; Resume continues it")
        self.stop_button = _button("stopButton", "Stop", "Stop now; the network trained so far "
                                   "becomes the model in use")  # fmt: skip
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 6, 0)  # flush with the plot; room for the scroll bar
        column.addWidget(self.dataset_chooser)
        column.addWidget(self.form)
        column.addWidget(self.handwriting)
        column.addStretch(1)
        self.action_bar = QWidget()
        """The validation line and the buttons: the tab keeps them in view below the inputs,
        which may scroll on a small screen."""
        bar = QVBoxLayout(self.action_bar)
        bar.setContentsMargins(0, 0, 6, 0)
        bar.addWidget(self.validation_label)
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        bar.addLayout(buttons)
        self._running = False
        self.form.changed.connect(self.validate)
        self.dataset_chooser.changed.connect(self.validate)
        self.validate()

    def __repr__(self) -> str:
        return f"TrainingControls(running={self._running}, problem={self.problem()!r})"

    def problem(self) -> str:
        """Why the settings cannot be used, or "" when Train may start."""
        try:
            self.form.parse()
        except ValueError as error:
            return str(error)
        return self.dataset_chooser.choice().problem()

    def validate(self) -> None:
        """Show the first problem of the settings, if any, and enable Train only without one."""
        problem = self.problem()
        self.validation_label.setText(problem)
        self.validation_label.setVisible(bool(problem))
        self.train_button.setEnabled(not self._running and not problem)

    def values(self) -> dict:
        """All inputs as they are (valid or not), for the settings file."""
        choice = self.dataset_chooser.choice()
        return {
            **self.form.values(),
            **self.handwriting.values(),
            "data": choice.kind,
            "data_folder": choice.folder,
        }

    def set_values(self, values: dict) -> None:
        """Fill the inputs from :meth:`values`' dict, skipping (and naming in the log) what does
        not fit: a data choice that is not one of the three, a folder that is not a usable path.
        A folder that is merely missing is kept: the validation line says so, and a drive may
        come back."""
        self.form.set_values(values)
        self.handwriting.set_values(values)
        for key in values.keys() - self.values().keys():
            logger.info("settings: ignored unknown %s entry %r", HYPERPARAMETERS, key[:80])
        kind = values.get("data", SAMPLE)
        if kind not in KINDS:  # compared as is: "sample" only, not what str() makes of a list
            report_dropped(f"{HYPERPARAMETERS} data", kind, f"not one of {', '.join(KINDS)}")
            kind = SAMPLE
        folder = values.get("data_folder", "")
        if problem := path_problem(folder):
            report_dropped(f"{HYPERPARAMETERS} data_folder", folder, problem)
            folder = ""
        self.dataset_chooser.set_choice(DataChoice(kind, folder))

    def set_running(self, running: bool) -> None:
        """Lock the inputs and enable Pause/Stop while a run goes; the reverse after it."""
        self._running = running
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Pause")
        self.form.setEnabled(not running)
        self.dataset_chooser.setEnabled(not running)
        self.handwriting.setEnabled(not running)
        self.validate()

    def set_stopping(self) -> None:
        """A stop was requested: nothing more to pause or stop."""
        self.pause_button.setEnabled(False)
        self.stop_button.setEnabled(False)


def error_label(name: str) -> QLabel:
    """A word-wrapped label in the error colour."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    return label


def _button(name: str, text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    return button
