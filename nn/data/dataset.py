"""Plain containers for labelled digit images, independent of where they were read from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nn.digits import IMAGE_PIXELS


@dataclass(frozen=True)
class Dataset:
    """Labelled digits: ``images`` ``(n, 784)`` float32 in [0, 1], white digit on black;
    ``labels`` ``(n,)`` uint8 0–9."""

    images: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.images.ndim != 2 or self.images.shape[1] != IMAGE_PIXELS:
            raise ValueError(f"images must be (n, {IMAGE_PIXELS}), got {self.images.shape}")
        if self.labels.shape != (len(self.images),):
            raise ValueError(f"{len(self.images)} images but labels of shape {self.labels.shape}")

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        return f"Dataset({len(self)} images)"

    def subset(self, count: int) -> Dataset:
        """The first ``count`` samples (all of them if there are fewer)."""
        return Dataset(self.images[:count], self.labels[:count])


@dataclass(frozen=True)
class MnistSplits:
    """Nielsen's three sets: training (50,000), validation (10,000), test (10,000) for MNIST.

    ``source`` says where they were read from, for the user (a folder, a file, "committed sample").
    """

    training: Dataset
    validation: Dataset
    test: Dataset
    source: str = ""

    def __repr__(self) -> str:
        return (
            f"MnistSplits(training={len(self.training)}, validation={len(self.validation)}, "
            f"test={len(self.test)}, source={self.source!r})"
        )
