"""Teaching a model the user's handwriting: :func:`adapt` a model to their own digits.

How (chosen by measurement on pen-digit *training* writers, ``bench/personal.py``, among them
writers a model trained without them had never seen):

1. **Held back.** One example of each digit the user gave at least twice is kept out of the
   first round of teaching and read before and after it, for the figure the user sees
   (:class:`AdaptReport`); a second, shorter round then teaches those too.
2. **Drawn again.** Each example whose strokes are known is drawn again
   :attr:`AdaptSettings.copies` times as the canvas would draw it
   (:func:`nn.handwriting.strokes.render_to_input`): each stroke begun a little later and
   ended a little sooner (:func:`trimmed`: the same hand lifts and lands the pen at slightly
   different moments, so a 9's small loop or a 5's flag comes and goes), then turned, slanted
   and stretched as another moment's hand might (:func:`nn.handwriting.styles.reshape_hand`),
   bent a little and its strokes moved a little against each other (:func:`wobbled`), its
   longer side a random 30-90 % of the canvas, with a random one of the training pen widths or
   the user's own. An example known only as an image is distorted instead
   (:func:`nn.handwriting.augment.augment`).
   Each is also kept as it was. They are read the way the model reads sketches
   (``model.reading.apply``), as the Draw tab will read the user's next drawings.
3. **Taught.** Only the last two layers change (all of a one-hidden-layer network); the earlier
   layers are kept, so their outputs are computed once. Mini-batches of Adam steps mix the
   user's drawings with as many MNIST training images (read as they are, as the model was
   trained), the user's weighted 0.1 and MNIST's 0.9 when every example's strokes are
   remembered (step 4 then tells their digits apart), 0.4 and 0.6 when some are known only as
   images, with a pull of every changed weight towards its old value, so what the model knew is
   kept: on the default model, MNIST test accuracy moves by a few tenths of a point at most.
4. **Remembered.** The trajectories of the examples whose strokes are known are kept with the
   model (:class:`nn.sketch.stroke_memory.StrokeMemory`): a drawing read with its strokes is
   compared with them, which tells apart digits that one hand draws alike but moves the pen
   through differently. The held-back figure is taken with the memory of the others only.

How much it helps, how long it takes and what else was compared: ``docs/performance.md``.

The base model is never changed: the result is a new :class:`~nn.model.Model` whose description
keeps the base's reading and says it was adapted and from how many digits
(:func:`adapted_digits`). It runs in a worker thread in the app: ``progress(done, total)`` is
called as drawings are made and steps taken, and ``should_stop()`` is asked as often; True raises
:class:`AdaptationStopped`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from nn.activations import DERIVATIVE, FORWARD_INPLACE
from nn.costs import cost_and_delta_for
from nn.data.dataset import Dataset
from nn.description import MAX_TEXT, ModelDescription
from nn.handwriting.augment import augment
from nn.handwriting.options import PEN_WIDTHS
from nn.handwriting.strokes import render_to_input
from nn.handwriting.styles import reshape_hand
from nn.model import Model
from nn.network import Network, one_hot
from nn.personal.store import PersonalDigits
from nn.sketch.recipe import CANVAS_PIXELS
from nn.sketch.stroke_memory import StrokeMemory

Progress = Callable[[int, int], None]
"""``progress(done, total)``: units of work done, of drawings made, then steps taken."""

ADAPTED_KEY = "adapted"
"""The description's ``extra`` entry of an adapted model: ``{"digits": n, "held_back": h,
"adapted_at": ISO time, "times": how many adaptations led to this model}``."""

_ROWS = 2048  # images per piece when computing the kept layers' outputs


class AdaptationStopped(Exception):  # noqa: N818 - names the event, like StopIteration
    """``should_stop()`` said yes: the adaptation was abandoned and nothing was made."""


@dataclass(frozen=True)
class AdaptSettings:
    """How :func:`adapt` teaches (the defaults were chosen on the pen-digit training writers).

    ``copies``: drawings made of each example (fewer when there are many examples, so at most
    ``max_drawings`` are made in all). ``sizes``: the range of a drawing's longer side, as a
    fraction of the 280-px canvas. ``pen_widths``: pen widths in canvas pixels (the example's
    own is added). ``reshape``: how strongly each drawing is turned, slanted and stretched (1:
    ±10°, shear ±0.3, width ×0.82-1.22). ``mnist_images``: MNIST training images mixed in.
    ``steps``: Adam steps, each on ``batch`` of the user's drawings and ``batch`` MNIST images,
    weighted ``personal_share`` and ``1 - personal_share`` when every example's strokes are
    known (and remembered), else ``images_share`` and ``1 - images_share``.
    ``learning_rates``: Adam's step size for the second-to-last and the last layer. ``pull``:
    the strength λ of ``λ‖W − W₀‖²`` holding weights near their old values. ``tuned_layers``:
    how many last layers change.
    ``final_steps``: steps more, once the held-back figure is taken, with the held-back examples
    taught too (0: they stay out of the returned model). ``trim``: at most this share of each
    stroke's length left off at either end of a drawing made again (:func:`trimmed`; 0: none).
    ``wobble`` / ``stroke_shift``: how much each drawing made again is also bent and its
    strokes moved (:func:`wobbled`; 0: not).
    """

    copies: int = 30
    max_drawings: int = 3000
    sizes: tuple[float, float] = (0.3, 0.9)
    pen_widths: tuple[float, ...] = PEN_WIDTHS
    reshape: float = 1.0
    mnist_images: int = 20_000
    steps: int = 150
    batch: int = 128
    personal_share: float = 0.1
    images_share: float = 0.4
    learning_rates: tuple[float, float] = (1e-3, 3e-3)
    pull: float = 1e-3
    tuned_layers: int = 2
    final_steps: int = 75
    wobble: float = 0.08
    stroke_shift: float = 0.05
    trim: float = 0.1


DEFAULT_SETTINGS = AdaptSettings()


@dataclass
class AdaptReport:
    """What an adaptation did, as fractions in [0, 1].

    ``personal_before`` / ``personal_after``: the share of the held-back examples read right
    (read as the model reads sketches) by the base model and by the model taught the others
    (the returned model was then taught them too); None when none could be held back (no digit
    was given twice). ``mnist_before`` / ``mnist_after``: the share of the ``mnist_images``
    MNIST test images read right, as they are, by the base and the returned model (None without
    test images). ``held_back``: examples held back for that figure; ``examples``: all the
    examples taught. ``seconds``: how long :func:`adapt` took. ``held_back_indices``: which of
    the user's examples were held back. ``remembered``: how many examples' strokes the
    returned model remembers (:class:`~nn.sketch.stroke_memory.StrokeMemory`).
    """

    personal_before: float | None
    personal_after: float | None
    mnist_before: float | None
    mnist_after: float | None
    held_back: int
    examples: int
    seconds: float
    mnist_images: int = 0
    held_back_indices: tuple[int, ...] = ()
    remembered: int = 0

    @property
    def mnist_drop_points(self) -> float:
        """How much MNIST test accuracy fell, in percentage points (negative: it rose; 0 when
        not measured)."""
        if self.mnist_before is None or self.mnist_after is None:
            return 0.0
        return 100 * (self.mnist_before - self.mnist_after)

    def too_forgetful(self, limit: float = 0.3) -> bool:
        """True when MNIST test accuracy fell by more than ``limit`` percentage points: the
        adapted model reads other people's digits noticeably worse."""
        return self.mnist_drop_points > limit

    def remembering(self) -> str:
        """``", remembering how 30 were drawn"``, or ``""`` when no strokes are remembered."""
        if not self.remembered:
            return ""
        verb = "was" if self.remembered == 1 else "were"
        return f", remembering how {self.remembered} {verb} drawn"

    def lines(self) -> list[str]:
        """The report in words, three lines: what was taught, the held-back digits (e.g.
        ``"held-back digits: 7 / 10 → 10 / 10 (70.0% → 100.0%)"``) and MNIST."""
        if self.personal_before is None or self.personal_after is None:
            personal = "held-back digits: none (a digit given twice has one held back)"
        else:
            right = round(self.personal_before * self.held_back)
            after = round(self.personal_after * self.held_back)
            personal = (
                f"held-back digits: {right} / {self.held_back} → {after} / "
                f"{self.held_back} ({self.personal_before:.1%} → {self.personal_after:.1%})"
            )
        if self.mnist_before is None or self.mnist_after is None:
            mnist = "MNIST test: not measured"
        else:
            mnist = (
                f"MNIST test ({self.mnist_images:,} images): {self.mnist_before:.2%} → "
                f"{self.mnist_after:.2%} ({-self.mnist_drop_points:+.2f} points)"
            )
        taught = f"taught {self.examples} digits in {self.seconds:.1f} s{self.remembering()}"
        return [taught, personal, mnist]


