"""The left column of the Train tab: data choice, hyper-parameters, handwriting options, a
validation line, buttons, and the Train/Pause/Stop actions with their keyboard shortcuts."""

from __future__ import annotations

import itertools
import logging

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.settings import HYPERPARAMETERS, path_problem, report_dropped
from app.train.data_source import KINDS, SAMPLE, DataChoice
from app.train.dataset_chooser import DatasetChooser
from app.train.handwriting_options import HandwritingOptionsBox
from app.train.hyperparameter_form import HyperparameterForm
from app.widgets.controls import described_button

logger = logging.getLogger(__name__)

ERROR_STYLE = "color: #b00020;"

TRAIN_KEYS = ("Ctrl+Return", "F5")
PAUSE_KEYS = ("Ctrl+P", "F6")
STOP_KEYS = ("Ctrl+.", "Shift+F5")
"""The run's shortcuts. They act anywhere in the window (the window lists the actions in its
Training menu); none of them is taken by a text field, so typing never triggers one."""


class TrainingControls(QWidget):
    """The inputs, and an :attr:`action_bar` with ``validationMessage`` and ``trainButton``/
    ``pauseButton``/``stopButton`` for the tab to place. A bad value shows its message and
    disables Train; while a run goes, the inputs are locked.

    :attr:`run_actions` are the ``trainAction``, ``pauseAction`` and ``stopAction``: each clicks
    its button, carries its shortcuts (:data:`TRAIN_KEYS`, …) and is enabled exactly when its
    button is, so a menu showing them stays true to the buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingControls")
        self.setAccessibleName("Training settings")
        self.setAccessibleDescription("The data, the network and how it is trained")
        self.dataset_chooser = DatasetChooser()
        self.form = HyperparameterForm()
        self.handwriting = HandwritingOptionsBox()
        self.validation_label = error_label("validationMessage")
        self.validation_label.setAccessibleDescription(
            "Why Train cannot start with these settings, when it cannot"
        )
        self.train_button = _button("trainButton", "Train", "Start training with these settings")
        self.pause_button = _button("pauseButton", "Pause", "Hold training; Resume continues it")
        self.stop_button = _button("stopButton", "Stop", "Stop now; the network trained so far "
                                   "becomes the model in use")  # fmt: skip
        self.train_action = _action(self.train_button, "trainAction", "&Train", TRAIN_KEYS)
        self.pause_action = _action(self.pause_button, "pauseAction", "&Pause", PAUSE_KEYS)
        self.stop_action = _action(self.stop_button, "stopAction", "&Stop", STOP_KEYS)
        self.run_actions = (self.train_action, self.pause_action, self.stop_action)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 6, 0)  # flush with the plot; room for the scroll bar
        column.addWidget(self.dataset_chooser)
        column.addWidget(self.form)
        column.addWidget(self.handwriting)
        column.addStretch(1)
        self.action_bar = QWidget()
        """The validation line and the buttons: the tab keeps them in view below the inputs,
        which may scroll on a small screen."""
        self.action_bar.setObjectName("trainingActionBar")
        self.action_bar.addActions(list(self.run_actions))  # shortcuts work without a menu too
        bar = QVBoxLayout(self.action_bar)
        bar.setContentsMargins(0, 0, 6, 0)
        bar.addWidget(self.validation_label)
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        bar.addLayout(buttons)
        self._running = False
        # Two chains, each within one widget; the tab places the bar after the inputs.
        chain_focus(self.focus_order()[:-3])
        chain_focus([self.train_button, self.pause_button, self.stop_button])
        self.form.changed.connect(self.validate)
        self.dataset_chooser.changed.connect(self.validate)
        self.validate()

    def __repr__(self) -> str:
        return f"TrainingControls(running={self._running}, problem={self.problem()!r})"

    def focus_order(self) -> list[QWidget]:
        """The inputs and buttons in the order Tab visits them: data, network, training,
        handwriting, then Train, Pause, Stop (disabled ones are skipped as Tab goes)."""
        return [
            *self.dataset_chooser.focus_order(),
            *self.form.focus_order(),
            *self.handwriting.focus_order(),
            self.train_button,
            self.pause_button,
            self.stop_button,
        ]

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
        self.train_action.setEnabled(self.train_button.isEnabled())

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
        self._enable_run_buttons(running)
        self.set_paused(False)
        self.form.setEnabled(not running)
        self.dataset_chooser.setEnabled(not running)
        self.handwriting.setEnabled(not running)
        self.validate()

    def set_paused(self, paused: bool) -> None:
        """Show Pause (``paused`` False) or Resume on the button and its action."""
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_action.setText("&Resume" if paused else "&Pause")
        self.pause_button.setAccessibleName(self.pause_button.text())
        tip = "Continue training" if paused else "Hold training; Resume continues it"
        self.pause_button.setToolTip(_with_keys(tip, self.pause_action))
        self.pause_button.setAccessibleDescription(tip)

    def set_stopping(self) -> None:
        """A stop was requested: nothing more to pause or stop."""
        self._enable_run_buttons(False)

    def _enable_run_buttons(self, enabled: bool) -> None:
        for button, action in ((self.pause_button, self.pause_action),
                               (self.stop_button, self.stop_action)):  # fmt: skip
            button.setEnabled(enabled)
            action.setEnabled(enabled)


def error_label(name: str) -> QLabel:
    """A word-wrapped label in the error colour."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    return label


def chain_focus(widgets: list[QWidget]) -> None:
    """Make Tab visit ``widgets`` in this order (Shift+Tab the reverse)."""
    for first, second in itertools.pairwise(widgets):
        QWidget.setTabOrder(first, second)


def _button(name: str, text: str, tip: str) -> QPushButton:
    return described_button(QPushButton(text), name, tip)


def _action(button: QPushButton, name: str, text: str, keys: tuple[str, ...]) -> QAction:
    """An action that clicks ``button``, with ``keys`` as its shortcuts, named in the button's
    tooltip ("Start training … (Ctrl+Return, F5)") and in the action's own."""
    action = QAction(text, button)
    action.setObjectName(name)
    action.setShortcuts([QKeySequence(k) for k in keys])
    action.setToolTip(_with_keys(button.accessibleDescription(), action))
    action.setStatusTip(button.accessibleDescription())
    action.triggered.connect(button.click)  # a disabled button ignores the click
    button.setToolTip(action.toolTip())
    return action


def _with_keys(tip: str, action: QAction) -> str:
    keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
    return f"{tip} ({keys})"
