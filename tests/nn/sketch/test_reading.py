"""How a model reads a sketch's input: softening, bolder strokes, and the weight file entry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nn.description import ModelDescription
from nn.model import Model
from nn.network import Network
from nn.sketch.reading import AS_DRAWN, METADATA_KEY, SOFTENED, SketchReading
from nn.weights.weight_file import WeightFileError, load_model, save_model


def bars(n: int, seed: int = 0) -> np.ndarray:
    """(n, 784) images in [0, 1]: a random grey bar, away from the border, on black."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 28, 28), dtype=np.float32)
    for image in images:
        top, left = rng.integers(4, 14, 2)
        image[top : top + 10, left : left + 3] = rng.uniform(0.3, 1.0)
    return images.reshape(n, 784)


def convolve_loop(image: np.ndarray, kernel: list[float]) -> np.ndarray:
    """A (28, 28) image convolved with the 3-tap ``kernel`` along rows, then columns, zero
    beyond the border: pixel by pixel, the textbook way."""
    out = np.zeros((28, 28))
    for y in range(28):
        for x in range(28):
            out[y, x] = sum(kernel[k + 1] * image[y, x + k] for k in (-1, 0, 1) if 0 <= x + k < 28)
    done = np.zeros((28, 28))
    for y in range(28):
        for x in range(28):
            done[y, x] = sum(kernel[k + 1] * out[y + k, x] for k in (-1, 0, 1) if 0 <= y + k < 28)
    return done


def test_as_drawn_leaves_the_inputs_alone():
    x = bars(3)
    assert AS_DRAWN.as_drawn and AS_DRAWN.apply(x) is x
    assert not SOFTENED.as_drawn


def test_softening_is_the_three_tap_blur_along_each_axis():
    image = np.random.default_rng(1).uniform(0, 1, (28, 28)).astype(np.float32)
    softened = SketchReading(soften=0.2).apply(image.reshape(784)).reshape(28, 28)
    np.testing.assert_allclose(softened, convolve_loop(image, [0.2, 0.6, 0.2]), atol=1e-6)


def test_softening_spreads_the_ink_without_losing_any():
    x = bars(20)
    y = SketchReading(soften=1 / 6).apply(x)
    np.testing.assert_allclose(y.sum(axis=1), x.sum(axis=1), rtol=1e-5)  # away from the border
    assert ((y > 0).sum(axis=1) > (x > 0).sum(axis=1)).all()
    assert (y.max(axis=1) <= x.max(axis=1) + 1e-6).all()


def test_bolder_strokes_have_more_ink_and_stay_in_range():
    x = bars(20)
    y = SketchReading(bolden=0.5).apply(x)
    assert (y.sum(axis=1) > x.sum(axis=1) * 1.2).all()
    assert (y >= x - 1e-6).all()  # only added to
    assert y.min() >= 0 and y.max() <= 1


def test_one_input_and_a_batch_are_read_alike():
    x = bars(5)
    one = SOFTENED.apply(x[2])
    assert one.shape == (784,) and one.dtype == np.float32
    np.testing.assert_array_equal(one, SOFTENED.apply(x)[2])
    assert SOFTENED.apply(x.astype(np.float64)).dtype == np.float32


@pytest.mark.parametrize(
    "soften, bolden", [(-0.1, 0), (0.34, 0), (0, 1.5), (float("nan"), 0), (0, "bold")]
)
def test_nonsense_settings_are_refused_with_their_name(soften, bolden):
    with pytest.raises(ValueError, match=r"soften|bolden"):
        SketchReading(soften=soften, bolden=bolden)


def test_the_metadata_entry_round_trips_and_its_absence_means_as_drawn():
    assert SketchReading.from_metadata({}) is AS_DRAWN
    assert SketchReading.from_metadata(SOFTENED.to_metadata()) == SOFTENED
    assert SketchReading.from_metadata({METADATA_KEY: {"bolden": 0.5}}) == SketchReading(0, 0.5)
    for entry in (0.5, [1 / 6, 0.25], {"soften": 0.1, "sharpen": 1}):
        with pytest.raises(ValueError, match=METADATA_KEY):
            SketchReading.from_metadata({METADATA_KEY: entry})


def small_network() -> Network:
    return Network([784, 8, 10], seed=0)


def test_a_weight_file_keeps_how_its_model_reads(tmp_path: Path):
    path = tmp_path / "softened.npz"
    save_model(Model(small_network(), ModelDescription(epochs=1, sketch_reading=SOFTENED)), path)
    model = load_model(path)
    assert model.reading == SOFTENED and model.description.sketch_reading == SOFTENED
    assert model.description.epochs == 1


def test_a_weight_file_with_a_nonsense_reading_is_neither_made_nor_loaded(tmp_path: Path):
    path = tmp_path / "odd.npz"
    with pytest.raises(ValueError, match="soften"):
        ModelDescription(sketch_reading=SketchReading(soften=3))
    save_model(Model(small_network(), ModelDescription(extra={"note": "placeholder"})), path)
    raw = dict(np.load(path, allow_pickle=False))
    for metadata in ('{"sketch_reading": {"soften": 3}}',
                     '{"description_version": 2, "sketch_reading": {"soften": 3}}'):  # fmt: skip
        raw["metadata"] = np.array(metadata)
        np.savez(path, **raw)
        with pytest.raises(WeightFileError, match=f"{path.name}.*{METADATA_KEY}.*soften"):
            load_model(path)


def test_reports_say_how_a_model_reads():
    assert AS_DRAWN.describe() == "as drawn"
    assert SOFTENED.describe() == "softened, bolder"
    assert SketchReading(bolden=0.3).describe() == "bolder"


@pytest.mark.parametrize("value", [10**400, True, float("inf")])
def test_values_beyond_a_float_or_not_numbers_are_refused_briefly(value) -> None:
    with pytest.raises(ValueError, match="bolden must be a number") as refused:
        SketchReading(bolden=value)
    assert len(str(refused.value)) < 120
