"""The headless trainer as a user runs it: its printed lines, its files and its exit codes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from nn.cli import main
from nn.handwriting.options import HandwritingOptions
from nn.weights.weight_file import load_model
from tests.conftest import write_pen_digits

EPOCH_LINE = re.compile(r"^Epoch (\d+): (\d+) / 1000$")
ISO_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


def test_train_prints_the_epoch_lines_and_saves_weights_that_evaluate_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    weights = tmp_path / "model.npz"
    code = main(["train", "--sample", "--epochs", "2", "--seed", "3", "--save", str(weights)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [EPOCH_LINE.match(line).group(1) for line in lines] == ["0", "1"]
    last_correct = EPOCH_LINE.match(lines[-1]).group(2)

    assert main(["evaluate", "--weights", str(weights), "--sample"]) == 0
    assert capsys.readouterr().out.strip() == f"{last_correct} / 1000"


def test_soften_sketches_is_saved_with_the_weights_and_leaves_training_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from nn.sketch.reading import AS_DRAWN, SOFTENED

    arguments = ["train", "--sample", "--epochs", "1", "--sizes", "784,20,10", "--seed", "4"]
    main([*arguments, "--save", str(tmp_path / "plain.npz")])
    main([*arguments, "--soften-sketches", "--save", str(tmp_path / "soft.npz")])
    first, second = capsys.readouterr().out.splitlines()
    plain = load_model(tmp_path / "plain.npz")
    soft = load_model(tmp_path / "soft.npz")
    assert first == second
    for a, b in zip(plain.network.layers, soft.network.layers, strict=True):
        assert (a == b).all()
    assert plain.reading == AS_DRAWN
    assert soft.reading == SOFTENED
    assert soft.description.settings["handwriting"]["soften_sketches"] is True


def test_a_saved_model_describes_the_run_that_made_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    weights = tmp_path / "model.npz"
    arguments = ["train", "--sample", "--epochs", "2", "--sizes", "784,10", "--eta", "0.5",
                 "--cost", "cross-entropy", "--seed", "6", "--save", str(weights)]  # fmt: skip
    assert main(arguments) == 0
    last_correct = int(EPOCH_LINE.match(capsys.readouterr().out.splitlines()[-1]).group(2))

    description = load_model(weights).description
    assert description.front_end == "cli"
    assert description.trained_with == "python -m nn " + " ".join(arguments)
    assert description.dataset == "committed sample"
    assert (description.epochs, description.stopped_early) == (2, False)
    assert description.test_images == 1000 and description.test_correct == last_correct
    assert description.test_accuracy == last_correct / 1000  # a fraction, as printed
    assert 0 < description.validation_accuracy <= 1
    assert ISO_SECONDS.fullmatch(description.trained_at)
    assert ISO_SECONDS.fullmatch(description.saved_at)
    assert description.settings == {
        "network": {"sizes": [784, 10], "hidden_activation": "sigmoid",
                    "output_activation": "softmax", "cost": "cross-entropy", "init": "normal",
                    "seed": 6},
        "training": {"epochs": 2, "batch_size": 10, "eta": 0.5, "lmbda": 0.0, "momentum": 0.0,
                     "seed": 6, "schedule": "constant"},
        "handwriting": HandwritingOptions().settings(),
    }  # fmt: skip
    assert description.extra == {}


def test_a_seed_makes_the_printed_run_identical(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["train", "--sample", "--epochs", "1", "--sizes", "784,20,10", "--seed", "8"]
    main(arguments)
    first = capsys.readouterr().out
    main(arguments)
    assert capsys.readouterr().out == first


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--sizes", "784,0,10"], "every layer needs at least one neuron"),
        (["--sizes", "100,30,10"], "first layer must have 784"),
        (["--sizes", "784,30,9"], "last layer must have 10"),
        (["--sizes", "784,x,10"], "invalid literal"),
        (["--eta", "-1"], "learning rate η must be a positive number"),
        (["--epochs", "0"], "epochs must be a whole number"),
        (["--momentum", "1.5"], "momentum must be in"),
        (["--cost", "hinge"], "invalid choice"),
        (["--styles"], "--styles needs --pen-digits"),
        (["--pen-digits", "--pen-copies", "0"], "--pen-copies must be at least 1, got 0"),
        (["--pen-widths", "0,3"], "pen widths must be 1-100 px, got '0,3'"),
        (["--soften-sketches"], "--soften-sketches is stored in the weight file: give --save"),
    ],
)
def test_nonsense_arguments_get_one_line_and_exit_code_2(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["train", "--sample", *arguments])
    except SystemExit as exit_:  # argparse's own errors leave through SystemExit
        code = exit_.code
    error = capsys.readouterr().err
    assert code == 2
    assert len(error.strip().splitlines()) == 1 and message in error


def test_a_foreign_weight_file_gets_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "notes.npz"
    foreign.write_text("shopping list")
    assert main(["evaluate", "--weights", str(foreign), "--sample"]) == 1
    error = capsys.readouterr().err
    assert str(foreign) in error and "not a Digit Recognizer weight file" in error


def test_python_dash_m_nn_runs_as_a_program(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nn", "train", "--sample", "--epochs", "1", "--sizes", "784,10"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    assert EPOCH_LINE.match(result.stdout.strip())


def test_pen_digits_and_augmentation_join_the_training_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pen = write_pen_digits(tmp_path / "pen.tra", 10)
    weights = tmp_path / "model.npz"
    arguments = ["train", "--sample", "--epochs", "1", "--sizes", "784,10", "--seed", "2"]
    extra = ["--augment", "--pen-digits", str(pen), "--pen-widths", "10,30", "--styles"]
    assert main([*arguments, *extra, "--save", str(weights)]) == 0
    assert EPOCH_LINE.match(capsys.readouterr().out.strip())
    description = load_model(weights).description
    drawn = 10 * 2 + 6  # two widths, and the two 0s, 1s and 4s restyled
    assert description.dataset == f"committed sample + {drawn} drawn pen digits (pen.tra)"
    assert description.trained_with.endswith("--styles --save " + str(weights))
    handwriting = description.settings["handwriting"]
    assert (handwriting["augment"], handwriting["styles"]) == (True, True)
    assert (handwriting["pen_digits"], handwriting["pen_widths"]) == (str(pen), [10.0, 30.0])


def test_a_terminal_sees_the_pen_digits_drawn_then_each_epoch_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pen = write_pen_digits(tmp_path / "pen.tra", 20)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    arguments = ["train", "--sample", "--epochs", "2", "--sizes", "784,10", "--seed", "2"]
    assert main([*arguments, "--pen-digits", str(pen), "--pen-widths", "10,30"]) == 0
    redraws = capsys.readouterr().err.split("\r")
    drawing = [r for r in redraws if r.startswith("Drawing pen digits [")]
    assert drawing[-1].endswith("100%") and len(drawing) <= 101  # only when the percent moves
    assert any(r.startswith("Epoch 0 [") for r in redraws)
    assert any(r.startswith("Epoch 1 [") for r in redraws)
