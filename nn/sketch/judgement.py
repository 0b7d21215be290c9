"""When to say "not sure": a rule on the network's ten output activations.

The activations are first made shares of their sum (softmax outputs already are; sigmoid outputs
are not), so one rule fits both kinds of network. The answer counts as sure when the top share is
at least ``MIN_TOP`` and leads the runner-up by at least ``MIN_LEAD``.

The thresholds were chosen without the pen-digit test file, on models trained like the default
one but on the training file's writers 1-25 only, reading writers 26-30: they flag many wrong
answers and few right ones. What they flag there and on the test writers is in
docs/default-model.md; ``bench/drawn_digits.py`` prints it for the test writers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_TOP = 0.8
"""The top output's share of all ten below which the answer is not sure."""

MIN_LEAD = 0.7
"""How far (in shares) the top output must lead the runner-up for a sure answer."""


@dataclass(frozen=True)
class Judgement:
    """The network's answer: ``digit`` (the top output), ``runner_up`` (the second), whether the
    answer is ``sure``, and the two shares ``top_share`` and ``runner_up_share`` in [0, 1]."""

    digit: int
    runner_up: int
    sure: bool
    top_share: float
    runner_up_share: float

    def text(self) -> str:
        """``"7"`` when sure, ``"not sure: 4 or 9?"`` otherwise."""
        return str(self.digit) if self.sure else f"not sure: {self.choice()}"

    def choice(self) -> str:
        """The two likeliest digits as a question, ``"4 or 9?"``."""
        return f"{self.digit} or {self.runner_up}?"


def number_marks(judgements: Sequence[Judgement | None]) -> list[str]:
    """How each digit of a number is written in its text, left to right: the digit when sure,
    ``"?"`` when not, ``"·"`` for a digit without an answer (ink too faint to read)."""
    return ["·" if j is None else str(j.digit) if j.sure else "?" for j in judgements]


def doubts(judgements: Sequence[Judgement | None]) -> list[tuple[int, Judgement]]:
    """The digits of a number the network is not sure of: ``(place, judgement)``, place 1 for
    the leftmost digit."""
    return [(n, j) for n, j in enumerate(judgements, start=1) if j is not None and not j.sure]


def shares(activations: np.ndarray) -> np.ndarray:
    """The (10,) activations as shares of their sum, float64; negative or non-finite values
    count as 0, and all-zero activations give all zeros."""
    a = np.asarray(activations, dtype=np.float64).reshape(-1)
    if a.shape != (10,):
        raise ValueError(f"expected 10 output activations, got shape {np.shape(activations)}")
    a = np.where(np.isfinite(a) & (a > 0), a, 0.0)
    total = a.sum()
    return a / total if total > 0 else a


def judge(
    activations: np.ndarray, min_top: float = MIN_TOP, min_lead: float = MIN_LEAD
) -> Judgement:
    """The answer for (10,) output activations, and whether it is sure (see the module text).

    Ties go to the lower digit, as ``np.argmax`` does. Activations that are all zero, negative
    or not finite give a not-sure answer.
    """
    p = shares(activations)
    order = np.argsort(-p, kind="stable")
    top, second = int(order[0]), int(order[1])
    sure = bool(p[top] >= min_top and p[top] - p[second] >= min_lead)
    return Judgement(top, second, sure, float(p[top]), float(p[second]))


def judge_many(
    activations: np.ndarray, min_top: float = MIN_TOP, min_lead: float = MIN_LEAD
) -> np.ndarray:
    """Which rows of ``activations`` (n, 10) :func:`judge` calls sure: (n,) bool, vectorised."""
    a = np.asarray(activations, dtype=np.float64)
    a = np.where(np.isfinite(a) & (a > 0), a, 0.0)
    total = a.sum(axis=1, keepdims=True)
    p = np.divide(a, total, out=np.zeros_like(a), where=total > 0)
    ranked = np.sort(p, axis=1)
    return (ranked[:, -1] >= min_top) & (ranked[:, -1] - ranked[:, -2] >= min_lead)
