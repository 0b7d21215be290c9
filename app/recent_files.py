"""File ▸ Open recent: the last weight files opened or saved, kept in the settings.

The stored list is checked once when the menu is built: entries that are not usable paths
(not text, too long, a NUL character) and entries beyond :data:`MAX_RECENT` are dropped from the
settings and named in the log, so a damaged list never stops the window from opening."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QMenu, QWidget

from app.settings import (
    RECENT_FILES,
    path_problem,
    read_json,
    read_value,
    report_dropped,
    write_json,
)

MAX_RECENT = 8
SHOWN_PROBLEMS = 3  # unusable entries named one by one in the log; the rest are counted


class RecentFilesMenu(QMenu):
    """Up to :data:`MAX_RECENT` paths, newest first; ``file_chosen(path)`` when one is picked."""

    file_chosen = Signal(str)

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__("Open &recent", parent)
        self.setObjectName("recentFilesMenu")
        self.setAccessibleName("Open recent")
        self.setAccessibleDescription("Weight files opened or saved lately, newest first")
        self.setToolTipsVisible(True)  # each file's whole path
        self._settings = settings
        self._drop_unusable()
        self._rebuild()

    def __repr__(self) -> str:
        return f"RecentFilesMenu({self.paths()})"

    def paths(self) -> list[str]:
        return _usable(read_json(self._settings, RECENT_FILES, []))

    def _drop_unusable(self) -> None:
        """Rewrite the stored list without what :meth:`paths` cannot use, naming it in the log."""
        raw = read_value(self._settings, RECENT_FILES)
        if raw is None:
            return
        stored = read_json(self._settings, RECENT_FILES, [])
        kept = _usable(stored)
        if isinstance(raw, str) and raw == json.dumps(kept):
            return
        problems = [(path, why) for path in stored if (why := path_problem(path, look_up=False))]
        for path, why in problems[:SHOWN_PROBLEMS]:
            report_dropped(RECENT_FILES, path, why)
        if len(problems) > SHOWN_PROBLEMS:
            report_dropped(RECENT_FILES, f"{len(problems) - SHOWN_PROBLEMS:,} more", "not paths")
        if len(stored) - len(problems) > MAX_RECENT:
            report_dropped(RECENT_FILES, f"{len(stored):,} entries", f"keeping {MAX_RECENT}")
        write_json(self._settings, RECENT_FILES, kept)

    def add(self, path: str | Path) -> None:
        """Put ``path`` first (moving it up if it is already listed)."""
        path = str(Path(path).resolve())
        self._store([path, *(p for p in self.paths() if p != path)])

    def remove(self, path: str | Path) -> None:
        self._store([p for p in self.paths() if p != str(path)])

    def clear_list(self) -> None:
        self._store([])

    def _store(self, paths: list[str]) -> None:
        write_json(self._settings, RECENT_FILES, paths[:MAX_RECENT])
        self._rebuild()

    def _rebuild(self) -> None:
        self.clear()
        paths = self.paths()
        for number, path in enumerate(paths, start=1):
            action = self.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.setData(path)
            action.triggered.connect(self._on_triggered)
        if paths:
            self.addSeparator()
            self.addAction("Clear list", self.clear_list)
        self.setEnabled(bool(paths))

    def _on_triggered(self) -> None:
        action = self.sender()
        if action is not None:
            self.file_chosen.emit(action.data())


def _usable(stored: list) -> list[str]:
    """The first :data:`MAX_RECENT` entries of ``stored`` that are usable paths."""
    return [path for path in stored if not path_problem(path, look_up=False)][:MAX_RECENT]
