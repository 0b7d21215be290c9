"""What a trained model is, in one typed object: :class:`ModelDescription`.

A weight file stores the network's parameters and, as its metadata (a JSON object), this
description: what the model was trained on and how, when, by which front end, how well it read
the test set, and how it reads sketches. :meth:`ModelDescription.to_metadata` and
:meth:`ModelDescription.from_metadata` are the only way between the two, so every front end (the
CLI, the app, the benchmarks) writes the same keys.

The metadata is versioned by its ``"description_version"`` entry. Files written before there was
one (version 1: the CLI's ``date`` and fractional ``test_accuracy``; the app's ``trained_at``,
``test_correct`` and ``test_total``; a benchmark's ``trained_by``; an imported network2 JSON's
``imported_from``) are read into the same fields; keys no version knows are kept in ``extra`` and
written back as they were. Every value is checked, so a description never holds a value the
window cannot show.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from nn.sketch.reading import AS_DRAWN, METADATA_KEY, SketchReading

DESCRIPTION_VERSION = 2
"""The version :meth:`ModelDescription.to_metadata` writes; 1 is the untyped metadata before it."""

VERSION_KEY = "description_version"

FRONT_ENDS = ("cli", "app", "bench", "imported", "unknown")
"""Which program trained the model: ``python -m nn``, the Train tab, a benchmark script, a file
imported from another program (Nielsen's network2 JSON), or not recorded."""

MAX_TEXT = 2000
"""The longest text a description keeps, in characters: enough for any command line."""

MAX_EPOCHS = 1_000_000
MAX_TEST_IMAGES = 1_000_000_000

MAX_JSON_CHARS = 100_000
"""The most ``settings`` (and, apart, ``extra``) may take written as JSON: a run's settings
take 1 kB."""
MAX_JSON_DEPTH = 32
"""How deeply ``settings`` and ``extra`` may nest: a run's settings nest 3 deep."""

_FIELDS = (
    "dataset",
    "trained_with",
    "front_end",
    "trained_at",
    "epochs",
    "stopped_early",
    "test_accuracy",
    "test_images",
    "validation_accuracy",
    "settings",
    "saved_at",
)
_REDUNDANT = ("sizes", "hidden_activation", "output_activation", "cost")
"""Version-1 entries the app copied from the weight file itself: dropped on reading."""


@dataclass(frozen=True)
class ModelDescription:
    """What a trained model is (every field may be unknown: empty, zero or None).

    - ``dataset``: where the training images came from (a folder, "committed sample", …).
    - ``trained_with``: how: the command line for the CLI, the settings in words for the app.
    - ``front_end``: one of :data:`FRONT_ENDS`.
    - ``trained_at`` and ``saved_at``: local ISO 8601 date and time with the UTC offset.
    - ``epochs``: epochs trained; ``stopped_early``: the run was stopped before its last epoch.
    - ``test_accuracy``: the fraction in [0, 1] of the ``test_images`` test images read right;
      ``validation_accuracy`` likewise on the validation set.
    - ``settings``: the network's and the run's settings as JSON values (sizes, η, …).
    - ``sketch_reading``: how the model reads a sketch's 28x28 image (:mod:`nn.sketch.reading`).
    - ``extra``: metadata entries this version does not know, kept as they were read.
    """

    dataset: str = ""
    trained_with: str = ""
    front_end: str = "unknown"
    trained_at: str = ""
    epochs: int = 0
    stopped_early: bool = False
    test_accuracy: float | None = None
    test_images: int | None = None
    validation_accuracy: float | None = None
    settings: Mapping[str, object] = field(default_factory=dict)
    sketch_reading: SketchReading = AS_DRAWN
    saved_at: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_all(self)
        for name in ("settings", "extra"):  # copies: a frozen description does not change
            object.__setattr__(self, name, dict(getattr(self, name)))

    @property
    def test_correct(self) -> int | None:
        """How many test images were read right, when both the fraction and the count are known."""
        if self.test_accuracy is None or self.test_images is None:
            return None
        return round(self.test_accuracy * self.test_images)

    def replace(self, **changes: object) -> ModelDescription:
        """A copy with ``changes`` (checked like any description)."""
        return dataclasses.replace(self, **changes)

    def to_metadata(self) -> dict[str, object]:
        """The weight file's metadata: a JSON-able dict, versioned."""
        metadata: dict[str, object] = dict(self.extra)
        metadata[VERSION_KEY] = DESCRIPTION_VERSION
        for name in _FIELDS:
            value = getattr(self, name)
            metadata[name] = dict(value) if isinstance(value, Mapping) else value
        metadata.update(self.sketch_reading.to_metadata())
        return metadata

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, object]) -> ModelDescription:
        """The description stored as ``metadata`` (any version); ValueError says what is wrong."""
        version = metadata.get(VERSION_KEY, 1)
        if type(version) is not int or version < 1:
            raise ValueError(f"{VERSION_KEY} must be a whole number ≥ 1, got {_shown(version)}")
        if version > DESCRIPTION_VERSION:
            raise ValueError(
                f"the description was written by a newer version of Digit Recognizer "
                f"({VERSION_KEY} {version}; this version reads up to {DESCRIPTION_VERSION})"
            )
        fields = _current_fields(metadata) if version == DESCRIPTION_VERSION else _v1(metadata)
        return cls(**fields)

    @classmethod
    def now(cls) -> str:
        """The local date and time as the description stores it, to the second."""
        return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def _current_fields(metadata: Mapping[str, object]) -> dict[str, object]:
    known = {*_FIELDS, VERSION_KEY, METADATA_KEY}
    fields = {name: metadata[name] for name in _FIELDS if name in metadata}
    fields["sketch_reading"] = _sketch_reading(metadata)
    fields["extra"] = {key: value for key, value in metadata.items() if key not in known}
    return fields


