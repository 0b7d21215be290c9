"""Numbers written on the Draw tab's canvas with the mouse: each digit read on its own, the whole
number shown and emitted, boxes over the canvas, chips that choose whose bars are shown."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QPushButton

from app.draw.drawing_tab import DrawingTab
from app.draw.mouse_replay import drag
from app.draw.sketch_canvas import SketchCanvas
from app.main_window import DEFAULT_MODEL
from app.widgets.activation_chart import ActivationChart
from nn.data.pendigits import load_pendigits
from nn.handwriting.strokes import place_on_canvas
from nn.model import Model
from nn.sketch.recipe import CANVAS_PIXELS, CANVAS_WIDTH
from nn.sketch.stroke_memory import StrokeMemory
from nn.weights import load_model

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def pen_digits():
    """The first pen digit of each label (0-9) of the committed training file."""
    first = {}
    for digit in load_pendigits():
        first.setdefault(digit.label, digit)
    return first


@pytest.fixture
def tab(qtbot, model) -> DrawingTab:
    tab = DrawingTab(model)
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def written(pen_digits, labels, height: float = 140, step: float = 175) -> list[list[np.ndarray]]:
    """Each label's pen digit as canvas strokes (image px), side by side from the left."""
    return [
        place_on_canvas(pen_digits[label].strokes, height, (80 + step * i, CANVAS_PIXELS / 2))
        for i, label in enumerate(labels)
    ]


def read_alone(qtbot, model: Model, strokes) -> np.ndarray:
    """The activations ``model`` gives ``strokes`` drawn alone on a fresh canvas."""
    canvas = SketchCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(600, 300)
    drag(canvas, strokes)
    return model.read(canvas.image_array()).activations


def strokes_of(groups, index: int) -> tuple[int, ...]:
    return tuple(groups[index].strokes)


def test_two_digits_give_both_each_read_on_its_own(qtbot, tab, model, pen_digits):
    digits = written(pen_digits, [3, 5])
    with qtbot.waitSignal(tab.number_changed, check_params_cb=lambda n: len(n) == 2) as blocker:
        drag(tab.canvas, digits[0] + digits[1])
    groups = tab.digit_groups()
    assert [len(g.strokes) for g in groups] == [len(digits[0]), len(digits[1])]
    assert strokes_of(groups, 0) == tuple(range(len(digits[0])))
    alone = [read_alone(qtbot, model, d) for d in digits]
    assert blocker.args == ["".join(str(int(a.argmax())) for a in alone)]
    for group, activations in zip(groups, alone, strict=True):
        np.testing.assert_array_equal(group.answer.activations, activations)
    assert tab.number() == blocker.args[0]
    assert tab.selected_digit() == 1  # the digit drawn last
    np.testing.assert_array_equal(tab.activations(), alone[1])


def test_a_model_remembering_strokes_reads_each_digit_with_the_strokes_that_drew_it(
    qtbot, model, pen_digits
):
    """A model taught the 5's strokes as a 3 and the 3's as a 5: each digit's bars are the
    network's for its ink alone, weighed with the memory by that digit's own strokes."""
    digits = written(pen_digits, [3, 5])
    memory = StrokeMemory.of(digits, [5, 3])
    tab = DrawingTab(replace(model, strokes=memory))
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.number_changed, check_params_cb=lambda n: len(n) == 2):
        drag(tab.canvas, digits[0] + digits[1])
    drawn = tab.canvas.strokes()
    for group, strokes in zip(tab.digit_groups(), digits, strict=True):
        plain = read_alone(qtbot, model, strokes)
        expected = memory.weigh(plain, [drawn[i] for i in group.strokes])
        assert group.answer.by_strokes
        np.testing.assert_array_equal(group.answer.activations, expected)
        assert not np.array_equal(expected, plain)
    np.testing.assert_array_equal(tab.activations(), tab.digit_groups()[1].answer.activations)
    undo = tab.findChild(QPushButton, "undoButton")
    with qtbot.waitSignal(tab.number_changed, check_params_cb=lambda n: len(n) == 1):
        for _ in digits[1]:
            qtbot.mouseClick(undo, LEFT)
    (group,) = tab.digit_groups()  # one digit: read from the canvas image, with its strokes
    expected = memory.weigh(
        model.read(tab.canvas.image_array()).activations, drawn[: len(digits[0])]
    )
    np.testing.assert_array_equal(group.answer.activations, expected)
    assert "how you drew" in tab.findChild(QLabel, "predictionLabel").text()


