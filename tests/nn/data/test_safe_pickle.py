"""The restricted unpickler against hostile pickles written by hand: huge arrays asked of the
allowed constructors, huge declared lengths, codecs, floods of instructions. Each must end in a
short DataError naming the file, without allocating what the file asks for."""

from __future__ import annotations

import gzip
import io
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

from nn.data.idx import DataError
from nn.data.mnist import load_nielsen_pickle
from nn.data.safe_pickle import MAX_PICKLE_BYTES, BoundedReader, safe_load
from tests.nn.data.conftest import gzip_of_zeros, peak_allocation

RECONSTRUCT = b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R"
"""``_reconstruct(ndarray, (0,), "b")`` as NumPy 1 under Python 2 pickled it."""


def long1(value: int) -> bytes:
    """LONG1: any int, in as many little-endian bytes as it needs."""
    data = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(data)]) + data


def dtype_ops(code: bytes = b"f4", names: bytes = b"N") -> bytes:
    """``numpy.dtype(code, 0, 1)`` then BUILD with a little-endian state; ``names`` its fourth
    item (None for a plain dtype)."""
    state = b"(K\x03U\x01<N" + names + b"NJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
    return b"cnumpy\ndtype\nU" + bytes([len(code)]) + code + b"K\x00K\x01\x87R" + state


def array_pickle(shape: tuple[int, ...], data: bytes, code: bytes = b"f4") -> bytes:
    """A NumPy array as Python 2 pickled it, with any ``shape`` and ``data``."""
    shape_ops = b"(" + b"".join(long1(size) for size in shape) + b"t"
    body = b"(K\x01" + shape_ops + dtype_ops(code) + b"\x89T" + struct.pack("<i", len(data))
    return b"\x80\x02" + RECONSTRUCT + body + data + b"tb."


def load(tmp_path: Path, data: bytes) -> object:
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(data))
    return load_nielsen_pickle(path)


def refusal(tmp_path: Path, data: bytes) -> str:
    """The message of the DataError loading ``data`` (gzipped, as mnist.pkl.gz) raises."""
    with pytest.raises(DataError, match=r"^mnist\.pkl\.gz: ") as caught:
        load(tmp_path, data)
    message = str(caught.value)
    assert len(message) < 200, message
    return message


def test_the_hand_written_pickles_are_sound() -> None:
    array = safe_load(io.BytesIO(array_pickle((2, 3), np.arange(6, dtype="<f4").tobytes())), "a")
    np.testing.assert_array_equal(array, np.arange(6, dtype=np.float32).reshape(2, 3))
    assert safe_load(io.BytesIO(b"\x80\x02" + dtype_ops(b"i8") + b"."), "d") == np.dtype("<i8")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (array_pickle((10**12,), b""), "refused an array of shape (1000000000000,): more than"),
        (array_pickle((2**40, 2**40), b""), "more than 47,040,000 elements"),
        (array_pickle((60_001, 784), b""), "more than 47,040,000 elements"),
        (array_pickle((1,) * 5, bytes(4)), "refused the array shape (1, 1, 1, 1, 1)"),
        (array_pickle((-1,), b""), "refused the array shape (-1,)"),
        (array_pickle((3,), bytes(8)), "with 8 bytes of data (expected 12)"),
        (array_pickle((2,), bytes(16), b"O8"), "refused the dtype 'O8'"),
        (array_pickle((2,), bytes(16), b"V8"), "refused the dtype 'V8'"),
        (b"\x80\x02" + RECONSTRUCT.replace(b"K\x00\x85", long1(10**12) + b"\x85") + b".",
         "refused an array without its content"),
        (b"\x80\x02" + dtype_ops(b"u1", names=b"(U\x01at") + b".", "refused a structured"),
        (b"\x80\x02cnumpy.core.numeric\n_frombuffer\n(C\x00" + dtype_ops() + long1(10**12)
         + b"\x85U\x01CtR.", "refused an array of shape (1000000000000,)"),
        (b"\x80\x02cnumpy\nndarray\n)R.", "not a valid pickle (TypeError"),
    ],
)  # fmt: skip
def test_arrays_beyond_bounds_are_refused_before_allocation(
    tmp_path: Path, data: bytes, words: str
) -> None:
    assert len(data) < 400
    assert words in refusal(tmp_path, data)


