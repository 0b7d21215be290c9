"""The Qt-free renderer paints what the real canvas paints: pen digits drawn both ways.

Each digit is drawn with mouse events into the ``sketchCanvas`` of a running MainWindow (as
``bench/drawn_digits.py`` replays them) and, separately, with
:func:`nn.handwriting.strokes.render_strokes`; the default model reads both through
:meth:`nn.model.Model.read`, the path of the Draw tab.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.draw.mouse_replay import drag
from app.draw.sketch_canvas import SketchCanvas
from app.main_window import DEFAULT_MODEL
from nn.data.pendigits import load_pendigits
from nn.handwriting.strokes import place_on_canvas, render_strokes
from nn.sketch.recipe import CANVAS_PIXELS, CANVAS_WIDTH, sketch_to_mnist

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")

# (longer side in image px, pen width in image px, centre, rotation in degrees)
LAYOUTS = [
    (168, 22, (140, 140), 0),
    (84, 22, (80, 200), 0),
    (252, 10, (140, 140), 8),
    (168, 36, (150, 120), -10),
]


@pytest.fixture(scope="module")
def digits():
    every = load_pendigits()
    return [every[i] for i in range(0, len(every), 149)][:48]  # all ten digits, many writers


@pytest.mark.parametrize("window_size", [(1100, 720), (700, 1000)])
def test_canvas_and_renderer_give_the_same_input(make_window, digits, window_size):
    window = make_window(default_model=DEFAULT_MODEL)
    window.resize(*window_size)
    tab = window.drawing_tab
    canvas = tab.findChild(SketchCanvas, "sketchCanvas")
    model = window.model.model
    differences, same_answer = [], []
    for i, digit in enumerate(digits):
        side, pen, centre, rotation = LAYOUTS[i % len(LAYOUTS)]
        strokes = place_on_canvas(digit.strokes, side, centre, rotation)
        tab.clear()
        tab.pen_width = pen
        drag(canvas, strokes)
        drawn = tab.update_prediction()
        from_canvas = tab.current_input()
        rendered = render_strokes(strokes, pen, CANVAS_WIDTH)[:CANVAS_PIXELS]  # 280 x 560
        image_gap = np.abs(canvas.image_array().astype(float) - rendered)
        assert image_gap.mean() < 0.3  # grey levels of 255, over the whole 560x280 image
        as_drawn = sketch_to_mnist(canvas.image_array())
        np.testing.assert_array_equal(from_canvas, model.reading.apply(as_drawn))
        answer = model.read(rendered)
        differences.append(float(np.abs(from_canvas - answer.input).mean()))
        same_answer.append(int(drawn.argmax()) == answer.digit)
    differences = np.array(differences)
    assert differences.mean() < 0.01
    assert np.mean(differences < 0.02) >= 0.9  # the rest: an integer centring shift flipped
    assert np.mean(same_answer) >= 0.95
