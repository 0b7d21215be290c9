"""Draw the application icon and write it as PNG (Linux), ICO (Windows) and ICNS (macOS).

A hand-drawn "7" in white round-capped strokes on a blue rounded square, the way a person draws a
digit on the app's canvas. Run from anywhere; it rewrites ``icon.png``, ``icon.ico`` and
``icon.icns`` beside this file::

    .venv/bin/python resources/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
SIZE = 1024  # drawn at 4x the largest PNG, then scaled down with anti-aliasing
TOP, BOTTOM = (37, 99, 235), (30, 58, 138)  # a vertical gradient, light blue to deep blue
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]

# The digit's strokes in units of the icon's side: a slightly curved top bar, then the downstroke.
TOP_BAR = [(0.30, 0.32), (0.42, 0.305), (0.55, 0.298), (0.70, 0.30)]
DOWNSTROKE = [(0.70, 0.30), (0.62, 0.45), (0.54, 0.61), (0.47, 0.76)]
CROSS_BAR = [(0.45, 0.53), (0.66, 0.53)]
PEN = 0.085  # pen width, as on the canvas (about 8 % of the width)


def _gradient_square() -> Image.Image:
    """The rounded square, filled with the top-to-bottom gradient, on a transparent ground."""
    gradient = Image.new("RGB", (1, SIZE))
    for y in range(SIZE):
        t = y / (SIZE - 1)
        gradient.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM)))
    fill = gradient.resize((SIZE, SIZE))
    mask = Image.new("L", (SIZE, SIZE), 0)
    margin = round(SIZE * 0.06)
    ImageDraw.Draw(mask).rounded_rectangle(
        (margin, margin, SIZE - margin, SIZE - margin), radius=round(SIZE * 0.2), fill=255
    )
    icon = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    icon.paste(fill, (0, 0), mask)
    return icon


def _stroke(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]]) -> None:
    """A white polyline with round caps and joins (a dot at every point)."""
    width = round(SIZE * PEN)
    pixels = [(x * SIZE, y * SIZE) for x, y in points]
    draw.line(pixels, fill="white", width=width, joint="curve")
    r = width / 2
    for x, y in pixels:
        draw.ellipse((x - r, y - r, x + r, y + r), fill="white")


def draw_icon() -> Image.Image:
    """The icon at ``SIZE`` pixels, RGBA."""
    icon = _gradient_square()
    draw = ImageDraw.Draw(icon)
    for stroke in (TOP_BAR, DOWNSTROKE, CROSS_BAR):
        _stroke(draw, stroke)
    return icon


def main() -> None:
    big = draw_icon()
    png = big.resize((256, 256), Image.Resampling.LANCZOS)
    png.save(HERE / "icon.png", optimize=True)
    png.save(HERE / "icon.ico", sizes=ICO_SIZES)
    big.resize((512, 512), Image.Resampling.LANCZOS).save(HERE / "icon.icns")
    for name in ("icon.png", "icon.ico", "icon.icns"):
        print(f"{HERE / name}: {(HERE / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
