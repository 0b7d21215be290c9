"""The misclassified test images as thumbnails, in an order the user picks."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.evaluate.thumbnails import INDEX_ROLE, ThumbnailModel, thumbnail_view

ORDERS = (
    ("confidence", "Most confident first"),
    ("index", "Test set order"),
    ("true digit", "By true digit"),
)
"""(order passed to ``Evaluation.mistakes``, what the combo box says)."""


def short_caption(label: int, answer: int, confidence: float) -> str:
    """Under a thumbnail: "4→9 0.97" (true digit, answer, the answer's output)."""
    return f"{label}→{answer} {confidence:.2f}"


def long_caption(index: int, label: int, answer: int, confidence: float) -> str:
    return f"Test image {index:,}: a {label} read as {answer}, output {confidence:.2f}"


class MistakesGallery(QWidget):
    """``digit_chosen(test_index)`` when a thumbnail is clicked or activated."""

    digit_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mistakesGallery")
        self._evaluation = None
        self._images: np.ndarray | None = None
        self.order_combo = QComboBox(self)
        self.order_combo.setObjectName("mistakesOrderCombo")
        self.order_combo.setToolTip("The order of the mistakes")
        self.order_combo.setAccessibleName("Order of the mistakes")
        self.order_combo.setAccessibleDescription(
            "Most confident first lists the mistakes the network was surest of first"
        )
        for order, text in ORDERS:
            self.order_combo.addItem(text, order)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("mistakesCountLabel")
        self.count_label.setToolTip("How many test images the network got wrong")
        self.model = ThumbnailModel(self)
        self.view = thumbnail_view(self.model, self)
        self.view.setObjectName("mistakesView")
        self.view.setAccessibleName("Mistakes")
        self.view.setToolTip(
            "Test images the network got wrong: true digit → answer and the answer's output. "
            "Click one to see its ten outputs."
        )
        self.view.setAccessibleDescription("No evaluation yet")
        top = QHBoxLayout()
        top.addWidget(self.count_label, 1)
        top.addWidget(QLabel("Order:", self))
        top.addWidget(self.order_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.order_combo.currentIndexChanged.connect(self._refill)
        self.view.clicked.connect(self._choose)
        self.view.activated.connect(self._choose)
        self.set_evaluation(None, None)

    @property
    def order(self) -> str:
        return str(self.order_combo.currentData())

    def set_evaluation(self, evaluation, images: np.ndarray | None) -> None:
        """List the mistakes of ``evaluation`` (an :class:`nn.insight.evaluation.Evaluation`) whose
        test images are ``images`` (n, 784); None → empty."""
        self._evaluation, self._images = evaluation, images
        self._refill()

    def shown_indices(self) -> np.ndarray:
        """The test-set indices listed, in order."""
        return self.model.indices()

    def _refill(self) -> None:
        evaluation, images = self._evaluation, self._images
        if evaluation is None or images is None:
            self.model.clear()
            self.count_label.setText("No evaluation yet")
            self.view.setAccessibleDescription("No evaluation yet")
            return
        mistakes = evaluation.mistakes(order=self.order)
        labels, answers, confidence = evaluation.labels, evaluation.answers, evaluation.confidence

        def caption(i: int) -> tuple[str, str]:
            label, answer, c = int(labels[i]), int(answers[i]), float(confidence[i])
            return short_caption(label, answer, c), long_caption(i, label, answer, c)

        self.model.set_items(images, mistakes, caption)
        total = int(evaluation.total)
        text = f"{len(mistakes):,} mistakes in {total:,} test images"
        self.count_label.setText(text)
        self.view.setAccessibleDescription(f"{text}, {self.order_combo.currentText().lower()}")

    def _choose(self, index: QModelIndex) -> None:
        if index.isValid():
            self.digit_chosen.emit(int(index.data(INDEX_ROLE)))
