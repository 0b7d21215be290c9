"""The pretrained model shipped in resources/: it loads, and it is as good as it says."""

from __future__ import annotations

from pathlib import Path

from nn.paths import bundled_file
from nn.sketch.reading import SOFTENED, SketchReading
from nn.weights.weight_file import load_weights
from tests.conftest import PEN_DIGITS_TEST_FILE

DEFAULT_MODEL = bundled_file("resources/default-model.npz")


def test_the_default_model_loads_and_says_how_it_was_made() -> None:
    network, metadata = load_weights(DEFAULT_MODEL)
    assert network.sizes[0] == 784 and network.sizes[-1] == 10
    assert metadata["trained_with"].startswith("python -m nn train")
    assert SketchReading.from_metadata(metadata) == SOFTENED  # chosen for it on held-out writers
    assert metadata["test_accuracy"] >= 0.99
    assert DEFAULT_MODEL.stat().st_size <= 5_000_000


def test_the_default_model_scores_at_least_99_percent_on_the_mnist_test_set(
    mnist_dir: Path,
) -> None:
    from nn.data.mnist import load_idx_folder

    network, metadata = load_weights(DEFAULT_MODEL)
    test = load_idx_folder(mnist_dir).test
    correct = network.evaluate(test.images, test.labels)
    assert correct >= 9900
    assert correct == round(metadata["test_accuracy"] * len(test))  # the file tells the truth


def test_the_readme_command_is_the_one_that_made_the_default_model() -> None:
    _, metadata = load_weights(DEFAULT_MODEL)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    commands = [" ".join(block.replace("\\\n", " ").split()) for block in readme.split("```")]
    made_with = metadata["trained_with"].split(" --save ")[0]  # where it was saved may differ
    assert any(f".venv/bin/{made_with} --save" in command for command in commands)


def test_the_default_model_reads_the_pen_digit_test_writers() -> None:
    """A quick guard, Qt-free: every digit of the 14 test writers drawn at 60 % of the canvas
    with the default pen; ``bench/drawn_digits.py`` is the full measure through the real canvas."""
    import numpy as np
    import pytest

    from nn.data.pendigits import load_pendigits
    from nn.handwriting.strokes import place_on_canvas, render_to_input
    from nn.sketch.recipe import CANVAS_PIXELS

    if not PEN_DIGITS_TEST_FILE.exists():
        pytest.skip(f"pen-digit test file not found at {PEN_DIGITS_TEST_FILE}")
    network, metadata = load_weights(DEFAULT_MODEL)
    digits = load_pendigits(PEN_DIGITS_TEST_FILE)
    images = np.array(
        [render_to_input(place_on_canvas(d.strokes, 0.6 * CANVAS_PIXELS), 22) for d in digits]
    )
    images = SketchReading.from_metadata(metadata).apply(images)  # as the Draw tab reads them
    labels = np.array([d.label for d in digits])
    assert network.evaluate(images, labels) / len(digits) >= 0.975  # no condition below 97.5 %
