"""Validating the content of weight files: the archive's entries, the parameters, the answers.

Used by ``nn.weights.weight_file`` (which owns the public API): every check raises ContentError
with a short message saying precisely what is wrong; the caller adds the file's path. Entries are
read through :class:`nn.weights.archive.Archive`, so each is bounded by what ``sizes`` allows it
before it is read, and ``sizes`` itself is checked before any layer is read.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence

import numpy as np

from nn.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from nn.costs import COSTS
from nn.description import ModelDescription
from nn.digits import IMAGE_PIXELS
from nn.network import MAX_HIDDEN_LAYERS, Network, check_sizes
from nn.weights.archive import Archive, ContentError, brief, shown

__all__ = [
    "FORMAT_TAG",
    "FORMAT_VERSION",
    "MAX_METADATA_CHARS",
    "NAME_CHOICES",
    "ContentError",
    "check_answers",
    "check_layers",
    "check_name",
    "check_sizes_of",
    "parse_metadata",
    "read_archive",
]

FORMAT_TAG = "digit-recognizer-weights"
FORMAT_VERSION = 1
NAME_CHOICES = {
    "hidden_activation": HIDDEN_ACTIVATIONS,
    "output_activation": OUTPUT_ACTIVATIONS,
    "cost": COSTS,
}
FIXED_KEYS = ("version", "sizes", *NAME_CHOICES, "metadata")

MAX_NAME_CHARS = 100
"""The longest format tag or name (activation, cost) read: the real ones have at most 24."""
MAX_METADATA_CHARS = 1 << 18
"""The longest metadata JSON read, in characters (1 MiB as stored): a description takes 2 kB,
and its settings and unknown entries are bounded well below this (:mod:`nn.description`)."""
_NUMBER_BYTES = 64  # one number: the version

Parameters = tuple[list[np.ndarray], list[np.ndarray]]


def read_archive(
    archive: Archive,
) -> tuple[tuple[int, ...], Parameters, dict[str, str], ModelDescription]:
    """Return ``(sizes, (weights, biases), names, description)`` from an opened weight archive.

    ``names`` maps hidden_activation, output_activation and cost to their (allowed) values.
    """
    _check_header(archive)
    sizes = check_sizes_of(_read_sizes(archive))
    parameters = _read_layers(archive, sizes)
    names = {key: check_name(key, _read_str(archive, key), c) for key, c in NAME_CHOICES.items()}
    description = parse_metadata(_read_str(archive, "metadata", MAX_METADATA_CHARS))
    return sizes, parameters, names, description


def _check_header(archive: Archive) -> None:
    keys = archive.keys
    if "format" not in keys:
        held = ", ".join(brief(name, 30) for name in sorted(archive.names)[:8]) or "nothing"
        raise ContentError(
            f"a zip archive without a 'format' entry, not a weight file (it holds {held})"
        )
    tag = _read_str(archive, "format")
    if tag != FORMAT_TAG:
        raise ContentError(f"not a Digit Recognizer weight file: format tag {shown(tag)}")
    if "version" in keys:  # first: a newer format may well hold other entries
        _check_version(archive.read("version", _NUMBER_BYTES))
    missing = [key for key in FIXED_KEYS if key not in keys]
    if missing:
        raise ContentError(f"missing entries: {', '.join(missing)}")


def _check_version(version: np.ndarray) -> None:
    if version.ndim != 0 or version.dtype.kind not in "iu":
        raise ContentError(
            f"'version' must be one integer, got {brief(version.dtype, 30)} {version.shape!s:.30}"
        )
    if int(version) > FORMAT_VERSION:
        raise ContentError(
            f"made by a newer version of Digit Recognizer (file format {int(version)}; "
            f"this version reads up to {FORMAT_VERSION})"
        )
    if int(version) < 1:
        raise ContentError(f"unknown file format version {int(version)}")


def _read_sizes(archive: Archive) -> list[int]:
    most = MAX_HIDDEN_LAYERS + 2

    def check(dtype: np.dtype, shape: tuple[int, ...]) -> None:
        if len(shape) != 1 or dtype.kind not in "iu":
            raise ContentError(
                f"'sizes' must be a 1-D integer array, got {brief(dtype, 30)} {shape!s:.30}"
            )
        if shape[0] > most:
            raise ContentError(
                f"'sizes' lists {shape[0]:,} layers; a network has at most {MAX_HIDDEN_LAYERS} "
                f"hidden layers"
            )

    return archive.read("sizes", 8 * most, check).tolist()


def _read_layers(archive: Archive, sizes: tuple[int, ...]) -> Parameters:
    layers = range(len(sizes) - 1)
    expected = {f"{kind}_{i}" for kind in ("weight", "bias") for i in layers}
    keys = archive.keys
    if missing := sorted(expected - keys):
        raise ContentError(
            f"sizes {list(sizes)} need entries that are missing: {', '.join(missing)}"
        )
    extra = sorted(k for k in keys - expected if k.startswith(("weight_", "bias_")))
    if extra:
        raise ContentError(f"entries {_listed(extra)} belong to no layer of sizes {list(sizes)}")
    weights, biases = [], []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        weights.append(_read_layer(archive, f"weight_{i}", (n_out, n_in), sizes))
        biases.append(_read_layer(archive, f"bias_{i}", (n_out, 1), sizes))
    return check_layers(sizes, weights, biases, "weight_{}", "bias_{}")


def _read_layer(
    archive: Archive, key: str, shape: tuple[int, int], sizes: tuple[int, ...]
) -> np.ndarray:
    """One layer's array, its dtype and shape checked before its data is read."""

    def check(dtype: np.dtype, declared: tuple[int, ...]) -> None:
        _check_dtype_and_shape(key, dtype, declared, shape, sizes)

    return archive.read(key, math.prod(shape) * 8, check)


