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

from app.draw.answer_keys import AnswerKeys
from app.draw.image_note import ImageNote
from app.draw.input_preview import InputPreview
from app.draw.inside_views import InsideViews
from app.draw.number_overlay import DigitChips, NumberOverlay, fit_height_to_width
from app.draw.number_reading import DigitGroup, NumberReader, number_text
from app.draw.photo_reading import LoadedPhoto
from app.draw.photo_view import PhotoView
from app.draw.sketch_canvas import MAX_PEN_WIDTH, MIN_PEN_WIDTH, SketchCanvas
from app.widgets.activation_chart import ActivationChart
from nn.digits import IMAGE_PIXELS
from nn.model import Answer, Model
from nn.sketch.judgement import doubts, judge, number_marks
from nn.sketch.recipe import sketch_to_mnist

LIVE_INTERVAL_MS = 30  # while drawing, predict at most this often; on release, at once


class DrawingTab(QWidget):
    """Canvas, pen width, Undo/Clear, the network's input and its output activations.

    ``prediction_changed`` carries the (10,) output activations (the network's float dtype) after
    every change of the sketch, or ``None`` when the canvas is empty or no model is set. Digits
    written side by side are read one by one (:mod:`app.draw.number_reading`): the activations
    are then those of the digit drawn last, or of the one chosen with its chip
    (:meth:`select_digit`), and ``number_changed`` carries the digits read, left to right, each
    time they change. :meth:`digit_groups` and :meth:`selected_digit` say which strokes make
    each digit and which one the bars show.
    """

    prediction_changed = Signal(object)
    pen_width_changed = Signal(int)  # image pixels, for the main window to remember
    answer_given = Signal(int)  # the user says the sketch is this digit (buttons or keys 0-9)
    number_changed = Signal(str)  # the digits read, left to right ("" when there are none)

    def __init__(
        self,
        model: Model | None = None,
        parent: QWidget | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("drawingTab")
        self.setAccessibleName("Draw")
        self.setAccessibleDescription("Draw a digit or a number and see what the network reads")
        self._model = model
        self._answer: Answer | None = None
        self.canvas = SketchCanvas(self)
        self.canvas.overlay = NumberOverlay(self.canvas)  # each digit's box and answer
        self.digit_chips = DigitChips(self)  # chooses the digit whose bars are shown
        self._reader = NumberReader()
        self._digits: list[DigitGroup] = []
        self._selected: int | None = None
        self._chosen_stroke: int | None = None  # a stroke of the digit chosen, until a change
        self._number = ""
        self.preview = InputPreview(self)
        self.chart = ActivationChart(self)
        self.answer_keys = AnswerKeys(self)  # "It's a 0 … 9" under the bars
        self.inside = InsideViews(self, settings)  # the network view, its check box, the overlay
        self._given_image: np.ndarray | None = None  # see show_image
        self.image_note = ImageNote(self.canvas)
        self.photo_view = PhotoView(self.canvas)  # see show_photo
        self._build_controls()
        self._build_layout()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LIVE_INTERVAL_MS)
        self._timer.timeout.connect(self.update_prediction)
        self.canvas.sketch_changed.connect(self._schedule_prediction)
        self.canvas.sketch_changed.connect(self._forget_given_image)
        self.canvas.sketch_changed.connect(self._forget_chosen_digit)
        self.canvas.sketch_changed.connect(self._forget_photo)
        self.digit_chips.digit_chosen.connect(self.select_digit)
        self.canvas.stroke_finished.connect(self.update_prediction)
        self.canvas.pen_width_changed.connect(self._on_pen_width_changed)
        self._add_shortcut(QKeySequence(QKeySequence.StandardKey.Undo), self.undo)
        self._add_shortcut(QKeySequence(Qt.Key.Key_Escape), self.clear)
        self._add_shortcut(QKeySequence(Qt.Key.Key_Delete), self.undo)
        self._add_shortcut(QKeySequence(Qt.Key.Key_Backspace), self.undo)
        self.answer_keys.install_keys(self)  # 0-9 while focus is in the tab
        self.answer_keys.answer_given.connect(self.answer_given)
        for first, second in itertools.pairwise(
            (
                self.canvas,
                self.pen_slider,
                self.undo_button,
                self.clear_button,
                *self.answer_keys.buttons,
            )
        ):
            QWidget.setTabOrder(first, second)  # Tab: canvas, pen width, Undo, Clear, 0-9
        self.update_prediction()

    def _build_controls(self) -> None:
        self.pen_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.pen_slider.setObjectName("penWidthSlider")
        self.pen_slider.setRange(MIN_PEN_WIDTH, MAX_PEN_WIDTH)
        self.pen_slider.setValue(self.canvas.pen_width)
        self.pen_slider.setToolTip(
            "Pen width in pixels of the drawing, which is 280 px high (MNIST strokes are about "
            "8 % of a digit's height, 22 px). Applies to new strokes."
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
        fit_height_to_width(self.canvas)  # the rows below stay under the 2:1 image
        left.addWidget(self.digit_chips)
        left.addLayout(controls)
        left.addStretch(0)
        right = QGridLayout()
        right.addWidget(self.prediction_label, 0, 0)
        right.addWidget(self.preview, 0, 1)
        caption = QLabel("Network input (28x28)", self)
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right.addWidget(caption, 1, 1)
        right.addWidget(self.inside.toggle, 1, 0, Qt.AlignmentFlag.AlignCenter)
        right.addWidget(self.inside.looks_at, 0, 2, 2, 1)
        right.addWidget(self.chart, 2, 0, 1, 3)
        right.addWidget(self.answer_keys, 3, 0, 1, 3)
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
        self._forget_photo()
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
        if self._given_image is not None:
            self._read_given_image()
        elif self.photo_view.photo is not None:
            self._read_photo()
        else:
            self._read_sketch()
        self._show_digits()
        a = None if self._answer is None else self._answer.activations
        self.chart.set_activations(a)
        self._show_label()
        self.inside.show_input(
            None if self._model is None else self._model.network,
            None if self._answer is None else self._answer.input,
        )  # computed only while the network is shown
        self.prediction_changed.emit(a)
        self._emit_number()
        return a

    def digit_groups(self) -> list[DigitGroup]:
        """The digits on the canvas, left to right: each its stroke indices (into
        ``canvas.strokes()``), its box in canvas image pixels and its ``Answer`` (None without a
        model). One group for a single digit, none for an empty canvas or a given image."""
        return list(self._digits)

    def selected_digit(self) -> int | None:
        """Index in :meth:`digit_groups` of the digit whose bars are shown: the digit drawn last,
        or the one chosen since (:meth:`select_digit`); None when there is none."""
        return self._selected

    def number(self) -> str:
        """The digits read, left to right (as ``number_changed`` last carried)."""
        return self._number

    def select_digit(self, index: int) -> None:
        """Show the bars, input and network of digit ``index`` (0: the leftmost) until the
        drawing changes; emits ``prediction_changed`` with its activations. An index out of
        range is ignored."""
        if 0 <= index < len(self._digits):
            if self.photo_view.photo is not None:
                self.photo_view.chosen = index
            else:
                self._chosen_stroke = self._digits[index].strokes[0]
            self.update_prediction()

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
        self._forget_photo()
        self._given_image = x
        self.image_note.show_note()
        self.update_prediction()

    def show_photo(self, photo: LoadedPhoto) -> None:
        """Read the digits of ``photo`` (see :mod:`app.draw.photo_reading`) instead of the
        sketch, each as a drawn digit is read: the photo shows over the canvas with each digit
        boxed, the chips choose whose bars, preview and network are shown (the rightmost until
        then), the label and ``number_changed`` give the number. :meth:`digit_groups` are then
        the photo's digits (boxes in its pixels, no strokes). Drawing, Clear or Esc go back to
        reading the sketch, which is cleared now."""
        self.canvas.clear()
        self._forget_given_image()
        self.photo_view.show_photo(photo)
        self.update_prediction()

    def showing_photo(self) -> bool:
        """True while :meth:`show_photo`'s photo, not the sketch, is read."""
        return self.photo_view.photo is not None

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

    def _read_photo(self) -> None:
        self._digits = self.photo_view.read(self._model)
        self._selected = self.photo_view.shown_digit(len(self._digits))
        self._answer = self._digits[self._selected].answer
        shown = self._answer.input if self._answer is not None else None
        self.preview.set_input(
            shown if self._model is not None else self.photo_view.input_of(self._selected)
        )

    def _read_sketch(self) -> None:
        """Group the strokes into digits, read each, and pick the digit to show: the chosen one,
        else the one holding the last stroke."""
        self._digits = self._reader.read(self.canvas, self._model)
        self._selected = self._digit_to_show()
        digit = None if self._selected is None else self._digits[self._selected]
        self._answer = None if digit is None else digit.answer
        if self._model is not None or digit is None:
            self.preview.set_input(None if self._answer is None else self._answer.input)
        elif len(self._digits) == 1:
            self.preview.set_input(sketch_to_mnist(self.canvas.image_array()))
        else:
            self.preview.set_input(sketch_to_mnist(self.canvas.image_of(digit.strokes)))

    def _digit_to_show(self) -> int | None:
        if not self._digits:
            return None
        stroke = self._chosen_stroke
        if stroke is None:
            stroke = max(max(d.strokes) for d in self._digits)  # the last stroke drawn
        for index, digit in enumerate(self._digits):
            if stroke in digit.strokes:
                return index
        return len(self._digits) - 1

    def _show_digits(self) -> None:
        if self._given_image is not None:
            self._digits, self._selected = [], None
        photo = self.photo_view.photo is not None
        self.canvas.overlay.set_digits([] if photo else self._digits, self._selected)
        self.photo_view.set_digits(self._digits if photo else [], self._selected)
        self.digit_chips.set_digits(self._digits, self._selected)

    def _emit_number(self) -> None:
        if self._given_image is not None:
            number = "" if self._answer is None else str(self._answer.digit)
        else:
            number = number_text(self._digits)
        if number != self._number:
            self._number = number
            self.number_changed.emit(number)

    def _forget_chosen_digit(self) -> None:
        self._chosen_stroke = None

    def _forget_photo(self) -> None:
        self.photo_view.forget()

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
            self.prediction_label.setText(_hint("Draw a digit, or a number", scale))
        elif len(self._digits) >= 2:
            self.prediction_label.setText(_number_html(self._digits, self._selected, scale))
        else:
            self.prediction_label.setText(_answer_text(self._answer, scale))


def _answer_text(answer: Answer, scale: float = 1.0) -> str:
    """Rich text for an answer: the digit, or "not sure: 4 or 9?" (:mod:`nn.sketch.judgement`).

    Font sizes are those at a 10-pt system font, times ``scale`` (the system font's size / 10),
    so the answer grows with the font the user chose."""
    j, a = answer.judgement, answer.activations
    big, small = f"{56 * scale:.1f}pt", f"{13 * scale:.1f}pt"
    how = STROKES_NOTE if answer.by_strokes else ""
    if j.sure:
        return (
            f'<div style="font-size: {big}; font-weight: 600;">{j.digit}</div>'
            f'<div style="font-size: {small};">activation {float(a[j.digit]):.2f}{how}</div>'
        )
    return (
        f'<div style="font-size: {36 * scale:.1f}pt; font-weight: 600; color: gray;">'
        f"{j.digit} or {j.runner_up}?</div>"
        f'<div style="font-size: {small};">{j.text()}<br>activations {float(a[j.digit]):.2f} '
        f"and {float(a[j.runner_up]):.2f}{how}</div>"
    )


STROKES_NOTE = '<br><span style="color: gray;">weighed with how you drew your taught digits</span>'
"""Said under an answer the model's memory of the user's strokes took part in."""


def _number_html(digits: list[DigitGroup], selected: int | None, scale: float = 1.0) -> str:
    """Rich text for a number: its digits, a not-sure one as a grey "?", the alternatives of
    each not-sure digit ("20?4", "3rd: 2 or 7?"), and which digit the bars show. Sizes as in
    :func:`_answer_text`."""
    big = f"{(48 if len(digits) <= 4 else 32) * scale:.1f}pt"
    judgements = [None if d.answer is None else d.answer.judgement for d in digits]
    shown = [  # "·": ink too faint to read (a stroke grazing the edge)
        mark if mark.isdigit() else f'<span style="color: gray;">{mark}</span>'
        for mark in number_marks(judgements)
    ]
    lines = [f"{_ordinal(place)}: {j.choice()}" for place, j in doubts(judgements)]
    if selected is not None:
        lines.append(f"bars: the {_ordinal(selected + 1)} digit")
    return (
        f'<div style="font-size: {big}; font-weight: 600;">{"".join(shown)}</div>'
        f'<div style="font-size: {13 * scale:.1f}pt;">{"<br>".join(lines)}</div>'
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _hint(text: str, scale: float = 1.0) -> str:
    return f'<div style="font-size: {13 * scale:.1f}pt; color: gray;">{text}</div>'
