"""A note across the top of the canvas while the Draw tab shows a given image, not a sketch."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

NOTE = (
    "Showing a given 28x28 image, read as it is (see the input on the right). "
    "Draw here to read your own digit again."
)
MARGIN = 8


class ImageNote(QLabel):
    """A word-wrapped note over the top of ``canvas``, as wide as it, hidden until
    :meth:`show_note`; mouse events pass through to the canvas, so drawing starts at once."""

    def __init__(self, canvas: QWidget) -> None:
        super().__init__(NOTE, canvas)
        self.setObjectName("givenImageNote")
        self.setToolTip("The network is reading an image sent to this tab, not a drawing")
        self.setAccessibleName("Given image")
        self.setAccessibleDescription(NOTE)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAutoFillBackground(True)
        self.setMargin(6)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        canvas.installEventFilter(self)
        self.hide()

    def show_note(self) -> None:
        self._fit()
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._fit()
        return False

    def _fit(self) -> None:
        canvas = self.parentWidget()
        width = max(1, canvas.width() - 2 * MARGIN)
        self.setGeometry(MARGIN, MARGIN, width, self.heightForWidth(width))
