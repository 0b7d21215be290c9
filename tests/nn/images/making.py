"""A small photo maker for the tests, independent of the benchmark's: digits as dark ink on a
light page lit from one side, made with NumPy and Pillow and saved as JPEG or PNG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

from nn.data.mnist import load_sample

PAGE = (480, 360)
"""(width, height) of the photos, in pixels."""


def sample_digit(label: int, nth: int = 0) -> np.ndarray:
    """The ``nth`` committed test-sample digit of ``label``: (28, 28) float32, white on black."""
    test = load_sample().test
    index = np.flatnonzero(test.labels == label)[nth]
    return test.images[index].reshape(28, 28)


def enlarge(digit: np.ndarray, height: int) -> np.ndarray:
    """A (28, 28) digit scaled to ``height`` x ``height`` pixels (bilinear), float32 in [0, 1]."""
    image = Image.fromarray((digit * 255).astype(np.uint8)).resize((height, height), Image.BILINEAR)
    return np.asarray(image, np.float32) / 255


def page(
    size: tuple[int, int] = PAGE, light_from: float = 0.95, light_to: float = 0.6
) -> np.ndarray:
    """A grey page, (h, w) float32, its brightness falling from left to right."""
    width, height = size
    return np.tile(np.linspace(light_from, light_to, width, dtype=np.float32), (height, 1))


def write(
    page_image: np.ndarray, ink: np.ndarray, top: int, left: int, darkness: float = 0.85
) -> None:
    """Write ``ink`` (white on black, in [0, 1]) dark on ``page_image`` at (top, left), in place:
    the page's brightness is multiplied by ``1 - darkness * ink``."""
    h, w = ink.shape
    page_image[top : top + h, left : left + w] *= 1 - darkness * ink


def blue_pen(grey: np.ndarray) -> np.ndarray:
    """A grey page with dark ink → RGB uint8 where the ink is blue: paper stays white-ish."""
    rgb = np.stack([grey**1.6, grey**1.3, grey**0.5], axis=2)
    return (np.clip(rgb, 0, 1) * 255).astype(np.uint8)


def encoded(pixels: np.ndarray, kind: str = "JPEG", quality: int = 75) -> bytes:
    """``pixels`` (float grey in [0, 1], or uint8 grey or RGB) encoded as ``kind``."""
    if pixels.dtype != np.uint8:
        pixels = (np.clip(pixels, 0, 1) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    options = {"quality": quality} if kind == "JPEG" else {}
    Image.fromarray(pixels).save(buffer, kind, **options)
    return buffer.getvalue()


def photo_of_digit(
    label: int, nth: int = 0, height: int = 200
) -> tuple[np.ndarray, tuple[int, int]]:
    """A page with the sample digit ``label`` written ``height`` px tall; returns the page and
    where the digit's 28x28 field was put (top, left)."""
    image = page()
    top, left = (PAGE[1] - height) // 2, (PAGE[0] - height) // 2
    write(image, enlarge(sample_digit(label, nth), height), top, left)
    return image, (top, left)


def small_photo(digit: np.ndarray, light_ink: bool = False, blur: float = 0.7) -> np.ndarray:
    """A 28 x 28 photo of a (28, 28) MNIST digit at its own size, as a phone shot from afar
    sees it: dark ink on paper lit from one side (or light ink on a dark ground), blurred by
    ``blur`` px (Gaussian σ). Returns uint8 grey, to encode."""
    paper = page((28, 28), 0.9, 0.7)
    ink = 1 - 0.8 * digit
    grey = 1 - paper * ink if light_ink else paper * ink
    image = Image.fromarray((grey * 255).astype(np.uint8))
    return np.asarray(image.filter(ImageFilter.GaussianBlur(blur)))


def on_table(
    image: np.ndarray, share: float, table: float
) -> tuple[np.ndarray, tuple[slice, slice]]:
    """The (h, w) grey ``image`` of a page photographed whole: shrunk to ``share`` of the photo's
    area and placed off-centre on a ground of brightness ``table`` that shows all round, the
    photo the same size as ``image``. Returns float32 grey in [0, 1] and where the page is."""
    h, w = image.shape
    scale = np.sqrt(share)
    inner = (round(w * scale), round(h * scale))
    shrunk = Image.fromarray((image * 255).astype(np.uint8)).resize(inner, Image.BILINEAR)
    photo = np.full((h, w), table, np.float32)
    top, left = (h - inner[1]) // 3, (w - inner[0]) * 2 // 3
    where = (slice(top, top + inner[1]), slice(left, left + inner[0]))
    photo[where] = np.asarray(shrunk, np.float32) / 255
    return photo, where
