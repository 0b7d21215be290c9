"""Parsing the JSON that Michael Nielsen's ``network2.py`` writes with ``Network.save``.

Its layout is ``{"sizes": [784, 30, 10], "weights": [...], "biases": [...], "cost":
"CrossEntropyCost"}``: layer ``l`` has weights ``(n_l, n_{l-1})`` and biases ``(n_l, 1)`` as nested
lists, and every layer uses the sigmoid. This module checks the JSON structure, has the sizes
checked (by the caller's function) before any matrix is converted, and turns the lists into
float64 arrays; ``nn.weights.weight_file`` then checks the shapes and values and builds the
network. The caller bounds the file's size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import numpy as np

from nn.weights.archive import brief, shown

COST_NAMES = {"CrossEntropyCost": "cross-entropy", "QuadraticCost": "quadratic"}
REQUIRED_KEYS = ("sizes", "weights", "biases", "cost")


class Network2FormatError(ValueError):
    """The JSON is not a network2 file; the message says what is wrong (without the path)."""


def parse_network2_json(
    data: bytes, check_sizes: Callable[[Sequence[int]], tuple[int, ...]]
) -> tuple[tuple[int, ...], list[np.ndarray], list[np.ndarray], str]:
    """Return ``(sizes, weights, biases, cost)`` from network2 JSON bytes.

    ``sizes`` is what ``check_sizes`` (which raises for sizes it refuses) returns for the
    file's sizes, called before any matrix is converted. ``cost`` is translated to this
    project's name (``"cross-entropy"`` or ``"quadratic"``). Raises Network2FormatError when
    the text is not JSON or lacks the network2 structure.
    """
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise Network2FormatError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise Network2FormatError("not usable JSON (nested too deeply)") from None
    except ValueError as exc:  # not JSON, or a number of more than 4,300 digits
        raise Network2FormatError(f"not valid JSON ({brief(exc, 100)})") from None
    if not isinstance(document, dict):
        raise Network2FormatError(f"the JSON is a {type(document).__name__}, not an object")
    missing = [key for key in REQUIRED_KEYS if key not in document]
    if missing:
        raise Network2FormatError(f"the JSON object lacks the key(s) {', '.join(missing)}")
    sizes = check_sizes(_sizes(document["sizes"]))
    layers = len(sizes) - 1
    return (
        sizes,
        _matrices("weights", document["weights"], layers),
        _matrices("biases", document["biases"], layers),
        _cost(document["cost"]),
    )


def _sizes(value: object) -> list[int]:
    if not isinstance(value, list) or not all(type(n) is int for n in value):
        raise Network2FormatError(f"'sizes' must be a list of whole numbers, got {shown(value)}")
    return value


def _matrices(key: str, value: object, layers: int) -> list[np.ndarray]:
    if not isinstance(value, list):
        raise Network2FormatError(f"{key!r} must be a list of matrices, not {type(value).__name__}")
    if len(value) != layers:
        raise Network2FormatError(
            f"'sizes' describe {layers} layer(s), but {key!r} holds {len(value):,} matrices"
        )
    return [_matrix(f"{key}[{i}]", item) for i, item in enumerate(value)]


def _matrix(name: str, value: object) -> np.ndarray:
    """A nested list of numbers as a float64 array (its shape is checked by the caller)."""
    try:
        array = np.array(value)
    except (ValueError, TypeError, RecursionError):
        raise Network2FormatError(f"{name} is not a rectangular list of lists") from None
    if array.dtype.kind not in "iuf":
        raise Network2FormatError(f"{name} must hold only numbers")
    return array.astype(np.float64)


def _cost(value: object) -> str:
    if not isinstance(value, str) or value not in COST_NAMES:
        raise Network2FormatError(f"cost {shown(value)} is not one of {', '.join(COST_NAMES)}")
    return COST_NAMES[value]
