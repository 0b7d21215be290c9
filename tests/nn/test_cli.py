"""The headless trainer as a user runs it: its printed lines, its files and its exit codes."""

from __future__ import annotations

import os
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


def test_evaluate_confusion_prints_the_matrix_the_evaluate_tab_gets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from nn.data.mnist import load_sample
    from nn.insight.evaluation import evaluate_network
    from nn.paths import bundled_file

    weights = bundled_file("resources/default-model.npz")
    assert main(["evaluate", "--weights", str(weights), "--sample"]) == 0
    plain = capsys.readouterr().out
    assert main(["evaluate", "--weights", str(weights), "--sample", "--confusion"]) == 0
    lines = capsys.readouterr().out.splitlines()
    test = load_sample().test
    expected = evaluate_network(load_model(weights).network, test.images, test.labels)

    assert len(plain.splitlines()) == 1 and lines[0] == plain.strip()
    assert lines[0] == f"{expected.correct} / 1000"
    matrix = [[int(count) for count in line.split()] for line in lines[1:11]]
    assert matrix == expected.confusion.tolist()
    assert len({len(line) for line in lines[1:11]}) == 1  # right-aligned columns
    per_digit = [re.fullmatch(r"digit (\d): +([\d.]+) % \((\d+) / (\d+)\)", x) for x in lines[11:]]
    assert [int(m.group(1)) for m in per_digit] == list(range(10))
    for digit, m in enumerate(per_digit):
        assert float(m.group(2)) == round(100 * expected.per_digit_accuracy[digit], 2)
        assert int(m.group(3)) == expected.confusion[digit, digit]
        assert int(m.group(4)) == expected.confusion[digit].sum()


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


def _exit_code(arguments: list[str]) -> int:
    """``main``'s exit code, whether it returns it or argparse exits with it."""
    try:
        return main(arguments)
    except SystemExit as exit_:
        return exit_.code


def _one_line(error: str) -> str:
    """The only line of ``error``; fails when there are more (a traceback, a usage block)."""
    lines = error.strip().splitlines()
    assert len(lines) == 1, error
    assert "Traceback" not in error
    return lines[0]


