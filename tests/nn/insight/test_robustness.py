"""Perturbations against independent references (``np.rot90``, centres of mass, a dilation
written as loops) and the curves against ``network.evaluate`` on the same subset."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from nn.data.dataset import MnistSplits
from nn.insight.robustness import (
    PERTURBATIONS,
    add_noise,
    change_thickness,
    robustness_curves,
    robustness_subset,
    rotate,
    shift,
)
from nn.network import Network
from tests.nn.insight.conftest import reports_until_stopped

SMALL_LEVELS = {"noise": [0.3], "rotation": [45.0], "thickness": [-1.0, 1.0], "shift": [3.0]}


def _blob() -> np.ndarray:
    """A lopsided 28x28 shape well inside the border, as one (784,) row."""
    image = np.zeros((28, 28), np.float32)
    image[9:18, 11:13] = 1.0
    image[9:11, 13:17] = 0.6
    image[16, 10] = 0.3
    return image.ravel()


def _centre_of_mass(image: np.ndarray) -> np.ndarray:
    grid = image.reshape(28, 28)
    rows, cols = np.indices(grid.shape)
    return np.array([(rows * grid).sum(), (cols * grid).sum()]) / grid.sum()


def test_every_perturbation_at_level_0_leaves_the_images_alone(sample: MnistSplits) -> None:
    images = sample.test.images[:50]
    for perturbation in PERTURBATIONS.values():
        assert perturbation.levels[0] == 0
        same = perturbation.apply(images, 0.0, np.random.default_rng(0))
        assert same.dtype == np.float32 and same.shape == images.shape
        np.testing.assert_array_equal(same, images, err_msg=perturbation.name)


@pytest.mark.parametrize(("degrees", "turns"), [(90, 1), (-90, -1), (180, 2), (270, 3)])
def test_a_quarter_turn_matches_rot90(degrees: float, turns: int) -> None:
    image = _blob()
    expected = np.rot90(image.reshape(28, 28), turns).ravel()
    np.testing.assert_allclose(rotate(image[None], degrees)[0], expected, atol=1e-5)


def test_a_small_turn_keeps_the_ink_and_turns_its_centre_about_the_image_centre() -> None:
    image = _blob()
    turned = rotate(image[None], 20)[0]
    assert turned.sum() == pytest.approx(image.sum(), rel=0.02)
    before, after = _centre_of_mass(image) - 13.5, _centre_of_mass(turned) - 13.5
    angle = np.degrees(np.arctan2(-after[0], after[1]) - np.arctan2(-before[0], before[1]))
    assert angle == pytest.approx(20, abs=0.5)  # counter-clockwise, with y up


@pytest.mark.parametrize(("down", "right"), [(2, -3), (-1, 4), (0.5, 1.25)])
def test_a_shift_moves_the_centre_of_mass_by_the_amount(down: float, right: float) -> None:
    image = _blob()
    moved = shift(image[None], down, right)[0]
    assert moved.sum() == pytest.approx(image.sum(), rel=1e-5)
    np.testing.assert_allclose(
        _centre_of_mass(moved) - _centre_of_mass(image), [down, right], atol=1e-4
    )


def test_a_whole_pixel_shift_copies_pixels_and_drops_what_leaves() -> None:
    image = np.arange(784, dtype=np.float32) / 784
    moved = shift(image[None], 0, 5)[0].reshape(28, 28)
    np.testing.assert_array_equal(moved[:, 5:], image.reshape(28, 28)[:, :-5])
    assert (moved[:, :5] == 0).all()


def _plus_dilation(image: np.ndarray) -> np.ndarray:
    """The largest of each pixel and its four neighbours, written as loops."""
    out = image.copy()
    for r in range(28):
        for c in range(28):
            for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                if 0 <= r + dr < 28 and 0 <= c + dc < 28:
                    out[r, c] = max(out[r, c], image[r + dr, c + dc])
    return out


def test_thicker_strokes_are_a_plus_shaped_dilation_and_thinner_undoes_it() -> None:
    image = _blob().reshape(28, 28)
    once = _plus_dilation(image)
    np.testing.assert_allclose(change_thickness(image.ravel()[None], 1)[0], once.ravel())
    twice = _plus_dilation(once)
    np.testing.assert_allclose(change_thickness(image.ravel()[None], 2)[0], twice.ravel())
    half = change_thickness(image.ravel()[None], 0.5)[0]
    np.testing.assert_allclose(half, (image.ravel() + once.ravel()) / 2, atol=1e-6)
    bar = np.zeros((28, 28), np.float32)
    bar[5:20, 10:13] = 1  # three pixels wide
    thinner = change_thickness(bar.ravel()[None], -1)[0].reshape(28, 28)
    assert (thinner.sum(axis=1)[6:19] == 1).all()  # one pixel wide, ends shortened by one


def test_noise_has_the_asked_spread_stays_in_range_and_repeats_with_the_seed() -> None:
    grey = np.full((200, 784), 0.5, np.float32)
    noisy = add_noise(grey, 0.1, np.random.default_rng(5))
    assert noisy.min() >= 0 and noisy.max() <= 1
    assert noisy.std() == pytest.approx(0.1, rel=0.02)
    assert noisy.mean() == pytest.approx(0.5, abs=0.002)
    np.testing.assert_array_equal(noisy, add_noise(grey, 0.1, np.random.default_rng(5)))
    assert add_noise(grey, 2.0, np.random.default_rng(5)).max() == 1


def test_the_set_is_turned_both_ways_and_moved_four_ways() -> None:
    images = np.tile(_blob(), (4, 1))
    turned = PERTURBATIONS["rotation"].apply(images, 30, np.random.default_rng(0))
    np.testing.assert_allclose(turned[0], rotate(images[:1], 30)[0], atol=1e-6)
    np.testing.assert_allclose(turned[1], rotate(images[:1], -30)[0], atol=1e-6)
    moved = PERTURBATIONS["shift"].apply(images, 2, np.random.default_rng(0))
    steps = [_centre_of_mass(m) - _centre_of_mass(images[0]) for m in moved]
    np.testing.assert_allclose(steps, [[0, 2], [2, 0], [0, -2], [-2, 0]], atol=1e-4)


def test_the_subset_is_fixed_by_the_seed() -> None:
    chosen = robustness_subset(10_000, 1000, seed=0)
    assert len(np.unique(chosen)) == 1000 and (np.diff(chosen) > 0).all()
    np.testing.assert_array_equal(chosen, robustness_subset(10_000, 1000, seed=0))
    assert not np.array_equal(chosen, robustness_subset(10_000, 1000, seed=1))
    np.testing.assert_array_equal(robustness_subset(300, 1000), np.arange(300))


def test_each_curve_starts_at_level_0_with_the_plain_accuracy_on_the_subset(
    trained: Network, sample: MnistSplits
) -> None:
    images, labels = sample.training.images[:3000], sample.training.labels[:3000]
    curves = robustness_curves(trained, images, labels, subset=400, levels=SMALL_LEVELS, seed=3)
    chosen = robustness_subset(3000, 400, seed=3)
    plain = trained.evaluate(images[chosen], labels[chosen]) / 400
    assert list(curves) == list(SMALL_LEVELS)
    for name, levels in SMALL_LEVELS.items():
        assert [level for level, _ in curves[name]] == [0.0, *levels]
        assert curves[name][0][1] == plain
        assert all(0 <= accuracy <= 1 for _, accuracy in curves[name])
    assert curves["rotation"][1][1] < plain  # a network trained upright reads turned digits worse


def test_a_curve_at_a_level_is_the_accuracy_on_the_disturbed_subset(
    trained: Network, sample: MnistSplits
) -> None:
    images, labels = sample.test.images, sample.test.labels
    curves = robustness_curves(trained, images, labels, levels={"shift": [0, 2]})
    moved = PERTURBATIONS["shift"].apply(images, 2, np.random.default_rng(0))
    assert curves == {
        "shift": [(0.0, trained.evaluate(images, labels) / 1000),
                  (2.0, trained.evaluate(moved, labels) / 1000)]
    }  # fmt: skip


def test_the_default_levels_are_measured_with_progress(
    trained: Network, sample: MnistSplits
) -> None:
    reports: list[tuple[int, int]] = []
    curves = robustness_curves(
        trained, sample.test.images, sample.test.labels, subset=100,
        progress=lambda done, total: reports.append((done, total)),
    )  # fmt: skip
    total = 1 + sum(len(p.levels) - 1 for p in PERTURBATIONS.values())
    assert reports == [(done, total) for done in range(1, total + 1)]
    assert {name: [level for level, _ in curve] for name, curve in curves.items()} == {
        name: list(p.levels) for name, p in PERTURBATIONS.items()
    }


def test_a_stop_request_is_heard_between_evaluations(trained: Network, sample: MnistSplits) -> None:
    images, labels = sample.test.images, sample.test.labels
    reports = reports_until_stopped(
        functools.partial(robustness_curves, trained, images, labels), 3
    )
    assert reports == [1, 2, 3]


def test_unknown_perturbations_and_bad_labels_are_clear_errors(
    trained: Network, sample: MnistSplits
) -> None:
    images, labels = sample.test.images, sample.test.labels
    with pytest.raises(ValueError, match=r"unknown perturbation.*blur"):
        robustness_curves(trained, images, labels, levels={"blur": [1.0]})
    with pytest.raises(ValueError, match="labels"):
        robustness_curves(trained, images, labels[:5])
