"""Helpers for driving the Evaluate tab through its widgets, with tiny networks and data."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView

from app.evaluate.evaluation_tab import EvaluationTab
from app.main_window import MainWindow
from app.train.data_source import DataChoice
from nn.data.dataset import MnistSplits
from nn.model import Model
from nn.network import Network

LEFT = Qt.MouseButton.LeftButton


def tiny_model(seed: int = 3, hidden: int = 12) -> Model:
    """An untrained [784, hidden, 10] network: about one answer in ten right, so every cell of
    the confusion matrix and the mistakes gallery have something in them."""
    return Model(Network([784, hidden, 10], seed=seed))


def expected_answers(network: Network, images: np.ndarray) -> np.ndarray:
    """Each image's answer, one image at a time (the tab reads them in pieces)."""
    return np.array([int(np.argmax(network.predict(image))) for image in images])


def expected_confusion(labels: np.ndarray, answers: np.ndarray) -> np.ndarray:
    counts = np.zeros((10, 10), np.int64)
    for label, answer in zip(labels, answers):
        counts[int(label), int(answer)] += 1
    return counts


def gated_loader(splits: MnistSplits, gate: threading.Event) -> Callable:
    """A data loader that returns ``splits`` once ``gate`` is set, or gives up (raising OSError)
    as soon as it is asked to stop: an evaluation held in its loading step."""

    def load(choice: DataChoice, on_download_progress, should_stop) -> MnistSplits:
        while not gate.wait(0.01):
            if should_stop():
                raise OSError("stopped while loading")
        return splits

    return load


def window_with_model(make_window, model: Model | None = None, **kwargs) -> MainWindow:
    """A window using ``model`` (a tiny one by default) with the Evaluate tab shown."""
    window = make_window(**kwargs)
    window.model.set_model(model or tiny_model())
    window.tabs.setCurrentWidget(window.evaluation_tab)
    return window


def evaluate(qtbot, tab: EvaluationTab, timeout: int = 20_000):
    """Click Evaluate and wait until the evaluation is shown, its map drawn and its thread has
    ended; returns the Evaluation the tab emitted."""
    with qtbot.waitSignal(tab.evaluated, timeout=timeout) as blocker:
        qtbot.mouseClick(tab.evaluate_button, LEFT)
    qtbot.waitUntil(lambda: not tab.is_running and tab.map.filled, timeout=timeout)
    return blocker.args[0]


def click_item(qtbot, view: QAbstractItemView, index: QModelIndex) -> None:
    """Click the centre of ``index`` in ``view`` as a person would."""
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), LEFT, pos=view.visualRect(index).center())


@pytest.fixture
def model() -> Model:
    return tiny_model()
