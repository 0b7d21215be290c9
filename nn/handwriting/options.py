"""Training data closer to drawings on the canvas: pen-drawn digits and per-epoch distortions.

The CLI (``python -m nn train --augment --pen-digits …``) and the Train tab share these options
and :func:`training_set`, which appends the pen digits, drawn as the canvas would draw them
(:func:`nn.handwriting.strokes.render_dataset`), to MNIST's training set.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nn.data.dataset import Dataset, MnistSplits
from nn.description import ModelDescription
from nn.paths import bundled_file
from nn.sketch.reading import AS_DRAWN, SOFTENED, SketchReading
from nn.training import AugmentFunction, TrainingConfig

PEN_WIDTHS = (10.0, 22.0, 36.0)
"""Pen widths in pixels of the 280-px canvas: each pen digit is drawn once with each."""

RenderProgress = Callable[[int, int], None]
"""Called as ``on_progress(images_drawn, images_to_draw)`` after each drawn image."""


@dataclass(frozen=True)
class HandwritingOptions:
    """What to add to MNIST's training images; all off by default (Nielsen's training).

    ``augment``: distort every training image anew each epoch
    (:func:`nn.handwriting.augment.augment`).
    ``pen_digits``: a pen-digit file (:mod:`nn.data.pendigits`) whose digits are drawn and appended
    to the training set, or None; a relative path that does not exist is taken from the project
    folder. ``pen_widths``: pen widths in canvas pixels, each digit drawn ``pen_copies`` times
    per width. ``pen_reshape``: turn, slant and stretch each digit at random before drawing it.
    ``styles``: add the styled variants of :mod:`nn.handwriting.styles`. ``soften_sketches``: the
    trained
    network is to read sketches softened and bolder (:data:`nn.sketch.reading.SOFTENED`, stored in
    its weight file's metadata); training itself is unchanged. Errors name the CLI options, which
    mirror these fields.
    """

    augment: bool = False
    pen_digits: str | Path | None = None
    pen_widths: tuple[float, ...] = PEN_WIDTHS
    pen_copies: int = 1
    pen_reshape: bool = False
    styles: bool = False
    soften_sketches: bool = False

    def __post_init__(self) -> None:
        if self.pen_digits is None:
            if self.styles:
                raise ValueError("--styles needs --pen-digits")
        elif self.pen_copies < 1:
            raise ValueError(f"--pen-copies must be at least 1, got {self.pen_copies}")

    def pen_digits_path(self) -> Path | None:
        """The pen-digit file to read, or None without pen digits."""
        if self.pen_digits is None:
            return None
        path = Path(self.pen_digits)
        if not path.is_absolute() and not path.exists():
            path = bundled_file(str(self.pen_digits))  # the project's own copy, from any folder
        return path

    def augment_function(self) -> AugmentFunction | None:
        """What :class:`nn.training.Trainer` takes as ``augment``: None when ``augment`` is off."""
        if not self.augment:
            return None
        from nn.handwriting.augment import augment

        return augment

    def describe(self) -> list[str]:
        """Phrases for a log line, none when all is off, e.g. ``["images distorted each epoch",
        "+ pen-drawn digits with styled variants"]``; non-default pen settings in brackets."""
        parts = ["images distorted each epoch"] if self.augment else []
        if self.pen_digits is not None:
            details = []
            if self.pen_widths != PEN_WIDTHS:
                details.append("widths " + "/".join(f"{w:g}" for w in self.pen_widths) + " px")
            if self.pen_copies > 1:
                details.append(f"×{self.pen_copies}")
            if self.pen_reshape:
                details.append("reshaped")
            pen = "+ pen-drawn digits" + (f" ({', '.join(details)})" if details else "")
            parts.append(pen + (" with styled variants" if self.styles else ""))
        if self.soften_sketches:
            parts.append("sketches read softened")
        return parts

    def sketch_reading(self) -> SketchReading:
        """How the trained network is to read sketches."""
        return SOFTENED if self.soften_sketches else AS_DRAWN

    def settings(self) -> dict[str, object]:
        """These options as JSON values, for the trained model's description."""
        values = dataclasses.asdict(self)
        values["pen_digits"] = None if self.pen_digits is None else str(self.pen_digits)
        values["pen_widths"] = list(self.pen_widths)
        return values


def describe_run(
    run: RunOutcome, *, front_end: str, trained_with: str, handwriting: HandwritingOptions
) -> ModelDescription:
    """The description of a model trained by the CLI or the Train tab (see :class:`RunOutcome`);
    ``trained_with`` says how, in the front end's words (the command line, or the settings)."""
    test_correct, test_total = run.test if run.test is not None else (None, None)
    return ModelDescription(
        dataset=run.dataset,
        trained_with=trained_with,
        front_end=front_end,
        trained_at=ModelDescription.now(),
        epochs=run.epochs,
        stopped_early=run.stopped_early,
        test_accuracy=None if not test_total else test_correct / test_total,
        test_images=test_total or None,
        validation_accuracy=run.validation_accuracy,
        settings={
            "network": {"sizes": list(run.sizes), **run.network_options},
            "training": dataclasses.asdict(run.config),
            "handwriting": handwriting.settings(),
        },
        sketch_reading=handwriting.sketch_reading(),
    )


@dataclass(frozen=True)
class RunOutcome:
    """What a training run made, as both front ends know it: the network's ``sizes`` and
    ``network_options`` (activations, cost, init, seed), the SGD ``config``, the ``dataset``
    description, ``epochs`` trained, whether it ``stopped_early``, ``test`` as
    ``(correct, total)`` (None without a test set) and the last ``validation_accuracy``."""

    sizes: tuple[int, ...]
    network_options: dict
    config: TrainingConfig
    dataset: str
    epochs: int
    stopped_early: bool
    test: tuple[int, int] | None
    validation_accuracy: float | None = None


def usable_cores() -> int:
    """The CPU cores this process may run on: how many processes draw pen digits in the CLI."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def training_set(
    splits: MnistSplits,
    options: HandwritingOptions,
    seed: int | None,
    on_progress: RenderProgress | None = None,
    should_stop: Callable[[], bool] | None = None,
    processes: int = 1,
) -> tuple[Dataset, str]:
    """``splits.training`` with the drawn pen digits appended when ``options.pen_digits`` is set,
    and its name, e.g. "committed sample + 22482 drawn pen digits (pendigits-orig.tra.gz)".

    Images are (n, 784) float32 in [0, 1], the pen digits after MNIST's. ``seed`` repeats the
    drawing bit for bit (None: a different one each call). Drawing takes about 1.2 ms per image
    in each of ``processes`` processes (see :func:`nn.handwriting.strokes.render_dataset`);
    ``on_progress``
    follows it, and ``should_stop()``, asked before each image (or block of images), stops it by
    raising :class:`nn.handwriting.strokes.RenderCancelledError`. A bad file raises
    :class:`nn.data.idx.DataError`.
    """
    path = options.pen_digits_path()
    if path is None:
        return splits.training, splits.source
    from nn.data.pendigits import load_pendigits
    from nn.handwriting.strokes import render_dataset

    pen = render_dataset(
        load_pendigits(path),
        options.pen_widths,
        seed,
        styles=options.styles,
        copies=options.pen_copies,
        reshape=options.pen_reshape,
        on_progress=on_progress,
        should_stop=should_stop,
        processes=processes,
    )
    images = np.concatenate([splits.training.images, pen.images])
    labels = np.concatenate([splits.training.labels, pen.labels])
    name = f"{splits.source} + {len(pen)} drawn pen digits ({path.name})"
    return Dataset(images, labels), name
