"""``python -m app``: create the QApplication and the main window, then run the event loop."""

from __future__ import annotations

import os
import sys

# One OpenBLAS thread, set before NumPy loads: as fast for the network's small matrices, and it
# leaves the other core to the interface (measured in bench/epoch.py; see the README).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from PySide6.QtWidgets import QApplication

from app.main_window import MainWindow
from nn.paths import APP_NAME


def main() -> int:
    """Run the application until its window closes; return the exit code."""
    application = QApplication(sys.argv)
    application.setApplicationName(APP_NAME)  # no organisation: data in <AppData>/DigitRecognizer
    application.setApplicationDisplayName("Digit Recognizer")
    window = MainWindow()
    window.show()
    return application.exec()


if __name__ == "__main__":
    sys.exit(main())
