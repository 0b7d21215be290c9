"""What one training run is made of: the data, the network's shape and options, the SGD
settings and the handwriting options; plain data, handed from the Train tab to the worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.train.data_source import DataChoice
from nn.handwriting.options import HandwritingOptions
from nn.training import TrainingConfig


@dataclass(frozen=True)
class TrainingJob:
    """Everything a run needs: the data choice, the layer sizes, the options of
    :class:`~nn.network.Network` (activations, cost, init, seed), the SGD settings and the
    handwriting options (pen digits drawn with the config's seed)."""

    data: DataChoice
    sizes: tuple[int, ...]
    config: TrainingConfig
    network_options: dict = field(default_factory=dict)
    handwriting: HandwritingOptions = field(default_factory=HandwritingOptions)

    def describe(self) -> str:
        """One line for the log: "[784, 30, 10], sigmoid hidden, sigmoid output, quadratic cost,
        N(0, 1) init, η = 3, mini-batch 10, 30 epochs", then the options that are on."""
        options, config = self.network_options, self.config
        parts = [
            str(list(self.sizes)),
            f"{options.get('hidden_activation', 'sigmoid')} hidden",
            f"{options.get('output_activation', 'sigmoid')} output",
            f"{options.get('cost', 'quadratic')} cost",
            "N(0, 1/n_in) init" if options.get("init") == "scaled" else "N(0, 1) init",
            f"η = {config.eta:g}" + (" annealed (cosine)" if config.schedule == "cosine" else ""),
            f"mini-batch {config.batch_size}",
            f"{config.epochs} epoch{'' if config.epochs == 1 else 's'}",
        ]
        if config.lmbda:
            parts.append(f"λ = {config.lmbda:g}")
        if config.momentum:
            parts.append(f"momentum {config.momentum:g}")
        if config.seed is not None:
            parts.append(f"seed {config.seed}")
        return ", ".join(parts + self.handwriting.describe())
