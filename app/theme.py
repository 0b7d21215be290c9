"""View ▸ Theme: light or dark colours for the whole window, chosen or following the system.

The window is drawn with Qt's Fusion style and one of two explicit palettes (:func:`palette_for`),
set with ``QApplication.setPalette``. Every widget takes the new palette from the event loop, and
views that paint their own colours re-read it (:mod:`app.widgets.plotting`), so switching is
live.

Why explicit palettes rather than asking Qt for a colour scheme: ``QStyleHints.setColorScheme``
(Qt 6.8+) only asks the platform's theme, and on Linux without a desktop portal (xcb, offscreen)
the platform knows no scheme, so nothing changes. It is still called, so that native parts Qt
does not draw (window title bars on Windows and macOS) match the chosen theme.

"System" follows ``QStyleHints.colorScheme()`` and its ``colorSchemeChanged`` signal; a system
that reports no scheme counts as light.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from app.settings import THEME, read_value, report_dropped

logger = logging.getLogger(__name__)

SYSTEM, LIGHT, DARK = "system", "light", "dark"
CHOICES = (SYSTEM, LIGHT, DARK)
"""The values of View ▸ Theme, as stored in the settings."""
STYLE = "Fusion"
"""The one style that draws every widget from the palette on every platform."""

_LABELS = {SYSTEM: "&System", LIGHT: "&Light", DARK: "&Dark"}
_TIPS = {
    SYSTEM: "Light or dark as the system is set, switching when the system switches "
    "(light when the system does not say)",
    LIGHT: "Dark text on light backgrounds, whatever the system's setting",
    DARK: "Light text on dark backgrounds, whatever the system's setting",
}


def palette_for(dark: bool) -> QPalette:
    """Fusion's light or dark palette, every role of every colour group set explicitly.

    The light palette is the one Fusion shows where the system names no scheme; the dark one is
    built the same way from a dark grey window (50, 50, 50) and near-white text, with plot and
    text-field backgrounds (Base) darker than the window.
    """
    window = QColor(50, 50, 50) if dark else QColor(239, 239, 239)
    text = QColor(240, 240, 240) if dark else QColor(0, 0, 0)
    base = window.darker(140) if dark else QColor(255, 255, 255)
    mid = window.darker(130)
    dark_shade = window.darker(150)
    shadow = dark_shade.darker(135)
    highlight = QColor(48, 140, 198)
    disabled_text = QColor(130, 130, 130) if dark else QColor(190, 190, 190)
    placeholder = QColor(text)
    placeholder.setAlpha(128)
    palette = QPalette(text, window, window.lighter(150), dark_shade, mid, text, base)
    group, role = QPalette.ColorGroup, QPalette.ColorRole
    for colour_role, colour in (
        (role.Midlight, mid.lighter(110)),
        (role.Button, window),
        (role.ButtonText, text),
        (role.Shadow, shadow),
        (role.BrightText, QColor(255, 255, 255)),
        (role.AlternateBase, _mix(base, window)),
        (role.HighlightedText, text if dark else QColor(255, 255, 255)),
        (role.Link, highlight if dark else QColor(0, 0, 255)),
        (role.LinkVisited, QColor(190, 130, 230) if dark else QColor(255, 0, 255)),
        (role.ToolTipBase, QColor(255, 255, 220)),
        (role.ToolTipText, QColor(0, 0, 0)),
        (role.PlaceholderText, placeholder),
    ):
        palette.setColor(colour_role, colour)
    for active in (group.Active, group.Inactive):
        palette.setColor(active, role.Highlight, highlight)
        palette.setColor(active, role.Accent, highlight)
    for colour_role, colour in (
        (role.Text, disabled_text),
        (role.WindowText, disabled_text),
        (role.ButtonText, disabled_text),
        (role.Base, window),
        (role.Dark, dark_shade if dark else QColor(209, 209, 209).darker(110)),
        (role.Shadow, shadow.lighter(150)),
        (role.Highlight, QColor(145, 145, 145)),
        (role.Accent, QColor(145, 145, 145)),
    ):
        palette.setColor(group.Disabled, colour_role, colour)
    return palette


def _mix(a: QColor, b: QColor) -> QColor:
    return QColor(
        (a.red() + b.red()) // 2, (a.green() + b.green()) // 2, (a.blue() + b.blue()) // 2
    )


def is_dark_choice(choice: str, system_scheme: Qt.ColorScheme) -> bool:
    """Whether ``choice`` (one of :data:`CHOICES`) means dark colours while the system reports
    ``system_scheme``; "system" with an unknown scheme means light."""
    if choice == SYSTEM:
        return system_scheme == Qt.ColorScheme.Dark
    return choice == DARK


class Theme(QObject):
    """The application's theme: one per QApplication, from :func:`app_theme`.

    ``changed(dark)`` is emitted after the palette was set, whenever the colours switch.
    """

    changed = Signal(bool)

    def __init__(self, application: QApplication) -> None:
        super().__init__(application)
        self.setObjectName("theme")
        self._application = application
        self._choice = SYSTEM
        self._hints = QGuiApplication.styleHints()
        self._system_scheme = self._hints.colorScheme()
        self._dark: bool | None = None
        self._hints.colorSchemeChanged.connect(self.follow_system_scheme)

    @property
    def choice(self) -> str:
        """One of :data:`CHOICES`."""
        return self._choice

    @property
    def dark(self) -> bool:
        """Whether the colours now set are the dark ones."""
        return bool(self._dark)

    def set_choice(self, choice: str) -> None:
        """Switch to ``choice`` (one of :data:`CHOICES`) now; ValueError for anything else."""
        if choice not in CHOICES:
            raise ValueError(f"a theme is one of {', '.join(CHOICES)}, not {choice!r}")
        self._choice = choice
        self._ask_platform(choice)
        if choice == SYSTEM:
            self._system_scheme = self._hints.colorScheme()
        self._apply()

    def follow_system_scheme(self, scheme: Qt.ColorScheme) -> None:
        """The system reported ``scheme`` (connected to ``colorSchemeChanged``): with "System"
        chosen, switch to it; with Light or Dark, keep those colours."""
        if self._choice == SYSTEM:
            self._system_scheme = scheme
        self._apply()

    def _ask_platform(self, choice: str) -> None:
        """Tell the platform the scheme, for the parts Qt does not draw (Qt 6.8+)."""
        if not hasattr(self._hints, "setColorScheme"):
            return
        if choice == SYSTEM:
            self._hints.unsetColorScheme()
        else:
            self._hints.setColorScheme(
                Qt.ColorScheme.Dark if choice == DARK else Qt.ColorScheme.Light
            )

    def _apply(self) -> None:
        dark = is_dark_choice(self._choice, self._system_scheme)
        if self._application.style().name().lower() != STYLE.lower():
            self._application.setStyle(STYLE)
        palette = palette_for(dark)
        if QApplication.palette() != palette or self._dark is None:
            QApplication.setPalette(palette)
        if dark != self._dark:
            self._dark = dark
            logger.info("theme: %s colours (%s chosen)", "dark" if dark else "light", self._choice)
            self.changed.emit(dark)


def app_theme(application: QApplication | None = None) -> Theme:
    """The application's :class:`Theme`, made the first time it is asked for (with "System"
    chosen, not yet applied)."""
    application = application or QApplication.instance()
    theme = application.findChild(Theme, "theme")
    return theme if theme is not None else Theme(application)


def apply_theme(choice: str, application: QApplication | None = None) -> bool:
    """Set the application's colours for ``choice`` (one of :data:`CHOICES`) now; True when
    they are the dark ones."""
    theme = app_theme(application)
    theme.set_choice(choice)
    return theme.dark


def read_theme_choice(settings: QSettings) -> str:
    """The stored View ▸ Theme choice; "system" when there is none or it is not one of
    :data:`CHOICES` (then named in the log and removed)."""
    stored = read_value(settings, THEME)
    if stored is None:
        return SYSTEM
    if isinstance(stored, str) and stored.strip().lower() in CHOICES:
        return stored.strip().lower()
    report_dropped(THEME, stored, f"not one of {', '.join(CHOICES)}")
    settings.remove(THEME)
    return SYSTEM


class ThemeMenu(QMenu):
    """View ▸ Theme: System, Light and Dark, one checked; the choice is applied at once and
    remembered in ``settings``. Made while the window is built, it applies the stored choice,
    so the window shows in its theme from its first paint."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__("&Theme", parent)
        self.setObjectName("themeMenu")
        self.setToolTipsVisible(True)
        self.setAccessibleName("Theme")
        self.setAccessibleDescription("Light or dark colours, or as the system is set")
        self._settings = settings
        self._group = QActionGroup(self)
        self._group.setExclusive(True)
        self.actions_by_choice: dict[str, QAction] = {}
        for choice in CHOICES:
            action = self.addAction(_LABELS[choice])
            action.setObjectName(f"theme{choice.title()}Action")
            action.setCheckable(True)
            action.setToolTip(_TIPS[choice])
            action.setStatusTip(_TIPS[choice])
            action.setData(choice)
            self._group.addAction(action)
            self.actions_by_choice[choice] = action
        self._group.triggered.connect(self._on_triggered)
        self.choose(read_theme_choice(settings), remember=False)

    def choice(self) -> str:
        """The checked choice, one of :data:`CHOICES`."""
        return self._group.checkedAction().data()

    def choose(self, choice: str, *, remember: bool = True) -> None:
        """Check ``choice``, apply it and (with ``remember``) store it."""
        self.actions_by_choice[choice].setChecked(True)
        apply_theme(choice)
        if remember:
            self._settings.setValue(THEME, choice)

    def _on_triggered(self, action: QAction) -> None:
        self.choose(action.data())
