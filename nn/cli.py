"""The headless trainer: ``python -m nn train|evaluate|read|personalize|download``.

As Nielsen's ``network.py`` does, ``train`` prints ``Epoch <j>: <correct> / <total>`` on the
test set after each epoch, with a progress bar within the epoch when stderr is a terminal.
Everything else (warnings, errors, where the weights went) goes to stderr, so stdout stays the
epoch lines alone.

A mistake of the user's (an argument, a file or folder, Ctrl+C) ends in one line on stderr and a
non-zero exit code, never a traceback: 2 for arguments that make no sense, 1 for files, folders
and data that cannot be used, 130 for Ctrl+C before training started.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn, TextIO

from nn.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from nn.costs import COSTS
from nn.data.dataset import MnistSplits
from nn.data.pendigits import TRAINING_FILE
from nn.handwriting.options import (
    HandwritingOptions,
    RunOutcome,
    describe_run,
    training_set,
    usable_cores,
)
from nn.model import Model
from nn.network import INITS, INPUT_SIZE, OUTPUT_SIZE, Network, check_sizes
from nn.training import (
    SCHEDULES,
    STUCK_WARNING,
    EpochResult,
    Trainer,
    TrainingConfig,
    TrainingDiverged,
)

OUTPUTS = {"quadratic": "sigmoid", "cross-entropy": "softmax"}  # the usual output for each cost
INTERRUPTED = 130  # the shell's code for a program ended by Ctrl+C (128 + SIGINT)


class _UnusablePathError(Exception):
    """A file or folder the command cannot use, found before any work is done: exit code 1."""


class _Parser(argparse.ArgumentParser):
    """Argument errors are one line on stderr and exit code 2, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _sizes(text: str) -> tuple[int, ...]:
    try:
        return check_sizes(int(part) for part in text.split(","))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _build_parser() -> _Parser:
    parser = _Parser(prog="python -m nn", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = commands.add_parser(
        "train",
        help="train a network (by default Nielsen's configuration) and print its test score "
        "after each epoch, as the book's network.py does",
    )
    _add_data_options(train)
    train.add_argument(
        "--sizes",
        type=_sizes,
        default=(INPUT_SIZE, 30, OUTPUT_SIZE),
        help="neurons per layer (784,30,10)",
    )
    train.add_argument("--epochs", type=int, default=30)
    train.add_argument("--batch-size", type=int, default=10)
    train.add_argument("--eta", type=float, default=3.0, help="learning rate η")
    train.add_argument("--cost", choices=COSTS, default="quadratic")
    train.add_argument(
        "--output", choices=OUTPUT_ACTIVATIONS, help="output activation (default: by cost)"
    )
    train.add_argument(
        "--hidden", choices=HIDDEN_ACTIVATIONS, default="sigmoid", help="hidden activation"
    )
    train.add_argument("--init", choices=INITS, default="normal", help="N(0,1) or N(0,1/n_in)")
    train.add_argument("--lmbda", type=float, default=0.0, help="L2 weight decay λ")
    train.add_argument("--momentum", type=float, default=0.0, help="momentum μ in [0, 1)")
    train.add_argument("--schedule", choices=SCHEDULES, default="constant", help="η per epoch")
    train.add_argument("--seed", type=int, help="makes the run reproducible bit for bit")
    train.add_argument("--save", metavar="FILE", help="save the trained weights (.npz) here")
    _add_handwriting_options(train)
    evaluate = commands.add_parser("evaluate", help="print <correct> / <total> on the test set")
    evaluate.add_argument(
        "--weights", required=True, metavar="FILE", help="a weight file to evaluate"
    )
    evaluate.add_argument(
        "--confusion",
        action="store_true",
        help="also print the confusion matrix (rows: true digit 0-9, columns: answer 0-9) and "
        "the accuracy on each digit",
    )
    _add_data_options(evaluate)
    read = commands.add_parser(
        "read",
        help="read the digits in photos or scans of handwriting",
        description="Print one line per image: 'IMAGE: DIGITS (CONFIDENCE)', the digits read "
        "left to right and the smallest of their top shares (e.g. 'photo.jpg: 147 (0.97)'), or "
        "'IMAGE: not sure: 1?4 (4 or 9?)' with a '?' for each digit the model is not sure of "
        "and its two likeliest readings in brackets ('IMAGE: not sure: 4 or 9?' for a single "
        "digit). An image that cannot be read is told on stderr; the exit status is then 1.",
    )
    read.add_argument(
        "--weights",
        metavar="FILE",
        help="a weight file to read with (default: the bundled default model)",
    )
    read.add_argument(
        "images", nargs="+", metavar="IMAGE", help="PNG, JPEG, BMP, GIF, TIFF or WebP files"
    )
    _add_personalize(commands)
    download = commands.add_parser(
        "download", help="download full MNIST (about 11 MB) for later runs"
    )
    download.add_argument("--to", metavar="DIR", help="folder (default: the user data folder)")
    return parser


def _add_personalize(commands: argparse._SubParsersAction) -> None:
    personalize = commands.add_parser(
        "personalize",
        help="adapt a model to your own handwriting (a file of your labelled digits) and save it",
        description="Teach a model your digits (nn.personal.adapt), print how it reads the ones "
        "held back and MNIST's test set before and after, and save it. When MNIST test accuracy "
        "fell by more than 0.3 points the model is not saved (exit status 1) unless --force.",
    )
    personalize.add_argument(
        "--weights",
        metavar="FILE",
        help="the model to adapt (default: the bundled default model)",
    )
    personalize.add_argument(
        "--examples",
        required=True,
        metavar="DIGITS.npz",
        help="your labelled digits: the Teach tab's file, or an .npz of images (n, 784) in "
        "[0, 1] and labels (n,)",
    )
    personalize.add_argument(
        "--save", required=True, metavar="OUT", help="where to save the adapted model (.npz)"
    )
    personalize.add_argument(
        "--force",
        action="store_true",
        help="save even when MNIST test accuracy fell by more than 0.3 points",
    )
    personalize.add_argument("--seed", type=int, default=0, help="repeats a run bit for bit")
    _add_data_options(personalize)


def _add_data_options(command: argparse.ArgumentParser) -> None:
    source = command.add_mutually_exclusive_group()
    source.add_argument("--data", metavar="DIR", help="folder of the four MNIST IDX files")
    source.add_argument("--sample", action="store_true", help="use the small committed sample")


def _add_handwriting_options(train: argparse.ArgumentParser) -> None:
    train.add_argument(
        "--augment", action="store_true", help="distort every training image anew each epoch"
    )
    train.add_argument(
        "--pen-digits",
        nargs="?",
        const=TRAINING_FILE,
        metavar="FILE",
        help="also train on pen-digit trajectories drawn as the canvas would (default file: "
        f"the project's {TRAINING_FILE.name})",
    )
    train.add_argument(
        "--pen-widths",
        type=_widths,
        default=(10, 22, 36),
        metavar="W,W,…",
        help="draw each pen digit once per pen width, in pixels of the 280-px canvas (10,22,36)",
    )
    train.add_argument(
        "--pen-copies",
        type=int,
        default=1,
        metavar="K",
        help="draw each pen digit K times per width",
    )
    train.add_argument(
        "--pen-reshape",
        action="store_true",
        help="turn, slant and stretch each pen digit at random before drawing it",
    )
    train.add_argument(
        "--styles",
        action="store_true",
        help="add the pen digits' styled variants (nn.handwriting.styles)",
    )
    train.add_argument(
        "--soften-sketches",
        action="store_true",
        help="store in the weight file that the Draw tab reads sketches softened and bolder "
        "(nn.sketch.reading.SOFTENED, for networks trained like the default model); needs --save",
    )


def _widths(text: str) -> tuple[float, ...]:
    try:
        widths = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of pen widths: {text!r}") from None
    if not widths or not all(1 <= w <= 100 for w in widths):
        raise argparse.ArgumentTypeError(f"pen widths must be 1-100 px, got {text!r}")
    return widths


def _handwriting(args: argparse.Namespace) -> HandwritingOptions:
    return HandwritingOptions(
        augment=args.augment,
        pen_digits=args.pen_digits,
        pen_widths=args.pen_widths,
        pen_copies=args.pen_copies,
        pen_reshape=args.pen_reshape,
        styles=args.styles,
        soften_sketches=args.soften_sketches,
    )


def _load_data(args: argparse.Namespace) -> MnistSplits:
    from nn.data.mnist import find_mnist, load_sample

    return load_sample() if args.sample else find_mnist(args.data)


class _ProgressBar:
    """Redraws one line on a terminal: ``Epoch 3 [#########.....]  64%``, or whatever
    ``label`` says; only when the percentage moves, so a fast caller costs nothing."""

    def __init__(self, stream: TextIO, label: str = "Epoch 0") -> None:
        self.stream = stream
        self.label = label
        self._shown: tuple[str, int] | None = None

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if self._shown == (self.label, percent):
            return
        self._shown = (self.label, percent)
        filled = 30 * percent // 100
        bar = "#" * filled + "." * (30 - filled)
        self.stream.write(f"\r{self.label} [{bar}] {percent:3d}%")
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r" + " " * (len(self.label) + 38) + "\r")
        self.stream.flush()
        self._shown = None


def _network_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of :class:`~nn.network.Network` that the options give."""
    return {
        "hidden_activation": args.hidden,
        "output_activation": args.output or OUTPUTS[args.cost],
        "cost": args.cost,
        "init": args.init,
        "seed": args.seed,
    }


def _train(args: argparse.Namespace, argv: list[str]) -> int:
    if args.soften_sketches and not args.save:
        raise ValueError("--soften-sketches is stored in the weight file: give --save FILE too")
    if args.save:
        _check_save_path(Path(args.save))  # before minutes of training, not after
    config = TrainingConfig(
        args.epochs, args.batch_size, args.eta, args.lmbda, args.momentum, args.seed, args.schedule
    )
    network = Network(args.sizes, **_network_options(args))
    splits = _load_data(args)
    handwriting = _handwriting(args)
    bar = _ProgressBar(sys.stderr, "Drawing pen digits") if sys.stderr.isatty() else None
    training, source = training_set(
        splits, handwriting, args.seed, on_progress=bar, processes=usable_cores()
    )
    trainer = Trainer(
        network,
        training,
        config,
        validation=splits.validation,
        test=splits.test,
        on_progress=bar,
        augment=handwriting.augment_function(),
    )
    last, interrupted = _print_epochs(trainer, bar)
    if args.save:
        from nn.weights import save_model

        run = RunOutcome(
            sizes=network.sizes,
            network_options=_network_options(args),
            config=config,
            dataset=source,
            epochs=0 if last is None else last.epoch + 1,
            stopped_early=interrupted,
            test=None
            if last is None or last.test_correct is None
            else (last.test_correct, last.test_total),
            validation_accuracy=None if last is None else last.validation_accuracy,
        )
        command = "python -m nn " + " ".join(argv)
        description = describe_run(
            run, front_end="cli", trained_with=command, handwriting=handwriting
        )
        try:
            save_model(Model(network, description), args.save)
        except OSError as error:  # the folder went away or became read-only while training
            raise _UnusablePathError(
                f"--save {args.save}: the weights were not saved: {_reason(error)}"
            ) from None
        print(f"Saved weights to {args.save}", file=sys.stderr)
    return 0


def _print_epochs(trainer: Trainer, bar: _ProgressBar | None) -> tuple[EpochResult | None, bool]:
    """Run ``trainer``, printing each epoch's line; returns the last epoch's result and whether
    Ctrl+C stopped the run."""
    if bar:
        bar.clear()
        bar.label = "Epoch 0"
    last: EpochResult | None = None
    warned = False
    try:
        for last in trainer.run():
            if bar:
                bar.clear()
                bar.label = f"Epoch {last.epoch + 1}"
            print(last.epoch_line(), flush=True)
            if last.looks_stuck() and not warned:
                warned = True
                print(STUCK_WARNING, file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        if bar:
            bar.clear()
        print("Interrupted: training stopped.", file=sys.stderr)
        return last, True
    return last, False


def _evaluate(args: argparse.Namespace) -> int:
    from nn.weights import load_model

    network = load_model(args.weights).network
    test = _load_data(args).test
    if not args.confusion:
        print(f"{network.evaluate(test.images, test.labels)} / {len(test)}")
        return 0
    from nn.insight.evaluation import evaluate_network

    evaluation = evaluate_network(network, test.images, test.labels)
    print(f"{evaluation.correct} / {evaluation.total}")
    confusion = evaluation.confusion.tolist()
    print(_confusion_text(confusion))
    for digit, row in enumerate(confusion):
        right, count = row[digit], sum(row)
        share = f"{100 * right / count:6.2f} % ({right} / {count})" if count else "no images"
        print(f"digit {digit}: {share}")
    return 0


def _confusion_text(confusion: list[list[int]]) -> str:
    """The confusion matrix as ten lines of ten right-aligned counts separated by spaces: one
    line per true digit, one column per answer."""
    width = len(str(max(max(row) for row in confusion)))
    return "\n".join(" ".join(f"{count:{width}d}" for count in row) for row in confusion)


def _read(args: argparse.Namespace) -> int:
    """Print the digits of each image; an unreadable image is told on stderr, the others are
    still read. Returns 1 if any image could not be read, 0 otherwise."""
    from nn.images import ImageReadError, read_photo_digits
    from nn.paths import bundled_file
    from nn.weights import load_model

    model = load_model(args.weights or bundled_file("resources/default-model.npz"))
    failed = False
    for image in args.images:
        try:
            found = read_photo_digits(image)
        except ImageReadError as error:
            print(f"python -m nn read: {error}", file=sys.stderr, flush=True)
            failed = True
            continue
        answers = [a for a in (model.read(sketch) for sketch in found.sketches) if a]
        print(f"{image}: {_number_text([a.judgement for a in answers])}", flush=True)
    return 1 if failed else 0


def _personalize(args: argparse.Namespace) -> int:
    """Adapt the model to the digits, print the report, save unless it forgot too much."""
    from nn.paths import bundled_file
    from nn.personal.adapt import adapt
    from nn.personal.store import load_digits
    from nn.weights import load_model, save_model

    _check_save_path(Path(args.save))
    model = load_model(args.weights or bundled_file("resources/default-model.npz"))
    digits = load_digits(args.examples)
    if len(digits) == 0:
        raise _UnusablePathError(f"--examples {args.examples}: the file holds no digits")
    splits = _load_data(args)
    bar = _ProgressBar(sys.stderr, "Teaching") if sys.stderr.isatty() else None
    adapted, report = adapt(model, digits, splits.training, splits.test, progress=bar,
                            seed=args.seed)  # fmt: skip
    if bar:
        bar.clear()
    for line in report.lines():
        print(line, flush=True)
    if report.too_forgetful():
        drop = f"MNIST test accuracy fell by {report.mnist_drop_points:.2f} points (over 0.3)"
        if not args.force:
            print(f"{drop}: not saved; give --force to save it anyway", file=sys.stderr)
            return 1
        print(f"{drop}: saved anyway (--force)", file=sys.stderr)
    try:
        save_model(adapted, args.save)
    except OSError as error:
        raise _UnusablePathError(f"--save {args.save}: not saved: {_reason(error)}") from None
    print(f"Saved the adapted model to {args.save}", file=sys.stderr)
    return 0


def _number_text(judgements: list) -> str:
    """``"147 (0.97)"`` when every digit is sure (the smallest top share in brackets); else
    ``"not sure: 1?4 (4 or 9?)"``, a ``?`` for each unsure digit and its two likeliest
    readings, or ``"not sure: 4 or 9?"`` for a single digit."""
    if all(j.sure for j in judgements):
        digits = "".join(str(j.digit) for j in judgements)
        return f"{digits} ({min(j.top_share for j in judgements):.2f})"
    from nn.sketch.judgement import doubts, number_marks

    if len(judgements) == 1:
        return judgements[0].text()
    unsure = ", ".join(j.choice() for _, j in doubts(judgements))
    return f"not sure: {''.join(number_marks(judgements))} ({unsure})"


def _download(args: argparse.Namespace) -> int:
    from nn.data.download import download_mnist
    from nn.paths import user_data_dir

    def show(done: int, total: int) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\rDownloading MNIST: {done / 1e6:5.1f} / {total / 1e6:.1f} MB")

    folder = Path(args.to) if args.to else user_data_dir() / "mnist"
    _check_folder_to_fill(folder)  # before any connection is made
    folder = download_mnist(folder, on_progress=show)
    print(f"\nMNIST is in {folder}", file=sys.stderr)
    return 0


def _check_save_path(path: Path) -> None:
    """Raise :class:`_UnusablePathError` when the weights could not be written to ``path``: a
    folder, in a folder that does not exist, under a file, or in a folder this user cannot write
    in (the weights are written beside ``path`` first, then renamed over it)."""
    try:
        if path.is_dir():
            raise _UnusablePathError(
                f"--save {path} is a folder: give a file name, e.g. {path / 'model.npz'}"
            )
        folder = path.parent
        if not folder.is_dir():
            problem = "is not a folder" if folder.exists() else "is not an existing folder"
            raise _UnusablePathError(f"--save {path}: {folder} {problem}")
    except OSError as error:  # e.g. a name too long for the system
        raise _UnusablePathError(f"--save {path}: {_reason(error)}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _UnusablePathError(
            f"--save {path}: cannot write in the folder {folder} (permission denied)"
        )


def _check_folder_to_fill(folder: Path) -> None:
    """Raise :class:`_UnusablePathError` when files could not be written in ``folder`` (created
    with its parents when missing): it is a file, a file stands in its way, or the nearest
    existing folder is not writable."""
    try:
        if folder.exists() and not folder.is_dir():
            raise _UnusablePathError(f"{folder} is a file, not a folder")
        existing = next(p for p in (folder, *folder.parents) if p.exists())
        if not existing.is_dir():
            raise _UnusablePathError(f"cannot create the folder {folder}: {existing} is a file")
    except OSError as error:
        raise _UnusablePathError(f"{folder}: {_reason(error)}") from None
    if not os.access(existing, os.W_OK | os.X_OK):
        raise _UnusablePathError(f"cannot write in the folder {existing} (permission denied)")


def _reason(error: OSError) -> str:
    """An OSError in words: "Permission denied: 'model.npz'" rather than "[Errno 13] …"."""
    if error.strerror and error.filename is not None:
        return f"{error.strerror}: {error.filename}"
    return error.strerror or str(error) or type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code: 0, 2 for nonsense arguments, 1 for files, folders or
    data that cannot be used, 130 for Ctrl+C before training started."""
    from nn.data.download import DownloadError
    from nn.data.mnist import DataError
    from nn.personal.store import PersonalDigitsError
    from nn.weights.weight_file import WeightFileError

    argv = sys.argv[1:] if argv is None else argv
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            return _train(args, argv)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "read":
            return _read(args)
        if args.command == "personalize":
            return _personalize(args)
        return _download(args)
    except ValueError as error:
        if isinstance(error, (DataError, WeightFileError, PersonalDigitsError)):
            print(f"{parser.prog} {args.command}: {error}", file=sys.stderr)
            return 1
        # A hyper-parameter that TrainingConfig refused: a usage error, like argparse's own.
        print(f"{parser.prog} {args.command}: error: {error}", file=sys.stderr)
        return 2
    except (DownloadError, TrainingDiverged, _UnusablePathError) as error:
        print(f"{parser.prog} {args.command}: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a file or folder of the user's that the system refused
        print(f"{parser.prog} {args.command}: {_reason(error)}", file=sys.stderr)
        return 1
    except MemoryError:
        print(
            f"{parser.prog} {args.command}: not enough memory for this run; "
            "try a smaller network, fewer pen-digit copies or less data",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:  # during training, _print_epochs stops the run and keeps it
        print(f"{parser.prog} {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED
