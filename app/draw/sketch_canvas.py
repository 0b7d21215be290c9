"""The widget a person draws digits on: strokes go into a fixed 560x280 white-on-black image."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from nn.sketch.recipe import CANVAS_PIXELS, CANVAS_WIDTH, MIN_STEP

N = CANVAS_PIXELS  # the image's height, and the side of the square a single digit is drawn in
W = CANVAS_WIDTH  # the image's width: room for a number written side by side
DEFAULT_PEN_WIDTH = 22  # image pixels: 8 % of the 280-px canvas, MNIST's stroke-to-box ratio
MIN_PEN_WIDTH = 4
MAX_PEN_WIDTH = 48
SNAPSHOT_POINTS = 256
"""A copy of the image is kept when a stroke starts after this many points were drawn since the
last copy: undo starts from the last copy and repaints fewer points than this."""
MAX_SNAPSHOTS = 256
"""At most this many copies (157 KB each, 40 MB in all) are kept: beyond it every other one is
dropped and copies are kept half as often, so an undo repaints at most twice as much."""


@dataclass
class _Stroke:
    """One press-drag-release: its pen width and its points, both in image pixels."""

    width: int
    points: list[tuple[float, float]] = field(default_factory=list)


class SketchCanvas(QWidget):
    """Draw with the left mouse button (or a tablet pen); the image is always 560x280 pixels.

    The image (``QImage.Format_Grayscale8``, white ink 255 on black 0) does not depend on the
    widget's size or the screen's DPI: widget positions are mapped into it, and ``paintEvent``
    scales it to the largest centred 2:1 rectangle that fits. Strokes are anti-aliased lines with
    round caps and joins; a click draws a dot. Every stroke is kept, and every few hundred points a
    copy of the image, so :meth:`undo` repaints only the strokes after the last copy, however many
    strokes came before.

    On a high-DPI screen the image is drawn scaled to the rectangle's device pixels with smooth
    interpolation; what is drawn into it depends only on positions in logical pixels, so the
    network reads the same image at any scale. The accessible description says what is on it
    in words (:meth:`describe`), kept up to date as strokes come and go.
    """

    sketch_changed = Signal()  # after every change of the image (each segment, undo, clear)
    stroke_finished = Signal()  # a stroke ended (button or pen released)
    pen_width_changed = Signal(int)  # the new width in image pixels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sketchCanvas")
        self.setToolTip(
            "Draw a digit with the left mouse button, or several side by side for a number. "
            "Each digit is scaled to 20x20 px and centred in 28x28 before the network reads "
            "it, so size and position do not matter."
        )
        self.setAccessibleName("Drawing canvas")
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image = QImage(W, N, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self.overlay = None
        """Painted over the image in :meth:`paintEvent` when set: an object with
        ``paint(painter, image_rect)`` (the digits of a number, their boxes and answers); never
        drawn into the image the network reads."""
        self._pen = QPen(QColor(255, 255, 255))
        self._pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self._pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self._pen_width = DEFAULT_PEN_WIDTH
        self._strokes: list[_Stroke] = []
        self._drawing = False
        self._snapshots: list[tuple[int, QImage]] = []
        """``(n, the image the first n strokes made)``, oldest first."""
        self._points_since_snapshot = 0
        self._snapshot_points = SNAPSHOT_POINTS
        self._describe_state()

    @property
    def pen_width(self) -> int:
        """Width of new strokes in image pixels (the image is 280 px high)."""
        return self._pen_width

    def set_pen_width(self, px: int) -> None:
        """Set the width of new strokes, clamped to 4-48 image px; emits ``pen_width_changed``."""
        px = min(max(int(px), MIN_PEN_WIDTH), MAX_PEN_WIDTH)
        if px != self._pen_width:
            self._pen_width = px
            self._describe_state()
            self.pen_width_changed.emit(px)

    def is_empty(self) -> bool:
        return not self._strokes

    def describe(self) -> str:
        """The drawing in words: "empty, pen 22 px" or "3 strokes drawn, pen 22 px"."""
        count = len(self._strokes)
        drawn = "empty" if count == 0 else f"{count} stroke{'s' if count > 1 else ''} drawn"
        return f"{drawn}, pen {self._pen_width} px"

    def strokes(self) -> list[np.ndarray]:
        """Copies of the strokes, oldest first: each an (n, 2) float array of (x, y) image px."""
        return [np.array(s.points, dtype=float).reshape(-1, 2) for s in self._strokes]

    def stroke_widths(self) -> list[int]:
        """The pen width of each stroke in image pixels, in the order of :meth:`strokes`."""
        return [s.width for s in self._strokes]

    def image_of(self, indices) -> np.ndarray:
        """The (280, 560) uint8 image the strokes at ``indices`` alone make, painted as they
        were drawn (a digit of several on the canvas)."""
        image = QImage(W, N, QImage.Format.Format_Grayscale8)
        image.fill(0)
        kept, self._image = self._image, image
        try:
            for i in sorted(set(indices)):
                self._paint(self._strokes[i], 0)
            return self.image_array()
        finally:
            self._image = kept

    def image_array(self) -> np.ndarray:
        """A copy of the sketch: (280, 560) uint8, row-major (row = y), white ink on black."""
        bpl = self._image.bytesPerLine()  # rows may be padded to a multiple of 4 bytes
        rows = np.frombuffer(self._image.constBits(), np.uint8, count=bpl * N).reshape(N, bpl)
        return rows[:, :W].copy()

    def clear(self) -> None:
        """Erase everything (emits ``sketch_changed`` if there was anything)."""
        self._drawing = False
        if self._strokes:
            self._strokes.clear()
            self._snapshots.clear()
            self._snapshot_points = SNAPSHOT_POINTS
            self._repaint_image()

    def undo(self) -> bool:
        """Remove the last stroke and repaint the rest; False if there was none."""
        self._drawing = False
        if not self._strokes:
            return False
        self._strokes.pop()
        while self._snapshots and self._snapshots[-1][0] > len(self._strokes):
            self._snapshots.pop()
        self._repaint_image()
        return True

    # -- drawing into the image -----------------------------------------------------------
    def _repaint_image(self) -> None:
        """Paint the strokes again, from the last copy of the image that holds none but them."""
        first = 0
        if self._snapshots:
            first, image = self._snapshots[-1]
            self._image = image.copy()
        else:
            self._image.fill(0)
        for stroke in self._strokes[first:]:
            self._paint(stroke, 0)
        self._points_since_snapshot = sum(len(s.points) for s in self._strokes[first:])
        self._changed()

    def _keep_snapshot(self) -> None:
        """Before a stroke starts: keep a copy of the image when enough was drawn since the last
        one (at most :data:`MAX_SNAPSHOTS`, thinned out evenly, the newest always kept)."""
        if self._points_since_snapshot < self._snapshot_points:
            return
        self._snapshots.append((len(self._strokes), self._image.copy()))
        self._points_since_snapshot = 0
        if len(self._snapshots) > MAX_SNAPSHOTS:
            self._snapshots = self._snapshots[::-2][::-1]
            self._snapshot_points *= 2

    def _changed(self) -> None:
        self.update()  # repaint the widget later
        self._describe_state()
        self.sketch_changed.emit()

    def _describe_state(self) -> None:
        text = self.describe()
        if text != self.accessibleDescription():  # not on every segment of a stroke
            self.setAccessibleDescription(text)

    def _paint(self, stroke: _Stroke, first: int) -> None:
        """Paint ``stroke`` from point ``first`` on: a dot for point 0, then one line per segment.

        Live drawing and :meth:`undo`'s repaint issue the very same operations, so an undo gives
        exactly the image the remaining strokes gave when they were drawn.
        """
        points = stroke.points
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._pen.setWidth(stroke.width)
        painter.setPen(self._pen)
        if first == 0:
            painter.drawPoint(QPointF(*points[0]))
        for i in range(max(first, 1), len(points)):
            painter.drawLine(QPointF(*points[i - 1]), QPointF(*points[i]))
        painter.end()

    def _image_rect(self) -> QRectF:
        """Where the image is shown: the largest centred 2:1 rectangle in the widget (widget
        pixels)."""
        height = max(1.0, min(self.width() * N / W, float(self.height())))
        width = height * W / N
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def _to_image(self, pos: QPointF) -> tuple[float, float]:
        """Widget position → image pixels (may lie outside 560x280; painting clips)."""
        rect = self._image_rect()
        scale = N / rect.height()
        return (pos.x() - rect.x()) * scale, (pos.y() - rect.y()) * scale

    def _begin(self, pos: QPointF) -> None:
        self._keep_snapshot()
        self._drawing = True
        self._strokes.append(_Stroke(self._pen_width, [self._to_image(pos)]))
        self._paint(self._strokes[-1], 0)
        self._points_since_snapshot += 1
        self._changed()

    def _extend(self, pos: QPointF) -> None:
        stroke = self._strokes[-1]
        x, y = self._to_image(pos)
        last_x, last_y = stroke.points[-1]
        if abs(x - last_x) < MIN_STEP and abs(y - last_y) < MIN_STEP:
            return
        stroke.points.append((x, y))
        self._paint(stroke, len(stroke.points) - 1)
        self._points_since_snapshot += 1
        self._changed()

    def _end(self, pos: QPointF) -> None:
        self._extend(pos)
        self._drawing = False
        self.stroke_finished.emit()

    # -- events ---------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        self._begin(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drawing and event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drawing and event.button() == Qt.MouseButton.LeftButton:
            self._end(event.position())

    def tabletEvent(self, event: QTabletEvent) -> None:
        """A tablet pen draws like the mouse (accepted, so Qt synthesises no mouse events)."""
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position())
        elif kind == QEvent.Type.TabletMove and self._drawing:
            self._extend(event.position())
        elif kind == QEvent.Type.TabletRelease and self._drawing:
            self._end(event.position())
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)  # around the image, the parent's background shows through
        rect = self._image_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(rect, self._image)
        if self.is_empty():
            painter.setPen(QColor(150, 150, 150))  # on the black image, in every theme
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Draw a digit or a number here")
        if self.overlay is not None:
            self.overlay.paint(painter, rect)
        painter.end()