def _v1(metadata: Mapping[str, object]) -> dict[str, object]:
    """The fields of metadata written before descriptions were versioned (see the module text)."""
    entries = dict(metadata)
    take = entries.pop
    fields: dict[str, object] = {
        "dataset": take("dataset", ""),
        "epochs": take("epochs", 0),
        "stopped_early": take("stopped_early", False),
        "validation_accuracy": take("validation_accuracy", None),
        "saved_at": take("saved_at", ""),
        "trained_at": take("trained_at", None) or take("date", None) or "",
        "sketch_reading": _sketch_reading(metadata),
    }
    for key in (METADATA_KEY, "date"):
        entries.pop(key, None)
    fields.update(_v1_origin(entries))
    fields.update(_v1_test(entries))
    settings = {key: entries.pop(key) for key in ("hyperparameters", "init", "augmented")
                if key in entries}  # fmt: skip
    if settings:
        fields["settings"] = settings
    for key in _REDUNDANT:
        entries.pop(key, None)
    fields["extra"] = entries
    return fields


def _sketch_reading(metadata: Mapping[str, object]) -> SketchReading:
    """The metadata's sketch reading; whatever is wrong with it is a short ValueError."""
    try:
        return SketchReading.from_metadata(metadata)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # huge or deep values
        raise ValueError(_cut(f"{METADATA_KEY} cannot be used ({exc})")) from None


def _v1_origin(entries: dict[str, object]) -> dict[str, object]:
    """``trained_with`` and ``front_end`` from the entries each version-1 writer left."""
    if "trained_with" in entries:
        command = entries.pop("trained_with")
        cli = isinstance(command, str) and command.startswith("python -m nn")
        return {"trained_with": command, "front_end": "cli" if cli else "unknown"}
    if "trained_by" in entries:
        return {"trained_with": entries.pop("trained_by"), "front_end": "bench"}
    if "imported_from" in entries:
        source = entries.pop("imported_from")
        if not isinstance(source, str):
            raise ValueError(f"imported_from must be a text, got {_shown(source)}")
        return {"trained_with": f"imported from {source}", "front_end": "imported"}
    if "hyperparameters" in entries:
        return {"trained_with": "the Train tab", "front_end": "app"}
    return {}