def test_digits_whose_edge_pixels_meet_are_still_read_apart(qtbot, tab, model):
    """Two dashes whose ink is 1.9 px apart across (more than 7 % of their height, the pen's
    width): two digits, sharing a column of anti-aliased pixels, each read as if alone."""
    pen = tab.pen_width
    dashes = [[(100.0, 140.0), (160.0, 140.0)], [(160.0 + pen + 1.9, 140.0), (250.0, 140.0)]]
    dashes = [np.array(s) for s in dashes]
    drag(tab.canvas, dashes)
    groups = tab.digit_groups()
    assert [g.strokes for g in groups] == [(0,), (1,)]
    for group, stroke in zip(groups, dashes, strict=True):
        alone = read_alone(qtbot, model, [stroke])
        np.testing.assert_array_equal(group.answer.activations, alone)


def test_digit_groups_boxes_hold_their_strokes_ink(qtbot, tab, pen_digits):
    digits = written(pen_digits, [7, 1, 4])
    drag(tab.canvas, [s for d in digits for s in d])
    strokes = tab.canvas.strokes()
    pen = tab.pen_width
    for group in tab.digit_groups():
        left, top, right, bottom = group.box
        points = np.concatenate([strokes[i] for i in group.strokes])
        assert left == pytest.approx(max(0, points[:, 0].min() - pen / 2))
        assert right == pytest.approx(min(CANVAS_WIDTH, points[:, 0].max() + pen / 2))
        assert top == pytest.approx(max(0, points[:, 1].min() - pen / 2))
        assert bottom == pytest.approx(min(CANVAS_PIXELS, points[:, 1].max() + pen / 2))
    lefts = [g.box[0] for g in tab.digit_groups()]
    assert lefts == sorted(lefts) and len(lefts) == 3


def test_one_digit_reads_the_canvas_image_as_before(qtbot, tab, model, pen_digits):
    digit = place_on_canvas(pen_digits[2].strokes, 170, (CANVAS_WIDTH / 2, CANVAS_PIXELS / 2))
    with qtbot.waitSignal(tab.prediction_changed, check_params_cb=lambda a: a is not None) as b:
        drag(tab.canvas, digit)
    expected = model.read(tab.canvas.image_array())
    np.testing.assert_array_equal(b.args[0], expected.activations)
    np.testing.assert_array_equal(tab.current_input(), expected.input)
    (group,) = tab.digit_groups()
    assert group.strokes == tuple(range(len(digit)))
    assert tab.number() == str(expected.digit) and tab.selected_digit() == 0
    assert not tab.findChild(QPushButton, "digitChip0") or not tab.digit_chips.isVisible()
    assert "bars: the" not in tab.findChild(QLabel, "predictionLabel").text()
    assert "how you drew" not in tab.findChild(QLabel, "predictionLabel").text()


def test_undo_of_the_second_digit_goes_back_to_one(qtbot, tab, model, pen_digits):
    first, second = written(pen_digits, [0, 1])
    drag(tab.canvas, first)
    one_digit = tab.activations()
    with qtbot.waitSignal(tab.number_changed, check_params_cb=lambda n: len(n) == 2):
        drag(tab.canvas, second)
    assert len(second) == 1
    with qtbot.waitSignal(tab.number_changed, check_params_cb=lambda n: len(n) == 1) as blocker:
        qtbot.mouseClick(tab.findChild(QPushButton, "undoButton"), LEFT)
    assert len(tab.digit_groups()) == 1
    np.testing.assert_array_equal(tab.activations(), one_digit)
    assert blocker.args == [str(int(one_digit.argmax()))]
    assert not tab.digit_chips.isVisible()


def test_a_chip_shows_that_digits_bars_until_the_next_stroke(qtbot, tab, model, pen_digits):
    digits = written(pen_digits, [6, 9, 4])
    drag(tab.canvas, [s for d in digits[:2] for s in d])
    qtbot.waitUntil(tab.digit_chips.isVisible)
    chart = tab.findChild(ActivationChart, "activationChart")
    leftmost = tab.digit_groups()[0].answer.activations
    with qtbot.waitSignal(tab.prediction_changed) as blocker:
        qtbot.mouseClick(tab.findChild(QPushButton, "digitChip0"), LEFT)
    assert tab.selected_digit() == 0
    np.testing.assert_array_equal(blocker.args[0], leftmost)
    np.testing.assert_allclose(chart.heights(), leftmost, rtol=1e-6)
    assert tab.findChild(QPushButton, "digitChip0").isChecked()
    np.testing.assert_array_equal(tab.current_input(), tab.digit_groups()[0].answer.input)
    drag(tab.canvas, digits[2])  # drawing again shows the digit drawn last
    assert tab.selected_digit() == 2
    np.testing.assert_allclose(chart.heights(), tab.digit_groups()[2].answer.activations, 1e-6)


