"""Write the committed MNIST sample, ``data/sample/``, from the full MNIST IDX files.

    python data/make_sample.py [FOLDER] [--out DIR]

``FOLDER`` holds the four MNIST IDX files (default: ``$MNIST_DIR``). The sample keeps MNIST's
file names and format, so ``nn.data.mnist.load_idx_folder`` reads it like the full set:

* training file: 6,000 images, 600 per digit. The first 5,000 (500 per digit) come from MNIST's
  first 50,000 training images and the last 1,000 (100 per digit) from its last 10,000, so the
  usual split (validation = the last sixth) gives a stratified sample of each of the seeds' sets.
  Digits are interleaved: every run of 10 images holds each digit once, in a shuffled order.
* test file: 1,000 images, 100 per digit, from MNIST's 10,000 test images, interleaved alike.

The output is deterministic: a fixed seed, and gzip with mtime 0.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nn.data.idx import encode_images, encode_labels, parse_images, parse_labels, read_bytes  # noqa: E402
from nn.data.mnist import IDX_NAMES, DataError, idx_file  # noqa: E402

SEED = 20240601
TRAIN_PER_DIGIT = 500  # from MNIST's training part (its first 50,000 images)
VALIDATION_PER_DIGIT = 100  # from MNIST's validation part (its last 10,000 images)
TEST_PER_DIGIT = 100
FULL_TRAINING = 50_000


def stratified(labels: np.ndarray, per_digit: int, rng: np.random.Generator) -> np.ndarray:
    """Indices into ``labels`` ``(n,)``: ``per_digit`` of each digit drawn without replacement,
    in rounds of 10 that each hold every digit once, shuffled; shape ``(10 * per_digit,)``."""
    table = np.stack(
        [
            rng.choice(np.flatnonzero(labels == digit), per_digit, replace=False)
            for digit in range(10)
        ],
        axis=1,
    )
    return rng.permuted(table, axis=1).reshape(-1)


def read_pair(folder: Path, images_name: str, labels_name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(n, 784)`` uint8 pixels and ``(n,)`` uint8 labels of one IDX pair in ``folder``."""
    files = [idx_file(folder, name) for name in (images_name, labels_name)]
    if None in files:
        raise DataError(f"{folder}: missing {images_name}[.gz] or {labels_name}[.gz]")
    images_file, labels_file = files
    images = parse_images(read_bytes(images_file), images_file.name)
    labels = parse_labels(read_bytes(labels_file), labels_file.name)
    return images, labels


def write_gz(path: Path, data: bytes) -> None:
    """``data`` gzipped reproducibly (mtime 0, no file name in the header)."""
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def make_sample(source: Path, out: Path, seed: int = SEED) -> None:
    """Write the four sample ``.gz`` files into ``out`` (created if needed)."""
    rng = np.random.default_rng(seed)
    train_images, train_labels = read_pair(source, IDX_NAMES[0], IDX_NAMES[1])
    test_images, test_labels = read_pair(source, IDX_NAMES[2], IDX_NAMES[3])
    if len(train_labels) != 60_000 or len(test_labels) != 10_000:
        raise DataError(f"{source}: expected the full MNIST set (60,000 + 10,000 images)")
    train = stratified(train_labels[:FULL_TRAINING], TRAIN_PER_DIGIT, rng)
    validation = FULL_TRAINING + stratified(train_labels[FULL_TRAINING:], VALIDATION_PER_DIGIT, rng)
    chosen = np.concatenate([train, validation])
    test = stratified(test_labels, TEST_PER_DIGIT, rng)
    out.mkdir(parents=True, exist_ok=True)
    write_gz(out / f"{IDX_NAMES[0]}.gz", encode_images(train_images[chosen]))
    write_gz(out / f"{IDX_NAMES[1]}.gz", encode_labels(train_labels[chosen]))
    write_gz(out / f"{IDX_NAMES[2]}.gz", encode_images(test_images[test]))
    write_gz(out / f"{IDX_NAMES[3]}.gz", encode_labels(test_labels[test]))


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=os.environ.get("MNIST_DIR"))
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "sample")
    args = parser.parse_args(argv)
    if not args.folder:
        parser.error("give the folder of the full MNIST IDX files, or set MNIST_DIR")
    try:
        make_sample(Path(args.folder), args.out)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in sorted(args.out.glob("*.gz")):
        print(f"{path.stat().st_size:>9,} bytes  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
