"""A photo in the Draw tab: shown over the canvas, each digit found boxed with its answer.

:class:`PhotoView` lies over the whole canvas while the tab reads a photo (or a scan, or a
pasted image) instead of the sketch: the picture scaled to fit under a note naming it, and over
it each digit's box and answer as the canvas shows a drawn number's. It lets the mouse through,
so drawing on it starts a stroke on the canvas, which brings the canvas back. It also keeps the
photo's digits read by the model in use (:meth:`PhotoView.read`), as
:class:`~app.draw.number_reading.DigitGroup` values the tab shows like a drawing's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QWidget

from app.draw.image_note import MARGIN, ImageNote
from app.draw.number_overlay import paint_digit_boxes
from app.draw.number_reading import DigitGroup
from app.draw.photo_reading import LoadedPhoto
from nn.model import Model
from nn.sketch.judgement import doubts, number_marks
from nn.sketch.recipe import sketch_to_mnist

_TIP = (
    "The photo whose digits the network reads: each digit found is boxed, with its answer. "
    "Draw here or press Esc to go back to drawing."
)


class PhotoView(QWidget):
    """Covers ``canvas`` (its parent) while a photo is shown; hidden otherwise.

    ``photo`` is the :class:`~app.draw.photo_reading.LoadedPhoto` shown, or None; ``chosen`` the
    index of the digit chosen with a chip, or None for the default (the rightmost).
    """

    def __init__(self, canvas: QWidget) -> None:
        super().__init__(canvas)
        self.setObjectName("photoView")
        self.setToolTip(_TIP)
        self.setAccessibleName("Photo")
        self.setAccessibleDescription("No photo")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.photo: LoadedPhoto | None = None
        self.chosen: int | None = None
        self._picture: QImage | None = None
        self._digits: list[DigitGroup] = []
        self._selected: int | None = None
        self._read_with: tuple[Model | None, list[DigitGroup]] | None = None
        self.note = ImageNote(self)
        self.note.setObjectName("photoNote")
        self.note.setToolTip(_TIP)
        self.note.setAccessibleName("Photo shown")
        canvas.installEventFilter(self)
        self.hide()

    # -- what the tab calls -----------------------------------------------------------------
    def show_photo(self, photo: LoadedPhoto) -> None:
        """Show ``photo`` over the canvas (its digits are read at the next :meth:`read`)."""
        self.photo, self.chosen, self._read_with = photo, None, None
        picture = np.ascontiguousarray(photo.picture)
        height, width = picture.shape[:2]
        self._picture = QImage(
            picture.data, width, height, picture.strides[0], QImage.Format.Format_RGB888
        ).copy()  # owns its pixels: the array may go
        text = f"Photo: {photo.name} — draw or press Esc to go back to drawing"
        self.note.setText(text)
        self.note.setAccessibleDescription(text)
        self._fit()
        self.show()
        self.raise_()
        self.note.show_note()

    def forget(self) -> bool:
        """Hide the photo and drop it; True if one was shown."""
        shown = self.photo is not None
        self.photo, self.chosen, self._picture, self._read_with = None, None, None, None
        self._digits, self._selected = [], None
        self.setAccessibleDescription("No photo")
        self.hide()
        return shown

    def read(self, model: Model | None) -> list[DigitGroup]:
        """The photo's digits left to right, each its sketch read by ``model`` (answers None
        without one); ``box`` is in the original photo's pixels and ``strokes`` is empty. Read
        again only when the model changes."""
        if self.photo is None:
            return []
        if self._read_with is None or self._read_with[0] is not model:
            found = self.photo.digits
            digits = [
                DigitGroup((), tuple(float(v) for v in box), _read(model, sketch))
                for sketch, box in zip(found.sketches, found.boxes, strict=True)
            ]
            self._read_with = (model, digits)
        return list(self._read_with[1])

    def input_of(self, index: int) -> np.ndarray | None:
        """Digit ``index``'s sketch through the recipe, (28, 28) in [0, 1] (None if blank): what
        the preview shows without a model."""
        return sketch_to_mnist(self.photo.digits.sketches[index]) if self.photo else None

    def shown_digit(self, count: int) -> int:
        """The digit whose bars are shown, of ``count``: the chosen one, else the rightmost."""
        return self.chosen if self.chosen is not None and self.chosen < count else count - 1

    def set_digits(self, digits: Sequence[DigitGroup], selected: int | None) -> None:
        """Box ``digits`` on the photo (the ``selected`` one drawn solid) and describe them."""
        self._digits, self._selected = list(digits), selected
        if self.photo is not None:
            self.setAccessibleDescription(self.summary())
        self.update()

    def summary(self) -> str:
        """The photo in words: "photo 147.jpg: read as 147" ("read as 1?4 (4 or 9?)" when not
        sure of a digit), or how many digits were found when there is no model."""
        if self.photo is None:
            return "No photo"
        count = len(self.photo.digits)
        if not self._digits or any(d.answer is None for d in self._digits):
            found = f"{count} digit{'s' if count != 1 else ''} found"
            return f"photo {self.photo.name}: {found}, no model to read them"
        judgements = [d.answer.judgement for d in self._digits]
        text = "".join(number_marks(judgements))
        unsure = ", ".join(j.choice() for _, j in doubts(judgements))
        return f"photo {self.photo.name}: read as {text}" + (f" ({unsure})" if unsure else "")

    def picture_rect(self) -> QRectF:
        """Where the picture is drawn, in widget pixels (empty without a photo)."""
        if self._picture is None:
            return QRectF()
        top = self.note.geometry().bottom() + MARGIN if self.note.isVisible() else MARGIN
        room = QRectF(MARGIN, top, self.width() - 2 * MARGIN, self.height() - top - MARGIN)
        scale = min(room.width() / self._picture.width(), room.height() / self._picture.height())
        width, height = self._picture.width() * scale, self._picture.height() * scale
        return QRectF(
            room.x() + (room.width() - width) / 2,
            room.y() + (room.height() - height) / 2,
            width,
            height,
        )

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Window))
        if self._picture is not None and self.photo is not None:
            rect = self.picture_rect()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(rect, self._picture)
            self._paint_boxes(painter, rect, palette)
        painter.end()

    def _paint_boxes(self, painter: QPainter, rect: QRectF, palette: QPalette) -> None:
        """Each digit's box and its answer tag, as the canvas boxes a drawn number's digits (a
        single digit's box drawn solid)."""
        scale = rect.width() / self.photo.digits.size[0]
        painter.setFont(self.font())
        several = len(self._digits) > 1
        selected = self._selected if several else None
        paint_digit_boxes(painter, palette, rect, scale, self._digits, selected, several)

    # -- size -------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.parentWidget():
            self._fit()
        return False

    def _fit(self) -> None:
        self.setGeometry(self.parentWidget().rect())


def _read(model: Model | None, sketch: np.ndarray):
    return None if model is None else model.read(sketch)
