"""The feed-forward network of Nielsen's ``network.py``, vectorised over a batch.

Parameters keep Nielsen's shapes: layer ``l`` has weights ``(n_l, n_{l-1})`` and a bias column
``(n_l, 1)``. The maths keeps Nielsen's column form too, but for a whole mini-batch at once: ``m``
inputs are the columns of a ``(784, m)`` array, so one layer is one matrix product,
``Z = W A_prev + b``. Datasets store one image per row, ``(n, 784)``; ``predict`` takes and
returns rows, which is what callers hold.

Each layer's weights and bias live side by side in one array ``(n_l, n_{l-1} + 1)``, the bias as
its last column (``weights`` and ``biases`` are views into it). Training appends a row of ones to
every layer's input, so ``[W b] [A; 1]`` is the whole layer in one matrix product, and one product
``δ [A; 1]ᵀ`` gives both gradients: on Nielsen's mini-batches of 10, the fixed cost per NumPy call,
not arithmetic, sets the pace, and this saves a third of the calls of a training step.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from nn.activations import DERIVATIVE, FORWARD_INPLACE, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from nn.costs import COSTS, cost_and_delta_for
from nn.digits import IMAGE_PIXELS

INPUT_SIZE = IMAGE_PIXELS  # one input neuron per pixel
OUTPUT_SIZE = 10
INITS = ("normal", "scaled")


MAX_HIDDEN_LAYERS = 10
MAX_LAYER_UNITS = 5000
"""The most neurons a hidden layer may have: beyond it training would need gigabytes."""
MAX_PARAMETERS = 30_000_000
"""The most weights and biases a network may have (120 MB in float32, 30 times the default
model): what the Train tab, the CLI and a weight file may ask for."""


def check_sizes(sizes: Iterable[int]) -> tuple[int, ...]:
    """Return ``sizes`` as a tuple, or raise ValueError saying (briefly) what is wrong with it.

    Limits are checked before anything is built: 784 inputs, 10 outputs, at most
    :data:`MAX_HIDDEN_LAYERS` hidden layers of 1 to :data:`MAX_LAYER_UNITS` neurons, at most
    :data:`MAX_PARAMETERS` parameters in all.
    """
    taken = tuple(itertools.islice(sizes, MAX_HIDDEN_LAYERS + 3))
    if len(taken) > MAX_HIDDEN_LAYERS + 2:
        raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers")
    sizes = tuple(int(n) for n in taken)
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
    if max(sizes[1:-1], default=0) > MAX_LAYER_UNITS:
        raise ValueError(f"at most {MAX_LAYER_UNITS} neurons per hidden layer, got sizes {sizes}")
    parameters = sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(sizes))
    if parameters > MAX_PARAMETERS:
        raise ValueError(
            f"sizes {sizes} need {parameters:,} weights and biases; at most {MAX_PARAMETERS:,}"
        )
    return sizes


def _check_choice(kind: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{kind} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _in_blocks(
    a: np.ndarray,
    b: np.ndarray,
    out: np.ndarray,
    work: int,
    should_stop: Callable[[], bool],
    add: bool = False,
    then: Callable[[slice], None] | None = None,
) -> bool:
    """``out = a @ b`` (or ``out += a @ b`` with ``add``), a block of rows of at most ``work``
    multiply-adds at a time, asking ``should_stop()`` before each block; False, with ``out``
    unfinished, once it said True. ``then(rows)``, if given, finishes each block of ``out``
    (e.g. an activation function), so that no step takes long."""
    rows = max(1, work // max(1, a.shape[1] * b.shape[1]))
    block = np.empty((min(rows, a.shape[0]), b.shape[1]), out.dtype) if add else None
    for first in range(0, a.shape[0], rows):
        if should_stop():
            return False
        these = slice(first, first + rows)
        if block is None:
            np.matmul(a[these], b, out[these])
        else:
            product = block[: min(rows, a.shape[0] - first)]
            np.matmul(a[these], b, product)
            out[these] += product
        if then is not None:
            then(these)
    return True


def one_hot(labels: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Integer labels ``(m,)`` → one-hot rows ``(m, 10)``; a row's transpose is Nielsen's
    "vectorized result"."""
    y = np.zeros((len(labels), OUTPUT_SIZE), dtype=dtype)
    y[np.arange(len(labels)), labels] = 1
    return y