def adapt(
    model: Model,
    digits: PersonalDigits,
    mnist_train: Dataset,
    mnist_test: Dataset,
    *,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    seed: int | None = 0,
    settings: AdaptSettings = DEFAULT_SETTINGS,
) -> tuple[Model, AdaptReport]:
    """``model`` taught the user's ``digits`` (see the module text), and the figures.

    ``mnist_train``: images mixed in so nothing is forgotten (a random ``mnist_images`` of
    them); ``mnist_test``: images to measure that on, all of them (MNIST's 10,000 take about
    0.2 s a model). ``seed`` repeats everything bit for bit (None: different each time).
    Raises ValueError when there are no digits, :class:`AdaptationStopped` when stopped.
    The base ``model`` is not changed.
    """
    start = time.perf_counter()
    if len(digits) == 0:
        raise ValueError("there are no digits to learn from")
    if digits.strokes is None or any(s is None for s in digits.strokes):
        # some examples are only images: no memory tells them apart, the network learns them
        settings = replace(settings, personal_share=settings.images_share)
    rng = np.random.default_rng(seed)
    held = held_back_indices(digits.labels, rng)
    rest = np.setdiff1d(np.arange(len(digits)), held)
    final_steps = settings.final_steps if len(held) else 0
    work = _Work(progress, should_stop, len(digits) + settings.steps + final_steps + 2)
    copies = min(settings.copies, max(1, settings.max_drawings // len(digits)))
    base = model.network
    tuned = min(settings.tuned_layers, len(base.layers))
    kept = base.layers[: len(base.layers) - tuned]

    mnist_before = _mnist_accuracy(base, mnist_test)
    work.advance()
    mixed = _mnist_mix(mnist_train, settings.mnist_images, rng)
    mnist_rows = (_kept_outputs(base, kept, mixed.images, work), mixed.labels)
    taught = digits.subset(rest)
    personal = _drawn_rows(model, kept, taught, copies, rng, settings, work)
    layers = _teach(base, base.layers[len(kept) :], personal, mnist_rows, rng, settings.steps,
                    settings, work)  # fmt: skip
    held_digits = digits.subset(held)
    first_network = _network_with(base, [*kept, *layers])
    first_round = Model(first_network, model.description, remembered(taught))
    personal_after = _personal_accuracy(first_round, held_digits)
    if final_steps:
        held_rows = _drawn_rows(model, kept, held_digits, copies, rng, settings, work)
        everything = tuple(np.concatenate(pair) for pair in zip(personal, held_rows, strict=True))
        layers = _teach(base, layers, everything, mnist_rows, rng, final_steps, settings, work)
    network = _network_with(base, [*(layer.copy() for layer in kept), *layers])
    memory = remembered(digits)
    mnist_after = _mnist_accuracy(network, mnist_test)
    work.advance()

    report = AdaptReport(
        personal_before=_personal_accuracy(model, held_digits),
        personal_after=personal_after,
        mnist_before=mnist_before,
        mnist_after=mnist_after,
        held_back=len(held),
        examples=len(digits),
        seconds=time.perf_counter() - start,
        mnist_images=len(mnist_test),
        held_back_indices=tuple(int(i) for i in held),
        remembered=0 if memory is None else len(memory),
    )
    description = adapted_description(model.description, report)
    return Model(network, description, memory), report


class _Work:
    """Progress and stop requests: ``advance()`` after each unit of work (a drawn example, a
    step, a measurement), ``check()`` before one; a stop request raises AdaptationStopped."""

    def __init__(
        self, progress: Progress | None, should_stop: Callable[[], bool] | None, total: int
    ) -> None:
        self.progress = progress
        self.should_stop = should_stop
        self.total = total
        self.done = 0

    def check(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise AdaptationStopped("the adaptation was stopped")

    def advance(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)


def remembered(digits: PersonalDigits) -> StrokeMemory | None:
    """The memory of how ``digits`` were drawn (those whose strokes are known), or None."""
    strokes = digits.strokes or [None] * len(digits)
    return StrokeMemory.of([None if s is None else s[1] for s in strokes], digits.labels)


def held_back_indices(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Which examples to keep out of training: one at random of each digit given at least
    twice. Returns sorted indices ``(h,)`` into ``labels``."""
    chosen = []
    for digit in range(10):
        where = np.flatnonzero(labels == digit)
        if len(where) >= 2:
            chosen.append(int(rng.choice(where)))
    return np.array(sorted(chosen), dtype=np.intp)


def adapted_digits(description: ModelDescription) -> int | None:
    """How many of the user's digits the model described was taught in its last adaptation,
    or None when it was never adapted."""
    entry = description.extra.get(ADAPTED_KEY)
    if not isinstance(entry, dict):
        return None
    digits = entry.get("digits")
    return digits if type(digits) is int and digits >= 0 else None


def adapted_description(base: ModelDescription, report: AdaptReport) -> ModelDescription:
    """The description of a model adapted from one described by ``base``: its reading, recipe
    and settings kept; its dataset saying how many of the user's digits were added; its test
    accuracy the MNIST figure after; :data:`ADAPTED_KEY` in ``extra`` saying when and from how
    many digits."""
    previous = base.extra.get(ADAPTED_KEY)
    times = previous.get("times", 1) if isinstance(previous, dict) else 0
    times = times + 1 if type(times) is int and times >= 0 else 1
    now = ModelDescription.now()
    extra = dict(base.extra)
    extra[ADAPTED_KEY] = {
        "digits": report.examples,
        "held_back": report.held_back,
        "adapted_at": now,
        "times": times,
    }
    added = f" + {report.examples} of the user's own digits"
    dataset = (base.dataset or "unknown data")[: MAX_TEXT - len(added)] + added
    tested = report.mnist_after is not None and report.mnist_images > 0
    return base.replace(
        dataset=dataset,
        trained_at=now,
        test_accuracy=report.mnist_after if tested else None,
        test_images=report.mnist_images if tested else None,
        validation_accuracy=None,
        saved_at="",
        extra=extra,
    )


# ---------------------------------------------------------------- the drawings


def _drawn_rows(
    model: Model,
    kept: Sequence[np.ndarray],
    examples: PersonalDigits,
    copies: int,
    rng: np.random.Generator,
    settings: AdaptSettings,
    work: _Work,
) -> tuple[np.ndarray, np.ndarray]:
    """Each example as it was and ``copies`` times more (drawn again from its strokes, or
    distorted when only its image is known), read as ``model`` reads sketches and through the
    ``kept`` layers: rows ``(m, n)`` and labels ``(m,)``."""
    images, labels = [], []
    strokes = examples.strokes or [None] * len(examples)
    for image, label, drawing in zip(examples.images, examples.labels, strokes, strict=True):
        work.check()
        if drawing is None:
            made = augment(np.repeat(image[None], copies, axis=0), rng)
        else:
            made = redraw(drawing[1], drawing[0], copies, rng, settings)
        images += [image[None], made]
        labels.append(np.full(1 + len(made), label, np.int64))
        work.advance()
    read = model.reading.apply(np.concatenate(images))
    return _kept_outputs(model.network, kept, read, work), np.concatenate(labels)


def redraw(
    strokes: Sequence[np.ndarray],
    pen_width: float,
    copies: int,
    rng: np.random.Generator,
    settings: AdaptSettings = DEFAULT_SETTINGS,
) -> np.ndarray:
    """``copies`` new drawings of one example's canvas ``strokes`` (``(k, 2)`` points in canvas
    pixels): each reshaped, scaled so its longer side is a random ``settings.sizes`` fraction of
    the canvas, centred, and drawn with a random pen of ``settings.pen_widths`` or
    ``pen_width``, through the sketch recipe. Returns ``(≤ copies, 784)`` float32 in [0, 1]."""
    widths = np.array([*settings.pen_widths, pen_width], dtype=float)
    centre = CANVAS_PIXELS / 2
    made = []
    for _ in range(copies):
        source = trimmed(strokes, rng, settings.trim) if settings.trim else strokes
        shaped = reshape_hand(source, rng, settings.reshape)
        if settings.wobble or settings.stroke_shift:
            shaped = wobbled(shaped, rng, settings.wobble, settings.stroke_shift)
        every = np.concatenate(shaped)
        low, high = every.min(axis=0), every.max(axis=0)
        size = rng.uniform(*settings.sizes) * CANVAS_PIXELS
        scale = size / max(float((high - low).max()), 1e-9)
        placed = [(s - (low + high) / 2) * scale + centre for s in shaped]
        image = render_to_input(placed, float(rng.choice(widths)))
        if image is not None:
            made.append(image)
    return np.array(made, dtype=np.float32).reshape(-1, 784)


def trimmed(
    strokes: Sequence[np.ndarray], rng: np.random.Generator, most: float
) -> list[np.ndarray]:
    """Each stroke begun a little later and ended a little sooner: up to ``most`` of its length
    left off at each end, as a hand lifts or lands the pen early (a 9's small loop, a hook)."""
    out = []
    for stroke in strokes:
        stroke = np.asarray(stroke, dtype=float)
        steps = np.hypot(*np.diff(stroke, axis=0).T) if len(stroke) > 1 else np.zeros(0)
        travelled = np.concatenate([[0.0], np.cumsum(steps)])
        length = travelled[-1]
        if length <= 0:
            out.append(stroke)
            continue
        start, end = rng.uniform(0, most) * length, (1 - rng.uniform(0, most)) * length
        inside = (travelled > start) & (travelled < end)
        ends = [np.interp(at, travelled, stroke[:, i]) for at in (start, end) for i in (0, 1)]
        out.append(np.vstack([ends[:2], stroke[inside], ends[2:]]))
    return out


def wobbled(
    strokes: Sequence[np.ndarray], rng: np.random.Generator, amount: float, shift: float
) -> list[np.ndarray]:
    """The strokes bent by a smooth random field (each point moved by up to about ``amount``
    of the drawing's longer side, neighbouring points alike) and each stroke moved as a whole
    by up to ``shift`` of it, as the same hand draws a digit a little differently each time."""
    every = np.concatenate(strokes)
    low = every.min(axis=0)
    side = max(float((every.max(axis=0) - low).max()), 1e-9)
    frequencies = rng.uniform(0.5, 1.5, (3, 2)) * rng.choice([-1, 1], (3, 2)) * np.pi
    phases = rng.uniform(0, 2 * np.pi, (3, 1))
    sizes = rng.normal(0, amount / np.sqrt(3), (3, 2))
    moved = []
    for stroke in strokes:
        u = (stroke - low) / side
        waves = np.sin(frequencies @ u.T + phases)  # (3, n)
        offset = rng.uniform(-shift, shift, 2) if len(strokes) > 1 else 0.0
        moved.append(stroke + (waves.T @ sizes + offset) * side)
    return moved


def _mnist_mix(training: Dataset, count: int, rng: np.random.Generator) -> Dataset:
    """A random ``count`` of the training images (all of them when there are fewer)."""
    if len(training) <= count:
        return training
    chosen = rng.choice(len(training), count, replace=False)
    return Dataset(training.images[chosen], training.labels[chosen])


# ---------------------------------------------------------------- the teaching


def _kept_outputs(
    network: Network, kept: Sequence[np.ndarray], images: np.ndarray, work: _Work
) -> np.ndarray:
    """The outputs of the ``kept`` first layers for ``images`` ``(m, 784)``: ``(m, n)`` rows in
    the network's dtype (the images themselves when no layer is kept)."""
    images = np.asarray(images, dtype=network.dtype)
    if not kept:
        return images
    forward = FORWARD_INPLACE[network.hidden_activation]
    out = np.empty((len(images), kept[-1].shape[0]), dtype=network.dtype)
    for start in range(0, len(images), _ROWS):
        work.check()
        a = images[start : start + _ROWS].T
        with np.errstate(over="ignore"):  # a saturated sigmoid is exactly 0, rightly
            for layer in kept:
                z = layer[:, :-1] @ a
                z += layer[:, -1:]
                a = forward(z)
        out[start : start + _ROWS] = a.T
    return out


def _teach(
    network: Network,
    start: Sequence[np.ndarray],
    personal: tuple[np.ndarray, np.ndarray],
    mnist: tuple[np.ndarray, np.ndarray],
    rng: np.random.Generator,
    steps: int,
    settings: AdaptSettings,
    work: _Work,
) -> list[np.ndarray]:
    """The network's last layers ``[W b]``, from ``start``, after ``steps`` Adam steps on
    mini-batches of the kept layers' outputs ``personal`` and ``mnist`` (rows, labels), each
    weight pulled towards its value in ``network``."""
    old = network.layers[len(network.layers) - len(start) :]
    layers = [layer.copy() for layer in start]
    earlier, last = settings.learning_rates
    adam = _Adam(layers, [earlier] * (len(layers) - 1) + [last])
    share = settings.personal_share if len(mnist[1]) else 1.0
    batch = settings.batch
    weights = np.concatenate([np.full(batch, share / batch), np.full(batch, (1 - share) / batch)])
    weights = weights.astype(network.dtype)[None, :]
    functions = _Functions.of(network)
    for _ in range(steps):
        work.check()
        chosen = rng.integers(0, len(personal[1]), batch)
        rows, labels = [personal[0][chosen]], [personal[1][chosen]]
        if len(mnist[1]):
            chosen = rng.integers(0, len(mnist[1]), batch)
            rows.append(mnist[0][chosen])
            labels.append(mnist[1][chosen])
        x = np.concatenate(rows).T
        y = one_hot(np.concatenate(labels), network.dtype).T
        gradients = _gradients(layers, x, y, weights[:, : x.shape[1]], functions)
        for gradient, layer, before in zip(gradients, layers, old, strict=True):
            gradient += (2 * settings.pull) * (layer - before)
        adam.step(gradients)
        work.advance()
    return layers


class _Functions(NamedTuple):
    """A network's activations and cost, as the layers being taught need them."""

    hidden: Callable
    derivative: Callable
    output: Callable
    cost_and_delta: Callable

    @classmethod
    def of(cls, network: Network) -> _Functions:
        return cls(
            FORWARD_INPLACE[network.hidden_activation],
            DERIVATIVE[network.hidden_activation],
            FORWARD_INPLACE[network.output_activation],
            cost_and_delta_for(network.cost, network.output_activation),
        )


def _gradients(
    layers: list[np.ndarray], x: np.ndarray, y: np.ndarray, weights: np.ndarray, f: _Functions
) -> list[np.ndarray]:
    """Backpropagation through ``layers`` (``[W b]``, the network's last ones) for inputs ``x``
    ``(n, m)`` (the kept layers' outputs, as columns) and one-hot targets ``y`` ``(10, m)``:
    the gradients of the cost summed over the columns, each column's times ``weights[0, j]``."""
    last = len(layers) - 1
    activations = [x]
    a = x
    with np.errstate(over="ignore"):
        for index, layer in enumerate(layers):
            z = layer[:, :-1] @ a
            z += layer[:, -1:]
            a = f.output(z) if index == last else f.hidden(z)
            activations.append(a)
    _, delta = f.cost_and_delta(a, y)
    delta *= weights
    gradients: list[np.ndarray] = [None] * len(layers)  # type: ignore[list-item]
    for index in range(last, -1, -1):
        gradient = np.empty_like(layers[index])
        gradient[:, :-1] = delta @ activations[index].T
        gradient[:, -1] = delta.sum(axis=1)
        gradients[index] = gradient
        if index > 0:
            delta = layers[index][:, :-1].T @ delta
            delta *= f.derivative(activations[index])
    return gradients


class _Adam:
    """Adam (β₁ 0.9, β₂ 0.999) on ``parameters`` in place, one step size per array."""

    def __init__(self, parameters: list[np.ndarray], rates: Sequence[float]) -> None:
        self.parameters = parameters
        self.rates = rates
        self.first = [np.zeros_like(p) for p in parameters]
        self.second = [np.zeros_like(p) for p in parameters]
        self.t = 0

    def step(self, gradients: list[np.ndarray]) -> None:
        self.t += 1
        fix1, fix2 = 1 - 0.9**self.t, 1 - 0.999**self.t
        for p, g, m, v, rate in zip(
            self.parameters, gradients, self.first, self.second, self.rates, strict=True
        ):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            p -= rate * (m / fix1) / (np.sqrt(v / fix2) + 1e-8)


def _network_with(base: Network, layers: list[np.ndarray]) -> Network:
    """A network like ``base`` (activations, cost) with these ``[W b]`` layers."""
    return Network.from_parameters(
        [layer[:, :-1] for layer in layers],
        [layer[:, -1:] for layer in layers],
        hidden_activation=base.hidden_activation,
        output_activation=base.output_activation,
        cost=base.cost,
    )


# ---------------------------------------------------------------- the figures


def _mnist_accuracy(network: Network, test: Dataset) -> float | None:
    """The share of ``test`` read right, as it is (None without images)."""
    if len(test) == 0:
        return None
    return network.evaluate(test.images, test.labels) / len(test)


def _personal_accuracy(model: Model, held: PersonalDigits) -> float | None:
    """The share of the ``held`` examples ``model`` reads right, as the Draw tab reads them
    (with their strokes when known); None without any."""
    if len(held) == 0:
        return None
    strokes = held.strokes or [None] * len(held)
    answers = [
        model.answer(image, None if drawing is None else drawing[1])
        for image, drawing in zip(held.images, strokes, strict=True)
    ]
    return float(np.mean([a.digit == label for a, label in zip(answers, held.labels, strict=True)]))
