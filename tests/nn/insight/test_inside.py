"""Inside the network for one input, against values worked out by hand, finite differences and
the weights themselves."""

from __future__ import annotations

import numpy as np
import pytest

from nn.insight.inside import (
    active_units,
    describe,
    grid_shape,
    integrated_gradients,
    look_inside,
    unit_image,
    winner_z,
)
from nn.network import Network


def hand_built() -> tuple[Network, np.ndarray]:
    """784 → 2 → 10, sigmoid, float64, weights set so that every value is easy by hand.

    Input: pixel 0 = 1, pixel 1 = 0.5, the rest 0. Hidden unit 0: z = 1·1 − 2·0.5 = 0; unit 1:
    z = 0.5·1 − 1·0.5 = 0; both a = σ(0) = 0.5, σ'(0) = 0.25. Output 3: z = 4·0.5 − 2·0.5 = 1,
    the other outputs z = 0, so 3 wins.
    """
    w1 = np.zeros((2, 784))
    w1[0, :2] = [1.0, -2.0]
    w1[1, :2] = [0.5, -1.0]
    w2 = np.zeros((10, 2))
    w2[3] = [4.0, -2.0]
    network = Network.from_parameters([w1, w2], [np.zeros((2, 1)), np.zeros((10, 1))])
    x = np.zeros(784)
    x[:2] = [1.0, 0.5]
    return network, x


def test_attribution_matches_the_hand_computation() -> None:
    network, x = hand_built()
    inside = look_inside(network, x)
    assert inside.winner == 3
    assert inside.z == pytest.approx(1.0)
    # ∂z3/∂x_i = Σ_j W2[3, j] σ'(0) W1[j, i] = 4·0.25·W1[0, i] − 2·0.25·W1[1, i]
    # pixel 0: (1 − 0.25) × x0 = 0.75 × 1; pixel 1: (−2 + 0.5) × x1 = −1.5 × 0.5
    expected = np.zeros(784)
    expected[:2] = [0.75, -0.75]
    np.testing.assert_allclose(inside.attribution, expected, atol=1e-12)
    np.testing.assert_allclose(inside.contributions, [2.0, -1.0])  # W2[3, j] × 0.5
    assert list(inside.strongest) == [0, 1]


@pytest.mark.parametrize("hidden", ["sigmoid", "relu"])
def test_gradient_matches_finite_differences(hidden: str) -> None:
    rng = np.random.default_rng(5)
    network = Network(
        [784, 7, 6, 10], hidden_activation=hidden, output_activation="softmax",
        cost="cross-entropy", init="scaled", seed=2, dtype=np.float64,
    )  # fmt: skip
    x = rng.uniform(0.1, 1.0, 784)  # no zero pixel, so gradient = attribution / x
    inside = look_inside(network, x, winner=6)
    gradient = inside.attribution / x

    def z6(image: np.ndarray) -> float:  # the forward pass written out, independently
        a = image
        for w, b in zip(network.weights[:-1], network.biases[:-1]):
            z = w @ a + b[:, 0]
            a = 1 / (1 + np.exp(-z)) if hidden == "sigmoid" else np.maximum(z, 0)
        return float(network.weights[-1][6] @ a + network.biases[-1][6, 0])

    assert inside.z == pytest.approx(z6(x), rel=1e-12)
    h = 1e-6
    for pixel in rng.choice(784, 12, replace=False):
        step = np.zeros(784)
        step[pixel] = h
        numeric = (z6(x + step) - z6(x - step)) / (2 * h)
        assert gradient[pixel] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_activations_are_the_forward_pass() -> None:
    rng = np.random.default_rng(1)
    network = Network([784, 9, 8, 10], hidden_activation="relu", init="scaled", seed=4)
    x = rng.random(784).astype(np.float32)
    inside = look_inside(network, x)
    expected = [column[:, 0] for column in network.forward(x[:, None])]
    assert len(inside.activations) == 4
    for got, want in zip(inside.activations, expected, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(inside.outputs, network.predict(x), rtol=1e-6)
    assert [a.shape for a in inside.hidden] == [(9,), (8,)]
    assert inside.winner == int(np.argmax(network.predict(x)))


def test_contributions_add_up_to_z_and_are_ranked_by_size() -> None:
    rng = np.random.default_rng(2)
    network = Network([784, 30, 10], init="scaled", seed=6, dtype=np.float64)
    x = rng.random(784)
    inside = look_inside(network, x, strongest=4)
    bias = network.biases[-1][inside.winner, 0]
    assert inside.contributions.sum() + bias == pytest.approx(inside.z)
    assert inside.z == pytest.approx(winner_z(network, x, inside.winner))
    sizes = np.abs(inside.contributions)
    assert list(inside.strongest) == list(np.argsort(-sizes)[:4])


def test_integrated_gradients_add_up_to_the_change_of_z() -> None:
    rng = np.random.default_rng(3)
    network = Network([784, 12, 10], init="scaled", seed=1, dtype=np.float64)
    x = rng.random(784)
    attribution = integrated_gradients(network, x, winner=2, steps=256)
    change = winner_z(network, x, 2) - winner_z(network, np.zeros(784), 2)
    assert attribution.sum() == pytest.approx(change, rel=1e-4)


def test_unit_images_are_the_weights_through_the_layers() -> None:
    network = Network([784, 5, 4, 3, 10], init="scaled", seed=8, dtype=np.float64)
    w1, w2, w3, _ = network.weights
    np.testing.assert_array_equal(unit_image(network, 1, 2), w1[2].reshape(28, 28))
    np.testing.assert_allclose(unit_image(network, 2, 3), (w2 @ w1)[3].reshape(28, 28))
    np.testing.assert_allclose(unit_image(network, 3, 1), (w3 @ w2 @ w1)[1].reshape(28, 28))
    for layer, unit in ((0, 0), (4, 0), (1, 5), (2, -1)):
        with pytest.raises(ValueError, match="layer"):
            unit_image(network, layer, unit)


def test_bad_input_is_refused_clearly() -> None:
    network, _ = hand_built()
    with pytest.raises(ValueError, match="784-pixel image"):
        look_inside(network, np.zeros(100))
    with pytest.raises(ValueError, match="digit 0-9"):
        look_inside(network, np.zeros(784), winner=10)


def test_grid_shapes() -> None:
    assert grid_shape(800) == (20, 40)
    assert grid_shape(400) == (20, 20)
    assert grid_shape(30) == (5, 6)
    for units in (1, 2, 7, 10, 101, 997, 5000):
        rows, cols = grid_shape(units)
        assert rows * cols >= units > (rows - 1) * cols
        assert cols >= rows


def test_description_in_words() -> None:
    network, x = hand_built()
    inside = look_inside(network, x)
    assert active_units(inside.hidden[0], "sigmoid") == 0  # both exactly 0.5: not above
    assert describe(inside, "sigmoid") == (
        "hidden layer 1: 0 of 2 units active; strongest into 3: unit 0 of layer 1 (+2.0), "
        "unit 1 of layer 1 (-1.0)"
    )


def test_a_network_without_hidden_layers_explains_by_pixels() -> None:
    network = Network([784, 10], init="scaled", seed=3, dtype=np.float64)
    x = np.random.default_rng(4).random(784)
    inside = look_inside(network, x, winner=5)
    weights = network.weights[0][5]
    np.testing.assert_allclose(inside.attribution, weights * x)  # z is linear in x
    np.testing.assert_allclose(inside.contributions, weights * x)
    assert inside.hidden == []
    assert "strongest into 5: unit" in describe(inside, "sigmoid")
