"""Opening a photo or scan safely: a file, bytes or a Pillow image → a small grey NumPy image.

Image files come from users, so nothing they declare is trusted: only a regular file is opened
(:func:`nn.files.open_regular_file`), only the formats a camera, scanner or screenshot makes
(PNG, JPEG, BMP, GIF, TIFF, WebP) are decoded, and the size in the header is checked before any
pixel is: :data:`MAX_PIXELS` or more is refused, so a small file claiming a huge image costs
nothing. Every failure is one :class:`ImageReadError` naming the image.

Photos are shrunk as they are decoded: a JPEG decodes at 1/2, 1/4 or 1/8 of its size when that is
still at least :data:`WORKING_SIDE` (``Image.draft``), other formats are box-reduced by an integer
factor, then resized so the longer side is between :data:`MIN_WORKING_SIDE` and
:data:`WORKING_SIDE` pixels. Later steps never see more pixels than that, which keeps a
12-megapixel photo quick to read.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from nn.files import NotARegularFileError, open_regular_file

MAX_PIXELS = 50_000_000
"""Images of this many pixels (width x height, from the header) or more are refused."""

WORKING_SIDE = 1000
"""The longest side, in pixels, an image is shrunk to before it is cleaned."""

MIN_WORKING_SIDE = 280
"""Smaller images are enlarged to this longest side (as large as the drawing canvas), so a tiny
image's strokes are several pixels wide when the ink is separated from the paper."""

FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
"""Pillow formats decoded (JPEG includes MPO, the variant many phones write)."""

PASTED = "the pasted image"
"""How an image given as bytes or as a Pillow image is named in messages, unless named."""


class ImageReadError(ValueError):
    """An image that cannot be read as handwriting; the message names it and says why in one
    line."""


@dataclass(frozen=True)
class GreyImage:
    """An image ready to clean: ``pixels`` (h, w) float32 in [0, 1] (0 black, 1 white) at the
    working size, ``size`` the original image's ``(width, height)`` in pixels (after its EXIF
    orientation is applied) and ``name`` for messages."""

    pixels: np.ndarray
    size: tuple[int, int]
    name: str

    @property
    def scale(self) -> float:
        """Original pixels per working pixel (the same along both axes, up to rounding)."""
        return self.size[0] / self.pixels.shape[1]


ImageSource = str | Path | bytes | bytearray | memoryview | Image.Image
"""What :func:`read_grey` takes: a file path, an encoded image in memory, or a Pillow image."""


def read_grey(source: ImageSource, name: str | None = None) -> GreyImage:
    """Open ``source`` and return it grey at the working size. ``name`` is what messages call
    it (default: the path, or :data:`PASTED`).

    Colour becomes grey as the darkest of the red, green and blue values of each pixel, so a
    blue or red pen stays as dark as a black one; transparent areas count as white paper.
    Raises :class:`ImageReadError` for anything that cannot be read this way.
    """
    if isinstance(source, Image.Image):
        return _from_pil(source, name or PASTED)
    if isinstance(source, bytes | bytearray | memoryview):
        with io.BytesIO(bytes(source)) as handle:
            return _decode(handle, name or PASTED)
    path = Path(source)
    label = name or str(path)
    try:
        handle = open_regular_file(path)
    except NotARegularFileError as error:
        raise ImageReadError(f"{label} is {error.kind}, not an image file") from None
    except FileNotFoundError:
        raise ImageReadError(f"{label}: no such file") from None
    except OSError as error:
        raise ImageReadError(f"{label}: {error.strerror or error}") from None
    with handle:
        return _decode(handle, label)


def _decode(handle: io.IOBase, name: str) -> GreyImage:
    """Decode the image in the open binary ``handle``, shrinking while decoding."""
    with warnings.catch_warnings():
        # Pillow warns about oddities it reads past (EXIF, palettes); the size is checked here.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(handle, formats=FORMATS)
            header_size = image.size
            _check_size(header_size, name)
            image.draft("RGB", _draft_size(header_size))  # a JPEG decodes at 1/2, 1/4 or 1/8
            image.load()
            return _from_pil(image, name, original=_upright(image, header_size))
        except ImageReadError:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise ImageReadError(f"{name} is too large: {MAX_PIXELS:,} pixels at most") from None
        except Image.UnidentifiedImageError:
            raise ImageReadError(f"{name} is not an image in a format read here "
                                 f"({', '.join(_FORMAT_NAMES)})") from None  # fmt: skip
        except MemoryError:
            raise ImageReadError(f"{name}: not enough memory to decode it") from None
        except Exception as error:  # a damaged file: Pillow raises many kinds
            raise ImageReadError(f"{name} is damaged or truncated ({_why(error)})") from None


_FORMAT_NAMES = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WebP")


def _why(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:120]


def _check_size(size: tuple[int, int], name: str) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ImageReadError(f"{name} has no pixels ({width} x {height})")
    if width * height >= MAX_PIXELS:
        raise ImageReadError(
            f"{name} is too large: {width:,} x {height:,} pixels, "
            f"less than {MAX_PIXELS // 1_000_000} megapixels allowed"
        )


def _draft_size(size: tuple[int, int]) -> tuple[int, int]:
    """The smallest size a JPEG may be decoded at: the longer side at least WORKING_SIDE."""
    width, height = size
    factor = min(1.0, WORKING_SIDE / max(width, height))
    return max(1, round(width * factor)), max(1, round(height * factor))


_TRANSPOSED = (5, 6, 7, 8)  # EXIF orientations that swap width and height


def _upright(image: Image.Image, size: tuple[int, int]) -> tuple[int, int]:
    """``size`` (width, height) as the photo is meant to be seen, after its EXIF orientation."""
    try:
        orientation = image.getexif().get(0x0112, 1)
    except Exception:  # a damaged EXIF block: the pixels are still good
        orientation = 1
    return (size[1], size[0]) if orientation in _TRANSPOSED else size


def _from_pil(image: Image.Image, name: str, original: tuple[int, int] | None = None) -> GreyImage:
    """A loaded Pillow image → :class:`GreyImage`; ``original`` is its full upright size when it
    was decoded smaller (default: its own upright size)."""
    _check_size(image.size, name)
    original = original or _upright(image, image.size)
    with contextlib.suppress(Exception):  # a damaged EXIF block: the pixels are still good
        image = ImageOps.exif_transpose(image) or image
    grey = _grey(image)
    working = _working_size(grey.size)
    factor = max(1, min(grey.size[0] // working[0], grey.size[1] // working[1]))
    if factor > 1:
        grey = grey.reduce(factor)  # box average: quick and anti-aliased
    if grey.size != working:
        grey = grey.resize(working, Image.Resampling.BILINEAR, reducing_gap=2.0)
    pixels = np.asarray(grey, dtype=np.float32) * np.float32(1 / 255)
    return GreyImage(pixels, original, name)


def _working_size(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    longest = max(width, height)
    target = min(max(longest, MIN_WORKING_SIDE), WORKING_SIDE)
    factor = target / longest
    return max(1, round(width * factor)), max(1, round(height * factor))


def _grey(image: Image.Image) -> Image.Image:
    """An 8-bit grey ("L") image: the darkest channel of colour, transparency as white."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        values = np.asarray(image, dtype=np.float32)
        low, high = float(values.min()), float(values.max())
        span = high - low if high > low else 1.0
        return Image.fromarray(((values - low) * (255 / span)).astype(np.uint8))
    if image.mode == "1":
        return image.convert("L")
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    if image.mode == "L":
        return image
    rgb = np.asarray(image.convert("RGB"))
    return Image.fromarray(rgb.min(axis=2))
