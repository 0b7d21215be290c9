"""The application's QSettings, in one INI file, and small typed helpers around it.

The file is ``<user config>/DigitRecognizer/DigitRecognizer.ini``; tests redirect it with
``QSettings.setPath(IniFormat, UserScope, folder)``. Lists and dicts are stored as JSON text so
they read back the same on every platform.

The file is the user's to edit, break or copy from another version, so nothing read from it is
trusted: each reader checks a stored value against what its widget accepts (type, range,
choices) and drops what it cannot use, saying so in the log (:func:`report_dropped`); the other
values are kept and the app starts with defaults in place of the dropped ones.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QSettings

from nn.paths import APP_NAME

logger = logging.getLogger(__name__)

GEOMETRY = "window/geometry"
LAST_FOLDER = "files/lastFolder"
LAST_IMAGE_FOLDER = "files/lastImageFolder"
"""The folder of the last image opened or dropped: photos live elsewhere than weight files,
so File ▸ Open image starts in its own folder (:data:`LAST_FOLDER` is the weight files')."""
RECENT_FILES = "files/recent"
PEN_WIDTH = "drawing/penWidth"
SHOW_NETWORK = "drawing/showNetwork"
HYPERPARAMETERS = "training/hyperparameters"
THEME = "view/theme"

MAX_JSON_CHARS = 1_000_000
"""The longest JSON text read back: what the app writes is a few hundred characters."""
MAX_PATH_CHARS = 4096
"""The longest file or folder path kept (PATH_MAX on Linux)."""


def app_settings() -> QSettings:
    """The application's settings (a new handle on the same INI file each call)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_NAME, APP_NAME)


def report_dropped(key: str, value: object, why: str) -> None:
    """Say in the log that the stored ``value`` of ``key`` is not used, and why."""
    shown = repr(value)
    if len(shown) > 80:
        shown = f"{shown[:60]}… ({len(shown):,} characters)"
    logger.warning("settings: ignored %s = %s: %s", key, shown, why)


def read_value(settings: QSettings, key: str) -> object:
    """The value stored under ``key`` as QSettings reads it, or None if absent or unreadable."""
    try:
        return settings.value(key)
    except (RuntimeError, TypeError, ValueError, OverflowError) as error:
        report_dropped(key, "…", f"unreadable ({error})")
        return None


def read_json(settings: QSettings, key: str, default: object) -> object:
    """The JSON value stored under ``key``; ``default`` if absent, unreadable, too long (over
    :data:`MAX_JSON_CHARS`), too deeply nested or of another type than ``default``."""
    text = read_value(settings, key)
    if text is None or text == "":
        return default
    if not isinstance(text, str):
        report_dropped(key, text, "not JSON text")
        return default
    if len(text) > MAX_JSON_CHARS:
        report_dropped(key, text, f"longer than {MAX_JSON_CHARS:,} characters")
        return default
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:
        report_dropped(key, text, f"not readable as JSON ({type(error).__name__})")
        return default
    if not isinstance(value, type(default)):
        report_dropped(key, value, f"not a JSON {type(default).__name__}")
        return default
    return value


def write_json(settings: QSettings, key: str, value: object) -> None:
    """Store ``value`` (JSON-able) under ``key``."""
    settings.setValue(key, json.dumps(value))


def path_problem(value: object, *, look_up: bool = True) -> str:
    """Why ``value`` cannot be a stored path (not text, too long, a NUL character or, with
    ``look_up``, a name the system refuses to look up), or "" when it can; it need not exist."""
    if not isinstance(value, str):
        return "not text"
    if len(value) > MAX_PATH_CHARS:
        return f"longer than {MAX_PATH_CHARS:,} characters"
    if "\0" in value:
        return "holds a NUL character"
    if look_up:
        try:
            Path(value).is_dir()
        except (OSError, ValueError) as error:
            return f"not a usable path ({error.__class__.__name__})"
    return ""
