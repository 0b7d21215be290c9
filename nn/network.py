"""The feed-forward network of the seeds (Nielsen's ``network.py``), vectorised over a batch.

Parameters keep the seeds' shapes: layer ``l`` has weights ``(n_l, n_{l-1})`` and a bias column
``(n_l, 1)``. The maths keeps the seeds' column form too, but for a whole mini-batch at once: ``m``
inputs are the columns of a ``(784, m)`` array, so one layer is one matrix product,
``Z = W A_prev + b``. Datasets store one image per row, ``(n, 784)``; ``predict`` takes and
returns rows, which is what callers hold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nn.activations import DERIVATIVE, FORWARD_INPLACE, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from nn.costs import COSTS, cost_and_delta_for

INPUT_SIZE = 784
OUTPUT_SIZE = 10
INITS = ("normal", "scaled")


def check_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    """Return ``sizes`` as a tuple, or raise ValueError saying what is wrong with it."""
    sizes = tuple(int(n) for n in sizes)
    if len(sizes) < 2:
        raise ValueError(f"need at least an input and an output layer, got sizes {sizes}")
    if sizes[0] != INPUT_SIZE:
        raise ValueError(f"the first layer must have {INPUT_SIZE} neurons (28×28), not {sizes[0]}")
    if sizes[-1] != OUTPUT_SIZE:
        raise ValueError(
            f"the last layer must have {OUTPUT_SIZE} neurons (digits), not {sizes[-1]}"
        )
    if any(n < 1 for n in sizes):
        raise ValueError(f"every layer needs at least one neuron, got sizes {sizes}")
    return sizes


def _check_choice(kind: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{kind} must be one of {', '.join(choices)}; got {value!r}")
    return value


def one_hot(labels: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Integer labels ``(m,)`` → one-hot rows ``(m, 10)``; a row's transpose is the seeds'
    "vectorized result"."""
    y = np.zeros((len(labels), OUTPUT_SIZE), dtype=dtype)
    y[np.arange(len(labels)), labels] = 1
    return y