class Network:
    """A fully connected network: ``sizes`` neurons per layer, e.g. ``[784, 30, 10]``.

    The defaults are Nielsen's: sigmoid everywhere, quadratic cost, every weight and bias drawn
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
        self._choose_functions(hidden_activation, output_activation, cost)
        _check_choice("init", init, INITS)
        rng = np.random.default_rng(seed)
        biases = [
            rng.standard_normal((n, 1)) for n in self.sizes[1:]
        ]  # drawn first, as Nielsen's network.py does
        self.layers: list[np.ndarray] = []
        """Per layer ``[W b]`` ``(n_l, n_{l-1} + 1)``: the weights, then the bias column."""
        for n_in, n_out, b in zip(self.sizes[:-1], self.sizes[1:], biases):
            w = rng.standard_normal((n_out, n_in))
            if init == "scaled":
                w /= np.sqrt(n_in)
            self.layers.append(np.concatenate([w, b], axis=1).astype(dtype))
        self._buffers: dict[int, list[np.ndarray]] = {}

    @classmethod
    def from_parameters(
        cls,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        *,
        hidden_activation: str = "sigmoid",
        output_activation: str = "sigmoid",
        cost: str = "quadratic",
    ) -> Network:
        """A network holding these parameters, without drawing random ones first.

        ``weights[l]`` ``(n_l, n_{l-1})`` and ``biases[l]`` ``(n_l, 1)`` must chain from 784
        inputs to 10 outputs and share one float dtype (a weight file is checked for that before
        it gets here); they are copied.
        """
        network = cls.__new__(cls)
        network.sizes = check_sizes([weights[0].shape[1], *(w.shape[0] for w in weights)])
        network._choose_functions(hidden_activation, output_activation, cost)
        network.layers = [
            np.concatenate([w, b], axis=1) for w, b in zip(weights, biases, strict=True)
        ]
        network._buffers = {}
        return network

    def _choose_functions(self, hidden_activation: str, output_activation: str, cost: str) -> None:
        self._hidden_activation = _check_choice(
            "hidden activation", hidden_activation, HIDDEN_ACTIVATIONS
        )
        self._output_activation = _check_choice(
            "output activation", output_activation, OUTPUT_ACTIVATIONS
        )
        self._cost = _check_choice("cost", cost, COSTS)
        # Resolved once: the training loop calls these thousands of times per epoch.
        self._hidden_forward = FORWARD_INPLACE[hidden_activation]
        self._output_forward = FORWARD_INPLACE[output_activation]
        self._hidden_derivative = DERIVATIVE[hidden_activation]
        self._cost_and_delta = cost_and_delta_for(cost, output_activation)

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
        return self.layers[0].dtype

    @property
    def weights(self) -> list[np.ndarray]:
        """Per layer ``W`` ``(n_l, n_{l-1})``: views, so writing into them changes the network."""
        return [layer[:, :-1] for layer in self.layers]

    @weights.setter
    def weights(self, weights: Sequence[np.ndarray]) -> None:
        for layer, w in zip(self.layers, weights, strict=True):
            layer[:, :-1] = w

    @property
    def biases(self) -> list[np.ndarray]:
        """Per layer ``b`` ``(n_l, 1)``: views, so writing into them changes the network."""
        return [layer[:, -1:] for layer in self.layers]

    @biases.setter
    def biases(self, biases: Sequence[np.ndarray]) -> None:
        for layer, b in zip(self.layers, biases, strict=True):
            layer[:, -1:] = b

    def forward(self, a: np.ndarray) -> list[np.ndarray]:
        """Activations of every layer for the columns of ``a`` ``(784, m)``: ``[A_0 … A_L]``,
        A_l ``(n_l, m)``."""
        activations = [a]
        last = len(self.weights) - 1
        for l, layer in enumerate(self.layers):  # noqa: E741 - layer index
            z = layer[:, :-1] @ a
            z += layer[:, -1:]
            a = self._output_forward(z) if l == last else self._hidden_forward(z)
            activations.append(a)
        return activations

    def feedforward(self, a: np.ndarray) -> np.ndarray:
        """Nielsen's form: inputs ``(784, k)``, e.g. one ``(784, 1)`` image → outputs ``(10, k)``.

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
        ``weights``: ∂C/∂b_l = Σ_samples δ_l, ∂C/∂W_l = δ_l A_{l−1}ᵀ.
        """
        with_ones = np.ones((x.shape[0] + 1, x.shape[1]), dtype=self.dtype)
        with_ones[:-1] = x
        steps, cost = self.layer_gradients(with_ones, y, scale)
        return [s[:, -1:] for s in steps], [s[:, :-1] for s in steps], cost

    def layer_gradients(
        self,
        x_with_ones: np.ndarray,
        y: np.ndarray,
        scale: float = 1.0,
    ) -> tuple[list[np.ndarray], float]:
        """:meth:`backprop` for inputs that already end in a row of ones, in the layout of
        ``layers``: the gradients ``(n_l, n_{l-1} + 1)`` times ``scale``, and the summed cost.

        ``x_with_ones`` is ``(785, m)``, its last row all ones; ``y`` is ``(10, m)``. Training
        passes ``scale = −η/m`` so the gradients come out as the SGD step itself (δ is linear in
        it), and stores its images with the ones column once, so a step copies nothing extra.
        """
        layers = self.layers
        last = len(layers) - 1
        hidden = self._hidden_layer_buffers(x_with_ones.shape[1])
        activations = [x_with_ones]
        a = x_with_ones
        for l in range(last):  # noqa: E741 - l is the layer index, as in Nielsen's network.py
            with_ones = hidden[l]
            z = with_ones[:-1]  # the first rows; the last row stays all ones
            np.matmul(layers[l], a, z)
            self._hidden_forward(z)
            activations.append(with_ones)
            a = with_ones
        output = self._output_forward(layers[last] @ a)
        cost, delta = self._cost_and_delta(output, y)
        if scale != 1.0:
            delta *= scale
        steps: list[np.ndarray] = [None] * len(layers)  # type: ignore[list-item]
        for l in range(last, -1, -1):  # noqa: E741
            steps[l] = delta @ activations[l].T
            if l > 0:  # the input layer needs no δ
                delta = layers[l][:, :-1].T @ delta
                delta *= self._hidden_derivative(activations[l][:-1])
        return steps, cost

    def add_layer_gradients_in_blocks(
        self,
        sums: list[np.ndarray],
        x_with_ones: np.ndarray,
        y: np.ndarray,
        scale: float,
        should_stop: Callable[[], bool],
        block_work: int,
    ) -> float | None:
        """:meth:`layer_gradients` for part of a batch too large to compute without a pause: the
        gradients times ``scale`` are added into ``sums`` (arrays shaped as ``layers``) and the
        summed cost returned. The maths is the same, but each matrix product is computed a
        block of rows at a time, a block being at most ``block_work`` multiply-adds (one row at
        least), and ``should_stop()`` is asked before each block; once it says True the work is
        dropped (``sums`` then hold part of it) and None returned. The sums equal
        :meth:`layer_gradients`'s up to rounding (the same sums of products, in another order).
        """
        layers = self.layers
        last = len(layers) - 1
        m = x_with_ones.shape[1]
        hidden = self._hidden_layer_buffers(m)
        forward, derivative = self._hidden_forward, self._hidden_derivative
        activations = [x_with_ones]
        a = x_with_ones
        for l in range(last):  # noqa: E741 - l is the layer index, as in Nielsen's network.py
            with_ones = hidden[l]
            z = with_ones[:-1]  # the first rows; the last row stays all ones

            def activate(rows: slice, z: np.ndarray = z) -> None:
                forward(z[rows])

            if not _in_blocks(layers[l], a, z, block_work, should_stop, then=activate):
                return None
            activations.append(with_ones)
            a = with_ones
        output = np.empty((layers[last].shape[0], m), self.dtype)
        if not _in_blocks(layers[last], a, output, block_work, should_stop):
            return None
        cost, delta = self._cost_and_delta(self._output_forward(output), y)
        if scale != 1.0:
            delta *= scale
        for l in range(last, -1, -1):  # noqa: E741
            if not _in_blocks(delta, activations[l].T, sums[l], block_work, should_stop, True):
                return None
            if l > 0:  # the input layer needs no δ
                below = np.empty((layers[l].shape[1] - 1, m), self.dtype)

                def times_derivative(
                    rows: slice, below: np.ndarray = below, a: np.ndarray = activations[l][:-1]
                ) -> None:
                    below[rows] *= derivative(a[rows])

                weights_t = layers[l][:, :-1].T
                if not _in_blocks(
                    weights_t, delta, below, block_work, should_stop, then=times_derivative
                ):
                    return None
                delta = below
        return cost

    def _hidden_layer_buffers(self, m: int) -> list[np.ndarray]:
        """Per hidden layer, an ``(n_l + 1, m)`` array whose last row is ones, kept for the next
        mini-batch of the same size (its other rows are overwritten every step)."""
        buffers = self._buffers.get(m)
        if buffers is None:
            # An epoch needs two sizes, the batch size and the last batch's; three when training
            # splits large mini-batches into pieces (the piece, the rest of a mini-batch and the
            # rest of the last one).
            if len(self._buffers) > 2:
                self._buffers.clear()
            buffers = [np.ones((n + 1, m), dtype=self.dtype) for n in self.sizes[1:-1]]
            self._buffers[m] = buffers
        return buffers

    def parameters(self) -> list[np.ndarray]:
        """Weights then biases, in layer order: views of the arrays that training changes in
        place."""
        return [*self.weights, *self.biases]