def test_the_chip_row_is_usable_from_the_keyboard(qtbot, tab, pen_digits):
    drag(tab.canvas, [s for d in written(pen_digits, [5, 8]) for s in d])
    chip = tab.findChild(QPushButton, "digitChip0")
    assert chip.accessibleName().startswith("Digit 1 of 2")
    assert chip.toolTip() and chip.accessibleDescription()
    chip.setFocus()
    with qtbot.waitSignal(tab.prediction_changed):
        qtbot.keyClick(chip, Qt.Key.Key_Space)
    assert tab.selected_digit() == 0


def outline_pixels(canvas: SketchCanvas) -> int:
    """How many pixels of the shown canvas have the outline colour (the palette's highlight)."""
    image = canvas.grab().toImage().convertToFormat(canvas.grab().toImage().Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * image.height())
    pixels = rows.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3]
    rgb = pixels.reshape(image.height(), image.width(), 3).astype(int)
    colour = canvas.palette().color(QPalette.ColorRole.Highlight)
    target = np.array([colour.red(), colour.green(), colour.blue()])
    return int((np.abs(rgb - target).max(axis=2) <= 12).sum())


def test_boxes_are_shown_over_the_canvas_not_in_the_image_read(qtbot, tab, pen_digits):
    digits = written(pen_digits, [2, 0, 7])
    drag(tab.canvas, digits[0])
    assert outline_pixels(tab.canvas) == 0  # one digit: no box, as before
    drag(tab.canvas, [s for d in digits[1:] for s in d])
    assert len(tab.digit_groups()) == 3
    assert outline_pixels(tab.canvas) > 3 * 100  # three outlines at least 100 px around
    every = range(len(tab.canvas.strokes()))
    np.testing.assert_array_equal(tab.canvas.image_array(), tab.canvas.image_of(every))
    assert set(np.unique(tab.canvas.image_array())) <= set(range(256))


class FixedOutputs:
    """A stand-in network whose outputs are always ``activations`` (10,)."""

    def __init__(self, activations) -> None:
        self.activations = np.asarray(activations, dtype=np.float32)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.activations.copy()


def test_a_not_sure_digit_shows_its_alternatives(qtbot, tab, pen_digits):
    close = np.full(10, 0.01, dtype=np.float32)
    close[4], close[9] = 0.48, 0.44
    tab.set_model(Model(FixedOutputs(close)))
    with qtbot.waitSignal(tab.number_changed, check_params_cb=lambda n: len(n) == 2) as blocker:
        drag(tab.canvas, [s for d in written(pen_digits, [4, 9]) for s in d])
    assert blocker.args == ["44"]  # the top digits, sure or not
    text = tab.findChild(QLabel, "predictionLabel").text()
    assert "1st: 4 or 9?" in text and "2nd: 4 or 9?" in text
    assert tab.findChild(QPushButton, "digitChip1").text() == "4?"


def test_clearing_and_no_model(qtbot, tab, pen_digits):
    drag(tab.canvas, [s for d in written(pen_digits, [1, 2]) for s in d])
    with qtbot.waitSignal(tab.number_changed) as blocker:
        tab.set_model(None)
    assert blocker.args == [""]
    assert [g.answer for g in tab.digit_groups()] == [None, None]
    assert tab.current_input() is not None  # the digit drawn last, through the recipe
    tab.clear()
    assert tab.digit_groups() == [] and tab.selected_digit() is None and tab.number() == ""


def test_a_digit_reads_the_same_anywhere_across_the_wide_canvas(qtbot, tab, model, pen_digits):
    """A digit drawn where the old 280x280 canvas was (its left square) and 140 px to the right
    (the middle) paints the same pixels, moved, and gives the same 28x28 input and answer."""
    digit = place_on_canvas(pen_digits[5].strokes, 168, (CANVAS_PIXELS / 2, CANVAS_PIXELS / 2))
    drag(tab.canvas, digit)
    left = tab.canvas.image_array()
    left_answer = tab.activations()
    assert not left[:, CANVAS_PIXELS:].any()  # all of it in the old canvas's square
    tab.clear()
    drag(tab.canvas, [s + np.array([CANVAS_PIXELS / 2, 0.0]) for s in digit])
    middle = tab.canvas.image_array()
    np.testing.assert_array_equal(middle[:, 140:], left[:, :-140])
    np.testing.assert_array_equal(tab.activations(), left_answer)
    np.testing.assert_array_equal(model.read(middle).input, model.read(left).input)
