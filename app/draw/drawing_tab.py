"""The drawing tab: draw a digit, see the 28x28 input and the network's 10 output activations."""

from __future__ import annotations

import itertools

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QFontInfo, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from app.draw.image_note import ImageNote
from app.draw.input_preview import InputPreview
from app.draw.inside_views import InsideViews
from app.draw.sketch_canvas import MAX_PEN_WIDTH, MIN_PEN_WIDTH, SketchCanvas
from app.widgets.activation_chart import ActivationChart
from nn.digits import IMAGE_PIXELS
from nn.model import Answer, Model
from nn.sketch.judgement import judge
from nn.sketch.recipe import sketch_to_mnist

LIVE_INTERVAL_MS = 30  # while drawing, predict at most this often; on release, at once


class DrawingTab(QWidget):
    """Canvas, pen width, Undo/Clear, the network's input and its output activations.

    ``prediction_changed`` carries the (10,) output activations (the network's float dtype) after
    every change of the sketch, or ``None`` when the canvas is empty or no model is set.
    """

    prediction_changed = Signal(object)
    pen_width_changed = Signal(int)  # image pixels, for the main window to remember

    def __init__(
        self,
        model: Model | None = None,
        parent: QWidget | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("drawingTab")
        self.setAccessibleName("Draw")
        self.setAccessibleDescription("Draw a digit and see what the network reads")
        self._model = model
        self._answer: Answer | None = None
        self.canvas = SketchCanvas(self)
        self.preview = InputPreview(self)
        self.chart = ActivationChart(self)
        self.inside = InsideViews(self, settings)  # the network view, its check box, the overlay
        self._given_image: np.ndarray | None = None  # see show_image
        self.image_note = ImageNote(self.canvas)
        self._build_controls()
        self._build_layout()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LIVE_INTERVAL_MS)
        self._timer.timeout.connect(self.update_prediction)
        self.canvas.sketch_changed.connect(self._schedule_prediction)
        self.canvas.sketch_changed.connect(self._forget_given_image)
        self.canvas.stroke_finished.connect(self.update_prediction)
        self.canvas.pen_width_changed.connect(self._on_pen_width_changed)
        self._add_shortcut(QKeySequence(QKeySequence.StandardKey.Undo), self.undo)
        self._add_shortcut(QKeySequence(Qt.Key.Key_Escape), self.clear)
        self._add_shortcut(QKeySequence(Qt.Key.Key_Delete), self.undo)
        self._add_shortcut(QKeySequence(Qt.Key.Key_Backspace), self.undo)
        for first, second in itertools.pairwise(
            (self.canvas, self.pen_slider, self.undo_button, self.clear_button)
        ):
            QWidget.setTabOrder(first, second)  # Tab: canvas, pen width, Undo, Clear
        self.update_prediction()

    def _build_controls(self) -> None:
        self.pen_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.pen_slider.setObjectName("penWidthSlider")
        self.pen_slider.setRange(MIN_PEN_WIDTH, MAX_PEN_WIDTH)
        self.pen_slider.setValue(self.canvas.pen_width)
        self.pen_slider.setToolTip(
            "Pen width in pixels of the 280x280 drawing (MNIST strokes are about 8 % of the "
            "width, 22 px). Applies to new strokes."
        )
        self.pen_slider.valueChanged.connect(self.canvas.set_pen_width)
        self.pen_slider.setAccessibleName("Pen width")
        self.pen_slider.setAccessibleDescription(self.pen_slider.toolTip())
        self.pen_label = QLabel(self)
        self.pen_label.setToolTip(self.pen_slider.toolTip())
        self.undo_button = QPushButton("Undo", self)
        self.undo_button.setObjectName("undoButton")
        self.undo_button.setToolTip("Remove the last stroke (Ctrl+Z, Delete or Backspace)")
        self.undo_button.setAccessibleName("Undo")
        self.undo_button.setAccessibleDescription("Remove the last stroke")
        self.undo_button.clicked.connect(self.undo)
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.setObjectName("clearButton")
        self.clear_button.setToolTip("Erase the drawing (Esc)")
        self.clear_button.setAccessibleName("Clear")
        self.clear_button.setAccessibleDescription("Erase the drawing")
        self.clear_button.clicked.connect(self.clear)
        self.prediction_label = QLabel(self)
        self.prediction_label.setObjectName("predictionLabel")
        self.prediction_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prediction_label.setTextFormat(Qt.TextFormat.RichText)
        # Room for the not-sure answer: a 36-pt line and two 13-pt lines at a 10-pt font.
        self.prediction_label.setMinimumHeight(7 * self.prediction_label.fontMetrics().height())
        self.prediction_label.setAccessibleDescription(
            "The digit the network reads, or the two it hesitates between"
        )  # its name stays unset: a screen reader reads the answer itself
        self.prediction_label.setToolTip(
            "The digit whose output neuron is the most active, and that activation (0 to 1); "
            '"not sure" when that output is weak or a second digit comes close'
        )
        self.pen_label.setText(f"{self.canvas.pen_width} px")

    def _build_layout(self) -> None:
        controls = QHBoxLayout()
        pen_caption = QLabel("&Pen", self)  # Alt+P moves to the pen width
        pen_caption.setBuddy(self.pen_slider)
        controls.addWidget(pen_caption)
        controls.addWidget(self.pen_slider, 1)
        controls.addWidget(self.pen_label)
        controls.addSpacing(12)
        controls.addWidget(self.undo_button)
        controls.addWidget(self.clear_button)
        left = QVBoxLayout()
        left.addWidget(self.canvas, 1)
        left.addLayout(controls)
        right = QGridLayout()
        right.addWidget(self.prediction_label, 0, 0)
        right.addWidget(self.preview, 0, 1)
        caption = QLabel("Network input (28x28)", self)
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right.addWidget(caption, 1, 1)
        right.addWidget(self.inside.toggle, 1, 0, Qt.AlignmentFlag.AlignCenter)
        right.addWidget(self.inside.looks_at, 0, 2, 2, 1)
        right.addWidget(self.chart, 2, 0, 1, 3)
        right.setRowStretch(2, 1)
        top = QHBoxLayout()
        top.addLayout(left, 3)
        top.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.inside.network_view)

    def _add_shortcut(self, keys: QKeySequence, slot) -> None:
        """A shortcut that works while focus is anywhere inside this tab (e.g. on the canvas)."""
        shortcut = QShortcut(keys, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # -- public API -------------------------------------------------------------------------
    @property
    def model(self) -> Model | None:
        """The model that reads the sketch, or None."""
        return self._model

    def set_model(self, model: Model | None) -> None:
        """Read the sketch with ``model`` from now on, and read it again at once."""
        self._model = model
        self.update_prediction()

    @property
    def pen_width(self) -> int:
        """Pen width of new strokes in image pixels (of 280); emits ``pen_width_changed``."""
        return self.canvas.pen_width

    @pen_width.setter
    def pen_width(self, px: int) -> None:
        self.canvas.set_pen_width(px)

    def activations(self) -> np.ndarray | None:
        """The last (10,) output activations shown, or None."""
        return None if self._answer is None else self._answer.activations.copy()

    def current_input(self) -> np.ndarray | None:
        """The (784,) input in [0, 1] shown in the preview: what the model was last given (the
        sketch recipe's image read the model's way), or the recipe's image without a model; None
        for an empty canvas."""
        return self.preview.current_input()

    def clear(self) -> None:
        """Erase the drawing (or the given image) and show "no prediction" at once."""
        self.canvas.clear()
        self._forget_given_image()
        self.update_prediction()

    def undo(self) -> None:
        """Remove the last stroke and predict again at once."""
        if self.canvas.undo():
            self.update_prediction()

    def update_prediction(self) -> np.ndarray | None:
        """Sketch → :meth:`Model.read <nn.model.Model.read>` → preview, bars and label (and, while
        "Show the network" is ticked, the network view and what it looks at); emits and returns
        the activations.

        The whole synchronous path after a change of the sketch (the live timer, a released stroke
        and ``bench/sketch_latency.py`` all call this).
        """
        self._timer.stop()
        sketch = self.canvas.image_array()
        if self._given_image is not None:
            self._read_given_image()
        elif self._model is None:
            self._answer = None
            self.preview.set_input(sketch_to_mnist(sketch))
        else:
            self._answer = self._model.read(sketch)
            self.preview.set_input(None if self._answer is None else self._answer.input)
        a = None if self._answer is None else self._answer.activations
        self.chart.set_activations(a)
        self._show_label()
        self.inside.show_input(
            None if self._model is None else self._model.network,
            None if self._answer is None else self._answer.input,
        )  # computed only while the network is shown
        self.prediction_changed.emit(a)
        return a

    def show_image(self, image: np.ndarray) -> None:
        """Read ``image`` instead of the sketch: a digit as MNIST stores it, (784,) or (28, 28),
        white ink on black, floats in [0, 1] or integers 0-255 (e.g. a test image).

        It goes to the network as it is, without the sketch recipe or the model's way of reading
        sketches, so the answer is the one the network gives that image anywhere else. The preview,
        bars, label, network view and overlay show it; the canvas is cleared and a note over it
        says a given image is shown. Drawing, Clear or Esc go back to reading the sketch. Raises
        ValueError (and changes nothing) for another size or values out of range.
        """
        x = np.asarray(image)
        if x.size != IMAGE_PIXELS:
            raise ValueError(f"expected a 28x28 image ({IMAGE_PIXELS} pixels), got {x.shape}")
        x = x.astype(np.float32).reshape(IMAGE_PIXELS) / (255 if x.dtype.kind in "iu" else 1)
        if not (np.all(np.isfinite(x)) and x.min() >= 0 and x.max() <= 1):
            raise ValueError("image values must be in [0, 1] (or 0-255 as integers)")
        self.canvas.clear()
        self._given_image = x
        self.image_note.show_note()
        self.update_prediction()

    def showing_given_image(self) -> bool:
        """True while :meth:`show_image`'s image, not the sketch, is read."""
        return self._given_image is not None

    # -- internals --------------------------------------------------------------------------
    def _read_given_image(self) -> None:
        x = self._given_image
        self.preview.set_input(x)
        if self._model is None:
            self._answer = None
        else:
            a = self._model.network.predict(x)
            self._answer = Answer(x, a, judge(a))

    def _forget_given_image(self) -> None:
        if self._given_image is not None:
            self._given_image = None
            self.image_note.hide()

    def _schedule_prediction(self) -> None:
        if not self._timer.isActive():  # coalesce: at most one prediction per interval
            self._timer.start()

    def _on_pen_width_changed(self, px: int) -> None:
        self.pen_slider.setValue(px)
        self.pen_label.setText(f"{px} px")
        self.pen_width_changed.emit(px)

    def _show_label(self) -> None:
        scale = QFontInfo(self.prediction_label.font()).pointSizeF() / 10
        if self._model is None:
            self.prediction_label.setText(_hint("No model loaded", scale))
        elif self._answer is None:
            self.prediction_label.setText(_hint("Draw a digit", scale))
        else:
            self.prediction_label.setText(_answer_text(self._answer, scale))


def _answer_text(answer: Answer, scale: float = 1.0) -> str:
    """Rich text for an answer: the digit, or "not sure: 4 or 9?" (:mod:`nn.sketch.judgement`).

    Font sizes are those at a 10-pt system font, times ``scale`` (the system font's size / 10),
    so the answer grows with the font the user chose."""
    j, a = answer.judgement, answer.activations
    big, small = f"{56 * scale:.1f}pt", f"{13 * scale:.1f}pt"
    if j.sure:
        return (
            f'<div style="font-size: {big}; font-weight: 600;">{j.digit}</div>'
            f'<div style="font-size: {small};">activation {float(a[j.digit]):.2f}</div>'
        )
    return (
        f'<div style="font-size: {36 * scale:.1f}pt; font-weight: 600; color: gray;">'
        f"{j.digit} or {j.runner_up}?</div>"
        f'<div style="font-size: {small};">{j.text()}<br>activations {float(a[j.digit]):.2f} '
        f"and {float(a[j.runner_up]):.2f}</div>"
    )


def _hint(text: str, scale: float = 1.0) -> str:
    return f'<div style="font-size: {13 * scale:.1f}pt; color: gray;">{text}</div>'
