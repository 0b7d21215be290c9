"""Mini-batch stochastic gradient descent, reported epoch by epoch as plain data.

Training never prints: :meth:`Trainer.run` yields an :class:`EpochResult` after each epoch, and the
caller (the CLI, the GUI's worker) decides what to show. It can be paused, resumed and stopped from
another thread; those requests take effect between mini-batches, and within a mini-batch or an
evaluation too large to compute in one go (see :data:`STEP_WORK`), between parts of it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np

from nn.data.dataset import Dataset
from nn.network import Network, one_hot

ProgressCallback = Callable[[int, int], None]
"""Called as ``on_progress(samples_done, samples_in_epoch)`` about 100 times per epoch."""

AugmentFunction = Callable[[np.ndarray, np.random.Generator], np.ndarray]
"""``augment(images, rng)``: the training images (n, 784) → the epoch's distorted copies (n, 784)
(e.g. :func:`nn.handwriting.augment.augment`); row i must stay a picture of label i."""


SCHEDULES = ("constant", "cosine")

STEP_WORK = 2**29
"""A mini-batch of more than :data:`NEVER_SPLIT` samples whose samples × parameters exceed this
is a large one: more than 563 samples of the default model, more than 22,500 of Nielsen's
[784, 30, 10]. Its step is computed with
:meth:`~nn.network.Network.add_layer_gradients_in_blocks`, a block of :data:`BLOCK_WORK` at a
time, in pieces of :data:`PIECE_VALUES` whose gradients add up to the whole batch's (the same
up to rounding); a stop or pause takes effect between two blocks."""

BLOCK_WORK = 2**27
"""The most multiply-adds a large mini-batch's step computes between two looks at a stop or
pause request: a few milliseconds, and at worst some 0.1 s where saturated sigmoids make the
products subnormal (ten times slower)."""

PIECE_VALUES = 2**22
"""The most samples × neurons one piece of a large mini-batch computes at once, so that each
operation on a whole piece (taking its images, an activation function…) is short, and the blocks
of its matrix products stay in the processor's caches: 388 samples of the largest network, 2,103
of the default model, 5,090 of Nielsen's network."""

NEVER_SPLIT = 32
"""Mini-batches of at most this many samples are computed whole by
:meth:`~nn.network.Network.layer_gradients` on networks of up to :data:`WHOLE_BATCH_PARAMETERS`,
so Nielsen's recipe (10) and the default model's (32) train bit for bit as they always did."""

WHOLE_BATCH_PARAMETERS = 2**24
"""Networks of more parameters (16.7 million; the Train tab allows up to 30 million) compute
every mini-batch in blocks, even small ones: one matrix product of 32 samples there can take
most of a second where saturated sigmoids make the numbers subnormal, too long for Stop and
closing the window to wait. Their last bits then differ from a whole-batch step."""

EVALUATION_WORK = 2**31
"""The most samples × parameters one piece of an evaluation computes (a forward pass only): 74
images of the largest network, and at most 10,000 images at a time, as before, for any network
of up to 214,748 parameters."""

EVALUATION_ROWS = 10_000
AUGMENT_POLL = 0.05
"""Seconds between two looks at a stop request while an epoch waits for its distorted images."""


STUCK_WARNING = (
    "Accuracy is stuck near chance: the learning rate η is probably far too large "
    "(or the network saturated). Try a smaller η."
)
"""What the CLI and the Train tab say, once per run, when :meth:`EpochResult.looks_stuck`."""


