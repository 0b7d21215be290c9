"""Validating the content of weight files: the ``.npz`` archive's entries and the parameters.

Used by ``nn.weights.weight_file`` (which owns the public API): every check raises ContentError
with a message saying precisely what is wrong; the caller adds the file's path.
"""

from __future__ import annotations

import itertools
import json
import struct
import zipfile
import zlib
from collections.abc import Sequence

import numpy as np

from nn.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from nn.costs import COSTS
from nn.description import ModelDescription
from nn.network import check_sizes

FORMAT_TAG = "digit-recognizer-weights"
FORMAT_VERSION = 1
NAME_CHOICES = {
    "hidden_activation": HIDDEN_ACTIVATIONS,
    "output_activation": OUTPUT_ACTIVATIONS,
    "cost": COSTS,
}
FIXED_KEYS = ("sizes", *NAME_CHOICES, "metadata")
# What reading a damaged or hostile archive can raise (np.load refuses pickles with ValueError).
READ_ERRORS = (
    zipfile.BadZipFile, zlib.error, struct.error, ValueError, OSError, EOFError, KeyError,
    NotImplementedError, RuntimeError, MemoryError,
)  # fmt: skip

Archive = np.lib.npyio.NpzFile
Parameters = tuple[list[np.ndarray], list[np.ndarray]]


class ContentError(Exception):
    """What is wrong with a weight file's content (without the file's path)."""


def read_archive(
    archive: Archive,
) -> tuple[tuple[int, ...], Parameters, dict[str, str], ModelDescription]:
    """Return ``(sizes, (weights, biases), names, description)`` from an opened weight archive.

    ``names`` maps hidden_activation, output_activation and cost to their (allowed) values.
    Nothing is unpickled: the archive must have been opened with ``allow_pickle=False``.
    """
    _check_header(archive)
    sizes = check_sizes_of(_read_sizes(archive))
    parameters = _read_layers(archive, sizes)
    names = {key: check_name(key, _read_str(archive, key), c) for key, c in NAME_CHOICES.items()}
    description = parse_metadata(_read_str(archive, "metadata"))
    return sizes, parameters, names, description


def _check_header(archive: Archive) -> None:
    keys = set(archive.files)
    if "format" not in keys:
        held = ", ".join(sorted(keys)[:8]) or "nothing"
        raise ContentError(
            f"a zip archive without a 'format' entry, not a weight file (it holds {held})"
        )
    tag = _read_str(archive, "format")
    if tag != FORMAT_TAG:
        raise ContentError(f"not a Digit Recognizer weight file: format tag {tag!r}")
    version = _read(archive, "version")
    if version.ndim != 0 or version.dtype.kind not in "iu":
        raise ContentError(f"'version' must be one integer, got {version.dtype} {version.shape}")
    if int(version) > FORMAT_VERSION:
        raise ContentError(
            f"made by a newer version of Digit Recognizer (file format {int(version)}; "
            f"this version reads up to {FORMAT_VERSION})"
        )
    if int(version) < 1:
        raise ContentError(f"unknown file format version {int(version)}")
    missing = [key for key in FIXED_KEYS if key not in keys]
    if missing:
        raise ContentError(f"missing entries: {', '.join(missing)}")


def _read_sizes(archive: Archive) -> list[int]:
    sizes = _read(archive, "sizes")
    if sizes.ndim != 1 or sizes.dtype.kind not in "iu":
        raise ContentError(f"'sizes' must be a 1-D integer array, got {sizes.dtype} {sizes.shape}")
    return sizes.tolist()


def _read_layers(archive: Archive, sizes: tuple[int, ...]) -> Parameters:
    layers = range(len(sizes) - 1)
    expected = {f"{kind}_{i}" for kind in ("weight", "bias") for i in layers}
    keys = set(archive.files)
    if missing := sorted(expected - keys):
        raise ContentError(
            f"sizes {list(sizes)} need entries that are missing: {', '.join(missing)}"
        )
    extra = sorted(k for k in keys - expected if k.startswith(("weight_", "bias_")))
    if extra:
        raise ContentError(f"entries {', '.join(extra)} belong to no layer of sizes {list(sizes)}")
    weights = [_read(archive, f"weight_{i}") for i in layers]
    biases = [_read(archive, f"bias_{i}") for i in layers]
    return check_layers(sizes, weights, biases, "weight_{}", "bias_{}")


