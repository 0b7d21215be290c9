"""Fuzz the file loaders: thousands of malformed weight and data files, each loaded in a
memory-limited worker process with a timeout.

    .venv/bin/python bench/fuzz_files.py [--weights 5000] [--data 1000] [--seed 0] [--jobs 2]
        [--keep DIR] [--only TEXT] [--timeout 5]

Every file is made from a real one, deterministically from ``--seed``: small models saved with
``nn.weights.save_model``, the weight files in ``tests/nn/weights/fixtures/``, a few mutations of
``resources/default-model.npz`` and Nielsen's network2 JSON for the weight loader
(``nn.weights.load_model``); for the data loaders, a folder of the four IDX files
(``nn.data.mnist.load_idx_folder``), a Keras ``mnist.npz`` (``load_keras_npz``) and Nielsen's
``mnist.pkl.gz`` (``load_nielsen_pickle``), all built from images of the committed sample
``data/sample``, and pen-digit UNIPEN text cut from ``data/pendigits`` (``load_pendigits``).
Each family of mutations (bit flips, truncation, zip tricks, bombs, wrong dtypes and shapes,
hostile pickles, …) is listed with its counts in the summary. Files are written to a temporary
folder, deleted at the end unless ``--keep DIR`` is given (then ``DIR/results.tsv`` holds every
file's outcome, and ``--only NAME`` loads just the files whose name contains NAME).

Each file is loaded by one of ``--jobs`` long-lived worker processes, restarted after a crash, a
timeout or a load that left it holding memory. The outcome of a load is one of:

- refused: the loader raised the project's error (``nn.weights.WeightFileError`` for weight files,
  ``nn.data.idx.DataError`` for data files). The goal for every malformed file.
- accepted: then the result is checked: a model must have layers of the shapes its sizes give,
  finite parameters and finite outputs on six probe inputs (zeros, ones, a checkerboard, noise,
  a sample digit, a drawn sketch through ``Model.read``), and a description that stores back as
  JSON in valid Unicode; data must be float32 images in [0, 1] with uint8 labels 0-9, pen digits
  labels 0-9 and strokes inside the tablet, one digit per ``.SEGMENT`` line. A file whose mutation
  makes it invalid (``must be refused`` in the case list: a pickle payload, a declared shape that
  does not match its data, NaN, a header count of 10**9, …) counts as a wrong accept whatever the
  checks say.
- crash: anything else was raised, the loader ran into the memory limit (a MemoryError, even one
  the loader caught and turned into its own error), or the process died.
- hang: no answer within ``--timeout`` seconds (the worker is killed).

Payloads in pickles try to create a marker file (through os.system, subprocess, exec, eval, open,
numpy.save, …); "code executed" counts the files whose marker appeared. A load over 1 s (timed in
the worker, the load alone) is slow; slow files are loaded again at the end, one at a time, and
the faster time counts, so two heavy loads side by side do not make each other slow.

Memory limit: ``RLIMIT_AS`` (address space), set in each worker once NumPy, the loaders and
OpenBLAS (one thread, as ``python -m nn`` runs it) are loaded and warmed up: the measured
baseline (about 160 MB of address space, 50 MB resident) plus 500 MB, so a load may add at most
500 MB of memory. ``RLIMIT_AS`` rather than ``RLIMIT_DATA`` because it also counts file and
anonymous mappings. Peak memory is the worker's peak resident set size during one load
(``VmHWM``, the ``ru_maxrss`` figure, reset before each load through ``/proc/self/clear_refs``).

Targets: no crash, hang, wrong accept or executed code, every load under 1 s and 500 MB, every
valid control file loaded. The exit status is 0 only when all of them are met.
"""

from __future__ import annotations

import argparse
import bz2
import contextlib
import dataclasses
import gzip
import io
import itertools
import json
import os
import pathlib
import pickle
import queue
import random
import re
import resource
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as nn/__main__.py, before NumPy loads
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

LIMIT_MB = 500
"""What one load may add to a worker's address space, and the most it may hold resident."""
SLOW_S = 1.0
MEGA = 1 << 20
F32_MAX = float(np.finfo(np.float32).max)
F64_MAX = float(np.finfo(np.float64).max)
DEFAULT_MODEL = ROOT / "resources" / "default-model.npz"
FIXTURES = ROOT / "tests" / "nn" / "weights" / "fixtures"
SAMPLE = ROOT / "data" / "sample"
PEN_FILE = ROOT / "data" / "pendigits" / "pendigits-orig.tra.gz"
MARKERS = "markers"
"""The workers' working folder, inside the files' folder: where payloads would leave markers."""


# ---------------------------------------------------------------- what a case is


@dataclass(frozen=True)
class Special:
    """A file that is not plain bytes: ``fifo``, ``dir`` or ``symlink`` (to ``target``)."""

    kind: str
    target: str = ""


@dataclass(frozen=True)
class Folder:
    """A folder of files (the IDX loader reads one): name → bytes or Special; None is absent."""

    files: dict


Content = bytes | Special | Folder


@dataclass
class Made:
    """What a mutation made: the content, and whether the loader must refuse it (and why)."""

    content: Content
    expect: str = "either"
    """``refuse`` (must be refused), ``load`` (a valid file: must load) or ``either``."""
    why: str = ""
    ext: str = ".npz"
    marker: bool = False
    """Whether the content holds a payload that would create a marker file."""


@dataclass
class Case:
    name: str
    loader: str
    family: str
    variant: str
    expect: str = "either"
    why: str = ""
    marker: bool = False
    size: int = 0


@dataclass
class Outcome:
    case: Case
    status: str
    """accepted, refused, crash, memory, died or hang."""
    error: str = ""
    where: str = ""
    seconds: float = 0.0
    peak_kb: int = 0
    problems: list = field(default_factory=list)
    code_executed: bool = False


def refuse(content: Content, why: str, ext: str = ".npz", marker: bool = False) -> Made:
    return Made(content, "refuse", why, ext, marker)


def either(content: Content, ext: str = ".npz", marker: bool = False) -> Made:
    return Made(content, "either", "", ext, marker)


def marker_name(stem: str) -> str:
    """The marker a payload of case ``stem`` would create, relative to the workers' folder."""
    return f"{stem}-ran"


# ---------------------------------------------------------------- bytes: npy, zip, gzip


def npy(array: object) -> bytes:
    """``array`` as .npy bytes (object arrays pickled, as np.save(allow_pickle=True) does)."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=True)
    return buffer.getvalue()


def npy_split(data: bytes) -> tuple[str, bytes]:
    """A .npy member's header text and the bytes after it."""
    start = 10 if data[6] == 1 else 12
    (length,) = struct.unpack_from("<H" if data[6] == 1 else "<I", data, 8)
    return data[start : start + length].decode("latin1"), data[start + length :]


def npy_join(header: str, body: bytes, version: tuple[int, int] = (1, 0)) -> bytes:
    """.npy bytes from a header text (padded as NumPy pads it) and the data after it."""
    text = header.rstrip("\n ").encode("utf-8" if version[0] >= 3 else "latin1")
    if version[0] == 1 and len(text) > 60000:
        version = (2, 0)
    prefix = 10 if version[0] == 1 else 12
    text += b" " * (-(prefix + len(text) + 1) % 64) + b"\n"
    size = struct.pack("<H" if version[0] == 1 else "<I", len(text))
    return b"\x93NUMPY" + bytes(version) + size + text + body


def npy_header(descr: object, shape: tuple, fortran: bool = False) -> str:
    return f"{{'descr': {descr!r}, 'fortran_order': {fortran!r}, 'shape': {tuple(shape)!r}, }}"


def pack(members: list, compression: int = zipfile.ZIP_STORED) -> bytes:
    """A zip archive as ``np.savez`` writes one (fixed dates, zip64 local headers): ``members``
    are ``(name, data)`` or ``(name, data, compression)``; duplicate names are kept."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name"
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data, *method in members:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = method[0] if method else compression
                with archive.open(info, "w", force_zip64=True) as entry:
                    entry.write(data)
    return buffer.getvalue()


def unpack(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def replaced(members: list, name: str, data: bytes | None) -> list:
    """``members`` with ``name`` given new ``data`` (added at the end if absent; None removes)."""
    out = [(n, d) for n, d in members if n != name]
    if data is None:
        return out
    if len(out) == len(members):
        return [*out, (name, data)]
    return [(n, data if n == name else d) for n, d in members]


def member(members: list, name: str) -> bytes:
    return dict(members)[name]


@dataclass
class RawMember:
    """One member of a hand-written zip: ``data`` as stored (already compressed), its CRC and
    uncompressed size; ``zip64_size`` declares that uncompressed size in zip64 extra fields."""

    name: str
    data: bytes
    crc: int
    size: int
    method: int = zipfile.ZIP_DEFLATED
    zip64_size: int | None = None


def raw_zip(members: list[RawMember]) -> bytes:
    """A zip archive written byte by byte, so that sizes and CRCs can say anything."""
    out, central = bytearray(), bytearray()
    for m in members:
        name = m.name.encode()
        offset = len(out)
        size32, csize32, extra = m.size, len(m.data), b""
        declared = m.zip64_size if m.zip64_size is not None else m.size
        if m.zip64_size is not None or m.size >= 0xFFFFFFFF:
            size32 = csize32 = 0xFFFFFFFF
            extra = struct.pack("<HHQQ", 1, 16, declared, len(m.data))
        head = (45 if extra else 20, 0, m.method, 0, 0x21, m.crc, csize32, size32, len(name))
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", *head, len(extra)) + name + extra + m.data
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 45, *head, len(extra), 0, 0, 0, 0, offset
        )
        central += name + extra
    eocd = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out), 0
    )
    return bytes(out + central + eocd)


_ZERO_BLOCKS: dict[int, bytes] = {}
_ZERO_CRCS: dict[tuple[bytes, int], int] = {}


def deflated_zeros(prefix: bytes, total: int, stream_limit: int | None = None) -> RawMember:
    """A raw deflate stream of ``prefix`` followed by zeros up to ``total`` bytes, built in
    moments (one compressed MiB of zeros, repeated: full flushes make its blocks independent).
    ``stream_limit`` cuts the stream after that many compressed bytes (it then ends early)."""
    if MEGA not in _ZERO_BLOCKS:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        _ZERO_BLOCKS[MEGA] = compressor.compress(bytes(MEGA)) + compressor.flush(zlib.Z_FULL_FLUSH)
    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [head.compress(prefix) + head.flush(zlib.Z_FULL_FLUSH)]
    whole, rest = divmod(total - len(prefix), MEGA)
    parts.append(_ZERO_BLOCKS[MEGA] * whole)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts.append(tail.compress(bytes(rest)) + tail.flush())
    stream = b"".join(parts)
    if stream_limit is not None:  # the stream ends early: no CRC can match
        return RawMember("", stream[:stream_limit], 0, total)
    key = (prefix, total)
    if key not in _ZERO_CRCS:
        crc = zlib.crc32(prefix)
        block = bytes(MEGA)
        for _ in range(whole):
            crc = zlib.crc32(block, crc)
        _ZERO_CRCS[key] = zlib.crc32(bytes(rest), crc)
    return RawMember("", stream, _ZERO_CRCS[key], total)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


_GZ_ZEROS: list[bytes] = []
_GZ_BOMBS: dict[tuple[bytes, int], bytes] = {}


def gzip_bomb(prefix: bytes, total: int) -> bytes:
    """gzip data of ``prefix`` and zeros up to ``total`` bytes: members of 16 MiB of zeros,
    concatenated (gzip allows several members; 1 GB takes about 1 MB)."""
    if (prefix, total) in _GZ_BOMBS:
        return _GZ_BOMBS[prefix, total]
    if not _GZ_ZEROS:
        _GZ_ZEROS.append(gz(bytes(16 * MEGA)))
    first = min(total, 16 * MEGA)
    whole, rest = divmod(total - first, 16 * MEGA)
    out = [gz(prefix + bytes(first - len(prefix))), _GZ_ZEROS[0] * whole]
    if rest:
        out.append(gz(bytes(rest)))
    _GZ_BOMBS[prefix, total] = b"".join(out)
    return _GZ_BOMBS[prefix, total]


_CHOICES: list[str] = []
"""The sub-variants chosen while making the current file, for its name."""


def pick(rng: random.Random, choices):
    """``rng.choice(choices)``, remembered for the file's name; a text is split at spaces."""
    chosen = rng.choice(choices.split() if isinstance(choices, str) else choices)
    _CHOICES.append(str(chosen))
    return chosen


def flip_bits(data: bytes, rng: random.Random, count: int, lo: int = 0, hi: int | None = None):
    hi = len(data) if hi is None else hi
    out = bytearray(data)
    for _ in range(count):
        if hi > lo:
            out[rng.randrange(lo, hi)] ^= 1 << rng.randrange(8)
    return bytes(out)


def zip_regions(data: bytes) -> dict[str, list[tuple[int, int]]]:
    """Byte ranges of an archive's structures: local headers, .npy headers (of stored members),
    central directory entries and the end records."""
    regions: dict[str, list[tuple[int, int]]] = defaultdict(list)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            start = info.header_offset
            name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
            body = start + 30 + name_len + extra_len
            regions["local"].append((start, body))
            if info.compress_type == zipfile.ZIP_STORED and data[body : body + 6] == b"\x93NUMPY":
                header, _ = npy_split(data[body : body + info.file_size])
                regions["npy"].append((body, body + 10 + len(header)))
        start_dir = archive.start_dir
    end = data.rfind(b"PK\x05\x06")
    regions["central"].append((start_dir, end))
    regions["end"].append((end, len(data)))
    return regions


# ---------------------------------------------------------------- pickle payloads


PAYLOAD_KINDS = (
    "os.system",
    "subprocess.call",
    "builtins.exec",
    "builtins.eval",
    "builtins.open",
    "os.mkdir",
    "numpy.save",
    "pathlib.Path.touch",
    "shutil.copyfile",
    "subprocess.Popen",
)


class Payload:
    """Pickles as a call that creates the marker ``path`` (relative to the workers' folder)."""

    def __init__(self, kind: str, path: str) -> None:
        self.kind, self.path = kind, path

    def __reduce__(self):
        path = self.path
        calls = {
            "os.system": (os.system, (f"touch {path}",)),
            "subprocess.call": (subprocess.call, (["touch", path],)),
            "builtins.exec": (exec, (f"open({path!r}, 'w').close()",)),
            "builtins.eval": (eval, (f"__import__('os').system('touch {path}')",)),
            "builtins.open": (open, (path, "w")),
            "os.mkdir": (os.mkdir, (path,)),
            "numpy.save": (np.save, (path, np.zeros(1))),
            "pathlib.Path.touch": (pathlib.Path.touch, (pathlib.Path(path),)),
            "shutil.copyfile": (shutil.copyfile, (os.devnull, path)),
            "subprocess.Popen": (subprocess.Popen, (["touch", path],)),
        }
        return calls[self.kind]


def payload(rng: random.Random, stem: str) -> Payload:
    return Payload(rng.choice(PAYLOAD_KINDS), marker_name(stem))


def op_global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def op_str(text: str) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    return b"X" + struct.pack("<I", len(data)) + data


def op_int(n: int) -> bytes:
    data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(data)]) + data


