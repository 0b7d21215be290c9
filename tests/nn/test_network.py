"""The network's maths against independent references: finite differences and hand computation."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest

from nn.network import Network, check_sizes, one_hot

COMBINATIONS = list(
    itertools.product(("sigmoid", "relu"), ("sigmoid", "softmax"), ("quadratic", "cross-entropy"))
)


def _batch(rng: np.random.Generator, m: int = 4) -> tuple[np.ndarray, np.ndarray]:
    return rng.random((m, 784)), rng.integers(0, 10, m)


@pytest.mark.parametrize(("hidden", "output", "cost"), COMBINATIONS)
def test_backprop_matches_finite_differences(hidden: str, output: str, cost: str) -> None:
    rng = np.random.default_rng(7)
    net = Network(
        [784, 6, 5, 10],
        hidden_activation=hidden,
        output_activation=output,
        cost=cost,
        init="scaled",
        seed=3,
        dtype=np.float64,
    )
    images, labels = _batch(rng)
    nabla_b, nabla_w, summed = net.backprop(images.T, one_hot(labels, np.float64).T)
    assert summed == pytest.approx(net.cost_value(images, labels) * len(labels), rel=1e-12)
    h = 1e-6
    for layer in range(3):
        for params, grads in ((net.weights, nabla_w), (net.biases, nabla_b)):
            array = params[layer]
            flat_indices = rng.choice(array.size, size=min(12, array.size), replace=False)
            for flat in flat_indices:
                index = np.unravel_index(flat, array.shape)
                original = array[index]
                array[index] = original + h
                plus = net.cost_value(images, labels)
                array[index] = original - h
                minus = net.cost_value(images, labels)
                array[index] = original
                numeric = (plus - minus) / (2 * h) * len(labels)
                assert grads[layer][index] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_one_sgd_step_matches_the_hand_computed_update() -> None:
    """All-zero parameters: every activation is σ(0) = ½, so the update can be worked out by hand.

    δ_L = (a − y) σ'(z) = (½ − y) · ¼ → +⅛ for the nine wrong digits, −⅛ for the label. With η = 1
    and one sample: b_L −= δ_L, W_L −= δ_L · ½ (the hidden activations), and δ of the hidden layer
    is W_Lᵀ δ_L = 0, so the first layer does not move.
    """
    from nn.data.dataset import Dataset
    from nn.training import Trainer, TrainingConfig

    net = Network([784, 3, 10], dtype=np.float64)
    for array in net.parameters():
        array[...] = 0
    image = np.random.default_rng(0).random((1, 784))
    trainer = Trainer(
        net,
        Dataset(image, np.array([3], np.uint8)),
        TrainingConfig(epochs=1, eta=1.0, batch_size=1),
    )
    (result,) = trainer.run()

    expected_b = np.full((10, 1), -0.125)
    expected_b[3] = 0.125
    np.testing.assert_allclose(net.biases[1], expected_b)
    np.testing.assert_allclose(net.weights[1], np.repeat(expected_b * 0.5, 3, axis=1))
    assert not net.weights[0].any() and not net.biases[0].any()
    assert result.training_loss == pytest.approx(0.5 * (9 * 0.25 + 0.25))  # ½‖a − y‖² with a = ½


def _seeds_step(weights, biases, images, labels, eta, lmbda, n, mu, velocities):
    """An independent reference: per-sample backprop in column vectors (the seeds' own loop),
    then L2 and momentum as Nielsen's book writes them."""

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    sum_w = [np.zeros_like(w) for w in weights]
    sum_b = [np.zeros_like(b) for b in biases]
    for x, label in zip(images, labels):
        activations, a = [x[:, None]], x[:, None]
        for w, b in zip(weights, biases):
            a = sigmoid(w @ a + b)
            activations.append(a)
        y = np.eye(10)[label][:, None]
        delta = (a - y) * a * (1 - a)
        for layer in range(len(weights) - 1, -1, -1):
            sum_b[layer] += delta
            sum_w[layer] += delta @ activations[layer].T
            a_prev = activations[layer]
            delta = (weights[layer].T @ delta) * a_prev * (1 - a_prev)
    m = len(images)
    for i in range(len(weights)):
        velocities[i] = mu * velocities[i] - eta / m * sum_w[i] - eta * lmbda / n * weights[i]
        weights[i] = weights[i] + velocities[i]
        velocities[len(weights) + i] = mu * velocities[len(weights) + i] - eta / m * sum_b[i]
        biases[i] = biases[i] + velocities[len(weights) + i]
    return weights, biases


def test_momentum_and_l2_steps_match_the_per_sample_reference() -> None:
    from nn.data.dataset import Dataset
    from nn.training import Trainer, TrainingConfig

    rng = np.random.default_rng(5)
    images, labels = rng.random((6, 784)), rng.integers(0, 10, 6).astype(np.uint8)
    net = Network([784, 4, 10], seed=2, dtype=np.float64)
    weights = [w.copy() for w in net.weights]
    biases = [b.copy() for b in net.biases]
    config = TrainingConfig(epochs=1, batch_size=3, eta=0.5, lmbda=0.3, momentum=0.8, seed=9)
    trainer = Trainer(net, Dataset(images, labels), config)
    order = np.random.default_rng(9).permutation(6)  # the trainer's own shuffle, same seed
    list(trainer.run())

    velocities = [np.zeros_like(p) for p in [*weights, *biases]]
    for first in (0, 3):
        rows = order[first : first + 3]
        weights, biases = _seeds_step(
            weights, biases, images[rows], labels[rows], 0.5, 0.3, 6, 0.8, velocities
        )
    for ours, reference in zip(net.parameters(), [*weights, *biases]):
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-12)


