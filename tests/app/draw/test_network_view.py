"""The network view in the Draw tab, driven as a person would: draw, click a unit, hide it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QWidget

from app.draw import inside_views
from app.draw.drawing_tab import DrawingTab
from app.draw.mouse_replay import drag
from app.draw.pixel_image import diverging_table
from app.settings import SHOW_NETWORK
from nn.data.mnist import load_sample
from nn.model import Model
from nn.paths import bundled_file
from nn.weights import load_model

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")

LEFT = Qt.MouseButton.LeftButton
SEVEN = [[(0.22, 0.2), (0.5, 0.19), (0.78, 0.2)], [(0.78, 0.2), (0.6, 0.5), (0.45, 0.82)]]
ONE = [[(0.5, 0.15 + 0.7 * t) for t in np.linspace(0, 1, 20)]]


@pytest.fixture(scope="session")
def default_model() -> Model:
    """The bundled model, [784, 800, 400, 10] (ReLU, softmax)."""
    return load_model(bundled_file("resources/default-model.npz"))


@pytest.fixture
def tab(qtbot, default_model) -> DrawingTab:
    tab = DrawingTab(default_model)
    qtbot.addWidget(tab)
    tab.resize(1100, 760)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def show_network(qtbot, tab: DrawingTab) -> None:
    toggle = tab.inside.toggle
    qtbot.mouseClick(toggle, LEFT, pos=QPoint(8, toggle.height() // 2))
    assert toggle.isChecked()
    qtbot.waitUntil(tab.inside.network_view.isVisible)


def lit_cells(tab: DrawingTab, layer: int) -> int:
    """How many cells of ``layer``'s grid differ from the off colour (the first cell's colour
    when nothing is drawn is the palette background)."""
    rgb = tab.inside.network_view.grids.layer_rgb(layer).reshape(-1, 3)
    background = diverging_table(tab.palette())[128]
    return int(np.count_nonzero(np.any(rgb != background, axis=1)))


def visible(a: np.ndarray) -> int:
    """Units bright enough to show: at least half a step of 255 of the layer's largest."""
    return int(np.count_nonzero(a / a.max() >= 0.5 / 255))


def hidden_by_hand(model: Model, x: np.ndarray) -> list[np.ndarray]:
    """The hidden layers' ReLU activations, computed here from the weights."""
    layers, a = [], x.astype(np.float64)
    for w, b in zip(model.network.weights[:-1], model.network.biases[:-1]):
        a = np.maximum(w.astype(np.float64) @ a + b[:, 0], 0)
        layers.append(a)
    return layers


def test_new_widgets_are_named_described_and_hidden_at_first(tab):
    names = ("showNetworkCheck", "networkView", "layerGrids", "strongestConnections",
             "unitImage", "unitCaption", "looksAtView", "looksAtImage", "looksAtLegend",
             "givenImageNote")  # fmt: skip
    for name in names:
        widget = tab.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.toolTip() and widget.accessibleName() and widget.accessibleDescription()
    assert not tab.inside.toggle.isChecked()
    assert not tab.inside.network_view.isVisible() and not tab.inside.looks_at.isVisible()


def test_drawing_with_the_view_shown_updates_the_grids(qtbot, tab, default_model):
    show_network(qtbot, tab)
    assert lit_cells(tab, 1) == lit_cells(tab, 2) == 0
    with qtbot.waitSignal(tab.prediction_changed, timeout=2000):
        drag(tab.canvas, SEVEN, fractions=True)
    x = tab.current_input()
    layer1, layer2 = hidden_by_hand(default_model, x)
    assert lit_cells(tab, 1) == visible(layer1) > 0
    assert lit_cells(tab, 2) == visible(layer2) > 0
    brightest = np.argmax(layer1)  # the most active unit is drawn in the text colour
    text = tab.palette().color(tab.palette().ColorRole.WindowText).getRgb()[:3]
    row, col = divmod(brightest, 40)  # 800 units: 20 rows of 40
    assert tuple(tab.inside.network_view.grids.layer_rgb(1)[row, col]) == text
    description = tab.inside.network_view.accessibleDescription()
    assert f"hidden layer 1: {np.count_nonzero(layer1)} of 800 units active" in description
    assert f"strongest into {int(np.argmax(tab.activations()))}: unit " in description


