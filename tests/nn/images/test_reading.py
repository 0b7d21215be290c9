"""Opening images: every format a camera or scanner writes, and one clear error for the rest."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nn.images import ImageReadError, read_photo_digits
from nn.images.reading import MAX_PIXELS, MIN_WORKING_SIDE, WORKING_SIDE, read_grey
from tests.nn.images.making import blue_pen, encoded, page, photo_of_digit


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP"])
def test_every_format_opens_to_the_same_grey_image(tmp_path: Path, kind: str) -> None:
    image, _ = photo_of_digit(3)
    reference = (image * 255).astype(np.uint8)
    path = tmp_path / f"digit.{kind.lower()}"
    path.write_bytes(encoded(reference, kind, quality=95))
    grey = read_grey(path)
    assert grey.size == (reference.shape[1], reference.shape[0])
    assert grey.name == str(path)
    enlarged = np.asarray(
        Image.fromarray(reference).resize(grey.pixels.shape[::-1], Image.BILINEAR), np.float32
    )
    assert np.abs(grey.pixels * 255 - enlarged).mean() < 3  # WebP and JPEG are lossy


def test_a_path_bytes_and_a_pillow_image_give_the_same_pixels(tmp_path: Path) -> None:
    image, _ = photo_of_digit(5)
    data = encoded(image, "PNG")
    path = tmp_path / "five.png"
    path.write_bytes(data)
    from_path, from_bytes = read_grey(path), read_grey(data)
    from_pil = read_grey(Image.open(io.BytesIO(data)))
    assert np.array_equal(from_path.pixels, from_bytes.pixels)
    assert np.array_equal(from_path.pixels, from_pil.pixels)
    assert from_bytes.name == "the pasted image"


def test_coloured_ink_is_grey_as_its_darkest_channel() -> None:
    grey = page()
    grey[100:120, 100:300] *= 0.2  # a stroke
    rgb = blue_pen(grey)
    pixels = read_grey(encoded(rgb, "PNG")).pixels
    darkest = rgb.min(axis=2).astype(np.float32) / 255
    expected = np.asarray(Image.fromarray(darkest).resize(pixels.shape[::-1], Image.BILINEAR))
    assert np.abs(pixels - expected).max() < 2 / 255


def test_transparent_areas_are_white_paper() -> None:
    rgba = np.zeros((300, 300, 4), np.uint8)  # black everywhere, transparent but a stroke
    rgba[100:200, 140:160, 3] = 255
    pixels = read_grey(encoded(rgba, "PNG")).pixels
    assert pixels[10, 10] == 1.0
    assert pixels[150, 150] == 0.0


def test_large_images_shrink_and_small_ones_grow_to_the_working_size() -> None:
    big = read_grey(encoded(np.full((3000, 4000), 200, np.uint8), "JPEG"))
    assert big.size == (4000, 3000)
    assert max(big.pixels.shape) == WORKING_SIDE
    assert big.scale == pytest.approx(4000 / WORKING_SIDE, rel=0.01)
    small = read_grey(encoded(np.full((28, 28), 200, np.uint8), "PNG"))
    assert small.pixels.shape == (MIN_WORKING_SIDE, MIN_WORKING_SIDE)
    assert small.size == (28, 28)


def test_an_exif_orientation_is_applied_and_sizes_follow_it() -> None:
    pixels = np.full((300, 400), 230, np.uint8)
    pixels[:, :40] = 0  # dark along the left side as stored
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise to view: the dark side goes to the top
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    grey = read_grey(buffer.getvalue())
    assert grey.size == (300, 400)
    assert grey.pixels.shape[0] > grey.pixels.shape[1]
    assert grey.pixels[:20].mean() < 0.1 < grey.pixels[-20:].mean()


# Bad input: one ImageReadError naming the image, nothing else.


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_claiming(width: int, height: int) -> bytes:
    """A valid, tiny PNG whose header claims ``width`` x ``height`` pixels (its data is short)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    data = zlib.compress(b"\x00" * (width + 1))  # one row of the claimed width
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data)
            + _png_chunk(b"IEND", b""))  # fmt: skip


def _expect_error(source: object, *words: str) -> str:
    with pytest.raises(ImageReadError) as caught:
        read_photo_digits(source)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


def test_a_file_that_is_no_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a picture\n" * 20)
    _expect_error(path, str(path), "not an image")


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_truncated_file_is_refused(tmp_path: Path, kind: str) -> None:
    image, _ = photo_of_digit(8)
    noisy = image + np.random.default_rng(0).normal(0, 0.05, image.shape)  # compresses badly
    data = encoded(noisy, kind)
    path = tmp_path / f"cut.{kind.lower()}"
    path.write_bytes(data[: len(data) // 2])
    _expect_error(path, str(path), "truncated")


def test_a_decompression_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_claiming(10_000, 10_000))
    assert path.stat().st_size < 1000
    _expect_error(path, str(path), "too large")


def test_fifty_megapixels_are_refused_and_fewer_are_not_by_size(tmp_path: Path) -> None:
    width = 10_000
    _expect_error(_png_claiming(width, MAX_PIXELS // width), "too large", "50 megapixels")
    message = _expect_error(_png_claiming(width, MAX_PIXELS // width - 1))
    assert "too large" not in message  # refused only because its data is missing


def test_a_blank_page_has_no_ink(tmp_path: Path) -> None:
    path = tmp_path / "blank.jpg"
    path.write_bytes(encoded(page(), "JPEG"))
    _expect_error(path, str(path), "no ink")
    _expect_error(encoded(np.full((100, 100), 255, np.uint8), "PNG"), "pasted image", "no ink")


def test_a_folder_a_missing_file_and_a_named_pipe_are_refused(tmp_path: Path) -> None:
    _expect_error(tmp_path, str(tmp_path), "folder")
    _expect_error(tmp_path / "gone.png", "gone.png", "no such file")
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    _expect_error(fifo, str(fifo), "named pipe")  # refused without waiting for a writer
