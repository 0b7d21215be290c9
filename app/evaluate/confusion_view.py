"""The confusion matrix: a 10x10 table of counts, rows = true digit, columns = the answer.

A QTableView over :class:`ConfusionModel`, so cells are chosen with the mouse or with the arrow
keys and Enter; :class:`ConfusionDelegate` fills each cell with the colour of its share of the
row (see :mod:`app.evaluate.colours`) and writes the count. An eleventh column gives each digit's
accuracy. :class:`ColourScale` is the legend of the colours.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from app.evaluate.colours import SHARE_DECADES, scale_colour, share_to_scale, text_on

DIGITS = 10
ACCURACY_COLUMN = DIGITS
CELL_SIZE = 38
SHARE_ROLE = Qt.ItemDataRole.UserRole  # a cell's share (0–1) of its row's images


def most_confused(confusion: np.ndarray) -> tuple[int, int, int] | None:
    """(true digit, answer, count) of the largest off-diagonal cell, or None when there is no
    mistake; ties go to the first in reading order."""
    off = np.array(confusion, dtype=np.int64)
    np.fill_diagonal(off, 0)
    if off.max(initial=0) == 0:
        return None
    true, answer = np.unravel_index(int(np.argmax(off)), off.shape)
    return int(true), int(answer), int(off[true, answer])


def describe_confusion(confusion: np.ndarray) -> str:
    """The matrix in words, for screen readers: accuracy and the most common mistake."""
    total = int(confusion.sum())
    if total == 0:
        return "No evaluation yet: press Evaluate."
    correct = int(np.trace(confusion))
    text = f"accuracy {100 * correct / total:.1f} % ({correct:,} of {total:,})"
    worst = most_confused(confusion)
    if worst is None:
        return f"{text}; no mistakes"
    true, answer, count = worst
    times = "once" if count == 1 else f"{count} times"
    return f"{text}; most confused: {true} read as {answer}, {times}"


class ConfusionModel(QAbstractTableModel):
    """Counts of a (10, 10) confusion matrix and a last column of per-digit accuracy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._counts = np.zeros((DIGITS, DIGITS), np.int64)
        self._row_totals = np.zeros(DIGITS, np.int64)  # computed once, read by every paint

    def set_confusion(self, confusion: np.ndarray | None) -> None:
        """Show ``confusion`` ((10, 10) counts, rows = true digit); None → empty."""
        self.beginResetModel()
        self._counts = (
            np.zeros((DIGITS, DIGITS), np.int64)
            if confusion is None
            else np.array(confusion, dtype=np.int64).reshape(DIGITS, DIGITS)
        )
        self._row_totals = self._counts.sum(axis=1)
        self.endResetModel()

    def confusion(self) -> np.ndarray:
        """A copy of the (10, 10) counts shown."""
        return self._counts.copy()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else DIGITS

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else DIGITS + 1

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if index.column() == ACCURACY_COLUMN:
            return Qt.ItemFlag.NoItemFlags  # a figure, not a set of images
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def _row_total(self, row: int) -> int:
        return int(self._row_totals[row])

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        total = self._row_total(row)
        if column == ACCURACY_COLUMN:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return f"{100 * self._counts[row, row] / total:.1f}" if total else "–"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Accuracy on the test images of {row}"
            return None
        count = int(self._counts[row, column])
        if role == Qt.ItemDataRole.DisplayRole:
            return str(count)
        if role == SHARE_ROLE:
            return count / total if total else 0.0
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            share = (
                f" ({100 * count / total:.1f} % of the {total:,} images of {row})" if total else ""
            )
            verb = "read right" if row == column else f"read as {column}"
            return f"{count:,} images of {row} {verb}{share}: press Enter or click to list them"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and section == ACCURACY_COLUMN:
                return "% right"
            return str(section)
        if role == Qt.ItemDataRole.ToolTipRole:
            if orientation == Qt.Orientation.Vertical:
                return f"Row: the test images whose true digit is {section}"
            if section == ACCURACY_COLUMN:
                return "Accuracy per true digit, in %"
            return f"Column: the images the network answered {section} for"
        return None


