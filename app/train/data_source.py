"""Which MNIST the training tab uses, and loading it (Qt-free: runs in the training thread).

The three choices of the tab: the committed sample, full MNIST (from ``$MNIST_DIR`` or the user
data folder, downloaded there on first use) and a folder of IDX files picked by the user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nn.data.dataset import MnistSplits
from nn.data.download import download_mnist
from nn.data.mnist import load_idx_folder, load_sample, local_mnist_folder

SAMPLE, FULL, FOLDER = "sample", "full", "folder"
KINDS = (SAMPLE, FULL, FOLDER)

DownloadProgress = Callable[[int, int], None]
"""Called as ``on_download_progress(bytes_done, bytes_total)`` while MNIST downloads."""

DataLoader = Callable[["DataChoice", DownloadProgress, Callable[[], bool]], MnistSplits]
"""``loader(choice, on_download_progress, should_stop)`` → the splits; raises DataError,
DownloadError or OSError. The training tab accepts any such callable (tests pass tiny data)."""


@dataclass(frozen=True)
class DataChoice:
    """``kind`` is one of :data:`KINDS`; ``folder`` is the IDX folder for ``kind == FOLDER``."""

    kind: str = SAMPLE
    folder: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"data choice must be one of {', '.join(KINDS)}, not {self.kind!r}")

    def problem(self) -> str:
        """Why this choice cannot be used as it is, or "" when it can."""
        if self.kind != FOLDER:
            return ""
        if not self.folder:
            return "choose a folder holding the four MNIST IDX files"
        if not Path(self.folder).is_dir():
            return f"the folder {self.folder} does not exist"
        return ""


def load_data(
    choice: DataChoice,
    on_download_progress: DownloadProgress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> MnistSplits:
    """The splits for ``choice``; full MNIST is downloaded when it is not found locally."""
    if choice.kind == SAMPLE:
        return load_sample()
    if choice.kind == FOLDER:
        return load_idx_folder(choice.folder)
    folder = local_mnist_folder()
    if folder is None:
        folder = download_mnist(on_progress=on_download_progress, should_stop=should_stop)
    return load_idx_folder(folder)
