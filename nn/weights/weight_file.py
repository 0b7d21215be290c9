"""Saving and loading trained networks as versioned ``.npz`` files, validated on the way in.

A weight file holds a :class:`~nn.model.Model`: the network and its description. Format
version 1 is an uncompressed ``np.savez`` archive of these arrays: ``format`` (the tag, a 0-d
string), ``version`` (int), ``sizes`` (int64), ``weight_0 … weight_{L-1}`` and ``bias_0 …
bias_{L-1}`` (float32 or float64, shapes ``(n_l, n_{l-1})`` and ``(n_l, 1)``),
``hidden_activation``, ``output_activation``, ``cost`` (0-d strings) and ``metadata`` (a 0-d
string holding a JSON object: the model's description, see :mod:`nn.description`), and for a
model that remembers the user's strokes, ``stroke_features`` and ``stroke_labels``
(:mod:`nn.weights.stroke_entries`). Entries with other names are ignored, except
``weight_*``/``bias_*`` entries for layers that ``sizes`` does not describe.

Loading takes a file as hostile: only a regular file of at most :data:`MAX_FILE_BYTES` is
opened (without blocking), its content is sniffed, and every archive entry is bounded by what
``sizes`` allows before it is read (:mod:`nn.weights.archive`); nothing is ever unpickled.
Nielsen's network2 JSON (at most :data:`MAX_NETWORK2_BYTES`) is imported too. A network whose
answers are not finite numbers is refused. Every problem becomes a short WeightFileError naming
the file. Saving writes a temporary file beside the target and renames it over the target, so a
failure never leaves a half-written file; temporary files that earlier saves, killed
mid-write, left behind are removed. The path is used as given: no ``.npz`` suffix is added.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nn.description import ModelDescription
from nn.files import STALE_AFTER_SECONDS as STALE_AFTER_SECONDS  # the public name, kept
from nn.files import write_atomically
from nn.model import Model
from nn.network import MAX_PARAMETERS, Network
from nn.weights.archive import Archive, brief, open_limited
from nn.weights.content import (
    FORMAT_TAG,
    FORMAT_VERSION,
    NAME_CHOICES,
    ContentError,
    check_answers,
    check_layers,
    check_name,
    check_sizes_of,
    parse_metadata,
    read_archive,
)
from nn.weights.network2_json import Network2FormatError, parse_network2_json
from nn.weights.stroke_entries import memory_arrays, read_memory

__all__ = [
    "FORMAT_TAG",
    "FORMAT_VERSION",
    "MAX_FILE_BYTES",
    "MAX_NETWORK2_BYTES",
    "WeightFileError",
    "load_model",
    "save_model",
]

MAX_FILE_BYTES = 8 * MAX_PARAMETERS + (32 << 20)
"""The largest weight file read (274 MB): the largest network allowed, in float64, plus room
for the metadata and the archive's own bytes."""
MAX_NETWORK2_BYTES = 50 << 20
"""The largest network2 JSON read (52 MB): about two million parameters written out as text."""

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


class WeightFileError(ValueError):
    """A weight file cannot be saved or loaded; the message names the file and the problem."""


# ---------------------------------------------------------------- saving


def save_model(model: Model, path: str | Path) -> Model:
    """Write ``model`` to ``path``, atomically; returns the model as saved (its description's
    ``saved_at`` set to now).

    A network that would not load back (e.g. NaN weights after a diverged run, or weights so
    large that its answers are NaN) is refused before any file is touched. Raises
    WeightFileError; the previous file at ``path`` then stays intact.
    """
    path = Path(path)
    saved = dataclasses.replace(
        model, description=model.description.replace(saved_at=ModelDescription.now())
    )
    try:
        arrays = _network_arrays(saved.network, saved.description) | memory_arrays(saved.strokes)
        check_answers(saved.network)
    except ContentError as exc:
        raise WeightFileError(f"{path}: not saved: {exc}") from None
    try:  # to a file object, so savez adds no ".npz" to any name
        write_atomically(path, lambda file: np.savez(file, **arrays))
    except Exception as exc:
        raise WeightFileError(f"{path}: could not save ({exc})") from exc
    return saved


