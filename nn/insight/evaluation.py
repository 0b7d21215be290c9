"""How a network does on a labelled set of digits: its answers, the confusion matrix, its mistakes
and the map of the set (:mod:`nn.insight.projection`), from one forward pass.

The images go through the network :data:`PIECE` at a time, as :meth:`Network.evaluate` converts
them, so the count of right answers here is the count ``python -m nn evaluate`` prints. Between
pieces the caller hears how far it got and may stop the work (the Evaluate tab runs it in a
worker thread).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from nn.insight.projection import (
    Projection,
    check_images,
    fit_projection,
    outputs_and_last_hidden,
)
from nn.network import OUTPUT_SIZE, Network

PIECE = 1000
"""Images per forward pass: large enough for fast matrix products (the default model reads
10,000 test images as fast in pieces of 1,000 as all at once), small enough that a stop request
is heard within about 15 ms."""

MISTAKE_ORDERS = ("confidence", "index", "true digit")
"""The orders :meth:`Evaluation.mistakes` knows."""

Progress = Callable[[int, int], None]
"""``progress(done, total)``: images read so far, of all of them."""
ShouldStop = Callable[[], bool]


class EvaluationStopped(Exception):  # noqa: N818 - names the event, like StopIteration
    """``should_stop()`` said True: the evaluation was abandoned, nothing is returned."""


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A network's answers on ``n`` labelled images.

    ``labels`` ``(n,)`` int64 are the true digits, ``outputs`` ``(n, 10)`` float32 the output
    activations, ``confusion`` ``(10, 10)`` int64 counts images by true digit (row) and answer
    (column), ``projection`` ``(n, 2)`` float64 is each image's place on ``map``.
    ``answers`` ``(n,)`` int64 is the digit of the largest output (the first on a tie, as
    ``np.argmax``); :func:`evaluate_network` gives it from the network's own outputs, and it is
    taken from ``outputs`` when not given.
    """

    labels: np.ndarray
    outputs: np.ndarray
    confusion: np.ndarray
    projection: np.ndarray
    map: Projection
    answers: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n = len(self.labels)
        if self.outputs.shape != (n, OUTPUT_SIZE) or self.projection.shape != (n, 2):
            raise ValueError(
                f"{n} labels need outputs ({n}, 10) and projection ({n}, 2); got "
                f"{self.outputs.shape} and {self.projection.shape}"
            )
        if self.confusion.shape != (OUTPUT_SIZE, OUTPUT_SIZE):
            raise ValueError(f"the confusion matrix must be (10, 10), got {self.confusion.shape}")
        if self.answers is None:
            object.__setattr__(self, "answers", self.outputs.argmax(axis=1).astype(np.int64))
        elif self.answers.shape != (n,):
            raise ValueError(f"{n} labels need answers ({n},), got {self.answers.shape}")

    @property
    def total(self) -> int:
        """How many images were read."""
        return len(self.labels)

    @property
    def correct(self) -> int:
        """How many got the right answer: the confusion matrix's trace."""
        return int(np.trace(self.confusion))

    @property
    def accuracy(self) -> float:
        """The fraction of right answers, in [0, 1]."""
        return self.correct / self.total if self.total else float("nan")

    @cached_property
    def confidence(self) -> np.ndarray:
        """``(n,)`` float32: each image's output at its answer (the largest output)."""
        return self.outputs[np.arange(self.total), self.answers]

    @cached_property
    def per_digit_accuracy(self) -> np.ndarray:
        """``(10,)`` float64: for each true digit, the fraction of its images answered right;
        nan for a digit without images."""
        counts = self.confusion.sum(axis=1)
        right = np.diagonal(self.confusion).astype(np.float64)
        return np.divide(right, counts, out=np.full(OUTPUT_SIZE, np.nan), where=counts > 0)

    def cell(self, true_digit: int, answer: int) -> np.ndarray:
        """Indices ``(k,)`` int64, ascending, of the images of ``true_digit`` answered
        ``answer``: the ``confusion[true_digit, answer]`` images."""
        for name, digit in (("true digit", true_digit), ("answer", answer)):
            if not 0 <= digit < OUTPUT_SIZE:
                raise ValueError(f"{name} must be a digit 0-9, got {digit}")
        return np.flatnonzero((self.labels == true_digit) & (self.answers == answer))

    def mistakes(self, order: str = "confidence") -> np.ndarray:
        """Indices ``(k,)`` int64 of the images answered wrong, in ``order``:

        - ``"confidence"``: the most confident mistakes first (the largest output at the wrong
          answer), ties by index;
        - ``"index"``: as the images come;
        - ``"true digit"``: the 0s first, then the 1s, …; the most confident first within each.
        """
        wrong = np.flatnonzero(self.answers != self.labels)
        if order == "index":
            return wrong
        if order == "confidence":
            return wrong[np.argsort(-self.confidence[wrong], kind="stable")]
        if order == "true digit":
            return wrong[np.lexsort((-self.confidence[wrong], self.labels[wrong]))]
        raise ValueError(f"order must be one of {', '.join(MISTAKE_ORDERS)}; got {order!r}")


