"""Unexpected errors: logged with their traceback, then told to the user, and the app runs on.

:class:`CrashReporter` becomes ``sys.excepthook`` (where PySide6 sends an exception raised in a
slot or a virtual method, in whichever thread it ran: a worker's ``run`` slot too) and
``threading.excepthook``. Each error is written to the log (:mod:`app.log_file`) with its
traceback, then handed to the GUI thread through a queued signal, where one
:class:`CrashDialog` at a time says what happened and where the log is; errors that come while
it is open are counted in it and added to its details. ``KeyboardInterrupt`` (and ``SystemExit``)
pass through to the hooks that were there before.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app import log_file
from app.widgets.controls import described_button

logger = logging.getLogger(__name__)

MAX_KEPT_ERRORS = 10
"""Errors whose tracebacks a dialog keeps for Copy details; later ones are only counted (the
log has them all)."""
MAX_SUMMARY_CHARS = 300
CRASH_TEST_VARIABLE = "DIGIT_RECOGNIZER_CRASH_TEST"
"""Set to ``slot`` or ``thread`` to raise an error on purpose soon after the window opens, to
see the dialog in a built executable (docs/architecture.md, "Logging and crashes")."""


@dataclass(frozen=True)
class ErrorReport:
    """One unexpected error, as plain text: made in the thread that raised it, shown in the GUI
    thread. ``summary`` is ``"ValueError: boom"`` (first line, shortened)."""

    summary: str
    traceback: str
    thread: str
    at: str

    @classmethod
    def of(
        cls, kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> ErrorReport:
        text = "".join(traceback.format_exception(kind, error, trace))
        message = str(error).strip().splitlines()
        summary = f"{kind.__name__}: {message[0]}" if message else kind.__name__
        if len(summary) > MAX_SUMMARY_CHARS:
            summary = summary[: MAX_SUMMARY_CHARS - 1] + "…"
        at = datetime.now().isoformat(sep=" ", timespec="seconds")
        return cls(summary, text, threading.current_thread().name, at)


class CrashDialog(QDialog):
    """Says that an unexpected error happened and the app runs on, where the log is, and offers
    Open log folder and Copy details (the tracebacks and the versions, for a bug report).
    ``add(report)`` counts a later error into the open dialog."""

    def __init__(
        self,
        report: ErrorReport,
        log_path: Path | None,
        log_problem: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("Digit Recognizer: unexpected error")
        self.setAccessibleName("Unexpected error")
        self.setAccessibleDescription("An error the app did not expect, and where its log is")
        self.log_path, self.log_problem = log_path, log_problem
        self.reports: list[ErrorReport] = []
        self.count = 0
        self._build()
        self.add(report)

    def _build(self) -> None:
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(size)
        )
        self.message = self._label("crashMessage", "What went wrong")
        self.where = self._label("crashLogPlace", "Where the log file is")
        self.more = self._label("crashMoreErrors", "How many errors came after this one")
        self.more.hide()
        self.details_view = QPlainTextEdit()
        self.details_view.setObjectName("crashDetails")
        self.details_view.setReadOnly(True)
        self.details_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details_view.setToolTip("The traceback, the versions and the platform")
        self.details_view.setAccessibleName("Error details")
        self.details_view.setAccessibleDescription("The text Copy details puts on the clipboard")
        self.details_view.setMinimumSize(560, 180)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = self._button(
            buttons,
            "openLogFolderButton",
            "&Open log folder",
            "Show the folder of the log file in the file manager",
        )
        self.copy_button = self._button(
            buttons,
            "copyDetailsButton",
            "&Copy details",
            "Copy the traceback, the app's version and the platform, e.g. for a bug report",
        )
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("closeCrashDialogButton")
        close.setToolTip("Close this message; the app keeps running")
        close.setAccessibleName("Close")
        close.setAccessibleDescription("Close this message; the app keeps running")
        self.open_button.setEnabled(self.log_path is not None)
        self.open_button.clicked.connect(self.open_log_folder)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(icon, 0)
        text = QVBoxLayout()
        for label in (self.message, self.where, self.more):
            text.addWidget(label)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details_view, 1)
        layout.addWidget(buttons)
        self.where.setText(self._where_text())

    def _label(self, name: str, description: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAccessibleName(description)
        label.setAccessibleDescription(description)
        return label

    def _button(self, buttons: QDialogButtonBox, name: str, text: str, tip: str) -> QPushButton:
        button = buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        return described_button(button, name, tip)

    def _where_text(self) -> str:
        if self.log_path is not None:
            return f"The details are in the log file {self.log_path}."
        problem = f" ({self.log_problem})" if self.log_problem else ""
        return f"No log file could be written{problem}: Copy details keeps the details."

    def add(self, report: ErrorReport) -> None:
        """Count ``report`` in: the first sets the message, later ones the "more errors" line;
        the first :data:`MAX_KEPT_ERRORS` keep their traceback for the details."""
        self.count += 1
        if len(self.reports) < MAX_KEPT_ERRORS:
            self.reports.append(report)
        if self.count == 1:
            self.message.setText(
                f"Digit Recognizer ran into an error it did not expect: {_sentence(report)} "
                "It keeps running, but what you just did may not have finished."
            )
        else:
            more = self.count - 1
            self.more.setText(
                f"{more} more error{'s' if more > 1 else ''} since then, the last: "
                f"{_sentence(report)}"
            )
            self.more.show()
        self.details_view.setPlainText(self.details())
        self.resize(self.size().expandedTo(self.sizeHint()))  # room for the wrapped lines

    def details(self) -> str:
        """What Copy details copies: the versions and platform, the log's place, each kept
        error's time, thread and traceback."""
        lines = [log_file.environment(), f"Platform plugin: {QGuiApplication.platformName()}"]
        lines.append(f"Log: {self.log_path}" if self.log_path else self._where_text())
        for number, report in enumerate(self.reports, 1):
            lines += ["", f"Error {number} of {self.count}, {report.at}, thread {report.thread}:"]
            lines.append(report.traceback.rstrip())
        if self.count > len(self.reports):
            lines += ["", f"{self.count - len(self.reports)} more errors: see the log."]
        return "\n".join(lines) + "\n"

    @Slot()
    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details())

    @Slot()
    def open_log_folder(self) -> None:
        if self.log_path is not None:
            log_file.folder_opener(self.log_path.parent)


