"""Reading IDX files that lie about their size, and files that are not regular files: each is
refused with a DataError naming it, without reading (or inflating) more than MNIST's sizes."""

from __future__ import annotations

import contextlib
import gzip
import os
import struct
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nn.data.idx import (
    MAX_IDX_BYTES,
    DataError,
    read_bytes,
    read_images,
    read_labels,
)
from nn.data.mnist import load_idx_folder, load_keras_npz, load_nielsen_pickle
from nn.data.pendigits import load_pendigits
from tests.nn.data.conftest import (
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    gzip_of_zeros,
    peak_allocation,
    write_idx_set,
)


def test_gz_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    header = struct.pack(">IIII", 2051, 10_000, 28, 28)  # a sound header for the test images
    data = gzip_of_zeros(2**30, prefix=header)  # but the body inflates to 1 GiB
    assert len(data) < 1.1 * 2**20
    path = tmp_path / f"{TEST_IMAGES}.gz"
    path.write_bytes(data)
    peak = peak_allocation(lambda: read_images(path, 10_000))
    assert peak < 64 * 2**20  # the 7.8 MB the header allows, not the gigabyte
    with pytest.raises(DataError, match=rf"^{TEST_IMAGES}\.gz: trailing data after 10000 images"):
        read_images(path, 10_000)


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize(
    ("magic", "count", "limit", "words"),
    [
        (2051, 2**31 - 1, 60_000, "header says 2,147,483,647 images, at most 60,000 expected"),
        (2051, 60_001, 60_000, "header says 60,001 images, at most 60,000 expected"),
        (2051, 10_001, 10_000, "header says 10,001 images, at most 10,000 expected"),
        (2049, 2**31 - 1, 60_000, "header says 2,147,483,647 labels, at most 60,000 expected"),
        (2049, 10_001, 10_000, "header says 10,001 labels, at most 10,000 expected"),
    ],
)
def test_header_beyond_mnist_is_refused_before_the_body_is_read(
    tmp_path: Path, gz: bool, magic: int, count: int, limit: int, words: str
) -> None:
    if magic == 2051:
        header, read = struct.pack(">IIII", magic, count, 28, 28), read_images
    else:
        header, read = struct.pack(">II", magic, count), read_labels
    content = header + bytes(1000)  # far less than the header promises: never looked at
    path = tmp_path / ("file.gz" if gz else "file")
    path.write_bytes(gzip.compress(content) if gz else content)
    with pytest.raises(DataError, match=f"^{path.name}: ") as caught:
        read(path, limit)
    assert words in str(caught.value)


def test_folder_applies_mnist_limits_per_file(tmp_path: Path) -> None:
    write_idx_set(tmp_path, gz=False)
    # A t10k image file of 10,001 images is refused, though a training file may hold 60,000.
    (tmp_path / TEST_IMAGES).write_bytes(struct.pack(">IIII", 2051, 10_001, 28, 28))
    with pytest.raises(
        DataError, match=f"^{TEST_IMAGES}: header says 10,001 images, at most 10,000"
    ):
        load_idx_folder(tmp_path)


def test_trailing_data_of_a_gz_file_is_refused(tmp_path: Path) -> None:
    write_idx_set(tmp_path, gz=True)
    path = tmp_path / f"{TEST_LABELS}.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + b"\x01\x02"))
    with pytest.raises(DataError, match=rf"^{TEST_LABELS}\.gz: trailing data after 5 labels"):
        load_idx_folder(tmp_path)


def test_a_sound_file_at_the_limit_loads(tmp_path: Path) -> None:
    labels = np.arange(10_000) % 10
    path = tmp_path / "labels.gz"
    path.write_bytes(
        gzip.compress(struct.pack(">II", 2049, 10_000) + labels.astype("u1").tobytes())
    )
    np.testing.assert_array_equal(read_labels(path, 10_000), labels)


def test_read_bytes_refuses_content_beyond_its_limit(tmp_path: Path) -> None:
    assert MAX_IDX_BYTES == 16 + 60_000 * 784
    raw, packed = tmp_path / "raw", tmp_path / "packed.gz"
    raw.write_bytes(bytes(1001))
    packed.write_bytes(gzip_of_zeros(2**30))
    assert read_bytes(raw, limit=1001) == bytes(1001)
    with pytest.raises(DataError, match=r"^raw: too large \(1,001 bytes, at most 1,000\)"):
        read_bytes(raw, limit=1000)
    peak = peak_allocation(lambda: read_bytes(packed, limit=1000))
    assert peak < 16 * 2**20
    with pytest.raises(DataError, match=r"^packed\.gz: too large \(more than 1,000 bytes"):
        read_bytes(packed, limit=1000)


def test_damaged_deflate_data_is_named(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(struct.pack(">II", 2049, 3) + b"\x01\x02\x03", mtime=0))
    data[12] ^= 0xFF  # inside the deflate stream
    path = tmp_path / "labels.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"^labels\.gz: "):
        read_labels(path)


def _release(fifo: Path) -> None:
    """Let a reader blocked opening ``fifo`` go on: open and close its writing end."""
    with contextlib.suppress(OSError):  # nobody is reading
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


LOADERS: dict[str, Callable[[Path], object]] = {
    "idx images": read_images,
    "idx labels": read_labels,
    "bytes": read_bytes,
    "pen digits": load_pendigits,
    "keras": load_keras_npz,
    "nielsen": load_nielsen_pickle,
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
@pytest.mark.parametrize("loader", LOADERS)
def test_a_fifo_is_refused_before_it_is_opened(tmp_path: Path, loader: str) -> None:
    fifo = tmp_path / "data.gz"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            LOADERS[loader](fifo)
        except BaseException as error:
            outcome.append(error)
        else:
            outcome.append(None)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(timeout=60)  # a loader that opened the FIFO would wait for a writer forever
    blocked = thread.is_alive()
    if blocked:
        _release(fifo)
        thread.join()
    assert not blocked, "the loader opened the FIFO and waited on it"
    assert isinstance(outcome[0], DataError), outcome
    assert str(outcome[0]) == "data.gz: not a regular file"


@pytest.mark.parametrize("loader", LOADERS)
def test_a_folder_is_refused(tmp_path: Path, loader: str) -> None:
    folder = tmp_path / "mnist.npz"
    folder.mkdir()
    with pytest.raises(DataError, match=r"^mnist\.npz: not a regular file$"):
        LOADERS[loader](folder)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=rf"^{TRAIN_IMAGES}: file not found in "):
        read_images(tmp_path / TRAIN_IMAGES)


def test_gzip_of_zeros_inflates_to_what_it_says() -> None:
    data = gzip_of_zeros(3 * 2**20 + 5, prefix=b"head")
    stream = zlib.decompressobj(wbits=31)
    assert stream.decompress(data)[:4] == b"head"  # first member only: the prefix
    assert len(gzip.decompress(data)) == 4 + 3 * 2**20 + 5
