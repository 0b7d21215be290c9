"""The model: one path from a sketch to an answer, readings, and networks built from parameters."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nn.data.mnist import load_sample
from nn.description import ModelDescription
from nn.model import Model
from nn.network import Network
from nn.sketch.judgement import judge
from nn.sketch.reading import AS_DRAWN, SOFTENED, SketchReading
from nn.sketch.recipe import sketch_to_mnist
from nn.sketch.stroke_memory import StrokeMemory

PROJECT = Path(__file__).resolve().parents[2]


def stroke(image: np.ndarray, points: list[tuple[float, float]], width: float) -> None:
    """Ink (255) every pixel of ``image`` within ``width / 2`` of the polyline through
    ``points`` (x, y), as a round pen would."""
    ys, xs = np.mgrid[: image.shape[0], : image.shape[1]].astype(np.float64)
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / max(dx * dx + dy * dy, 1e-12), 0, 1)
        near = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy)) <= width / 2
        image[near] = 255


def seven() -> np.ndarray:
    """A 280x280 uint8 sketch of a 7, white on black, 22 px strokes."""
    sketch = np.zeros((280, 280), dtype=np.uint8)
    stroke(sketch, [(80, 60), (200, 60), (130, 230)], 22)
    stroke(sketch, [(110, 145), (180, 145)], 22)
    return sketch


@pytest.fixture(scope="module")
def network() -> Network:
    return Network([784, 24, 10], hidden_activation="relu", output_activation="softmax",
                   cost="cross-entropy", init="scaled", seed=11)  # fmt: skip


def test_a_blank_sketch_reads_as_nothing(network):
    blank = np.zeros((280, 280), dtype=np.uint8)
    assert Model(network).read(blank) is None
    assert Model(network, ModelDescription(sketch_reading=SOFTENED)).read(blank) is None


@pytest.mark.parametrize("reading", [AS_DRAWN, SOFTENED], ids=["as drawn", "softened"])
def test_reading_a_sketch_is_the_recipe_the_reading_the_network_and_the_judgement(network, reading):
    sketch = seven()
    answer = Model(network, ModelDescription(sketch_reading=reading)).read(sketch)

    recipe_input = sketch_to_mnist(sketch)
    expected_input = reading.apply(recipe_input)
    expected_outputs = network.predict(expected_input)
    assert np.array_equal(answer.input, expected_input)
    assert np.array_equal(answer.activations, expected_outputs)
    assert answer.judgement == judge(expected_outputs)
    assert answer.digit == answer.judgement.digit == int(np.argmax(expected_outputs))
    assert answer.input.shape == (784,) and answer.activations.shape == (10,)
    assert np.array_equal(answer.input, recipe_input) == reading.as_drawn  # the reading is used


SEVEN_STROKES = [np.array([(80.0, 60.0), (200.0, 60.0), (130.0, 230.0)]),
                 np.array([(110.0, 145.0), (180.0, 145.0)])]  # fmt: skip
"""The strokes of :func:`seven`, in the order drawn."""


def test_a_model_that_remembers_strokes_weighs_the_networks_outputs_with_them(network):
    """The seven's strokes remembered as a 3 and the seven's drawn backwards as a 7: read with
    its strokes, the seven is taken for the 3 its pen moved like; without them, the memory has no
    say."""
    backwards = [s[::-1] for s in SEVEN_STROKES[::-1]]
    memory = StrokeMemory.of([SEVEN_STROKES, backwards], [3, 7])
    model = Model(network, strokes=memory)
    plain = Model(network).read(seven())

    with_strokes = model.read(seven(), SEVEN_STROKES)
    without = model.read(seven())

    expected = memory.weigh(plain.activations, SEVEN_STROKES)
    assert with_strokes.by_strokes and not without.by_strokes
    assert np.array_equal(with_strokes.activations, expected)
    assert with_strokes.digit == 3 and with_strokes.judgement == judge(expected)
    assert np.array_equal(without.activations, plain.activations)
    assert np.array_equal(with_strokes.input, plain.input)
    assert Model(network).read(seven(), SEVEN_STROKES).activations.tolist() == (
        plain.activations.tolist()
    )  # a model without a memory reads strokes as it reads the image alone


def test_with_reading_keeps_the_memory_of_strokes(network):
    memory = StrokeMemory.of([SEVEN_STROKES], [7])
    assert Model(network, strokes=memory).with_reading(SOFTENED).strokes is memory


def test_with_reading_changes_only_the_reading(network):
    description = ModelDescription(dataset="committed sample", epochs=3, test_accuracy=0.9)
    model = Model(network, description)
    softened = model.with_reading(SOFTENED)
    assert softened.network is network
    assert softened.reading == SOFTENED
    assert softened.description == description.replace(sketch_reading=SOFTENED)
    assert model.reading == AS_DRAWN and model.description == description  # left alone
    assert softened.with_reading(AS_DRAWN).description == description


@pytest.mark.parametrize(
    "reading", [AS_DRAWN, SOFTENED, SketchReading(bolden=0.5)], ids=["as drawn", "softened", "bold"]
)
def test_predict_as_read_reads_mnist_images_the_models_way(network, reading):
    images = load_sample().test.images[:40]
    model = Model(network, ModelDescription(sketch_reading=reading))
    expected = network.predict(reading.apply(images))
    assert np.array_equal(model.predict_as_read(images), expected)
    assert np.array_equal(model.predict_as_read(images), network.predict(images)) == (
        reading.as_drawn
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_from_parameters_builds_the_network_those_parameters_make(dtype):
    rng = np.random.default_rng(4)
    sizes = [784, 16, 8, 10]
    weights = [rng.standard_normal((n, m)).astype(dtype) for m, n in itertools.pairwise(sizes)]
    biases = [rng.standard_normal((n, 1)).astype(dtype) for n in sizes[1:]]
    names = {"hidden_activation": "relu", "output_activation": "softmax", "cost": "cross-entropy"}
    reference = Network(sizes, seed=0, dtype=dtype, **names)
    reference.weights = weights
    reference.biases = biases

    built = Network.from_parameters(weights, biases, **names)

    assert built.sizes == tuple(sizes) and built.dtype == np.dtype(dtype)
    assert [getattr(built, n) for n in names] == list(names.values())
    images = rng.random((5, 784)).astype(dtype)
    before = built.predict(images)
    assert np.array_equal(before, reference.predict(images))
    for mine, theirs in zip(reference.layers, built.layers, strict=True):
        assert np.array_equal(mine, theirs)

    weights[0][:] = 0  # the network holds copies: its source arrays may change
    biases[2][:] = 5
    assert np.array_equal(built.predict(images), before)


def test_from_parameters_defaults_to_the_seeds_sigmoid_network():
    rng = np.random.default_rng(1)
    built = Network.from_parameters([rng.standard_normal((10, 784))], [np.zeros((10, 1))])
    assert (built.hidden_activation, built.output_activation, built.cost) == (
        "sigmoid", "sigmoid", "quadratic",
    )  # fmt: skip


def test_loading_a_weight_file_does_not_import_the_training_data_code():
    code = (
        "import sys; from nn.weights import load_model; "
        "load_model('resources/default-model.npz'); "
        "print(sorted(m for m in sys.modules "
        "if m.startswith('nn.handwriting') or m.startswith('nn.data')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=PROJECT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
