"""A small network trained for a moment on the committed sample: right on most test images and
wrong on some, so every cell of an evaluation has something to check."""

from __future__ import annotations

import pytest

from nn.data.dataset import MnistSplits
from nn.data.mnist import load_sample
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