def _read(archive: Archive, key: str) -> np.ndarray:
    try:
        value = archive[key]
    except READ_ERRORS as exc:
        if "allow_pickle" in str(exc):
            raise ContentError(
                f"entry {key!r} holds Python objects, which are never unpickled"
            ) from None
        raise ContentError(f"entry {key!r} is damaged ({exc})") from None
    if not isinstance(value, np.ndarray):
        raise ContentError(f"entry {key!r} is not a NumPy array")
    return value


def _read_str(archive: Archive, key: str) -> str:
    value = _read(archive, key)
    if value.ndim != 0 or value.dtype.kind != "U":
        raise ContentError(f"entry {key!r} must be one string, got {value.dtype} {value.shape}")
    return str(value[()])


def parse_metadata(text: str) -> ModelDescription:
    """The model description stored as the JSON ``text`` (:mod:`nn.description`)."""
    try:
        metadata = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ContentError(f"the metadata is not valid JSON ({exc})") from None
    if not isinstance(metadata, dict):
        raise ContentError(f"the metadata must be a JSON object, not {type(metadata).__name__}")
    try:
        return ModelDescription.from_metadata(metadata)
    except ValueError as exc:
        raise ContentError(f"the metadata's {exc}") from None


def check_sizes_of(sizes: Sequence[int]) -> tuple[int, ...]:
    """``sizes`` as a tuple, checked by ``nn.network.check_sizes`` (784 in, 10 out, all ≥ 1)."""
    try:
        return check_sizes(sizes)
    except ValueError as exc:
        raise ContentError(f"sizes {list(sizes)}: {exc}") from None


def check_layers(
    sizes: tuple[int, ...], weights: Sequence, biases: Sequence, w_name: str, b_name: str
) -> Parameters:
    """Validated C-contiguous native-order copies of the parameters.

    ``w_name`` and ``b_name`` are format strings naming layer ``i`` in messages, e.g.
    ``"weight_{}"``. Each array must be float32 or float64 (all the same), have the shape that
    ``sizes`` gives it and hold only finite values.
    """
    layers = len(sizes) - 1
    if len(weights) != layers or len(biases) != layers:
        raise ContentError(
            f"sizes {list(sizes)} describe {layers} layer(s), but there are {len(weights)} "
            f"weight and {len(biases)} bias arrays"
        )
    checked_w, checked_b = [], []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        checked_w.append(_check_array(w_name.format(i), weights[i], (n_out, n_in), sizes))
        checked_b.append(_check_array(b_name.format(i), biases[i], (n_out, 1), sizes))
    dtypes = sorted({str(a.dtype) for a in checked_w + checked_b})
    if len(dtypes) > 1:
        raise ContentError(f"the layers mix dtypes {' and '.join(dtypes)}; they must share one")
    return checked_w, checked_b


def _check_array(name: str, array: object, shape: tuple[int, int], sizes: Sequence) -> np.ndarray:
    if not isinstance(array, np.ndarray):
        raise ContentError(f"{name} is not a NumPy array")
    if array.dtype.kind != "f" or array.dtype.itemsize not in (4, 8):
        raise ContentError(f"{name} has dtype {array.dtype}; parameters must be float32 or float64")
    if array.shape != shape:
        raise ContentError(f"{name} has shape {array.shape}, but sizes {list(sizes)} need {shape}")
    bad = array.size - int(np.count_nonzero(np.isfinite(array)))
    if bad:
        raise ContentError(f"{name} holds {bad} NaN or infinite value(s)")
    return np.array(array, dtype=array.dtype.newbyteorder("="), order="C", copy=True)


def check_name(key: str, value: object, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``; ``key`` names the setting in the message."""
    if not isinstance(value, str) or value not in choices:
        raise ContentError(f"{key} {value!r} is not one of {', '.join(choices)}")
    return value
