"""The tables ``bench/drawn_digits.py`` prints: one column per weight file, side by side."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from nn.sketch.judgement import judge_many
from nn.sketch.reading import AS_DRAWN

CONDITION_ROWS = 7  # the first seven row names are the drawing conditions; styles follow


WIDTH = 18  # characters per model column


def _row(label: str, cells: list[str]) -> str:
    return f"| {label:<30} | " + " | ".join(f"{c:>{WIDTH}}" for c in cells) + " |"


def _percent(correct: np.ndarray) -> str:
    return f"{100 * correct.mean():.2f} %" if len(correct) else "–"


def _header(files: list[Path]) -> None:
    print(_row("", [_short(f.name) for f in files]))
    print("|" + "-" * 32 + "|" + "|".join(["-" * (WIDTH + 1) + ":"] * len(files)) + "|")


def _short(name: str) -> str:
    """A file name that fits a column: its end, after an ellipsis, when too long."""
    return name if len(name) <= WIDTH else "…" + name[-(WIDTH - 1) :]


def accuracy_table(files, names, labels, outputs) -> np.ndarray:
    """Accuracy per condition, overall, per styled row; returns the (n, models) correctness."""
    correct = outputs.argmax(axis=2) == labels[:, None]
    order = list(dict.fromkeys(names))  # row names in the order they were drawn
    conditions, styles = order[:CONDITION_ROWS], order[CONDITION_ROWS:]
    in_conditions = np.isin(names, conditions)
    _header(files)
    for name in conditions:
        print(_row(name, [_percent(c) for c in correct[names == name].T]))
    print(_row("**overall**", [_percent(c) for c in correct[in_conditions].T]))
    for name in styles:
        print(_row(f"styled: {name}", [_percent(c) for c in correct[names == name].T]))
    return correct


def per_digit_table(files, labels, correct, in_conditions) -> None:
    print("\nPer digit, all seven conditions:\n")
    _header(files)
    for digit in range(10):
        mask = in_conditions & (labels == digit)
        print(_row(f"digit {digit}", [_percent(c) for c in correct[mask].T]))


def per_writer_table(files, writers, correct, in_conditions) -> None:
    print("\nPer test writer, all seven conditions:\n")
    _header(files)
    for writer in np.unique(writers):
        mask = in_conditions & (writers == writer)
        print(_row(f"writer {writer}", [_percent(c) for c in correct[mask].T]))


def confusions(files, labels, outputs, in_conditions, count: int = 6) -> None:
    print("\nWorst confusions (true → read: drawings), all seven conditions:")
    for m, file in enumerate(files):
        predicted = outputs[in_conditions, m].argmax(axis=1)
        truth = labels[in_conditions]
        pairs = np.zeros((10, 10), dtype=int)
        np.add.at(pairs, (truth, predicted), 1)
        np.fill_diagonal(pairs, 0)
        worst = np.argsort(pairs, axis=None)[::-1][:count]
        text = ", ".join(f"{i // 10} → {i % 10}: {pairs.flat[i]}" for i in worst)
        print(f"  {file.name}: {text}")


def not_sure_table(files, outputs, correct, in_conditions) -> None:
    print('\n"Not sure" (nn.sketch.judgement), all seven conditions:\n')
    _header(files)
    wrong_cells, right_cells = [], []
    for m in range(len(files)):
        sure = judge_many(outputs[in_conditions, m])
        right = correct[in_conditions, m]
        wrong_cells.append(f"{(~sure[~right]).sum()} / {(~right).sum()}")
        right_cells.append(f"{100 * (~sure[right]).mean():.2f} %")
    print(_row("wrong answers flagged", wrong_cells))
    print(_row("right answers flagged", right_cells))


def model_table(files, reader, mnist_dir: str | None) -> None:
    """Each model's MNIST accuracy (also read as it reads sketches), speed, size and shape."""
    models, seconds = reader.models, reader.seconds
    test = _mnist_test(mnist_dir)
    print("\nThe models:\n")
    _header(files)
    print(_row("MNIST test", [_mnist(m.with_reading(AS_DRAWN), test) for m in models]))
    print(_row("reads sketches", [m.reading.describe() for m in models]))
    print(_row("MNIST test, read that way", [_mnist(m, test) for m in models]))
    print(
        _row("sketch → prediction p95", [f"{1000 * np.percentile(s, 95):.2f} ms" for s in seconds])
    )
    print(_row("weight file", [f"{f.stat().st_size / 1e6:.2f} MB" for f in files]))
    print(_row("sizes", [",".join(str(s) for s in m.network.sizes) for m in models]))


def _mnist_test(folder: str | None):
    """MNIST's test set from ``folder`` (else ``MNIST_DIR``), read once; None without either."""
    folder = folder or os.environ.get("MNIST_DIR")
    if not folder:
        return None
    from nn.data.mnist import load_idx_folder

    return load_idx_folder(folder).test


def _mnist(model, test) -> str:
    """The share of MNIST's test images ``model`` reads right, reading them as it reads
    sketches."""
    if test is None:
        return "no MNIST_DIR"
    correct = int(np.sum(model.predict_as_read(test.images).argmax(axis=1) == test.labels))
    return f"{100 * correct / len(test):.2f} %"


def report(files, reader, names, labels, writers, outputs, mnist_dir) -> None:
    """Print every table (markdown) for ``outputs`` (n, models, 10) of drawings ``names`` by
    ``writers``, read by ``reader`` (``bench.drawn_digits.Reader``)."""
    in_conditions = np.isin(names, list(dict.fromkeys(names))[:CONDITION_ROWS])
    print(f"\nPen-digit test file replayed into the canvas ({in_conditions.sum()} drawings):\n")
    correct = accuracy_table(files, names, labels, outputs)
    per_digit_table(files, labels, correct, in_conditions)
    per_writer_table(files, writers, correct, in_conditions)
    confusions(files, labels, outputs, in_conditions)
    not_sure_table(files, outputs, correct, in_conditions)
    model_table(files, reader, mnist_dir)
