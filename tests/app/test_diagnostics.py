"""The log file, Qt's messages in it, fatal-error dumps, and the dialog for unexpected errors.

Every test puts back what it changes: ``sys.excepthook`` and ``threading.excepthook``,
faulthandler, Qt's message handler, the root logger's handlers and level (:func:`restored`).
pytest-qt's own capture of exceptions in Qt callbacks is turned off for this module
(``qt_no_exception_capture``): here those exceptions are what is under test, and the
:class:`CrashReporter` is the hook that receives them.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QThread, QTimer, Slot, qInstallMessageHandler
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu, QPushButton

import app.__main__ as entry
import app.main_window as main_window
from app import app_version, log_file
from app.crash_dialog import (
    CRASH_TEST_VARIABLE,
    MAX_KEPT_ERRORS,
    CrashDialog,
    CrashReporter,
    ErrorReport,
    provoke_from_environment,
)
from app.log_file import LOG_FILE_NAME, LogSetup

pytestmark = pytest.mark.qt_no_exception_capture

PROJECT = Path(__file__).resolve().parents[2]
LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) +\[(?P<thread>[^\]]+)\] "
    r"(?P<logger>\S+): (?P<message>.*)"
)


@pytest.fixture(autouse=True)
def restored() -> Iterator[None]:
    """Whatever a test changes of the process's logging and hooks is put back after it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    hooks = (sys.excepthook, threading.excepthook)
    faults_on = faulthandler.is_enabled()
    qt_handler = qInstallMessageHandler(None)
    qInstallMessageHandler(qt_handler)
    yield
    if (setup := log_file.current_setup()) is not None:
        log_file.shutdown_logging(setup)
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    sys.excepthook, threading.excepthook = hooks
    qInstallMessageHandler(qt_handler)
    faulthandler.disable()  # it may write to a file the test closed: back to the terminal
    if faults_on:
        faulthandler.enable(file=sys.__stderr__, all_threads=True)


@pytest.fixture
def logs(tmp_path) -> Path:
    return tmp_path / "logs"


@pytest.fixture
def logging_into(logs) -> Iterator[Callable[..., LogSetup]]:
    """Set up logging into ``logs`` (no fatal-error dumps unless asked); undone afterwards."""
    setups = []

    def set_up(**options) -> LogSetup:
        options.setdefault("folder", logs)
        options.setdefault("crash_dumps", False)
        setups.append(log_file.setup_logging(**options))
        return setups[-1]

    yield set_up
    for setup in reversed(setups):
        log_file.shutdown_logging(setup)


