"""A restricted unpickler for pickles of plain NumPy arrays (such as Nielsen's ``mnist.pkl.gz``).

Unpickling runs whatever callables the file names, so an ordinary ``pickle.load`` of a
downloaded file can run arbitrary code, and NumPy's own constructors allocate whatever size the
file asks for. :class:`SafeUnpickler` therefore resolves only the few globals that rebuild NumPy
arrays, and resolves them to stand-ins of its own: they record what the file asks for, and an
array is built only once its dtype is one of a few plain ones, its shape is within
:data:`MAX_ARRAY_ELEMENTS` and the file has supplied exactly its bytes. Every other global is
refused with :class:`DataError` before anything is called.

The file is read through :class:`BoundedReader`, which refuses any read beyond
:data:`MAX_PICKLE_BYTES` in all before a byte is read or inflated, and text strings are charged
for the memory their decoding may take; the unpickler runs at most :data:`MAX_OPCODES`
instructions and builds no dicts or sets (arrays never need them). So a hostile file fails with
a DataError within a bounded time and memory, whatever sizes it declares.
"""

from __future__ import annotations

import pickle
import struct
import zlib
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from nn.data.idx import DataError, describe

MAX_PICKLE_BYTES = 256 * 2**20
"""The most a pickle may hold (decompressed): Nielsen's ``mnist.pkl.gz`` inflates to about
220 MB (70,000 float32 images of 784 pixels and their int64 labels)."""
MAX_ARRAY_ELEMENTS = 60_000 * 784
"""The most elements one array may have: MNIST's 60,000 training images of 784 pixels."""
MAX_DIMENSIONS = 4
"""The most dimensions one array may have."""
MAX_OPCODES = 100_000
"""The most pickle instructions run; a pickle of a few arrays needs a few hundred."""
MAX_NESTING = 32
"""The deepest nesting of tuples and lists around the arrays."""
TEXT_CHARGE = 3
"""Decoding n bytes of text takes up to 4n bytes of memory (4-byte characters): each byte of text
is charged this many more times against :data:`MAX_PICKLE_BYTES`."""

DTYPE_CODES = frozenset(["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8"])
"""The dtypes an array may have, as NumPy pickles them: booleans, integers and floats."""

_REFUSED_OPCODES = {
    pickle.DICT: "a dict",
    pickle.EMPTY_DICT: "a dict",
    pickle.SETITEM: "a dict",
    pickle.SETITEMS: "a dict",
    pickle.EMPTY_SET: "a set",
    pickle.ADDITEMS: "a set",
    pickle.FROZENSET: "a set",
}


class _RefusedError(Exception):
    """Something the restricted unpickler will not build; the message says what, and
    :func:`safe_load` turns it into a DataError naming the file."""


class _StreamError(Exception):
    """An error of the stream under the pickle (not of the pickle), carried out unchanged."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(original)
        self.original = original


class BoundedReader:
    """A read-only file-like view of ``stream`` that serves at most ``budget`` bytes in all.

    Every ``read(n)`` is checked against what is left *before* anything is read, so a pickle
    that declares a huge length is refused without allocating or inflating it. :meth:`charge`
    takes memory from the same budget for what the unpickler builds beyond the bytes read.
    """

    def __init__(self, stream: IO[bytes], budget: int = MAX_PICKLE_BYTES) -> None:
        self._stream = stream
        self.budget = budget
        self.remaining = budget

    def charge(self, size: int) -> None:
        """Take ``size`` bytes from the budget; _RefusedError if there are not so many."""
        if size > self.remaining:
            raise _RefusedError(f"refused a pickle larger than {self.budget:,} bytes")
        self.remaining -= size

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data = self._from_stream(self._stream.read, self.remaining + 1)
            self.charge(len(data))
            return data
        self.charge(size)
        return self._from_stream(self._stream.read, size)

    def readline(self, size: int = -1) -> bytes:
        limit = self.remaining + 1 if size is None or size < 0 else min(size, self.remaining + 1)
        line = self._from_stream(self._stream.readline, limit)
        self.charge(len(line))
        return line

    @staticmethod
    def _from_stream(method: Callable[[int], bytes], size: int) -> bytes:
        try:
            return method(size)
        except (OSError, EOFError, zlib.error) as error:
            raise _StreamError(error) from error


class _Dtype:
    """What ``numpy.dtype(code, align, copy)`` asked for; its byte order comes with BUILD."""

    __slots__ = ("dtype",)

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    def __setstate__(self, state: object) -> None:
        # NumPy's dtype state: (version, byte order, subarray, names, fields, elsize, alignment,
        # flags[, metadata]); only a plain dtype's byte order is taken from it.
        if not (isinstance(state, tuple) and len(state) >= 5):
            raise _RefusedError("refused a dtype with an unexpected state")
        if any(part is not None for part in state[2:5]):
            raise _RefusedError("refused a structured or subarray dtype")
        order = _text(state[1], "a dtype's byte order")
        if order not in ("<", ">", "|", "="):
            raise _RefusedError(f"refused the byte order {order!r}")
        if order in "<>":
            self.dtype = self.dtype.newbyteorder(order)


class _Array:
    """An array being rebuilt: ``numpy.core.multiarray._reconstruct`` makes it empty, BUILD
    gives it its state (``_frombuffer`` makes it whole at once)."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray | None = None) -> None:
        self.array = array

    def __setstate__(self, state: object) -> None:
        # ndarray's state: ([version,] shape, dtype, is_fortran, raw data).
        if self.array is not None:
            raise _RefusedError("refused to set an array's content twice")
        if isinstance(state, tuple) and len(state) == 5:
            state = state[1:]
        if not (isinstance(state, tuple) and len(state) == 4):
            raise _RefusedError("refused an array with an unexpected state")
        shape, dtype, fortran, data = state
        if not isinstance(fortran, (bool, int)):
            raise _RefusedError("refused an array with an unexpected state")
        self.array = _build_array(data, dtype, shape, "F" if fortran else "C")


class _NdarrayClass:
    """Stands for ``numpy.ndarray``, which a pickle names only as ``_reconstruct``'s argument."""

    __slots__ = ()


_NDARRAY = _NdarrayClass()


def _text(value: object, what: str) -> str:
    """A short ASCII ``str`` or ``bytes`` (Python 2 pickles) as ``str``; _RefusedError otherwise."""
    if isinstance(value, bytes) and len(value) <= 16:
        value = value.decode("ascii", "replace")
    if not (isinstance(value, str) and len(value) <= 16):
        raise _RefusedError(f"refused {what} of type {type(value).__name__}")
    return value


def _brief(value: object) -> str:
    """``value`` for a message, without formatting anything large or deep."""
    if isinstance(value, (str, bytes)):
        return repr(value[:30]) + ("…" if len(value) > 30 else "")
    if isinstance(value, int) and abs(value) < 10**30:
        return repr(value)
    if isinstance(value, tuple) and len(value) <= 8 and all(map(_is_small_int, value)):
        return repr(value)
    return f"a {type(value).__name__}"


def _is_small_int(value: object) -> bool:
    return isinstance(value, int) and abs(value) < 10**30


def _shape(shape: object) -> tuple[int, ...]:
    """``shape`` checked: a tuple of at most :data:`MAX_DIMENSIONS` non-negative ints whose
    product is at most :data:`MAX_ARRAY_ELEMENTS`."""
    if not (
        isinstance(shape, tuple)
        and len(shape) <= MAX_DIMENSIONS
        and all(type(size) is int and size >= 0 for size in shape)
    ):
        raise _RefusedError(f"refused the array shape {_brief(shape)}")
    count = 1
    for size in shape:
        count *= size
    if count > MAX_ARRAY_ELEMENTS:
        raise _RefusedError(
            f"refused an array of shape {shape}: more than {MAX_ARRAY_ELEMENTS:,} elements"
        )
    return shape


def _build_array(data: object, dtype: object, shape: object, order: object) -> np.ndarray:
    """A checked array over ``data``: a plain dtype, a bounded shape and exactly its bytes."""
    if not isinstance(dtype, _Dtype):
        raise _RefusedError("refused an array whose dtype is not a NumPy dtype")
    checked = _shape(shape)
    if isinstance(data, str):  # a Python 2 ``str`` read with a text encoding such as latin1
        data = data.encode("latin1")
    if not isinstance(data, (bytes, bytearray)):
        raise _RefusedError(f"refused array data of type {type(data).__name__}")
    expected = int(np.prod(checked, dtype=np.int64)) * dtype.dtype.itemsize
    if len(data) != expected:
        raise _RefusedError(
            f"refused an array of shape {checked} with {len(data):,} bytes of data "
            f"(expected {expected:,})"
        )
    order = _text(order, "an array order")
    if order not in ("C", "F"):
        raise _RefusedError(f"refused the array order {order!r}")
    return np.frombuffer(data, dtype=dtype.dtype).reshape(checked, order=order)


