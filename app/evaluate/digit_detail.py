"""One test image up close: the image, its true digit and the answer, the ten outputs as the Draw
tab's bar chart, and a button to open the image in the Draw tab."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from app.widgets.activation_chart import ActivationChart
from app.widgets.digit_thumbnails import digit_image
from nn.digits import IMAGE_SIDE

DETAIL_SCALE = 4  # 112x112 screen pixels
CAPTION_LINES = 3  # the longest caption wraps to three lines beside a 112-pixel image


def describe_digit(index: int, label: int, answer: int, confidence: float) -> str:
    """One test image's result in words."""
    verdict = "right" if label == answer else "wrong"
    return f"Test image {index:,}: a {label}, read as {answer} ({confidence:.2f}), {verdict}"


class DigitDetail(QWidget):
    """Shows the chosen test image; ``open_in_draw`` carries its (784,) float32 pixels."""

    open_in_draw = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("digitDetail")
        self._pixels: np.ndarray | None = None
        self._index: int | None = None
        self.image_label = QLabel(self)
        self.image_label.setObjectName("digitDetailImage")
        self.image_label.setAccessibleName("Chosen test image")
        self.image_label.setToolTip("The chosen test image, as the network reads it (28x28)")
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setFixedSize(IMAGE_SIDE * DETAIL_SCALE + 4, IMAGE_SIDE * DETAIL_SCALE + 4)
        self.caption = QLabel(self)
        self.caption.setObjectName("digitDetailCaption")
        self.caption.setAccessibleName("Chosen test image's result")
        self.caption.setToolTip(
            "The chosen image's true digit, the network's answer and its output"
        )
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setFixedWidth(IMAGE_SIDE * DETAIL_SCALE + 40)
        # A fixed height of CAPTION_LINES lines: a new caption never changes the layout, so the
        # chart beside it is not resized (and re-laid out) each time an image is chosen.
        self.caption.setFixedHeight(CAPTION_LINES * self.caption.fontMetrics().lineSpacing() + 4)
        self.chart = ActivationChart(self)
        self.chart.setObjectName("mistakeActivationChart")
        self.chart.setAccessibleName("Outputs for the chosen test image")
        self.chart.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.open_button = QPushButton("Open in Draw tab", self)
        self.open_button.setObjectName("openInDrawButton")
        self.open_button.setToolTip("Show this test image in the Draw tab")
        self.open_button.setAccessibleName("Open in Draw tab")
        self.open_button.setAccessibleDescription("Shows the chosen test image in the Draw tab")
        self.open_button.clicked.connect(self._open)
        left = QVBoxLayout()
        left.addWidget(self.image_label, 0, Qt.AlignmentFlag.AlignHCenter)
        left.addWidget(self.caption, 1)
        left.addWidget(self.open_button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left)
        layout.addWidget(self.chart, 1)
        self.clear()

    @property
    def index(self) -> int | None:
        """The test-set index shown, or None."""
        return self._index

    def show_digit(self, index: int, pixels: np.ndarray, label: int, outputs: np.ndarray) -> None:
        """Show test image ``index``: ``pixels`` (784,) in [0, 1], its true ``label`` and the
        network's (10,) ``outputs``."""
        self._index = index
        self._pixels = np.array(pixels, dtype=np.float32).reshape(IMAGE_SIDE * IMAGE_SIDE)
        answer = int(np.argmax(outputs))
        self.image_label.setPixmap(QPixmap.fromImage(digit_image(self._pixels, DETAIL_SCALE)))
        text = describe_digit(index, label, answer, float(outputs[answer]))
        self.caption.setText(text)
        self.image_label.setAccessibleDescription(text)
        self.chart.set_activations(outputs)
        self.chart.setAccessibleDescription(
            "Outputs: " + ", ".join(f"{d}: {float(v):.2f}" for d, v in enumerate(outputs))
        )
        self.open_button.setEnabled(True)

    def clear(self) -> None:
        self._index = self._pixels = None
        self.image_label.clear()
        self.caption.setText("Click a mistake, a listed image or a point of the map")
        self.image_label.setAccessibleDescription("No image chosen")
        self.chart.set_activations(None)
        self.chart.setAccessibleDescription("No image chosen")
        self.open_button.setEnabled(False)

    def _open(self) -> None:
        if self._pixels is not None:
            self.open_in_draw.emit(self._pixels.copy())
