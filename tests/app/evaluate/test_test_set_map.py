"""The map of the test set: every test image a point, mistakes apart, clicking a point, and the
live marker of the sketch being drawn."""

from __future__ import annotations

import numpy as np
import pytest

from app.draw.mouse_replay import drag
from app.evaluate.test_set_map import nearest_point, neighbourhood
from tests.app.evaluate.conftest import LEFT, evaluate, window_with_model

SEVEN = [[(0.22, 0.2), (0.5, 0.19), (0.78, 0.2)], [(0.78, 0.2), (0.6, 0.5), (0.45, 0.82)]]


def test_every_test_image_is_a_point_and_mistakes_are_apart(qtbot, make_window, tiny_splits):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluation = evaluate(qtbot, tab)
    answers = window.model.model.network.predict(tiny_splits.test.images).argmax(axis=1)
    wrong = int(np.sum(answers != tiny_splits.test.labels))
    assert tab.map.point_count() == (len(answers) - wrong, wrong)
    header, rows = tab.map.table()
    assert header == ["test image", "x", "y", "true digit", "answer"]
    assert [row[3] for row in rows] == tiny_splits.test.labels.tolist()
    assert [row[4] for row in rows] == answers.tolist()
    np.testing.assert_array_equal([row[1:3] for row in rows], evaluation.projection)
    assert f"{wrong:,} mistakes" in tab.map.plot.accessibleDescription()


def test_clicking_a_point_shows_that_image(qtbot, make_window, tiny_splits):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluate(qtbot, tab)
    tab.views.setCurrentWidget(tab.map)
    qtbot.waitUntil(lambda: tab.map.plot.isVisible())
    positions = tab.map.table()[1]
    xy = np.array([row[1:3] for row in positions])
    # the point farthest from the others, so that nothing else is under the mouse
    target = int(np.argmax(np.linalg.norm(xy - xy.mean(axis=0), axis=1)))
    at = tab.map.scene_position(target)
    with qtbot.waitSignal(tab.map.digit_chosen) as blocker:
        qtbot.mouseClick(tab.map.plot.viewport(), LEFT, pos=at)
    assert blocker.args[0] == target
    assert tab.detail.index == target


def test_the_sketch_being_drawn_is_placed_on_the_map(qtbot, make_window):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluation = evaluate(qtbot, tab)
    network = window.model.model.network
    window.tabs.setCurrentWidget(window.drawing_tab)
    drag(window.drawing_tab.canvas, SEVEN, fractions=True)
    window.drawing_tab.update_prediction()
    image = window.drawing_tab.current_input()
    assert image is not None
    assert tab.map.sketch_position() is None  # not placed while the map is out of sight
    window.tabs.setCurrentWidget(tab)
    hidden = network.forward(image.reshape(784, 1).astype(network.dtype))[-2][:, 0]
    expected = (hidden - evaluation.map.mean) @ evaluation.map.components.T
    np.testing.assert_allclose(tab.map.sketch_position(), expected, rtol=1e-4, atol=1e-6)
    assert "your sketch lies" in tab.map.plot.accessibleDescription()
    window.drawing_tab.clear()
    assert tab.map.sketch_position() is None


def test_a_test_image_lands_where_the_evaluation_put_it(qtbot, make_window, tiny_splits):
    window = window_with_model(make_window)
    tab = window.evaluation_tab
    evaluation = evaluate(qtbot, tab)
    tab.show_sketch(tiny_splits.test.images[5])
    np.testing.assert_allclose(
        tab.map.sketch_position(), evaluation.projection[5], rtol=1e-5, atol=1e-6
    )
    tab.show_sketch(None)
    assert tab.map.sketch_position() is None


def test_nearest_point_is_measured_in_screen_pixels():
    positions = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 1.0]])
    # one pixel is 1 unit across and 0.1 unit up: (0, 1) is 10 pixels up, (10, 0) 10 across
    assert nearest_point(positions, 0.2, 0.05, (1.0, 0.1)) == 0
    assert nearest_point(positions, 5.0, -0.7, (1.0, 0.1)) == -1  # 8.6 px from each
    assert nearest_point(positions, 0.0, 0.95, (1.0, 0.1)) == 2
    assert nearest_point(np.zeros((0, 2)), 0, 0, (1.0, 1.0)) == -1


@pytest.mark.parametrize(
    ("labels", "words"),
    [([7] * 15, "among the 7s"), ([4] * 8 + [9] * 7, "between the 4s and the 9s")],
)
def test_neighbourhood_names_the_digits_around(labels, words):
    positions = np.array([[float(i), 0.0] for i in range(len(labels))] + [[100.0, 0.0]] * 5)
    all_labels = np.array([*labels, *[1] * 5])
    assert neighbourhood(positions, all_labels, np.array([0.0, 0.0])) == words


def test_tighter_clouds_are_drawn_over_wider_ones(qtbot, make_window):
    window = window_with_model(make_window)
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 20)
    widths = np.linspace(0.1, 5.0, 10)[rng.permutation(10)]  # each digit its own spread
    positions = rng.normal(size=(200, 2)) * widths[labels][:, None]
    window.evaluation_tab.map.set_map(positions, labels, labels)
    assert window.evaluation_tab.map.stacking() == list(np.argsort(widths)[::-1])