def _read_str(archive: Archive, key: str, max_chars: int = MAX_NAME_CHARS) -> str:
    def check(dtype: np.dtype, shape: tuple[int, ...]) -> None:
        if shape != () or dtype.kind != "U":
            raise ContentError(
                f"entry {key!r} must be one string, got {brief(dtype, 30)} {shape!s:.30}"
            )
        if dtype.itemsize > 4 * max_chars:
            raise ContentError(
                f"entry {key!r} is a text of {dtype.itemsize // 4:,} characters; "
                f"at most {max_chars:,} are read"
            )

    value = archive.read(key, 4 * max_chars, check)
    codes = np.frombuffer(value.tobytes(), np.dtype(np.uint32).newbyteorder(value.dtype.byteorder))
    if np.any((codes > 0x10FFFF) | ((codes >= 0xD800) & (codes <= 0xDFFF))):
        raise ContentError(f"entry {key!r} is not valid Unicode text")
    return str(value[()])


def _listed(names: list[str], most: int = 6) -> str:
    shown_names = ", ".join(brief(name, 30) for name in names[:most])
    return shown_names + (f" and {len(names) - most:,} more" if len(names) > most else "")


def parse_metadata(text: str) -> ModelDescription:
    """The model description stored as the JSON ``text`` (:mod:`nn.description`)."""
    if len(text) > MAX_METADATA_CHARS:
        raise ContentError(
            f"the metadata is {len(text):,} characters long; at most {MAX_METADATA_CHARS:,}"
        )
    try:
        metadata = json.loads(text)
    except (ValueError, RecursionError) as exc:  # also a number of more than 4,300 digits
        raise ContentError(f"the metadata is not valid JSON ({brief(exc, 80)})") from None
    if not isinstance(metadata, dict):
        raise ContentError(f"the metadata must be a JSON object, not {type(metadata).__name__}")
    try:
        description = ModelDescription.from_metadata(metadata)
    except ValueError as exc:
        raise ContentError(f"the metadata's {brief(exc, 200)}") from None
    try:  # JSON escapes can spell lone surrogates (\ud800), which no text may hold
        json.dumps(metadata, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ContentError("the metadata holds text that is not valid Unicode") from None
    return description


def check_sizes_of(sizes: Sequence[int]) -> tuple[int, ...]:
    """``sizes`` as a tuple, checked by ``nn.network.check_sizes`` (784 in, 10 out, at most
    10 hidden layers and 30 million parameters), before anything of that size is read."""
    try:
        return check_sizes(sizes)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ContentError(f"sizes {shown(list(sizes[:20]))}: {brief(exc, 160)}") from None


def check_layers(
    sizes: tuple[int, ...], weights: Sequence, biases: Sequence, w_name: str, b_name: str
) -> Parameters:
    """Validated C-contiguous native-order parameters (copies only where that takes one).

    ``w_name`` and ``b_name`` are format strings naming layer ``i`` in messages, e.g.
    ``"weight_{}"``. Each array must be float32 or float64 (all the same), have the shape that
    ``sizes`` gives it and hold only finite values.
    """
    layers = len(sizes) - 1
    if len(weights) != layers or len(biases) != layers:
        raise ContentError(
            f"sizes {list(sizes)} describe {layers} layer(s), but there are {len(weights):,} "
            f"weight and {len(biases):,} bias arrays"
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
    _check_dtype_and_shape(name, array.dtype, array.shape, shape, sizes)
    bad = array.size - int(np.count_nonzero(np.isfinite(array)))
    if bad:
        raise ContentError(f"{name} holds {bad:,} NaN or infinite value(s)")
    return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("="))


def _check_dtype_and_shape(
    name: str, dtype: np.dtype, shape: tuple[int, ...], expected: tuple[int, int], sizes: Sequence
) -> None:
    if dtype.kind != "f" or dtype.itemsize not in (4, 8):
        raise ContentError(
            f"{name} has dtype {brief(dtype, 30)}; parameters must be float32 or float64"
        )
    if shape != expected:
        raise ContentError(
            f"{name} has shape {shape!s:.40}, but sizes {list(sizes)} need {expected}"
        )


def check_name(key: str, value: object, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``; ``key`` names the setting in the message."""
    if not isinstance(value, str) or value not in choices:
        raise ContentError(f"{key} {shown(value)} is not one of {', '.join(choices)}")
    return value


PROBES = np.array([np.zeros(IMAGE_PIXELS), np.full(IMAGE_PIXELS, 0.5)])
"""A blank image and a mid-grey one: whatever a network is, its answers to them must be numbers."""


def check_answers(network: Network) -> None:
    """Refuse a network whose answers are not finite numbers, as when its finite weights are so
    large that a layer overflows (every answer would then be NaN): such a network is neither
    saved nor loaded."""
    with np.errstate(all="ignore"):
        outputs = network.predict(PROBES)
        bounded = _largest_inputs_stay_finite(network)
    if not (np.isfinite(outputs).all() and bounded):
        raise ContentError(
            "the network's answers are not finite numbers for every image: "
            "its weights are too large to compute with"
        )


def _largest_inputs_stay_finite(network: Network) -> bool:
    """Whether no layer can overflow for any input in [0, 1]: each layer's inputs are bounded by
    ``bound`` (784 ones at first), so its weighted sums are bounded by ``|W| bound + |b|``; a
    ReLU passes that bound on, a sigmoid bounds its outputs by 1. All finite: no image can give
    an infinite or NaN answer (softmax and sigmoid outputs stay finite for finite sums)."""
    bound = np.ones((network.sizes[0], 1), dtype=network.dtype)
    last = len(network.layers) - 1
    for index, layer in enumerate(network.layers):
        sums = np.abs(layer[:, :-1]) @ bound + np.abs(layer[:, -1:])
        if not np.isfinite(sums).all():
            return False
        relu = index < last and network.hidden_activation == "relu"
        bound = sums if relu else np.ones_like(sums)
    return True