def test_a_network_too_large_to_build_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["train", "--sample", "--sizes", "784,1000000,10"]) == 2
    assert "at most 5000 neurons per hidden layer" in _one_line(capsys.readouterr().err)
    assert _exit_code(["train", "--sample", "--sizes", "784,5000,5000,5000,10"]) == 2
    assert "weights and biases; at most 30,000,000" in _one_line(capsys.readouterr().err)


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make loading data fail the test: what is checked must be checked before it."""

    def refuse(*args, **kwargs):
        raise AssertionError("the data was loaded before the arguments were checked")

    monkeypatch.setattr("nn.data.mnist.load_sample", refuse)
    monkeypatch.setattr("nn.data.mnist.find_mnist", refuse)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/model.npz", "missing is not an existing folder"),
        ("notes.txt/model.npz", "notes.txt is not a folder"),
        (".", "is a folder: give a file name"),
    ],
)
def test_save_where_no_file_can_be_written_is_refused_before_training(
    where: str,
    message: str,
    tmp_path: Path,
    no_training: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    target = tmp_path / where
    assert main(["train", "--sample", "--epochs", "1", "--save", str(target)]) == 1
    output = capsys.readouterr()
    assert output.out == ""  # not a single epoch
    line = _one_line(output.err)
    assert line.startswith("python -m nn train: --save ") and message in line


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root writes into a folder whatever its mode, so the refusal cannot be seen",
)
def test_save_into_a_read_only_folder_is_refused_before_training(
    tmp_path: Path, no_training: None, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code = main(["train", "--sample", "--epochs", "1", "--save", str(folder / "model.npz")])
    finally:
        folder.chmod(0o700)
    assert code == 1
    assert "cannot write in the folder" in _one_line(capsys.readouterr().err)


def test_a_save_refused_after_training_is_one_line_and_exit_code_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "model.npz"

    def refuse(model, path):  # the folder became read-only while the network trained
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("nn.weights.save_model", refuse)
    code = main(["train", "--sample", "--epochs", "1", "--sizes", "784,10", "--save", str(target)])
    output = capsys.readouterr()
    assert code == 1
    assert EPOCH_LINE.match(output.out.strip())  # the epochs were trained and shown
    line = _one_line(output.err)
    assert "the weights were not saved: Permission denied" in line and str(target) in line
    assert not target.exists()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any connection fail the test: a refused folder is refused before downloading."""

    def refuse(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr("urllib.request.urlopen", refuse)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("notes.txt", "notes.txt is a file, not a folder"),
        ("notes.txt/mnist", "cannot create the folder"),
    ],
)
def test_download_to_a_place_that_cannot_hold_files_is_one_clear_line(
    where: str, message: str, tmp_path: Path, offline: None, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    assert main(["download", "--to", str(tmp_path / where)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("python -m nn download: ") and message in line
    assert (tmp_path / "notes.txt").read_text() == "not a folder"


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root writes into a folder whatever its mode, so the refusal cannot be seen",
)
def test_download_into_a_read_only_folder_is_one_clear_line(
    tmp_path: Path, offline: None, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code = main(["download", "--to", str(folder / "mnist")])
    finally:
        folder.chmod(0o700)
    assert code == 1
    assert "cannot write in the folder" in _one_line(capsys.readouterr().err)


def test_a_learning_rate_that_leaves_the_network_at_chance_is_warned_about_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    arguments = ["train", "--sample", "--sizes", "784,5,10", "--epochs", "3", "--eta", "1e9"]
    assert main([*arguments, "--seed", "1"]) == 0
    output = capsys.readouterr()
    lines = output.out.splitlines()
    assert [EPOCH_LINE.match(line).group(1) for line in lines] == ["0", "1", "2"]  # stdout: epochs
    assert all(int(EPOCH_LINE.match(line).group(2)) <= 120 for line in lines)  # at chance
    assert output.err.count("Accuracy is stuck near chance") == 1
    assert "Try a smaller η" in output.err


def test_a_sensible_run_gets_no_warning(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["train", "--sample", "--sizes", "784,10", "--epochs", "2", "--seed", "1"]
    assert main(arguments) == 0
    assert "stuck" not in capsys.readouterr().err


def test_ctrl_c_while_the_data_loads_ends_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr("nn.data.mnist.load_sample", interrupted)
    assert main(["train", "--sample", "--epochs", "1"]) == 130
    output = capsys.readouterr()
    assert output.out == ""
    assert _one_line(output.err) == "python -m nn train: interrupted"


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_a_data_folder_the_system_refuses_is_one_line_and_exit_code_1(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    weights = tmp_path / "model.npz"
    main(["train", "--sample", "--epochs", "1", "--sizes", "784,10", "--save", str(weights)])
    capsys.readouterr()
    too_long = "x" * 5000  # longer than any file name the system accepts
    extra = ["--epochs", "1"] if command == "train" else ["--weights", str(weights)]
    assert main([command, "--data", too_long, *extra]) == 1
    assert "File name too long" in _one_line(capsys.readouterr().err)


def test_weights_that_are_a_folder_are_one_line_and_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", "--weights", str(tmp_path), "--sample"]) == 1
    assert str(tmp_path) in _one_line(capsys.readouterr().err)


def test_warnings_and_errors_leave_stdout_to_the_epoch_lines(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nn", "train", "--sample", "--sizes", "784,5,10", "--epochs",
         "2", "--eta", "1e9", "--seed", "1", "--save", str(tmp_path / "model.npz")],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [EPOCH_LINE.match(line).group(1) for line in result.stdout.splitlines()] == ["0", "1"]
    assert "Accuracy is stuck near chance" in result.stderr
    assert "Saved weights to" in result.stderr


@pytest.mark.parametrize("command", ["train", "download"])
def test_a_folder_the_system_says_is_read_only_is_refused_before_any_work(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_training: None,
    offline: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The read-only case as any user sees it (root writes anywhere, so chmod cannot show it)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    access = os.access

    def read_only(path, mode, *args, **kwargs):
        if Path(path) == locked and mode & os.W_OK:
            return False
        return access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", read_only)
    if command == "train":
        arguments = ["train", "--sample", "--save", str(locked / "model.npz")]
    else:
        arguments = ["download", "--to", str(locked / "mnist")]
    assert main(arguments) == 1
    line = _one_line(capsys.readouterr().err)
    assert f"cannot write in the folder {locked} (permission denied)" in line
    assert list(locked.iterdir()) == []


READ_LINE = re.compile(r"^(?P<path>.+): (?P<digits>\d+) \((?P<confidence>[01]\.\d\d)\)$")


def _photo_files(folder: Path) -> tuple[Path, Path]:
    """A photo of a 7 and one of the number 14, as JPEG and PNG files in ``folder``."""
    from tests.nn.images.making import encoded, enlarge, page, photo_of_digit, sample_digit, write

    seven, _ = photo_of_digit(7)
    number = page((500, 300))
    for left, label in ((40, 1), (260, 4)):
        write(number, enlarge(sample_digit(label), 200), 50, left)
    paths = folder / "seven.jpg", folder / "fourteen.png"
    paths[0].write_bytes(encoded(seven, "JPEG"))
    paths[1].write_bytes(encoded(number, "PNG"))
    return paths


def test_read_prints_the_digits_of_each_photo_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from nn.paths import bundled_file

    seven, fourteen = _photo_files(tmp_path)
    weights = str(bundled_file("resources/default-model.npz"))
    assert main(["read", "--weights", weights, str(seven), str(fourteen)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = [READ_LINE.match(line) for line in captured.out.splitlines()]
    assert [(m["path"], m["digits"]) for m in lines] == [(str(seven), "7"), (str(fourteen), "14")]
    assert all(0.8 <= float(m["confidence"]) <= 1 for m in lines)  # sure answers only


def test_read_tells_an_unreadable_file_on_stderr_reads_the_rest_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seven, _ = _photo_files(tmp_path)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    assert main(["read", str(broken), str(seven), str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert READ_LINE.match(captured.out.strip())["path"] == str(seven)
    first, second = captured.err.splitlines()
    assert first.startswith(f"python -m nn read: {broken} ")
    assert second == f"python -m nn read: {tmp_path} is a folder, not an image file"


def test_read_says_which_digits_it_is_not_sure_of() -> None:
    from nn.cli import _number_text
    from nn.sketch.judgement import Judgement

    sure = Judgement(1, 7, True, 0.97, 0.01)
    other = Judgement(4, 9, True, 0.991, 0.005)
    unsure = Judgement(4, 9, False, 0.55, 0.40)
    assert _number_text([sure, other]) == "14 (0.97)"
    assert _number_text([unsure]) == "not sure: 4 or 9?"
    assert _number_text([sure, unsure, other]) == "not sure: 1?4 (4 or 9?)"
    assert _number_text([unsure, unsure]) == "not sure: ?? (4 or 9?, 4 or 9?)"


def test_read_with_an_unusable_weight_file_says_so_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seven, _ = _photo_files(tmp_path)
    weights = tmp_path / "weights.npz"
    weights.write_bytes(b"nonsense")
    assert main(["read", "--weights", str(weights), str(seven)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert _one_line(captured.err).startswith("python -m nn read: ")


@pytest.fixture
def quick_personalize(monkeypatch: pytest.MonkeyPatch) -> None:
    """``personalize`` teaches with fewer drawings and steps: the same code, sooner done."""
    import dataclasses
    import functools

    from nn.personal import adapt as adapt_module

    quick = dataclasses.replace(adapt_module.DEFAULT_SETTINGS, copies=5, steps=40, final_steps=10)
    quick_adapt = functools.partial(adapt_module.adapt, settings=quick)
    monkeypatch.setattr(adapt_module, "adapt", quick_adapt)


def _tiny_model_and_digits(tmp_path: Path) -> tuple[Path, Path]:
    """A small model trained on the sample, and a file of 30 labelled digits holding only
    ``images`` (float64, as NumPy makes them) and ``labels``."""
    import numpy as np

    from nn.data.mnist import load_sample

    weights = tmp_path / "tiny.npz"
    training = ["train", "--sample", "--epochs", "1", "--sizes", "784,20,10", "--eta", "0.5",
                "--cost", "cross-entropy", "--seed", "2", "--save", str(weights)]  # fmt: skip
    assert main(training) == 0
    test = load_sample().test
    chosen = np.concatenate([np.flatnonzero(test.labels == d)[:3] for d in range(10)])
    examples = tmp_path / "mine.npz"
    np.savez(examples, images=test.images[chosen].astype(np.float64), labels=test.labels[chosen])
    return weights, examples


def test_personalize_prints_before_and_after_and_saves_the_adapted_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], quick_personalize: None
) -> None:
    from nn.personal.adapt import adapted_digits

    weights, examples = _tiny_model_and_digits(tmp_path)
    capsys.readouterr()
    out = tmp_path / "adapted.npz"
    arguments = ["personalize", "--weights", str(weights), "--examples", str(examples),
                 "--save", str(out), "--sample"]  # fmt: skip
    assert main(arguments) == 0
    captured = capsys.readouterr()
    taught, personal, mnist = captured.out.splitlines()
    assert re.fullmatch(r"taught 30 digits in \d+\.\d s", taught)
    assert re.fullmatch(r"held-back digits: \d+ / 10 → \d+ / 10 \(.*% → .*%\)", personal)
    assert re.fullmatch(r"MNIST test \(1,000 images\): .*% → .*% \([+-]\d\.\d\d points\)", mnist)
    assert captured.err.strip() == f"Saved the adapted model to {out}"
    assert adapted_digits(load_model(out).description) == 30


def test_personalize_saves_a_model_that_forgot_mnist_only_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nn.personal import adapt as adapt_module

    weights, examples = _tiny_model_and_digits(tmp_path)

    def forgetful(model, digits, training, test, **options):
        report = adapt_module.AdaptReport(None, None, 0.90, 0.895, 0, len(digits), 0.1, 1000)
        return model, report

    monkeypatch.setattr(adapt_module, "adapt", forgetful)
    capsys.readouterr()
    out = tmp_path / "adapted.npz"
    arguments = ["personalize", "--weights", str(weights), "--examples", str(examples),
                 "--save", str(out), "--sample"]  # fmt: skip
    assert main(arguments) == 1
    captured = capsys.readouterr()
    assert "MNIST test (1,000 images): 90.00% → 89.50% (-0.50 points)" in captured.out
    assert _one_line(captured.err) == (
        "MNIST test accuracy fell by 0.50 points (over 0.3): not saved; give --force to save "
        "it anyway"
    )
    assert not out.exists()
    assert main([*arguments, "--force"]) == 0
    assert "saved anyway (--force)" in capsys.readouterr().err
    assert out.exists()


@pytest.mark.parametrize("content", [b"not digits", b""])
def test_personalize_with_an_unusable_digits_file_is_one_line_and_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    examples = tmp_path / "mine.npz"
    examples.write_bytes(content)
    arguments = ["personalize", "--examples", str(examples), "--save", str(tmp_path / "o.npz")]
    assert main(arguments) == 1
    error = _one_line(capsys.readouterr().err)
    assert error.startswith(f"python -m nn personalize: {examples}: ")


def test_personalize_with_no_digits_is_one_line_and_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from nn.personal.store import PersonalDigits, save_digits

    examples = tmp_path / "none.npz"
    save_digits(PersonalDigits.empty(), examples)
    arguments = ["personalize", "--examples", str(examples), "--save", str(tmp_path / "o.npz")]
    assert main(arguments) == 1
    assert _one_line(capsys.readouterr().err) == (
        f"python -m nn personalize: --examples {examples}: the file holds no digits"
    )


def test_personalize_without_its_digits_is_a_usage_error(tmp_path: Path) -> None:
    assert _exit_code(["personalize", "--save", str(tmp_path / "o.npz")]) == 2
