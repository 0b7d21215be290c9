"""How a network's accuracy falls as its images are disturbed: noise, rotation, stroke thickness
and shift, each at a few levels, level 0 being the images as they are.

The curves are measured on a fixed subset of the images (:func:`robustness_subset`: 1,000 chosen
at random with a seed, the same every time), so that the whole set of curves costs about two
evaluations of the 10,000 MNIST test images.

Every perturbation takes images ``(m, 784)`` in [0, 1] and returns new ones ``(m, 784)`` float32
in [0, 1]. The geometric ones (rotation, shift) resample bilinearly, with black beyond the
border, through one ``(784, 784)`` matrix per transform: ``images @ M``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nn.digits import IMAGE_PIXELS, IMAGE_SIDE
from nn.insight.evaluation import EvaluationStopped, Progress, ShouldStop, check_labels
from nn.insight.projection import check_images, outputs_and_last_hidden
from nn.network import Network
from nn.sketch.morphology import thicken

SUBSET = 1000
"""Images the curves are measured on, by default."""

CENTRE = (IMAGE_SIDE - 1) / 2
"""The image's centre in pixel indices (13.5): rotations turn about it."""

SHIFT_DIRECTIONS = ((0, 1), (1, 0), (0, -1), (-1, 0))
"""(down, right) unit steps: image ``i`` of a shifted set moves along direction ``i % 4``
(right, down, left, up), so the set moves no way on average."""


def robustness_subset(n: int, subset: int = SUBSET, seed: int = 0) -> np.ndarray:
    """Indices ``(min(n, subset),)`` ascending of the images the curves use: all of them when
    there are at most ``subset``, else ``subset`` drawn without replacement by
    ``np.random.default_rng(seed)``."""
    if n <= subset:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=subset, replace=False))


def _resampling(source_rows: np.ndarray, source_cols: np.ndarray) -> np.ndarray:
    """The ``(784, 784)`` float32 matrix ``M`` for which ``images @ M`` reads output pixel
    ``(r, c)`` bilinearly at ``(source_rows[r, c], source_cols[r, c])`` (fractional pixel
    indices, each ``(28, 28)``), zero outside the image. Whole-pixel sources copy exactly."""
    r0, c0 = np.floor(source_rows), np.floor(source_cols)
    fr, fc = (source_rows - r0).ravel(), (source_cols - c0).ravel()
    r0, c0 = r0.astype(np.int64).ravel(), c0.astype(np.int64).ravel()
    matrix = np.zeros((IMAGE_PIXELS, IMAGE_PIXELS))
    outputs = np.arange(IMAGE_PIXELS)
    for dr, dc, weight in (
        (0, 0, (1 - fr) * (1 - fc)),
        (0, 1, (1 - fr) * fc),
        (1, 0, fr * (1 - fc)),
        (1, 1, fr * fc),
    ):
        r, c = r0 + dr, c0 + dc
        used = (weight > 0) & (r >= 0) & (r < IMAGE_SIDE) & (c >= 0) & (c < IMAGE_SIDE)
        np.add.at(matrix, (r[used] * IMAGE_SIDE + c[used], outputs[used]), weight[used])
    return matrix.astype(np.float32)


def _grid() -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.indices((IMAGE_SIDE, IMAGE_SIDE), dtype=np.float64)
    return rows, cols


def rotation_matrix(degrees: float) -> np.ndarray:
    """The resampling matrix (see the module text) that turns an image by ``degrees``
    counter-clockwise as seen on screen (as ``np.rot90`` and Pillow do) about its centre."""
    rows, cols = _grid()
    x, y = cols - CENTRE, CENTRE - rows  # y up
    turn = np.radians(degrees)
    cos, sin = np.cos(turn), np.sin(turn)
    source_x = x * cos + y * sin  # the inverse turn: where each output pixel comes from
    source_y = -x * sin + y * cos
    return _resampling(CENTRE - source_y, source_x + CENTRE)


def shift_matrix(down: float, right: float) -> np.ndarray:
    """The resampling matrix that moves an image ``down`` and ``right`` pixels (negative: up,
    left); ink moved past the border is lost and black comes in."""
    rows, cols = _grid()
    return _resampling(rows - down, cols - right)


def _floats(images: np.ndarray) -> np.ndarray:
    return np.asarray(check_images(images), dtype=np.float32)


def rotate(images: np.ndarray, degrees: float) -> np.ndarray:
    """``images`` ``(m, 784)`` turned by ``degrees`` counter-clockwise about their centre."""
    return _floats(images) @ rotation_matrix(degrees)


def shift(images: np.ndarray, down: float, right: float) -> np.ndarray:
    """``images`` ``(m, 784)`` moved ``down`` and ``right`` pixels (fractions interpolate)."""
    return _floats(images) @ shift_matrix(down, right)


