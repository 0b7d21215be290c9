"""The user's own labelled digits: :class:`PersonalDigits`, and the file that keeps them.

A person teaches the app their handwriting by drawing digits and saying which digit each is.
Each example keeps the 28x28 image the sketch recipe made of the drawing
(:func:`nn.sketch.recipe.sketch_to_mnist`: the image *before* a model's own softened reading,
so any model can read it its own way) and, when it was drawn on the canvas, the strokes
themselves, so that :mod:`nn.personal.adapt` can draw the digit again at other sizes, slants and
pen widths.

The digits file (``.npz``, written by :func:`save_digits`; ``docs/architecture.md`` shows it)::

    format               "digit-recognizer-digits"       optional
    version              1 (int64)                       optional
    images               (n, 784) float32 in [0, 1]      required (uint8 0-255, float64 read too)
    labels               (n,) int64 in 0-9               required (any integer type read)
    added_at             (n,) float64 Unix seconds        optional
    pen_widths           (n,) float32 canvas pixels       with strokes
    example_stroke_counts (n,) int64: strokes per example, 0 when only its image is known
    stroke_point_counts  (s,) int64: points per stroke, each ≥ 1
    stroke_points        (p, 2) float32: every stroke's (x, y) points one after another, in
                         pixels of the 280x280 canvas image (x right, y down)

Strokes are flat arrays with counts, never pickled objects. :func:`load_digits` treats a file as
hostile: only a regular file of at most :data:`MAX_FILE_BYTES` is opened, the archive is read
by :class:`nn.weights.archive.Archive` (sizes bounded before anything is allocated, no
unpickling), at most :data:`MAX_EXAMPLES` examples and :data:`MAX_POINTS` points are read, and
every value is checked (finite, in range, counts that add up). Any problem is one
:class:`PersonalDigitsError` naming the file. :func:`save_digits` writes a temporary file beside
the target, fsyncs it and renames it over the target, so a save killed mid-write leaves the
previous file whole.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nn.digits import IMAGE_PIXELS
from nn.files import STALE_AFTER_SECONDS as STALE_AFTER_SECONDS  # the public name, kept
from nn.files import write_atomically
from nn.paths import user_data_dir
from nn.weights.archive import Archive, ContentError, brief, open_limited

FORMAT_TAG = "digit-recognizer-digits"
FORMAT_VERSION = 1

STORE_NAME = "my-digits.npz"
"""The file name of the user's digits in the user data folder."""

MAX_EXAMPLES = 100_000
"""The most examples a digits file may hold (a person draws a few dozen)."""
MAX_STROKES = 1_000_000
"""The most strokes in a file: ten per example on average at the most examples."""
MAX_POINTS = 5_000_000
"""The most stroke points in a file (40 MB as float32 pairs); a drawn digit takes about 100."""
MAX_COORDINATE = 10_000.0
"""Stroke points lie within ±this many canvas pixels (the canvas is 280 wide; a drag may leave
it)."""
MAX_PEN_WIDTH = 100.0
"""Pen widths are in (0, 100] canvas pixels (the canvas offers 4-48)."""

_IMAGE_BYTES = MAX_EXAMPLES * IMAGE_PIXELS * 4
MAX_FILE_BYTES = _IMAGE_BYTES + MAX_POINTS * 8 + MAX_STROKES * 8 + MAX_EXAMPLES * 40 + (1 << 20)
"""The largest digits file opened: every entry at its largest, plus room for the zip's own
records."""

_IMAGE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.uint8))
_STROKE_KEYS = ("pen_widths", "example_stroke_counts", "stroke_point_counts", "stroke_points")
_KNOWN_KEYS = {"format", "version", "images", "labels", "added_at", *_STROKE_KEYS}

ExampleStrokes = tuple[float, tuple[np.ndarray, ...]]
"""One drawing: ``(pen_width, strokes)``, the pen width in canvas pixels and each stroke a
``(k, 2)`` float32 array of ``(x, y)`` points in canvas image pixels (x right, y down)."""


class PersonalDigitsError(ValueError):
    """A digits file cannot be read or written; the message names the file and the problem."""