class TrainingDiverged(ArithmeticError):  # noqa: N818 - names the event, like StopIteration
    """The cost became NaN or infinite: the learning rate is too large for this network."""


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters of SGD. Defaults are Nielsen's: 30 epochs, mini-batch 10, η = 3.0.

    ``lmbda`` is the L2 weight-decay strength λ (Nielsen's convention: each step shrinks weights by
    ``1 − η λ / n`` for ``n`` training samples); ``momentum`` is μ in ``v ← μ v − η ∇``.
    ``schedule`` "constant" keeps η; "cosine" anneals it epoch by epoch,
    η_e = η · ½(1 + cos(π e/E)), so the last epochs take small steps and the run settles.
    """

    epochs: int = 30
    batch_size: int = 10
    eta: float = 3.0
    lmbda: float = 0.0
    momentum: float = 0.0
    seed: int | None = None
    schedule: str = "constant"

    def __post_init__(self) -> None:
        if not isinstance(self.epochs, int) or self.epochs < 1:
            raise ValueError(f"epochs must be a whole number ≥ 1, got {self.epochs!r}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"mini-batch size must be a whole number ≥ 1, got {self.batch_size!r}")
        if not (math.isfinite(self.eta) and self.eta > 0):
            raise ValueError(f"learning rate η must be a positive number, got {self.eta!r}")
        if not (math.isfinite(self.lmbda) and self.lmbda >= 0):
            raise ValueError(f"L2 strength λ must be ≥ 0, got {self.lmbda!r}")
        if not (math.isfinite(self.momentum) and 0 <= self.momentum < 1):
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(
                f"schedule must be one of {', '.join(SCHEDULES)}; got {self.schedule!r}"
            )

    def eta_for_epoch(self, epoch: int) -> float:
        """The learning rate of epoch ``epoch`` (counted from 0) under the schedule."""
        if self.schedule == "cosine":
            return self.eta * 0.5 * (1 + math.cos(math.pi * epoch / self.epochs))
        return self.eta


@dataclass(frozen=True)
class EpochResult:
    """What one epoch did. ``epoch`` counts from 0, as Nielsen's network.py prints it.

    ``training_loss`` is the mean cost per sample over the epoch's mini-batches (as they were
    computed during the pass, before each step); ``*_correct`` are ``None`` where no set was given.
    ``seconds`` is the wall time of the epoch including evaluation.
    """

    epoch: int
    training_loss: float
    validation_correct: int | None
    validation_total: int
    test_correct: int | None
    test_total: int
    seconds: float

    @property
    def validation_accuracy(self) -> float | None:
        return (
            None
            if self.validation_correct is None
            else self.validation_correct / self.validation_total
        )

    @property
    def test_accuracy(self) -> float | None:
        return None if self.test_correct is None else self.test_correct / self.test_total

    def looks_stuck(self) -> bool:
        """True from the second epoch on when accuracy is still near chance (≤ 12 % for ten
        digits): the run is saturated or oscillating, usually because η is far too large."""
        accuracy = self.validation_accuracy if self.test_accuracy is None else self.test_accuracy
        return self.epoch >= 1 and accuracy is not None and accuracy <= 0.12

    def epoch_line(self) -> str:
        """The line Nielsen's network.py prints, ``Epoch 3: 9452 / 10000``, on the test set (else
        validation)."""
        if self.test_correct is not None:
            return f"Epoch {self.epoch}: {self.test_correct} / {self.test_total}"
        if self.validation_correct is not None:
            return f"Epoch {self.epoch}: {self.validation_correct} / {self.validation_total}"
        return f"Epoch {self.epoch} complete"


class Trainer:
    """Trains ``network`` in place on ``training`` with the settings of ``config``.

    ``validation`` and ``test`` are evaluated after every epoch when given. Thread-safe controls:
    :meth:`request_stop`, :meth:`pause`, :meth:`resume`. They act between mini-batches, within
    a large mini-batch (see :data:`STEP_WORK`) between blocks of its matrix products, and between
    the pieces of an evaluation.

    With ``augment``, each epoch trains on ``augment(training images, rng)`` instead of the
    images themselves; epoch e's rng is seeded from ``config.seed`` and e alone, so a seed repeats
    a run. Epoch e+1's images are prepared in a background thread while epoch e trains. Without
    it, nothing changes: the same seed gives bit for bit the same run as before the option.
    """

    def __init__(
        self,
        network: Network,
        training: Dataset,
        config: TrainingConfig,
        *,
        validation: Dataset | None = None,
        test: Dataset | None = None,
        on_progress: ProgressCallback | None = None,
        augment: AugmentFunction | None = None,
    ) -> None:
        if len(training) == 0:
            raise ValueError("the training set is empty")
        self.network = network
        self.training = training
        self.config = config
        self.validation = validation
        self.test = test
        self.on_progress = on_progress
        self.stopped = False
        self.epochs_trained = 0
        """Epochs whose training pass is complete; after a stop cut an epoch's evaluation short,
        one more than the results :meth:`run` yielded."""
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._held = threading.Event()  # set while run() waits for resume()
        self._rng = np.random.default_rng(config.seed)
        self._inputs = self._with_ones(training.images)  # (n, 785): the ones carry the biases
        self._images = self._inputs[:, :-1]
        self._targets = one_hot(training.labels, network.dtype)
        self._velocities = [np.zeros_like(layer) for layer in network.layers]
        self._parameters = sum(layer.size for layer in network.layers)
        self._piece = max(1, PIECE_VALUES // sum(network.sizes))
        self._evaluation_rows = max(1, min(EVALUATION_ROWS, EVALUATION_WORK // self._parameters))
        self.augment = augment
        # Entropy for the augmentation's per-epoch generators; never touches self._rng.
        self._augment_entropy = np.random.SeedSequence(config.seed).entropy

    def __repr__(self) -> str:
        return f"Trainer({self.network!r}, {self.training!r}, {self.config!r})"

    def request_stop(self) -> None:
        """Stop at the next mini-batch boundary (or block of a large one, or piece of an
        evaluation); :meth:`run` then ends without a partial result."""
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        """Hold at the next mini-batch boundary (or block of a large one, or piece of an
        evaluation) until :meth:`resume` or :meth:`request_stop`."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def held(self) -> bool:
        """True while :meth:`run` is waiting at a mini-batch boundary (or between two pieces of
        work) for :meth:`resume`; :attr:`paused` turns True at once, ``held`` once the pause has
        taken effect."""
        return self._held.is_set()

    def score(self, dataset: Dataset, should_stop: Callable[[], bool] | None = None) -> int | None:
        """How many of ``dataset`` the network reads right, computed in pieces of at most
        :data:`EVALUATION_WORK`; None if ``should_stop()``, asked before each piece, said so."""
        correct, rows = 0, self._evaluation_rows
        for first in range(0, len(dataset), rows):
            if should_stop is not None and should_stop():
                return None
            images = dataset.images[first : first + rows]
            labels = dataset.labels[first : first + rows]
            correct += self.network.evaluate(images, labels, rows)
        return correct

    def run(self) -> Iterator[EpochResult]:
        """Train for ``config.epochs`` epochs, yielding an :class:`EpochResult` after each.

        Raises :class:`TrainingDiverged` as soon as a mini-batch's cost is not finite.
        """
        epochs = self._epoch_images()
        try:
            for epoch in range(self.config.epochs):
                start = time.perf_counter()
                images = next(epochs)
                loss = None
                if images is not None:
                    loss = self._train_one_epoch(self.config.eta_for_epoch(epoch), images)
                if loss is None:
                    self.stopped = True
                    return
                self.epochs_trained = epoch + 1
                result = self._result(epoch, loss, start)
                if result is None:  # stopped during the evaluation: the epoch goes unreported
                    self.stopped = True
                    return
                yield result
        finally:
            epochs.close()

    def _result(self, epoch: int, loss: float, start: float) -> EpochResult | None:
        """The epoch's result with the sets evaluated, or None if a stop cut that short."""
        correct = {}
        for name, dataset in (("validation", self.validation), ("test", self.test)):
            if dataset is not None:
                correct[name] = self.score(dataset, self._should_stop)
                if correct[name] is None:
                    return None
        return EpochResult(
            epoch=epoch,
            training_loss=loss,
            validation_correct=correct.get("validation"),
            validation_total=len(self.validation) if self.validation is not None else 0,
            test_correct=correct.get("test"),
            test_total=len(self.test) if self.test is not None else 0,
            seconds=time.perf_counter() - start,
        )

    def _should_stop(self) -> bool:
        """Asked between two pieces of work: holds while paused, then says whether to stop."""
        if not self._running.is_set():
            self._held.set()
            self._running.wait()
            self._held.clear()
        return self._stop.is_set()

    def _epoch_images(self) -> Iterator[np.ndarray | None]:
        """The images of each epoch in turn: the training images themselves, or with ``augment``
        their distortions, the next epoch's computed in a background thread meanwhile; None if a
        stop came while waiting for them."""
        if self.augment is None:
            while True:
                yield self._inputs
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="augment")
        try:
            pending: Future = pool.submit(self._augmented, 0)
            for epoch in range(self.config.epochs):
                while not self._stop.is_set() and not wait((pending,), AUGMENT_POLL).done:
                    pass  # a stop ends the wait (the distortions finish in the background)
                if self._stop.is_set():
                    yield None
                    return
                images = pending.result()
                if epoch + 1 < self.config.epochs:
                    pending = pool.submit(self._augmented, epoch + 1)
                yield images
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _augmented(self, epoch: int) -> np.ndarray:
        """Epoch ``epoch``'s distorted training images with their ones column, (n, 785)."""
        seed = np.random.SeedSequence(self._augment_entropy, spawn_key=(epoch,))
        images = self.augment(self._images, np.random.default_rng(seed))
        if np.shape(images) != self._images.shape:
            raise ValueError(f"augment returned shape {np.shape(images)}, not {self._images.shape}")
        return self._with_ones(images)

    def _with_ones(self, images: np.ndarray) -> np.ndarray:
        """Images (n, 784) → (n, 785) in the network's dtype, the last column all ones: the
        input :meth:`~nn.network.Network.layer_gradients` takes (the ones carry the biases)."""
        with_ones = np.ones((len(images), images.shape[1] + 1), dtype=self.network.dtype)
        with_ones[:, :-1] = images
        return with_ones

    def _train_one_epoch(self, eta: float, images: np.ndarray) -> float | None:
        """One shuffled pass over ``images`` (n, 785), ending in a ones column, with learning rate
        ``eta``; the mean cost per sample, or None if stopped part-way."""
        n = len(self.training)
        order = self._rng.permutation(n)
        m = self.config.batch_size
        report_every = max(1, (n // m) // 100)
        # Looked up once: with mini-batches of 10 this loop runs 5,000 times an epoch, and every
        # attribute lookup in it shows in the epoch time.
        gradients = self.network.layer_gradients
        targets = self._targets[order]  # 40 bytes a sample: shuffled whole, then sliced
        should_stop, update = self._should_stop, self._update_function(eta)
        large = STEP_WORK // self._parameters  # more samples than this
        if self._parameters <= WHOLE_BATCH_PARAMETERS:
            large = max(NEVER_SPLIT, large)
        summed_cost = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            for batch_index, first in enumerate(range(0, n, m)):
                if should_stop():  # holds here while paused
                    return None
                # Taking rows per mini-batch is cheaper than shuffling a copy of the whole set
                # (and take() is cheaper than fancy indexing).
                rows = order[first : first + m]
                if len(rows) > large:
                    blocked = self._large_step(images, rows, targets[first : first + m], eta)
                    if blocked is None:
                        return None
                    steps, cost = blocked
                else:
                    x = images.take(rows, 0).T
                    y = targets[first : first + m].T
                    steps, cost = gradients(x, y, -eta / len(rows))
                if not math.isfinite(cost):
                    raise TrainingDiverged(
                        f"the cost became {cost} at mini-batch {batch_index}: "
                        f"the learning rate η = {eta:g} is too large"
                    )
                update(steps)
                summed_cost += cost
                if self.on_progress is not None and batch_index % report_every == 0:
                    self.on_progress(min(first + m, n), n)
        if self.on_progress is not None:
            self.on_progress(n, n)
        return summed_cost / n

    def _large_step(
        self, images: np.ndarray, rows: np.ndarray, targets: np.ndarray, eta: float
    ) -> tuple[list[np.ndarray], float] | None:
        """A large mini-batch's steps and summed cost, as :meth:`~nn.network.Network.
        layer_gradients` gives them for the whole batch: computed in blocks, and summed over
        pieces of ``self._piece`` samples (δ is linear in the scale, so each piece's steps are
        already −η/m × its gradient); None if a stop came meanwhile."""
        scale = -eta / len(rows)
        add_gradients = self.network.add_layer_gradients_in_blocks
        steps = [np.zeros_like(layer) for layer in self.network.layers]
        cost = 0.0
        for first in range(0, len(rows), self._piece):
            x = images.take(rows[first : first + self._piece], 0).T
            y = targets[first : first + self._piece].T
            piece_cost = add_gradients(steps, x, y, scale, self._should_stop, BLOCK_WORK)
            if piece_cost is None:
                return None
            cost += piece_cost
        return steps, cost

    def _update_function(self, eta: float) -> Callable[[list[np.ndarray]], None]:
        """The parameter update for one step per layer ``(n_l, n_{l-1} + 1)``, each already
        −(η/m) × the gradient of ``[W b]``."""
        layers = self.network.layers
        mu = self.config.momentum
        decay = eta * self.config.lmbda / len(self.training)
        if mu == 0 and decay == 0:

            def plain_update(steps: list[np.ndarray]) -> None:
                for layer, step in zip(layers, steps):
                    layer += step

            return plain_update
        velocities = self._velocities
        # L2 acts on the weights only, never on the biases: the views leave the last column out.
        weights = [layer[:, :-1] for layer in layers]
        velocities_of_weights = [v[:, :-1] for v in velocities]

        def momentum_update(steps: list[np.ndarray]) -> None:
            for layer, v, v_w, w, step in zip(
                layers, velocities, velocities_of_weights, weights, steps
            ):
                v *= mu
                v += step
                if decay:
                    v_w -= decay * w
                layer += v

        return momentum_update
