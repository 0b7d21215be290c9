"""The neural network of Digit Recognizer, in NumPy and the standard library only (no Qt).

``Network`` holds the maths, ``Trainer`` runs mini-batch SGD epoch by epoch, the data modules read
MNIST, and ``weights_file`` saves and loads trained networks.
"""

from nn.data.dataset import Dataset, MnistSplits
from nn.network import Network
from nn.training import EpochResult, Trainer, TrainingConfig, TrainingDiverged

__all__ = [
    "Dataset",
    "EpochResult",
    "MnistSplits",
    "Network",
    "Trainer",
    "TrainingConfig",
    "TrainingDiverged",
]