@dataclass(frozen=True, eq=False)
class PersonalDigits:
    """The user's labelled digits, immutable (the arrays are read-only copies).

    - ``images``: ``(n, 784)`` float32 in [0, 1], the sketch recipe's image of each drawing
      (:func:`nn.sketch.recipe.sketch_to_mnist`), not a model's softened reading of it.
    - ``labels``: ``(n,)`` int64, 0-9.
    - ``strokes``: None when no drawing is known, else a list of ``n`` entries, each an
      :data:`ExampleStrokes` ``(pen_width, strokes)`` or None for an example known only as an
      image.
    - ``added_at``: ``(n,)`` float64 Unix seconds when each was added, or None.

    Building one checks everything and raises ValueError saying what is wrong.
    """

    images: np.ndarray
    labels: np.ndarray
    strokes: list | None = None
    added_at: np.ndarray | None = None

    def __post_init__(self) -> None:
        images = _checked_images(self.images)
        labels = _checked_labels(self.labels, len(images))
        strokes = None if self.strokes is None else _checked_strokes(self.strokes, len(images))
        added_at = None if self.added_at is None else _checked_times(self.added_at, len(images))
        object.__setattr__(self, "images", images)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "strokes", strokes)
        object.__setattr__(self, "added_at", added_at)

    @classmethod
    def empty(cls) -> PersonalDigits:
        """No digits yet."""
        return cls(np.zeros((0, IMAGE_PIXELS), np.float32), np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        drawn = 0 if self.strokes is None else sum(s is not None for s in self.strokes)
        return f"PersonalDigits({len(self)} digits, {drawn} with strokes)"

    def counts(self) -> np.ndarray:
        """How many examples of each digit: ``(10,)`` int64."""
        return np.bincount(self.labels, minlength=10).astype(np.int64)

    def with_example(
        self,
        image: np.ndarray,
        label: int,
        strokes: ExampleStrokes | None = None,
        added_at: float | None = None,
    ) -> PersonalDigits:
        """A copy with one more example at the end: ``image`` ``(784,)`` or ``(28, 28)`` in
        [0, 1] (the recipe's image of the drawing), ``label`` 0-9, and the drawing's
        ``(pen_width, strokes)`` when known. ``added_at`` defaults to now."""
        image = np.asarray(image)
        if image.size != IMAGE_PIXELS:
            raise ValueError(f"an image has {IMAGE_PIXELS} pixels, got shape {image.shape}")
        if not (isinstance(label, int | np.integer) and 0 <= label <= 9):
            raise ValueError(f"a label is a digit 0-9, got {label!r:.20}")
        images = np.concatenate([self.images, _checked_images(image.reshape(1, IMAGE_PIXELS))])
        labels = np.append(self.labels, np.int64(label))
        if strokes is None and self.strokes is None:
            all_strokes = None
        else:
            all_strokes = [*(self.strokes or [None] * len(self)), strokes]
        times = self.added_at if self.added_at is not None else np.full(len(self), np.nan)
        when = time.time() if added_at is None else added_at
        return PersonalDigits(images, labels, all_strokes, np.append(times, when))

    def without(self, index: int) -> PersonalDigits:
        """A copy without the example at ``index`` (negative counts from the end)."""
        if not -len(self) <= index < len(self):
            raise IndexError(f"no example {index}: there are {len(self)}")
        keep = np.arange(len(self)) != index % len(self)
        strokes = None
        if self.strokes is not None:
            strokes = [s for s, k in zip(self.strokes, keep, strict=True) if k]
            strokes = strokes if any(s is not None for s in strokes) else None
        times = None if self.added_at is None else self.added_at[keep]
        return PersonalDigits(self.images[keep], self.labels[keep], strokes, times)

    def subset(self, indices: Sequence[int] | np.ndarray) -> PersonalDigits:
        """The examples at ``indices``, in that order."""
        indices = np.asarray(indices, dtype=np.intp)
        strokes = None
        if self.strokes is not None:
            strokes = [self.strokes[i] for i in indices]
            strokes = strokes if any(s is not None for s in strokes) else None
        times = None if self.added_at is None else self.added_at[indices]
        return PersonalDigits(self.images[indices], self.labels[indices], strokes, times)


def _read_only(array: np.ndarray) -> np.ndarray:
    array = np.array(array)  # a copy: the caller's array may change later
    array.setflags(write=False)
    return array


def _checked_images(images: object) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 2 or images.shape[1] != IMAGE_PIXELS:
        raise ValueError(f"images must be (n, {IMAGE_PIXELS}), got shape {images.shape}")
    if images.dtype == np.uint8:
        images = images / np.float32(255)
    elif images.dtype.kind != "f":
        raise ValueError(f"images must be float in [0, 1] (or uint8), got {images.dtype}")
    images = images.astype(np.float32)
    if len(images) > MAX_EXAMPLES:
        raise ValueError(f"{len(images):,} examples; at most {MAX_EXAMPLES:,} are kept")
    if not np.isfinite(images).all():
        raise ValueError("images hold NaN or infinite values")
    if len(images) and (images.min() < 0 or images.max() > 1):
        raise ValueError("image values must lie in [0, 1]")
    return _read_only(images)


def _checked_labels(labels: object, n: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise ValueError(f"{n} images but labels of shape {labels.shape}")
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be whole numbers, got {labels.dtype}")
    if n and (labels.min() < 0 or labels.max() > 9):
        raise ValueError("labels must be digits 0-9")
    return _read_only(labels.astype(np.int64))


def _checked_times(times: object, n: int) -> np.ndarray:
    times = np.asarray(times)
    if times.shape != (n,) or times.dtype.kind not in "fiu":
        raise ValueError(f"added_at must be ({n},) numbers, got {times.dtype} {times.shape}")
    times = times.astype(np.float64)
    if np.isinf(times).any():  # NaN: not known
        raise ValueError("added_at holds infinite values")
    return _read_only(times)


def _checked_strokes(strokes: object, n: int) -> list:
    if not isinstance(strokes, Sequence) or len(strokes) != n:
        raise ValueError(f"strokes must be a list of {n} entries (one per image)")
    return [
        None if entry is None else _checked_drawing(entry, i) for i, entry in enumerate(strokes)
    ]


def _checked_drawing(entry: object, index: int) -> ExampleStrokes:
    """One example's ``(pen_width, strokes)`` with float32 read-only ``(k, 2)`` arrays."""
    where = f"strokes of example {index}"
    if not isinstance(entry, Sequence) or len(entry) != 2:
        raise ValueError(f"{where}: expected (pen_width, [strokes])")
    pen_width, lines = entry
    if not (_real(pen_width) and 0 < pen_width <= MAX_PEN_WIDTH):
        raise ValueError(f"{where}: pen width must be in (0, {MAX_PEN_WIDTH:g}] pixels")
    if isinstance(lines, np.ndarray) or not isinstance(lines, Sequence) or not lines:
        raise ValueError(f"{where}: expected a non-empty list of (k, 2) point arrays")
    arrays = []
    for line in lines:
        points = np.asarray(line)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise ValueError(f"{where}: a stroke must be (k, 2) points, k ≥ 1")
        if points.dtype.kind not in "fiu":
            raise ValueError(f"{where}: points must be numbers, got {points.dtype}")
        points = points.astype(np.float32)
        if not np.isfinite(points).all() or np.abs(points).max() > MAX_COORDINATE:
            raise ValueError(f"{where}: points must be finite, within ±{MAX_COORDINATE:g} px")
        arrays.append(_read_only(points))
    return float(pen_width), tuple(arrays)


def _real(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and math.isfinite(value)


# ---------------------------------------------------------------- the user's store


def user_store_path() -> Path:
    """Where the app keeps the user's digits: ``<user data folder>/my-digits.npz``
    (:func:`nn.paths.user_data_dir`; the folder is not created here)."""
    return user_data_dir() / STORE_NAME


def load_user_digits(path: str | Path | None = None) -> PersonalDigits:
    """The digits at ``path`` (default :func:`user_store_path`), or none yet when there is no
    file; a damaged file raises :class:`PersonalDigitsError`."""
    path = user_store_path() if path is None else Path(path)
    if not path.exists() and not path.is_symlink():
        return PersonalDigits.empty()
    return load_digits(path)


# ---------------------------------------------------------------- saving


def digits_arrays(digits: PersonalDigits) -> dict[str, np.ndarray]:
    """The arrays of the digits file (see the module text) for ``digits``."""
    n = len(digits)
    arrays = {
        "format": np.array(FORMAT_TAG),
        "version": np.array(FORMAT_VERSION, dtype=np.int64),
        "images": digits.images.astype(np.float32),
        "labels": digits.labels.astype(np.int64),
    }
    if digits.added_at is not None:
        arrays["added_at"] = digits.added_at.astype(np.float64)
    if digits.strokes is not None:
        drawings = digits.strokes
        lines = [line for d in drawings if d is not None for line in d[1]]
        arrays["pen_widths"] = np.array([0.0 if d is None else d[0] for d in drawings], np.float32)
        arrays["example_stroke_counts"] = np.array(
            [0 if d is None else len(d[1]) for d in drawings], np.int64
        ).reshape(n)
        arrays["stroke_point_counts"] = np.array([len(line) for line in lines], np.int64)
        arrays["stroke_points"] = (
            np.concatenate(lines).astype(np.float32) if lines else np.zeros((0, 2), np.float32)
        )
    return arrays


def save_digits(digits: PersonalDigits, path: str | Path) -> None:
    """Write ``digits`` to ``path`` atomically: a temporary file beside it (``.NAME.XXXXXXXX.tmp``)
    is written, fsynced and renamed over ``path``, so a crash or a full disk mid-write leaves the
    previous file as it was. A new file is made rw-r--r--; a replaced one keeps its mode.
    Temporary files that earlier saves killed mid-write left (older than ten minutes) are
    removed (:func:`nn.files.write_atomically`). Raises :class:`PersonalDigitsError` naming the
    file (the folder must exist)."""
    path = Path(path)
    arrays = digits_arrays(digits)
    try:  # to a file object: savez adds no ".npz" to the name
        write_atomically(path, lambda file: np.savez(file, **arrays))
    except Exception as exc:
        raise PersonalDigitsError(f"{path}: could not save ({brief(exc, 100)})") from exc


# ---------------------------------------------------------------- loading


def load_digits(path: str | Path) -> PersonalDigits:
    """Read a digits file (see the module text); a file holding only ``images`` and ``labels``
    is read too. Any problem raises :class:`PersonalDigitsError` naming the file."""
    path = Path(path)
    try:
        with open_limited(path, MAX_FILE_BYTES, "a digits file") as file:
            size = os.fstat(file.fileno()).st_size
            head = file.read(4)
            file.seek(0)
            if not head.startswith(b"PK"):
                raise ContentError(_not_a_zip(head))
            with Archive(file, size) as archive:
                return _digits_from(archive)
    except (ContentError, ValueError) as exc:
        raise PersonalDigitsError(f"{path}: {brief(exc, 160)}") from None
    except MemoryError:
        raise PersonalDigitsError(f"{path}: not enough memory to read it") from None
    except Exception as exc:  # the last word: a hostile file never escapes as anything else
        raise PersonalDigitsError(
            f"{path}: could not be read ({type(exc).__name__}: {brief(exc, 100)})"
        ) from exc


def _not_a_zip(head: bytes) -> str:
    if not head:
        return "the file is empty"
    if head.startswith(b"\x93NUM"):
        return "a single NumPy array (.npy), not a digits file (.npz)"
    return f"not a digits file (an .npz archive); it starts {head.hex(' ')}"


def _digits_from(archive: Archive) -> PersonalDigits:
    keys = archive.keys
    missing = [key for key in ("images", "labels") if key not in keys]
    if missing:
        raise ContentError(f"not a digits file: no {' or '.join(missing)} entry")
    unknown = sorted(set(archive.names) - _KNOWN_KEYS)
    if unknown:
        raise ContentError(f"unknown entries, e.g. {unknown[0]!r:.40}: not a digits file")
    _check_format(archive)
    images = archive.read("images", _IMAGE_BYTES, _images_header)
    n = len(images)
    labels = archive.read("labels", n * 8, _vector_header("labels", n, "iu"))
    added_at = None
    if "added_at" in keys:
        added_at = archive.read("added_at", n * 8, _vector_header("added_at", n, "f"))
    strokes = _read_strokes(archive, n)
    return PersonalDigits(images, labels, strokes, added_at)


def _check_format(archive: Archive) -> None:
    if "format" in archive.keys:
        tag = archive.read("format", 4 * 64, _text_header)
        if tag.shape != () or str(tag) != FORMAT_TAG:
            raise ContentError(f"format is {str(tag)!r:.40}, not {FORMAT_TAG!r}")
    if "version" in archive.keys:
        version = archive.read("version", 8, _vector_header("version", None, "iu"))
        if int(version) != FORMAT_VERSION:
            raise ContentError(f"a digits file of version {int(version)}; this version of the "
                               f"app reads version {FORMAT_VERSION}")  # fmt: skip


def _read_strokes(archive: Archive, n: int) -> list | None:
    present = [key for key in _STROKE_KEYS if key in archive.keys]
    if not present:
        return None
    if len(present) != len(_STROKE_KEYS):
        absent = sorted(set(_STROKE_KEYS) - set(present))
        raise ContentError(f"strokes are incomplete: no {', '.join(absent)} entry")
    widths = archive.read("pen_widths", n * 8, _vector_header("pen_widths", n, "f"))
    per_example = archive.read(
        "example_stroke_counts", n * 8, _vector_header("example_stroke_counts", n, "iu")
    )
    per_stroke = archive.read(
        "stroke_point_counts", MAX_STROKES * 8, _vector_header("stroke_point_counts", None, "iu")
    )
    points = archive.read("stroke_points", MAX_POINTS * 8, _points_header)
    return _split_strokes(widths, per_example, per_stroke, points)


def _split_strokes(
    widths: np.ndarray, per_example: np.ndarray, per_stroke: np.ndarray, points: np.ndarray
) -> list | None:
    """The flat arrays back into one ``(pen_width, strokes)`` or None per example; the counts
    must add up exactly."""
    per_example = per_example.astype(np.int64)
    per_stroke = per_stroke.astype(np.int64)
    if len(per_example) and per_example.min() < 0:
        raise ContentError("example_stroke_counts holds a negative count")
    if int(per_example.sum()) != len(per_stroke):
        raise ContentError(f"example_stroke_counts add up to {int(per_example.sum()):,} strokes "
                           f"but stroke_point_counts lists {len(per_stroke):,}")  # fmt: skip
    if len(per_stroke) and per_stroke.min() < 1:
        raise ContentError("stroke_point_counts holds a stroke without points")
    if int(per_stroke.sum()) != len(points):
        raise ContentError(f"stroke_point_counts add up to {int(per_stroke.sum()):,} points "
                           f"but stroke_points holds {len(points):,}")  # fmt: skip
    lines = np.split(points, np.cumsum(per_stroke)[:-1]) if len(per_stroke) else []
    ends = np.cumsum(per_example)
    drawings: list = []
    for i, count in enumerate(per_example):
        if count == 0:
            drawings.append(None)
            continue
        drawings.append((float(widths[i]), tuple(lines[ends[i] - count : ends[i]])))
    return drawings if any(d is not None for d in drawings) else None


def _images_header(dtype: np.dtype, shape: tuple[int, ...]) -> None:
    if dtype not in _IMAGE_DTYPES:
        raise ContentError(f"images are {brief(dtype, 20)}; float32 in [0, 1] expected")
    if len(shape) != 2 or shape[1] != IMAGE_PIXELS:
        raise ContentError(f"images have shape {shape!s:.40}; (n, {IMAGE_PIXELS}) expected")
    if shape[0] > MAX_EXAMPLES:
        raise ContentError(f"{shape[0]:,} examples; a digits file holds at most {MAX_EXAMPLES:,}")


def _vector_header(key: str, n: int | None, kinds: str):
    """A check that the entry ``key`` is a vector of ``n`` numbers of the given kinds (a scalar
    when ``n`` is None for ``version``; any length for the stroke counts)."""

    def check(dtype: np.dtype, shape: tuple[int, ...]) -> None:
        if dtype.kind not in kinds or dtype.itemsize > 8:
            raise ContentError(f"{key} are {brief(dtype, 20)}, not the numbers expected")
        if key == "version":
            if shape != ():
                raise ContentError(f"version has shape {shape!s:.40}; a single number expected")
        elif n is None:
            if len(shape) != 1:
                raise ContentError(f"{key} has shape {shape!s:.40}; a vector expected")
        elif shape != (n,):
            raise ContentError(f"{n:,} images but {key} of shape {shape!s:.40}")

    return check


def _points_header(dtype: np.dtype, shape: tuple[int, ...]) -> None:
    if dtype.kind != "f" or dtype.itemsize > 8:
        raise ContentError(f"stroke_points are {brief(dtype, 20)}; float32 expected")
    if len(shape) != 2 or shape[1] != 2:
        raise ContentError(f"stroke_points have shape {shape!s:.40}; (p, 2) expected")


def _text_header(dtype: np.dtype, shape: tuple[int, ...]) -> None:
    if dtype.kind != "U" or shape != ():
        raise ContentError("format is not a text")