def _sentence(report: ErrorReport) -> str:
    """The summary ending a sentence: with one full stop."""
    return report.summary.rstrip(".") + "."


def show_without_blocking(dialog: CrashDialog) -> None:
    """How a new dialog is shown: not modal, in front; the app's windows stay usable."""
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()


class CrashReporter(QObject):
    """Logs every unexpected error and shows it in a :class:`CrashDialog`, one at a time.

    Create it in the GUI thread once the QApplication exists, then :meth:`install`;
    :meth:`uninstall` puts back the hooks that were there. ``present`` shows a new dialog
    (default :func:`show_without_blocking`; tests may replace it); ``dialog`` is the one open.
    """

    caught = Signal(object)  # ErrorReport; queued into the GUI thread from any other thread

    def __init__(
        self,
        log_path: Path | None,
        log_problem: str | None = None,
        present: Callable[[CrashDialog], None] = show_without_blocking,
    ) -> None:
        super().__init__()
        self.setObjectName("crashReporter")
        self.log_path, self.log_problem, self.present = log_path, log_problem, present
        self.dialog: CrashDialog | None = None
        self._previous_hooks: tuple | None = None
        self.caught.connect(self._show)

    @classmethod
    def for_current_log(
        cls, present: Callable[[CrashDialog], None] = show_without_blocking
    ) -> CrashReporter:
        """A reporter naming the log file :func:`app.log_file.setup_logging` opened (if any)."""
        setup = log_file.current_setup()
        if setup is None:
            return cls(None, "logging was not set up", present)
        return cls(setup.log_file, setup.problem, present)

    def install(self) -> None:
        if self._previous_hooks is None:
            self._previous_hooks = (sys.excepthook, threading.excepthook)
            sys.excepthook = self.excepthook
            threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        """Put back the hooks :meth:`install` replaced (only those still its own)."""
        if self._previous_hooks is None:
            return
        previous_sys, previous_threading = self._previous_hooks
        if sys.excepthook == self.excepthook:
            sys.excepthook = previous_sys
        if threading.excepthook == self.thread_excepthook:
            threading.excepthook = previous_threading
        self._previous_hooks = None

    def excepthook(
        self, kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        """``sys.excepthook``: log the error, then report it to the GUI thread."""
        if not issubclass(kind, Exception):  # KeyboardInterrupt, SystemExit: as before
            previous = self._previous_hooks[0] if self._previous_hooks else sys.__excepthook__
            previous(kind, error, trace)
            return
        self.report(kind, error, trace)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        """``threading.excepthook``: an exception that ended a ``threading.Thread``."""
        if not issubclass(args.exc_type, Exception):  # SystemExit ends a thread quietly
            previous = self._previous_hooks[1] if self._previous_hooks else threading.__excepthook__
            previous(args)
            return
        self.report(args.exc_type, args.exc_value, args.exc_traceback)

    def report(
        self, kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        """Log the error with its traceback and hand it to the GUI thread; never raises."""
        try:
            logger.error(
                "unexpected error in thread %s",
                threading.current_thread().name,
                exc_info=(kind, error, trace),
            )
            if QCoreApplication.instance() is not None:
                self.caught.emit(ErrorReport.of(kind, error, trace))
        except Exception:
            sys.__excepthook__(kind, error, trace)  # the last way out that still says something

    @Slot(object)
    def _show(self, report: ErrorReport) -> None:
        """In the GUI thread: count into the open dialog, or open a new one."""
        try:
            if self.dialog is not None and self.dialog.isVisible():
                self.dialog.add(report)
                return
            self.dialog = CrashDialog(report, self.log_path, self.log_problem)
            self.present(self.dialog)
        except Exception:
            logger.exception("the error dialog could not be shown")


def provoke_from_environment() -> None:
    """When :data:`CRASH_TEST_VARIABLE` is ``slot`` or ``thread``, raise a ``RuntimeError`` a
    second after the event loop starts: in a slot of the GUI thread, or in a
    ``threading.Thread``. For checking the dialog in a built executable; otherwise nothing."""
    where = os.environ.get(CRASH_TEST_VARIABLE, "")
    if where not in ("slot", "thread"):
        return

    def fail() -> None:
        raise RuntimeError(f"a test error raised on purpose ({CRASH_TEST_VARIABLE}={where})")

    def start() -> None:
        if where == "slot":
            fail()
        threading.Thread(target=fail, name="crash-test").start()

    logger.warning("%s=%s: an error will be raised on purpose", CRASH_TEST_VARIABLE, where)
    QTimer.singleShot(1000, start)
