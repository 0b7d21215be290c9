"""The first layer's units in the Train tab: exactly the network's weights, page by page."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtGui import QColor, QPalette

from app.train.unit_grid import PAGE_UNITS, UnitGrid
from app.widgets.plotting import diverging_lookup_table
from tests.app.conftest import loader_for
from tests.app.train.conftest import LEFT, configure, run_to_end


def expected_image(weights: np.ndarray, palette: QPalette) -> np.ndarray:
    """The page drawn unit by unit: each unit scaled by its own largest |weight| onto the
    diverging table, placed at row i // 8, column i % 8 with one pixel between units."""
    table = diverging_lookup_table(palette)
    rows = -(-len(weights) // 8)
    image = np.zeros((rows * 29 - 1, 8 * 29 - 1, 3), dtype=np.uint8)
    image[:] = palette.color(QPalette.ColorRole.Window).getRgb()[:3]
    for unit, w in enumerate(weights.astype(np.float64)):
        largest = np.max(np.abs(w))
        index = np.floor((w / largest + 1) / 2 * 255 + 0.5).astype(int)
        top, left = 29 * (unit // 8), 29 * (unit % 8)
        image[top : top + 28, left : left + 28] = table[index].reshape(28, 28, 3)
    return image


def test_after_a_run_the_grid_shows_the_trained_weights_page_by_page(qtbot, window):
    tab = window.training_tab
    window.tabs.setCurrentWidget(tab)
    configure(tab, hidden="70", epochs=1, seed="3")
    run_to_end(qtbot, tab)
    grid = tab.unit_grid
    weights = window.model.model.network.weights[0]  # (70, 784)
    assert grid.units_shown() == range(64)
    assert "units 1–64 of 70, after epoch 0" in grid.caption.text()
    np.testing.assert_array_equal(grid.image(), expected_image(weights[:64], grid.palette()))
    assert grid.pager.isVisible() and not grid.previous_button.isEnabled()
    qtbot.mouseClick(grid.next_button, LEFT)
    assert grid.units_shown() == range(64, 70) and grid.page_spin.value() == 2
    assert "units 65–70 of 70" in grid.caption.text()
    np.testing.assert_array_equal(grid.image(), expected_image(weights[64:], grid.palette()))
    assert not grid.next_button.isEnabled()
    grid.page_spin.selectAll()
    qtbot.keyClicks(grid.page_spin.lineEdit(), "1")
    assert grid.units_shown() == range(64)


def test_a_small_layer_fits_one_page_drawn_when_the_tab_is_shown(qtbot, window):
    tab = window.training_tab
    configure(tab, hidden="30", epochs=2, seed="1")
    run_to_end(qtbot, tab)  # the Draw tab is in front: nothing is drawn yet
    grid = tab.unit_grid
    assert grid.image().shape == (1, 1, 3)
    window.tabs.setCurrentWidget(tab)
    assert not grid.pager.isVisible()
    assert grid.caption.text() == "First hidden layer: 30 units, after epoch 1"
    weights = window.model.model.network.weights[0]
    np.testing.assert_array_equal(grid.image(), expected_image(weights, grid.palette()))


def test_the_worker_sends_initial_weights_then_each_epoch(qtbot, window, tiny_splits):
    tab = window.training_tab
    gate = threading.Event()  # the data arrives once the test listens to the worker
    tab.data_loader = loader_for(tiny_splits, gate)
    configure(tab, hidden="20", epochs=2, seed="5")
    received = []
    qtbot.mouseClick(tab.train_button, LEFT)
    tab.worker.first_layer.connect(lambda w, when: received.append((w.copy(), when)))
    with qtbot.waitSignal(tab.running_changed, timeout=20_000, check_params_cb=lambda r: not r):
        gate.set()
    qtbot.waitUntil(lambda: len(received) == 3)
    assert [when for _, when in received] == ["initial weights", "after epoch 0", "after epoch 1"]
    assert all(w.shape == (20, 784) and w.dtype == np.float32 for w, _ in received)
    assert not np.array_equal(received[0][0], received[1][0])  # training moved the weights
    np.testing.assert_array_equal(received[-1][0], window.model.model.network.weights[0])


def test_a_grid_renders_when_shown_and_follows_the_palette(qtbot):
    grid = UnitGrid()
    qtbot.addWidget(grid)
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(PAGE_UNITS * 2 + 5, 784)).astype(np.float32)
    grid.show_weights(weights, "after epoch 4")  # hidden: nothing drawn yet
    assert grid.page_count == 3
    grid.show()
    qtbot.waitExposed(grid)
    np.testing.assert_array_equal(grid.image(), expected_image(weights[:64], grid.palette()))
    grid.set_page(2)
    np.testing.assert_array_equal(grid.image(), expected_image(weights[128:], grid.palette()))
    dark = QPalette(grid.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#202020"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#303030"))
    grid.setPalette(dark)
    qtbot.waitUntil(
        lambda: np.array_equal(grid.image(), expected_image(weights[128:], grid.palette()))
    )
    assert tuple(diverging_lookup_table(grid.palette())[128]) == (32, 32, 32)


def test_weights_of_the_wrong_shape_are_refused(qtbot):
    grid = UnitGrid()
    qtbot.addWidget(grid)
    with pytest.raises(ValueError, match="784"):
        grid.show_weights(np.zeros((3, 783), dtype=np.float32), "now")