def records(path: Path) -> list[dict[str, str]]:
    """The log file's records (their first lines), parsed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [match.groupdict() for line in lines if (match := LINE.fullmatch(line))]


# ---- the log file


def test_records_go_into_the_file_with_time_level_thread_and_logger(logging_into, logs):
    setup = logging_into()
    logging.getLogger("app.somewhere").warning("a wärning, %d", 3)
    logging.getLogger("app.somewhere").info("some news")
    logging.getLogger("app.somewhere").debug("too fine for the file")
    assert setup.log_file == logs / LOG_FILE_NAME
    lines = records(setup.log_file)
    assert lines[0]["message"] == setup.start_line
    assert f"pid {os.getpid()}" in setup.start_line
    assert app_version() in setup.start_line
    assert {"level": "WARNING", "thread": "MainThread", "logger": "app.somewhere"}.items() <= (
        lines[-2].items()
    )
    assert lines[-2]["message"] == "a wärning, 3"
    assert lines[-1]["message"] == "some news"
    assert all(line["level"] != "DEBUG" for line in lines)


def test_the_log_rotates_at_its_size_keeping_three_older_files(logging_into, logs):
    setup = logging_into()
    text = "x" * 999
    for number in range(4500):  # 4.5 MB of records: the file is renamed four times
        logging.getLogger("filler").info("%05d %s", number, text)
    names = sorted(path.name for path in logs.glob(f"{LOG_FILE_NAME}*"))
    assert names == [LOG_FILE_NAME, *(f"{LOG_FILE_NAME}.{n}" for n in (1, 2, 3))]
    for name in names:
        assert 0 < (logs / name).stat().st_size <= log_file.MAX_LOG_BYTES
    assert records(setup.log_file)[-1]["message"] == f"04499 {text}"
    oldest = records(logs / f"{LOG_FILE_NAME}.3")[0]["message"]
    newest_of_older = records(logs / f"{LOG_FILE_NAME}.1")[-1]["message"]
    assert oldest < newest_of_older  # .3 is older than .1


def test_an_unwritable_folder_falls_back_to_the_terminal(
    logging_into, tmp_path, monkeypatch, request
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    terminal = (tmp_path / "terminal.txt").open("w", encoding="utf-8")
    request.addfinalizer(terminal.close)
    monkeypatch.setattr(sys, "stderr", terminal)  # a terminal with a file descriptor
    faulthandler.disable()
    setup = logging_into(folder=blocker / "logs", crash_dumps=True)
    logging.getLogger("app.x").info("still said")
    terminal.flush()
    err = (tmp_path / "terminal.txt").read_text(encoding="utf-8")
    assert setup.folder is None and setup.log_file is None
    assert "cannot be written" in setup.problem
    assert f"no log file: {blocker / 'logs'} cannot be written" in err
    assert "logging to the terminal only" in err
    assert "app.x: still said" in err  # INFO reaches the terminal when there is no file
    assert faulthandler.is_enabled()  # fatal-error dumps go to the terminal instead
    log_file.check_log_file()  # nothing to check: the self-test passes
    assert log_file.log_folder() is None


def test_verbose_adds_a_debug_stream_handler(logging_into, logs, capsys):
    setup = logging_into(verbose=True)
    logging.getLogger("app.y").debug("fine detail")
    terminal = [h for h in setup.handlers if not isinstance(h, logging.FileHandler)]
    assert [h.level for h in terminal] == [logging.DEBUG]
    assert "app.y: fine detail" in capsys.readouterr().err
    assert records(setup.log_file)[-1] == {
        "level": "DEBUG",
        "thread": "MainThread",
        "logger": "app.y",
        "message": "fine detail",
    }


def test_without_verbose_the_terminal_gets_warnings_only(logging_into, capsys):
    setup = logging_into()
    logging.getLogger("app.z").info("only in the file")
    logging.getLogger("app.z").warning("everywhere")
    terminal = [h for h in setup.handlers if not isinstance(h, logging.FileHandler)]
    assert [h.level for h in terminal] == [logging.WARNING]
    err = capsys.readouterr().err
    assert "everywhere" in err and "only in the file" not in err


def test_the_verbose_flag_is_taken_out_and_other_arguments_stay():
    argv = ["prog", "--verbose", "-style", "fusion", "--unknown", "--verbose"]
    assert log_file.without_verbose(argv) == (["prog", "-style", "fusion", "--unknown"], True)
    assert log_file.without_verbose(["prog", "--self-test"]) == (["prog", "--self-test"], False)
    assert log_file.without_verbose(["--verbose"]) == (["--verbose"], False)  # program name


def test_qt_messages_go_into_the_log_at_their_level(logging_into):
    from PySide6.QtCore import qCritical, qDebug, qInfo, qWarning

    setup = logging_into(verbose=True)
    qDebug("qt debug")
    qInfo("qt info")
    qWarning("qt warning")
    qCritical("qt critical")
    levels = {r["message"]: (r["level"], r["logger"]) for r in records(setup.log_file)}
    assert levels["qt debug"] == ("DEBUG", "qt")
    assert levels["qt info"] == ("INFO", "qt")
    assert levels["qt warning"] == ("WARNING", "qt")
    assert levels["qt critical"] == ("ERROR", "qt")


def test_shutdown_puts_back_the_handlers_and_the_qt_handler(logs):
    root = logging.getLogger()
    before = list(root.handlers)
    setup = log_file.setup_logging(folder=logs, crash_dumps=False)
    assert qInstallMessageHandler(log_file.log_qt_message) is log_file.log_qt_message
    log_file.shutdown_logging(setup)
    assert root.handlers == before
    assert log_file.current_setup() is None
    assert all(handler.stream is None for handler in setup.handlers[:1])  # the file is closed


def test_fatal_error_dumps_stay_on_with_the_crash_file_open(logging_into, logs):
    setup = logging_into(crash_dumps=True)
    assert faulthandler.is_enabled()
    assert setup.crash_file is not None and not setup.crash_file.closed
    assert Path(setup.crash_file.name) == logs / log_file.CRASH_FILE_NAME


def test_a_fatal_error_leaves_every_threads_stack_in_crash_log(tmp_path):
    code = (
        "import faulthandler, sys, threading, time\n"
        "from pathlib import Path\n"
        "from app.log_file import setup_logging\n"
        "setup_logging(folder=Path(sys.argv[1]))\n"
        "threading.Thread(target=time.sleep, args=(30,), name='idle', daemon=True).start()\n"
        "faulthandler._sigsegv()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "logs")],
        cwd=PROJECT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    dump = (tmp_path / "logs" / log_file.CRASH_FILE_NAME).read_text()
    assert "Fatal Python error: Segmentation fault" in dump
    assert dump.count("Thread 0x") + dump.count("Current thread 0x") >= 2, dump
    assert "Fatal Python error" not in result.stderr  # it went to the file, not the terminal


def test_the_self_test_step_finds_its_lines_in_the_file(logging_into):
    setup = logging_into()
    log_file.check_log_file()
    setup.handlers[0].setLevel(logging.CRITICAL)  # a file handler that no longer writes
    with pytest.raises(RuntimeError, match="a line logged now is not in"):
        log_file.check_log_file()


def test_main_sets_up_logging_and_qt_never_sees_verbose(monkeypatch, qapp, tmp_path):
    """``python -m app --verbose …`` as the entry point runs it, up to the event loop."""
    seen = {}

    class NoLoop:
        def exec(self) -> int:
            return 0

    class NoWindow:
        def show(self) -> None:
            seen["shown"] = True

    def create_application(argv):
        seen["argv"] = argv
        return NoLoop()

    monkeypatch.setattr(sys, "argv", ["prog", "--verbose", "-style", "fusion", "--unknown"])
    monkeypatch.setattr(entry, "create_application", create_application)
    monkeypatch.setattr(main_window, "MainWindow", NoWindow)
    assert entry.main() == 0
    assert seen == {"argv": ["prog", "-style", "fusion", "--unknown"], "shown": True}
    setup = log_file.current_setup()
    assert setup.verbose and setup.folder == tmp_path / "user-data/DigitRecognizer/logs"
    assert setup.start_line in setup.log_file.read_text(encoding="utf-8")
    assert isinstance(sys.excepthook.__self__, CrashReporter)
    assert faulthandler.is_enabled() and not setup.crash_file.closed


# ---- Help ▸ Show log folder


@pytest.fixture
def opened(monkeypatch) -> list[Path]:
    """The folders the app asked the desktop to show (nothing is really opened)."""
    folders: list[Path] = []
    monkeypatch.setattr(log_file, "folder_opener", lambda folder: folders.append(folder) or True)
    return folders


def test_show_log_folder_opens_the_folder_of_the_log(window, logging_into, logs, opened):
    logging_into()
    action = window.findChild(QAction, "showLogFolderAction")
    (help_menu,) = [menu for menu in action.associatedObjects() if isinstance(menu, QMenu)]
    assert help_menu.title() == "&Help" and action.text() == "Show &log folder"
    help_menu.aboutToShow.emit()
    assert action.isEnabled() and str(logs) in action.toolTip()
    action.trigger()
    assert opened == [logs]


def test_show_log_folder_is_disabled_without_a_log_file(window, logging_into, tmp_path, opened):
    (tmp_path / "a-file").write_text("")
    logging_into(folder=tmp_path / "a-file" / "logs")
    for menu in window.log_folder_action.associatedObjects():
        menu.aboutToShow.emit()
    assert not window.log_folder_action.isEnabled()
    assert "messages go to the terminal only" in window.log_folder_action.toolTip()
    window.log_folder_action.trigger()
    assert opened == []


# ---- unexpected errors


@pytest.fixture
def reporter(qtbot, logging_into) -> Iterator[CrashReporter]:
    """A CrashReporter installed over a log in ``logs``; ``shown`` lists each new dialog with
    the thread that showed it."""
    logging_into()
    reporter = CrashReporter.for_current_log()
    reporter.shown = []

    def present(dialog: CrashDialog) -> None:
        reporter.shown.append((dialog, threading.current_thread()))
        qtbot.addWidget(dialog)
        dialog.show()

    reporter.present = present
    reporter.install()
    yield reporter
    reporter.uninstall()


def broken_button(qtbot, error: Exception) -> QPushButton:
    button = QPushButton("Break")

    def on_click() -> None:
        raise error

    button.clicked.connect(on_click)
    qtbot.addWidget(button)
    button.show()
    qtbot.waitExposed(button)
    return button


def test_an_error_in_a_slot_shows_the_dialog_and_is_logged(qtbot, reporter, logs):
    button = broken_button(qtbot, ValueError("the slot broke"))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(reporter.shown) == 1)
    dialog, thread = reporter.shown[0]
    assert thread is threading.main_thread()
    assert dialog.isVisible()
    assert "ValueError: the slot broke" in dialog.message.text()
    assert str(logs / LOG_FILE_NAME) in dialog.where.text()
    log = (logs / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "ERROR    [MainThread] app.crash_dialog: unexpected error in thread MainThread" in log
    assert "Traceback (most recent call last):" in log
    assert "in on_click\n    raise error\nValueError: the slot broke" in log


def test_an_error_from_a_timer_shows_the_dialog(qtbot, reporter):
    def fail() -> None:
        raise KeyError("timer")

    QTimer.singleShot(0, fail)
    qtbot.waitUntil(lambda: len(reporter.shown) == 1)
    assert "KeyError: 'timer'" in reporter.shown[0][0].message.text()


def test_an_error_in_a_thread_is_logged_and_shown_by_the_gui_thread(qtbot, reporter, logs):
    def fail() -> None:
        raise OSError("disk gone")

    worker = threading.Thread(target=fail, name="reader")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(reporter.shown) == 1)
    dialog, thread = reporter.shown[0]
    assert thread is threading.main_thread()
    assert dialog.thread() is QGuiApplication.instance().thread()
    assert "OSError: disk gone" in dialog.message.text()
    assert "thread reader:" in dialog.details()
    log = (logs / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "ERROR    [reader] app.crash_dialog: unexpected error in thread reader" in log
    assert "in fail\n    raise OSError" in log


class BrokenWorker(QObject):
    @Slot()
    def run(self) -> None:
        raise ZeroDivisionError("in the worker")


def test_an_error_escaping_a_qthread_workers_slot_reaches_the_dialog(qtbot, reporter, logs):
    worker, thread = BrokenWorker(), QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    thread.start()
    try:
        qtbot.waitUntil(lambda: len(reporter.shown) == 1)
    finally:
        thread.quit()
        assert thread.wait(5000)
    assert reporter.shown[0][1] is threading.main_thread()
    assert "ZeroDivisionError: in the worker" in reporter.shown[0][0].message.text()
    assert "ZeroDivisionError: in the worker" in (logs / LOG_FILE_NAME).read_text()


def test_repeated_errors_share_one_dialog_and_are_counted(qtbot, reporter, logs):
    button = broken_button(qtbot, RuntimeError("again"))
    for _ in range(50):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reporter.shown and reporter.shown[0][0].count == 50)
    dialog = reporter.shown[0][0]
    assert len(reporter.shown) == 1
    assert dialog.more.isVisible()
    assert dialog.more.text().startswith("49 more errors since then")
    details = dialog.details()
    assert details.count("RuntimeError: again") == MAX_KEPT_ERRORS
    assert f"{50 - MAX_KEPT_ERRORS} more errors: see the log." in details
    assert (logs / LOG_FILE_NAME).read_text().count("RuntimeError: again") == 50
    qtbot.mouseClick(
        dialog.findChild(QPushButton, "closeCrashDialogButton"), Qt.MouseButton.LeftButton
    )
    assert not dialog.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # after closing, a new dialog
    qtbot.waitUntil(lambda: len(reporter.shown) == 2)


def test_copy_details_puts_the_traceback_and_versions_on_the_clipboard(qtbot, reporter):
    button = broken_button(qtbot, ValueError("copy me"))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(reporter.shown) == 1)
    dialog = reporter.shown[0][0]
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert f"Digit Recognizer {app_version()}, Python {sys.version.split()[0]}" in copied
    assert "PySide6 " in copied and ", Qt " in copied
    assert "Traceback (most recent call last):" in copied
    assert "raise error\nValueError: copy me" in copied
    assert "Error 1 of 1" in copied and "thread MainThread" in copied


def test_open_log_folder_opens_the_logs_folder(qtbot, reporter, logs, opened):
    button = broken_button(qtbot, ValueError("where is the log"))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(reporter.shown) == 1)
    qtbot.mouseClick(reporter.shown[0][0].open_button, Qt.MouseButton.LeftButton)
    assert opened == [logs]


def test_keyboard_interrupt_passes_through(qtbot, logging_into, logs):
    logging_into()
    passed = []
    sys.excepthook = lambda *info: passed.append(info[0])
    reporter = CrashReporter.for_current_log(present=lambda dialog: pytest.fail("a dialog"))
    reporter.install()
    try:
        sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    finally:
        reporter.uninstall()
    assert passed == [KeyboardInterrupt]
    assert "KeyboardInterrupt" not in (logs / LOG_FILE_NAME).read_text()


def test_uninstall_puts_back_the_hooks(qapp):
    before = (sys.excepthook, threading.excepthook)
    reporter = CrashReporter(None)
    reporter.install()
    assert sys.excepthook == reporter.excepthook
    assert threading.excepthook == reporter.thread_excepthook
    reporter.uninstall()
    assert (sys.excepthook, threading.excepthook) == before


def test_without_a_log_file_the_dialog_says_so(qtbot):
    try:
        raise ValueError("no log")
    except ValueError as error:
        report = ErrorReport.of(type(error), error, error.__traceback__)
    dialog = CrashDialog(report, None, "/nowhere cannot be written: Not a directory")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.where.text() == (
        "No log file could be written (/nowhere cannot be written: Not a directory): "
        "Copy details keeps the details."
    )
    assert not dialog.open_button.isEnabled()
    assert "ValueError: no log" in dialog.details()


@pytest.mark.parametrize(("where", "thread"), [("slot", "MainThread"), ("thread", "crash-test")])
def test_the_crash_test_variable_raises_on_purpose(qtbot, reporter, monkeypatch, where, thread):
    monkeypatch.setenv(CRASH_TEST_VARIABLE, where)
    provoke_from_environment()
    qtbot.waitUntil(lambda: len(reporter.shown) == 1, timeout=5000)
    dialog = reporter.shown[0][0]
    assert "RuntimeError: a test error raised on purpose" in dialog.message.text()
    assert f"thread {thread}:" in dialog.details()


def test_without_the_crash_test_variable_nothing_is_raised(monkeypatch):
    monkeypatch.delenv(CRASH_TEST_VARIABLE, raising=False)
    timers = []
    monkeypatch.setattr(QTimer, "singleShot", lambda *args: timers.append(args))
    provoke_from_environment()
    monkeypatch.setenv(CRASH_TEST_VARIABLE, "anything else")
    provoke_from_environment()
    assert timers == []
