"""Weight files: a trained :class:`~nn.model.Model` saved and loaded, validated on the way in.

``save_model(model, path)`` and ``load_model(path)`` are the whole interface; the format is
described in :mod:`nn.weights.weight_file`.
"""

from nn.weights.weight_file import (
    FORMAT_TAG,
    FORMAT_VERSION,
    WeightFileError,
    load_model,
    save_model,
)

__all__ = ["FORMAT_TAG", "FORMAT_VERSION", "WeightFileError", "load_model", "save_model"]
