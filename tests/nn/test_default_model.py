"""The pretrained model shipped in resources/: it loads, and it is as good as it says."""

from __future__ import annotations

from pathlib import Path

from nn.paths import bundled_file
from nn.sketch.reading import SOFTENED
from nn.weights import load_model

DEFAULT_MODEL = bundled_file("resources/default-model.npz")


def test_the_default_model_loads_and_says_how_it_was_made() -> None:
    model = load_model(DEFAULT_MODEL)
    assert model.network.sizes[0] == 784 and model.network.sizes[-1] == 10
    assert model.description.front_end == "cli"
    assert model.description.trained_with.startswith("python -m nn train")
    assert model.reading == SOFTENED  # chosen for it on held-out writers
    assert model.description.test_accuracy >= 0.99
    assert DEFAULT_MODEL.stat().st_size <= 5_000_000


def test_the_default_model_scores_at_least_99_percent_on_the_mnist_test_set(
    mnist_dir: Path,
) -> None:
    from nn.data.mnist import load_idx_folder

    model = load_model(DEFAULT_MODEL)
    test = load_idx_folder(mnist_dir).test
    correct = model.network.evaluate(test.images, test.labels)
    assert correct >= 9900
    assert correct == round(model.description.test_accuracy * len(test))  # it tells the truth


def test_the_documented_command_is_the_one_that_made_the_default_model() -> None:
    description = load_model(DEFAULT_MODEL).description
    doc = Path(__file__).resolve().parents[2] / "docs" / "default-model.md"
    text = doc.read_text(encoding="utf-8")
    commands = [" ".join(block.replace("\\\n", " ").split()) for block in text.split("```")]
    made_with = description.trained_with.split(" --save ")[0]  # where it was saved may differ
    assert any(f".venv/bin/{made_with} --save" in command for command in commands)


def test_the_default_model_reads_the_pen_digit_test_writers(pen_digits_test_file: Path) -> None:
    """A quick guard, Qt-free: every digit of the 14 test writers drawn at 60 % of the canvas
    with the default pen and read as the Draw tab reads it (``Model.read``);
    ``bench/drawn_digits.py`` is the full measure through the real canvas."""
    from nn.data.pendigits import load_pendigits
    from nn.handwriting.strokes import place_on_canvas, render_strokes
    from nn.sketch.recipe import CANVAS_PIXELS

    model = load_model(DEFAULT_MODEL)
    digits = load_pendigits(pen_digits_test_file)
    answers = [model.read(render_strokes(place_on_canvas(d.strokes, 0.6 * CANVAS_PIXELS), 22))
               for d in digits]  # fmt: skip
    right = sum(a is not None and a.digit == d.label for a, d in zip(answers, digits, strict=True))
    assert right / len(digits) >= 0.975  # no condition below 97.5 %
