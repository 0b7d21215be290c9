"""Cost functions: the batch's summed cost and the output-layer error δ_L, computed together.

``a`` are output activations and ``y`` one-hot targets, both ``(10, m)``, one column per sample.
Quadratic: C = ½‖y − a‖². Cross-entropy: −Σ y ln a with softmax outputs (log-likelihood),
−Σ [y ln a + (1 − y) ln(1 − a)] with sigmoid outputs (Nielsen's network2).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nn.activations import sigmoid_derivative, softmax_backward

COSTS = ("quadratic", "cross-entropy")
_EPS = 1e-12  # keeps log() finite where an output saturates at exactly 0 or 1

CostAndDelta = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]
"""``(a, y) -> (summed cost, δ_L)``, where δ_L = ∂C/∂z_L has the shape of ``a``."""


def _half_squared_norm(diff: np.ndarray) -> float:
    return 0.5 * float(np.vdot(diff, diff))


def _quadratic_sigmoid(a: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    diff = a - y
    cost = _half_squared_norm(diff)
    diff *= sigmoid_derivative(a)
    return cost, diff


def _quadratic_softmax(a: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    diff = a - y
    return _half_squared_norm(diff), softmax_backward(a, diff)


def _cross_entropy_sigmoid(a: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    cost = -float(np.sum(y * np.log(a + _EPS) + (1 - y) * np.log(1 - a + _EPS)))
    return cost, a - y


def _cross_entropy_softmax(a: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    cost = -float(np.sum(np.log((a * y).sum(axis=0) + _EPS)))
    return cost, a - y


def cost_and_delta_for(cost: str, output_activation: str) -> CostAndDelta:
    """The function computing the summed cost and δ_L for this cost and output activation.

    Cross-entropy paired with sigmoid or softmax simplifies to δ = a − y, which stays exact where
    an output saturates; quadratic cost goes through the activation's derivative.
    """
    table = {
        ("quadratic", "sigmoid"): _quadratic_sigmoid,
        ("quadratic", "softmax"): _quadratic_softmax,
        ("cross-entropy", "sigmoid"): _cross_entropy_sigmoid,
        ("cross-entropy", "softmax"): _cross_entropy_softmax,
    }
    try:
        return table[(cost, output_activation)]
    except KeyError:
        raise ValueError(f"no cost {cost!r} for output activation {output_activation!r}") from None
