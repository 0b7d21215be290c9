"""Hostile weight files: each is built here, byte by byte where need be, and must be refused with
a short WeightFileError naming the file, before anything large is read or allocated."""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import re
import stat
import struct
import threading
import time
import tokenize
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nn.description import ModelDescription
from nn.model import Model
from nn.network import MAX_PARAMETERS, Network
from nn.weights import weight_file
from nn.weights.weight_file import (
    MAX_FILE_BYTES,
    MAX_NETWORK2_BYTES,
    STALE_AFTER_SECONDS,
    WeightFileError,
    load_model,
    save_model,
)

SHORT = 300
"""The longest message (after the file's path) a hostile file may cause."""
SIZES = (784, 16, 8, 10)


def small_network(dtype=np.float32) -> Network:
    return Network(list(SIZES), hidden_activation="relu", output_activation="softmax",
                   cost="cross-entropy", init="scaled", seed=2, dtype=dtype)  # fmt: skip


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.npz"
    save_model(Model(small_network(), ModelDescription(dataset="MNIST")), path)
    return path


def members_of(path: Path) -> dict[str, bytes]:
    """The archive's entries as raw ``.npy`` bytes, by name without the suffix."""
    with zipfile.ZipFile(path) as archive:
        return {i.filename.removesuffix(".npy"): archive.read(i) for i in archive.infolist()}


