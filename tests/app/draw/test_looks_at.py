"""The "what it looks at" image: colours for given attributions, the palette, and live drawing."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette

from app.draw.drawing_tab import DrawingTab
from app.draw.looks_at import INK_SHOWN, LooksAtView
from app.draw.mouse_replay import drag
from nn.insight.inside import look_inside, winner_z
from nn.paths import bundled_file
from nn.weights import load_model

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")

BLUE, RED = (33, 102, 172), (178, 24, 43)  # the diverging map's ends (app.widgets.plotting)


def rgb_of(colour: QColor) -> np.ndarray:
    return np.array(colour.getRgb()[:3])


@pytest.fixture
def view(qtbot) -> LooksAtView:
    view = LooksAtView()
    qtbot.addWidget(view)
    view.resize(160, 180)
    view.show()
    qtbot.waitExposed(view)
    return view


def example() -> tuple[np.ndarray, np.ndarray]:
    """Ink at pixels 0-3; attribution +2 at 0, −2 at 1, 0 at 2 and 3; one more inked pixel
    (4) at +200 so the other values are well below the saturation level."""
    x = np.zeros(784, np.float32)
    x[:5] = [1.0, 1.0, 1.0, 0.5, 1.0]
    attribution = np.zeros(784, np.float32)
    attribution[[0, 1, 4]] = [2.0, -2.0, 200.0]
    return x, attribution


def test_colours_for_a_given_attribution(view):
    x, attribution = example()
    view.show_attribution(x, attribution, 4)
    rgb = view.rgb().reshape(784, 3).astype(int)
    palette = view.palette()
    background = rgb_of(palette.color(QPalette.ColorRole.Base))
    ink = rgb_of(palette.color(QPalette.ColorRole.WindowText))
    np.testing.assert_array_equal(rgb[100], background)  # no ink, no attribution
    np.testing.assert_array_equal(rgb[4], RED)  # the strongest: the map's end
    assert rgb[0][0] > rgb[0][2] and rgb[1][2] > rgb[1][0]  # +: reddish, −: bluish
    faint = np.rint(background + INK_SHOWN * 0.5 * (ink - background))
    np.testing.assert_allclose(rgb[3], faint, atol=1)  # ink that counts nothing: faint ink
    assert "4" in view.legend.text() and "red" in view.legend.text()
    assert "towards 4" in view.accessibleDescription()


def test_negative_end_and_blank(view):
    x, attribution = example()
    view.show_attribution(x, -attribution, 7)
    np.testing.assert_array_equal(view.rgb().reshape(784, 3)[4], BLUE)
    view.show_attribution(None, None, None)
    background = rgb_of(view.palette().color(QPalette.ColorRole.Base))
    assert np.all(view.rgb() == background)


def test_follows_a_dark_palette(qtbot, view):
    x, attribution = example()
    view.show_attribution(x, attribution, 4)
    dark = QPalette(view.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor(20, 20, 24))
    dark.setColor(QPalette.ColorRole.Window, QColor(40, 40, 44))
    dark.setColor(QPalette.ColorRole.WindowText, QColor(235, 235, 235))
    view.setPalette(dark)
    rgb = view.rgb().reshape(784, 3)
    np.testing.assert_array_equal(rgb[100], (20, 20, 24))  # the map's middle: the background
    assert rgb[3].sum() > 3 * 24  # faint ink is lighter than the background in a dark theme


def test_drawing_colours_the_ink_by_the_attribution(qtbot):
    model = load_model(bundled_file("resources/default-model.npz"))
    tab = DrawingTab(model)
    qtbot.addWidget(tab)
    tab.resize(1100, 760)
    tab.show()
    qtbot.waitExposed(tab)
    toggle = tab.inside.toggle
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton, pos=QPoint(8, toggle.height() // 2))
    strokes = [[(0.22, 0.2), (0.5, 0.19), (0.78, 0.2)], [(0.78, 0.2), (0.6, 0.5), (0.45, 0.82)]]
    with qtbot.waitSignal(tab.prediction_changed, timeout=2000):
        drag(tab.canvas, strokes, fractions=True)
    assert tab.inside.looks_at.isVisible()
    x = tab.current_input()
    inside = look_inside(model.network, x)
    strong = np.argsort(-np.abs(inside.attribution))[:5]
    rgb = tab.inside.looks_at.rgb().reshape(784, 3).astype(int)
    for pixel in strong:  # the slope of the winner's z, by finite differences, sets the colour
        step = np.zeros(784, np.float32)
        step[pixel] = 0.01
        slope = winner_z(model.network, x + step, inside.winner) - winner_z(
            model.network, x - step, inside.winner
        )
        assert np.sign(slope) * (rgb[pixel][0] - rgb[pixel][2]) > 0  # red: towards; blue: against
    background = rgb_of(tab.palette().color(QPalette.ColorRole.Base))
    assert np.all(rgb[x == 0] == background)  # only ink is coloured
    assert str(inside.winner) in tab.inside.looks_at.legend.text()