def _v1_test(entries: dict[str, object]) -> dict[str, object]:
    """The test result: the app wrote counts, the CLI a fraction, hand-made files a percentage."""
    correct, total = entries.pop("test_correct", None), entries.pop("test_total", None)
    accuracy = entries.pop("test_accuracy", None)
    if correct is not None or total is not None:
        if not (
            _whole(correct)
            and _whole(total)
            and 0 <= correct <= total
            and 1 <= total <= MAX_TEST_IMAGES
        ):
            raise ValueError(
                f"test_correct and test_total must be whole numbers with 0 ≤ test_correct ≤ "
                f"test_total, 1 ≤ test_total ≤ {MAX_TEST_IMAGES:,}; got {_shown(correct)} "
                f"and {_shown(total)}"
            )
        return {"test_accuracy": correct / total, "test_images": total}
    if _number(accuracy) and 1 < accuracy <= 100:
        accuracy = accuracy / 100
    return {"test_accuracy": accuracy}


def _whole(value: object) -> bool:
    return type(value) is int


def _number(value: object) -> bool:
    """An int (of any size: never converted to a float here) or a finite float."""
    return type(value) is int or (type(value) is float and math.isfinite(value))


def _unicode(text: str) -> bool:
    """True unless ``text`` holds a lone surrogate (JSON can spell one: "\\ud800"), which
    cannot be written as UTF-8, so neither shown nor printed."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(value: object) -> str:
    """A short repr of a value read from a file, however long the value is."""
    if type(value) is int and value.bit_length() > 128:
        return f"a number of about {int(value.bit_length() * 0.30103):,} digits"
    if isinstance(value, str | int | float | bool | None):
        return _cut(repr(value), 40)
    return f"a {type(value).__name__}"


def _cut(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_size(value: object) -> tuple[int, int]:
    """``(characters, depth)`` of ``value`` written as JSON, counted without writing it and
    without recursion, and only until a limit is passed: so a huge or deeply nested value costs
    no more to check than a small one. NumPy values count three characters a byte."""
    size, deepest = 0, 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, str):
            size += len(item) + 2  # at least; more where characters are escaped
        elif type(item) is int:
            size += 1 + item.bit_length() * 30103 // 100000  # its digits
        elif isinstance(item, Mapping | list | tuple):
            size += 2 + 2 * len(item)
        elif hasattr(item, "nbytes"):  # a NumPy number or array
            size += 3 * item.nbytes
        else:  # floats, true/false/null, anything else
            size += 24
        if size > MAX_JSON_CHARS or deepest > MAX_JSON_DEPTH:
            break
        if isinstance(item, Mapping):
            stack.extend((key, depth + 1) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1) for child in item)
    return size, deepest


def _check_all(d: ModelDescription) -> None:
    """Raise ValueError naming the first field whose value a description cannot hold."""
    for name in ("dataset", "trained_with", "trained_at", "saved_at"):
        value = getattr(d, name)
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise ValueError(f"{name} must be a text of at most {MAX_TEXT} characters")
        if not _unicode(value):
            raise ValueError(f"{name} holds a character that is not Unicode text")
    if d.front_end not in FRONT_ENDS:
        raise ValueError(
            f"front_end must be one of {', '.join(FRONT_ENDS)}, got {_shown(d.front_end)}"
        )
    if not (_whole(d.epochs) and 0 <= d.epochs <= MAX_EPOCHS):
        raise ValueError(
            f"epochs must be a whole number in [0, {MAX_EPOCHS}], got {_shown(d.epochs)}"
        )
    if type(d.stopped_early) is not bool:
        raise ValueError(f"stopped_early must be true or false, got {_shown(d.stopped_early)}")
    for name in ("test_accuracy", "validation_accuracy"):
        value = getattr(d, name)
        if value is not None and not (_number(value) and 0 <= value <= 1):
            raise ValueError(f"{name} must be a fraction in [0, 1], got {_shown(value)}")
    if d.test_images is not None and not (
        _whole(d.test_images) and 0 < d.test_images <= MAX_TEST_IMAGES
    ):
        raise ValueError(f"test_images must be a whole number ≥ 1, got {_shown(d.test_images)}")
    for name in ("settings", "extra"):
        value = getattr(d, name)
        if not isinstance(value, Mapping):
            raise ValueError(f"{name} must be a JSON object")
        size, depth = _json_size(value)
        if size > MAX_JSON_CHARS or depth > MAX_JSON_DEPTH:
            raise ValueError(
                f"{name} must be a JSON object of at most {MAX_JSON_CHARS:,} characters, "
                f"nested at most {MAX_JSON_DEPTH} deep"
            )
    if not isinstance(d.sketch_reading, SketchReading):
        raise ValueError("sketch_reading must be a SketchReading")