class Network:
    """A fully connected network: ``sizes`` neurons per layer, e.g. ``[784, 30, 10]``.

    The defaults are the seeds': sigmoid everywhere, quadratic cost, every weight and bias drawn
    from N(0, 1). ``init="scaled"`` draws weights from N(0, 1/n_in) instead. ``seed`` makes the
    initial parameters reproducible.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        hidden_activation: str = "sigmoid",
        output_activation: str = "sigmoid",
        cost: str = "quadratic",
        init: str = "normal",
        seed: int | None = None,
        dtype=np.float32,
    ) -> None:
        self.sizes = check_sizes(sizes)
        self._hidden_activation = _check_choice(
            "hidden activation", hidden_activation, HIDDEN_ACTIVATIONS
        )
        self._output_activation = _check_choice(
            "output activation", output_activation, OUTPUT_ACTIVATIONS
        )
        self._cost = _check_choice("cost", cost, COSTS)
        _check_choice("init", init, INITS)
        # Resolved once: the training loop calls these thousands of times per epoch.
        self._hidden_forward = FORWARD_INPLACE[hidden_activation]
        self._output_forward = FORWARD_INPLACE[output_activation]
        self._hidden_derivative = DERIVATIVE[hidden_activation]
        self._cost_and_delta = cost_and_delta_for(cost, output_activation)
        rng = np.random.default_rng(seed)
        self.biases = [rng.standard_normal((n, 1)).astype(dtype) for n in self.sizes[1:]]
        self.weights = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            w = rng.standard_normal((n_out, n_in))
            if init == "scaled":
                w /= np.sqrt(n_in)
            self.weights.append(w.astype(dtype))

    def __repr__(self) -> str:
        return (
            f"Network({list(self.sizes)}, hidden_activation={self.hidden_activation!r}, "
            f"output_activation={self.output_activation!r}, cost={self.cost!r})"
        )

    @property
    def hidden_activation(self) -> str:
        return self._hidden_activation

    @property
    def output_activation(self) -> str:
        return self._output_activation

    @property
    def cost(self) -> str:
        return self._cost

    @property
    def dtype(self) -> np.dtype:
        return self.weights[0].dtype

    def forward(self, a: np.ndarray) -> list[np.ndarray]:
        """Activations of every layer for the columns of ``a`` ``(784, m)``: ``[A_0 … A_L]``,
        A_l ``(n_l, m)``."""
        activations = [a]
        last = len(self.weights) - 1
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):  # noqa: E741 - layer index
            z = w @ a
            z += b
            a = self._output_forward(z) if l == last else self._hidden_forward(z)
            activations.append(a)
        return activations

    def feedforward(self, a: np.ndarray) -> np.ndarray:
        """The seeds' form: inputs ``(784, k)``, e.g. one ``(784, 1)`` image → outputs ``(10, k)``.

        A saturated sigmoid overflows exp() to exactly 0, which is right; the warning is silenced.
        """
        with np.errstate(over="ignore"):
            return self.forward(np.asarray(a, dtype=self.dtype))[-1]

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Output activations ``(m, 10)`` of images ``(m, 784)``; one ``(784,)`` gives ``(10,)``."""
        images = np.asarray(images, dtype=self.dtype)
        if images.ndim == 1:
            return self.feedforward(images[:, None])[:, 0]
        return self.feedforward(images.T).T

    def evaluate(self, images: np.ndarray, labels: np.ndarray, batch_size: int = 10_000) -> int:
        """How many of ``images`` ``(n, 784)`` have their largest output at the right digit."""
        correct = 0
        for start in range(0, len(labels), batch_size):
            outputs = self.predict(images[start : start + batch_size])
            correct += int(np.sum(outputs.argmax(axis=1) == labels[start : start + batch_size]))
        return correct

    def cost_value(self, images: np.ndarray, labels: np.ndarray) -> float:
        """The mean cost per sample of ``images`` ``(m, 784)`` with integer ``labels`` ``(m,)``."""
        a = self.feedforward(np.asarray(images, dtype=self.dtype).T)
        total, _ = self._cost_and_delta(a, one_hot(labels, a.dtype).T)
        return total / len(labels)

    def backprop(
        self, x: np.ndarray, y: np.ndarray, scale: float = 1.0
    ) -> tuple[list[np.ndarray], list[np.ndarray], float]:
        """Gradients of the batch's *summed* cost times ``scale``, and that summed cost.

        ``x`` holds ``m`` inputs as columns ``(784, m)`` and ``y`` their one-hot targets
        ``(10, m)``. Returns ``(nabla_b, nabla_w, cost)`` with the shapes of ``biases`` and
        ``weights``: ∂C/∂b_l = Σ_samples δ_l, ∂C/∂W_l = δ_l A_{l−1}ᵀ. Training passes
        ``scale = −η/m`` so the gradients come out as the SGD step itself (δ is linear in it).
        """
        activations = self.forward(x)
        # Σ over the batch as a product with a column of ones: on a mini-batch of 10, half the
        # fixed cost of np.sum, which shows when an epoch is 5,000 mini-batches.
        ones = np.ones((x.shape[1], 1), dtype=self.dtype)
        cost, delta = self._cost_and_delta(activations[-1], y)
        if scale != 1.0:
            delta *= scale
        layers = len(self.weights)
        nabla_b: list[np.ndarray] = [None] * layers  # type: ignore[list-item]
        nabla_w: list[np.ndarray] = [None] * layers  # type: ignore[list-item]
        for l in range(layers - 1, -1, -1):  # noqa: E741 - l is the layer index, as in the seeds
            nabla_b[l] = delta @ ones
            nabla_w[l] = delta @ activations[l].T
            if l > 0:  # the input layer needs no δ
                delta = self.weights[l].T @ delta
                delta *= self._hidden_derivative(activations[l])
        return nabla_b, nabla_w, cost

    def parameters(self) -> list[np.ndarray]:
        """Weights then biases, in layer order: the arrays that training changes in place."""
        return [*self.weights, *self.biases]
