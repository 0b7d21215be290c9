"""The pretrained model shipped in resources/: it loads, and it is as good as it says."""

from __future__ import annotations

from pathlib import Path

from nn.paths import bundled_file
from nn.weights_file import load_weights

DEFAULT_MODEL = bundled_file("resources/default-model.npz")


def test_the_default_model_loads_and_says_how_it_was_made() -> None:
    network, metadata = load_weights(DEFAULT_MODEL)
    assert network.sizes[0] == 784 and network.sizes[-1] == 10
    assert metadata["trained_with"].startswith("python -m nn train")
    assert metadata["test_accuracy"] >= 0.975
    assert DEFAULT_MODEL.stat().st_size <= 5_000_000


def test_the_default_model_scores_at_least_97_5_percent_on_the_mnist_test_set(
    mnist_dir: Path,
) -> None:
    from nn.mnist import load_idx_folder

    network, metadata = load_weights(DEFAULT_MODEL)
    test = load_idx_folder(mnist_dir).test
    correct = network.evaluate(test.images, test.labels)
    assert correct >= 9750
    assert correct == round(metadata["test_accuracy"] * len(test))  # the file tells the truth
