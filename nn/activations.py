"""Activation functions, each with the piece backpropagation needs.

Arrays are in column form, as in Nielsen's network.py: a batch of ``m`` samples is an ``(n, m)``
array, one column per sample.
The ``*_inplace`` forms overwrite their argument: the training loop calls them on fresh
pre-activations ``z`` to save a temporary array per layer.
"""

from __future__ import annotations

import numpy as np


def sigmoid_inplace(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^(-z)), elementwise, written over ``z``.

    For z below about −88, e^(−z) overflows float32 to inf and the result is exactly 0, which is
    right: callers silence NumPy's overflow warning (``np.errstate(over="ignore")``).
    """
    # Positional ``out`` arguments: keyword parsing costs as much as the maths on a small batch.
    np.negative(z, z)
    np.exp(z, z)
    z += 1
    np.reciprocal(z, z)
    return z


def relu_inplace(z: np.ndarray) -> np.ndarray:
    """max(0, z), elementwise, written over ``z``."""
    return np.maximum(z, 0, out=z)


def softmax_inplace(z: np.ndarray) -> np.ndarray:
    """Softmax over each column of ``z`` ``(n, m)``, written over ``z``; each column sums to 1."""
    z -= z.max(axis=0, keepdims=True)
    np.exp(z, z)
    z /= z.sum(axis=0, keepdims=True)
    return z


def sigmoid_derivative(a: np.ndarray) -> np.ndarray:
    """σ'(z) = σ(z)(1 − σ(z)), from the sigmoid's output ``a``."""
    return a - a * a


def relu_derivative(a: np.ndarray) -> np.ndarray:
    """1 where the unit is active, 0 elsewhere, from the ReLU's output ``a``."""
    return (a > 0).astype(a.dtype)


def softmax_backward(a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
    """∂C/∂z from ∂C/∂a for softmax outputs ``a``; ``grad_a`` is overwritten.

    The Jacobian couples one sample's outputs: ∂C/∂z = a ⊙ (g − Σ_j a_j g_j).
    """
    grad_a -= (a * grad_a).sum(axis=0, keepdims=True)
    grad_a *= a
    return grad_a


FORWARD_INPLACE = {"sigmoid": sigmoid_inplace, "relu": relu_inplace, "softmax": softmax_inplace}
DERIVATIVE = {"sigmoid": sigmoid_derivative, "relu": relu_derivative}
HIDDEN_ACTIVATIONS = ("sigmoid", "relu")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax")