def add_noise(images: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    """``images`` ``(m, 784)`` plus Gaussian noise of standard deviation ``std`` in pixel values
    (1 = from black to white), clipped to [0, 1]; ``std`` 0 returns a copy."""
    images = _floats(images)
    if std == 0:
        return images.copy()
    noisy = images + rng.normal(0, std, images.shape).astype(np.float32)
    return np.clip(noisy, 0, 1, out=noisy)


def change_thickness(images: np.ndarray, pixels: float) -> np.ndarray:
    """``images`` ``(m, 784)`` with strokes ``pixels`` thicker (negative: thinner).

    Each whole pixel is one grey-level dilation (erosion) by a plus-shaped neighbourhood, which
    widens (narrows) a stroke by a pixel on each side; a fraction blends with one more
    (:func:`nn.sketch.morphology.thicken`). 0 returns a copy.
    """
    images = _floats(images).copy()
    step = 1.0 if pixels > 0 else -1.0
    whole, fraction = divmod(abs(pixels), 1.0)
    amounts = [step] * int(whole) + ([step * fraction] if fraction else [])
    for amount in amounts:
        images = thicken(images, np.full(len(images), amount, np.float32))
    return images.reshape(-1, IMAGE_PIXELS)


@dataclass(frozen=True)
class Perturbation:
    """One way of disturbing images: its ``name``, the ``unit`` of its levels, a sentence saying
    what a level means, the default ``levels`` (0 first) and ``apply(images, level, rng)``,
    which disturbs a whole set at one level."""

    name: str
    unit: str
    description: str
    levels: tuple[float, ...]
    apply: Callable[[np.ndarray, float, np.random.Generator], np.ndarray]


def _noisy(images: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    return add_noise(images, level, rng)


def _turned(images: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    """Even-numbered images turned by ``+level``, odd ones by ``-level``."""
    images = _floats(images)
    turned = np.empty_like(images)
    turned[0::2] = images[0::2] @ rotation_matrix(level)
    turned[1::2] = images[1::2] @ rotation_matrix(-level)
    return turned


def _thickened(images: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    return change_thickness(images, level)


def _moved(images: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    """Image ``i`` moved ``level`` pixels along :data:`SHIFT_DIRECTIONS` ``[i % 4]``."""
    images = _floats(images)
    moved = np.empty_like(images)
    for k, (down, right) in enumerate(SHIFT_DIRECTIONS):
        moved[k::4] = images[k::4] @ shift_matrix(down * level, right * level)
    return moved


PERTURBATIONS: dict[str, Perturbation] = {
    p.name: p
    for p in (
        Perturbation(
            "noise",
            "std",
            "Gaussian noise added to every pixel, of this standard deviation (1 = black to "
            "white), clipped to black and white",
            (0.0, 0.1, 0.2, 0.3, 0.4, 0.5),
            _noisy,
        ),
        Perturbation(
            "rotation",
            "°",
            "turned by this many degrees about the image centre, every other image the other way",
            (0.0, 10.0, 20.0, 30.0, 45.0, 60.0),
            _turned,
        ),
        Perturbation(
            "thickness",
            "px",
            "strokes this many pixels thicker on each side (negative: thinner)",
            (0.0, -1.0, -0.5, 0.5, 1.0, 2.0),
            _thickened,
        ),
        Perturbation(
            "shift",
            "px",
            "moved this many pixels right, down, left or up (in turn), ink past the border lost",
            (0.0, 1.0, 2.0, 3.0, 4.0, 5.0),
            _moved,
        ),
    )
}
"""The perturbations :func:`robustness_curves` measures, by name, in the order it measures them.
Thickness levels are signed (thinner and thicker); to draw its curve as a line, sort by level."""


def _accuracy(network: Network, images: np.ndarray, labels: np.ndarray) -> float:
    outputs, _ = outputs_and_last_hidden(network, images)
    return float(np.mean(outputs.argmax(axis=1) == labels))


def _levels_to_measure(
    levels: Mapping[str, Sequence[float]] | None,
) -> dict[str, list[float]]:
    """Each perturbation's nonzero levels, in the order given."""
    chosen = {name: p.levels for name, p in PERTURBATIONS.items()} if levels is None else levels
    unknown = sorted(set(chosen) - set(PERTURBATIONS))
    if unknown:
        raise ValueError(
            f"unknown perturbation(s) {', '.join(unknown)}; known: {', '.join(PERTURBATIONS)}"
        )
    return {name: [float(v) for v in values if v != 0] for name, values in chosen.items()}


def robustness_curves(
    network: Network,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    subset: int = SUBSET,
    levels: Mapping[str, Sequence[float]] | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> dict[str, list[tuple[float, float]]]:
    """For each perturbation, ``[(level, accuracy), …]``: the fraction of right answers on the
    :func:`robustness_subset` of ``images`` ``(n, 784)`` in [0, 1] with ``labels`` ``(n,)``
    0-9, disturbed at each level. The first pair is ``(0.0, accuracy on the undisturbed
    subset)``, the others follow in the order of ``levels`` (by name: the perturbations to
    measure and their levels; by default every one of :data:`PERTURBATIONS` at its default
    levels). ValueError for no images, labels that are not as many digits, or an unknown name.

    ``seed`` fixes the subset and the noise. ``progress(done, total)`` counts evaluations of the
    subset (the undisturbed one and one per nonzero level); once ``should_stop()`` says True
    (asked before each), :class:`~nn.insight.evaluation.EvaluationStopped` is raised.
    """
    images = check_images(images)
    labels = check_labels(labels, len(images))
    if not len(images):
        raise ValueError("there are no images to disturb")
    plan = _levels_to_measure(levels)
    chosen = robustness_subset(len(images), subset, seed)
    sample, truth = images[chosen], labels[chosen]
    total = 1 + sum(len(values) for values in plan.values())
    done = 0

    def measure(these: np.ndarray) -> float:
        nonlocal done
        if should_stop is not None and should_stop():
            raise EvaluationStopped
        accuracy = _accuracy(network, these, truth)
        done += 1
        if progress is not None:
            progress(done, total)
        return accuracy

    plain = measure(sample)
    curves: dict[str, list[tuple[float, float]]] = {}
    for name, values in plan.items():
        apply = PERTURBATIONS[name].apply
        rng = np.random.default_rng([seed, list(PERTURBATIONS).index(name)])
        curves[name] = [(0.0, plain)]
        curves[name] += [(level, measure(apply(sample, level, rng))) for level in values]
    return curves
