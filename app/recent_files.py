"""File ▸ Open recent: the last weight files opened or saved, kept in the settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QMenu, QWidget

from app.settings import RECENT_FILES, read_json, write_json

MAX_RECENT = 8


class RecentFilesMenu(QMenu):
    """Up to :data:`MAX_RECENT` paths, newest first; ``file_chosen(path)`` when one is picked."""

    file_chosen = Signal(str)

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__("Open &recent", parent)
        self.setObjectName("recentFilesMenu")
        self._settings = settings
        self._rebuild()

    def __repr__(self) -> str:
        return f"RecentFilesMenu({self.paths()})"

    def paths(self) -> list[str]:
        stored = read_json(self._settings, RECENT_FILES, [])
        return [path for path in stored if isinstance(path, str)][:MAX_RECENT]

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
