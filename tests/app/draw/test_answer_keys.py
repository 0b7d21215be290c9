"""The Draw tab's "It's a …" row: buttons and keys 0-9 tell the right answer, and what of the
sketch is kept with it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.draw.answer_keys import sketch_to_keep
from app.draw.drawing_tab import DrawingTab
from app.draw.mouse_replay import drag
from app.draw.sketch_canvas import SketchCanvas
from nn.sketch.recipe import sketch_to_mnist

SEVEN = [[(70, 60), (210, 60), (130, 240)]]
ONE_AND_SEVEN = [[(40, 50), (45, 230)], [(120, 60), (250, 60), (170, 240)]]


@pytest.fixture
def tab(qtbot) -> DrawingTab:
    tab = DrawingTab()
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def test_clicking_a_digit_tells_the_answer(qtbot, tab):
    drag(tab.canvas, SEVEN)
    with qtbot.waitSignal(tab.answer_given) as blocker:
        qtbot.mouseClick(tab.answer_keys.buttons[7], Qt.MouseButton.LeftButton)
    assert blocker.args == [7]


@pytest.mark.parametrize("digit", [0, 4, 9])
def test_a_digit_key_on_the_canvas_tells_the_answer(qtbot, tab, digit):
    drag(tab.canvas, SEVEN)
    tab.canvas.setFocus()
    with qtbot.waitSignal(tab.answer_given) as blocker:
        qtbot.keyClick(tab.canvas, Qt.Key(Qt.Key.Key_0 + digit))
    assert blocker.args == [digit]


def test_the_keypad_digits_tell_it_too(qtbot, tab):
    tab.canvas.setFocus()
    with qtbot.waitSignal(tab.answer_given) as blocker:
        qtbot.keyClick(tab.canvas, Qt.Key.Key_3, Qt.KeyboardModifier.KeypadModifier)
    assert blocker.args == [3]


def test_ctrl_digits_are_not_answers(qtbot, tab):
    tab.canvas.setFocus()
    with qtbot.assertNotEmitted(tab.answer_given, wait=50):
        qtbot.keyClick(tab.canvas, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)


def test_the_digit_buttons_follow_clear_in_the_tab_order(qtbot, tab):
    buttons = tab.answer_keys.buttons
    assert tab.clear_button.nextInFocusChain() is buttons[0]
    buttons[0].setFocus()
    for digit in range(1, 10):
        qtbot.keyClick(buttons[digit - 1], Qt.Key.Key_Tab)
        assert buttons[digit].hasFocus()
    for digit, button in enumerate(buttons):
        assert button.accessibleName() == f"It's a {digit}"
        assert button.accessibleDescription() and f"key {digit}" in button.toolTip()
        assert button.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_the_whole_sketch_is_kept_with_its_recipe_image(tab):
    tab.canvas.set_pen_width(26)
    drag(tab.canvas, SEVEN)
    kept = sketch_to_keep(tab)
    assert kept is not None
    np.testing.assert_array_equal(kept.image, sketch_to_mnist(tab.canvas.image_array()))
    assert kept.image.dtype == np.float32 and kept.image.shape == (784,)
    assert kept.pen_width == 26
    assert len(kept.strokes) == 1
    np.testing.assert_allclose(kept.strokes[0], np.array(SEVEN[0], float), atol=1.0)


def test_nothing_is_kept_from_an_empty_canvas(tab):
    assert sketch_to_keep(tab) is None


def test_the_pen_width_kept_is_the_one_most_strokes_had(tab):
    drag(tab.canvas, [[(60, 60), (60, 200)]])
    tab.canvas.set_pen_width(10)
    drag(tab.canvas, [[(100, 60), (100, 200)], [(140, 60), (140, 200)]])
    assert sketch_to_keep(tab).pen_width == 10


def canvas_with(qtbot, tab: DrawingTab, strokes) -> SketchCanvas:
    """A canvas of the size of ``tab``'s with only ``strokes`` drawn on it."""
    canvas = SketchCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(tab.canvas.size())
    drag(canvas, strokes)
    return canvas


def test_the_image_of_some_strokes_is_what_drawing_only_them_gives(qtbot, tab):
    drag(tab.canvas, ONE_AND_SEVEN)
    alone = canvas_with(qtbot, tab, ONE_AND_SEVEN[1:])
    np.testing.assert_array_equal(tab.canvas.image_of([1]), alone.image_array())
    np.testing.assert_array_equal(tab.canvas.image_of([0, 1]), tab.canvas.image_array())
    assert tab.canvas.stroke_widths() == [22, 22]


class _TwoDigits:
    """A Draw tab reading a whole number: its canvas, the digits' stroke groups, one selected."""

    def __init__(self, canvas: SketchCanvas, groups, selected) -> None:
        self.canvas, self._groups, self._selected = canvas, groups, selected

    def digit_groups(self):
        return self._groups

    def selected_digit(self):
        return self._selected


def test_of_a_whole_number_only_the_selected_digit_is_kept(qtbot, tab):
    drag(tab.canvas, ONE_AND_SEVEN)
    alone = canvas_with(qtbot, tab, ONE_AND_SEVEN[1:])
    kept = sketch_to_keep(_TwoDigits(tab.canvas, [[0], [1]], 1))
    np.testing.assert_array_equal(kept.image, sketch_to_mnist(alone.image_array()))
    assert len(kept.strokes) == 1
    np.testing.assert_array_equal(kept.strokes[0], tab.canvas.strokes()[1])
    whole = sketch_to_keep(_TwoDigits(tab.canvas, [[0], [1]], None))  # none selected
    np.testing.assert_array_equal(whole.image, sketch_to_mnist(tab.canvas.image_array()))
    assert len(whole.strokes) == 2
