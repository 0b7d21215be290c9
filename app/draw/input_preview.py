"""Shows the 28x28 image the network reads, enlarged with crisp (nearest-neighbour) pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from nn.digits import IMAGE_PIXELS, IMAGE_SIDE


class InputPreview(QWidget):
    """The network's input as a grey image: white = 1.0, black = 0.0; blank when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inputPreview")
        self.setToolTip(
            "What the network reads: your drawing scaled to fit 20x20 pixels and centred by its "
            "centre of mass in 28x28, like the MNIST training digits."
        )
        self.setMinimumSize(4 * IMAGE_SIDE, 4 * IMAGE_SIDE)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._image = QImage(IMAGE_SIDE, IMAGE_SIDE, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self._input: np.ndarray | None = None

    def sizeHint(self) -> QSize:
        return QSize(5 * IMAGE_SIDE, 5 * IMAGE_SIDE)

    def set_input(self, x: np.ndarray | None) -> None:
        """Show ``x``, a (784,) or (28, 28) array in [0, 1] (row-major, white ink); None → blank."""
        if x is None:
            self._input = None
            self._image.fill(0)
        else:
            x = np.asarray(x, dtype=np.float32).reshape(IMAGE_SIDE, IMAGE_SIDE)
            self._input = x.reshape(IMAGE_PIXELS).copy()
            bpl = self._image.bytesPerLine()
            pixels = np.frombuffer(self._image.bits(), np.uint8).reshape(IMAGE_SIDE, bpl)
            pixels[:, :IMAGE_SIDE] = np.rint(np.clip(x, 0.0, 1.0) * 255.0)
        self.update()

    def current_input(self) -> np.ndarray | None:
        """A copy of the shown input, (784,) float32, or None when blank."""
        return None if self._input is None else self._input.copy()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        side = max(1, min(self.width(), self.height()))
        if side >= IMAGE_SIDE:
            side -= side % IMAGE_SIDE  # a whole number of screen pixels per input pixel
        rect = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(rect, self._image)
        painter.end()
