"""Augmentation: shapes, ranges, determinism, a loop-by-loop reference, and the Trainer's hook."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nn.data.dataset import Dataset
from nn.data.mnist import load_sample
from nn.handwriting.augment import AugmentConfig, _warp, augment
from nn.network import Network
from nn.training import Trainer, TrainingConfig

STILL = AugmentConfig(rotation=0, scale=(1, 1), aspect=0, shear=0, shift=0, thickness=0)


def strokes(n: int, seed: int = 0) -> np.ndarray:
    """(n, 784) float32 test images: a random bright bar per image on black, with grey edges."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 28, 28), dtype=np.float32)
    for image in images:
        top, left = rng.integers(4, 14, 2)
        image[top : top + 10, left : left + 3] = 1.0
        image[top : top + 10, left + 3] = 0.5
    return images.reshape(n, 784)


def test_shapes_dtype_and_range():
    x = strokes(300)
    y = augment(x, np.random.default_rng(0))
    assert y.shape == x.shape and y.dtype == np.float32
    assert y.min() >= 0.0 and y.max() <= 1.0
    assert not np.array_equal(y, x)
    assert augment(x.astype(np.float64), np.random.default_rng(0)).dtype == np.float32
    assert augment(np.zeros((0, 784)), np.random.default_rng(0)).shape == (0, 784)


def test_the_same_seed_gives_the_same_images():
    x = strokes(50)
    a = augment(x, np.random.default_rng(7))
    np.testing.assert_array_equal(a, augment(x, np.random.default_rng(7)))
    assert not np.array_equal(a, augment(x, np.random.default_rng(8)))


def test_chunking_does_not_change_the_result():
    x = strokes(50)
    a = augment(x, np.random.default_rng(1), AugmentConfig(chunk=7))
    np.testing.assert_allclose(a, augment(x, np.random.default_rng(1)), atol=1e-6)


def test_no_distortion_is_the_identity():
    x = strokes(20)
    np.testing.assert_allclose(augment(x, np.random.default_rng(0), STILL), x, atol=1e-6)


def test_each_row_stays_a_picture_of_its_own_digit():
    sample = load_sample()  # the committed MNIST sample
    centroids = np.stack(
        [sample.training.images[sample.training.labels == d].mean(0) for d in range(10)]
    )

    def nearest_centroid_accuracy(images: np.ndarray) -> float:
        distances = ((images[:, None, :] - centroids[None]) ** 2).sum(axis=2)
        return float((distances.argmin(axis=1) == sample.test.labels).mean())

    assert nearest_centroid_accuracy(sample.test.images) > 0.75
    # Distorted, the digits are harder for this crude classifier, but far from chance (rows
    # shuffled against their labels score about 0.1).
    assert nearest_centroid_accuracy(augment(sample.test.images, np.random.default_rng(0))) > 0.45


def test_thickness_grows_and_shrinks_the_ink():
    x = strokes(200)
    thick = augment(
        x, np.random.default_rng(0), AugmentConfig(**{**STILL.__dict__, "thickness": 1})
    )
    change = thick.sum(axis=1) - x.sum(axis=1)
    assert (change > 0.5).sum() > 50 and (change < -0.5).sum() > 50  # both ways, per image


def test_rotation_and_scale_keep_about_the_ink():
    x = strokes(200)
    y = augment(x, np.random.default_rng(0), AugmentConfig(thickness=0, scale=(1, 1), aspect=0))
    assert y.sum() == pytest.approx(x.sum(), rel=0.03)  # area-preserving maps: ink kept


def reference_warp(image: np.ndarray, inverse: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Bilinear sampling pixel by pixel, zero outside the image: the textbook loop."""
    out = np.zeros((28, 28))
    for y in range(28):
        for x in range(28):
            sx, sy = inverse @ [x, y] + offset
            x0, y0 = int(np.floor(sx)), int(np.floor(sy))
            for yy, wy in ((y0, 1 - (sy - y0)), (y0 + 1, sy - y0)):
                for xx, wx in ((x0, 1 - (sx - x0)), (x0 + 1, sx - x0)):
                    if 0 <= yy < 28 and 0 <= xx < 28:
                        out[y, x] += wy * wx * image[yy, xx]
    return out


def test_bilinear_warp_matches_a_pixel_loop():
    rng = np.random.default_rng(5)
    images = rng.random((3, 28, 28)).astype(np.float32)
    inverse = (np.eye(2) + rng.normal(0, 0.2, (3, 2, 2))).astype(np.float32)
    offset = rng.normal(0, 3, (3, 2)).astype(np.float32)
    warped = _warp(images, inverse, offset).reshape(3, 28, 28)
    for i in range(3):
        expected = np.clip(reference_warp(images[i], inverse[i], offset[i]), 0, 1)
        np.testing.assert_allclose(warped[i], expected, atol=1e-4)


def test_rejects_images_that_are_not_rows_of_784():
    with pytest.raises(ValueError, match="784"):
        augment(np.zeros((3, 28, 28)), np.random.default_rng(0))


# -- the Trainer's augment hook -------------------------------------------------------------
def data(n: int = 200) -> Dataset:
    return Dataset(strokes(n), (np.arange(n) % 10).astype(np.uint8))


def trained(augment_function, seed: int = 3, epochs: int = 3) -> Network:
    net = Network([784, 16, 10], seed=0)
    config = TrainingConfig(epochs=epochs, batch_size=10, eta=0.5, seed=seed)
    for _ in Trainer(net, data(), config, augment=augment_function).run():
        pass
    return net


def test_an_identity_hook_leaves_training_bit_for_bit_unchanged():
    plain, hooked = trained(None), trained(lambda images, rng: images.copy())
    for a, b in zip(plain.parameters(), hooked.parameters()):
        np.testing.assert_array_equal(a, b)


def test_augmented_training_repeats_with_its_seed():
    first, again, other = trained(augment), trained(augment), trained(augment, seed=4)
    np.testing.assert_array_equal(first.weights[0], again.weights[0])
    assert not np.array_equal(first.weights[0], other.weights[0])
    assert not np.array_equal(first.weights[0], trained(None).weights[0])


def test_each_epoch_gets_its_own_generator():
    draws = []

    def record(images, rng):
        draws.append(rng.random())
        return images

    trained(record, epochs=4)
    assert len(draws) == 4 and len(set(draws)) == 4


def test_the_next_epoch_is_prepared_while_this_one_trains():
    second_started = threading.Event()
    calls = []

    def slow_record(images, rng):
        calls.append(1)
        if len(calls) == 2:
            second_started.set()
        return images

    seen_during_epoch_0 = []
    net = Network([784, 16, 10], seed=0)
    config = TrainingConfig(epochs=2, batch_size=10, eta=0.5, seed=0)

    def progress(done: int, total: int) -> None:
        if not seen_during_epoch_0 and done < total:
            seen_during_epoch_0.append(second_started.wait(5))

    trainer = Trainer(net, data(), config, on_progress=progress, augment=slow_record)
    next(iter(trainer.run()))
    assert seen_during_epoch_0 == [True]


def test_a_hook_returning_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="augment returned shape"):
        trained(lambda images, rng: images[:10])