def test_the_same_seed_reproduces_a_run_bit_for_bit() -> None:
    from nn.data.dataset import Dataset
    from nn.training import Trainer, TrainingConfig

    rng = np.random.default_rng(1)
    data = Dataset(
        rng.random((200, 784), dtype=np.float32), rng.integers(0, 10, 200).astype(np.uint8)
    )

    def run(seed: int) -> tuple[list[np.ndarray], list[float]]:
        net = Network([784, 16, 10], seed=seed)
        config = TrainingConfig(epochs=2, batch_size=10, eta=3.0, seed=seed)
        losses = [r.training_loss for r in Trainer(net, data, config, test=data).run()]
        return net.parameters(), losses

    first, second, other = run(4), run(4), run(5)
    assert first[1] == second[1]
    assert all(np.array_equal(a, b) for a, b in zip(first[0], second[0]))
    assert not np.array_equal(first[0][0], other[0][0])


def test_predict_feedforward_and_evaluate_agree() -> None:
    rng = np.random.default_rng(2)
    net = Network([784, 8, 10], seed=1)
    images = rng.random((5, 784), dtype=np.float32)
    rows = net.predict(images)
    assert rows.shape == (5, 10) and rows.dtype == np.float32
    np.testing.assert_array_equal(net.feedforward(images[0][:, None])[:, 0], net.predict(images[0]))
    np.testing.assert_allclose(net.feedforward(images.T).T, rows)
    labels = rows.argmax(axis=1)
    assert net.evaluate(images, labels) == 5
    assert net.evaluate(images, (labels + 1) % 10) == 0


def test_softmax_outputs_sum_to_one_and_saturated_sigmoid_stays_finite() -> None:
    net = Network(
        [784, 8, 10], hidden_activation="relu", output_activation="softmax", cost="cross-entropy"
    )
    outputs = net.predict(np.random.default_rng(0).random((3, 784)) * 100)
    np.testing.assert_allclose(outputs.sum(axis=1), 1, rtol=1e-5)
    # Inputs of 1e4 drive every hidden sigmoid far past where exp() overflows float32.
    net, x = Network([784, 8, 10], seed=0), np.full((784, 1), 1e4)
    w, b = [p.astype(np.float64) for p in net.weights], [p.astype(np.float64) for p in net.biases]
    z_hidden = w[0] @ x + b[0]
    assert np.abs(z_hidden).min() > 1000
    with np.errstate(over="ignore"):
        hidden = net.forward(x.astype(net.dtype))[1]
    np.testing.assert_array_equal(hidden, z_hidden > 0)  # exactly 0 or 1, never NaN
    expected = 0.5 * (1 + np.tanh((w[1] @ (z_hidden > 0) + b[1]) / 2))  # σ, without exp()
    np.testing.assert_allclose(net.predict(x[:, 0]), expected[:, 0], rtol=1e-6)


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ([784], "at least an input and an output"),
        ([100, 30, 10], "first layer must have 784"),
        ([784, 30, 9], "last layer must have 10"),
        ([784, 0, 10], "at least one neuron"),
    ],
)
def test_nonsense_sizes_are_refused(sizes: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_sizes(sizes)


def test_unknown_names_are_refused() -> None:
    with pytest.raises(ValueError, match="hidden activation must be one of sigmoid, relu"):
        Network([784, 10], hidden_activation="tanh")
    with pytest.raises(ValueError, match="cost must be one of"):
        Network([784, 10], cost="hinge")


def test_importing_nn_loads_no_qt() -> None:
    code = (
        "import sys, nn, nn.data.mnist, nn.data.download, nn.weights.weight_file\n"
        "import nn.sketch.recipe, nn.training\n"
        "gui = ('PySide6', 'shiboken6', 'pyqtgraph', 'app')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in gui)\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("hidden", ["sigmoid", "relu"])
def test_gradients_in_blocks_add_up_to_the_whole_batch_gradients(hidden: str) -> None:
    """Two halves of a batch, each computed a few rows at a time, add up to the gradients of
    the whole batch computed in one go; a stop asked for drops the work."""
    rng = np.random.default_rng(8)
    net = Network([784, 12, 8, 10], hidden_activation=hidden, seed=1, dtype=np.float64)
    x = np.ones((785, 9))
    x[:-1] = rng.random((784, 9))
    y = one_hot(rng.integers(0, 10, 9), np.float64).T
    steps, cost = net.layer_gradients(x, y, -0.5)
    sums = [np.zeros_like(layer) for layer in net.layers]
    asked: list[int] = []

    def keep_going() -> bool:
        asked.append(1)
        return False

    first = net.add_layer_gradients_in_blocks(sums, x[:, :4], y[:, :4], -0.5, keep_going, 3000)
    second = net.add_layer_gradients_in_blocks(sums, x[:, 4:], y[:, 4:], -0.5, keep_going, 3000)
    assert first + second == pytest.approx(cost, rel=1e-12)
    for total, step in zip(sums, steps):
        np.testing.assert_allclose(total, step, rtol=1e-10, atol=1e-13)
    blocks = len(asked) // 2
    assert blocks > 2 * 5  # more blocks than the five products of a pass
    for question in (1, blocks // 2, blocks):
        asked.clear()

        def stop_at(question: int = question) -> bool:
            asked.append(1)
            return len(asked) == question

        assert net.add_layer_gradients_in_blocks(sums, x, y, -0.5, stop_at, 3000) is None
        assert len(asked) == question
