"""A grey photo or scan → clean ink: white (1) on black (0), paper, light and specks gone.

The steps, on the working-size grey image of :mod:`nn.images.reading` (longest side at most
1000 px):

1. **Polarity.** The paper is the majority: on a 1/5-scale copy, each pixel is compared with the
   median of its neighbourhood (about a quarter of the image), and whichever side (darker or
   lighter) deviates more in total, beyond the noise, is the ink. Light ink (chalk, a
   white-on-black screenshot) is inverted, so from here on the ink is dark on light paper.
   Paper on a dark table with the table showing all round, or a screenshot's dark frame around
   a white canvas, can outvote the paper. Then the paper, taken for ink, is wider than the
   window of step 2 can fill, so a dark area is left inside the paper's estimated brightness
   (:class:`PaperZones`); the other polarity is tried then, and taken when it leaves no such
   area. Only for photos of at least :data:`CROPPED_PHOTO` pixels: in a crop of a digit, a bold
   stroke may be that wide.
2. **Evening the light.** The paper's brightness is estimated on a copy of about 64 px: a grey
   *closing* (the largest value around each pixel, then the smallest, over about a fifth of the
   image) removes the ink but keeps gradients, vignettes, soft shadows and large dark areas.
   A photo smaller than :data:`SMALL_PHOTO` pixels is closed over about a quarter of the image
   instead: its digit fills most of the frame and the blur of the optics, a pixel or so, is as
   wide as a stroke, so strokes are wider for the image's size.
   Light falls on ink and paper alike, so the ink's *contrast* is ``1 - grey / paper`` (0 on
   paper, near 1 for black ink), whatever the light.
3. **Separating ink.** The threshold is :data:`MIN_CONTRAST` or five times the noise (from the
   median absolute deviation of the contrast), whichever is larger. Ink keeps its grey edge: the
   contrast is mapped linearly from the threshold (0) to the typical contrast of the ink's
   pixels (1).
4. **Paper edges and specks.** Pieces of ink (8-connected) touching the frame, or the rim of a
   table showing around the paper (:class:`PaperZones`), along a fifth of a side, or spanning
   most of the image while other writing (more than specks) does not, are the table or a paper
   edge; pieces with fewer pixels above the threshold than
   :data:`SPECK_FRACTION` of the largest are specks, and pieces whose mean ink is below
   :data:`FAINT_PIECE` of the darkest piece's are the rim of a shadow, a smudge or the line where
   the paper meets the table. All these go.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

from nn.images.components import Components, label_components

MIN_CONTRAST = 0.2
"""The least contrast (1 - grey / paper) that counts as ink: pencil on paper reaches 0.3."""

NOISE_FACTOR = 5.0
"""The threshold is at least this many noise deviations above the paper."""

LOW_FRACTION = 0.5
"""Around a pixel above the threshold, ink reaches down to this fraction of it."""

SPECK_FRACTION = 0.02
"""Pieces with fewer pixels above the threshold than this fraction of the largest piece's are
specks."""

FAINT_PIECE = 0.4
"""Pieces whose ink (0 to 1, as mapped in step 3) averages less than this fraction of the
darkest kept piece's average are not writing: strokes of one pen are alike (digits of MNIST in
photos made by ``bench/photo_model.py`` average 0.6-0.75), while the rim of a shadow or a smudge
barely crosses the threshold (0.15-0.2)."""

BORDER_RUN = 0.2
"""A piece touching a side of the image along this fraction of it is a paper edge."""

TABLE_LEVEL = 0.45
"""Where the paper's estimated brightness is below this fraction of its brightest (90th
percentile), reaching the image's border, may be a table or a frame around the paper (or a deep
shadow: see :class:`PaperZones`)."""

_TABLE_REACH = 3  # pixels the table zone is grown by, to meet the ring of false ink beside it

INSIDE_AREA = 0.08
"""A dark part of the paper's brightness away from the border this large (fraction of the image)
is an area wider than ink, which tells that the polarity is wrong (step 1): the paper of a sheet
photographed whole covers a third of the photo or more, while the widest strokes of a bold digit
leave a few per cent."""

TWO_LEVELS = 0.15
"""The paper's brightness must span at least this much (5th to 95th percentile, 0 to 1) for a
dark part of it to count as an area apart (:class:`PaperZones`)."""

SPANNING = 0.85
"""A piece touching the frame and this long (fraction of the image's width or height) is a
paper edge when other pieces are not."""

_PAPER_SIDE = 64  # pixels of the copy the paper's brightness is estimated on
_PAPER_WINDOW = 13  # its closing window, in those pixels: about a fifth of the image
_SMALL_PAPER_WINDOW = 17  # for a photo smaller than SMALL_PHOTO: about a quarter
_POLARITY_SIDE = 200
_POLARITY_WINDOW = 13  # in pixels of a 50-px copy: about a quarter of the image

CROPPED_PHOTO = 128
"""Photos whose longer side is shorter than this (in pixels, as taken) are crops of a digit,
whose ink is never taken for paper on a table (see step 1)."""

SMALL_PHOTO = 48
"""Photos whose longer side is shorter than this (in pixels, as taken) have their paper
estimated over a wider window (see step 2)."""


@dataclass(frozen=True)
class CleanInk:
    """``ink``: (h, w) float32 in [0, 1], white ink on black, only the kept pieces.
    ``pieces``: the labelled pieces of ink (before any was dropped); ``kept``: (n,) bool per
    piece. ``inverted``: the image had light ink on a dark ground."""

    ink: np.ndarray
    pieces: Components
    kept: np.ndarray
    inverted: bool


def clean(grey: np.ndarray, taken_side: int | None = None) -> CleanInk:
    """Clean the (h, w) float32 ``grey`` image (0 black, 1 white); see the module text.
    ``taken_side``: the longer side of the photo as taken, in pixels (default: the image's)."""
    grey = np.asarray(grey, dtype=np.float32)
    taken_side = max(grey.shape) if taken_side is None else taken_side
    small = taken_side < SMALL_PHOTO
    inverted = has_light_ink(grey)
    found, zones = _separate(grey, inverted, small)
    if taken_side >= CROPPED_PHOTO and zones.inside:
        other, other_zones = _separate(grey, not inverted, small)
        if not other_zones.inside:
            return other
    return found


def _separate(grey: np.ndarray, inverted: bool, small: bool) -> tuple[CleanInk, PaperZones]:
    """Steps 2-4 on ``grey``, inverted first when ``inverted``; ``small`` as in step 2."""
    if inverted:
        grey = 1.0 - grey
    paper = paper_brightness(grey, _SMALL_PAPER_WINDOW if small else _PAPER_WINDOW)
    zones = PaperZones.of(paper)
    contrast = _smooth(ink_contrast(grey, paper))
    low, high = ink_thresholds(contrast)
    ink = soft_ink(contrast, low, high)
    pieces = label_components(ink > 0)
    kept = _kept_pieces(pieces, contrast, high, zones.table_rim)
    kept &= ~_faint_pieces(pieces, ink, kept)
    keep = np.concatenate([[False], kept])
    ink = np.where(keep[pieces.labels], ink, np.float32(0))
    return CleanInk(ink, pieces, kept, inverted), zones


def has_light_ink(grey: np.ndarray) -> bool:
    """True when the minority colour of the (h, w) ``grey`` image is lighter than the majority."""
    small = _shrink(grey, _POLARITY_SIDE)
    local = _upscale(_median_filter(_shrink(small, 50), _POLARITY_WINDOW), small.shape)
    deviation = small - local
    noise = 1.4826 * float(np.median(np.abs(deviation - np.median(deviation))))
    margin = 3 * noise + 0.02
    darker = float(np.clip(-deviation - margin, 0, None).sum())
    lighter = float(np.clip(deviation - margin, 0, None).sum())
    return lighter > darker


def ink_contrast(grey: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """``1 - grey / paper`` in [0, 1] for dark ink on light paper, (h, w) float32; ``paper``:
    the paper's brightness, (h, w) (:func:`paper_brightness`)."""
    return np.clip(1.0 - grey / np.maximum(paper, np.float32(0.05)), 0.0, 1.0).astype(np.float32)


def paper_brightness(grey: np.ndarray, window: int = _PAPER_WINDOW) -> np.ndarray:
    """The paper's brightness under each pixel, (h, w) float32: a grey closing of a copy of
    about 64 px over ``window`` x ``window`` of its pixels, enlarged back."""
    small = _shrink(grey, _PAPER_SIDE)
    closed = _min_filter(_max_filter(small, window), window)
    return _upscale(closed, grey.shape)


@dataclass(frozen=True)
class PaperZones:
    """The dark parts of the paper's estimated brightness.

    ``table_rim``: (h, w) bool, :data:`_TABLE_REACH` pixels wide just outside the parts darker
    than :data:`TABLE_LEVEL` of the brightest paper (90th percentile) that reach the image's
    border (a table or a frame around the paper, or a deep shadow). The closing that estimates
    the paper spreads the paper's brightness a little way onto a dark surround, so a ring of the
    surround looks like ink along this rim; pieces lying along it are dropped with the paper
    edges. Writing in a dark corner lies inside such a part, not along its rim.
    ``inside``: the paper's brightness has two levels (its 5th and 95th percentiles at least
    :data:`TWO_LEVELS` apart) and a part darker than halfway between them, at least
    :data:`INSIDE_AREA` of the image, does not reach the border: an area darker than its
    surroundings and too wide to be ink (the paper itself, when the polarity is wrong)."""

    table_rim: np.ndarray
    inside: bool

    @classmethod
    def of(cls, paper: np.ndarray) -> PaperZones:
        """The zones of ``paper``, the paper's brightness (h, w) (:func:`paper_brightness`)."""
        table = _parts_reaching_border(paper < TABLE_LEVEL * float(np.percentile(paper, 90)))
        rim = _max_filter(table, 2 * _TABLE_REACH + 1) & ~table  # grown, less the zone
        small = _shrink(paper, _PAPER_SIDE)
        low, high = np.percentile(small, [5, 95])
        inside = False
        if high - low >= TWO_LEVELS:
            dark = small < (low + high) / 2
            away = dark & ~_parts_reaching_border(dark)
            inside = bool(away.mean() >= INSIDE_AREA)
        return cls(rim, inside)


def _parts_reaching_border(mask: np.ndarray) -> np.ndarray:
    """The parts of the (h, w) bool ``mask`` (8-connected) that reach the image's border."""
    if not mask.any():
        return mask
    parts = label_components(mask)
    labels = parts.labels
    reaching = _on_border(labels, len(parts) + 1)
    reaching[0] = False
    return reaching[labels]


def _on_border(labels: np.ndarray, count: int) -> np.ndarray:
    """(count,) bool: which of the labels 0 to ``count - 1`` occur on the border of the
    (h, w) ``labels``."""
    reaching = np.zeros(count, dtype=bool)
    reaching[np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])] = True
    return reaching


def soft_ink(contrast: np.ndarray, low: float, high: float) -> np.ndarray:
    """Ink in [0, 1] from the contrast: 0 up to ``low``, 1 from the typical contrast of the
    pixels above ``high``, linear between, so strokes keep their anti-aliased edges. (h, w)
    float32."""
    strong = contrast[contrast > high]
    if strong.size == 0:
        return np.zeros_like(contrast)
    full = max(float(np.median(strong)), low + 0.1)
    return np.clip((contrast - low) / (full - low), 0.0, 1.0).astype(np.float32)


def ink_thresholds(contrast: np.ndarray) -> tuple[float, float]:
    """``(low, high)``: a piece of ink is made of pixels above ``low`` and holds at least one
    above ``high``; ``high`` is :data:`MIN_CONTRAST` or :data:`NOISE_FACTOR` noise deviations
    of the paper, whichever is larger, ``low`` is :data:`LOW_FRACTION` of it."""
    sample = contrast[::2, ::2]
    centre = float(np.median(sample))
    noise = 1.4826 * float(np.median(np.abs(sample - centre)))
    high = max(MIN_CONTRAST, centre + NOISE_FACTOR * noise)
    return max(LOW_FRACTION * high, centre + 3 * noise), high


def _smooth(image: np.ndarray) -> np.ndarray:
    """A binomial blur [1, 4, 6, 4, 1] / 16 along each axis (σ = 1 px): sensor noise and JPEG
    blocks fade, strokes a few pixels wide stay."""
    out = np.pad(image, 2, mode="edge")
    for axis in (0, 1):
        n = out.shape[axis] - 4
        part = [np.take(out, range(k, k + n), axis=axis) for k in range(5)]
        out = (part[0] + part[4] + 4 * (part[1] + part[3]) + 6 * part[2]) * np.float32(1 / 16)
    return out


def _kept_pieces(
    pieces: Components, contrast: np.ndarray, high: float, table: np.ndarray
) -> np.ndarray:
    """Which pieces are ink of the writing: (n,) bool. ``table``: (h, w) bool
    (:class:`PaperZones`)."""
    if len(pieces) == 0:
        return np.zeros(0, dtype=bool)
    strong = np.bincount(pieces.labels[contrast > high], minlength=len(pieces) + 1)[1:]
    strong[_paper_edges(pieces, strong, table)] = 0
    return _not_specks(strong)


def _faint_pieces(pieces: Components, ink: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """(n,) bool: pieces whose mean ``ink`` ((h, w) in [0, 1]) is below :data:`FAINT_PIECE` of
    the highest mean among the ``kept`` ((n,) bool) pieces."""
    if not kept.any():
        return np.zeros(len(pieces), dtype=bool)
    total = np.bincount(pieces.labels.ravel(), weights=ink.ravel(), minlength=len(pieces) + 1)
    mean = total[1:] / np.maximum(pieces.area, 1)
    return mean < FAINT_PIECE * mean[kept].max()


def _not_specks(strong: np.ndarray, most: int | None = None) -> np.ndarray:
    """(n,) bool: pieces with at least :data:`SPECK_FRACTION` of ``most`` pixels above the
    threshold (default: the most any piece has; ``strong``, (n,), per piece), and at least 4."""
    most = strong.max() if most is None else most
    return (strong > 0) & (strong >= max(SPECK_FRACTION * most, 4))


def _paper_edges(pieces: Components, strong: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Pieces that are the table, a paper edge or a border rather than writing: (n,) bool.
    ``strong``: (n,) pixels above the threshold per piece, to tell writing from specks;
    ``table``: (h, w) bool, the rim of a table around the paper (:class:`PaperZones`), which
    counts as the image's border."""
    labels = pieces.labels
    h, w = labels.shape
    count = len(pieces) + 1
    along = np.zeros(count, dtype=np.int64)
    for side, length in ((labels[0], w), (labels[-1], w), (labels[:, 0], h), (labels[:, -1], h)):
        on_side = np.bincount(side, minlength=count)
        along = np.maximum(along, np.where(on_side >= BORDER_RUN * length, 1, 0))
    on_table = np.bincount(labels[table], minlength=count)
    along = np.maximum(along, np.where(on_table >= BORDER_RUN * min(h, w), 1, 0))
    touching = (on_table > 0) | _on_border(labels, count)
    touching, along = touching[1:], along[1:].astype(bool)
    spanning = (pieces.bottom - pieces.top >= SPANNING * h) | (
        pieces.right - pieces.left >= SPANNING * w
    )
    long_edge = touching & spanning
    writing = _not_specks(np.where(along | long_edge, 0, strong), most=strong.max())
    if not writing.any():  # only long pieces and specks: a tightly cropped digit, not an edge
        long_edge[:] = False
    return along | long_edge


def _shrink(image: np.ndarray, side: int) -> np.ndarray:
    """A box-averaged copy whose longer side is about ``side`` (the image if not larger)."""
    h, w = image.shape
    factor = max(h, w) / side
    if factor <= 1:
        return image
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BOX), np.float32)


def _upscale(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if image.shape == shape:
        return image
    size = (shape[1], shape[0])
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR), np.float32)


def _windows(image: np.ndarray, size: int) -> np.ndarray:
    """(h, w, size, size) views of the neighbourhoods of each pixel (edges repeated)."""
    half = size // 2
    padded = np.pad(image, half, mode="edge")
    return sliding_window_view(padded, (size, size))


def _max_filter(image: np.ndarray, size: int) -> np.ndarray:
    half = size // 2
    rows = sliding_window_view(np.pad(image, ((0, 0), (half, half)), mode="edge"), size, axis=1)
    across = rows.max(axis=-1)
    cols = sliding_window_view(np.pad(across, ((half, half), (0, 0)), mode="edge"), size, axis=0)
    return cols.max(axis=-1)


def _min_filter(image: np.ndarray, size: int) -> np.ndarray:
    return -_max_filter(-image, size)


def _median_filter(image: np.ndarray, size: int) -> np.ndarray:
    return np.median(_windows(image, size), axis=(-2, -1)).astype(np.float32)
