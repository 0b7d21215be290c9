"""How the digits of a number show: a box with its answer around each digit on the canvas, and a
row of digit chips under it that chooses whose bars are shown.

The boxes are painted over the canvas's image by its ``paintEvent`` (``SketchCanvas.overlay``),
never into the image the network reads. Choosing a digit is done with the chips rather than by
clicking on the canvas, where every click must start a stroke: a person writing a number keeps
drawing anywhere, and a chip is also reached with Tab and read by a screen reader.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.draw.number_reading import DigitGroup
from nn.sketch.recipe import CANVAS_PIXELS, CANVAS_WIDTH

TAG_PADDING = 3  # widget pixels around a tag's text


class NumberOverlay:
    """Paints the digits' boxes and answers over the canvas, when there are two or more (one
    digit shows as it always did: no box). ``widget`` gives the palette and the font."""

    def __init__(self, widget: QWidget) -> None:
        self._widget = widget
        self.digits: list[DigitGroup] = []
        self.selected: int | None = None

    def set_digits(self, digits: Sequence[DigitGroup], selected: int | None) -> None:
        self.digits = list(digits)
        self.selected = selected
        self._widget.update()

    def paint(self, painter: QPainter, image_rect: QRectF) -> None:
        """Draw each digit's box and its answer tag; ``image_rect`` is where the canvas shows its
        image (widget pixels)."""
        if len(self.digits) < 2:
            return
        scale = image_rect.height() / CANVAS_PIXELS
        painter.save()
        painter.setFont(self._widget.font())
        palette = self._widget.palette()
        paint_digit_boxes(painter, palette, image_rect, scale, self.digits, self.selected, True)
        painter.restore()

    @staticmethod
    def _paint_tag(
        painter: QPainter,
        box: QRectF,
        image_rect: QRectF,
        text: str,
        fill: QColor,
        palette: QPalette,
    ) -> None:
        """The answer in a small filled tag on the box's top edge (inside it at the top of the
        image), centred on the box."""
        metrics = QFontMetricsF(painter.font())
        width = metrics.horizontalAdvance(text) + 2 * TAG_PADDING
        height = metrics.height() + TAG_PADDING
        top = box.top() - height if box.top() - height >= image_rect.top() else box.top()
        tag = QRectF(box.center().x() - width / 2, top, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(tag, 3, 3)
        painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)


def paint_digit_boxes(
    painter: QPainter,
    palette: QPalette,
    image_rect: QRectF,
    scale: float,
    digits: Sequence[DigitGroup],
    selected: int | None,
    dash_others: bool,
) -> None:
    """Each digit's box (``digit.box`` in image pixels, × ``scale`` widget pixels per image pixel
    from ``image_rect``'s corner) and its answer tag, in the palette's highlight colour: the
    selected digit's box solid and bolder, the others dashed when ``dash_others``."""
    outline = palette.color(QPalette.ColorRole.Highlight)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for index, digit in enumerate(digits):
        left, top, right, bottom = digit.box
        box = QRectF(
            image_rect.x() + left * scale,
            image_rect.y() + top * scale,
            (right - left) * scale,
            (bottom - top) * scale,
        )
        chosen = index == selected
        pen = QPen(outline, 2.5 if chosen else 1.5)
        dashed = dash_others and not chosen
        pen.setStyle(Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(box)
        NumberOverlay._paint_tag(painter, box, image_rect, digit.text() or "·", outline, palette)


class DigitChips(QWidget):
    """A caption and one checkable chip per digit of the number, left to right; clicking one
    (or Space on it) emits ``digit_chosen(index)``. Hidden while there are fewer than two."""

    digit_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("digitChips")
        self.setToolTip(_ROW_TIP)
        self.setAccessibleName("Digits of the number")
        self.setAccessibleDescription(_ROW_TIP)
        self.caption = QLabel("Show the bars of digit", self)
        self.caption.setToolTip(_ROW_TIP)
        self.chips: list[QPushButton] = []
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.caption)
        self._layout.addStretch(1)
        self.hide()

    def set_digits(self, digits: Sequence[DigitGroup], selected: int | None) -> None:
        """One chip per digit, its answer as text, the ``selected`` one checked."""
        while len(self.chips) < len(digits):
            self.chips.append(self._chip(len(self.chips)))
        for index, chip in enumerate(self.chips):
            chip.setVisible(index < len(digits))
            if index < len(digits):
                text = digits[index].text() or "·"
                chip.setText(text)
                answer = f"reads {text}" if digits[index].answer else "not read"
                chip.setAccessibleName(f"Digit {index + 1} of {len(digits)}, {answer}")
                chip.setChecked(index == selected)
        self.setVisible(len(digits) >= 2)

    def _chip(self, index: int) -> QPushButton:
        chip = QPushButton(self)
        chip.setObjectName(f"digitChip{index}")
        chip.setCheckable(True)
        chip.setAutoExclusive(True)
        chip.setToolTip(f"Show the bars of digit {index + 1} from the left")
        chip.setAccessibleDescription(chip.toolTip())
        metrics = self.fontMetrics()
        chip.setMinimumWidth(3 * metrics.horizontalAdvance("0") + metrics.height())
        chip.clicked.connect(lambda _checked=False, i=index: self.digit_chosen.emit(i))
        self._layout.insertWidget(self._layout.count() - 1, chip)
        return chip


_ROW_TIP = (
    "Digits of the number, left to right: click one to see its bars, input and network; "
    "drawing shows the digit drawn last"
)


class _HeightFromWidth(QObject):
    """Keeps a canvas no taller than its image at its width, so the rows under it stay under the
    image (the 2:1 image would otherwise float in a tall, empty widget)."""

    def __init__(self, canvas: QWidget) -> None:
        super().__init__(canvas)
        canvas.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            tallest = max(
                watched.minimumHeight(), round(watched.width() * CANVAS_PIXELS / CANVAS_WIDTH)
            )
            if watched.maximumHeight() != tallest:
                watched.setMaximumHeight(tallest)
        return False


def fit_height_to_width(canvas: QWidget) -> None:
    """Let ``canvas`` grow no taller than its 2:1 image at its width."""
    _HeightFromWidth(canvas)