class ConfusionDelegate(QStyledItemDelegate):
    """Fills a cell with its share's colour and writes the count in a contrasting colour.

    The colours of each (palette, share) are worked out once and kept: a repaint of the matrix
    then costs a dictionary look-up per cell, not a blend of colours and a luminance."""

    CACHE_LIMIT = 1024  # (palette, share) pairs kept; one matrix needs at most 100

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colours: dict[tuple[int, float], tuple[QColor, QColor]] = {}

    def cell_colours(self, palette: QPalette, share: float) -> tuple[QColor, QColor]:
        """(fill, text colour) of a cell holding ``share`` of its row, in ``palette``."""
        key = (palette.cacheKey(), share)
        colours = self._colours.get(key)
        if colours is None:
            if len(self._colours) >= self.CACHE_LIMIT:
                self._colours.clear()
            fill = scale_colour(palette, share_to_scale(share))
            colours = self._colours[key] = (fill, text_on(fill))
        return colours

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        palette = option.palette  # type: ignore[attr-defined]
        rect: QRect = option.rect  # type: ignore[attr-defined]
        state = option.state  # type: ignore[attr-defined]
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        painter.save()
        if index.column() == ACCURACY_COLUMN:  # not selectable, yet as readable as the counts
            painter.setPen(palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText))
        else:
            fill, ink = self.cell_colours(palette, float(index.data(SHARE_ROLE) or 0.0))
            painter.fillRect(rect, fill)
            painter.setPen(ink)
            if index.row() == index.column():
                font = painter.font()
                font.setBold(True)
                painter.setFont(font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if state & QStyle.StateFlag.State_Selected or state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            pen = painter.pen()
            pen.setWidth(3)
            painter.setPen(pen)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        painter.restore()


class ConfusionView(QTableView):
    """The matrix; ``cell_chosen(true_digit, answer)`` when a cell is clicked or Enter is
    pressed on it."""

    cell_chosen = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionMatrix")
        self.setAccessibleName("Confusion matrix")
        self.setToolTip(
            "Rows: the true digit; columns: the network's answer. Each cell counts test images; "
            "its colour is its share of the row (logarithmic). Click a cell, or move with the "
            "arrow keys and press Enter, to list its images."
        )
        self.confusion_model = ConfusionModel(self)
        self.setModel(self.confusion_model)
        self.setItemDelegate(ConfusionDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(True)
        self.setCornerButtonEnabled(False)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setDefaultSectionSize(CELL_SIZE)
            header.setMinimumSectionSize(CELL_SIZE)
            header.setHighlightSections(True)
        self.horizontalHeader().resizeSection(ACCURACY_COLUMN, CELL_SIZE + 18)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.clicked.connect(self._choose)
        self.activated.connect(self._choose)
        self.set_confusion(None)

    def sizeHint(self) -> QSize:
        width = self.verticalHeader().sizeHint().width() + DIGITS * CELL_SIZE + CELL_SIZE + 18
        height = self.horizontalHeader().sizeHint().height() + DIGITS * CELL_SIZE
        return QSize(width + 2 * self.frameWidth(), height + 2 * self.frameWidth())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def set_confusion(self, confusion: np.ndarray | None) -> None:
        """Show ``confusion`` ((10, 10) counts) or nothing, and describe it in words."""
        self.confusion_model.set_confusion(confusion)
        counts = self.confusion_model.confusion()
        self.setAccessibleDescription(describe_confusion(counts))

    def cell_index(self, true_digit: int, answer: int) -> QModelIndex:
        """The model index of a cell (for tests and tools: its ``visualRect`` is on screen)."""
        return self.confusion_model.index(true_digit, answer)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._choose(self.currentIndex())  # whatever the style says activates an item
            return
        super().keyPressEvent(event)

    def _choose(self, index: QModelIndex) -> None:
        if index.isValid() and index.column() != ACCURACY_COLUMN:
            self.cell_chosen.emit(index.row(), index.column())


class ColourScale(QWidget):
    """The legend of the matrix's colours: a gradient from 0 to 100 % of a row, labelled at each
    decade (0.1 %, 1 %, 10 %, 100 %)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionColourScale")
        self.setAccessibleName("Colour scale of the confusion matrix")
        description = (
            "A cell's colour shows its share of the true digit's images, on a logarithmic scale: "
            "background colour for none, darker (or, in a dark theme, brighter) for more, "
            "the end of the scale for all of them."
        )
        self.setAccessibleDescription(description)
        self.setToolTip(description)
        self.setMinimumHeight(34)

    def sizeHint(self) -> QSize:
        return QSize(DIGITS * CELL_SIZE, 34)

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        painter = QPainter(self)
        metrics = painter.fontMetrics()
        bar = QRectF(10, 2, max(1, self.width() - 20), 12)
        gradient = QLinearGradient(bar.left(), 0, bar.right(), 0)
        for step in range(11):
            t = step / 10
            gradient.setColorAt(t, scale_colour(palette, t))
        painter.fillRect(bar, gradient)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawRect(bar)
        shares = [10.0 ** (d - SHARE_DECADES) for d in range(SHARE_DECADES + 1)]
        labels = [(share_to_scale(s), f"{100 * s:g} %") for s in shares]  # the left end is 0
        for t, label in labels:
            x = bar.left() + t * bar.width()
            painter.drawLine(round(x), round(bar.bottom()), round(x), round(bar.bottom()) + 3)
            width = metrics.horizontalAdvance(label)
            left = min(max(x - width / 2, 0), self.width() - width)
            painter.drawText(round(left), round(bar.bottom()) + 4 + metrics.ascent(), label)
        painter.end()
