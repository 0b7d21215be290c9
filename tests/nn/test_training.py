"""The trainer's controls and reports, and the seeds' numbers on full MNIST."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nn.data.dataset import Dataset
from nn.network import Network
from nn.training import EpochResult, Trainer, TrainingConfig, TrainingDiverged


@pytest.fixture
def small_data() -> Dataset:
    rng = np.random.default_rng(0)
    return Dataset(
        rng.random((500, 784), dtype=np.float32), rng.integers(0, 10, 500).astype(np.uint8)
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"epochs": 0}, "epochs must be a whole number"),
        ({"batch_size": 0}, "mini-batch size must be"),
        ({"eta": -1.0}, "learning rate η must be a positive number"),
        ({"eta": math.nan}, "learning rate"),
        ({"lmbda": -0.1}, "L2 strength"),
        ({"momentum": 1.0}, r"momentum must be in \[0, 1\)"),
    ],
)
def test_nonsense_hyper_parameters_are_refused(fields: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**fields)


def test_epoch_results_report_losses_accuracies_and_progress(small_data: Dataset) -> None:
    progress: list[tuple[int, int]] = []
    trainer = Trainer(
        Network([784, 20, 10], seed=0),
        small_data,
        TrainingConfig(epochs=3, batch_size=10, eta=3.0, seed=0),
        validation=small_data.subset(100),
        test=small_data.subset(50),
        on_progress=lambda done, total: progress.append((done, total)),
    )
    results = list(trainer.run())
    assert [r.epoch for r in results] == [0, 1, 2]
    assert results[-1].training_loss < results[0].training_loss
    assert all(r.validation_total == 100 and r.test_total == 50 for r in results)
    assert results[0].epoch_line() == f"Epoch 0: {results[0].test_correct} / 50"
    assert all(total == 500 for _, total in progress) and progress[-1] == (500, 500)
    per_epoch = len(progress) // 3
    assert 10 <= per_epoch <= 102  # about a hundred reports per epoch at most


def test_stop_between_mini_batches_ends_the_run(small_data: Dataset) -> None:
    trainer = Trainer(
        Network([784, 10], seed=0), small_data, TrainingConfig(epochs=5, batch_size=5)
    )
    seen: list[int] = []

    def on_progress(done: int, total: int) -> None:
        seen.append(done)
        if done >= 100:
            trainer.request_stop()

    trainer.on_progress = on_progress
    assert list(trainer.run()) == []
    assert trainer.stopped and max(seen) < 150


def wait_until(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Check ``condition`` every millisecond until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} after {timeout:g} s")
        time.sleep(0.001)


def test_pause_holds_training_until_resumed(small_data: Dataset) -> None:
    trainer = Trainer(
        Network([784, 10], seed=0), small_data, TrainingConfig(epochs=2, batch_size=5)
    )
    seen: list[int] = []

    def on_progress(done: int, total: int) -> None:
        seen.append(done)
        if len(seen) == 10:
            trainer.pause()  # in the training thread: before the 11th mini-batch

    trainer.on_progress = on_progress
    results: list = []
    worker = threading.Thread(target=lambda: results.extend(trainer.run()))
    worker.start()
    wait_until(lambda: trainer.held, "hold at a mini-batch boundary")
    assert trainer.paused and worker.is_alive() and results == []
    assert seen == list(range(5, 55, 5))  # nothing trained since the pause
    trainer.resume()
    worker.join(timeout=30)
    assert not worker.is_alive() and len(results) == 2 and not trainer.held
    assert seen[10] == 55  # resumed where it was held


def test_a_diverging_run_raises_a_clear_error(small_data: Dataset) -> None:
    """ReLU units are unbounded: a huge step overflows float32 parameters and the cost turns NaN."""
    net = Network(
        [784, 30, 10],
        hidden_activation="relu",
        output_activation="softmax",
        cost="cross-entropy",
        seed=0,
    )
    trainer = Trainer(net, small_data, TrainingConfig(epochs=3, batch_size=10, eta=1e20, seed=0))
    with pytest.raises(
        TrainingDiverged,
        match=r"cost became nan at mini-batch \d+: the learning rate η = 1e\+20 is too large",
    ):
        list(trainer.run())


@pytest.mark.slow
def test_the_seeds_configuration_reproduces_their_accuracy(mnist_dir: Path) -> None:
    """[784, 30, 10], mini-batch 10, η = 3.0: ≥ 90 % after "Epoch 1", ≥ 95 % at the best of 30.

    One run's best epoch varies with the seed (seeds 1–6 peaked at 94.83–95.44 %, median 95.2 %;
    Nielsen's own run: 95.42 %), so the claim is checked on the median of three runs.
    """
    from nn.data.mnist import load_idx_folder

    splits = load_idx_folder(mnist_dir)
    assert (len(splits.training), len(splits.validation), len(splits.test)) == (
        50_000,
        10_000,
        10_000,
    )
    best, after_epoch_1 = [], []
    for seed in (1, 2, 3):
        config = TrainingConfig(epochs=30, batch_size=10, eta=3.0, seed=seed)
        trainer = Trainer(
            Network([784, 30, 10], seed=seed), splits.training, config, test=splits.test
        )
        correct = [r.test_correct for r in trainer.run()]
        best.append(max(correct))
        after_epoch_1.append(correct[1])
    assert min(after_epoch_1) >= 9000
    assert sorted(best)[1] >= 9500


def test_the_cosine_schedule_anneals_eta_and_the_trainer_uses_it(small_data: Dataset) -> None:
    config = TrainingConfig(epochs=4, eta=2.0, schedule="cosine")
    assert [config.eta_for_epoch(e) for e in range(4)] == pytest.approx(
        [2.0, 1.7071068, 1.0, 0.2928932]
    )
    assert TrainingConfig(epochs=4, eta=2.0).eta_for_epoch(3) == 2.0
    with pytest.raises(ValueError, match="schedule must be one of constant, cosine"):
        TrainingConfig(schedule="step")

    def first_epoch_change(schedule: str, epochs: int) -> np.ndarray:
        """The weights' change in the last epoch of a run of ``epochs`` epochs."""
        net = Network([784, 10], seed=0)
        trainer = Trainer(
            net, small_data, TrainingConfig(epochs=epochs, eta=1.0, seed=0, schedule=schedule)
        )
        runs = trainer.run()
        for _ in range(epochs - 1):
            next(runs)
        before = net.weights[0].copy()
        next(runs)
        return net.weights[0] - before

    # The same starting point and shuffle; only η differs: cos-annealed to ½(1 + cos(π/2)) = ½.
    constant = first_epoch_change("constant", 1)
    assert np.abs(first_epoch_change("cosine", 1) - constant).max() == 0
    two_epochs = first_epoch_change("cosine", 2)
    assert np.abs(two_epochs).sum() < np.abs(first_epoch_change("constant", 2)).sum()


def test_a_run_stuck_at_chance_is_recognised_from_its_second_epoch() -> None:
    def result(epoch: int, correct: int) -> EpochResult:
        return EpochResult(epoch, 1.0, None, 0, correct, 1000, 0.1)

    assert result(1, 100).looks_stuck() and result(5, 120).looks_stuck()
    assert not result(0, 100).looks_stuck()  # the first epoch may still be finding its feet
    assert not result(1, 121).looks_stuck()
    assert not EpochResult(3, 1.0, None, 0, None, 0, 0.1).looks_stuck()  # nothing evaluated