def op_tuple(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"


def op_call(function: bytes, *args: bytes) -> bytes:
    return function + op_tuple(*args) + b"R"


def raw_payloads(stem: str) -> list[bytes]:
    """Hand-written pickles that call a system function through each opcode that can."""
    command = op_str(f"touch {marker_name(stem)}")
    pickles = [
        b"\x80\x02" + op_call(op_global("posix", "system"), command) + b".",
        b"\x80\x02" + op_call(op_global("os", "system"), command) + b".",
        b"(S'touch " + marker_name(stem).encode() + b"'\nios\nsystem\n.",  # INST
        b"\x80\x02(" + op_global("os", "system") + command + b"o.",  # OBJ
        b"\x80\x04" + op_str("os") + op_str("system") + b"\x93" + op_tuple(command) + b"R.",
        b"\x80\x02"
        + op_global("builtins", "getattr")
        + b"("
        + op_call(op_global("builtins", "__import__"), op_str("os"))
        + op_str("system")
        + b"tR"
        + op_tuple(command)
        + b"R.",
        b"\x80\x02" + op_call(op_global("nt", "system"), command) + b".",
    ]
    inner = pickles[0]
    pickles.append(
        b"\x80\x03"
        + op_call(op_global("pickle", "loads"), b"C" + bytes([len(inner)]) + inner)
        + b"."
    )
    return pickles


# ---------------------------------------------------------------- the real files to start from

SMALL_MODELS = (
    ((784, 2, 10), "sigmoid", "sigmoid", "quadratic", np.float32),
    ((784, 3, 10), "relu", "softmax", "cross-entropy", np.float64),
    ((784, 2, 2, 10), "relu", "sigmoid", "cross-entropy", np.float32),
    ((784, 4, 10), "sigmoid", "softmax", "cross-entropy", np.float32),
)
SAVED_AT = "2025-01-01T12:00:00+00:00"


@dataclass
class WeightBase:
    """A real weight file: its bytes and, for an archive, its members in order."""

    name: str
    raw: bytes
    members: list = field(default_factory=list)
    ext: str = ".npz"

    @property
    def layers(self) -> list[str]:
        return [n for n, _ in self.members if n.startswith(("weight_", "bias_"))]

    @property
    def sizes(self) -> list[int]:
        return array_of(member(self.members, "sizes.npy")).tolist()

    @property
    def regions(self) -> dict:
        if not hasattr(self, "_regions"):
            self._regions = zip_regions(self.raw)
        return self._regions


@dataclass
class Bases:
    models: list[WeightBase]
    """Small models saved with save_model, and the fixtures' archives."""
    default: WeightBase
    network2: list[WeightBase]
    idx: dict[str, bytes]
    keras: dict[str, np.ndarray]
    nielsen: tuple
    pen_header: str
    pen_segments: list[str]
    cache: dict = field(default_factory=dict)
    index: int = 0
    """The index of the case being made within its family."""


def array_of(data: bytes) -> np.ndarray:
    return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)


def small_model(
    sizes, hidden: str, output: str, cost: str, dtype, seed: int, drawings: int = 0
) -> bytes:
    """A model saved by ``save_model``, its ``saved_at`` fixed so the bytes depend on the seed;
    with ``drawings`` > 0, remembering that many random strokes (the optional entries)."""
    from nn.description import ModelDescription
    from nn.model import Model
    from nn.network import Network
    from nn.sketch.stroke_memory import StrokeMemory
    from nn.weights import save_model

    network = Network(
        sizes,
        hidden_activation=hidden,
        output_activation=output,
        cost=cost,
        init="scaled",
        seed=seed,
        dtype=dtype,
    )
    description = ModelDescription(
        dataset="committed sample",
        trained_with="fuzz base",
        front_end="bench",
        epochs=1,
        test_accuracy=0.5,
        test_images=1000,
        settings={"sizes": list(sizes)},
    )
    rng = np.random.default_rng(seed)
    memory = None
    if drawings:
        strokes = [[rng.uniform(0, 280, (rng.integers(1, 40), 2))] for _ in range(drawings)]
        memory = StrokeMemory.of(strokes, rng.integers(0, 10, drawings))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        save_model(Model(network, description, memory), path)
        members = unpack(path.read_bytes())
    metadata = json.loads(str(array_of(member(members, "metadata.npy"))))
    metadata["saved_at"] = SAVED_AT
    return pack(replaced(members, "metadata.npy", npy(np.array(json.dumps(metadata)))))


def network2_document(sizes, seed: int) -> bytes:
    """Nielsen's network2 JSON for a random network (5 decimals, to keep the file small)."""
    rng = np.random.default_rng(seed)
    weights = [
        np.round(rng.standard_normal((n, m)) / np.sqrt(m), 5) for m, n in itertools.pairwise(sizes)
    ]
    biases = [np.round(rng.standard_normal((n, 1)), 5) for n in sizes[1:]]
    document = {
        "sizes": list(sizes),
        "weights": [w.tolist() for w in weights],
        "biases": [b.tolist() for b in biases],
        "cost": "CrossEntropyCost",
    }
    return json.dumps(document).encode()


def make_bases(seed: int) -> Bases:
    from nn.data.idx import encode_images, encode_labels, parse_images, parse_labels

    models = [
        WeightBase(f"small{i}", small_model(*spec, seed=seed * 100 + i))
        for i, spec in enumerate(SMALL_MODELS)
    ]
    remembering = small_model(*SMALL_MODELS[1], seed=seed * 100 + 99, drawings=6)
    models.append(WeightBase("remembering", remembering))
    models += [WeightBase(p.stem, p.read_bytes()) for p in sorted(FIXTURES.glob("*.npz"))]
    for base in models:
        base.members = unpack(base.raw)
    default = WeightBase("default", DEFAULT_MODEL.read_bytes())
    default.members = unpack(default.raw)
    network2 = [WeightBase("network2", (FIXTURES / "network2.json").read_bytes(), ext=".json")]
    network2 += [
        WeightBase(f"network2-{i}", network2_document(sizes, seed * 100 + i), ext=".json")
        for i, sizes in enumerate(((784, 2, 10), (784, 3, 2, 10)))
    ]

    def sample(name: str, parse):
        return parse(gzip.decompress((SAMPLE / f"{name}.gz").read_bytes()), name)

    train_x = sample("train-images-idx3-ubyte", parse_images)[:30]
    train_y = sample("train-labels-idx1-ubyte", parse_labels)[:30]
    test_x = sample("t10k-images-idx3-ubyte", parse_images)[:10]
    test_y = sample("t10k-labels-idx1-ubyte", parse_labels)[:10]
    idx = {
        "train-images-idx3-ubyte": encode_images(train_x),
        "train-labels-idx1-ubyte": encode_labels(train_y),
        "t10k-images-idx3-ubyte": encode_images(test_x),
        "t10k-labels-idx1-ubyte": encode_labels(test_y),
    }
    keras = {
        "x_train": train_x.reshape(-1, 28, 28).copy(),
        "y_train": train_y.copy(),
        "x_test": test_x.reshape(-1, 28, 28).copy(),
        "y_test": test_y.astype(np.int64),
    }

    def nielsen_pair(x, y, n):
        return x[:n].astype(np.float32) / np.float32(256), y[:n].astype(np.int64)

    nielsen = (
        nielsen_pair(train_x, train_y, 16),
        nielsen_pair(train_x[16:], train_y[16:], 6),
        nielsen_pair(test_x, test_y, 6),
    )
    text = gzip.decompress(PEN_FILE.read_bytes()).decode("ascii")
    starts = [m.start() for m in re.finditer(r"^\.SEGMENT", text, re.MULTILINE)]
    segments = [text[a:b] for a, b in itertools.pairwise(starts[:41])]
    return Bases(models, default, network2, idx, keras, nielsen, text[: starts[0]], segments)


# ---------------------------------------------------------------- weight-file mutations

FLIPS = (1, 1, 1, 2, 3, 8, 64)
"""How many bits a flip mutation flips (drawn from these)."""


def model(rng: random.Random, b: Bases) -> WeightBase:
    return rng.choice(b.models)


def layer_array(base: WeightBase, name: str) -> np.ndarray:
    return array_of(member(base.members, name))


def with_member(base: WeightBase, name: str, data: bytes | None, **kw) -> bytes:
    return pack(replaced(base.members, name, data), **kw)


def central_entries(data: bytes) -> list[tuple[int, str]]:
    """(offset, name) of every central directory entry."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        offset = archive.start_dir
    entries = []
    while data[offset : offset + 4] == b"PK\x01\x02":
        n, e, c = struct.unpack_from("<3H", data, offset + 28)
        entries.append((offset, data[offset + 46 : offset + 46 + n].decode("utf-8", "replace")))
        offset += 46 + n + e + c
    return entries


def patch(data: bytes, offset: int, fmt: str, *values) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, *values)
    return bytes(out)


def patch_member(data: bytes, name: str, field_offsets: tuple[int, int], fmt: str, value) -> bytes:
    """Write ``value`` into a member's field at (local, central) header offsets."""
    local_off, central_off = field_offsets
    for offset, entry in central_entries(data):
        if entry == name:
            (local,) = struct.unpack_from("<L", data, offset + 42)
            if local_off >= 0:
                data = patch(data, local + local_off, fmt, value)
            if central_off >= 0:
                data = patch(data, offset + central_off, fmt, value)
    return data


# bit flips, truncation


def w_flip_anywhere(rng, b, stem):
    base = rng.choice(b.models + b.network2)
    return either(flip_bits(base.raw, rng, rng.choice(FLIPS)), base.ext)


def w_flip_npy_header(rng, b, stem):
    base = model(rng, b)
    lo, hi = rng.choice(base.regions["npy"])
    return either(flip_bits(base.raw, rng, rng.choice(FLIPS[:5]), lo, hi))


def w_flip_npy_header_crc_fixed(rng, b, stem):
    """Flips in a .npy header, the archive re-packed so the CRCs match: NumPy's parser is hit."""
    base = model(rng, b)
    name, data = rng.choice(base.members)
    header, body = npy_split(data)
    start = len(data) - len(body) - len(header)
    return either(
        with_member(base, name, flip_bits(data, rng, rng.choice(FLIPS[:5]), 6, start + len(header)))
    )


def w_flip_zip_header(rng, b, stem):
    base = model(rng, b)
    kind = pick(rng, "local central central end")
    lo, hi = rng.choice(base.regions[kind])
    return either(flip_bits(base.raw, rng, rng.choice(FLIPS[:5]), lo, hi))


def w_flip_data_crc_fixed(rng, b, stem):
    """Flips in a layer's values, re-packed with a matching CRC: a valid archive, odd values."""
    base = model(rng, b)
    name = rng.choice(base.layers)
    data = member(base.members, name)
    _, body = npy_split(data)
    flipped = flip_bits(data, rng, rng.choice(FLIPS), len(data) - len(body), len(data))
    return either(with_member(base, name, flipped))


def w_truncate(rng, b, stem):
    base = rng.choice(b.models + b.network2)
    where = pick(rng, "anywhere anywhere end structure")
    if where == "end":
        cut = len(base.raw) - rng.randint(1, 100)
    elif where == "structure" and base.ext == ".npz":
        lo, hi = rng.choice([r for rs in base.regions.values() for r in rs])
        cut = min(len(base.raw) - 1, max(0, rng.randint(lo - 2, hi + 2)))
    else:
        cut = rng.randrange(len(base.raw))
    data = base.raw[:cut]
    if base.ext == ".json" and not base.raw[cut:].strip():
        return either(data, base.ext)
    return refuse(data, "a truncated file", base.ext)


# zip structure


