"""Shows the 28x28 image the network reads, enlarged with crisp (nearest-neighbour) pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.widgets.plotting import frame_colour
from nn.digits import IMAGE_PIXELS, IMAGE_SIDE

INK_LEVEL = 0.5
"""A pixel of the input counts as ink, in the accessible description, from this value up."""


def describe_input(x: np.ndarray | None) -> str:
    """The preview's state in words, for screen readers: how much of the (784,) input in [0, 1]
    is ink (pixels of at least :data:`INK_LEVEL`), or that there is none."""
    if x is None:
        return "the 28×28 image the network reads: blank, nothing drawn"
    share = np.count_nonzero(np.asarray(x) >= INK_LEVEL) / IMAGE_PIXELS
    return f"the 28×28 image the network reads: ink covers {100 * share:.0f} % of it"


class InputPreview(QWidget):
    """The network's input as a grey image: white = 1.0, black = 0.0; blank when there is none.

    The image stays white on black in every theme (it is what the network reads); around it the
    parent's background shows through, and a one-pixel frame
    (:func:`~app.widgets.plotting.frame_colour`) sets the black square off from a dark one.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inputPreview")
        self.setToolTip(
            "What the network reads: your drawing scaled to fit 20x20 pixels and centred by its "
            "centre of mass in 28x28, like the MNIST training digits."
        )
        self.setAccessibleName("Network input")
        self.setMinimumSize(4 * IMAGE_SIDE, 4 * IMAGE_SIDE)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._image = QImage(IMAGE_SIDE, IMAGE_SIDE, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self._input: np.ndarray | None = None
        self.setAccessibleDescription(describe_input(None))

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
        self.setAccessibleDescription(describe_input(self._input))
        self.update()

    def current_input(self) -> np.ndarray | None:
        """A copy of the shown input, (784,) float32, or None when blank."""
        return None if self._input is None else self._input.copy()

    def image_rect(self) -> QRectF:
        """Where the 28x28 image is drawn, in widget pixels: the largest centred square holding
        a whole number of screen pixels per input pixel, inside a one-pixel frame."""
        side = max(1, min(self.width(), self.height()) - 2)
        if side >= IMAGE_SIDE:
            side -= side % IMAGE_SIDE
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        painter = QPainter(self)
        rect = self.image_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(rect, self._image)
        painter.setPen(QPen(frame_colour(palette), 1))
        painter.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.end()
