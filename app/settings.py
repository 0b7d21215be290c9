"""The application's QSettings, in one INI file, and small typed helpers around it.

The file is ``<user config>/DigitRecognizer/DigitRecognizer.ini``; tests redirect it with
``QSettings.setPath(IniFormat, UserScope, folder)``. Lists and dicts are stored as JSON text so
they read back the same on every platform.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings

from nn.paths import APP_NAME

GEOMETRY = "window/geometry"
LAST_FOLDER = "files/lastFolder"
RECENT_FILES = "files/recent"
PEN_WIDTH = "drawing/penWidth"
HYPERPARAMETERS = "training/hyperparameters"


def app_settings() -> QSettings:
    """The application's settings (a new handle on the same INI file each call)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_NAME, APP_NAME)


def read_json(settings: QSettings, key: str, default: object) -> object:
    """The JSON value stored under ``key``; ``default`` if absent, unreadable or of another type."""
    text = settings.value(key, "")
    if not isinstance(text, str) or not text:
        return default
    try:
        value = json.loads(text)
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def write_json(settings: QSettings, key: str, value: object) -> None:
    """Store ``value`` (JSON-able) under ``key``."""
    settings.setValue(key, json.dumps(value))