@pytest.mark.parametrize(
    "data",
    [
        b"\x80\x04\x8e" + struct.pack("<Q", 10**12) + b"x",  # BINBYTES8
        b"\x80\x04\x8d" + struct.pack("<Q", 2**62) + b"x",  # BINUNICODE8
        b"\x80\x04\x95" + struct.pack("<Q", 2**40) + b"N.",  # FRAME
        b"\x80\x05\x96" + struct.pack("<Q", 10**11),  # BYTEARRAY8
        b"\x80\x02T" + struct.pack("<i", 2**31 - 1),  # BINSTRING
        b"\x80\x03B" + struct.pack("<I", 2**32 - 1),  # BINBYTES
        b"\x80\x02X" + struct.pack("<I", 2**32 - 1),  # BINUNICODE
        b"\x80\x02\x8b" + struct.pack("<i", 2**31 - 1),  # LONG4
    ],
    ids=["BINBYTES8", "BINUNICODE8", "FRAME", "BYTEARRAY8", "BINSTRING", "BINBYTES",
         "BINUNICODE", "LONG4"],
)  # fmt: skip
def test_huge_declared_lengths_are_refused_before_reading(tmp_path: Path, data: bytes) -> None:
    assert len(data) <= 40
    assert "refused a pickle larger than 268,435,456 bytes" in refusal(tmp_path, data)


def test_a_length_beyond_the_budget_is_refused_without_inflating_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mnist.pkl.gz"  # BINBYTES8 of 1 TiB, followed by 1 GiB of zeros
    path.write_bytes(gzip_of_zeros(2**30, prefix=b"\x80\x04\x8e" + struct.pack("<Q", 2**40)))
    assert peak_allocation(lambda: load_nielsen_pickle(path)) < 16 * 2**20


@pytest.mark.parametrize("codec", [b"bogus", b"rot13", b"zlib", b"hex", b"utf-16"])
def test_codecs_other_than_latin1_are_refused(tmp_path: Path, codec: bytes) -> None:
    data = b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00a"
    data += b"X" + struct.pack("<I", len(codec)) + codec + b"\x86R."
    assert f"refused the codec '{codec.decode()}'" in refusal(tmp_path, data)


def test_latin1_is_the_codec_python3_pickles_bytes_with() -> None:
    data = pickle.dumps(b"\x00\xff", protocol=2)
    assert b"_codecs\nencode" in data
    assert safe_load(io.BytesIO(data), "bytes") == b"\x00\xff"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x80\x02(" + b"N" * 150_000 + b"l.", "more than 100,000 instructions"),
        (b"\x80\x02}.", "refused a dict"),
        (b"\x80\x02(K\x01K\x02d.", "refused a dict"),
        (b"\x80\x04\x8f.", "refused a set"),
        (b"\x80\x04(K\x01\x91.", "refused a set"),
        (b"\x80\x02" + b"]" * 40 + b"a" * 39 + b".", "nested more than 32 deep"),
        (b"\x80\x02U\x01xQ.", "refused a persistent reference"),
        (b"\x80\x02h\x05.", "not a valid pickle (UnpicklingError: Memo value not found"),
        (b"I" + b"9" * 5000 + b"\n.", "not a valid pickle (ValueError"),
        (b"\x80\x02\xff", "not a valid pickle (UnpicklingError: unknown opcode 0xff)"),
        (b"\x80\x02K\x01", "not a valid pickle (truncated)"),
        (
            b"\x80\x02c_codecs\nencode\nK\x01X\x06\x00\x00\x00latin1\x86R.",
            "refused to encode something other than text (int)",
        ),
    ],
)
def test_other_hostile_pickles_end_in_a_data_error(tmp_path: Path, data: bytes, words: str) -> None:
    assert words in refusal(tmp_path, data)


def test_text_is_charged_for_the_memory_decoding_takes() -> None:
    text, raw = pickle.dumps("x" * 100, protocol=4), pickle.dumps(b"x" * 100, protocol=4)
    assert safe_load(io.BytesIO(raw), "raw", budget=300) == b"x" * 100
    with pytest.raises(DataError, match=r"^text: refused a pickle larger than 300 bytes"):
        safe_load(io.BytesIO(text), "text", budget=300)
    assert safe_load(io.BytesIO(text), "text", budget=600) == "x" * 100


def test_the_bounded_reader_refuses_before_reading() -> None:
    stream = io.BytesIO(bytes(100))
    reader = BoundedReader(stream, budget=10)
    assert reader.read(4) == bytes(4)
    with pytest.raises(Exception, match="larger than 10 bytes"):
        reader.read(7)
    assert stream.tell() == 4  # nothing more was read
    assert reader.read(6) == bytes(6)


def test_the_budget_holds_nielsens_file() -> None:
    # 70,000 float32 images of 784 pixels and 70,000 int64 labels, and a little framing.
    assert 70_000 * 784 * 4 + 70_000 * 8 + 10_000 < MAX_PICKLE_BYTES <= 300 * 10**6


def test_python2_str_may_be_read_as_latin1_text() -> None:
    data = b"\x80\x02U\x02\xe9t."  # SHORT_BINSTRING of two bytes
    assert safe_load(io.BytesIO(data), "bytes") == b"\xe9t"
    assert safe_load(io.BytesIO(data), "text", encoding="latin1") == "ét"