def w_zip_duplicate_differing(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(base.layers)
    other = npy(-layer_array(base, name) + 1)
    members = list(base.members)
    members.insert(0 if rng.random() < 0.5 else len(members), (name, other))
    why = f"two members named {name} with different content (which one is meant is ambiguous)"
    return refuse(pack(members), why)


def w_zip_duplicate_same(rng, b, stem):
    base = model(rng, b)
    name, data = rng.choice(base.members)
    return either(pack([*base.members, (name, data)]))


def w_zip_wrong_crc(rng, b, stem):
    base = model(rng, b)
    name, data = rng.choice(base.members)
    crc = zlib.crc32(data) ^ (1 << rng.randrange(32))
    patched = patch_member(base.raw, name, (14, 16), "<L", crc)
    return refuse(patched, f"the CRC of {name} does not match its data")


def w_zip_size_liar(rng, b, stem):
    base = model(rng, b)
    name, data = rng.choice(base.members)
    size = rng.choice((len(data) + 1, len(data) * 2, 2**31, 0xFFFFFFFE))
    return either(patch_member(base.raw, name, (-1, 24), "<L", size))


def w_zip_compress_size_liar(rng, b, stem):
    base = model(rng, b)
    name, data = rng.choice(base.members)
    size = rng.choice((len(data) + 1, len(data) + 4096, max(0, len(data) - 1), 0xFFFFFFFE))
    return either(patch_member(base.raw, name, (-1, 20), "<L", size))


def w_zip64_declared_size(rng, b, stem):
    """Stored members whose zip64 extra fields declare a terabyte (the data is intact)."""
    base = model(rng, b)
    target = rng.choice(base.members)[0]
    members = [
        RawMember(n, d, zlib.crc32(d), len(d), zipfile.ZIP_STORED, (2**40 if n == target else None))
        for n, d in base.members
    ]
    return either(raw_zip(members))


def zip64_end(data: bytes, entries: int | None = None, cd_size: int | None = None) -> bytes:
    """``data`` with zip64 end records before its end record, whose fields then defer to them."""
    end = data.rfind(b"PK\x05\x06")
    _, _, _, n, _, size, offset, _ = struct.unpack_from("<4s4H2LH", data, end)
    record = struct.pack(
        "<4sQ2H2L4Q",
        b"PK\x06\x06",
        44,
        45,
        45,
        0,
        0,
        entries or n,
        entries or n,
        cd_size or size,
        offset,
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    new_end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0
    )
    return data[:end] + record + locator + new_end


def w_zip64_end_records(rng, b, stem):
    return either(zip64_end(model(rng, b).raw))


def w_zip64_end_huge_counts(rng, b, stem):
    big = rng.choice((2**60, 2**63 - 1, 2**32))
    if rng.random() < 0.5:
        return either(zip64_end(model(rng, b).raw, entries=big))
    return either(zip64_end(model(rng, b).raw, cd_size=big))


def w_zip_nested_member(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(base.layers)
    return refuse(with_member(base, name, rng.choice(b.models).raw), f"{name} is a zip archive")


def w_zip_nested_archive(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(("model.npz", "weights.npz", "format.npy"))
    return refuse(pack([(name, base.raw)]), "a weight file inside a zip archive")


def w_zip_compressed_members(rng, b, stem):
    method = rng.choice((zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA))
    return either(pack(model(rng, b).members, method))


def w_zip_unknown_method(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(base.members)[0]
    method = rng.choice((1, 6, 9, 97, 99, 0xFFFF))
    return refuse(
        patch_member(base.raw, name, (8, 10), "<H", method),
        f"{name} uses an unknown compression method {method}",
    )


def w_zip_encrypted(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(base.members)[0]
    flags = rng.choice((1, 0x41, 0x2001))
    return refuse(patch_member(base.raw, name, (6, 8), "<H", flags), f"{name} is encrypted")


def w_zip_odd_names(rng, b, stem):
    base = model(rng, b)
    name, data = rng.choice(base.members)
    odd = rng.choice(
        (
            f"../{name}",
            f"/{name}",
            f"{name}/",
            f"a/../{name}",
            name.upper(),
            name.replace(".npy", ""),
            f"{name}\x00x",
            "weight_1e3.npy",
        )
    )
    return either(pack([*base.members, (odd, data)]))


def w_zip_many_members(rng, b, stem):
    base = model(rng, b)
    count = rng.choice((3000, 6000))
    extra = [(f"junk_{i}.npy", b"") for i in range(count)]
    return either(cached(b, ("many-members", base.name, count), lambda: pack(base.members + extra)))


def w_zip_comment_and_junk(rng, b, stem):
    raw = model(rng, b).raw
    junk = bytes(rng.getrandbits(8) for _ in range(rng.choice((1, 17, 300))))
    how = pick(rng, "comment before after")
    if how == "comment":
        end = raw.rfind(b"PK\x05\x06")
        comment = bytes([rng.choice((0, 0x20, 0x50))]) * rng.choice((10, 65535))
        return either(patch(raw, end + 20, "<H", len(comment)) + comment)
    return either(junk + raw if how == "before" else raw + junk)


def w_zip_name_mismatch(rng, b, stem):
    base = model(rng, b)
    with zipfile.ZipFile(io.BytesIO(base.raw)) as archive:
        info = rng.choice(archive.infolist())
    out = bytearray(base.raw)
    out[info.header_offset + 30] ^= 0x20  # the local header's name differs from the directory's
    return refuse(bytes(out), f"{info.filename}: local header and directory disagree on its name")


def w_zip_offset_out_of_range(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(base.members)[0]
    offset = rng.choice((len(base.raw) + 10, 0xFFFFFFF0, 1))
    return refuse(
        patch_member(base.raw, name, (-1, 42), "<L", offset),
        f"{name}: its local header is not where the directory says",
    )


def w_zip_empty_member(rng, b, stem):
    base = model(rng, b)
    name = rng.choice([*base.layers, "sizes.npy", "metadata.npy", "format.npy"])
    return refuse(with_member(base, name, b""), f"{name} is empty")


# bombs: small archives that inflate to hundreds of megabytes or declare gigabytes


def bomb_archive(base: WeightBase, name: str, bomb: RawMember) -> bytes:
    members = [
        RawMember(n, d, zlib.crc32(d), len(d), zipfile.ZIP_STORED)
        for n, d in base.members
        if n != name
    ]
    bomb.name = name
    return raw_zip([*members, bomb])


def _layer_bomb(rng, b, total: int, rows: int, **kw) -> tuple[bytes, str]:
    base = model(rng, b)
    name = rng.choice([n for n in base.layers if n.startswith("weight_0")])
    prefix = npy_join(npy_header("<f8", (rows, 784)), b"")
    bomb = deflated_zeros(prefix, total, **kw)
    return bomb_archive(base, name, bomb), name


def w_bomb_deflate_300mb(rng, b, stem):
    rows = 300 * MEGA // 6272
    data, name = _layer_bomb(rng, b, rows * 6272 + 128, rows)
    return refuse(data, f"{name} declares shape ({rows}, 784): 300 MB, not what sizes say")


def w_bomb_deflate_1gb(rng, b, stem):
    rows = 1024 * MEGA // 6272
    data, name = _layer_bomb(rng, b, rows * 6272 + 128, rows)
    return refuse(data, f"{name} declares shape ({rows}, 784): 1 GB, not what sizes say")


def w_bomb_declared_2gb(rng, b, stem):
    rows = 400_000
    data, name = _layer_bomb(rng, b, rows * 6272 + 128, rows, stream_limit=300_000)
    return refuse(data, f"{name} declares shape (400000, 784) but holds 300 MB")


def w_bomb_zip64_liar(rng, b, stem):
    base = model(rng, b)
    rows = 300 * MEGA // 6272
    bomb = deflated_zeros(npy_join(npy_header("<f8", (rows, 784)), b""), rows * 6272 + 128)
    bomb.zip64_size = rng.choice((2**40, 2**63 - 1))
    return refuse(bomb_archive(base, "weight_0.npy", bomb), "weight_0 declares 300 MB of rows")


def w_bomb_bzip2(rng, b, stem):
    base = model(rng, b)
    rows = 128 * MEGA // 6272
    key = ("bz2", rows)
    if key not in b.cache:
        prefix = npy_join(npy_header("<f8", (rows, 784)), b"")
        compressor = bz2.BZ2Compressor(9)
        parts, crc = [compressor.compress(prefix)], zlib.crc32(prefix)
        for _ in range(rows * 6272 // MEGA):
            parts.append(compressor.compress(bytes(MEGA)))
            crc = zlib.crc32(bytes(MEGA), crc)
        rest = rows * 6272 % MEGA
        parts += [compressor.compress(bytes(rest)), compressor.flush()]
        crc = zlib.crc32(bytes(rest), crc)
        b.cache[key] = RawMember(
            "", b"".join(parts), crc, len(prefix) + rows * 6272, zipfile.ZIP_BZIP2
        )
    bomb = dataclasses.replace(b.cache[key])
    return refuse(bomb_archive(base, "weight_0.npy", bomb), "weight_0 declares 128 MB of rows")


def w_bomb_text_member(rng, b, stem):
    """A 0-d string member of hundreds of millions of characters: the format tag or the
    metadata, then NUL padding (which NumPy strips), deflated to a few hundred kB."""
    base = model(rng, b)
    name = rng.choice(("format.npy", "metadata.npy", "cost.npy"))
    text = str(array_of(member(base.members, name)))
    chars = rng.choice((25_000_000, 100_000_000, 250_000_000))
    prefix = npy_join(npy_header(f"<U{chars}", ()), b"") + text.encode("utf-32-le")
    bomb = deflated_zeros(prefix, len(prefix) - len(text) * 4 + chars * 4)
    return either(bomb_archive(base, name, bomb))


def w_bomb_sizes(rng, b, stem):
    base = model(rng, b)
    count = rng.choice((10_000_000, 40_000_000))
    prefix = npy_join(npy_header("<i8", (count,)), b"") + np.array([784], "<i8").tobytes()
    bomb = deflated_zeros(prefix, len(prefix) - 8 + count * 8)
    return refuse(bomb_archive(base, "sizes.npy", bomb), f"sizes holds {count:,} layers")


# dtypes, shapes, sizes and values


def odd_dtype_array(like: np.ndarray, kind: str, rng: random.Random, stem: str) -> np.ndarray:
    """An array of ``like``'s shape in an unusual dtype (``object`` carries a payload)."""
    shape = like.shape
    if kind == "object":
        out = np.zeros(shape, dtype=object)
        out.flat[rng.randrange(max(1, out.size))] = payload(rng, stem)
        return out
    if kind == "structured":
        return np.zeros(shape, dtype=[("w", "<f4"), ("b", "<f4")])
    if kind == "structured-object":
        out = np.zeros(shape, dtype=[("w", "<f4"), ("o", "O")])
        out.flat[0] = (0.0, payload(rng, stem))
        return out
    if kind == "subarray":
        return np.zeros(shape, dtype=("<f4", (2,)))
    if kind in ("<U8", "S8"):
        return np.full(shape, "0.5", dtype=kind)
    if kind == "V4":
        return np.zeros(shape, dtype="V4")
    return like.astype(kind) if like.dtype.kind in "fiu" else np.zeros(shape, dtype=kind)


LAYER_DTYPES = (
    "object",
    "complex64",
    "complex128",
    "<i4",
    "<i8",
    "|u1",
    "<f2",
    "longdouble",
    "<U8",
    "S8",
    "V4",
    "structured",
    "structured-object",
    "subarray",
    "bool",
    "<M8[s]",
    "<m8[s]",
)


def w_dtype_layer(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(base.layers)
    like = layer_array(base, name)
    kind = pick(rng, (*LAYER_DTYPES, "swapped"))
    if kind == "swapped":  # the same float type, big-endian: a valid file
        return either(with_member(base, name, npy(like.astype(like.dtype.newbyteorder(">")))))
    array = odd_dtype_array(like, kind, rng, stem)
    marker = "object" in kind
    why = f"{name} has dtype {array.dtype}; parameters are float32 or float64"
    return refuse(with_member(base, name, npy(array)), why, marker=marker)


def w_dtype_mixed_floats(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(base.layers)
    like = layer_array(base, name)
    other = np.float64 if like.dtype == np.float32 else np.float32
    return refuse(with_member(base, name, npy(like.astype(other))), "layers of mixed dtypes")


def w_dtype_sizes(rng, b, stem):
    base = model(rng, b)
    sizes = np.array(base.sizes)
    kind = pick(rng, "<f8 <U4 object bool complex128 |i1 <u2 >i8 <f2")
    if kind == "object":
        array = np.array([*sizes.tolist(), payload(rng, stem)], dtype=object)
        return refuse(with_member(base, "sizes.npy", npy(array)), "sizes are objects", marker=True)
    array = sizes.astype(kind) if kind != "|i1" else sizes.astype(np.int64).astype(np.int8)
    if kind in ("<u2", ">i8"):
        return either(with_member(base, "sizes.npy", npy(array)))
    return refuse(with_member(base, "sizes.npy", npy(array)), f"sizes of dtype {array.dtype}")


def w_dtype_version(rng, b, stem):
    base = model(rng, b)
    choices = {
        "float": np.array(1.0),
        "text": np.array("1"),
        "list": np.array([1]),
        "uint64-max": np.array(2**64 - 1, dtype=np.uint64),
        "negative": np.array(-1),
        "zero": np.array(0),
        "two": np.array(2),
        "huge": np.array(2**62),
        "bool": np.array(True),
        "int8": np.array(1, dtype=np.int8),
    }
    key = rng.choice(sorted(choices))
    data = npy(choices[key])
    if key == "int8":
        return either(with_member(base, "version.npy", data))
    return refuse(with_member(base, "version.npy", data), f"version {key}")


def w_dtype_text_member(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(
        ("format.npy", "metadata.npy", "cost.npy", "hidden_activation.npy", "output_activation.npy")
    )
    text = str(array_of(member(base.members, name)))
    kind = pick(rng, "bytes object list int 2-d structured")
    marker = False
    if kind == "bytes":
        array = np.array(text.encode())
    elif kind == "object":
        array, marker = np.array(payload(rng, stem), dtype=object), True
    elif kind == "list":
        array = np.array([text])
    elif kind == "int":
        array = np.array(7)
    elif kind == "2-d":
        array = np.array([[text, text]])
    else:
        array = np.array((text,), dtype=[("text", f"<U{max(1, len(text))}")])
    why = f"{name[:-4]} is {array.dtype} {array.shape}, not one string"
    return refuse(with_member(base, name, npy(array)), why, marker=marker)


def header_shape(base: WeightBase, name: str, shape: tuple, *, fortran: bool = False) -> bytes:
    """The member ``name`` with its .npy header declaring ``shape``, the data unchanged."""
    header, body = npy_split(member(base.members, name))
    descr = eval_header(header)["descr"]
    return npy_join(npy_header(descr, shape, fortran), body)


def eval_header(header: str) -> dict:
    import ast

    return ast.literal_eval(header)


def w_shape_declared(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(base.layers)
    n_out, n_in = layer_array(base, name).shape
    shape = rng.choice(
        (
            (400_000, 784),
            (2**31, 2**31),
            (2**62, 4),
            (n_in, n_out),
            (n_out * n_in,),
            (n_out, n_in, 1),
            (0, n_in),
            (),
            (n_out + 1, n_in),
            (n_out, n_in + 7),
            (-1, n_in),
            (1, 2**63 - 1),
            (2**32 + n_out, n_in),
            (n_out, 0),
        )
    )
    if shape == (n_out, n_in):
        shape = (n_out + 1, n_in)
    why = f"{name} declares shape {shape}; the data and sizes say ({n_out}, {n_in})"
    return refuse(with_member(base, name, header_shape(base, name, shape)), why)


def w_shape_trailing_data(rng, b, stem):
    """Sizes and headers shrunk consistently, the members keeping their old data after it:
    NumPy reads only what a header declares and would ignore the rest."""
    base = model(rng, b)
    sizes = base.sizes
    hidden = max(range(1, len(sizes) - 1), key=lambda i: sizes[i])
    if sizes[hidden] < 2:
        return refuse(b"", "an empty file")
    new = list(sizes)
    new[hidden] -= 1
    members = replaced(base.members, "sizes.npy", npy(np.array(new, dtype=np.int64)))
    for i in (hidden - 1, hidden):
        shapes = {f"weight_{i}.npy": (new[i + 1], new[i]), f"bias_{i}.npy": (new[i + 1], 1)}
        for name, shape in shapes.items():
            members = replaced(members, name, header_shape(base, name, shape))
    why = ".npy headers declare fewer values than their members hold (trailing data)"
    return refuse(pack(members), why)


def w_shape_fortran_order(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(base.layers)
    shape = layer_array(base, name).shape
    return either(with_member(base, name, header_shape(base, name, shape, fortran=True)))


def w_shape_header_malformed(rng, b, stem):
    """.npy headers NumPy must refuse, or parse safely: wrong types, missing or extra keys,
    5,000-digit numbers, deep nesting, huge subarrays, code to run, 20 kB of padding."""
    base = model(rng, b)
    name = rng.choice(base.layers)
    header, body = npy_split(member(base.members, name))
    n_out, n_in = layer_array(base, name).shape
    d = repr(eval_header(header)["descr"])
    start = f"{{'descr': {d}, 'fortran_order': False, "
    texts = {
        "shape-list": start + f"'shape': [{n_out}, {n_in}], }}",
        "shape-float": start + f"'shape': ({n_out}.0, {n_in}), }}",
        "no-shape": start + "}",
        "extra-key": start + f"'shape': ({n_out}, {n_in}), 'x': 1, }}",
        "5000-digits": start + f"'shape': ({'9' * 5000}, {n_in}), }}",
        "nested": start + f"'shape': {'(' * 150}{')' * 150}, }}",
        "subarray-2**31": f"{{'descr': [('a', {d}, (2**31,))], 'fortran_order': False, "
        "'shape': (1,), }",
        "subarray-2**40": f"{{'descr': [('a', {d}, ({2**40},))], 'fortran_order': False, "
        "'shape': (1,), }",
        "object": f"{{'descr': 'O', 'fortran_order': False, 'shape': ({n_out}, {n_in}), }}",
        "random": "".join(chr(rng.randrange(32, 127)) for _ in range(len(header))),
        "code": f"{{'descr': __import__('os').system('touch {marker_name(stem)}'), 'shape': (1,)}}",
        "padding-20kB": start + f"'shape': ({n_out}, {n_in}), " + " " * 20000 + "}",
    }
    how = pick(rng, sorted(texts))
    version = rng.choice(((1, 0), (2, 0), (3, 0)))
    data = with_member(base, name, npy_join(texts[how], body, version))
    if how == "padding-20kB":  # a valid header, only longer than NumPy's default limit
        return either(data)
    return refuse(data, f"{name} has a malformed .npy header ({how})", marker=how == "code")


def w_shape_header_lengths(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(base.layers)
    data = member(base.members, name)
    how = pick(rng, "v1-65535 v2-huge version-9 v2-zero magic")
    if how == "v1-65535":
        data = data[:8] + struct.pack("<H", 65535) + data[10:]
    elif how == "v2-huge":
        data = (
            data[:6] + b"\x02\x00" + struct.pack("<I", rng.choice((2**31, 2**32 - 1))) + data[10:]
        )
    elif how == "version-9":
        data = data[:6] + bytes((9, 9)) + data[8:]
    elif how == "v2-zero":
        data = data[:6] + b"\x02\x00" + struct.pack("<I", 0) + data[10:]
    else:
        data = b"\x93NUMPX" + data[6:]
    return refuse(with_member(base, name, data), f"{name}: a malformed .npy prefix ({how})")


def w_sizes(rng, b, stem):
    base = model(rng, b)
    choices = [
        [784, 400_000, 10],
        [784, 2**40, 10],
        [784, -2, 10],
        [784, 0, 10],
        [784, 10],
        [10, 2, 784],
        [],
        [784, 5000, 10],
        [784, *[5000] * 10, 10],
        [*base.sizes, 10],
        [784, *[1] * 11, 10],
        [784, 2**63 - 1, 10],
        [785, 2, 10],
        [784, 2, 11],
        [784],
    ]
    index = rng.randrange(len(choices) + 3)
    if index == len(choices):  # a million one-unit layers: 8 MB, or deflated to a few kB
        compression = rng.choice((zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED))
        array = np.array([784, *[1] * 1_000_000, 10], dtype=np.int64)
        members = replaced(base.members, "sizes.npy", npy(array))
        members = [(n, d, compression if n == "sizes.npy" else 0) for n, d in members]
        data = cached(b, ("million-layers", base.name, compression), lambda: pack(members))
        return refuse(data, "sizes describe a million one-unit layers")
    if index == len(choices) + 1:
        array = np.array([base.sizes], dtype=np.int64)
    elif index == len(choices) + 2:
        array = np.array([784, 2**64 - 1, 10], dtype=np.uint64)
    else:
        array = np.array(choices[index], dtype=np.int64)
    why = f"sizes {array.tolist()!s:.60} do not describe the file's layers"
    return refuse(with_member(base, "sizes.npy", npy(array)), why)


def w_layers_entries(rng, b, stem):
    base = model(rng, b)
    how = pick(rng, "missing extra renamed")
    name = rng.choice(base.layers)
    if how == "missing":
        return refuse(with_member(base, name, None), f"{name} is missing")
    if how == "extra":
        data = member(base.members, name)
        extra = f"{name.split('_')[0]}_{len(base.sizes) + rng.randrange(3)}.npy"
        return refuse(pack([*base.members, (extra, data)]), f"{extra} belongs to no layer")
    members = [(n if n != name else n.replace("_", "-"), d) for n, d in base.members]
    return refuse(pack(members), f"{name} is missing (renamed)")


def w_values_nonfinite(rng, b, stem):
    base = model(rng, b)
    name = rng.choice(base.layers)
    array = layer_array(base, name).copy()
    value = rng.choice((np.nan, np.inf, -np.inf))
    count = rng.choice((1, 1, array.size))
    for _ in range(count if count < array.size else 1):
        array.flat[rng.randrange(array.size)] = value
    if count == array.size:
        array[...] = value
    return refuse(with_member(base, name, npy(array)), f"{name} holds {value}")


def w_values_huge(rng, b, stem):
    """Finite but absurd values: ±max alternating over a whole layer, one ±max, 1e300, tiny."""
    base = model(rng, b)
    name = rng.choice(base.layers)
    array = layer_array(base, name).copy()
    biggest = F32_MAX if array.dtype == np.float32 else F64_MAX
    how = pick(rng, "alternating alternating one same-sign subnormal zeros")
    if how == "alternating":
        array.flat[:] = np.where(np.arange(array.size) % 2 == 0, biggest, -biggest)
    elif how == "one":
        array.flat[rng.randrange(array.size)] = rng.choice((biggest, -biggest))
    elif how == "same-sign":
        array[...] = biggest
    elif how == "subnormal":
        array[...] = np.finfo(array.dtype).smallest_subnormal
    else:
        array[...] = 0
    return either(with_member(base, name, npy(array)))


def w_values_huge_everywhere(rng, b, stem):
    """Every layer ±max alternating: a model whose outputs overflow on any real input."""
    base = model(rng, b)
    members = list(base.members)
    for name in base.layers:
        array = layer_array(base, name).copy()
        biggest = F32_MAX if array.dtype == np.float32 else F64_MAX
        array.flat[:] = np.where(np.arange(array.size) % 2 == 0, biggest, -biggest)
        members = replaced(members, name, npy(array))
    return either(pack(members))


# pickles


def w_pickle_member(rng, b, stem):
    base = model(rng, b)
    name = rng.choice([*base.layers, "metadata.npy", "format.npy", "sizes.npy"])
    how = pick(rng, "object-array raw-pickle raw-opcodes")
    if how == "object-array":
        data = npy(np.array([payload(rng, stem)], dtype=object))
    elif how == "raw-pickle":
        data = pickle.dumps(payload(rng, stem), protocol=rng.choice((2, 4, 5)))
    else:
        data = rng.choice(raw_payloads(stem))
    why = f"{name} is a pickle ({how}), which must never be unpickled"
    return refuse(with_member(base, name, data), why, marker=True)


def w_pickle_extra_member(rng, b, stem):
    """An entry no weight file has, holding a payload: ignoring it is fine, running it is not."""
    base = model(rng, b)
    data = npy(np.array([payload(rng, stem)], dtype=object))
    return either(
        pack([*base.members, (rng.choice(("notes.npy", "x.npy", "weight.npy")), data)]), marker=True
    )


def w_pickle_whole_file(rng, b, stem):
    how = pick(rng, "pickle opcodes npy-object npz-of-pickle")
    if how == "pickle":
        data = pickle.dumps(payload(rng, stem), protocol=rng.choice((0, 2, 3, 4, 5)))
    elif how == "opcodes":
        data = rng.choice(raw_payloads(stem))
    elif how == "npy-object":
        data = npy(np.array([payload(rng, stem)], dtype=object))
    else:
        data = pack([("arr_0.npy", npy(np.array([payload(rng, stem)], dtype=object)))])
    return refuse(data, f"a pickle ({how}), which must never be unpickled", marker=True)


# metadata


def cached(b: Bases, key: tuple, build: Callable[[], bytes]) -> bytes:
    """``build()``, made once per ``key`` (for the large files that repeat)."""
    if key not in b.cache:
        b.cache[key] = build()
    return b.cache[key]


def with_metadata(base: WeightBase, text: str | np.ndarray, deflate: bool = False) -> bytes:
    array = text if isinstance(text, np.ndarray) else np.array(text)
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    members = replaced(base.members, "metadata.npy", npy(array))
    return pack([(n, d, method if n == "metadata.npy" else zipfile.ZIP_STORED) for n, d in members])


def metadata_of(base: WeightBase) -> dict:
    return json.loads(str(array_of(member(base.members, "metadata.npy"))))


WRONG_FIELDS = (
    ("dataset", 5),
    ("dataset", None),
    ("trained_with", ["a"]),
    ("front_end", "martian"),
    ("trained_at", 12),
    ("epochs", "3"),
    ("epochs", -1),
    ("epochs", 2.5),
    ("epochs", True),
    ("stopped_early", "yes"),
    ("stopped_early", 1),
    ("test_accuracy", 1.5),
    ("test_accuracy", "0.9"),
    ("test_accuracy", -0.1),
    ("test_images", 0),
    ("test_images", 2.0),
    ("validation_accuracy", [0.5]),
    ("settings", []),
    ("settings", "lr=3"),
    ("sketch_reading", "soft"),
    ("sketch_reading", {"soften": 5}),
    ("sketch_reading", {"soften": 0.1, "tilt": 1}),
    ("description_version", 3),
    ("description_version", "2"),
    ("description_version", 0),
    ("saved_at", {"y": 2024}),
)


def w_metadata_wrong_types(rng, b, stem):
    base = model(rng, b)
    key, value = rng.choice(WRONG_FIELDS)
    metadata = metadata_of(base)
    metadata[key] = value
    if key not in ("description_version", "sketch_reading"):
        metadata["description_version"] = 2
    return refuse(with_metadata(base, json.dumps(metadata)), f"metadata {key}: {value!r}")


def w_metadata_numbers(rng, b, stem):
    base = model(rng, b)
    text = json.dumps(metadata_of(base))[:-1]
    how = pick(
        rng,
        "epochs-10**400 test_images-10**400 5000-digits 1e400 NaN Infinity extra-10**400",
    )
    values = {
        "epochs-10**400": ', "epochs": 1' + "0" * 400,
        "test_images-10**400": ', "test_images": 1' + "0" * 400,
        "5000-digits": ', "epochs": ' + "9" * 5000,
        "1e400": ', "test_accuracy": 1e400',
        "NaN": ', "validation_accuracy": NaN',
        "Infinity": ', "test_accuracy": -Infinity',
        "extra-10**400": ', "seed": 1' + "0" * 400,
    }
    version = ', "description_version": 2' if how != "extra-10**400" else ""
    data = with_metadata(base, text + version + values[how] + "}")
    if how == "extra-10**400":
        return either(data)
    return refuse(data, f"metadata number {how}")


def w_metadata_huge(rng, b, stem):
    """Metadata of megabytes (deflated in the archive): a known text far over 2,000 characters,
    an unknown entry of megabytes, hundreds of thousands of keys, or millions of spaces."""
    base = rng.choice(b.models[:4])  # the small models: fewer files of megabytes to make
    how = pick(rng, "known-text extra-text many-keys padding")
    sizes = {"known-text": (2001, 1_000_000), "many-keys": (10_000, 200_000)}
    size = rng.choice(sizes.get(how, (100_000, 2_000_000)))
    key = ("metadata", base.name, how, size)
    if key not in b.cache:
        metadata = metadata_of(base)
        if how == "known-text":
            metadata["dataset"] = "x" * size
        elif how == "extra-text":
            metadata["notes"] = "x" * size
        elif how == "many-keys":
            metadata.update({f"k{i}": i for i in range(size)})
        padding = " " * size if how == "padding" else ""
        b.cache[key] = with_metadata(base, json.dumps(metadata) + padding, True)
    if how == "known-text":
        return refuse(b.cache[key], f"a dataset text of {size:,} characters")
    return either(b.cache[key])


def w_metadata_nested(rng, b, stem):
    base = model(rng, b)
    depth = rng.choice((100, 900, 5000, 100_000))
    where = pick(rng, "whole extra settings")
    nested = "[" * depth + "]" * depth
    if where == "whole":
        return refuse(with_metadata(base, nested, True), "the metadata is not an object")
    text = json.dumps(metadata_of(base))[:-1] + f', "{where}": {{"a": {nested}}}}}'
    return either(with_metadata(base, text, True))


def w_metadata_not_object(rng, b, stem):
    base = model(rng, b)
    text = rng.choice(("[]", "null", '"text"', "1", "", " ", "{", "\ufeff{}", "{}{}", "{'a': 1}"))
    return refuse(with_metadata(base, text), f"metadata {text!r} is not a JSON object")


def w_metadata_unicode(rng, b, stem):
    """Text that cannot be shown or stored: invalid UTF-8 bytes, lone surrogates, code points
    beyond U+10FFFF."""
    base = model(rng, b)
    metadata = metadata_of(base)
    how = pick(rng, "bytes surrogate-raw surrogate-escaped beyond-unicode")
    if how == "bytes":
        array = np.array(json.dumps(metadata).encode()[:-1] + b', "dataset": "\xff\xfe"}')
        return refuse(with_metadata(base, array), "metadata stored as bytes, not text")
    if how == "surrogate-escaped":
        text = json.dumps(metadata)[:-1] + ', "dataset": "a\\ud800b"}'
        why = "the dataset text holds a lone surrogate (printing it as UTF-8 fails)"
        return refuse(with_metadata(base, text), why)
    text = json.dumps(metadata)[:-1] + ', "dataset": "a\ud800b"}'
    data = npy(np.array(text))
    if how == "beyond-unicode":
        header, body = npy_split(data)
        position = body.index("\ud800".encode("utf-32-le", "surrogatepass"))
        body = (
            body[:position]
            + struct.pack("<I", 0x110000 + rng.randrange(2**20))
            + body[position + 4 :]
        )
        data = npy_join(header, body)
    return refuse(
        pack(replaced(base.members, "metadata.npy", data)),
        f"the dataset text is not valid Unicode ({how})",
    )


# network2 JSON


def n2(rng: random.Random, b: Bases) -> tuple[dict, WeightBase]:
    base = rng.choice(b.network2)
    return json.loads(base.raw), base


def n2_text(document: object) -> bytes:
    return json.dumps(document).encode()


def w_network2_numbers(rng, b, stem):
    document, _ = n2(rng, b)
    text = n2_text(document).decode()
    first = text.index("[", text.index('"weights"') + 11) + 1  # the first weight of the first row
    how = pick(
        rng,
        "5000-digits-size 5000-digits-weight 400-digits-weight 2**64 NaN Infinity -Infinity 1e400 "
        "true string",
    )
    values = {
        "5000-digits-weight": "9" * 5000,
        "400-digits-weight": "1" + "0" * 400,
        "2**64": str(2**64),
        "NaN": "NaN",
        "Infinity": "Infinity",
        "-Infinity": "-Infinity",
        "1e400": "1e400",
        "true": "true",
        "string": '"0.5"',
    }
    if how == "5000-digits-size":
        text = text.replace('"sizes": [784', '"sizes": [' + "7" * 5000, 1)
    else:
        end = min(text.index(",", first), text.index("]", first))
        text = text[:first] + values[how] + text[end:]
    if how == "true":
        return either(text.encode(), ".json")
    return refuse(text.encode(), f"a network2 weight of {how}", ".json")


def w_network2_nested(rng, b, stem):
    document, _ = n2(rng, b)
    depth = rng.choice((1000, 100_000))
    nested = "[" * depth + "0" + "]" * depth
    where = pick(rng, "whole weights sizes cost")
    if where == "whole":
        text = '{"a": ' * depth + "0" + "}" * depth
        return refuse(text.encode(), f"objects nested {depth} deep", ".json")
    text = n2_text(document).decode()
    key = f'"{where}": '
    start = text.index(key) + len(key)
    if where == "cost":
        text = text[:start] + nested + text[text.index('"', start + 1) + 1 :]
    else:
        text = text[:start] + nested + ", " + '"unused": ' + text[start:]
    return refuse(text.encode(), f"{where} nested {depth} deep", ".json")


def w_network2_shapes(rng, b, stem):
    document, _ = n2(rng, b)
    weights, biases = document["weights"], document["biases"]
    how = pick(
        rng,
        "transposed ragged missing-layer extra-layer flat-biases 3-d sizes-mismatch empty-matrix "
        "scalar weights-object",
    )
    if how == "transposed":
        weights[0] = np.array(weights[0]).T.tolist()
    elif how == "ragged":
        weights[0][rng.randrange(len(weights[0]))].pop()
    elif how == "missing-layer":
        weights.pop()
    elif how == "extra-layer":
        weights.append(weights[-1])
        biases.append(biases[-1])
    elif how == "flat-biases":
        document["biases"] = [[v[0] for v in bias] for bias in biases]
    elif how == "3-d":
        weights[0] = [weights[0]]
    elif how == "sizes-mismatch":
        document["sizes"][1] += 1
    elif how == "empty-matrix":
        weights[-1] = []
    elif how == "scalar":
        biases[0] = 0.5
    else:
        document["weights"] = {"0": weights[0]}
    return refuse(n2_text(document), f"network2 {how}", ".json")


def w_network2_sizes(rng, b, stem):
    document, base = n2(rng, b)
    choices = (
        [784, 400_000, 10],
        [784, 2**70, 10],
        [784, *[1] * 1_000_000, 10],
        ["784", "30", "10"],
        [784.0, 3.0, 10.0],
        [784, True, 10],
        [],
        None,
        "784,30,10",
        [784, -3, 10],
        [10, 3, 784],
    )
    document["sizes"] = rng.choice(choices)
    key = ("network2-sizes", base.name, str(document["sizes"])[:40])
    return refuse(cached(b, key, lambda: n2_text(document)), f"sizes {key[2]}", ".json")


def w_network2_keys(rng, b, stem):
    document, base = n2(rng, b)
    how = pick(
        rng,
        "no-cost cost-unknown cost-list no-weights top-list top-string extra-keys duplicate-keys "
        "bom utf-16 invalid-utf8 padding bool-weights",
    )
    if how == "no-cost":
        del document["cost"]
    elif how == "cost-unknown":
        document["cost"] = "LogLikelihoodCost"
    elif how == "cost-list":
        document["cost"] = ["CrossEntropyCost"]
    elif how == "no-weights":
        del document["weights"]
    elif how == "top-list":
        return refuse(n2_text([document]), "a list, not an object", ".json")
    elif how == "top-string":
        return refuse(b'"' + base.raw.replace(b'"', b"'") + b'"', "a string", ".json")
    elif how == "extra-keys":
        document["learning_rate"] = 0.5
        document["history"] = list(range(1000))
        return either(n2_text(document), ".json")
    elif how == "duplicate-keys":
        return either(n2_text(document)[:-1] + b', "cost": "QuadraticCost"}', ".json")
    elif how == "bom":
        return either(b"\xef\xbb\xbf" + base.raw, ".json")
    elif how == "utf-16":
        return refuse(base.raw.decode().encode("utf-16"), "UTF-16 text", ".json")
    elif how == "invalid-utf8":
        return refuse(base.raw.replace(b'"CrossEntropyCost"', b'"Cross\xffCost"'), "bytes", ".json")
    elif how == "padding":
        return either(base.raw + b" " * rng.choice((1000, 5_000_000)), ".json")
    else:
        document["biases"][0][0][0] = True
        return either(n2_text(document), ".json")
    return refuse(n2_text(document), f"network2 {how}", ".json")


def w_network2_huge_lists(rng, b, stem):
    document, base = n2(rng, b)
    count = rng.choice((1_000_000, 2_000_000))
    how = pick(rng, "flat-weights many-rows many-layers")

    def build() -> bytes:
        if how == "flat-weights":
            document["weights"][0] = [0] * count
        elif how == "many-rows":
            document["weights"][0] = [[0]] * (count // 4)
        else:
            document["biases"] = [[[0]]] * (count // 8)
        return n2_text(document)

    data = cached(b, ("network2-lists", base.name, how, count), build)
    return refuse(data, f"network2 {how} of {count:,}", ".json")


def w_network2_huge_values(rng, b, stem):
    document, _ = n2(rng, b)
    for i, w in enumerate(document["weights"]):
        flat = np.where(np.arange(np.size(w)) % 2 == 0, F64_MAX, -F64_MAX)
        document["weights"][i] = flat.reshape(np.shape(w)).tolist()
    return either(json.dumps(document).encode(), ".json")


# not weight files at all


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">2I5B", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


def w_not_weights(rng, b, stem):
    how = pick(
        rng,
        "empty fifo directory dev-zero dev-urandom symlink-loop dangling-symlink gzip png npy "
        "random empty-zip tar zip-magic-only json-list only-bom nul-bytes",
    )
    specials = {
        "fifo": Special("fifo"),
        "directory": Special("dir"),
        "dev-zero": Special("symlink", "/dev/zero"),
        "dev-urandom": Special("symlink", "/dev/urandom"),
        "symlink-loop": Special("symlink", "@self"),
        "dangling-symlink": Special("symlink", "no-such-file.npz"),
    }
    if how in specials:
        return refuse(specials[how], how)
    raw = model(rng, b).raw
    contents = {
        "empty": b"",
        "gzip": gz(raw),
        "png": tiny_png(),
        "npy": npy(np.zeros((10, 784))),
        "random": bytes(rng.getrandbits(8) for _ in range(rng.choice((1, 7, 600, 5000)))),
        "empty-zip": pack([]),
        "zip-magic-only": b"PK\x03\x04",
        "json-list": b"[1, 2]",
        "only-bom": b"\xef\xbb\xbf",
        "nul-bytes": bytes(rng.choice((1, 512, 100_000))),
        "tar": b"model.npz".ljust(100, b"\0") + b"0000644\0" + bytes(400),
    }
    return refuse(contents[how], how)


# the default model: few mutations (3.8 MB each)


def w_default_model(rng, b, stem):
    base = b.default
    how = pick(rng, "flip flip truncate npy-header wrong-crc alternating float16")
    if how == "flip":
        return either(flip_bits(base.raw, rng, rng.choice(FLIPS)))
    if how == "truncate":
        return refuse(base.raw[: rng.randrange(len(base.raw))], "a truncated file")
    if how == "npy-header":
        lo, hi = rng.choice(base.regions["npy"])
        return either(flip_bits(base.raw, rng, 2, lo, hi))
    if how == "wrong-crc":
        name, data = rng.choice(base.members)
        crc = zlib.crc32(data) ^ 1
        return refuse(patch_member(base.raw, name, (14, 16), "<L", crc), f"{name}: wrong CRC")
    name = rng.choice(base.layers)
    array = layer_array(base, name)
    if how == "float16":
        return refuse(with_member(base, name, npy(array.astype(np.float16))), "float16")
    array = np.where(np.arange(array.size).reshape(array.shape) % 2 == 0, F32_MAX, -F32_MAX)
    return either(with_member(base, name, npy(array.astype(np.float32))))


def w_valid(rng, b, stem):
    """Not a mutation: one of the real files as it is (must load)."""
    bases = [*b.models, *b.network2, b.default]
    base = bases[b.index % len(bases)]
    return Made(base.raw, "load", "", base.ext)


# ---------------------------------------------------------------- data-file mutations

IDX_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
GB = 1 << 30


def idx_files(b: Bases, gzipped: bool, raw: dict | None = None) -> dict:
    """The four IDX files by file name, raw or gzipped (``raw`` replaces some contents)."""
    contents = {**b.idx, **(raw or {})}
    if gzipped:
        return {f"{name}.gz": gz(contents[name]) for name in IDX_NAMES}
    return dict(contents)


def idx_pick(rng: random.Random) -> str:
    return rng.choice(IDX_NAMES)


def d_idx_flip(rng, b, stem):
    files = idx_files(b, rng.random() < 0.5)
    key = rng.choice(sorted(files))
    files[key] = flip_bits(files[key], rng, rng.choice(FLIPS))
    return either(Folder(files), "")


def d_idx_truncate(rng, b, stem):
    files = idx_files(b, rng.random() < 0.5)
    key = rng.choice(sorted(files))
    files[key] = files[key][: rng.randrange(len(files[key]))]
    return refuse(Folder(files), f"{key} is truncated", "")


def d_idx_header(rng, b, stem):
    name = idx_pick(rng)
    data = bytearray(b.idx[name])
    images = "images" in name
    how = pick(
        rng,
        "count-10**9 count-negative count-plus-one count-minus-one count-int-max rows-cols magic "
        "magic-swapped header-only",
    )
    if how.startswith("count"):
        old = struct.unpack_from(">i", data, 4)[0]
        count = {
            "count-10**9": 10**9,
            "count-negative": -rng.choice((1, 2**31)),
            "count-plus-one": old + 1,
            "count-minus-one": old - 1,
            "count-int-max": 2**31 - 1,
        }[how]
        struct.pack_into(">i", data, 4, count)
    elif how == "rows-cols" and images:
        struct.pack_into(
            ">ii", data, 8, *rng.choice(((28, 27), (0, 0), (65536, 65536), (784, 1), (-28, -28)))
        )
    elif how == "magic-swapped":
        struct.pack_into(">I", data, 0, 2049 if images else 2051)
    elif how == "header-only":
        data = data[: 16 if images else 8]
    else:
        struct.pack_into(">I", data, 0, rng.choice((0, 2050, 0x1F8B0800, 0xFFFFFFFF, 2051 + 256)))
    files = idx_files(b, rng.random() < 0.5, {name: bytes(data)})
    return refuse(Folder(files), f"{name}: {how}", "")


def d_idx_content(rng, b, stem):
    how = pick(rng, "trailing label-range count-mismatch")
    if how == "trailing":
        name = idx_pick(rng)
        raw = {name: b.idx[name] + bytes(rng.choice((1, 3, 784, 1000)))}
    elif how == "label-range":
        name = rng.choice(IDX_NAMES[1::2])
        data = bytearray(b.idx[name])
        data[8 + rng.randrange(len(data) - 8)] = rng.randrange(10, 256)
        raw = {name: bytes(data)}
    else:
        name = rng.choice(IDX_NAMES[1::2])
        labels = np.frombuffer(b.idx[name], np.uint8, offset=8)[:-1]
        raw = {name: struct.pack(">2i", 2049, len(labels)) + labels.tobytes()}
    return refuse(Folder(idx_files(b, rng.random() < 0.5, raw)), f"{name}: {how}", "")


def d_idx_gzip_bomb(rng, b, stem):
    """A 1 MB .gz file that inflates to 1 GB: zeros, or a valid header for 1.3 million images;
    or all four files as large as MNIST's (blank images): the most a loader should take."""
    files = idx_files(b, True)
    how = pick(rng, "zeros header mnist-size")
    if how == "mnist-size":
        for name, count in zip(IDX_NAMES, (60_000, 60_000, 10_000, 10_000)):
            images = "images" in name
            prefix = (
                struct.pack(">4i", 2051, count, 28, 28)
                if images
                else struct.pack(">2i", 2049, count)
            )
            files[f"{name}.gz"] = gzip_bomb(prefix, len(prefix) + count * (784 if images else 1))
        return either(Folder(files), "")
    name = rng.choice(IDX_NAMES if how == "zeros" else IDX_NAMES[::2])
    prefix = b"" if how == "zeros" else struct.pack(">4i", 2051, (GB - 16) // 784, 28, 28)
    files[f"{name}.gz"] = gzip_bomb(prefix, GB if how == "zeros" else 16 + (GB - 16) // 784 * 784)
    if how == "zeros":
        return refuse(Folder(files), f"{name}.gz inflates to 1 GB of zeros", "")
    return refuse(Folder(files), f"{name}.gz holds 1.3 million images, its labels 30", "")


def d_idx_gzip_damage(rng, b, stem):
    name = idx_pick(rng)
    files = idx_files(b, True)
    data = files[f"{name}.gz"]
    how = pick(
        rng,
        "crc size trailing-garbage trailer-cut not-compressed compressed-raw-name trailing-zeros "
        "flags",
    )
    if how == "crc":
        data = flip_bits(data, rng, 1, len(data) - 8, len(data) - 4)
    elif how == "size":
        data = flip_bits(data, rng, 1, len(data) - 4, len(data))
    elif how == "trailing-garbage":
        data += b"garbage"
    elif how == "trailer-cut":
        data = data[: -rng.randint(1, 8)]
    elif how == "not-compressed":
        data = b.idx[name]
    elif how == "flags":  # reserved bits, an extra field or a name read from the stream
        files[f"{name}.gz"] = data[:3] + bytes([rng.choice((0x04, 0x08, 0xE0))]) + data[4:]
        return either(Folder(files), "")
    elif how == "trailing-zeros":
        files[f"{name}.gz"] = data + bytes(rng.choice((1, 8, 512)))
        return either(Folder(files), "")
    else:
        del files[f"{name}.gz"]
        files[name] = data
    files[f"{name}.gz"] = data if how != "compressed-raw-name" else None
    return refuse(Folder({k: v for k, v in files.items() if v is not None}), f"{name}: {how}", "")


def d_idx_special_file(rng, b, stem):
    gzipped = rng.random() < 0.5
    files = idx_files(b, gzipped)
    key = rng.choice(sorted(files))
    how = pick(rng, "missing directory fifo dev-zero dev-zero-gz empty")
    if how == "missing":
        del files[key]
    elif how == "dev-zero-gz":
        del files[key]
        files[key.removesuffix(".gz") + ".gz"] = Special("symlink", "/dev/zero")
    else:
        files[key] = {
            "directory": Special("dir"),
            "fifo": Special("fifo"),
            "dev-zero": Special("symlink", "/dev/zero"),
            "empty": b"",
        }[how]
    return refuse(Folder(files), f"{key}: {how}", "")


def d_idx_raw_and_gz(rng, b, stem):
    files = idx_files(b, False)
    name = idx_pick(rng)
    files[f"{name}.gz"] = rng.choice((b"garbage", gz(b.idx[name][:50]), gz(b.idx[name])))
    return either(Folder(files), "")


def d_idx_valid(rng, b, stem):
    gzipped = b.index % 2 == 1
    files = idx_files(b, gzipped)
    if b.index % 3 == 2 and gzipped:  # gzip files of two members each
        files = {k: gz(b.idx[k[:-3]][:100]) + gz(b.idx[k[:-3]][100:]) for k in files}
    return Made(Folder(files), "load", "", "")


# Keras mnist.npz


def keras_members(b: Bases, changes: dict | None = None) -> list:
    arrays = {**b.keras, **(changes or {})}
    return [(f"{k}.npy", npy(v)) for k, v in arrays.items() if v is not None]


def keras_file(b: Bases, rng: random.Random, changes: dict | None = None) -> bytes:
    method = zipfile.ZIP_DEFLATED if rng.random() < 0.5 else zipfile.ZIP_STORED
    return pack(keras_members(b, changes), method)


def d_keras_flip(rng, b, stem):
    return either(flip_bits(keras_file(b, rng), rng, rng.choice(FLIPS)))


def d_keras_truncate(rng, b, stem):
    data = keras_file(b, rng)
    return refuse(data[: rng.randrange(len(data))], "a truncated file")


def d_keras_dtype(rng, b, stem):
    key = rng.choice(sorted(b.keras))
    like = b.keras[key]
    kind = pick(rng, "object <f4 <i2 <f8 <U1 bool complex64 structured S1 <f2")
    if key.startswith("y") and kind in ("<i2",):
        kind = "<f4"
    array = odd_dtype_array(like, kind, rng, stem)
    return refuse(
        keras_file(b, rng, {key: array}), f"{key} of dtype {array.dtype}", marker=kind == "object"
    )


def d_keras_shape(rng, b, stem):
    key = rng.choice(sorted(b.keras))
    like = b.keras[key]
    if key.startswith("x"):
        shapes = ((len(like), 784), (len(like), 28, 27), (len(like), 28, 28, 1), (28, 28))
        array = np.zeros(rng.choice(shapes), np.uint8)
    else:
        array = rng.choice((like.reshape(-1, 1), like[:1].reshape(()), like.reshape(1, -1)))
    return refuse(keras_file(b, rng, {key: array}), f"{key} of shape {array.shape}")


def d_keras_header_shape(rng, b, stem):
    key = rng.choice(sorted(b.keras))
    like = b.keras[key]
    shape = rng.choice(
        (
            (10**9, 28, 28),
            (2**62, 2**62, 28),
            (-1, 28, 28),
            (len(like) + 1, 28, 28),
            (10**9,),
            (2**40,),
            (len(like) * 2,),
        )
    )
    if key.startswith("y"):
        shape = shape[:1]
    members = keras_members(b)
    _, body = npy_split(member(members, f"{key}.npy"))
    data = npy_join(npy_header(like.dtype.str, shape), body)
    return refuse(pack(replaced(members, f"{key}.npy", data)), f"{key} declares {shape}")


def d_keras_bomb(rng, b, stem):
    """x_train inflating to 1 GB (1.3 million blank images, labels to match), declaring 78 GB
    with 300 kB of data, or an archive as large as MNIST's (blank images): the most a loader
    should take."""
    how = pick(rng, "1gb declared-78gb mnist-size")
    counts = {"1gb": (GB // 784, 10), "declared-78gb": (10**8, 10), "mnist-size": (60_000, 10_000)}
    kept = ("x_test", "y_test") if how != "mnist-size" else ()
    members = [(n, d) for n, d in keras_members(b) if n.startswith(kept)] if kept else []
    raws = [RawMember(n, d, zlib.crc32(d), len(d), zipfile.ZIP_STORED) for n, d in members]
    for part, count in zip(("train", "test"), counts[how]):
        if part == "test" and kept:
            break
        limit = 300_000 if how == "declared-78gb" else None
        x = deflated_zeros(
            npy_join(npy_header("|u1", (count, 28, 28)), b""), 128 + count * 784, stream_limit=limit
        )
        y = deflated_zeros(npy_join(npy_header("|u1", (count,)), b""), 128 + count)
        x.name, y.name = f"x_{part}.npy", f"y_{part}.npy"
        raws += [x, y]
    data = raw_zip(raws)
    if how == "declared-78gb":
        return refuse(data, "x_train declares 10**8 images but holds 300 kB")
    return either(data)


def d_keras_labels(rng, b, stem):
    how = pick(rng, "range negative count missing extra-arrays")
    key = rng.choice(("y_train", "y_test"))
    if how == "range":
        change = {key: np.full_like(b.keras[key], 10)}
    elif how == "negative":
        change = {key: b.keras[key].astype(np.int64)}
        change[key][rng.randrange(len(change[key]))] = -1
    elif how == "count":
        change = {key: b.keras[key][:-1]}
    elif how == "missing":
        change = {rng.choice(sorted(b.keras)): None}
    else:
        return either(keras_file(b, rng, {"x_val": b.keras["x_test"]}))
    return refuse(keras_file(b, rng, change), f"labels: {how}")


def d_keras_pickle(rng, b, stem):
    how = pick(rng, "whole-file opcodes extra-member npy-object")
    if how == "whole-file":
        return refuse(pickle.dumps(payload(rng, stem)), "a pickle", marker=True)
    if how == "opcodes":
        return refuse(rng.choice(raw_payloads(stem)), "a pickle", marker=True)
    if how == "npy-object":
        return refuse(npy(np.array([payload(rng, stem)], dtype=object)), "a pickle", marker=True)
    members = [*keras_members(b), ("notes.npy", npy(np.array([payload(rng, stem)], object)))]
    return either(pack(members), marker=True)


def d_keras_zip_tricks(rng, b, stem):
    members = keras_members(b)
    how = pick(rng, "duplicate wrong-crc nested nested-header fortran big-endian bzip2")
    name = rng.choice([n for n, _ in members])
    if how == "duplicate":
        key = name[:-4]
        other = npy(np.full_like(b.keras[key], 3))
        return refuse(pack([*members, (name, other)]), f"two members named {name}")
    if how == "wrong-crc":
        crc = zlib.crc32(member(members, name)) ^ 4
        return refuse(patch_member(pack(members), name, (14, 16), "<L", crc), "wrong CRC")
    if how == "nested":
        return refuse(pack(replaced(members, name, pack(members))), f"{name} is a zip archive")
    if how == "nested-header":
        header = "{'descr': " + "[('a', " * 60 + "'|u1'" + ")]" * 60 + ", 'fortran_order': "
        data = npy_join(header + "False, 'shape': (1,), }", b"\0" * 64)
        return refuse(pack(replaced(members, name, data)), f"{name}: nested dtype")
    if how == "fortran":
        key = name[:-4]
        _, body = npy_split(member(members, name))
        data = npy_join(npy_header(b.keras[key].dtype.str, b.keras[key].shape, True), body)
        return either(pack(replaced(members, name, data)))
    if how == "big-endian":
        return either(keras_file(b, rng, {"y_test": b.keras["y_test"].astype(">i8")}))
    return either(pack(members, zipfile.ZIP_BZIP2))


def d_keras_valid(rng, b, stem):
    method = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)[b.index % 2]
    return Made(pack(keras_members(b), method), "load", "", ".npz")


# Nielsen's mnist.pkl.gz


class Python2Pickler(pickle._Pickler):
    """Writes ``bytes`` as a Python 2 ``str`` (BINSTRING), as Python 2 did for array data."""

    dispatch = dict(pickle._Pickler.dispatch)  # noqa: RUF012

    def save_python2_str(self, obj: bytes) -> None:
        self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_python2_str


def nielsen_pickle(content: object, protocol: int | str = 2) -> bytes:
    if protocol == "python2":
        buffer = io.BytesIO()
        Python2Pickler(buffer, protocol=2).dump(content)
        return buffer.getvalue().replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
    return pickle.dumps(content, protocol=protocol)


PKL = ".pkl.gz"


def d_nielsen_payload(rng, b, stem):
    where = pick(rng, "whole inside opcodes inside-python2")
    boom = payload(rng, stem)
    if where == "whole":
        data = pickle.dumps(boom, protocol=rng.choice((0, 1, 2, 3, 4, 5)))
    elif where == "opcodes":
        data = rng.choice(raw_payloads(stem))
    else:
        training, validation, test = b.nielsen
        data = nielsen_pickle(
            (training, validation, (test[0], boom)), "python2" if where == "inside-python2" else 2
        )
    return refuse(gz(data), f"a pickle payload ({boom.kind})", PKL, marker=True)


def d_nielsen_numpy_abuse(rng, b, stem):
    """The allowed NumPy globals asked for terabytes, or for odd types."""
    reconstruct = op_global("numpy.core.multiarray", "_reconstruct")
    ndarray, dtype = op_global("numpy", "ndarray"), op_global("numpy", "dtype")
    encode = op_call(op_global("_codecs", "encode"), op_str("b"), op_str("latin1"))
    how = pick(
        rng,
        "reconstruct-1e12 build-state-1e12 ndarray-call-1e12 newobj-ndarray-1e12 dtype-huge-void "
        "ndarray-400mb dtype-object reconstruct-negative",
    )
    big = op_int(10**12)
    if how == "reconstruct-1e12":
        data = op_call(reconstruct, ndarray, op_tuple(big), encode)
    elif how == "build-state-1e12":
        state = op_tuple(
            op_int(1),
            op_tuple(big),
            op_call(dtype, op_str("f8"), op_int(0), op_int(1)),
            b"\x89",
            encode,
        )
        data = op_call(reconstruct, ndarray, op_tuple(op_int(0)), encode) + state + b"b"
    elif how == "ndarray-call-1e12":
        data = op_call(ndarray, op_tuple(op_int(10**6), op_int(10**6)))
    elif how == "newobj-ndarray-1e12":
        data = ndarray + op_tuple(op_tuple(big)) + b"\x81"
    elif how == "dtype-huge-void":
        data = op_call(
            reconstruct, ndarray, op_tuple(op_int(10**6)), op_call(dtype, op_str(f"V{10**9}"))
        )
    elif how == "ndarray-400mb":
        images = op_call(ndarray, op_tuple(op_int(64_000), op_int(784)))
        labels = op_call(ndarray, op_tuple(op_int(64_000)), op_str("u1"))
        pair = op_tuple(images, labels)
        return either(gz(b"\x80\x02" + op_tuple(pair, pair, pair) + b"."), PKL)
    elif how == "dtype-object":
        data = op_call(dtype, op_str("O"))
    else:
        data = op_call(reconstruct, ndarray, op_tuple(op_int(-5)), encode)
    return refuse(gz(b"\x80\x02" + data + b"."), f"numpy globals: {how}", PKL)


def d_nielsen_lengths(rng, b, stem):
    """Opcodes whose length field asks for 2**62 bytes, or a huge memo index."""
    how = pick(
        rng,
        "frame binbytes8 binunicode8 bytearray8 long4 long-binput binbytes8-1gb-gzip-bomb",
    )
    huge = struct.pack("<Q", 2**62)
    data = {
        "frame": b"\x80\x04\x95" + huge + b"N.",
        "binbytes8": b"\x80\x04\x8e" + huge + b"x" * 16,
        "binunicode8": b"\x80\x04\x8d" + huge + b"x" * 16,
        "bytearray8": b"\x80\x05\x96" + huge + b"x" * 16,
        "long4": b"\x80\x02\x8b" + struct.pack("<i", 2**31 - 1) + b"x" * 16,
        "long-binput": b"\x80\x02N" + b"r" + struct.pack("<I", 2**32 - 1) + b".",
    }.get(how)
    if data is None:  # BINBYTES8 of 1 GB that the gzip stream really holds
        prefix = b"\x80\x04\x8e" + struct.pack("<Q", GB)
        return refuse(gzip_bomb(prefix, GB + len(prefix)), "1 GB of bytes, not arrays", PKL)
    return refuse(gz(data), f"{how} length 2**62", PKL)


def d_nielsen_codecs(rng, b, stem):
    """``_codecs.encode`` (allowed, to rebuild bytes) called with other codecs and arguments."""
    calls = {
        "unknown-codec": (op_str("x"), op_str("no-such-codec")),
        "rot13": (op_str("x"), op_str("rot13")),
        "hex": (op_str("x"), op_str("hex")),
        "zlib": (op_str("x"), op_str("zlib")),
        "bz2": (op_str("x"), op_str("bz2")),
        "lone-surrogate": (op_str("\udc80"), op_str("utf-8")),
        "unknown-errors": (op_str("\udc80"), op_str("utf-16"), op_str("nosuch")),
        "int-argument": (op_int(5), op_str("latin1")),
        "mbcs": (op_str("x"), op_str("mbcs")),
        "one-argument": (op_str("x"),),
        "dotted-codec": (op_str("x"), op_str("encodings.idna")),
        "punycode": (op_str("x" * 100), op_str("punycode")),
    }
    how = pick(rng, sorted(calls))
    data = b"\x80\x02" + op_call(op_global("_codecs", "encode"), *calls[how]) + b"."
    return refuse(gz(data), f"_codecs.encode: {how}", PKL)


def d_nielsen_opcodes(rng, b, stem):
    how = pick(
        rng,
        "persid binpersid get-missing ext1 underflow next-buffer deep-tuples memo-flood mark-flood "
        "pop-mark bad-opcode no-stop",
    )
    data = {
        "persid": b"\x80\x02Pfile\n.",
        "binpersid": b"\x80\x02" + op_str("pid") + b"Q.",
        "get-missing": b"\x80\x02h\x05.",
        "ext1": b"\x80\x02\x82\x01.",
        "underflow": b"\x80\x02R.",
        "next-buffer": b"\x80\x05\x97.",
        "deep-tuples": b"\x80\x02)" + b"\x85" * 100_000 + b".",
        "memo-flood": b"\x80\x02N" + b"\x94" * 1_000_000 + b".",
        "mark-flood": b"\x80\x02" + b"(" * 1_000_000 + b"N.",
        "pop-mark": b"\x80\x021.",
        "bad-opcode": b"\x80\x02\xff.",
        "no-stop": b"\x80\x02N",
    }[how]
    return refuse(gz(data), f"opcodes: {how}", PKL)


def d_nielsen_structure(rng, b, stem):
    training, validation, test = b.nielsen
    how = pick(
        rng,
        "pixels nan labels 3-d pair list counts float16 object-images int-images scalar-labels",
    )
    images, labels = test
    if how == "pixels":
        test = (images * 255, labels)
    elif how == "nan":
        bad = images.copy()
        bad.flat[rng.randrange(bad.size)] = np.nan
        test = (bad, labels)
    elif how == "labels":
        bad = labels.copy()
        bad[rng.randrange(len(bad))] = rng.choice((-1, 10, 255))
        test = (images, bad)
    elif how == "3-d":
        test = (images.reshape(-1, 28, 28), labels)
    elif how == "pair":
        return refuse(gz(nielsen_pickle((training, test))), "a pair", PKL)
    elif how == "list":
        return refuse(gz(nielsen_pickle([training, validation, test])), "a list", PKL)
    elif how == "counts":
        test = (images, labels[:-1])
    elif how == "float16":
        return either(
            gz(nielsen_pickle((training, validation, (images.astype(np.float16), labels)))), PKL
        )
    elif how == "object-images":
        test = (images.astype(object), labels)
    elif how == "int-images":
        test = ((images * 255).astype(np.int64), labels)
    else:
        test = (images, np.int64(3))
    return refuse(gz(nielsen_pickle((training, validation, test))), f"nielsen {how}", PKL)


def d_nielsen_flip(rng, b, stem):
    data = nielsen_pickle(b.nielsen, rng.choice((2, "python2", 4)))
    if rng.random() < 0.5:
        return either(gz(flip_bits(data, rng, rng.choice(FLIPS))), PKL)
    return either(flip_bits(gz(data), rng, rng.choice(FLIPS)), PKL)


def d_nielsen_truncate(rng, b, stem):
    data = nielsen_pickle(b.nielsen, rng.choice((2, "python2", 4)))
    if rng.random() < 0.5:
        return refuse(gz(data[: rng.randrange(len(data))]), "a truncated pickle", PKL)
    packed = gz(data)
    return refuse(packed[: rng.randrange(len(packed) - 8)], "a truncated gzip file", PKL)


def d_nielsen_gzip(rng, b, stem):
    data = nielsen_pickle(b.nielsen)
    how = pick(rng, "not-gzip zeros-bomb trailing-garbage dev-zero fifo dir")
    if how == "not-gzip":
        return refuse(data, "an uncompressed pickle", PKL)
    if how == "zeros-bomb":
        return refuse(gzip_bomb(b"", GB), "1 GB of zeros", PKL)
    if how == "trailing-garbage":
        return either(gz(data) + b"garbage", PKL)
    special = {
        "dev-zero": Special("symlink", "/dev/zero"),
        "fifo": Special("fifo"),
        "dir": Special("dir"),
    }[how]
    return refuse(special, how, PKL)


def d_nielsen_valid(rng, b, stem):
    protocol = (2, "python2", 4, 5)[b.index % 4]
    return Made(gz(nielsen_pickle(b.nielsen, protocol)), "load", "", PKL)


# pen digits (UNIPEN text)

PEN = ".tra"


def pen_text(b: Bases, count: int = 12, start: int = 0) -> str:
    return b.pen_header + "".join(b.pen_segments[start : start + count])


def pen_file(text: str, rng: random.Random) -> tuple[bytes, str]:
    data = text.encode("latin1", "replace") if isinstance(text, str) else text
    return (gz(data), PEN + ".gz") if rng.random() < 0.5 else (data, PEN)


def pen_refuse(text: str, rng: random.Random, why: str) -> Made:
    data, ext = pen_file(text, rng)
    return refuse(data, why, ext)


def pen_either(text: str, rng: random.Random) -> Made:
    data, ext = pen_file(text, rng)
    return either(data, ext)


def point_lines(text: str) -> list[re.Match]:
    return list(re.finditer(r"^ *(\d+) +(\d+)$", text, re.MULTILINE))


def d_pen_coordinates(rng, b, stem):
    text = pen_text(b)
    line = rng.choice(point_lines(text))
    value = rng.choice(
        ("99999999999", "-5", "501", "1.5", "0x10", str(2**31), "1e3", "nan", "9" * 5000, "-0")
    )
    group = rng.choice((1, 2))
    text = text[: line.start(group)] + value + text[line.end(group) :]
    if value == "-0":
        return pen_either(text, rng)
    return pen_refuse(text, rng, f"a coordinate {value[:20]}")


def d_pen_strokes(rng, b, stem):
    text = pen_text(b, 4)
    how = pick(
        rng,
        "8000-pen-downs up-without-down empty-stroke odd-coordinates no-strokes "
        "8000-one-point-strokes 200000-point-stroke",
    )
    segment = b.pen_segments[0].split(".PEN_DOWN")[0]
    if how == "8000-pen-downs":
        text += segment + ".PEN_DOWN\n 100 100\n" * rng.choice((8000, 20000))
    elif how == "up-without-down":
        text += segment + ".PEN_UP\n"
    elif how == "empty-stroke":
        text += segment + ".PEN_DOWN\n.PEN_UP\n"
    elif how == "odd-coordinates":
        text += segment + ".PEN_DOWN\n 100 100\n 7\n.PEN_UP\n"
    elif how == "no-strokes":
        text += segment
    elif how == "8000-one-point-strokes":
        return pen_either(text + segment + ".PEN_DOWN\n 100 100\n.PEN_UP\n" * 8000, rng)
    else:
        points = "".join(f" {i % 500} {i * 7 % 500}\n" for i in range(200_000))
        return pen_either(text + segment + ".PEN_DOWN\n" + points + ".PEN_UP\n", rng)
    return pen_refuse(text, rng, f"strokes: {how}")


def d_pen_segment_line(rng, b, stem):
    segments = list(b.pen_segments[:8])
    i = rng.randrange(len(segments))
    how = pick(
        rng,
        "missing-quotes label-10 label-letter label-empty lowercase no-segment-at-all one-quote",
    )
    first, rest = segments[i].split("\n", 1)
    label = re.search(r'"(.)"', first).group(1)
    if how == "no-segment-at-all":
        return pen_refuse(b.pen_header + "".join(s.split("\n", 1)[1] for s in segments), rng, how)
    first = {
        "missing-quotes": first.replace(f'"{label}"', label),
        "label-10": first.replace(f'"{label}"', '"10"'),
        "label-letter": first.replace(f'"{label}"', '"a"'),
        "label-empty": first.replace(f'"{label}"', '""'),
        "lowercase": first.replace(".SEGMENT", ".segment"),
        "one-quote": first.replace(f'"{label}"', f'"{label}'),
    }[how]
    segments[i] = first + "\n" + rest
    return pen_refuse(b.pen_header + "".join(segments), rng, f"a .SEGMENT line: {how}")


def d_pen_garbage(rng, b, stem):
    text = pen_text(b).encode()
    how = pick(rng, "binary non-ascii nul-bytes all-binary")
    at = rng.randrange(len(text))
    if how == "binary":
        junk = bytes(rng.getrandbits(8) | 0x80 for _ in range(rng.choice((1, 16, 4096))))
        data = text[:at] + junk + text[at:]
    elif how == "non-ascii":
        data = text[:at] + "é".encode() + text[at:]
    elif how == "nul-bytes":
        data = text[:at] + b"\0" * rng.choice((1, 100)) + text[at:]
        packed, ext = pen_file(data, rng)
        return either(packed, ext)
    else:
        data = bytes(rng.getrandbits(8) for _ in range(rng.choice((10, 10_000))))
    packed, ext = pen_file(data, rng)
    return refuse(packed, f"{how} bytes", ext)


def d_pen_huge(rng, b, stem):
    how = pick(rng, "repeated-real zeros-bomb many-digits")
    if how == "repeated-real":
        text = pen_text(b, 40) * rng.choice((10, 200))
        return either(gz(text.encode()), PEN + ".gz")
    if how == "zeros-bomb":
        return refuse(gzip_bomb(b"", GB), "1 GB of zeros", PEN + ".gz")
    segment = '.SEGMENT DIGIT 0 ? "1"\n.PEN_DOWN\n 1 1\n.PEN_UP\n'
    return either(
        gz((b.pen_header + segment * rng.choice((100_000, 180_000, 400_000))).encode()),
        PEN + ".gz",
    )


def d_pen_layout(rng, b, stem):
    text = pen_text(b)
    how = pick(rng, "crlf tabs trailing-spaces no-header no-comment")
    if how == "crlf":
        text = text.replace("\n", "\r\n")
    elif how == "tabs":
        text = re.sub(r"^ +", "\t", text, flags=re.MULTILINE)
    elif how == "trailing-spaces":
        text = text.replace("\n", "  \n")
    elif how == "no-header":
        text = text[len(b.pen_header) :]
    else:
        text = re.sub(r"^\.COMMENT.*\n", "", text, flags=re.MULTILINE)
    return pen_either(text, rng)


def d_pen_flip(rng, b, stem):
    data = pen_text(b).encode()
    if rng.random() < 0.5:
        return either(gz(flip_bits(data, rng, rng.choice(FLIPS))), PEN + ".gz")
    return either(flip_bits(data, rng, rng.choice(FLIPS)), PEN)


def d_pen_truncate(rng, b, stem):
    data = pen_text(b).encode()
    if rng.random() < 0.5:
        return either(data[: rng.randrange(len(data))], PEN)
    packed = gz(data)
    return refuse(packed[: rng.randrange(len(packed) - 8)], "a truncated gzip file", PEN + ".gz")


def d_pen_special(rng, b, stem):
    how = pick(rng, "empty fifo dir dev-zero")
    special = {
        "empty": b"",
        "fifo": Special("fifo"),
        "dir": Special("dir"),
        "dev-zero": Special("symlink", "/dev/zero"),
    }[how]
    return refuse(special, how, PEN)


def d_pen_valid(rng, b, stem):
    data = pen_text(b, 40).encode()
    return Made(gz(data), "load", "", PEN + ".gz") if b.index % 2 else Made(data, "load", "", PEN)


# ---------------------------------------------------------------- the families

# fmt: off
WEIGHT_FAMILIES = (  # (loader, family, share of the files or a fixed count, variants)
    ("weights", "valid", "bases", [w_valid]),
    ("weights", "flip", 0.13, [w_flip_anywhere]),
    ("weights", "flip-npy-header", 0.07, [w_flip_npy_header, w_flip_npy_header_crc_fixed]),
    ("weights", "flip-zip-header", 0.07, [w_flip_zip_header]),
    ("weights", "flip-values", 0.05, [w_flip_data_crc_fixed]),
    ("weights", "truncate", 0.07, [w_truncate]),
    ("weights", "zip", 0.12, [
        w_zip_duplicate_differing, w_zip_duplicate_same, w_zip_wrong_crc, w_zip_size_liar,
        w_zip_compress_size_liar, w_zip64_declared_size, w_zip64_end_records,
        w_zip64_end_huge_counts, w_zip_nested_member, w_zip_nested_archive,
        w_zip_compressed_members, w_zip_unknown_method, w_zip_encrypted, w_zip_odd_names,
        w_zip_many_members, w_zip_comment_and_junk, w_zip_name_mismatch,
        w_zip_offset_out_of_range, w_zip_empty_member,
    ]),
    ("weights", "bomb", 0.02, [
        w_bomb_deflate_300mb, w_bomb_deflate_1gb, w_bomb_declared_2gb, w_bomb_zip64_liar,
        w_bomb_bzip2, w_bomb_text_member, w_bomb_sizes,
    ]),
    ("weights", "dtype", 0.08, [
        w_dtype_layer, w_dtype_layer, w_dtype_mixed_floats, w_dtype_sizes, w_dtype_version,
        w_dtype_text_member,
    ]),
    ("weights", "shape", 0.08, [
        w_shape_declared, w_shape_declared, w_shape_trailing_data, w_shape_fortran_order,
        w_shape_header_malformed, w_shape_header_lengths,
    ]),
    ("weights", "sizes", 0.05, [w_sizes, w_sizes, w_layers_entries]),
    ("weights", "values", 0.05, [w_values_nonfinite, w_values_huge, w_values_huge_everywhere]),
    ("weights", "pickle", 0.04, [w_pickle_member, w_pickle_extra_member, w_pickle_whole_file]),
    ("weights", "metadata", 0.07, [
        w_metadata_wrong_types, w_metadata_wrong_types, w_metadata_numbers, w_metadata_huge,
        w_metadata_nested, w_metadata_not_object, w_metadata_unicode,
    ]),
    ("weights", "network2", 0.07, [
        w_network2_numbers, w_network2_nested, w_network2_shapes, w_network2_sizes,
        w_network2_keys, w_network2_huge_lists, w_network2_huge_values,
    ]),
    ("weights", "not-weights", 0.02, [w_not_weights]),
    ("weights", "default-model", "default", [w_default_model]),
)

DATA_FAMILIES = (
    ("idx", "idx-valid", 3, [d_idx_valid]),
    ("idx", "idx-flip", 0.06, [d_idx_flip]),
    ("idx", "idx-truncate", 0.03, [d_idx_truncate]),
    ("idx", "idx-header", 0.08, [d_idx_header, d_idx_header, d_idx_content]),
    ("idx", "idx-gzip", 0.07, [d_idx_gzip_damage, d_idx_raw_and_gz, d_idx_gzip_bomb]),
    ("idx", "idx-files", 0.03, [d_idx_special_file]),
    ("keras", "keras-valid", 2, [d_keras_valid]),
    ("keras", "keras-flip", 0.04, [d_keras_flip]),
    ("keras", "keras-truncate", 0.02, [d_keras_truncate]),
    ("keras", "keras-arrays", 0.08, [
        d_keras_dtype, d_keras_shape, d_keras_header_shape, d_keras_labels,
    ]),
    ("keras", "keras-zip", 0.05, [d_keras_bomb, d_keras_pickle, d_keras_zip_tricks]),
    ("nielsen", "nielsen-valid", 4, [d_nielsen_valid]),
    ("nielsen", "nielsen-payload", 0.06, [d_nielsen_payload]),
    ("nielsen", "nielsen-opcodes", 0.10, [
        d_nielsen_numpy_abuse, d_nielsen_lengths, d_nielsen_codecs, d_nielsen_opcodes,
    ]),
    ("nielsen", "nielsen-content", 0.05, [d_nielsen_structure]),
    ("nielsen", "nielsen-damage", 0.06, [d_nielsen_flip, d_nielsen_truncate, d_nielsen_gzip]),
    ("pendigits", "pen-valid", 2, [d_pen_valid]),
    ("pendigits", "pen-text", 0.11, [
        d_pen_coordinates, d_pen_strokes, d_pen_segment_line, d_pen_garbage, d_pen_layout,
    ]),
    ("pendigits", "pen-damage", 0.06, [d_pen_flip, d_pen_truncate, d_pen_huge, d_pen_special]),
)
# fmt: on


def quotas(total: int, families, bases: Bases) -> list[int]:
    """How many files each family gets: fixed counts first, the rest shared by the shares."""

    def fixed(share) -> int | None:
        if share == "bases":
            return len(bases.models) + len(bases.network2) + 1
        if share == "default":
            return 10 if total >= 1000 else 2
        return share if isinstance(share, int) else None

    counts = [fixed(share) for _, _, share, _ in families]
    rest = max(0, total - sum(c for c in counts if c is not None))
    shared = [(i, share) for i, (_, _, share, _) in enumerate(families) if counts[i] is None]
    scale = sum(share for _, share in shared)
    exact = {i: rest * share / scale for i, share in shared}
    for i in exact:
        counts[i] = int(exact[i])
    leftover = rest - sum(counts[i] for i in exact)
    for i in sorted(exact, key=lambda i: exact[i] - int(exact[i]), reverse=True)[:leftover]:
        counts[i] += 1
    return counts


def variant_name(function: Callable) -> str:
    return function.__name__.split("_", 1)[1].replace("_", "-")


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+]+", "-", text).strip("-")[:40]


_WRITTEN: dict[int, tuple[bytes, Path]] = {}
"""Large contents already written (by id), so that repeats become hard links."""


def write(path: Path, content: Content) -> int:
    """Create ``content`` at ``path``; its size in bytes (0 for a hard link to a repeat)."""
    if isinstance(content, bytes):
        seen = _WRITTEN.get(id(content))
        if seen is not None and seen[0] is content:
            os.link(seen[1], path)
            return 0
        path.write_bytes(content)
        if len(content) >= MEGA:
            _WRITTEN[id(content)] = (content, path)
        return len(content)
    if isinstance(content, Folder):
        path.mkdir()
        return sum(write(path / n, c) for n, c in content.files.items() if c is not None)
    if content.kind == "fifo":
        os.mkfifo(path)
    elif content.kind == "dir":
        path.mkdir()
        (path / "weights.npz").write_bytes(b"")
    else:
        os.symlink(path.name if content.target == "@self" else content.target, path)
    return 0


def make_cases(group: str, total: int, families, seed: int, bases: Bases, folder: Path):
    """Write the ``group`` files into ``folder``; returns their cases."""
    cases, index = [], 0
    for (loader, family, _, variants), count in zip(families, quotas(total, families, bases)):
        for i in range(count):
            variant = variants[i % len(variants)]
            ident = f"{group[0]}{index:05d}"
            index += 1
            rng = random.Random(f"{seed}/{group}/{family}/{i}")
            bases.index = i
            _CHOICES.clear()
            made = variant(rng, bases, ident)
            detail = "".join(f"-{slug(c)}" for c in _CHOICES)
            name = f"{ident}-{variant_name(variant)}{detail}{made.ext}"
            case = Case(
                name, loader, family, variant_name(variant), made.expect, made.why, made.marker
            )
            case.size = write(folder / name, made.content)
            cases.append(case)
    return cases


# ---------------------------------------------------------------- the worker process


def status_kb(key: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def reset_peak() -> None:
    """Make VmHWM (the peak resident set size) start again from the current size."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def memory_error_in(error: BaseException | None) -> bool:
    """Whether a MemoryError was raised on the way to ``error`` (also one caught and replaced)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, MemoryError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def where(error: BaseException) -> str:
    """The innermost project frame and the innermost frame of ``error``'s traceback."""

    def short(frame) -> str:
        path = frame.filename
        for mark in ("site-packages/", "lib/python3"):
            if mark in path:
                path = path.split(mark, 1)[1]
        path = path.removeprefix(str(ROOT) + "/")
        return f"{path}:{frame.lineno} in {frame.name}"

    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    ours = [f for f in frames if f.filename.startswith(str(ROOT / "nn"))]
    places = [short(ours[-1])] if ours else []
    if frames[-1] not in ours[-1:]:
        places.append(short(frames[-1]))
    return " → ".join(places)


def describe(error: BaseException) -> str:
    try:
        text = str(error).replace("\n", " ").encode("utf-8", "backslashreplace").decode()
    except Exception:  # a message holding a character no str may hold
        text = "(a message that cannot be printed)"
    text = text if len(text) <= 300 else text[:300] + " …"
    return f"{type(error).__name__}: {text}"


PROBE_NAMES = ("zeros", "ones", "checkerboard", "noise", "sample digit")


def probe_inputs() -> np.ndarray:
    from nn.data.idx import parse_images

    digit = parse_images(
        gzip.decompress((SAMPLE / "t10k-images-idx3-ubyte.gz").read_bytes()), "t10k"
    )[0]
    checker = (np.indices((28, 28)).sum(axis=0) % 2).reshape(784)
    noise = np.random.default_rng(0).random(784)
    return np.stack([np.zeros(784), np.ones(784), checker, noise, digit / 255]).astype(np.float32)


def drawn_sketch() -> np.ndarray:
    sketch = np.zeros((280, 280), np.uint8)
    sketch[60:220, 130:150] = 255  # a "1"
    sketch[60:80, 100:150] = 255
    return sketch


def check_model(model, path: str, probes: np.ndarray, sketch: np.ndarray) -> list[str]:
    from nn.description import ModelDescription

    problems = []
    network = model.network
    sizes = tuple(network.sizes)
    if sizes[0] != 784 or sizes[-1] != 10:
        problems.append(f"sizes {sizes} do not go from 784 to 10")
    for i, (w, b) in enumerate(zip(network.weights, network.biases)):
        if w.shape != (sizes[i + 1], sizes[i]) or b.shape != (sizes[i + 1], 1):
            problems.append(f"layer {i} has shapes {w.shape} and {b.shape} for sizes {sizes}")
        if w.dtype not in (np.float32, np.float64) or b.dtype != w.dtype:
            problems.append(f"layer {i} has dtypes {w.dtype} and {b.dtype}")
        if not (np.isfinite(w).all() and np.isfinite(b).all()):
            problems.append(f"layer {i} holds NaN or infinite parameters")
    with np.errstate(all="ignore"):
        outputs = network.predict(probes.astype(network.dtype))
        answer = model.read(sketch)
    if outputs.shape != (len(probes), 10):
        problems.append(f"outputs of shape {outputs.shape} for {len(probes)} probes")
    else:
        bad = ~(np.isfinite(outputs) & (outputs >= 0) & (outputs <= 1)).all(axis=1)
        if bad.any():
            names = ", ".join(n for n, b in zip(PROBE_NAMES, bad) if b)
            problems.append(
                f"outputs are NaN, infinite or outside [0, 1] on probe input(s): "
                f"{names} (e.g. {outputs[bad.argmax()][:3].tolist()})"
            )
    if answer is None or not np.isfinite(answer.activations).all():
        problems.append("Model.read of a drawn digit gives NaN or infinite activations")
    try:
        text = json.dumps(model.description.to_metadata(), allow_nan=False)
        text.encode("utf-8")
        ModelDescription.from_metadata(json.loads(text))
    except Exception as error:
        problems.append(f"the description cannot be stored back ({describe(error)})")
    return problems


def check_splits(splits, path: str, *_) -> list[str]:
    problems = []
    for name in ("training", "validation", "test"):
        images, labels = getattr(splits, name).images, getattr(splits, name).labels
        if images.dtype != np.float32 or images.ndim != 2 or images.shape[1] != 784:
            problems.append(f"{name} images are {images.dtype} {images.shape}")
        elif images.size and not (
            np.isfinite(images).all() and images.min() >= 0 and images.max() <= 1
        ):
            problems.append(f"{name} images hold values outside [0, 1]")
        if labels.dtype != np.uint8 or labels.shape != (len(images),):
            problems.append(f"{name} labels are {labels.dtype} {labels.shape}")
        elif labels.size and labels.max() > 9:
            problems.append(f"{name} labels go up to {labels.max()}")
    return problems


def check_pen_digits(digits, path: str, *_) -> list[str]:
    problems = []
    data = Path(path).read_bytes()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    segments = len(re.findall(rb"^[ \t]*\.SEGMENT\b", data, re.MULTILINE))
    if len(digits) != segments:
        problems.append(f"the file has {segments} .SEGMENT lines but {len(digits)} digits came out")
    for digit in digits:
        if type(digit.label) is not int or not 0 <= digit.label <= 9:
            problems.append(f"a digit labelled {digit.label!r}")
        if not digit.strokes:
            problems.append("a digit without strokes")
        for stroke in digit.strokes:
            if stroke.ndim != 2 or stroke.shape[1:] != (2,) or not len(stroke):
                problems.append(f"a stroke of shape {stroke.shape}")
            elif stroke.dtype.kind not in "iu" or stroke.min() < 0 or stroke.max() > 500:
                problems.append(f"a stroke of {stroke.dtype} from {stroke.min()} to {stroke.max()}")
        if len(problems) > 3:
            break
    return problems


def worker(limit_mb: int) -> None:
    """Load the files named on stdin, one JSON request a line; answer on the original stdout."""
    warnings.simplefilter("ignore")
    from nn.data.idx import DataError
    from nn.data.mnist import load_idx_folder, load_keras_npz, load_nielsen_pickle
    from nn.data.pendigits import load_pendigits
    from nn.weights import WeightFileError, load_model

    loaders = {
        "weights": (load_model, WeightFileError, check_model),
        "idx": (load_idx_folder, DataError, check_splits),
        "keras": (load_keras_npz, DataError, check_splits),
        "nielsen": (load_nielsen_pickle, DataError, check_splits),
        "pendigits": (load_pendigits, DataError, check_pen_digits),
    }
    probes, sketch = probe_inputs(), drawn_sketch()
    with tempfile.TemporaryDirectory() as folder:  # warm up: the first use of each library
        path = Path(folder) / "model.npz"
        path.write_bytes(small_model(*SMALL_MODELS[1], seed=0))
        check_model(load_model(path), str(path), probes, sketch)
    baseline = status_kb("VmSize")
    limit = (baseline + limit_mb * 1024) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what the loaders print goes to the log, not into the answers
    resting = status_kb("VmRSS")
    channel.write(json.dumps({"baseline_vm_kb": baseline, "baseline_rss_kb": resting}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        load, expected, check = loaders[request["loader"]]
        answer: dict = {"status": "accepted"}
        reset_peak()
        start = time.perf_counter()
        try:
            result = load(request["path"])
        except expected as error:
            seconds = time.perf_counter() - start
            answer = {"status": "memory" if memory_error_in(error) else "refused"}
            answer.update(error=describe(error), where=where(error))
        except BaseException as error:
            seconds = time.perf_counter() - start
            answer = {"status": "memory" if memory_error_in(error) else "crash"}
            answer.update(error=describe(error), where=where(error))
        else:
            seconds = time.perf_counter() - start
        answer.update(seconds=seconds, peak_kb=status_kb("VmHWM"))
        if answer["status"] == "accepted":
            try:
                answer["problems"] = check(result, request["path"], probes, sketch)
            except BaseException as error:
                answer["problems"] = [f"checking the result raised {describe(error)}"]
            del result
        answer["recycle"] = status_kb("VmRSS") > resting + 100 * 1024
        try:
            text = json.dumps(answer)
        except Exception as error:  # e.g. a problem quoting a broken str
            answer["problems"] = [f"the result cannot be described ({type(error).__name__})"]
            text = json.dumps(answer)
        channel.write(text + "\n")
        if answer["recycle"]:
            break  # a fresh worker starts without the memory this one holds on to


# ---------------------------------------------------------------- the pool of workers


class Worker:
    """One worker process, restarted when it dies, hangs or asks to."""

    def __init__(self, number: int, folder: Path, timeout: float) -> None:
        self.number, self.folder, self.timeout = number, folder, timeout
        self.log_path = folder / f"worker-{number}.log"
        self.process: subprocess.Popen | None = None
        self.baseline: dict = {}
        self.restarts = -1
        self.start()

    def start(self) -> None:
        self.restarts += 1
        self.buffer = b""
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - kept open while the worker runs
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            cwd=self.folder / MARKERS,
            start_new_session=True,
        )
        line = self.read_line(120)
        if not line:
            self.stop(kill=True)
            tail = self.log_path.read_text(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"a worker did not start: {' | '.join(tail)}")
        self.baseline = json.loads(line)

    def read_line(self, timeout: float) -> bytes | None:
        """The next answer; None after ``timeout`` seconds, b"" when the worker has gone."""
        deadline = time.monotonic() + timeout
        descriptor = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([descriptor], [], [], remaining)[0]:
                return None
            chunk = os.read(descriptor, 1 << 16)
            if not chunk:
                return b""
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def stop(self, kill: bool = False) -> int | None:
        if self.process is None:
            return None
        if kill:
            self.process.kill()
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            code = self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.process.stdout.close()
        self.log.close()
        self.process = None
        return code

    def load(self, case: Case, path: Path) -> dict:
        log_start = self.log_path.stat().st_size
        request = json.dumps({"loader": case.loader, "path": str(path)}) + "\n"
        try:
            self.process.stdin.write(request.encode())
            self.process.stdin.flush()
            line = self.read_line(self.timeout)
        except BrokenPipeError:
            line = b""
        if line is None:
            self.stop(kill=True)
            self.start()
            return {"status": "hang", "error": f"no answer within {self.timeout:g} s"}
        if not line:
            code = self.stop(kill=True)
            with open(self.log_path, "rb") as log:
                log.seek(log_start)
                tail = log.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            self.start()
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit {code}"
            return {"status": "died", "error": f"the process died ({how}) " + " | ".join(tail)}
        answer = json.loads(line)
        if answer.get("recycle"):
            self.stop()
            self.start()
        return answer


def run_all(cases: list[Case], folder: Path, jobs: int, timeout: float) -> tuple[list, dict]:
    """Load every case in a pool of ``jobs`` workers; the outcomes and the workers' baseline."""
    todo: queue.Queue = queue.Queue()
    for case in cases:
        todo.put(case)
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    markers = folder / MARKERS
    baseline: dict = {}
    failures: list[BaseException] = []
    step = max(200, len(cases) // 10)

    def serve(number: int) -> None:
        try:
            worker = Worker(number, folder, timeout)
        except BaseException as error:
            failures.append(error)
            return
        baseline.update(worker.baseline)
        try:
            while True:
                try:
                    case = todo.get_nowait()
                except queue.Empty:
                    return
                answer = worker.load(case, folder / case.name)
                executed = any(markers.glob(f"{case.name.split('-')[0]}-*"))
                outcome = Outcome(
                    case,
                    answer["status"],
                    answer.get("error", ""),
                    answer.get("where", ""),
                    answer.get("seconds", 0.0),
                    answer.get("peak_kb", 0),
                    answer.get("problems", []),
                    executed,
                )
                with lock:
                    outcomes.append(outcome)
                    if len(outcomes) % step == 0:
                        print(f"  {len(outcomes)}/{len(cases)} loaded", file=sys.stderr)
        except BaseException as error:
            failures.append(error)
        finally:
            worker.stop(kill=True)

    threads = [threading.Thread(target=serve, args=(n,), daemon=True) for n in range(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    retime([o for o in outcomes if o.seconds > SLOW_S], folder, timeout)
    return outcomes, baseline


def retime(slow: list[Outcome], folder: Path, timeout: float) -> None:
    """Load the slow files again, one at a time with nothing else running in the pool, and keep
    the faster time: a load is slow because of what it does, not because two ran at once."""
    if not slow:
        return
    worker = Worker(0, folder, timeout)
    try:
        for outcome in slow:
            again = worker.load(outcome.case, folder / outcome.case.name)
            if again["status"] == outcome.status:
                outcome.seconds = min(outcome.seconds, again.get("seconds", outcome.seconds))
    finally:
        worker.stop(kill=True)


# ---------------------------------------------------------------- the summary

CRASHES = ("crash", "memory", "died")


def is_wrong(o: Outcome) -> bool:
    return o.status == "accepted" and (o.case.expect == "refuse" or bool(o.problems))


def is_lost(o: Outcome) -> bool:
    """A valid control file that did not load."""
    return o.case.expect == "load" and o.status != "accepted"


def examples(outcomes: list[Outcome], count: int = 3) -> str:
    names = [o.case.name for o in sorted(outcomes, key=lambda o: o.case.name)[:count]]
    more = f" (+{len(outcomes) - count} more)" if len(outcomes) > count else ""
    return ", ".join(names) + more


def grouped(title: str, outcomes: list[Outcome], key, text, folder: Path) -> list[str]:
    """``title`` and, per group of ``key``, its count, example files and ``text``."""
    if not outcomes:
        return []
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[key(outcome)].append(outcome)
    lines = [f"  {title} ({len(outcomes)}):"]
    for _, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        shown = text(members[0]).replace(str(folder) + "/", "")
        lines.append(f"    {len(members):4d} × {shown}")
        lines.append(f"           e.g. {examples(members)}")
    return lines


def crash_text(o: Outcome) -> str:
    kind = {"memory": "hit the memory limit: ", "died": "", "crash": ""}[o.status]
    at = f"  [at {o.where}]" if o.where else ""
    return f"{kind}{o.error[:240]}{at}"


def wrong_reason(o: Outcome) -> str:
    return o.case.why if o.case.expect == "refuse" else "; ".join(o.problems)


def wrong_text(o: Outcome) -> str:
    reason = wrong_reason(o)
    also = f" — and {'; '.join(o.problems)}" if o.case.expect == "refuse" and o.problems else ""
    return f"{o.case.variant}: accepted, but {reason}{also}"[:300]


def family_table(outcomes: list[Outcome], families) -> list[str]:
    columns = ("files", "refused", "accepted", "crash", "hang", "wrong", "code", "slow")
    lines = [
        f"  {'family':<18}" + "".join(f"{c:>9}" for c in columns) + f"{'slowest':>10}{'peak':>9}"
    ]
    by_family: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_family[outcome.case.family].append(outcome)
    for _, family, _, _ in families:
        group = by_family.get(family, [])
        if not group:
            continue
        counts = (
            len(group),
            sum(o.status == "refused" for o in group),
            sum(o.status == "accepted" for o in group),
            sum(o.status in CRASHES for o in group),
            sum(o.status == "hang" for o in group),
            sum(is_wrong(o) for o in group),
            sum(o.code_executed for o in group),
            sum(o.seconds > SLOW_S for o in group),
        )
        slowest = max(o.seconds for o in group)
        peak = max(o.peak_kb for o in group) / 1024
        lines.append(
            f"  {family:<18}"
            + "".join(f"{c:>9}" for c in counts)
            + f"{slowest:>8.2f} s{peak:>6.0f} MB"
        )
    return lines


def summary(group: str, outcomes: list[Outcome], families, folder: Path) -> tuple[list[str], bool]:
    """The report for ``group`` (weights or data) and whether every target is met."""
    crashes = [o for o in outcomes if o.status in CRASHES]
    hangs = [o for o in outcomes if o.status == "hang"]
    wrong = [o for o in outcomes if is_wrong(o)]
    executed = [o for o in outcomes if o.code_executed]
    slow = sorted((o for o in outcomes if o.seconds > SLOW_S), key=lambda o: -o.seconds)
    heavy = sorted((o for o in outcomes if o.peak_kb >= LIMIT_MB * 1024), key=lambda o: -o.peak_kb)
    lost = [o for o in outcomes if is_lost(o)]
    slowest = max((o.seconds for o in outcomes), default=0.0)
    peak = max((o.peak_kb for o in outcomes), default=0) / 1024
    lines = [f"{group}: {len(outcomes)} files", *family_table(outcomes, families)]
    lines += grouped(
        "crashes",
        crashes,
        lambda o: f"{o.status} {o.error.split(':')[0]} {o.where}",
        crash_text,
        folder,
    )
    lines += grouped(
        "hangs", hangs, lambda o: o.case.variant, lambda o: f"{o.case.variant}: {o.error}", folder
    )
    lines += grouped(
        "wrong accepts", wrong, lambda o: o.case.variant + wrong_reason(o)[:60], wrong_text, folder
    )
    lines += grouped(
        "code executed (a payload's marker file appeared)",
        executed,
        lambda o: o.case.variant,
        lambda o: f"{o.case.variant}: {o.status}",
        folder,
    )
    lines += grouped(
        "valid files refused",
        lost,
        lambda o: o.case.name,
        lambda o: f"{o.case.name}: {o.status} {o.error[:200]}",
        folder,
    )
    for title, chosen, field_text in (
        (f"slow loads (> {SLOW_S:g} s)", slow, lambda o: f"{o.seconds:.2f} s"),
        (f"loads over {LIMIT_MB} MB", heavy, lambda o: f"{o.peak_kb / 1024:.0f} MB"),
    ):
        if chosen:
            lines.append(f"  {title} ({len(chosen)}), the worst:")
            for o in chosen[:6]:
                lines.append(
                    f"    {field_text(o):>8}  {o.case.name}  ({o.status}"
                    f"{': ' + o.error[:120] if o.error else ''})".replace(str(folder) + "/", "")
                )
    extra = [
        f"{len(slow)} slow loads" if slow else "",
        f"{len(heavy)} loads over {LIMIT_MB} MB" if heavy else "",
        f"{len(lost)} valid files refused" if lost else "",
    ]
    final = (
        f"{group}: {len(outcomes)} files, {len(crashes)} crashes, {len(hangs)} hangs, "
        f"{len(wrong)} wrong accepts, {len(executed)} code executed, slowest "
        f"{slowest:.2f} s, peak {peak:.0f} MB"
    ) + "".join(f", {e}" for e in extra if e)
    ok = not (crashes or hangs or wrong or executed or slow or heavy or lost)
    return [*lines, "", final], ok


def family_counts(cases: list[Case]) -> str:
    counts = Counter(c.family for c in cases)
    return ", ".join(f"{family} {n}" for family, n in counts.items())


def write_results(path: Path, outcomes: list[Outcome]) -> None:
    with open(path, "w") as out:
        out.write("file\tfamily\texpect\tstatus\tseconds\tpeak_mb\tcode_executed\tdetail\n")
        for o in sorted(outcomes, key=lambda o: o.case.name):
            detail = "; ".join(o.problems) or o.error or o.case.why
            out.write(
                f"{o.case.name}\t{o.case.family}\t{o.case.expect}\t{o.status}\t"
                f"{o.seconds:.3f}\t{o.peak_kb / 1024:.0f}\t{int(o.code_executed)}\t"
                f"{detail.replace(chr(9), ' ')}\n"
            )


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=int, default=5000, help="weight files (default 5000)")
    parser.add_argument("--data", type=int, default=1000, help="data files (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per load (default 5)")
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--only", help="load only the files whose name contains this text")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(LIMIT_MB)
        return 0
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        if any(args.keep.iterdir()):
            parser.error(f"{args.keep} is not empty")
        folder = args.keep
    else:
        folder = Path(tempfile.mkdtemp(prefix="fuzz-files-"))
    try:
        return run(args, folder)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, folder: Path) -> int:
    start = time.perf_counter()
    (folder / MARKERS).mkdir()
    bases = make_bases(args.seed)
    groups = {"weights": WEIGHT_FAMILIES, "data": DATA_FAMILIES}
    cases = {
        group: make_cases(group, count, groups[group], args.seed, bases, folder)
        for group, count in (("weights", args.weights), ("data", args.data))
    }
    total = sum(c.size for group in cases.values() for c in group)
    print(
        f"Made {sum(map(len, cases.values()))} files ({total / MEGA:.0f} MB) in {folder} "
        f"in {time.perf_counter() - start:.1f} s (seed {args.seed})",
        file=sys.stderr,
    )
    chosen = [c for group in cases.values() for c in group if not args.only or args.only in c.name]
    start = time.perf_counter()
    try:
        outcomes, baseline = run_all(chosen, folder, args.jobs, args.timeout)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    leftovers = sorted(p.name for p in (folder / MARKERS).iterdir())
    if args.keep:
        write_results(folder / "results.tsv", outcomes)
    print()
    print(
        f"Fuzzing the file loaders: seed {args.seed}, {len(chosen)} files loaded by "
        f"{args.jobs} workers in {elapsed:.0f} s; timeout {args.timeout:g} s, slow > {SLOW_S:g} s"
    )
    print(
        f"Memory: RLIMIT_AS = the worker's address space after start-up "
        f"({baseline.get('baseline_vm_kb', 0) / 1024:.0f} MB, "
        f"{baseline.get('baseline_rss_kb', 0) / 1024:.0f} MB resident) + {LIMIT_MB} MB; "
        f"peak = resident set size during one load (VmHWM)"
    )
    print(
        "Per family: refused (the project's error), accepted, crash (anything else raised, "
        "memory limit, process died), hang, wrong accept, code executed, slow"
    )
    finals, all_ok = [], True
    for group in ("weights", "data"):
        mine = [o for o in outcomes if o.case.name[0] == group[0]]
        if not mine:
            continue
        print()
        carrying = sum(c.marker for c in cases[group])
        print(f"Made: {family_counts(cases[group])}; {carrying} carry a code payload")
        lines, ok = summary(group, mine, groups[group], folder)
        print("\n".join(lines[:-1]))
        finals.append(lines[-1])
        all_ok &= ok
    if leftovers:
        all_ok = False
        print(f"\nFiles left in the workers' folder by payloads: {', '.join(leftovers[:10])}")
    print()
    print("\n".join(finals))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
