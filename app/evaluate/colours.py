"""The Evaluate tab's colours, derived from the palette so light and dark themes both read well.

Two scales: ten categorical colours for the digits (the map and its legend) and a sequential
scale for the confusion matrix, running from the palette's background to a deep (light theme)
or bright (dark theme) blue, with the cell's text colour chosen for contrast.
"""

from __future__ import annotations

import math

from PySide6.QtGui import QColor, QPalette

from app.widgets.plotting import background_colour, is_dark

# Tableau's ten categorical colours: distinct for most colour vision, and on white or black.
_DIGIT_RGB = (
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
)
_SCALE_LIGHT = ((107, 174, 214), (8, 48, 107))  # mid and end of the light theme's blues
_SCALE_DARK = ((33, 102, 172), (198, 219, 239))  # on a dark background, more = brighter

SHARE_DECADES = 3
"""The confusion colour scale is logarithmic over this many decades of a row's share: 0.1 % of a
digit's images is already visible, 100 % is the end of the scale."""


def digit_colours(palette: QPalette) -> list[QColor]:
    """Ten colours, one per digit 0–9; a little lighter on a dark background."""
    colours = [QColor(*rgb) for rgb in _DIGIT_RGB]
    if is_dark(palette):
        colours = [colour.lighter(125) for colour in colours]
    return colours


def share_to_scale(share: float) -> float:
    """Where a cell holding ``share`` (0–1) of its row's images sits on the colour scale (0–1):
    logarithmic, so that a few mistakes stand out against the dominant diagonal."""
    if not share > 0:  # 0, or NaN for a digit without images
        return 0.0
    return math.log10(1 + (10**SHARE_DECADES - 1) * min(share, 1.0)) / SHARE_DECADES


def scale_colour(palette: QPalette, t: float) -> QColor:
    """The confusion scale's colour at ``t`` in [0, 1]: the palette's background at 0."""
    stops = [
        background_colour(palette).getRgb()[:3],
        *(_SCALE_DARK if is_dark(palette) else _SCALE_LIGHT),
    ]
    t = min(max(t, 0.0), 1.0) * (len(stops) - 1)
    low = min(int(t), len(stops) - 2)
    f = t - low
    rgb = [round(a + (b - a) * f) for a, b in zip(stops[low], stops[low + 1])]
    return QColor(*rgb)


def text_on(colour: QColor) -> QColor:
    """Black or white, whichever reads better on ``colour`` (by relative luminance)."""
    r, g, b = (_linear(c) for c in colour.getRgbF()[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return QColor(0, 0, 0) if luminance > 0.18 else QColor(255, 255, 255)


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
