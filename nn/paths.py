"""Where the project's bundled files and the user's data live, from source and when frozen."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "DigitRecognizer"


def bundle_root() -> Path:
    """The folder holding ``resources/`` and ``data/``: the project root from source, the
    unpacked bundle when frozen by PyInstaller (``sys._MEIPASS``)."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parent.parent


def bundled_file(relative: str) -> Path:
    """A file shipped with the app, e.g. ``bundled_file("resources/default-model.npz")``."""
    return bundle_root() / relative


def user_data_dir() -> Path:
    """The per-user folder for downloads (not created here).

    The same place Qt's ``QStandardPaths.AppDataLocation`` gives for an application named
    ``DigitRecognizer`` with no organisation, so the GUI and the CLI share one cache.
    """
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME
