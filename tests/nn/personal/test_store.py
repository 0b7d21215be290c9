"""The user's digits and their file: round trips, hostile files, saves that cannot half-happen."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nn.personal import store
from nn.personal.store import (
    PersonalDigits,
    PersonalDigitsError,
    load_digits,
    load_user_digits,
    save_digits,
    user_store_path,
)


def _drawing(rng: np.random.Generator, strokes: int = 2) -> tuple[float, list[np.ndarray]]:
    lines = [rng.uniform(0, 280, (int(rng.integers(1, 40)), 2)) for _ in range(strokes)]
    return float(rng.choice([10.0, 22.0, 36.0])), lines


def _digits(n: int, with_strokes: bool, seed: int = 0) -> PersonalDigits:
    rng = np.random.default_rng(seed)
    digits = PersonalDigits.empty()
    for i in range(n):
        drawing = _drawing(rng, 1 + i % 3) if with_strokes and i % 4 != 1 else None
        digits = digits.with_example(rng.random(784), i % 10, drawing, added_at=1e9 + i)
    return digits


def _same(a: PersonalDigits, b: PersonalDigits) -> None:
    assert a.images.dtype == b.images.dtype == np.float32
    assert a.labels.dtype == b.labels.dtype == np.int64
    assert np.array_equal(a.images, b.images)
    assert np.array_equal(a.labels, b.labels)
    assert np.array_equal(a.added_at, b.added_at, equal_nan=True)
    assert (a.strokes is None) == (b.strokes is None)
    for x, y in zip(a.strokes or [], b.strokes or [], strict=True):
        assert (x is None) == (y is None)
        if x is not None:
            assert x[0] == y[0]
            assert len(x[1]) == len(y[1])
            for p, q in zip(x[1], y[1], strict=True):
                assert p.dtype == q.dtype == np.float32
                assert np.array_equal(p, q)


@pytest.mark.parametrize("with_strokes", [True, False])
def test_digits_come_back_from_their_file_as_they_were_saved(
    tmp_path: Path, with_strokes: bool
) -> None:
    digits = _digits(13, with_strokes)
    save_digits(digits, tmp_path / "mine.npz")
    loaded = load_digits(tmp_path / "mine.npz")
    _same(digits, loaded)
    assert (loaded.strokes is not None) == with_strokes
    if with_strokes:
        assert loaded.strokes[1] is None  # an example known only as an image stays so


def test_no_digits_make_a_file_too(tmp_path: Path) -> None:
    save_digits(PersonalDigits.empty(), tmp_path / "none.npz")
    assert len(load_digits(tmp_path / "none.npz")) == 0


def test_the_file_holds_flat_arrays_as_documented(tmp_path: Path) -> None:
    digits = _digits(5, with_strokes=True)
    save_digits(digits, tmp_path / "mine.npz")
    with np.load(tmp_path / "mine.npz", allow_pickle=False) as data:
        assert str(data["format"]) == "digit-recognizer-digits"
        assert data["images"].shape == (5, 784) and data["images"].dtype == np.float32
        assert data["labels"].dtype == np.int64
        counts = data["example_stroke_counts"]
        assert counts.tolist() == [0 if s is None else len(s[1]) for s in digits.strokes]
        points = data["stroke_points"]
        assert points.dtype == np.float32 and points.shape[1] == 2
        assert data["stroke_point_counts"].sum() == len(points)
        expected = [line for s in digits.strokes if s is not None for line in s[1]]
        assert np.array_equal(points, np.concatenate(expected))


def test_a_file_of_only_images_and_labels_is_read(tmp_path: Path) -> None:
    images = np.random.default_rng(1).random((4, 784))  # float64, as NumPy makes them
    np.savez(tmp_path / "plain.npz", images=images, labels=np.array([3, 1, 4, 1], np.int32))
    digits = load_digits(tmp_path / "plain.npz")
    assert digits.labels.tolist() == [3, 1, 4, 1]
    assert np.allclose(digits.images, images, atol=1e-7)
    assert digits.strokes is None and digits.added_at is None


def test_adding_and_removing_examples_leaves_the_original_alone() -> None:
    rng = np.random.default_rng(2)
    first = PersonalDigits.empty().with_example(rng.random((28, 28)), 7)
    second = first.with_example(rng.random(784), 7, _drawing(rng))
    third = second.with_example(rng.random(784), 2)
    assert len(first) == 1 and first.strokes is None
    assert [s is None for s in third.strokes] == [True, False, True]
    assert third.counts().tolist() == [0, 0, 1, 0, 0, 0, 0, 2, 0, 0]
    fewer = third.without(1)
    assert fewer.labels.tolist() == [7, 2] and fewer.strokes is None
    assert np.array_equal(fewer.images, third.images[[0, 2]])
    assert len(third) == 3
    with pytest.raises(ValueError):
        third.images[0, 0] = 1  # read-only: a PersonalDigits never changes
    with pytest.raises(IndexError):
        third.without(3)


@pytest.mark.parametrize(
    ("image", "label", "problem"),
    [
        (np.full(784, 2.0), 1, "[0, 1]"),
        (np.full(784, np.nan), 1, "NaN"),
        (np.zeros(783), 1, "784"),
        (np.zeros(784), 10, "0-9"),
        (np.zeros(784), 2.0, "0-9"),
    ],
)
def test_a_bad_example_is_refused(image: np.ndarray, label: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        PersonalDigits.empty().with_example(image, label)


def test_the_users_store_lives_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "user_data_dir", lambda: tmp_path / "data")
    assert user_store_path() == tmp_path / "data" / "my-digits.npz"
    assert len(load_user_digits()) == 0  # no file yet: no digits yet
    (tmp_path / "data").mkdir()
    save_digits(_digits(3, True), user_store_path())
    assert len(load_user_digits()) == 3


# ---------------------------------------------------------------- hostile files


def _npy(array_bytes: bytes, header: dict) -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, header)
    return out.getvalue() + array_bytes


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _saved(**arrays: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


IMAGES = np.zeros((3, 784), np.float32)
LABELS = np.array([1, 2, 3])


def _huge_images() -> bytes:
    header = {"descr": "<f4", "fortran_order": False, "shape": (10**9, 784)}
    return _zip({"images.npy": _npy(b"\0" * 64, header), "labels.npy": _saved(labels=LABELS)})


def _valid_with_strokes() -> bytes:
    buffer = io.BytesIO()
    arrays = store.digits_arrays(_digits(4, True))
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _single_array() -> bytes:
    out = io.BytesIO()
    np.save(out, IMAGES)
    return out.getvalue()


def _flipped_in_the_middle(data: bytes) -> bytes:
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0xFF
    return bytes(damaged)


def _strokes_changed(**changes: np.ndarray) -> bytes:
    arrays = store.digits_arrays(_digits(4, True))
    arrays.update(changes)
    return _saved(**arrays)


HOSTILE = {
    "images of whole numbers": lambda: _saved(images=IMAGES.astype(np.int32), labels=LABELS),
    "images of text": lambda: _saved(images=np.full((3, 784), "a"), labels=LABELS),
    "complex images": lambda: _saved(images=IMAGES.astype(complex), labels=LABELS),
    "labels of floats": lambda: _saved(images=IMAGES, labels=LABELS.astype(float)),
    "a huge declared shape": _huge_images,
    "pickled objects": lambda: _saved(images=np.array([object()] * 3), labels=LABELS),
    "pickled labels": lambda: _saved(images=IMAGES, labels=np.array([1, "2", None], object)),
    "more labels than images": lambda: _saved(images=IMAGES, labels=np.arange(4)),
    "images of the wrong size": lambda: _saved(images=np.zeros((3, 28, 28)), labels=LABELS),
    "NaN in an image": lambda: _saved(
        images=np.where(np.eye(3, 784) > 0, np.nan, 0.0), labels=LABELS
    ),
    "values above 1": lambda: _saved(images=IMAGES + 1.5, labels=LABELS),
    "a label of 10": lambda: _saved(images=IMAGES, labels=np.array([1, 10, 3])),
    "a negative label": lambda: _saved(images=IMAGES, labels=np.array([1, -1, 3])),
    "no labels": lambda: _saved(images=IMAGES),
    "a foreign entry": lambda: _saved(images=IMAGES, labels=LABELS, code=np.zeros(1)),
    "another format": lambda: _saved(images=IMAGES, labels=LABELS, format=np.array("x")),
    "a later version": lambda: _saved(images=IMAGES, labels=LABELS, version=np.array(2)),
    "not a zip": lambda: b"hello, these are not digits\n" * 10,
    "an empty file": lambda: b"",
    "a single array": lambda: _single_array(),
    "a truncated file": lambda: _valid_with_strokes()[: len(_valid_with_strokes()) // 2],
    "a damaged entry": lambda: _flipped_in_the_middle(_valid_with_strokes()),
    "strokes missing an entry": lambda: _saved(
        **{k: v for k, v in store.digits_arrays(_digits(4, True)).items() if k != "pen_widths"}
    ),
    "stroke counts that do not add up": lambda: _strokes_changed(
        stroke_point_counts=np.array([1, 2, 3], np.int64)
    ),
    "a stroke without points": lambda: _strokes_changed(
        example_stroke_counts=np.array([1, 0, 0, 0]),
        stroke_point_counts=np.array([0]),
        stroke_points=np.zeros((0, 2), np.float32),
    ),
    "NaN in a stroke": lambda: _strokes_changed(
        example_stroke_counts=np.array([1, 0, 0, 0]),
        stroke_point_counts=np.array([2]),
        stroke_points=np.array([[1, 2], [np.nan, 3]], np.float32),
    ),
    "a pen width of 0": lambda: _strokes_changed(pen_widths=np.zeros(4, np.float32)),
    "a pen width of NaN": lambda: _strokes_changed(pen_widths=np.full(4, np.nan, np.float32)),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_one_clear_error_naming_it(tmp_path: Path, name: str) -> None:
    path = tmp_path / "digits.npz"
    path.write_bytes(HOSTILE[name]())
    with pytest.raises(PersonalDigitsError) as caught:
        load_digits(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert "\n" not in message and len(message) < 300


def test_a_huge_declared_shape_is_refused_before_anything_is_allocated(tmp_path: Path) -> None:
    path = tmp_path / "huge.npz"
    path.write_bytes(_huge_images())
    tracemalloc.start()
    try:
        with pytest.raises(PersonalDigitsError, match="100,000"):
            load_digits(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # bytes: the declared array would take 3 TB


@pytest.mark.parametrize("kind", ["a folder", "no file"])
def test_something_that_is_no_file_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "x.npz"
    if kind == "a folder":
        path.mkdir()
    with pytest.raises(PersonalDigitsError, match=str(path)):
        load_digits(path)


# ---------------------------------------------------------------- atomic saves


def test_a_save_that_fails_before_the_rename_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mine.npz"
    before = _digits(6, True, seed=1)
    save_digits(before, path)

    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "replace", crash)
    with pytest.raises(PersonalDigitsError, match="No space left"):
        save_digits(_digits(9, True, seed=2), path)
    monkeypatch.undo()
    _same(load_digits(path), before)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.npz"]


def test_a_process_killed_while_saving_leaves_a_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.npz"
    ready = tmp_path / "saved-once"
    script = (
        "import sys, numpy as np\n"
        "from pathlib import Path\n"
        "from nn.personal.store import PersonalDigits, save_digits\n"
        "rng = np.random.default_rng(0)\n"
        "lines = [rng.uniform(0, 280, (20000, 2)) for _ in range(20)]\n"
        "digits = PersonalDigits(rng.random((3000, 784)), np.arange(3000) % 10,\n"
        "                        [(22.0, lines)] + [None] * 2999)\n"
        "first = True\n"
        "while True:\n"
        "    save_digits(digits, sys.argv[1])\n"
        "    if first:\n"
        "        Path(sys.argv[2]).touch()\n"
        "        first = False\n"
    )
    root = Path(__file__).resolve().parents[3]
    process = subprocess.Popen([sys.executable, "-c", script, str(path), str(ready)], cwd=root)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():  # the first save is done; later ones are under way
            assert process.poll() is None, "the saving process ended on its own"
            assert time.monotonic() < deadline, "the first save did not finish in 2 minutes"
            time.sleep(0.02)
        temporary = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        while not temporary and time.monotonic() < deadline:  # wait until a save is mid-write
            time.sleep(0.001)
            temporary = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    digits = load_digits(path)
    assert len(digits) == 3000 and digits.strokes[0] is not None


def test_temporary_files_left_by_killed_saves_are_cleared_once_old(tmp_path: Path) -> None:
    path = tmp_path / "mine.npz"
    old = tmp_path / ".mine.npz.abcd1234.tmp"
    young = tmp_path / ".mine.npz.wxyz9876.tmp"
    unrelated = tmp_path / ".other.npz.abcd1234.tmp"
    for file in (old, young, unrelated):
        file.write_bytes(b"half a file")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    os.utime(unrelated, (an_hour_ago, an_hour_ago))
    save_digits(_digits(2, False), path)
    assert not old.exists()
    assert young.exists() and unrelated.exists()  # another save may be writing the young one
