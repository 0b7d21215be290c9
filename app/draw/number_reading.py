"""A number written on the canvas: its strokes grouped into digits, each digit read on its own.

Strokes are grouped by their horizontal ink extents (each stroke's points widened by the pen's
radius) with :func:`nn.sketch.grouping.group_boxes`: a dot or a bar that overlaps a digit's extent
belongs to it, and so do strokes that nearly meet, stacked parts and specks; digits written apart
stay apart. Each digit is then read alone with
:meth:`nn.model.Model.read`, exactly as a single digit is, from an image of the canvas's size
holding its strokes only: the canvas's own pixels in the digit's columns (no other digit's ink
reaches them, and the canvas painted them with the same operations as for that digit alone), or,
where two digits' columns meet, the digit's strokes painted again alone by the canvas's own code
(``SketchCanvas.image_of``). A drawing that is one digit is read from the canvas's image
itself, so it costs and answers what it did before numbers. Each digit's strokes go with its
image, for a model that remembers how the user draws (:mod:`nn.sketch.stroke_memory`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nn.model import Answer, Model
from nn.sketch.grouping import group_boxes
from nn.sketch.recipe import CANVAS_PIXELS, CANVAS_WIDTH

Box = tuple[float, float, float, float]
"""``(left, top, right, bottom)`` in canvas image pixels, clipped to the image."""


@dataclass(frozen=True, eq=False)
class DigitGroup:
    """One digit of the number on the canvas.

    ``strokes``: indices into ``SketchCanvas.strokes()`` (ascending); ``box``: its ink's extent,
    pen included (see :data:`Box`); ``answer``: what the model reads there, None without a model.
    """

    strokes: tuple[int, ...]
    box: Box
    answer: Answer | None

    def text(self) -> str:
        """The digit read, ``"2?"`` when not sure, ``""`` without an answer."""
        if self.answer is None:
            return ""
        return str(self.answer.digit) + ("" if self.answer.judgement.sure else "?")


def stroke_boxes(strokes: Sequence[np.ndarray], widths: Sequence[float]) -> list[Box]:
    """Each stroke's ink box: its points ``(n, 2)`` (x, y image px) widened by half its pen width
    ``widths[i]`` (image px) on every side, clipped to the canvas image. An empty stroke gets a
    zero-size box at the origin."""
    boxes = []
    for points, width in zip(strokes, widths, strict=True):
        if len(points) == 0:
            boxes.append((0.0, 0.0, 0.0, 0.0))
            continue
        r = width / 2
        low, high = points.min(axis=0) - r, points.max(axis=0) + r
        boxes.append(
            (
                float(np.clip(low[0], 0, CANVAS_WIDTH)),
                float(np.clip(low[1], 0, CANVAS_PIXELS)),
                float(np.clip(high[0], 0, CANVAS_WIDTH)),
                float(np.clip(high[1], 0, CANVAS_PIXELS)),
            )
        )
    return boxes


def group_strokes(boxes: Sequence[Box]) -> list[tuple[tuple[int, ...], Box]]:
    """Strokes' boxes → digits left to right: ``(stroke indices, the union of their boxes)``."""
    groups = group_boxes(boxes)
    return [(tuple(group), _union([boxes[i] for i in group])) for group in groups]


def _union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


class NumberReader:
    """Reads the canvas as digits; keeps each digit's answer until its strokes change, so while
    one digit is drawn the others are not painted and read again."""

    def __init__(self) -> None:
        self._answers: dict[tuple, Answer | None] = {}
        self._model: Model | None = None

    def read(self, canvas, model: Model | None) -> list[DigitGroup]:
        """The digits on ``canvas`` (a ``SketchCanvas``) left to right, read by ``model``."""
        strokes, widths = canvas.strokes(), canvas.stroke_widths()
        grouped = [  # a stroke drawn wholly off the image leaves no ink to read
            (indices, box)
            for indices, box in group_strokes(stroke_boxes(strokes, widths))
            if box[2] > box[0] and box[3] > box[1]
        ]
        if model is not self._model:
            self._answers.clear()
            self._model = model
        if model is None:
            self._answers.clear()
            return [DigitGroup(indices, box, None) for indices, box in grouped]
        if len(grouped) == 1:  # one digit: the canvas's own image, as always
            self._answers.clear()
            indices, box = grouped[0]
            answer = model.read(canvas.image_array(), [strokes[i] for i in indices])
            return [DigitGroup(indices, box, answer)]
        columns = [_columns(box) for _, box in grouped]
        sketch = None
        answers = {}
        digits = []
        for index, (indices, box) in enumerate(grouped):
            key = tuple((i, len(strokes[i]), widths[i]) for i in indices)
            if key not in self._answers:
                if sketch is None:
                    sketch = canvas.image_array()
                image = _digit_image(canvas, sketch, columns, index, key)
                self._answers[key] = model.read(image, [strokes[i] for i in indices])
            answers[key] = self._answers[key]
            digits.append(DigitGroup(indices, box, answers[key]))
        self._answers = answers  # only the digits on the canvas now
        return digits


def _columns(box: Box) -> tuple[int, int]:
    """The image columns ``[first, end)`` a digit's ink may touch: its box, and a pixel more
    on each side for the anti-aliased edge."""
    return max(0, math.floor(box[0]) - 1), min(CANVAS_WIDTH, math.ceil(box[2]) + 1)


def _digit_image(
    canvas, sketch: np.ndarray, columns: Sequence[tuple[int, int]], index: int, key: tuple
) -> np.ndarray:
    """The image digit ``index``'s strokes alone paint: the canvas's columns of that digit when
    no other digit's ink reaches them (the same pixels, painted by the same operations), else
    the strokes painted again alone (``SketchCanvas.image_of``)."""
    first, end = columns[index]
    others = [c for i, c in enumerate(columns) if i != index]
    if any(o_first < end and first < o_end for o_first, o_end in others):
        return canvas.image_of([i for i, _, _ in key])
    image = np.zeros_like(sketch)
    image[:, first:end] = sketch[:, first:end]
    return image


def number_text(digits: Sequence[DigitGroup]) -> str:
    """The digits read, left to right (each the model's top digit, sure or not); ``""`` when
    there are none or any digit has no answer."""
    if any(d.answer is None for d in digits):
        return ""
    return "".join(str(d.answer.digit) for d in digits)
