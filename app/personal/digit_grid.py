"""The user's digits as a grid of thumbnails, grouped by digit, with a count per digit and a
filter to show one digit only.

:class:`DigitListModel` lists positions into the user's digits (``images`` (n, 784) float32 in
[0, 1], ``labels`` (n,) int); the grid is a QListView in icon mode, so arrows move between
thumbnails, Shift/Ctrl extend the selection and a screen reader reads each one's caption.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.widgets.digit_thumbnails import digit_pixmap, thumbnail_grid
from nn.digits import IMAGE_PIXELS

INDEX_ROLE = Qt.ItemDataRole.UserRole  # the row's position among the user's digits
ALL = -1  # the filter's value for every digit


def ordinal(n: int) -> str:
    """1 → "1st", 2 → "2nd", 11 → "11th", 23 → "23rd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class DigitListModel(QAbstractListModel):
    """Rows are positions into the user's digits, ordered by digit, then in the order kept;
    ``set_filter(d)`` lists the d's only (:data:`ALL`: every digit)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images = np.zeros((0, IMAGE_PIXELS), np.float32)
        self._labels = np.zeros(0, np.int64)
        self._filter = ALL
        self._rows = np.zeros(0, np.int64)
        self._pixmaps: dict[int, QPixmap] = {}

    def set_digits(self, images: np.ndarray, labels: np.ndarray) -> None:
        """Show ``images`` (n, 784) with their ``labels`` (n,)."""
        self.beginResetModel()
        self._images = np.asarray(images)
        self._labels = np.asarray(labels, dtype=np.int64)
        self._pixmaps.clear()
        self._rows = self._listed()
        self.endResetModel()

    def set_filter(self, digit: int) -> None:
        self.beginResetModel()
        self._filter = digit
        self._rows = self._listed()
        self.endResetModel()

    def positions(self) -> np.ndarray:
        """A copy of the listed positions, in row order."""
        return self._rows.copy()

    def row_of(self, position: int) -> int | None:
        """The row showing ``position``, or None when it is not listed."""
        found = np.flatnonzero(self._rows == position)
        return int(found[0]) if len(found) else None

    def _listed(self) -> np.ndarray:
        order = np.argsort(self._labels, kind="stable")  # by digit, then in the order kept
        if self._filter != ALL:
            order = order[self._labels[order] == self._filter]
        return order.astype(np.int64)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        position = int(self._rows[index.row()])
        if role == Qt.ItemDataRole.DecorationRole:
            if position not in self._pixmaps:
                self._pixmaps[position] = digit_pixmap(self._images[position])
            return self._pixmaps[position]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(int(self._labels[position]))
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.caption(position)
        if role == INDEX_ROLE:
            return position
        return None

    def caption(self, position: int) -> str:
        """ "A 7, the 3rd of your 7s" for the thumbnail's tooltip and screen readers."""
        label = int(self._labels[position])
        nth = int(np.count_nonzero(self._labels[:position] == label)) + 1
        return f"A {label}, the {ordinal(nth)} of your {label}s"


class DigitGrid(QWidget):
    """The filter ("Show: all digits (24)", "7s (3)", …), the counts per digit and the grid.

    ``selection_changed`` fires when the selected thumbnails change."""

    selection_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("digitGrid")
        self.list_model = DigitListModel(self)
        self._counts = np.zeros(10, np.int64)
        self.filter_combo = QComboBox(self)
        self.filter_combo.setObjectName("digitFilter")
        self.filter_combo.setToolTip("Show every digit you kept, or one digit only")
        self.filter_combo.setAccessibleName("Show")
        self.filter_combo.setAccessibleDescription(self.filter_combo.toolTip())
        self.filter_combo.currentIndexChanged.connect(self._on_filter)
        caption = QLabel("Sho&w", self)
        caption.setBuddy(self.filter_combo)
        self.counts_label = QLabel(self)
        self.counts_label.setObjectName("digitCounts")
        self.counts_label.setToolTip("How many of each digit you kept")
        self.counts_label.setWordWrap(True)
        text_height = self.fontMetrics().height()
        self.view = thumbnail_grid(QSize(text_height, 2 * text_height), self)
        self.view.setObjectName("digitThumbnails")
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setModel(self.list_model)
        self.view.setToolTip(
            "Your digits, grouped by digit: arrows move, Shift or Ctrl select more, Delete "
            "removes the selected ones"
        )
        self.view.setAccessibleName("Your digits")
        self.view.selectionModel().selectionChanged.connect(
            lambda *_: self.selection_changed.emit()
        )
        top = QHBoxLayout()
        top.addWidget(caption)
        top.addWidget(self.filter_combo)
        top.addWidget(self.counts_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.set_digits(np.zeros((0, IMAGE_PIXELS), np.float32), np.zeros(0, np.int64))

    def set_digits(self, images: np.ndarray, labels: np.ndarray) -> None:
        """Show ``images`` (n, 784) with ``labels`` (n,), keeping the filter."""
        labels = np.asarray(labels, dtype=np.int64)
        self._counts = np.bincount(labels, minlength=10)[:10]
        self.list_model.set_digits(images, labels)
        self._fill_filter()
        total = int(self._counts.sum())
        self.counts_label.setText(
            "  ·  ".join(f"{d}: {int(n)}" for d, n in enumerate(self._counts))
        )
        self.counts_label.setAccessibleName(f"Counts: {self._counts_in_words()}")
        self.view.setAccessibleDescription(
            f"{total} digits kept; {self._counts_in_words()}. Arrows move, Delete removes."
            if total
            else "No digits kept yet: draw one in the Draw tab and click its digit"
        )
        self.selection_changed.emit()

    def counts(self) -> np.ndarray:
        """(10,) how many of each digit are kept."""
        return self._counts.copy()

    def shown_digit(self) -> int:
        """The digit the filter shows, or :data:`ALL`."""
        value = self.filter_combo.currentData()
        return ALL if value is None else int(value)

    def show_digit(self, digit: int) -> None:
        """Show only ``digit``'s thumbnails (:data:`ALL`: every digit)."""
        index = self.filter_combo.findData(digit)
        if index >= 0:
            self.filter_combo.setCurrentIndex(index)

    def selected_positions(self) -> list[int]:
        """Positions (into the user's digits) of the selected thumbnails, ascending."""
        rows = self.view.selectionModel().selectedIndexes()
        return sorted(int(index.data(INDEX_ROLE)) for index in rows)

    def select_position(self, position: int) -> bool:
        """Select and show the thumbnail of ``position``; False when it is not listed."""
        row = self.list_model.row_of(position)
        if row is None:
            return False
        index = self.list_model.index(row)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.view.scrollTo(index)
        return True

    def _counts_in_words(self) -> str:
        kept = [f"{int(n)} {d}{'s' if n != 1 else ''}" for d, n in enumerate(self._counts) if n]
        return ", ".join(kept) if kept else "none"

    def _fill_filter(self) -> None:
        shown = self.shown_digit()
        self.filter_combo.blockSignals(True)
        self.filter_combo.clear()
        self.filter_combo.addItem(f"all digits ({int(self._counts.sum())})", ALL)
        for digit, count in enumerate(self._counts):
            self.filter_combo.addItem(f"{digit}s ({int(count)})", digit)
        self.filter_combo.setCurrentIndex(max(0, self.filter_combo.findData(shown)))
        self.filter_combo.blockSignals(False)
        self.list_model.set_filter(self.shown_digit())

    def _on_filter(self, _index: int) -> None:
        self.list_model.set_filter(self.shown_digit())
        self.selection_changed.emit()
