"""Inside the network for one input: every layer's activations, what the answer looks at, the
strongest connections into the answer, and what a hidden unit responds to.

All of it is a forward pass and one backward pass of vector-matrix products, about the cost of
reading the weights twice: well under a millisecond or two for the default model
([784, 800, 400, 10]), so the Draw tab can show it on every change of the sketch.

Layers are numbered as in :meth:`nn.network.Network.forward`: layer 0 is the input (784 pixels),
layers 1 … L−1 are hidden and layer L is the output. A *unit* is one neuron of a hidden layer.

**What it looks at** is gradient × input of the winning output's *pre-activation* z (its
weighted sum plus bias, before the sigmoid or softmax), with respect to the 784 input pixels.
z and not the output activation, because:

* the output activation saturates: a sure answer's sigmoid or softmax output of 0.999 has a
  derivative of about 0.001, so its gradient would shrink to nothing exactly when the network is
  sure, and a softmax output's gradient also mixes in every other digit's;
* z is what the strongest connections below add up: z = Σ_j W_L[winner, j] a_{L−1, j} + b, so
  the map and the list of contributions explain the same number.

A pixel's value is signed: positive (red in the app) where the ink there raises the winner's z,
negative (blue) where it lowers it. Multiplied by the input, the map is zero wherever there is no
ink: it says how the ink that is there counts, not where ink is missing.

Integrated gradients (:func:`integrated_gradients`, from a black image) is the alternative
compared in docs/performance.md: its pixels add up to z(x) − z(black) (gradient × input's miss
the biases' share), but it takes 32 backward passes, four times all of :func:`look_inside`. On
drawn digits the two maps agree in sign on nearly all the strongest pixels (the comparison is
printed by ``bench/inside_latency.py``), and the app scales each map to its own strongest
pixels, so the live view uses gradient × input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nn.activations import DERIVATIVE
from nn.digits import IMAGE_PIXELS, IMAGE_SIDE
from nn.network import Network

STRONGEST = 5
"""How many of the strongest connections into the winning output :func:`look_inside` lists."""

ACTIVE_SIGMOID = 0.5
"""A sigmoid unit counts as active above this activation (a ReLU unit above 0)."""


@dataclass(frozen=True, eq=False)
class Inside:
    """What the network does with one input ``x`` (784,).

    ``activations``: every layer's activations ``[a_0 (784,), a_1 (n_1,), …, a_L (10,)]`` in the
    network's float dtype, a_0 being ``x``; ``winner``: the output whose z is explained (the
    largest output unless another was asked for); ``z``: its pre-activation; ``attribution``
    (784,): gradient × input of ``z`` (see the module text); ``contributions``
    (n_{L−1},): W_L[winner, j] × a_{L−1, j}, what each unit of the last hidden layer (the input,
    for a network without hidden layers) adds to ``z``; ``strongest``: the indices of the largest
    contributions by size, largest first (signed values in ``contributions``).
    """

    activations: list[np.ndarray]
    winner: int
    z: float
    attribution: np.ndarray
    contributions: np.ndarray
    strongest: np.ndarray

    @property
    def hidden(self) -> list[np.ndarray]:
        """The hidden layers' activations, ``[a_1, …, a_{L−1}]`` (empty without hidden layers)."""
        return self.activations[1:-1]

    @property
    def outputs(self) -> np.ndarray:
        """The (10,) output activations."""
        return self.activations[-1]


def look_inside(
    network: Network, x: np.ndarray, winner: int | None = None, strongest: int = STRONGEST
) -> Inside:
    """Activations, attribution and strongest contributions for one input ``x`` (784,) in [0, 1].

    ``winner`` is the output to explain, 0-9; by default the largest output (ties to the lower
    digit, as ``np.argmax``). ``strongest`` is how many contributions to rank.
    """
    x = _one_input(network, x)
    with np.errstate(over="ignore"):  # a saturated sigmoid is exactly 0 or 1, as in predict
        columns = network.forward(x[:, None])
    activations = [a[:, 0] for a in columns]
    outputs = activations[-1]
    winner = int(np.argmax(outputs)) if winner is None else _check_output(winner)
    weights, biases = network.weights, network.biases
    incoming = weights[-1][winner]  # (n_{L-1},): the winner's weights from the layer below
    contributions = incoming * activations[-2]
    z = float(contributions.sum(dtype=np.float64) + biases[-1][winner, 0])
    gradient = _input_gradient(network, activations, incoming)
    return Inside(
        activations=activations,
        winner=winner,
        z=z,
        attribution=gradient * x,
        contributions=contributions,
        strongest=_largest_by_size(contributions, strongest),
    )


def _input_gradient(
    network: Network, activations: list[np.ndarray], incoming: np.ndarray
) -> np.ndarray:
    """∂z_winner/∂x (784,), given ``incoming`` = ∂z_winner/∂a_{L−1} = W_L[winner]: back through
    each hidden layer's activation derivative (from its output, as training does) and weights."""
    derivative = DERIVATIVE[network.hidden_activation]
    weights = network.weights
    gradient = incoming
    for layer in range(len(weights) - 1, 0, -1):  # hidden layers L-1 … 1
        gradient = (gradient * derivative(activations[layer])) @ weights[layer - 1]
    return gradient


