"""How fast is an epoch? Ratios measured in one run, on this machine, at this moment.

1. The seeds' configuration ([784, 30, 10], mini-batch 10, η = 3.0): our vectorised trainer against
   the seeds' per-sample loop (``bench/seeds_reference.py``), interleaved epoch by epoch on the
   same data, so both see the same machine load.
2. [784, 100, 10], mini-batch 100: our epoch against the bound set by matrix products alone: the
   same GEMMs an epoch performs, timed on the spot with nothing else around them.

Each is measured with OpenBLAS on 1 and on 2 threads (set through threadpoolctl-free means: a
subprocess per setting, since OpenBLAS reads OPENBLAS_NUM_THREADS at start-up).

    python bench/epoch.py [--data DIR] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _seed_config_ratio(splits, repeats: int) -> tuple[float, float]:
    """Median seconds per epoch: (ours, the seeds' per-sample loop), interleaved."""
    import numpy as np

    from bench.seeds_reference import SeedsNetwork
    from nn import Network, Trainer, TrainingConfig

    training = splits.training
    pairs = [
        (x[:, None], np.eye(10)[label][:, None])
        for x, label in zip(training.images, training.labels)
    ]
    reference = SeedsNetwork([784, 30, 10], np.random.default_rng(1))
    reference_rng = np.random.default_rng(2)
    config = TrainingConfig(epochs=repeats, batch_size=10, eta=3.0, seed=2)
    ours = Trainer(Network([784, 30, 10], seed=1), training, config).run()
    our_times, reference_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        reference.sgd_epoch(pairs, 10, 3.0, reference_rng)
        reference_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        next(ours)
        our_times.append(time.perf_counter() - start)
    return statistics.median(our_times), statistics.median(reference_times)


def _gemm_bound(n_train: int, batch: int, hidden: int, repeats: int) -> tuple[float, float]:
    """Seconds for the matrix products of one [784, hidden, 10] epoch alone, and their GFLOP."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.random((784, batch), dtype=np.float32)
    w1 = rng.random((hidden, 784), dtype=np.float32)
    w2 = rng.random((10, hidden), dtype=np.float32)
    a1 = rng.random((hidden, batch), dtype=np.float32)
    d2 = rng.random((10, batch), dtype=np.float32)
    batches = n_train // batch

    def one_batch():
        w1 @ x  # forward, layer 1
        w2 @ a1  # forward, layer 2
        d2 @ a1.T  # ∂C/∂W2
        w2.T @ d2  # δ1
        a1 @ x.T  # ∂C/∂W1 (δ1 has a1's shape)

    flop = 2 * batch * (2 * hidden * 784 + 3 * 10 * hidden) * batches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batches):
            one_batch()
        times.append(time.perf_counter() - start)
    return min(times), flop / 1e9


def _wide_ratio(splits, repeats: int) -> tuple[float, float, float]:
    """(our median epoch seconds, GEMM-bound seconds, GFLOP an epoch), [784,100,10] batch 100."""
    from nn import Network, Trainer, TrainingConfig

    config = TrainingConfig(epochs=repeats, batch_size=100, eta=3.0, seed=2)
    trainer = Trainer(Network([784, 100, 10], seed=1), splits.training, config)
    times = []
    for result in trainer.run():
        times.append(result.seconds)
    bound, gflop = _gemm_bound(len(splits.training), 100, 100, repeats)
    return statistics.median(times), bound, gflop


def measure(data: str | None, repeats: int) -> None:
    """Run in a child process with OPENBLAS_NUM_THREADS already set; print one block."""
    from nn.data.mnist import find_mnist

    splits = find_mnist(data)
    ours, reference = _seed_config_ratio(splits, repeats)
    wide, bound, gflop = _wide_ratio(splits, repeats)
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    print(f"OpenBLAS threads: {threads}   data: {splits.source} ({len(splits.training)} training)")
    print(
        f"  seeds config [784,30,10] batch 10:  ours {ours:.3f} s/epoch   seeds' per-sample loop "
        f"{reference:.3f} s/epoch   → {reference / ours:.1f}× faster (target ≥ 10×)"
    )
    print(
        f"  [784,100,10] batch 100:             ours {wide:.3f} s/epoch   GEMM bound {bound:.3f} s "
        f"({gflop:.1f} GFLOP at {gflop / bound:.0f} GFLOP/s)   → {wide / bound:.2f}× the bound "
        f"(target ≤ 1.5×)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", help="folder of MNIST IDX files (default: the app's lookup order)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per implementation")
    parser.add_argument("--threads", help=argparse.SUPPRESS)  # set in the child processes
    args = parser.parse_args()
    if args.threads:
        measure(args.data, args.repeats)
        return
    for threads in ("1", "2"):
        command = [sys.executable, __file__, "--threads", threads, "--repeats", str(args.repeats)]
        if args.data:
            command += ["--data", args.data]
        env = {**os.environ, "OPENBLAS_NUM_THREADS": threads}
        subprocess.run(command, env=env, check=True)


if __name__ == "__main__":
    main()