def _network_arrays(network: Network, description: ModelDescription) -> dict:
    sizes = check_sizes_of(network.sizes)
    weights, biases = check_layers(sizes, network.weights, network.biases, "weight_{}", "bias_{}")
    arrays = {
        "format": np.array(FORMAT_TAG),
        "version": np.array(FORMAT_VERSION, dtype=np.int64),
        "sizes": np.array(sizes, dtype=np.int64),
    }
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        arrays[f"weight_{i}"] = w
        arrays[f"bias_{i}"] = b
    for key, choices in NAME_CHOICES.items():
        arrays[key] = np.array(check_name(key, getattr(network, key), choices))
    arrays["metadata"] = np.array(_metadata_json(description))
    return arrays


def _metadata_json(description: ModelDescription) -> str:
    try:
        text = json.dumps(description.to_metadata(), default=_json_default)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ContentError(f"metadata cannot be stored as JSON ({brief(exc, 80)})") from None
    parse_metadata(text)  # what would not load back is refused now
    return text


def _json_default(value: object) -> object:
    """NumPy numbers and arrays and paths as JSON values; anything else is refused."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# ---------------------------------------------------------------- loading


def load_model(path: str | Path) -> Model:
    """Read a weight file (or Nielsen's network2 JSON) as a model.

    Everything is validated before the network is built; any problem raises WeightFileError
    whose message names the file and says briefly what is wrong.
    """
    path = Path(path)
    try:
        with open_limited(path, MAX_FILE_BYTES, "a weight file") as file:
            return _load_open_file(file)
    except ContentError as exc:
        raise WeightFileError(f"{path}: {exc}") from None
    except Exception as exc:  # the last word: a hostile file never escapes
        raise WeightFileError(
            f"{path}: could not be read ({type(exc).__name__}: {brief(exc, 100)})"
        ) from exc


def _load_open_file(file: BinaryIO) -> Model:
    """Sniff the content and read it from the same open file (np.load(path) can leak it)."""
    try:
        size = os.fstat(file.fileno()).st_size
        head = file.read(512)
        file.seek(0)
        if head.startswith(_ZIP_MAGICS):
            return _load_npz(file, size)
        if head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{"):
            if size > MAX_NETWORK2_BYTES:
                raise ContentError(
                    f"a network2 JSON file of {size:,} bytes; at most {MAX_NETWORK2_BYTES:,} "
                    "are read"
                )
            return _load_network2(file.read(MAX_NETWORK2_BYTES + 1))
    except OSError as exc:
        raise ContentError(f"cannot be read ({brief(exc, 100)})") from None
    raise ContentError(_describe_unknown(head))


def _describe_unknown(head: bytes) -> str:
    if not head:
        return "the file is empty"
    prefix = "not a Digit Recognizer weight file: "
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return prefix + "it is a Python pickle, which is never loaded (unpickling can run code)"
    if head.startswith(b"\x93NUMPY"):
        return prefix + "it is a single NumPy array (.npy), not an .npz archive"
    if head.startswith(b"\x1f\x8b"):
        return prefix + "it is gzip-compressed data (an MNIST file?)"
    return prefix + f"neither an .npz archive nor network2 JSON (starts {head[:8].hex(' ')})"


def _load_npz(file: BinaryIO, size: int) -> Model:
    with Archive(file, size) as archive:
        _, (weights, biases), names, description = read_archive(archive)
        memory = read_memory(archive)
    network = Network.from_parameters(weights, biases, **names)
    return _checked(Model(network, description, memory))


def _load_network2(data: bytes) -> Model:
    if len(data) > MAX_NETWORK2_BYTES:  # it grew since it was measured
        raise ContentError(f"a network2 JSON file of more than {MAX_NETWORK2_BYTES:,} bytes")
    try:
        sizes, weights, biases, cost = parse_network2_json(data, check_sizes_of)
    except Network2FormatError as exc:
        raise ContentError(f"not a network2 JSON file: {exc}") from None
    weights, biases = check_layers(sizes, weights, biases, "weights[{}]", "biases[{}]")
    network = Network.from_parameters(weights, biases, cost=cost)  # sigmoid everywhere
    return _checked(Model(network, IMPORTED_NETWORK2))


def _checked(model: Model) -> Model:
    check_answers(model.network)
    return model


IMPORTED_NETWORK2 = ModelDescription(
    trained_with="imported from network2 JSON", front_end="imported"
)
