"""Telling the right answer: the row of digit buttons "It's a 0 … 9" under the bars, the keys
0-9 that press them, and what of the sketch is kept with that answer.

The row only says which digit the user meant (``answer_given``); the window keeps the sketch
among the user's own digits, so the Draw tab knows nothing of where they are stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from nn.sketch.recipe import sketch_to_mnist

DIGITS = range(10)
FLASH_MS = 120  # how long a key shows its button pressed


class AnswerKeys(QWidget):
    """A caption and ten buttons 0-9, reachable with Tab; ``answer_given(digit)`` on a click or
    on the digit's key (see :meth:`install_keys`)."""

    answer_given = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("answerKeys")
        self.caption = QLabel("It's a", self)
        self.caption.setObjectName("answerCaption")
        self.caption.setToolTip(_ROW_TIP)
        self.buttons = [self._button(digit) for digit in DIGITS]
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(max(2, self.fontMetrics().horizontalAdvance(" ") // 2))
        layout.addWidget(self.caption)
        for button in self.buttons:
            layout.addWidget(button)
        layout.addStretch(1)
        self._shortcuts: list[QShortcut] = []

    def _button(self, digit: int) -> QPushButton:
        button = QPushButton(str(digit), self)
        button.setObjectName(f"answerButton{digit}")
        button.setToolTip(
            f"It's a {digit}: keep this drawing as a {digit} among your digits (key {digit}); "
            "teach the network your handwriting from the Your digits tab"
        )
        button.setAccessibleName(f"It's a {digit}")
        button.setAccessibleDescription(f"Keep this drawing as a {digit} among your digits")
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        side = 2 * self.fontMetrics().horizontalAdvance("0") + self.fontMetrics().height()
        button.setFixedWidth(side)
        button.clicked.connect(lambda _checked=False, d=digit: self.answer_given.emit(d))
        return button

    def install_keys(self, scope: QWidget) -> None:
        """Make the keys 0-9 (and the keypad's) press the buttons while focus is anywhere in
        ``scope`` (e.g. the canvas). A text field in ``scope`` still gets its digits typed: it
        takes printable keys before shortcuts."""
        for digit in DIGITS:
            for sequence in (
                QKeySequence(Qt.Key.Key_0 + digit),
                QKeySequence(Qt.KeyboardModifier.KeypadModifier | Qt.Key(Qt.Key.Key_0 + digit)),
            ):
                shortcut = QShortcut(sequence, scope)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(lambda d=digit: self.press(d))
                self._shortcuts.append(shortcut)

    def press(self, digit: int) -> None:
        """Tell ``digit`` at once, showing its button pressed for a moment (as a key does)."""
        button = self.buttons[digit]
        button.setDown(True)
        QTimer.singleShot(FLASH_MS, button, lambda: button.setDown(False))
        self.answer_given.emit(digit)

    def setEnabled(self, enabled: bool) -> None:
        super().setEnabled(enabled)
        for shortcut in self._shortcuts:
            shortcut.setEnabled(enabled)


_ROW_TIP = (
    "Tell the right answer: click a digit or press its key to keep this drawing as that digit "
    "among your digits"
)


@dataclass(frozen=True, eq=False)
class KeptSketch:
    """What is kept of a sketch with its answer: ``image`` (784,) float32 in [0, 1] (the sketch
    recipe's image, not the model's way of reading it), ``pen_width`` in canvas image pixels and
    ``strokes``, (k, 2) float arrays of (x, y) canvas image pixels, oldest first."""

    image: np.ndarray
    pen_width: int
    strokes: list[np.ndarray]


def sketch_to_keep(tab) -> KeptSketch | None:
    """The sketch of the Draw tab ``tab`` to keep with an answer, or None when nothing is drawn.

    When the tab reads several digits (``digit_groups()`` and ``selected_digit()``), only the
    selected digit's strokes are kept; otherwise the whole sketch.
    """
    canvas = tab.canvas
    widths, points = canvas.stroke_widths(), canvas.strokes()
    chosen = _selected_strokes(tab, len(points))
    if chosen is None:
        image = canvas.image_array()
    else:
        widths = [widths[i] for i in chosen]
        points = [points[i] for i in chosen]
        image = canvas.image_of(chosen)
    if not points:
        return None
    mnist = sketch_to_mnist(image)
    if mnist is None:
        return None
    return KeptSketch(mnist.astype(np.float32).reshape(-1), _common_width(widths), points)


def _selected_strokes(tab, count: int) -> list[int] | None:
    """Indices of the selected digit's strokes, or None for the whole sketch."""
    groups_of, selected_of = (
        getattr(tab, "digit_groups", None),
        getattr(tab, "selected_digit", None),
    )
    if groups_of is None or selected_of is None:
        return None
    groups, selected = groups_of(), selected_of()
    if selected is None or len(groups) <= 1 or not 0 <= selected < len(groups):
        return None
    chosen = sorted(int(i) for i in _stroke_indices(groups[selected]) if 0 <= int(i) < count)
    return chosen or None


def _stroke_indices(group) -> list[int]:
    """A digit group as stroke indices: the group itself, or its ``strokes`` attribute."""
    indices = getattr(group, "strokes", group)
    return list(indices)


def _common_width(widths: list[int]) -> int:
    """The pen width most strokes were drawn with (the first such, on a tie)."""
    if not widths:
        return 0
    counts = {w: widths.count(w) for w in widths}
    return max(counts, key=lambda w: counts[w])