def _counted(load: Callable[[Any], None]) -> Callable[[SafeUnpickler], None]:
    """``load`` (one instruction of the pure-Python unpickler), counted against the limit."""

    def counted(self: SafeUnpickler) -> None:
        self.opcodes += 1
        if self.opcodes > MAX_OPCODES:
            raise _RefusedError(f"refused a pickle of more than {MAX_OPCODES:,} instructions")
        load(self)

    return counted


def _refuse(what: str) -> Callable[[SafeUnpickler], None]:
    def refuse(self: SafeUnpickler) -> None:
        raise _RefusedError(f"refused {what} in the pickle (only NumPy arrays are allowed)")

    return refuse


def _unknown(code: int) -> Callable[[SafeUnpickler], None]:
    def unknown(self: SafeUnpickler) -> None:
        raise pickle.UnpicklingError(f"unknown opcode {code:#04x}")

    return unknown


def _load_text(size_format: str) -> Callable[[SafeUnpickler], None]:
    """BINUNICODE and its kin: the text's length is charged for decoding before it is read."""
    width = struct.calcsize(size_format)

    def load(self: SafeUnpickler) -> None:
        (size,) = struct.unpack(size_format, self.read(width))
        self.reader.charge(TEXT_CHARGE * size)
        self.append(str(self.read(size), "utf-8", "surrogatepass"))

    return load


def _load_text_line(self: SafeUnpickler) -> None:
    """UNICODE (protocol 0): one escaped line of text, charged before it is decoded."""
    line = self.readline()[:-1]
    self.reader.charge(TEXT_CHARGE * len(line))
    self.append(str(line, "raw-unicode-escape"))


def _load_bytearray8(self: SafeUnpickler) -> None:
    """BYTEARRAY8 (protocol 5), read before anything is allocated for it (as ``bytes``: the
    arrays built over it are copied before use anyway)."""
    (size,) = struct.unpack("<Q", self.read(8))
    self.append(self.read(size))


def _dispatch_table() -> dict[int, Callable[[Any], None]]:
    """The pure-Python unpickler's instructions, each counted; those that build dicts or sets
    refused, those that read text charged for it, BYTEARRAY8 read before it is allocated."""
    table = {code: _counted(load) for code, load in pickle._Unpickler.dispatch.items()}
    table.update({code[0]: _refuse(what) for code, what in _REFUSED_OPCODES.items()})
    for code, load in (
        (pickle.BINUNICODE, _load_text("<I")),
        (pickle.BINUNICODE8, _load_text("<Q")),
        (pickle.SHORT_BINUNICODE, _load_text("<B")),
        (pickle.UNICODE, _load_text_line),
        (pickle.BYTEARRAY8, _load_bytearray8),
    ):
        table[code[0]] = _counted(load)
    table.update({code: _unknown(code) for code in range(256) if code not in table})
    return table


