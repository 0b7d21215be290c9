"""A small network trained for a moment on the committed sample: right on most test images and
wrong on some, so every cell of an evaluation has something to check."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nn.data.dataset import MnistSplits
from nn.data.mnist import load_sample
from nn.insight.evaluation import EvaluationStopped
from nn.network import Network
from nn.training import Trainer, TrainingConfig


@pytest.fixture(scope="session")
def sample() -> MnistSplits:
    return load_sample()


@pytest.fixture(scope="session")
def trained(sample: MnistSplits) -> Network:
    """[784, 16, 12, 10], ReLU and softmax, two epochs: about 86 % on the sample's test set."""
    network = Network(
        [784, 16, 12, 10], hidden_activation="relu", output_activation="softmax",
        cost="cross-entropy", init="scaled", seed=1,
    )  # fmt: skip
    for _ in Trainer(network, sample.training, TrainingConfig(2, 10, 0.1, seed=1)).run():
        pass
    return network


def reports_until_stopped(measure: Callable[..., object], stop_after: int) -> list[int]:
    """The ``done`` counts ``measure(progress=…, should_stop=…)`` reported, asked to stop once
    ``stop_after`` of them came; fails unless it then raised EvaluationStopped."""
    reports: list[int] = []
    with pytest.raises(EvaluationStopped):
        measure(
            progress=lambda done, total: reports.append(done),
            should_stop=lambda: len(reports) == stop_after,
        )
    return reports
