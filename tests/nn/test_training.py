"""The trainer's controls and reports, and the seeds' numbers on full MNIST."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nn import training
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


# ---- large mini-batches in pieces and blocks; stops within a step or an evaluation


def _record_calls(net: Network, method: str, on_call: Callable[[int], None] | None = None):
    """Make ``net.<method>`` record the number of samples of each call (and call ``on_call(calls
    so far)`` before computing it); returns the record."""
    sizes: list[int] = []
    compute = getattr(net, method)

    def recording(*args):
        x = args[1] if method == "add_layer_gradients_in_blocks" else args[0]
        sizes.append(x.shape[1])
        if on_call is not None:
            on_call(len(sizes))
        return compute(*args)

    setattr(net, method, recording)
    return sizes


def _pieces_of(samples: int, net: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every mini-batch of more than 32 samples large, computed in pieces of ``samples``
    and in blocks of 5,000 multiply-adds (a row or a few: many blocks)."""
    monkeypatch.setattr(training, "STEP_WORK", 1)
    monkeypatch.setattr(training, "PIECE_VALUES", samples * sum(net.sizes))
    monkeypatch.setattr(training, "BLOCK_WORK", 5000)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_large_mini_batch_is_computed_in_pieces_that_add_up_to_its_gradient(
    small_data: Dataset, monkeypatch: pytest.MonkeyPatch, dtype
) -> None:
    """One mini-batch of all 500 samples, in pieces of 64: the step is the whole batch's
    gradient step, computed here in one go (order does not matter to a sum)."""
    net = Network([784, 20, 10], seed=0, dtype=dtype)
    _pieces_of(64, net, monkeypatch)
    reference = Network([784, 20, 10], seed=0, dtype=dtype)
    x = np.ones((785, 500), dtype=dtype)
    x[:-1] = small_data.images.T
    y = np.eye(10, dtype=dtype)[small_data.labels].T
    steps, summed_cost = reference.layer_gradients(x, y, -3.0 / 500)
    pieces = _record_calls(net, "add_layer_gradients_in_blocks")
    whole = _record_calls(net, "layer_gradients")
    (result,) = Trainer(net, small_data, TrainingConfig(epochs=1, batch_size=600, eta=3.0)).run()
    assert pieces == [64] * 7 + [52] and whole == []
    tolerance = {"rtol": 1e-11, "atol": 1e-14} if dtype == np.float64 else {"atol": 1e-6}
    for layer, initial, step in zip(net.layers, reference.layers, steps):
        np.testing.assert_allclose(layer - initial, step, **tolerance)
        assert np.abs(step).max() > 1e-3  # the step did move the weights
    assert result.training_loss == pytest.approx(summed_cost / 500, rel=1e-6)


