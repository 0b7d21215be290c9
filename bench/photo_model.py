"""A model of a photo or scan of handwriting: digit ink → a JPEG as a phone or scanner makes it.

:func:`make_photo` takes the ink of one or more digits (white on black, any size, e.g. an MNIST
digit or a pen digit drawn by :func:`nn.handwriting.strokes.render_strokes`) and makes an RGB
photo of it, drawing every setting from ``rng``:

- **Size**: the photo's longer side is ``side`` pixels (4:3, or square up to 64 px); the digits
  are 25-70 % of its height (60-75 % up to 64 px, as MNIST's 20 of 28), written side by side,
  made smaller when they would not fit on the paper 5 % from its borders (and from the table).
- **Tilt**: the writing is turned by up to ±6°.
- **Paper**: white to light grey (0.75-0.95), tinted ±0.04 per channel, with a soft texture
  (±2 %, a field of 1/16 scale).
- **Light**: a linear gradient in a random direction (up to 35 % darker at one side), a
  vignette (up to 30 % darker in the corners) and, in half the photos, a soft shadow band
  (20-45 % darker beyond a line, fading over 10-25 % of the image).
- **Ink**: a black pen (RGB 0.10, 0.10, 0.12) or a blue one (0.15, 0.20, 0.55), covering 80-100 %
  where the digit's ink is full; one photo in ten is light ink on a dark ground (a blackboard
  or a white-on-black screenshot: ground 0.05-0.15, ink 0.85-0.95), without a shadow.
- **A paper edge**: in half the photos, the table (0.10-0.35) shows along one side, over 3-12 %
  of the image, its edge slightly slanted.
- **A whole sheet** (``whole_sheet=True``, a separate set of photos): the paper is photographed
  whole, lying on the table, which shows all round: the page above is shrunk to cover 30-90 % of
  the photo's area and placed at random at least 2 % of the side from its borders, on a table of
  0.10-0.35 (light ink: a light frame of 0.80-0.95, as a dark canvas in a light window).
- **Optics and sensor**: a Gaussian blur of σ 0.4-1.0 px (scaled with the photo above 1000 px),
  sensor noise of σ 1-4 % per channel, then JPEG at quality 60-90.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageFilter

BLACK_PEN = (0.10, 0.10, 0.12)
BLUE_PEN = (0.15, 0.20, 0.55)
_NOISE_TILE = 509  # side of the noise tile (a prime, so repeats do not line up with 8x8 blocks)


def make_photo(
    digits: list[np.ndarray], side: int, rng: np.random.Generator, whole_sheet: bool = False
) -> tuple[bytes, list[tuple[int, int, int, int]]]:
    """A JPEG photo of ``digits`` (each (h, w) float32 in [0, 1], white ink on black) written
    left to right, on a sheet photographed whole when ``whole_sheet``; returns its bytes and
    each digit's box ``(left, top, right, bottom)``."""
    width, height = (side, side) if side <= 64 else (side, round(side * 3 / 4))
    light_ink = rng.random() < 0.1
    edge = None if light_ink or rng.random() < 0.5 else _edge(rng)
    ink, boxes = _writing(digits, width, height, edge, rng)
    small = (max(2, width // 16), max(2, height // 16))
    light = _light(small, rng, shadow=not light_ink)
    if light_ink:
        ground = np.full(3, rng.uniform(0.05, 0.15), np.float32)
        pen = np.full(3, rng.uniform(0.85, 0.95), np.float32)
    else:
        ground = np.clip(rng.uniform(0.75, 0.95) + rng.uniform(-0.04, 0.04, 3), 0, 1)
        pen = np.array(BLUE_PEN if rng.random() < 0.5 else BLACK_PEN)
        ink *= np.float32(rng.uniform(0.8, 1.0))
    texture = 1 + 0.02 * _field(small, rng)
    light_full = _enlarge(light * texture, (width, height))
    table = None if edge is None else _enlarge(_edge_mask(edge, small), (width, height))
    light_full = light_full * np.float32(255)
    channels = []
    for c in range(3):  # in place: a 12-megapixel photo has large channels
        paper = ground[c] if table is None else ground[c] + (edge[3] - ground[c]) * table
        value = ink * np.float32(pen[c] - paper) if table is None else (pen[c] - paper) * ink
        value += paper  # paper * (1 - ink) + pen * ink: between the two, never negative
        value *= light_full
        np.minimum(value, 255, out=value)
        channels.append(value.astype(np.uint8))
    photo = Image.fromarray(np.stack(channels, axis=2))
    if whole_sheet:
        photo, boxes = _on_table(photo, boxes, light_ink, rng)
    sigma = rng.uniform(0.4, 1.0) * max(1.0, side / 1000)
    photo = photo.filter(ImageFilter.GaussianBlur(sigma))
    photo = _add_noise(np.asarray(photo), rng.uniform(0.01, 0.04), rng)
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, "JPEG", quality=int(rng.integers(60, 91)))
    return buffer.getvalue(), boxes


def _on_table(
    photo: Image.Image, boxes: list, light_ink: bool, rng: np.random.Generator
) -> tuple[Image.Image, list]:
    """``photo`` shrunk onto a table of its own size (see the module text), and the boxes moved
    with it."""
    width, height = photo.size
    scale = np.sqrt(rng.uniform(0.3, 0.9))
    inner = (max(1, round(width * scale)), max(1, round(height * scale)))
    margin = 0.02 * max(width, height)
    left = round(rng.uniform(margin, max(margin, width - inner[0] - margin)))
    top = round(rng.uniform(margin, max(margin, height - inner[1] - margin)))
    tone = rng.uniform(0.80, 0.95) if light_ink else rng.uniform(0.10, 0.35)
    table = Image.new("RGB", (width, height), (round(255 * tone),) * 3)
    table.paste(photo.resize(inner, Image.Resampling.BILINEAR), (left, top))
    moved = [(round(left + a * scale), round(top + b * scale), round(left + c * scale),
              round(top + d * scale)) for a, b, c, d in boxes]  # fmt: skip
    return table, moved


def _edge(rng: np.random.Generator) -> tuple[int, float, float, float]:
    """A table strip: (side 0-3: left, right, top, bottom), width fraction, slant, brightness."""
    return (int(rng.integers(4)), rng.uniform(0.03, 0.12), rng.uniform(-0.03, 0.03),
            rng.uniform(0.10, 0.35))  # fmt: skip


def _edge_mask(edge: tuple, shape_size: tuple[int, int]) -> np.ndarray:
    """Where the table shows, (h, w) float32 0 or 1, on a grid of ``shape_size`` (width, height)."""
    side, fraction, slant, _ = edge
    w, h = shape_size
    y, x = np.mgrid[0:h, 0:w]
    u, v = (x + 0.5) / w, (y + 0.5) / h
    along, across = (v, u) if side < 2 else (u, v)
    depth = across if side % 2 == 0 else 1 - across
    return (depth < fraction + slant * (along - 0.5)).astype(np.float32)


def _writing(
    digits: list[np.ndarray], width: int, height: int, edge: tuple | None, rng: np.random.Generator
) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """The ink of the digits placed on the photo: (height, width) float32 in [0, 1], and boxes."""
    tall = rng.uniform(0.6, 0.75) if max(width, height) <= 64 else rng.uniform(0.25, 0.7)
    digit_height = max(4, round(tall * height))
    angle = rng.uniform(-6, 6)
    shaped = [_fit(d, digit_height, angle) for d in digits]
    gaps = [round(rng.uniform(0.1, 0.3) * digit_height) for _ in shaped[1:]]
    total = sum(s.shape[1] for s in shaped) + sum(gaps)
    margin_x, margin_y = _margins(edge, width, height)
    tallest = max(s.shape[0] for s in shaped)
    # A long number on a narrow photo, or writing beside the table: smaller digits, all on the
    # paper (within the margins).
    free_x, free_y = width - sum(margin_x), height - sum(margin_y)
    # 2 % to spare: each digit's width is rounded after it is scaled.
    scale = min(1.0, 0.8 * width / total, 0.98 * free_x / total, 0.98 * free_y / tallest)
    if scale < 1:
        shaped = [_fit(d, max(4, round(digit_height * scale)), angle) for d in digits]
        gaps = [round(g * scale) for g in gaps]
        total = sum(s.shape[1] for s in shaped) + sum(gaps)
        tallest = max(s.shape[0] for s in shaped)
    x = _place(total, width, margin_x, rng)
    y0 = _place(tallest, height, margin_y, rng)
    ink = np.zeros((height, width), np.float32)
    boxes = []
    for k, s in enumerate(shaped):
        h, w = s.shape
        y = y0 + (tallest - h) // 2
        region = ink[y : y + h, x : x + w]
        region[...] = np.maximum(region, s[: region.shape[0], : region.shape[1]])
        boxes.append((x, y, x + w, y + h))
        x += w + (gaps[k] if k < len(gaps) else 0)
    return ink, boxes


def _margins(
    edge: tuple | None, width: int, height: int
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Free space (before, after) along x and y that the writing keeps away from the borders."""
    mx, my = [max(1, round(0.05 * width))] * 2, [max(1, round(0.05 * height))] * 2
    if edge is not None:
        side, fraction = edge[0], edge[1] + 0.05
        if side < 2:
            mx[side] = max(mx[side], round(fraction * width) + 1)
        else:
            my[side - 2] = max(my[side - 2], round(fraction * height) + 1)
    return (mx[0], mx[1]), (my[0], my[1])


def _place(length: int, room: int, margins: tuple[int, int], rng: np.random.Generator) -> int:
    low, high = margins[0], room - margins[1] - length
    if high < low:
        return max(0, (room - length) // 2)
    return int(rng.integers(low, high + 1))


def _fit(digit: np.ndarray, height: int, angle: float) -> np.ndarray:
    """``digit`` turned by ``angle`` degrees, cropped to its ink and scaled to ``height`` px."""
    image = Image.fromarray(np.asarray(digit, np.float32))
    image = image.rotate(angle, Image.Resampling.BILINEAR, expand=True)
    array = np.asarray(image)
    rows = np.flatnonzero(array.max(axis=1) > 0.05)
    cols = np.flatnonzero(array.max(axis=0) > 0.05)
    crop = array[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    width = max(1, round(crop.shape[1] * height / crop.shape[0]))
    resized = Image.fromarray(np.ascontiguousarray(crop)).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    return np.clip(np.asarray(resized, np.float32), 0, 1)


def _field(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A smooth random field in about [-1, 1] on a grid of ``size`` (width, height)."""
    coarse = rng.uniform(-1, 1, (max(2, size[1] // 8), max(2, size[0] // 8))).astype(np.float32)
    return np.asarray(Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC))


def _light(size: tuple[int, int], rng: np.random.Generator, shadow: bool) -> np.ndarray:
    """How much light falls on each point, (h, w) float32 in (0, 1], on a grid of ``size``."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = (x + 0.5) / w - 0.5, (y + 0.5) / h - 0.5
    turn = rng.uniform(0, 2 * math.pi)
    along = u * math.cos(turn) + v * math.sin(turn)  # -0.7 .. 0.7
    light = 1 - rng.uniform(0, 0.35) * (along + 0.71) / 1.42
    light *= 1 - rng.uniform(0, 0.3) * (u * u + v * v) / 0.5
    if shadow and rng.random() < 0.5:
        turn = rng.uniform(0, 2 * math.pi)
        distance = u * math.cos(turn) + v * math.sin(turn) - rng.uniform(-0.3, 0.3)
        softness = rng.uniform(0.10, 0.25)
        fade = 1 / (1 + np.exp(-distance / (softness / 4)))
        light *= 1 - rng.uniform(0.2, 0.45) * fade
    return light.astype(np.float32)


def _enlarge(field: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    image = Image.fromarray(np.asarray(field, np.float32))
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR), np.float32)


_tiles: dict[int, np.ndarray] = {}


def _add_noise(photo: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """``photo`` (h, w, 3) uint8 plus Gaussian noise of ``sigma`` (of full scale) per channel.
    The noise is a fixed random tile repeated from a random offset: per pixel it is as random
    as fresh noise, and a 12-megapixel photo costs no 36 million draws."""
    if 0 not in _tiles:
        _tiles[0] = np.random.default_rng(0).standard_normal((_NOISE_TILE, _NOISE_TILE, 3))
    tile = np.round(_tiles[0] * (sigma * 255)).astype(np.int16)  # in 8-bit steps
    h, w, _ = photo.shape
    dy, dx = rng.integers(_NOISE_TILE, size=2)
    reps = (-(-(h + dy) // _NOISE_TILE), -(-(w + dx) // _NOISE_TILE), 1)
    noisy = np.tile(tile, reps)[dy : dy + h, dx : dx + w]
    noisy += photo
    np.clip(noisy, 0, 255, out=noisy)
    return noisy.astype(np.uint8)