def write_zip(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name + ".npy", data)
    return path


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def npy_header(dtype, shape: tuple[int, ...]) -> bytes:
    """An ``.npy`` header (version 1.0) declaring ``dtype`` and ``shape``; no data."""
    buffer = io.BytesIO()
    descr = np.lib.format.dtype_to_descr(np.dtype(dtype))
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def refused(path: Path, match: str) -> str:
    """The message (after the path) of loading ``path``, which must match ``match`` and be
    short."""
    with pytest.raises(WeightFileError) as info:
        load_model(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    reason = message.removeprefix(f"{path}: ")
    assert re.search(match, reason), reason
    assert len(reason) < SHORT, reason
    return reason


class OpenedEntries:
    """Records which archive entries are opened (zipfile.ZipFile.open), to show what is read."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        original = zipfile.ZipFile.open

        def recording_open(archive, name, *args, **kwargs):
            self.names.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
            return original(archive, name, *args, **kwargs)

        monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)


# ---------------------------------------------------------------- errors that escaped as others


def _flip_in_header(good_file: Path, tmp_path: Path, old: bytes, new: bytes) -> Path:
    """A copy of ``good_file`` in which the first ``old`` byte of weight_0's .npy header is
    ``new`` (one bit flipped)."""
    data = bytearray(good_file.read_bytes())
    with zipfile.ZipFile(good_file) as archive:
        info = archive.getinfo("weight_0.npy")
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length  # after the entry's zip header
    assert data[start : start + 6] == b"\x93NUMPY"
    at = data.index(old, start + 10, start + 128)
    assert bin(old[0] ^ new[0]).count("1") == 1
    data[at] = new[0]
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("old", "new", "numpy_raises"),
    [(b")", b"(", tokenize.TokenError), (b"<", b",", SyntaxError)],
    ids=["TokenError", "SyntaxError"],
)
def test_one_flipped_bit_in_an_npy_header_is_a_damaged_header(
    good_file, tmp_path, old, new, numpy_raises
):
    path = _flip_in_header(good_file, tmp_path, old, new)
    with np.load(path) as archive, pytest.raises(numpy_raises):
        archive["weight_0"]  # what escaped before
    refused(path, r"^entry 'weight_0' has a damaged \.npy header")


def test_flipped_bits_anywhere_in_the_archive_structure_are_reported_briefly(good_file, tmp_path):
    """Every zip header, .npy header and the table of contents: a sample of single-bit flips,
    each of which loads or is refused by a specific check, never by the last resort."""
    data = good_file.read_bytes()
    with zipfile.ZipFile(good_file) as archive:
        infos = archive.infolist()
    positions = [p for i in infos for p in range(i.header_offset, i.header_offset + 200)]
    positions += range(data.index(b"PK\x01\x02"), len(data))  # table of contents, end record
    rng = random.Random(20240501)
    path = tmp_path / "flipped.npz"
    outcomes = set()
    for position in rng.sample(positions, 300):
        flipped = bytearray(data)
        flipped[position] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(flipped))
        try:
            load_model(path)
            outcomes.add("loaded")
        except WeightFileError as error:
            reason = str(error).removeprefix(f"{path}: ")
            assert len(reason) < SHORT, reason
            assert "could not be read (" not in reason, reason
            outcomes.add("refused")
    assert "refused" in outcomes


def test_a_network2_number_of_5000_digits_is_not_json(tmp_path):
    path = tmp_path / "digits.json"
    weights = "[[" + "1" * 5000 + "]]"
    path.write_text(f'{{"sizes": [784, 10], "weights": [{weights}], "biases": [[[0]]], '
                    f'"cost": "QuadraticCost"}}')  # fmt: skip
    with pytest.raises(ValueError, match="4300 digits"):
        json.loads(path.read_text())  # a plain ValueError, not a JSONDecodeError
    refused(path, r"^not a network2 JSON file: not valid JSON \(Exceeds the limit")


def test_metadata_with_a_number_of_5000_digits_is_not_json(good_file, tmp_path):
    members = members_of(good_file)
    members["metadata"] = npy(np.array('{"epochs": ' + "9" * 5000 + "}"))
    refused(write_zip(tmp_path / "m.npz", members), r"^the metadata is not valid JSON")


def test_a_member_name_that_is_not_utf8_is_a_damaged_archive(good_file, tmp_path):
    members = members_of(good_file)
    members["é"] = npy(np.zeros(1))  # a non-ASCII name: stored as UTF-8, flagged so
    data = write_zip(tmp_path / "named.npz", members).read_bytes()
    assert data.count("é".encode()) == 2  # in the entry's header and in the table of contents
    path = tmp_path / "bad-name.npz"
    path.write_bytes(data.replace("é".encode(), b"\xff\xfe"))
    refused(path, r"^a damaged or truncated zip archive \(.*utf-8")


def test_an_entry_compressed_with_lzma_is_refused_unread(good_file, tmp_path, monkeypatch):
    members = members_of(good_file)
    path = tmp_path / "lzma.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            method = zipfile.ZIP_LZMA if name == "weight_1" else zipfile.ZIP_STORED
            archive.writestr(name + ".npy", data, compress_type=method)
    opened = OpenedEntries(monkeypatch)
    refused(path, r"^entry 'weight_1' is compressed in a way weight files never are")
    assert "weight_1.npy" not in opened.names


def test_an_encrypted_entry_is_damaged(good_file, tmp_path):
    data = bytearray(good_file.read_bytes())
    with zipfile.ZipFile(good_file) as archive:
        info = archive.getinfo("sizes.npy")
    entry = data.index(b"sizes.npy", data.index(b"PK\x01\x02")) - 46  # in the table of contents
    assert data[entry : entry + 4] == b"PK\x01\x02"
    data[entry + 8] |= 1  # "encrypted"
    data[info.header_offset + 6] |= 1
    path = tmp_path / "encrypted.npz"
    path.write_bytes(bytes(data))
    refused(path, r"^entry 'sizes' is damaged \(.*encrypted")


def test_a_table_of_contents_larger_than_any_weight_file_needs_is_refused_unread(tmp_path):
    path = tmp_path / "big.npz"
    save_model(Model(Network([784, 400, 10], seed=0)), path)  # 1.3 MB
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    # The end record now says the table of contents is everything before it.
    data[end + 12 : end + 20] = struct.pack("<II", end, 0)
    path.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        refused(path, r"^a zip archive whose table of contents is [\d,]+ bytes long")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # the table (1.3 MB) was not read


@pytest.mark.parametrize(
    "error",
    [
        MemoryError(),
        RecursionError("maximum recursion depth exceeded"),
        struct.error("unpack requires a buffer of 4 bytes"),
        OverflowError("int too large to convert to float"),
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
        KeyError("x" * 5000),
    ],
    ids=lambda error: type(error).__name__,
)
def test_anything_else_a_file_makes_the_reader_raise_is_a_weight_file_error(
    good_file, monkeypatch, error
):
    def failing(archive):
        raise error

    monkeypatch.setattr(weight_file, "read_archive", failing)
    reason = refused(good_file, rf"^could not be read \({type(error).__name__}")
    assert len(reason) < 150


def test_an_interrupt_is_not_swallowed(good_file, monkeypatch):
    def interrupted(archive):
        raise KeyboardInterrupt

    monkeypatch.setattr(weight_file, "read_archive", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_model(good_file)


# ---------------------------------------------------------------- bounded before allocating


def test_sizes_are_checked_before_any_layer_is_read(good_file, tmp_path, monkeypatch):
    members = members_of(good_file)
    members["sizes"] = npy(np.array([784, 400_000, 10]))
    for name in [n for n in members if n.startswith(("weight_", "bias_"))]:
        del members[name]
    members["weight_0"] = npy_header(np.float32, (400_000, 784)) + b"\0" * 4096  # cut short
    members["bias_0"] = npy(np.zeros((400_000, 1), np.float32))
    members["weight_1"] = npy(np.zeros((10, 400_000), np.float32))
    members["bias_1"] = npy(np.zeros((10, 1), np.float32))
    path = write_zip(tmp_path / "wide.npz", members, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 300_000
    opened = OpenedEntries(monkeypatch)
    refused(path, r"^sizes \[784, 400000, 10\]: at most 5000 neurons per hidden layer")
    assert not [name for name in opened.names if name.startswith(("weight_", "bias_"))]


def test_a_million_layers_are_refused_by_the_size_of_their_entry(good_file, tmp_path):
    members = members_of(good_file)
    sizes = np.ones(1_000_000, np.int64)
    sizes[0], sizes[-1] = 784, 10
    members["sizes"] = npy(sizes)
    refused(write_zip(tmp_path / "deep.npz", members), r"^entry 'sizes' unpacks to 8,000,128 bytes")


def test_a_million_layers_declared_in_a_small_entry_are_refused_by_its_header(good_file, tmp_path):
    members = members_of(good_file)
    members["sizes"] = npy_header(np.int64, (1_000_000,)) + np.ones(4, np.int64).tobytes()
    refused(write_zip(tmp_path / "deep.npz", members), r"^'sizes' lists 1,000,000 layers")


def test_an_entry_unpacking_to_more_than_its_layer_needs_is_refused_unread(
    good_file, tmp_path, monkeypatch
):
    members = members_of(good_file)
    layer = np.zeros((16, 784), np.float32)
    members["weight_0"] = npy(layer) + bytes(64 << 20)  # a 64 MiB tail that deflates to 64 kB
    path = write_zip(tmp_path / "tail.npz", members, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 300_000
    opened = OpenedEntries(monkeypatch)
    reason = refused(path, r"^entry 'weight_0' unpacks to 67,159,[\d,]+ bytes; it may take")
    assert "weight_0.npy" not in opened.names
    assert int(reason.split("at most ")[1].replace(",", "")) < 16 * 784 * 8 + 20_000


def test_a_small_extra_tail_is_damage(good_file, tmp_path):
    members = members_of(good_file)
    members["bias_1"] = members["bias_1"] + b"\0" * 8
    refused(write_zip(tmp_path / "tail.npz", members), r"^entry 'bias_1' is damaged: 40 bytes")


@pytest.mark.parametrize(
    ("key", "header", "match"),
    [
        (
            "weight_0",
            npy_header(np.float64, (287_000, 784)),
            r"^weight_0 has shape \(287000, 784\)",
        ),
        (
            "weight_0",
            npy_header(np.float64, (784, 287_000)),
            r"^weight_0 has shape \(784, 287000\)",
        ),
        ("metadata", npy_header("<U450000000", ()), r"^entry 'metadata' is a text of 450,000,000"),
        ("cost", npy_header("<U1000000", ()), r"^entry 'cost' is a text of 1,000,000 characters"),
        (
            "version",
            npy_header(np.int64, (10**9,)),
            r"^entry 'version' declares int64 \(1000000000",
        ),
    ],
    ids=["tall weights", "wide weights", "metadata", "cost", "version"],
)
def test_an_entry_whose_header_declares_gigabytes_is_refused_before_its_data_is_read(
    good_file, tmp_path, key, header, match
):
    members = members_of(good_file)
    members[key] = header + bytes(1000)
    path = write_zip(tmp_path / "declared.npz", members)
    tracemalloc.start()
    try:
        refused(path, match)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # NumPy itself allocates the 1.8 GB the header declares first


def test_metadata_longer_than_a_description_can_be_is_refused_unread(good_file, tmp_path):
    members = members_of(good_file)
    members["metadata"] = npy(np.array('{"note": "' + "x" * 300_000 + '"}'))
    refused(write_zip(tmp_path / "long.npz", members), r"^entry 'metadata' unpacks to [\d,]+ bytes")


def test_two_entries_of_one_name_are_refused_as_ambiguous(good_file, tmp_path):
    members = members_of(good_file)
    path = write_zip(tmp_path / "twice.npz", members)
    with zipfile.ZipFile(path, "a") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        archive.writestr("bias_1.npy", npy(np.ones((8, 1), np.float32)))
    refused(path, r"^the archive holds 1 name\(s\) twice, e\.g\. 'bias_1\.npy'")


def _ucs4(codes: list[int]) -> bytes:
    """A 0-d string entry holding these code points, valid or not."""
    return npy_header(f"<U{len(codes)}", ()) + np.array(codes, "<u4").tobytes()


@pytest.mark.parametrize(
    ("metadata", "match"),
    [
        (_ucs4([*map(ord, '{"dataset": "'), 0x110000, *map(ord, '"}')]),
         r"^entry 'metadata' is not valid Unicode text"),
        (_ucs4([*map(ord, '{"dataset": "'), 0xD800, *map(ord, '"}')]),
         r"^entry 'metadata' is not valid Unicode text"),
        (npy(np.array('{"dataset": "a\\ud800b"}')),
         r"^the metadata's dataset holds a character that is not Unicode text"),
        (npy(np.array('{"note": {"\\udfff": 1}}')),
         r"^the metadata holds text that is not valid Unicode"),
    ],
    ids=["beyond Unicode", "raw surrogate", "escaped surrogate", "surrogate in a key"],
)  # fmt: skip
def test_metadata_text_that_is_not_unicode_is_refused(good_file, tmp_path, metadata, match):
    members = {**members_of(good_file), "metadata": metadata}
    refused(write_zip(tmp_path / "text.npz", members), match)


def test_metadata_with_an_escaped_surrogate_pair_is_text(good_file, tmp_path):
    members = members_of(good_file)
    members["metadata"] = npy(np.array('{"dataset": "\\ud83d\\ude00 drawn"}'))
    loaded = load_model(write_zip(tmp_path / "emoji.npz", members))
    assert loaded.description.dataset == "\N{GRINNING FACE} drawn"


# ---------------------------------------------------------------- useless but finite weights


def _overflowing_parameters() -> tuple[list[np.ndarray], list[np.ndarray]]:
    weights, biases = [], []
    for n_in, n_out in itertools.pairwise(SIZES):
        for shape, into in (((n_out, n_in), weights), ((n_out, 1), biases)):
            array = np.empty(shape, np.float32)
            array.flat[0::2], array.flat[1::2] = 3.4e38, -3.4e38  # finite: float32 max is 3.4028e38
            into.append(array)
    return weights, biases


def test_finite_weights_whose_answers_are_nan_are_not_loaded(good_file, tmp_path):
    weights, biases = _overflowing_parameters()
    network = Network.from_parameters(
        weights, biases, hidden_activation="relu", output_activation="softmax", cost="cross-entropy"
    )
    with np.errstate(all="ignore"):
        answers = network.predict(np.random.default_rng(0).random((5, 784)))
    assert np.isnan(answers).all()  # every answer would be NaN
    members = members_of(good_file)
    for i, (w, b) in enumerate(zip(weights, biases)):
        members[f"weight_{i}"], members[f"bias_{i}"] = npy(w), npy(b)
    path = write_zip(tmp_path / "huge.npz", members)
    refused(path, r"^the network's answers are not finite numbers for every image")


def test_one_huge_weight_that_only_a_bright_image_overflows_is_refused(tmp_path):
    """Blank and grey images answer finitely, an all-white one does not: the bound over every
    input in [0, 1] finds it."""
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal((3, 784)) * 0.01, rng.standard_normal((10, 3))]
    biases = [np.zeros((3, 1)), np.zeros((10, 1))]
    weights[0][0, 700:702] = 1.797e308  # finite (float64's largest is 1.7977e308); their sum is not
    network = Network.from_parameters(
        weights, biases, hidden_activation="relu", output_activation="softmax", cost="cross-entropy"
    )
    with np.errstate(all="ignore"):
        probes = network.predict(np.stack([np.zeros(784), np.full(784, 0.5), np.ones(784)]))
    assert np.isfinite(probes[:2]).all() and not np.isfinite(probes[2]).all()
    with pytest.raises(WeightFileError, match="not finite numbers for every image"):
        save_model(Model(network), tmp_path / "huge-one.npz")


def test_finite_weights_whose_answers_are_nan_are_not_saved(good_file):
    before = good_file.read_bytes()
    weights, biases = _overflowing_parameters()
    network = Network.from_parameters(
        weights, biases, hidden_activation="relu", output_activation="softmax", cost="cross-entropy"
    )
    with pytest.raises(WeightFileError, match=r"not saved: the network's answers .* not finite"):
        save_model(Model(network), good_file)
    assert good_file.read_bytes() == before
    assert list(good_file.parent.iterdir()) == [good_file]


# ---------------------------------------------------------------- not a regular file


def _load_in_thread(path: Path) -> BaseException | None:
    """Load ``path`` in a thread, so a blocking open cannot hang the tests; the outcome."""
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            load_model(path)
            outcome.append(None)
        except BaseException as error:  # handed to the test
            outcome.append(error)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "loading blocked"
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_unopened(tmp_path):
    path = tmp_path / "model.npz"
    os.mkfifo(path)
    error = _load_in_thread(path)
    assert isinstance(error, WeightFileError)
    assert str(error) == f"{path}: is a named pipe, not a regular file: it is not read"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_file_swapped_for_a_named_pipe_after_the_check_is_refused_without_blocking(
    tmp_path, good_file, monkeypatch
):
    path = tmp_path / "model.npz"
    os.mkfifo(path)
    regular = os.stat(good_file)
    real_stat = os.stat

    def stat_says_regular(target, *args, **kwargs):  # as if swapped just after the check
        swapped = isinstance(target, str | os.PathLike) and Path(target) == path
        return regular if swapped else real_stat(target, *args, **kwargs)

    monkeypatch.setattr(weight_file.os, "stat", stat_says_regular)
    error = _load_in_thread(path)
    assert isinstance(error, WeightFileError)
    assert "is a named pipe, not a regular file" in str(error)


def test_a_symbolic_link_to_a_weight_file_opens(good_file, tmp_path):
    link = tmp_path / "link.npz"
    try:
        link.symlink_to(good_file)
    except OSError:
        pytest.skip("this system makes no symbolic links")
    assert load_model(link).description.dataset == "MNIST"


# ---------------------------------------------------------------- huge files


def _sparse(path: Path, head: bytes, size: int) -> Path:
    with open(path, "wb") as file:
        file.write(head)
        file.truncate(size)  # no disk space taken where the system has sparse files
    return path


def _refused_unread(path: Path, message: str) -> None:
    """``path`` is refused with ``message`` having allocated less than 1 MB: it was not read."""
    tracemalloc.start()
    try:
        refused(path, message)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_a_file_larger_than_any_weight_file_is_refused_unread(good_file, tmp_path):
    assert MAX_FILE_BYTES >= 8 * MAX_PARAMETERS  # the largest network allowed still fits
    path = _sparse(tmp_path / "huge.npz", good_file.read_bytes(), MAX_FILE_BYTES + 1)
    _refused_unread(path, rf"^the file is {MAX_FILE_BYTES + 1:,} bytes; a weight file has at most")


def test_a_network2_file_larger_than_the_bound_is_refused_unread(tmp_path):
    head = b'{"sizes": [784, 10], "weights": ['
    path = _sparse(tmp_path / "huge.json", head, MAX_NETWORK2_BYTES + 1)
    _refused_unread(path, rf"^a network2 JSON file of {MAX_NETWORK2_BYTES + 1:,} bytes; at most")


# ---------------------------------------------------------------- temporary files of killed saves


def test_saving_removes_stale_temporary_files_of_the_same_target_only(tmp_path):
    target = tmp_path / "model.npz"
    old = time.time() - 2 * STALE_AFTER_SECONDS
    names = {
        "stale": ".model.npz.a1b2c3d4.tmp",  # a save killed mid-write, long ago
        "in progress": ".model.npz.zz_99xyz.tmp",  # another save, writing now
        "other target": ".other.npz.a1b2c3d4.tmp",
        "not ours": ".model.npz.backup.tmp",
        "user file": "model.npz.a1b2c3d4.tmp",
    }
    for label, name in names.items():
        (tmp_path / name).write_bytes(b"PK\x03\x04 half an archive")
        if label != "in progress":
            os.utime(tmp_path / name, (old, old))
    stale_folder = tmp_path / ".model.npz.folder01.tmp"
    stale_folder.mkdir()
    os.utime(stale_folder, (old, old))

    save_model(Model(small_network()), target)

    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"model.npz", stale_folder.name} | set(names.values()) - {names["stale"]}
    assert load_model(target).network.sizes == SIZES


def test_the_temporary_files_of_a_save_match_the_stale_file_pattern(tmp_path, monkeypatch):
    """The pattern that finds stale files finds the names this version's saves really use."""
    seen = []
    real_replace = os.replace

    def recording_replace(src, dst):
        seen.append(Path(src).name)
        return real_replace(src, dst)

    monkeypatch.setattr(weight_file.os, "replace", recording_replace)
    save_model(Model(small_network()), tmp_path / "model.npz")
    assert len(seen) == 1 and re.fullmatch(r"\.model\.npz\.[a-z0-9_]{8}\.tmp", seen[0])


# ---------------------------------------------------------------- headers, and short messages


def test_an_npy_header_longer_than_10_kb_is_said_to_be_damaged(good_file, tmp_path):
    members = members_of(good_file)
    text = "{'descr': '<f4', 'fortran_order': False, 'shape': (16, 784), }"
    header = (text + " " * 20_000 + "\n").encode("latin1")
    data = np.asarray(small_network().weights[0], np.float32).tobytes()
    members["weight_0"] = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data
    path = write_zip(tmp_path / "long-header.npz", members)
    with np.load(path) as archive, pytest.raises(ValueError, match="allow_pickle"):
        archive["weight_0"]  # NumPy's reason, which had been reported as "Python objects"
    reason = refused(path, r"^entry 'weight_0' has a damaged \.npy header: 20,0\d\d bytes long")
    assert "Python objects" not in reason


def _long_names(members: dict[str, bytes]) -> dict[str, bytes]:
    del members["format"]
    return {**members, **{"n" * 5000 + str(i): b"" for i in range(10)}}


def _many_layers_entries(members: dict[str, bytes]) -> dict[str, bytes]:
    return {**members, **{f"weight_{i}": b"" for i in range(3, 5000)}}


def _tagged(tag: str):
    return lambda members: {**members, "format": npy(np.array(tag))}


def _named(key: str, value: str):
    return lambda members: {**members, key: npy(np.array(value))}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (_long_names, r"^a zip archive without a 'format' entry, not a weight file \(it holds"),
        (_many_layers_entries, r"^entries weight_10, .* and 4,991 more belong to no layer"),
        (_tagged("x" * 100), r"^not a Digit Recognizer weight file: format tag 'xxx"),
        (_tagged("x" * 10_000), r"^entry 'format' unpacks to 40,128 bytes; it may take at most"),
        (_named("hidden_activation", "y" * 100), r"^hidden_activation 'yyy.*' is not one of"),
        (
            _named("metadata", json.dumps({"sketch_reading": {"x": "z" * 100_000}})),
            r"^the metadata's sketch_reading cannot be used",
        ),
        (_named("metadata", json.dumps({"epochs": [1] * 50_000})), r"^the metadata's epochs"),
        (_named("metadata", json.dumps({"test_accuracy": "9" * 4000})), r"test_accuracy"),
        (_named("metadata", "{" * 100_000), r"^the metadata is not valid JSON"),
    ],
    ids=["names", "layer entries", "tag", "long tag", "name", "reading", "list", "text", "deep"],
)
def test_messages_stay_short_whatever_the_file_holds(good_file, tmp_path, change, match):
    refused(write_zip(tmp_path / "odd.npz", change(members_of(good_file))), match)


def test_network2_sizes_of_huge_numbers_give_a_short_message(tmp_path):
    path = tmp_path / "sizes.json"
    sizes = f"[784, {'7' * 4000}, 10]"
    path.write_text(f'{{"sizes": {sizes}, "weights": [], "biases": [], "cost": "QuadraticCost"}}')
    refused(path, r"^sizes \[784, 7+\.\.\.7+, 10\]: at most 5000 neurons per hidden layer")


def test_a_regular_file_is_read_whole(good_file):
    """What all this must not change: the file checks pass a real file, read as it was."""
    assert stat.S_ISREG(os.stat(good_file).st_mode)
    model = load_model(good_file)
    for mine, theirs in zip(small_network().layers, model.network.layers, strict=True):
        assert theirs.tobytes() == mine.tobytes()