class SafeUnpickler(pickle._Unpickler):
    """An unpickler that builds only NumPy arrays, tuples, lists and plain values.

    It is the pure-Python unpickler, so that every instruction can be counted and checked;
    ``name`` (the file's name) is used in error messages. Read ``file`` through a
    :class:`BoundedReader` (:func:`safe_load` does).
    """

    dispatch: dict[int, Callable[[Any], None]] = _dispatch_table()

    def __init__(self, file: BoundedReader, name: str, *, encoding: str = "bytes") -> None:
        super().__init__(file, encoding=encoding)
        self.name = name
        self.reader = file
        self.opcodes = 0
        self.allowed: dict[tuple[str, str], Any] = {
            ("numpy.core.multiarray", "_reconstruct"): self._reconstruct,
            ("numpy._core.multiarray", "_reconstruct"): self._reconstruct,
            ("numpy.core.numeric", "_frombuffer"): self._frombuffer,  # pickle protocol 5
            ("numpy._core.numeric", "_frombuffer"): self._frombuffer,
            ("numpy", "ndarray"): _NDARRAY,
            ("numpy", "dtype"): self._dtype,
            ("_codecs", "encode"): self._encode,  # bytes pickled by Python 3 at protocol ≤ 2
        }

    def find_class(self, module: str, name: str) -> Any:
        """The stand-in for the allowed global ``module.name``; DataError for anything else."""
        try:
            return self.allowed[(module, name)]
        except (KeyError, TypeError):
            raise DataError(
                f"{self.name}: refused to unpickle the global {module:.60}.{name:.60} "
                "(only NumPy arrays are allowed)"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        """Persistent references are never needed for arrays: refuse them."""
        raise DataError(f"{self.name}: refused a persistent reference in the pickle")

    def _decode_string(self, value: bytes) -> Any:
        """A Python 2 ``str``: kept as bytes, or decoded (and charged) for a text encoding."""
        if self.encoding != "bytes":
            self.reader.charge(TEXT_CHARGE * len(value))
        return super()._decode_string(value)

    @staticmethod
    def _reconstruct(cls: object, shape: object, typecode: object) -> _Array:
        """``numpy.core.multiarray._reconstruct(ndarray, (0,), b"b")``: an empty stand-in."""
        if cls is not _NDARRAY:
            raise _RefusedError("refused to reconstruct anything but a NumPy array")
        return _Array()

    @staticmethod
    def _frombuffer(buffer: object, dtype: object, shape: object, order: object) -> _Array:
        """``numpy.core.numeric._frombuffer(buffer, dtype, shape, order)`` (protocol 5)."""
        return _Array(_build_array(buffer, dtype, shape, order))

    @staticmethod
    def _dtype(code: object, align: object = False, copy: object = False) -> _Dtype:
        """``numpy.dtype(code, align, copy)`` for one of :data:`DTYPE_CODES`."""
        text = _text(code, "a dtype")
        if text not in DTYPE_CODES:
            raise _RefusedError(f"refused the dtype {text!r}")
        return _Dtype(np.dtype(text))

    def _encode(self, text: object, encoding: object = "utf-8", errors: object = "strict") -> bytes:
        """``_codecs.encode(text, "latin1")``, the only call Python 3 uses to pickle bytes."""
        if encoding not in ("latin1", "latin-1") or errors != "strict":
            raise _RefusedError(
                f"refused the codec {_brief(encoding)} (only latin1 rebuilds bytes)"
            )
        if not isinstance(text, str):
            raise _RefusedError(
                f"refused to encode something other than text ({type(text).__name__})"
            )
        self.reader.charge(len(text))
        return text.encode("latin1")


def _resolved(value: object, seen: dict[int, object], depth: int = 0) -> object:
    """``value`` with every stand-in replaced by the NumPy object it stands for."""
    if isinstance(value, _Array):
        if value.array is None:
            raise _RefusedError("refused an array without its content")
        return value.array
    if isinstance(value, _Dtype):
        return value.dtype
    if not isinstance(value, (tuple, list)):
        return value
    if id(value) in seen:
        return seen[id(value)]
    if depth >= MAX_NESTING:
        raise _RefusedError(f"refused a pickle nested more than {MAX_NESTING} deep")
    items = [_resolved(item, seen, depth + 1) for item in value]
    result = tuple(items) if isinstance(value, tuple) else items
    seen[id(value)] = result
    return result


def safe_load(
    file: IO[bytes], name: str, *, budget: int = MAX_PICKLE_BYTES, encoding: str = "bytes"
) -> Any:
    """Unpickle ``file`` with :class:`SafeUnpickler`, reading at most ``budget`` bytes; every
    failure of the pickle becomes a DataError naming ``name``.

    Python 2 ``str`` objects (in which NumPy 1 pickled array data) are read as ``bytes``, or
    decoded with ``encoding`` if it is not ``"bytes"``. Errors of ``file`` itself (an ``OSError``
    or ``EOFError`` of a damaged gzip stream, say) propagate unchanged, for the caller to name.
    """
    reader = BoundedReader(file, budget)
    unpickler = SafeUnpickler(reader, name, encoding=encoding)
    try:
        content = unpickler.load()
        return _resolved(content, {})
    except DataError:
        raise
    except _RefusedError as error:
        raise DataError(f"{name}: {error}") from None
    except _StreamError as error:
        raise error.original from None
    except EOFError:
        raise DataError(f"{name}: not a valid pickle (truncated)") from None
    except Exception as error:  # anything else the pickle's content provoked
        why = f"{type(error).__name__}: {describe(error)}"
        raise DataError(f"{name}: not a valid pickle ({why})") from None
