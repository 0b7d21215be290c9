"""A trained model: a network with its description, and the one way it reads a sketch.

:meth:`Model.read` is the whole path from a drawing to what the Draw tab shows: the sketch recipe
(:func:`nn.sketch.recipe.sketch_to_mnist`), the model's own way of reading that 28x28 image
(:mod:`nn.sketch.reading`, from its description), the network's ten outputs, weighed with the
strokes of the user's taught drawings when the model remembers them and the drawing's strokes are
known (:mod:`nn.sketch.stroke_memory`), and the "not sure" judgement
(:mod:`nn.sketch.judgement`). The app, the self-test, the benchmarks and the tests all call it,
so what is measured is what a user gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from nn.description import ModelDescription
from nn.network import Network
from nn.sketch.judgement import Judgement, judge
from nn.sketch.reading import SketchReading
from nn.sketch.recipe import sketch_to_mnist
from nn.sketch.stroke_memory import StrokeMemory


@dataclass(frozen=True, eq=False)
class Answer:
    """What a model makes of one sketch.

    ``input``: the (784,) float32 image in [0, 1] the network was given (the recipe's 28x28
    image, read the model's way); ``activations``: its (10,) outputs, weighed with the model's
    memory of the user's strokes when that took part (``by_strokes``); ``judgement``: the digit,
    the runner-up and whether the answer is sure.
    """

    input: np.ndarray
    activations: np.ndarray
    judgement: Judgement
    by_strokes: bool = False

    @property
    def digit(self) -> int:
        return self.judgement.digit


@dataclass(frozen=True, eq=False)
class Model:
    """``network`` and its ``description`` (how it was trained, how it reads sketches), and
    for a model taught the user's digits, its ``strokes`` memory of how they drew them."""

    network: Network
    description: ModelDescription = field(default_factory=ModelDescription)
    strokes: StrokeMemory | None = None

    def __repr__(self) -> str:
        return f"Model({self.network!r}, reads {self.reading.describe()})"

    @property
    def reading(self) -> SketchReading:
        """How this model reads a sketch's 28x28 image."""
        return self.description.sketch_reading

    def read(
        self, sketch: np.ndarray, strokes: Sequence[np.ndarray] | None = None
    ) -> Answer | None:
        """Read a drawing: ``sketch`` is an (H, W) image, white ink on black (see
        :func:`~nn.sketch.recipe.sketch_to_mnist` for the dtypes), and ``strokes`` the ``(n, 2)``
        points of each stroke that drew it, in the order drawn, when known (a photo has none);
        None when the sketch is blank."""
        recipe_input = sketch_to_mnist(sketch)
        if recipe_input is None:
            return None
        return self.answer(recipe_input, strokes)

    def answer(
        self, recipe_input: np.ndarray, strokes: Sequence[np.ndarray] | None = None
    ) -> Answer:
        """The answer for the recipe's (784,) image of a drawing (and its ``strokes``, as in
        :meth:`read`)."""
        x = self.reading.apply(recipe_input)
        activations = self.network.predict(x)
        by_strokes = self.strokes is not None and strokes is not None
        if by_strokes:
            activations = self.strokes.weigh(activations, strokes)
        return Answer(x, activations, judge(activations), by_strokes)

    def predict_as_read(self, images: np.ndarray) -> np.ndarray:
        """Outputs ``(n, 10)`` for 28x28 images ``(n, 784)`` read the way this model reads
        sketches: for measuring how the reading changes other images, e.g. MNIST's."""
        return self.network.predict(self.reading.apply(images))

    def with_reading(self, reading: SketchReading) -> Model:
        """The same network reading sketches as ``reading`` says (for comparing readings)."""
        return replace(self, description=self.description.replace(sketch_reading=reading))
