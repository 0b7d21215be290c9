"""What every button gets: an object name, a tooltip, and the name and description a screen
reader says."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QAbstractButton

Button = TypeVar("Button", bound=QAbstractButton)


def described_button(button: Button, name: str, tip: str) -> Button:
    """``button`` with object name ``name``, tooltip ``tip``, and as accessible name its text
    without the shortcut's "&" and a closing "…" ("E&xport…" → "Export"), as accessible
    description ``tip``."""
    button.setObjectName(name)
    button.setToolTip(tip)
    button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
    button.setAccessibleDescription(tip)
    return button