def test_hiding_the_view_stops_updating_it(qtbot, tab, monkeypatch):
    calls = []
    real = inside_views.look_inside
    monkeypatch.setattr(
        inside_views, "look_inside", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    show_network(qtbot, tab)
    drag(tab.canvas, SEVEN, fractions=True)
    assert calls
    shown = tab.inside.network_view.grids.layer_rgb(1)
    overlay = tab.inside.looks_at.rgb()
    toggle = tab.inside.toggle
    qtbot.mouseClick(toggle, LEFT, pos=QPoint(8, toggle.height() // 2))
    assert not tab.inside.network_view.isVisible() and not tab.inside.looks_at.isVisible()
    calls.clear()
    with qtbot.waitSignal(tab.prediction_changed, timeout=2000):
        tab.clear()
        drag(tab.canvas, ONE, fractions=True)
    assert not calls  # nothing computed while hidden
    np.testing.assert_array_equal(tab.inside.network_view.grids.layer_rgb(1), shown)
    np.testing.assert_array_equal(tab.inside.looks_at.rgb(), overlay)
    qtbot.mouseClick(toggle, LEFT, pos=QPoint(8, toggle.height() // 2))
    assert calls  # shown again: brought up to date at once, with the 1
    assert not np.array_equal(tab.inside.network_view.grids.layer_rgb(1), shown)


def test_clicking_a_unit_shows_what_it_responds_to(qtbot, tab, default_model):
    show_network(qtbot, tab)
    drag(tab.canvas, SEVEN, fractions=True)
    grids, view = tab.inside.network_view.grids, tab.inside.network_view
    unit = 123
    qtbot.mouseClick(grids, LEFT, pos=grids.cell_centre(2, unit).toPoint())
    assert view.selected_unit() == (2, unit)
    w1, w2 = (w.astype(np.float64) for w in default_model.network.weights[:2])
    expected = (w2[unit] @ w1).reshape(28, 28)  # the first layer's images through W2
    rgb = view.unit_image.rgb().astype(int)
    table = diverging_table(view.palette())
    strongest = np.unravel_index(np.argmax(np.abs(expected)), (28, 28))
    end = table[-1] if expected[strongest] > 0 else table[0]
    np.testing.assert_array_equal(rgb[strongest], end)
    limit = np.abs(expected).max()
    assert np.all(rgb[expected > 0.3 * limit][:, 0] > rgb[expected > 0.3 * limit][:, 2])  # red
    assert np.all(rgb[expected < -0.3 * limit][:, 2] > rgb[expected < -0.3 * limit][:, 0])
    caption = view.unit_caption.text()
    assert "Layer 2, unit 123" in caption and "linear approximation" in caption
    qtbot.mouseClick(grids, LEFT, pos=grids.cell_centre(1, 7).toPoint())
    assert view.selected_unit() == (1, 7)
    first = default_model.network.weights[0][7].reshape(28, 28)
    positive = first > 0.3 * np.abs(first).max()
    assert np.all(view.unit_image.rgb()[positive][:, 0] > view.unit_image.rgb()[positive][:, 2])
    assert "784 incoming weights" in view.unit_caption.text()


def test_show_image_reads_a_given_image_as_it_is(qtbot, tab, default_model):
    show_network(qtbot, tab)
    drag(tab.canvas, SEVEN, fractions=True)
    image = load_sample().test.images[0]
    with qtbot.waitSignal(tab.prediction_changed, timeout=2000) as blocker:
        tab.show_image(image)
    np.testing.assert_allclose(blocker.args[0], default_model.network.predict(image), rtol=1e-6)
    np.testing.assert_array_equal(tab.current_input(), image)
    assert tab.canvas.is_empty() and tab.showing_given_image()
    assert tab.image_note.isVisible()
    layer1, _ = hidden_by_hand(default_model, image)
    assert lit_cells(tab, 1) == visible(layer1)
    ink = image.reshape(28, 28) > 0
    assert np.any(tab.inside.looks_at.rgb()[ink] != diverging_table(tab.palette())[128])
    with qtbot.waitSignal(tab.prediction_changed, timeout=2000):
        drag(tab.canvas, ONE, fractions=True)  # drawing goes back to the sketch
    assert not tab.showing_given_image() and not tab.image_note.isVisible()
    assert not np.array_equal(tab.current_input(), image)


def test_show_image_refuses_what_is_not_a_digit_image(tab):
    with pytest.raises(ValueError, match="28x28"):
        tab.show_image(np.zeros(100))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        tab.show_image(np.full(784, 2.0))
    assert not tab.showing_given_image()
    tab.show_image(np.full((28, 28), 255, np.uint8))  # integers are read as 0-255
    assert tab.current_input().max() == 1.0


def test_the_choice_is_remembered_by_the_next_window(qtbot, make_window):
    window = make_window()
    toggle = window.drawing_tab.inside.toggle
    assert not toggle.isChecked()
    qtbot.mouseClick(toggle, LEFT, pos=QPoint(8, toggle.height() // 2))
    window.close()
    again = make_window()
    assert again.drawing_tab.inside.toggle.isChecked()
    assert again.drawing_tab.inside.network_view.isVisible()


def test_an_unusable_stored_choice_is_dropped(isolated_settings, qtbot):
    settings = QSettings(str(isolated_settings / "x.ini"), QSettings.Format.IniFormat)
    settings.setValue(SHOW_NETWORK, "perhaps")
    tab = DrawingTab(settings=settings)
    qtbot.addWidget(tab)
    assert not tab.inside.toggle.isChecked()
    assert settings.value(SHOW_NETWORK) is None
