"""The log: a rotating file in the user data folder, fatal-error dumps beside it, Qt's messages.

A windowed executable has no terminal, so what the app says (warnings, Qt's messages, the
tracebacks of unexpected errors: :mod:`app.crash_dialog`) is written to
``<user data>/logs/digit-recognizer.log``: INFO and up, DEBUG with ``--verbose``, at most
1 MB before it is renamed ``.log.1`` (three older files kept). ``crash.log`` beside it stays
empty unless Python dies from a fatal error (a segmentation fault, say): :mod:`faulthandler`
then writes the stack of every thread into it. When the folder cannot be written (no writable
home, a full disk) the app still starts and logs to the terminal only, saying so once.

Warnings and errors also go to the terminal when there is one; ``--verbose`` sends everything
(DEBUG and up) there too.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QtMsgType, QUrl, qInstallMessageHandler, qVersion
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMenu, QWidget

from app import app_version
from nn.paths import user_data_dir

logger = logging.getLogger(__name__)

VERBOSE = "--verbose"
LOG_FILE_NAME = "digit-recognizer.log"
CRASH_FILE_NAME = "crash.log"
MAX_LOG_BYTES = 1_000_000
"""Bytes after which the log is renamed ``.log.1`` (and ``.1`` → ``.2`` …) and started anew."""
LOG_BACKUPS = 3
"""Older log files kept: at most 4 MB in all."""
MAX_CRASH_BYTES = 1_000_000
"""``crash.log`` is appended to across runs, and emptied at a start once it is this large."""
LOG_FORMAT = "%(asctime)s %(levelname)-8s [%(threadName)s] %(name)s: %(message)s"

QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


@dataclass
class LogSetup:
    """Where the log goes, as :func:`setup_logging` arranged it.

    ``folder`` holds the log and ``crash.log``; None when it could not be written, and then
    ``problem`` says why (the log goes to the terminal only). ``start_line`` is the message
    logged first, naming this process.
    """

    folder: Path | None
    problem: str | None
    verbose: bool
    start_line: str
    handlers: list[logging.Handler] = field(default_factory=list)
    crash_file: TextIO | None = None
    previous_root_level: int = logging.WARNING
    previous_qt_handler: Callable | None = None
    qt_handler_installed: bool = False

    @property
    def log_file(self) -> Path | None:
        return None if self.folder is None else self.folder / LOG_FILE_NAME

    @property
    def crash_log(self) -> Path | None:
        return None if self.folder is None else self.folder / CRASH_FILE_NAME


_current: LogSetup | None = None


def current_setup() -> LogSetup | None:
    """The setup of this process, or None before :func:`setup_logging` (e.g. in tests)."""
    return _current


def default_log_folder() -> Path:
    """``<user data>/logs``: beside the downloads, where :func:`nn.paths.user_data_dir` says."""
    return user_data_dir() / "logs"


def log_folder() -> Path | None:
    """The folder the log is written to: the setup's, None when logging to the terminal only,
    the default folder when logging was not set up."""
    if _current is None:
        return default_log_folder()
    return _current.folder


def without_verbose(argv: list[str]) -> tuple[list[str], bool]:
    """``argv`` without ``--verbose`` (the program name kept first), and whether it was there.
    Any other argument is left for Qt, as before."""
    rest = [arg for arg in argv[1:] if arg != VERBOSE]
    return argv[:1] + rest, len(rest) < len(argv[1:])


def environment() -> str:
    """The app's and its libraries' versions and the platform, in one line."""
    return (
        f"Digit Recognizer {app_version()}, Python {platform.python_version()}, "
        f"PySide6 {pyside_version}, Qt {qVersion()}, {platform.platform()}"
    )


def setup_logging(
    *, verbose: bool = False, folder: Path | None = None, crash_dumps: bool = True
) -> LogSetup:
    """Send the root logger to the log file in ``folder`` (default :func:`default_log_folder`)
    and the terminal, Qt's messages to the log, and fatal-error dumps to ``crash.log``.

    Never raises for a folder that cannot be written: the log then goes to the terminal only
    and a warning says why. Undo with :func:`shutdown_logging`.
    """
    global _current
    folder = default_log_folder() if folder is None else folder
    root = logging.getLogger()
    setup = LogSetup(
        folder=folder,
        problem=None,
        verbose=verbose,
        start_line=f"{environment()}: started, pid {os.getpid()}",
        previous_root_level=root.level,
    )
    formatter = logging.Formatter(LOG_FORMAT)
    try:
        setup.handlers.append(_file_handler(folder, verbose))
        if crash_dumps:
            setup.crash_file = _crash_file(folder)
    except OSError as error:
        _close(setup.handlers)
        setup.handlers.clear()
        setup.folder, setup.problem = None, f"{folder} cannot be written: {_reason(error)}"
    if sys.stderr is not None:  # a windowed Windows executable has no terminal at all
        terminal = logging.StreamHandler(sys.stderr)
        terminal.setLevel(logging.DEBUG if verbose or setup.folder is None else logging.WARNING)
        setup.handlers.append(terminal)
    for handler in setup.handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    if crash_dumps:
        _enable_crash_dumps(setup.crash_file)
    setup.previous_qt_handler = qInstallMessageHandler(log_qt_message)
    setup.qt_handler_installed = True
    _current = setup
    logger.info(setup.start_line)
    if setup.problem:
        logger.warning("no log file: %s; logging to the terminal only", setup.problem)
    else:
        logger.info("logging to %s", setup.log_file)
    return setup


def shutdown_logging(setup: LogSetup) -> None:
    """Undo :func:`setup_logging`: its handlers removed and closed, the root level and Qt's
    message handler as they were, fatal-error dumps off if they went to ``crash.log``."""
    global _current
    root = logging.getLogger()
    for handler in setup.handlers:
        root.removeHandler(handler)
    _close(setup.handlers)
    root.setLevel(setup.previous_root_level)
    if setup.qt_handler_installed:
        qInstallMessageHandler(setup.previous_qt_handler)
        setup.qt_handler_installed = False
    if setup.crash_file is not None:
        faulthandler.disable()
        setup.crash_file.close()
        setup.crash_file = None
    if _current is setup:
        _current = None


def check_log_file(setup: LogSetup | None = None) -> None:
    """Raise RuntimeError unless the log file (of ``setup``, default this process's) holds the
    start line and takes a line logged now. Nothing to check without a log file: logging was
    not set up, or goes to the terminal only, as the start said."""
    setup = current_setup() if setup is None else setup
    if setup is None or setup.log_file is None:
        return
    line = f"the log takes lines: {os.getpid()}.{time.monotonic_ns()}"
    logger.info(line)
    for handler in setup.handlers:
        handler.flush()
    if line not in _text(setup.log_file):
        raise RuntimeError(f"a line logged now is not in {setup.log_file}")
    older = [setup.log_file.with_name(f"{LOG_FILE_NAME}.{n}") for n in range(1, LOG_BACKUPS + 1)]
    if not any(setup.start_line in _text(path) for path in [setup.log_file, *older]):
        raise RuntimeError(f"the line logged at start is not in {setup.log_file}")


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise RuntimeError(f"{path} cannot be read: {_reason(error)}") from error


def _file_handler(folder: Path, verbose: bool) -> logging.Handler:
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        folder / LOG_FILE_NAME, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    return handler


def _crash_file(folder: Path) -> TextIO:
    """``crash.log``, open for appending (emptied first once it is over its size); the handle
    stays open for the whole process, since faulthandler writes to its descriptor."""
    path = folder / CRASH_FILE_NAME
    try:
        too_large = path.stat().st_size > MAX_CRASH_BYTES
    except FileNotFoundError:
        too_large = False
    return open(path, "w" if too_large else "a", encoding="utf-8")


def _enable_crash_dumps(crash_file: TextIO | None) -> None:
    """Dump every thread's stack on a fatal error: into ``crash_file``, else to the terminal."""
    target = crash_file if crash_file is not None else sys.stderr
    try:
        faulthandler.enable(file=target, all_threads=True)
    except (AttributeError, ValueError, OSError, RuntimeError):  # no terminal with a descriptor
        logger.info("fatal-error dumps are off: nowhere to write them")


def _close(handlers: list[logging.Handler]) -> None:
    """Close the handlers: a file handler closes its file, the terminal's stream stays open."""
    for handler in handlers:
        handler.close()


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def log_qt_message(kind: QtMsgType, context, message: str) -> None:
    """Qt's message handler: each message into the log at the matching level, under the logger
    ``qt`` (``qt.<category>`` for a categorised message, e.g. ``qt.qpa.xcb``)."""
    try:
        category = getattr(context, "category", None) or "default"
        name = "qt" if category == "default" else f"qt.{category}"
        logging.getLogger(name).log(QT_LEVELS.get(kind, logging.WARNING), "%s", message)
    except Exception:  # an exception must never escape into Qt
        pass


def open_folder(folder: Path) -> bool:
    """Open ``folder`` in the desktop's file manager; False when nothing could open it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


folder_opener: Callable[[Path], bool] = open_folder
"""How the log folder is shown; replaceable (tests put a recorder here)."""


def show_log_folder() -> bool:
    """Open the log folder with :data:`folder_opener`; False when there is none or it failed."""
    folder = log_folder()
    if folder is None:
        return False
    return bool(folder_opener(folder))


def add_log_actions(help_menu: QMenu, parent: QWidget) -> QAction:
    """Add Help ▸ Show log folder to ``help_menu``; disabled, saying why, when there is no log
    file. Returns the action."""
    action = QAction("Show &log folder", parent)
    action.setObjectName("showLogFolderAction")
    action.triggered.connect(show_log_folder)
    help_menu.addAction(action)
    help_menu.aboutToShow.connect(lambda: _update_log_action(action))
    _update_log_action(action)
    return action


def _update_log_action(action: QAction) -> None:
    folder = log_folder()
    action.setEnabled(folder is not None)
    if folder is None:
        problem = _current.problem if _current is not None else "no log folder"
        text = f"No log file ({problem}): messages go to the terminal only"
    else:
        text = f"Open {folder}, which holds the log and the reports of unexpected errors"
    action.setToolTip(text)
    action.setStatusTip(text)