def test_mini_batches_of_at_most_32_are_never_split(
    small_data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even where every mini-batch counts as large and a piece would be a single sample, 10 and
    32 samples are computed whole, and the run is the same bit for bit as usual; 33 are split."""

    def run(batch_size: int) -> tuple[list[int], list[int], list[np.ndarray]]:
        net = Network([784, 20, 10], seed=3)
        whole = _record_calls(net, "layer_gradients")
        pieces = _record_calls(net, "add_layer_gradients_in_blocks")
        config = TrainingConfig(epochs=1, batch_size=batch_size, eta=1.0, seed=3)
        list(Trainer(net, small_data, config).run())
        return whole, pieces, net.layers

    usual = {batch: run(batch) for batch in (10, 32)}
    _pieces_of(1, Network([784, 20, 10]), monkeypatch)
    for batch, (usual_whole, _, usual_layers) in usual.items():
        whole, pieces, layers = run(batch)
        assert whole == usual_whole and max(whole) == batch and pieces == []
        assert all(np.array_equal(a, b) for a, b in zip(layers, usual_layers))
    whole, pieces, _ = run(33)  # 15 batches of 33, each in single samples; the last 5 whole
    assert pieces == [1] * (15 * 33) and whole == [5]


_RECORDED_RUNS = r"""
import hashlib, sys
import numpy as np
from nn.data.mnist import load_sample
from nn.network import Network
from nn.training import Trainer, TrainingConfig

splits = load_sample()
training = splits.training.subset(1000)
runs = {
    "seeds, mini-batch 10": (
        Network([784, 30, 10], seed=1),
        TrainingConfig(epochs=2, batch_size=10, eta=3.0, seed=1),
    ),
    "default model's recipe, mini-batch 32": (
        Network([784, 800, 400, 10], hidden_activation="relu", output_activation="softmax",
                cost="cross-entropy", init="scaled", seed=1),
        TrainingConfig(epochs=2, batch_size=32, eta=0.05, momentum=0.9, lmbda=5.0,
                       schedule="cosine", seed=1),
    ),
}
for name, (net, config) in runs.items():
    results = list(Trainer(net, training, config, validation=splits.validation,
                           test=splits.test).run())
    digest = hashlib.sha256(b"".join(layer.tobytes() for layer in net.layers)).hexdigest()
    print(f"{name}: {digest[:16]} {[r.test_correct for r in results]}")
"""


def _openblas_kernels() -> str | None:
    """The name of the OpenBLAS kernels NumPy runs on this machine, e.g. "SkylakeX", if found."""
    import ctypes

    libraries = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for library in libraries.glob("libscipy_openblas*"):
        try:
            corename = ctypes.CDLL(str(library)).scipy_openblas_get_corename64_
        except (OSError, AttributeError):
            continue
        corename.restype = ctypes.c_char_p
        return corename().decode()
    return None


def test_mini_batches_of_10_and_32_train_bit_for_bit_as_before() -> None:
    """Two epochs of the seeds' and the default model's recipes on 1,000 images of the committed
    sample, with one OpenBLAS thread as the app and the CLI use: the weights' SHA-256 was
    recorded by the code before large mini-batches were computed in pieces and blocks.

    Other OpenBLAS kernels round differently (and so would give other hashes), so the recorded
    hashes are checked only where NumPy runs the kernels they were recorded with.
    """
    kernels = _openblas_kernels()
    if kernels != "SkylakeX":
        pytest.skip(f"hashes recorded with OpenBLAS's SkylakeX kernels; these are {kernels}")
    root = Path(__file__).resolve().parents[2]
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", _RECORDED_RUNS],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "seeds, mini-batch 10: 4dd757ea4ceac501 [360, 567]",
        "default model's recipe, mini-batch 32: a8c36dbb342f7b0e [556, 784]",
    ]


def test_stop_takes_effect_within_a_large_mini_batch(
    small_data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked before the third of eight pieces, the stop ends the run at its first block; the
    unfinished step is dropped, so the weights are as they started."""
    net = Network([784, 20, 10], seed=0)
    _pieces_of(64, net, monkeypatch)
    initial = [layer.copy() for layer in net.layers]
    trainer = Trainer(net, small_data, TrainingConfig(epochs=3, batch_size=500, eta=3.0))
    pieces = _record_calls(
        net, "add_layer_gradients_in_blocks", lambda calls: calls == 3 and trainer.request_stop()
    )
    assert list(trainer.run()) == []
    assert trainer.stopped and trainer.epochs_trained == 0
    assert len(pieces) == 3
    assert all(np.array_equal(a, b) for a, b in zip(net.layers, initial))


def test_pause_holds_within_a_large_mini_batch(
    small_data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paused before the third piece, the run holds at that piece's first block; resumed, it
    ends as a run never paused does, bit for bit."""

    def trained(pause_at: int | None) -> tuple[Trainer, list[int], threading.Thread]:
        net = Network([784, 20, 10], seed=0)
        _pieces_of(64, net, monkeypatch)
        trainer = Trainer(net, small_data, TrainingConfig(epochs=2, batch_size=500, seed=0))
        pieces = _record_calls(
            net, "add_layer_gradients_in_blocks", lambda c: c == pause_at and trainer.pause()
        )
        worker = threading.Thread(target=lambda: list(trainer.run()))
        worker.start()
        return trainer, pieces, worker

    trainer, pieces, worker = trained(pause_at=3)
    wait_until(lambda: trainer.held, "hold within the step")
    assert len(pieces) == 3 and worker.is_alive()
    trainer.resume()
    worker.join(timeout=30)
    assert not worker.is_alive() and len(pieces) == 16
    never_paused, _, other = trained(pause_at=None)
    other.join(timeout=30)
    assert all(
        np.array_equal(a, b) for a, b in zip(trainer.network.layers, never_paused.network.layers)
    )


def test_a_stop_during_the_evaluation_ends_the_run_before_the_rest_is_evaluated(
    small_data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The evaluation goes in pieces of 20 images (here); a stop asked during the third piece
    ends the run before the fourth. The epoch was trained, but it is not reported without its
    accuracies."""
    net = Network([784, 20, 10], seed=0)
    monkeypatch.setattr(training, "EVALUATION_WORK", 20 * sum(layer.size for layer in net.layers))
    trainer = Trainer(
        net,
        small_data.subset(100),
        TrainingConfig(epochs=2, batch_size=10),
        validation=small_data,
        test=small_data,
    )
    pieces: list[int] = []
    evaluate = net.evaluate

    def counting_evaluate(images, labels, batch_size=10_000):
        pieces.append(len(images))
        if len(pieces) == 3:
            trainer.request_stop()
        return evaluate(images, labels, batch_size)

    net.evaluate = counting_evaluate
    assert list(trainer.run()) == []
    assert trainer.stopped and trainer.epochs_trained == 1
    assert pieces == [20, 20, 20]


def test_score_counts_in_pieces_and_can_be_cut_short(
    small_data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = Network([784, 20, 10], seed=0)
    monkeypatch.setattr(training, "EVALUATION_WORK", 30 * sum(layer.size for layer in net.layers))
    trainer = Trainer(net, small_data, TrainingConfig())
    right = int(np.sum(net.predict(small_data.images).argmax(axis=1) == small_data.labels))
    assert trainer.score(small_data) == right
    asked: list[int] = []
    assert trainer.score(small_data, lambda: asked.append(1) or len(asked) > 5) is None
    assert len(asked) == 6  # asked before each of the 17 pieces, until it said stop


def test_a_stop_while_the_first_distorted_images_are_prepared_ends_the_run(
    small_data: Dataset,
) -> None:
    """The run does not wait for the distortions to finish once a stop was asked."""
    started, release = threading.Event(), threading.Event()

    def slow_augment(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        started.set()
        release.wait(timeout=30)
        return images

    trainer = Trainer(
        Network([784, 10], seed=0), small_data, TrainingConfig(epochs=2), augment=slow_augment
    )
    results: list = []
    worker = threading.Thread(target=lambda: results.extend(trainer.run()))
    worker.start()
    try:
        wait_until(started.is_set, "distortion started")
        trainer.request_stop()
        wait_until(lambda: not worker.is_alive(), "end of the run while still distorting")
        assert not release.is_set() and results == [] and trainer.stopped
    finally:
        release.set()
        worker.join(timeout=30)
