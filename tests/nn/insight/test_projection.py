"""The map against NumPy's SVD of the centred activations, and the hidden layer against a forward
pass written out in float64."""

from __future__ import annotations

import numpy as np
import pytest

import nn.insight.projection as projection_module
from nn.data.dataset import MnistSplits
from nn.insight.projection import Projection, fit_projection, last_hidden, place_image
from nn.network import Network


def _svd_reference(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top two principal directions (rows), the points on them and the variances, by SVD."""
    centred = data.astype(np.float64) - data.astype(np.float64).mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    return vt[:2], u[:, :2] * s[:2], s[:2] ** 2 / len(data)


def _structured(rng: np.random.Generator, n: int, h: int) -> np.ndarray:
    """Points with clearly different spreads along random orthogonal directions."""
    basis, _ = np.linalg.qr(rng.standard_normal((h, h)))
    spreads = np.geomspace(8, 0.1, h)
    return (rng.standard_normal((n, h)) * spreads) @ basis.T + rng.standard_normal(h)


def _assert_matches_reference(projection: Projection, data: np.ndarray, atol: float) -> None:
    components, points, variance = _svd_reference(data)
    signs = np.sign(np.sum(projection.components * components, axis=1))
    np.testing.assert_allclose(projection.components, components * signs[:, None], atol=atol)
    placed = projection.place(data)
    scale = np.abs(points).max()
    np.testing.assert_allclose(placed, points * signs, atol=atol * scale)
    np.testing.assert_allclose(projection.variance, variance, rtol=atol)


def test_the_components_are_the_svds_up_to_sign() -> None:
    data = _structured(np.random.default_rng(0), 500, 30).astype(np.float32)
    projection = fit_projection(data)
    _assert_matches_reference(projection, data, atol=1e-4)
    total = np.var(data.astype(np.float64), axis=0).sum()
    assert projection.total_variance == pytest.approx(total, rel=1e-5)


def test_the_map_of_a_trained_networks_hidden_layer_is_the_svds(
    trained: Network, sample: MnistSplits
) -> None:
    hidden = last_hidden(trained, sample.test.images)
    _assert_matches_reference(fit_projection(hidden), hidden, atol=1e-3)


def test_wide_layers_get_the_same_components_by_subspace_iteration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _structured(np.random.default_rng(1), 400, 60).astype(np.float32)
    monkeypatch.setattr(projection_module, "EXACT_UNITS", 10)
    _assert_matches_reference(fit_projection(data), data, atol=1e-4)


def test_components_are_orthonormal_with_the_largest_entry_positive() -> None:
    data = _structured(np.random.default_rng(2), 200, 12)
    for sign in (1, -1):
        components = fit_projection(sign * data).components
        np.testing.assert_allclose(components @ components.T, np.eye(2), atol=1e-6)
        largest = components[np.arange(2), np.abs(components).argmax(axis=1)]
        assert (largest > 0).all()


def test_place_takes_one_row_or_many() -> None:
    data = _structured(np.random.default_rng(3), 100, 5)
    projection = fit_projection(data)
    many = projection.place(data[:4])
    assert many.shape == (4, 2)
    np.testing.assert_allclose(projection.place(data[2]), many[2])
    with pytest.raises(ValueError, match="5 units"):
        projection.place(data[:, :4])


def test_a_layer_of_one_unit_has_one_direction() -> None:
    projection = fit_projection(np.array([[1.0], [3.0], [5.0]]))
    np.testing.assert_array_equal(projection.components, [[1.0], [0.0]])
    np.testing.assert_allclose(projection.place(np.array([7.0])), [4.0, 0.0])


def test_no_activations_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="n, h"):
        fit_projection(np.zeros((0, 4)))


def test_last_hidden_is_the_layer_the_output_reads(trained: Network, sample: MnistSplits) -> None:
    images = sample.test.images[:20].astype(np.float64)
    a = images.T
    for w, b in zip(trained.weights[:-1], trained.biases[:-1]):
        a = np.maximum(w.astype(np.float64) @ a + b, 0)  # ReLU
    hidden = last_hidden(trained, sample.test.images[:20])
    assert hidden.dtype == np.float32 and hidden.shape == (20, 12)
    np.testing.assert_allclose(hidden, a.T, rtol=1e-4, atol=1e-5)
    pixels = last_hidden(Network([784, 10], seed=0), sample.test.images[:20])
    np.testing.assert_array_equal(pixels, sample.test.images[:20])


def test_an_image_is_placed_where_its_hidden_layer_puts_it(
    trained: Network, sample: MnistSplits
) -> None:
    hidden = last_hidden(trained, sample.test.images)
    projection = fit_projection(hidden)
    one = place_image(trained, projection, sample.test.images[7])
    assert one.shape == (2,)
    # Products of other shapes add in another order: equal up to float32 rounding.
    np.testing.assert_allclose(one, projection.place(hidden[7]), atol=1e-5)
    three = place_image(trained, projection, sample.test.images[:3])
    np.testing.assert_allclose(three, projection.place(hidden[:3]), atol=1e-5)
