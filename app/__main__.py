"""``python -m app``: create the QApplication and the main window, then run the event loop.

``python -m app --self-test`` (and ``DigitRecognizer --self-test``, the frozen executable) runs
:mod:`app.self_test` instead: headless, it checks the app end to end and exits 0, or 1 naming
the step that failed.

``--verbose`` also logs to the terminal, at DEBUG; the log file is described in
:mod:`app.log_file`, and unexpected errors are shown by :mod:`app.crash_dialog`.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

# One OpenBLAS thread, set before NumPy loads: as fast for the network's small matrices, and it
# leaves the other core to the interface (measured in bench/epoch.py; see docs/performance.md).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# When the script started: Qt, NumPy and the window's modules are imported in main(), after it.
STARTED_AT = time.monotonic()

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

SELF_TEST = "--self-test"


def create_application(argv: list[str]) -> QApplication:
    """The QApplication with the names and the icon that every start uses (the self-test's too)."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from nn.paths import APP_NAME, bundled_file

    application = QApplication(argv)
    application.setApplicationName(APP_NAME)  # no organisation: data in <AppData>/DigitRecognizer
    application.setApplicationDisplayName("Digit Recognizer")
    application.setDesktopFileName("digit-recognizer")  # resources/digit-recognizer.desktop
    application.setWindowIcon(QIcon(str(bundled_file("resources/icon.png"))))
    return application


def main() -> int:
    """Run the application until its window closes; return the exit code."""
    from app.log_file import setup_logging, without_verbose

    argv, verbose = without_verbose(sys.argv)  # Qt never sees --verbose
    setup_logging(verbose=verbose)  # the self-test's run is logged too, in the same file
    if SELF_TEST in argv[1:]:
        from app.self_test import run_self_test

        argv = [arg for arg in argv if arg != SELF_TEST]
        return run_self_test(argv, create_application, STARTED_AT)
    application = create_application(argv)
    from app.crash_dialog import CrashReporter, provoke_from_environment
    from app.main_window import MainWindow

    CrashReporter.for_current_log().install()  # its hooks keep it alive
    provoke_from_environment()
    window = MainWindow()
    window.show()
    return application.exec()


if __name__ == "__main__":
    sys.exit(main())
