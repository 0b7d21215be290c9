"""28x28 digits as small grey pictures, and the wrapping grid of captioned thumbnails that lists
them (the Evaluate tab's test images, the Your digits tab's own digits).

A digit is a (784,) image in [0, 1], white ink on black as MNIST has it; it is drawn as grey
levels 0-255, each pixel enlarged to a square of ``scale`` x ``scale`` screen pixels so it stays
crisp.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QListView, QWidget

from nn.digits import IMAGE_SIDE

THUMBNAIL_SCALE = 2  # 56x56 screen pixels per 28x28 digit


def digit_image(pixels: np.ndarray, scale: int = 1) -> QImage:
    """A grey QImage of a (784,) image in [0, 1] (white ink on black), enlarged ``scale`` times
    with crisp pixels."""
    grey = np.rint(np.clip(np.asarray(pixels, dtype=np.float32), 0, 1) * 255).astype(np.uint8)
    grey = grey.reshape(IMAGE_SIDE, IMAGE_SIDE).repeat(scale, axis=0).repeat(scale, axis=1)
    grey = np.ascontiguousarray(grey)
    side = IMAGE_SIDE * scale
    image = QImage(grey.data, side, side, side, QImage.Format.Format_Grayscale8)
    return image.copy()  # owns its pixels: ``grey`` may go


def digit_pixmap(pixels: np.ndarray, scale: int = THUMBNAIL_SCALE) -> QPixmap:
    """:func:`digit_image` as a pixmap, by default thumbnail-sized."""
    return QPixmap.fromImage(digit_image(pixels, scale))


def thumbnail_grid(caption: QSize, parent: QWidget | None = None) -> QListView:
    """A QListView showing its model's rows as thumbnails (the decoration, 56x56) with their
    captions below, wrapping to its width; each cell is the thumbnail enlarged by ``caption``
    (width, height in pixels) for the caption's text. Arrows move between thumbnails."""
    view = QListView(parent)
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setMovement(QListView.Movement.Static)
    view.setUniformItemSizes(True)
    view.setWrapping(True)
    side = IMAGE_SIDE * THUMBNAIL_SCALE
    view.setIconSize(QSize(side, side))
    view.setGridSize(QSize(side, side) + caption)
    view.setSpacing(2)
    return view