def confusion_matrix(labels: np.ndarray, answers: np.ndarray) -> np.ndarray:
    """``(10, 10)`` int64: how many images of each true digit (row) got each answer (column)."""
    cells = np.bincount(
        np.asarray(labels, np.int64) * OUTPUT_SIZE + answers, minlength=OUTPUT_SIZE * OUTPUT_SIZE
    )
    return cells.reshape(OUTPUT_SIZE, OUTPUT_SIZE).astype(np.int64)


def check_labels(labels: np.ndarray, n: int) -> np.ndarray:
    """``labels`` as int64, or ValueError unless they are ``(n,)`` whole numbers 0-9."""
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise ValueError(f"{n} images need labels ({n},), got shape {labels.shape}")
    whole = np.issubdtype(labels.dtype, np.integer)
    if not whole or (n and not 0 <= labels.min() <= labels.max() <= 9):
        raise ValueError("labels must be whole numbers 0-9")
    return labels.astype(np.int64)


def read_in_pieces(
    network: Network,
    images: np.ndarray,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``images`` ``(n, 784)`` through ``network``, :data:`PIECE` at a time: outputs ``(n, 10)``
    float32, answers ``(n,)`` int64 (argmax of the network's own outputs) and the last hidden
    layer ``(n, h)`` float32. ``progress(done, n)`` after each piece; raises
    :class:`EvaluationStopped` once ``should_stop()`` says True (asked before each piece)."""
    n = len(images)
    outputs = np.empty((n, OUTPUT_SIZE), np.float32)
    answers = np.empty(n, np.int64)
    hidden = np.empty((n, network.sizes[-2]), np.float32)
    for start in range(0, n, PIECE):
        if should_stop is not None and should_stop():
            raise EvaluationStopped
        these = slice(start, min(start + PIECE, n))
        out, hid = outputs_and_last_hidden(network, images[these])
        answers[these] = out.argmax(axis=1)
        outputs[these] = out
        hidden[these] = hid
        if progress is not None:
            progress(these.stop, n)
    return outputs, answers, hidden


def evaluate_network(
    network: Network,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> Evaluation:
    """How ``network`` does on ``images`` ``(n, 784)`` in [0, 1] with ``labels`` ``(n,)`` 0-9
    (n ≥ 1), with the map fitted on these images' last hidden layer.

    ``progress(done, n)`` is called after each piece of :data:`PIECE` images; once
    ``should_stop()`` says True (asked before each piece and before the map is fitted),
    :class:`EvaluationStopped` is raised. Raises ValueError for images or labels of the wrong
    shape, labels that are not digits, or no images.
    """
    images = check_images(images)
    labels = check_labels(labels, len(images))
    if not len(images):
        raise ValueError("there are no images to evaluate")
    outputs, answers, hidden = read_in_pieces(network, images, progress, should_stop)
    if should_stop is not None and should_stop():
        raise EvaluationStopped
    projection = fit_projection(hidden)
    return Evaluation(
        labels=labels,
        outputs=outputs,
        confusion=confusion_matrix(labels, answers),
        projection=projection.place(hidden),
        map=projection,
        answers=answers,
    )
