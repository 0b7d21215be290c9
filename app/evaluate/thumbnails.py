"""Digit thumbnails for lists of test images, built only when a view asks for them.

:class:`ThumbnailModel` is a list model over indices into the test set: a QListView with it asks
for the pixmaps of the rows it shows, so listing 9,000 mistakes costs no more than listing 20.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QListView, QWidget

from app.widgets.digit_thumbnails import digit_pixmap, thumbnail_grid
from nn.digits import IMAGE_SIDE

CACHE_SIZE = 512  # pixmaps kept; a screenful is well under 200
INDEX_ROLE = Qt.ItemDataRole.UserRole  # the row's index into the test set

Caption = Callable[[int], tuple[str, str]]
"""``caption(test_index)`` → (short text under the thumbnail, longer text for its tooltip and
screen readers)."""


class ThumbnailModel(QAbstractListModel):
    """Rows are test-set indices; each shows its image (built on demand, a few hundred cached)
    and a caption."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images = np.zeros((0, IMAGE_SIDE * IMAGE_SIDE), np.float32)
        self._indices = np.zeros(0, np.int64)
        self._caption: Caption = lambda i: (str(i), str(i))
        self._pixmaps: OrderedDict[int, QPixmap] = OrderedDict()

    def set_items(self, images: np.ndarray, indices: np.ndarray, caption: Caption) -> None:
        """List ``indices`` (into ``images``, the (n, 784) test images) in this order."""
        self.beginResetModel()
        self._images = images
        self._indices = np.asarray(indices, dtype=np.int64)
        self._caption = caption
        self._pixmaps.clear()
        self.endResetModel()

    def clear(self) -> None:
        self.set_items(self._images[:0], np.zeros(0, np.int64), self._caption)

    def indices(self) -> np.ndarray:
        """A copy of the listed test-set indices, in row order."""
        return self._indices.copy()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._indices)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._indices):
            return None
        test_index = int(self._indices[index.row()])
        if role == Qt.ItemDataRole.DecorationRole:
            return self._pixmap(test_index)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._caption(test_index)[0]
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._caption(test_index)[1]
        if role == INDEX_ROLE:
            return test_index
        return None

    def _pixmap(self, test_index: int) -> QPixmap:
        pixmap = self._pixmaps.get(test_index)
        if pixmap is None:
            pixmap = digit_pixmap(self._images[test_index])
            self._pixmaps[test_index] = pixmap
            if len(self._pixmaps) > CACHE_SIZE:
                self._pixmaps.popitem(last=False)
        else:
            self._pixmaps.move_to_end(test_index)
        return pixmap


def thumbnail_view(model: ThumbnailModel, parent: QWidget | None = None) -> QListView:
    """A wrapping grid of thumbnails with captions; only the rows in sight are ever drawn."""
    view = thumbnail_grid(QSize(26, 24), parent)
    view.setModel(model)
    view.setLayoutMode(QListView.LayoutMode.Batched)
    view.setBatchSize(200)
    view.setWordWrap(False)
    view.setSelectionMode(QListView.SelectionMode.SingleSelection)
    return view
