"""What augmentation adds to an epoch's wall time, measured in one run on this machine.

The default model's network ([784, 800, 400, 10], ReLU, softmax + cross-entropy, mini-batch 32,
momentum) trains for a few epochs on MNIST's 50,000 training images, without and then with
``nn.handwriting.augment.augment``, which the Trainer runs in a background thread for the next
epoch while
this one trains. The first augmented epoch waits for its images; the later ones should not.
Target: augmented epochs at most 1.5x the plain ones.

    python bench/augment_cost.py [--data MNIST_DIR] [--epochs 3] [--limit N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from nn.data.mnist import load_idx_folder
from nn.handwriting.augment import augment
from nn.network import Network
from nn.training import Trainer, TrainingConfig

SIZES = (784, 800, 400, 10)
TARGET = 1.5


def epoch_seconds(training, epochs: int, augment_function) -> list[float]:
    """Wall time of each epoch (training only: no evaluation sets are given)."""
    network = Network(
        SIZES, hidden_activation="relu", output_activation="softmax", cost="cross-entropy",
        init="scaled", seed=1,
    )  # fmt: skip
    config = TrainingConfig(epochs=epochs, batch_size=32, eta=0.05, momentum=0.9, seed=1)
    return [r.seconds for r in Trainer(network, training, config, augment=augment_function).run()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"), help="MNIST folder")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, help="only the first N training images")
    args = parser.parse_args()
    if not args.data:
        parser.error("needs full MNIST: --data DIR or MNIST_DIR")
    training = load_idx_folder(args.data).training.subset(args.limit or 50_000)
    start = time.perf_counter()
    augment(training.images, np.random.default_rng(0))
    alone = time.perf_counter() - start
    plain = epoch_seconds(training, args.epochs, None)
    augmented = epoch_seconds(training, args.epochs, augment)
    print(f"{len(training)} images, network {list(SIZES)}, mini-batch 32, {os.cpu_count()} CPUs")
    print(f"  augment() alone, all images:     {alone:6.2f} s")
    print(f"  plain epochs:                    {' '.join(f'{s:6.2f}' for s in plain)} s")
    print(f"  augmented epochs:                {' '.join(f'{s:6.2f}' for s in augmented)} s")
    steady = np.mean(augmented[1:]) / np.mean(plain[1:])
    first = augmented[0] / plain[0]
    verdict = "meets" if steady <= TARGET else "misses"
    print(f"  → first epoch {first:.2f}x (waits for its images), later epochs {steady:.2f}x the")
    print(f"    plain ones: {verdict} the target of at most {TARGET}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