def _largest_by_size(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` values of largest magnitude, largest first (int64)."""
    k = max(0, min(int(k), values.size))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    size = np.abs(values)
    top = np.argpartition(size, values.size - k)[values.size - k :]
    return top[np.argsort(-size[top], kind="stable")].astype(np.int64)


def integrated_gradients(
    network: Network, x: np.ndarray, winner: int, steps: int = 32
) -> np.ndarray:
    """Integrated gradients of output ``winner``'s z from a black image to ``x`` (784,): the
    gradient averaged over ``steps`` images k/steps·x (midpoint rule), times ``x``. Its pixels add
    up to z(x) − z(black) up to the rule's error; it costs ``steps`` backward passes."""
    x = _one_input(network, x)
    winner = _check_output(winner)
    alphas = ((np.arange(steps) + 0.5) / steps).astype(network.dtype)
    images = x[:, None] * alphas[None, :]  # (784, steps)
    with np.errstate(over="ignore"):
        columns = network.forward(images)
    derivative = DERIVATIVE[network.hidden_activation]
    weights = network.weights
    gradient = np.repeat(weights[-1][winner][:, None], steps, axis=1)  # (n_{L-1}, steps)
    for layer in range(len(weights) - 1, 0, -1):
        gradient = weights[layer - 1].T @ (gradient * derivative(columns[layer]))
    return gradient.mean(axis=1) * x


def winner_z(network: Network, x: np.ndarray, winner: int) -> float:
    """The pre-activation z of output ``winner`` for input ``x`` (784,): for checking
    attributions against (e.g. integrated gradients add up to z(x) − z(black))."""
    x = _one_input(network, x)
    with np.errstate(over="ignore"):
        below = network.forward(x[:, None])[-2][:, 0]
    winner = _check_output(winner)
    return float(network.weights[-1][winner] @ below + network.biases[-1][winner, 0])


def unit_image(network: Network, layer: int, unit: int) -> np.ndarray:
    """What hidden unit ``unit`` of ``layer`` (1 = the first hidden layer) responds to, (28, 28).

    For the first hidden layer: the unit's incoming weights, one per pixel, exactly; an input
    raises the unit's z by the sum of its pixels times this image. For a deeper layer: the
    unit's weights times the weights of every layer below, W_l[unit] · W_{l−1} ⋯ W_1, the sum of
    the first layer's images weighted by how much the unit listens to each. That is a *linear
    approximation*: it leaves out the activation functions between the layers (units that are
    off pass nothing on, a ReLU's negative z is cut to 0, a sigmoid squashes) and the biases, so
    it shows what the unit would respond to if every unit below were in its linear range, not
    what it does for a given input.
    """
    hidden_layers = len(network.sizes) - 2
    if not 1 <= layer <= hidden_layers:
        raise ValueError(f"layer must be a hidden layer, 1 to {hidden_layers}; got {layer}")
    units = network.sizes[layer]
    if not 0 <= unit < units:
        raise ValueError(f"layer {layer} has units 0 to {units - 1}; got {unit}")
    weights = network.weights
    image = weights[layer - 1][unit].astype(np.float64)
    for below in range(layer - 2, -1, -1):
        image = image @ weights[below]
    return image.reshape(IMAGE_SIDE, IMAGE_SIDE)


def active_units(activations: np.ndarray, hidden_activation: str) -> int:
    """How many units of a layer are active: a ReLU above 0, a sigmoid above
    :data:`ACTIVE_SIGMOID`."""
    threshold = 0.0 if hidden_activation == "relu" else ACTIVE_SIGMOID
    return int(np.count_nonzero(activations > threshold))


def grid_shape(units: int) -> tuple[int, int]:
    """(rows, columns) to lay out ``units`` cells as an image: a square when ``units`` is one
    (400 → 20x20), else the fewest rows that divide it exactly at most twice as wide as tall
    (800 → 20x40), else ⌈√(units/2)⌉ rows with the last row part empty."""
    if units < 1:
        raise ValueError(f"need at least one unit, got {units}")
    side = int(np.sqrt(units))
    if side * side == units:
        return side, side
    fewest = max(1, int(np.ceil(np.sqrt(units / 2))))
    for rows in range(fewest, side + 1):
        if units % rows == 0:
            return rows, units // rows
    return fewest, -(-units // fewest)


def _one_input(network: Network, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=network.dtype)
    if x.size != IMAGE_PIXELS:
        raise ValueError(f"expected one {IMAGE_PIXELS}-pixel image, got shape {np.shape(x)}")
    return x.reshape(IMAGE_PIXELS)


def _check_output(winner: int) -> int:
    winner = int(winner)
    if not 0 <= winner < 10:
        raise ValueError(f"the output to explain must be a digit 0-9, got {winner}")
    return winner


def describe(inside: Inside, hidden_activation: str) -> str:
    """In words, for a screen reader: how many units of each hidden layer are active and the
    strongest contributions into the answer, e.g. "hidden layer 1: 112 of 800 units active;
    hidden layer 2: 61 of 400 units active; strongest into 4: unit 37 of layer 2 (+2.1), …"."""
    parts = [
        f"hidden layer {k}: {active_units(a, hidden_activation)} of {a.size} units active"
        for k, a in enumerate(inside.hidden, start=1)
    ]
    below = len(inside.activations) - 2  # the layer the contributions come from
    name = f"of layer {below}" if below > 0 else "(input pixel)"
    strongest = ", ".join(
        f"unit {j} {name} ({inside.contributions[j]:+.1f})" for j in inside.strongest
    )
    parts.append(f"strongest into {inside.winner}: {strongest or 'none'}")
    return "; ".join(parts)
