"""Draws the app's two icons, color.png and outline.png, next to this file.

Run by hand, only when the design changes: it needs Pillow, which is deliberately not a project
dependency (the PNGs are committed), e.g.

    python3 -m venv /tmp/icons && /tmp/icons/bin/pip install pillow
    /tmp/icons/bin/python manifest/make_icons.py

The design is a house with a heart in it: a family supported at home. Teams asks for a 192x192
full-colour icon on a solid (or fully transparent) background, and a 32x32 outline icon with only
white and transparent pixels. Both are drawn large and scaled down, so edges are smooth; in the
outline icon that smoothing is in the alpha channel only, every visible pixel stays pure white.
Both are saved as 8-bit, non-interlaced PNGs, which tests/test_manifest.py decodes.
"""

from __future__ import annotations

import math
from pathlib import Path

# Pillow is a by-hand tool here, not installed in the project's venv, so mypy cannot see it.
from PIL import Image, ImageDraw  # type: ignore[import-not-found,unused-ignore]

HERE = Path(__file__).resolve().parent
SUPERSAMPLE = 16

TEAL = (0, 112, 120)  # the app's accentColor in manifest.json
WHITE = (255, 255, 255)
CORAL = (255, 122, 89)

Point = tuple[float, float]


def heart(cx: float, cy: float, width: float, steps: int = 200) -> list[Point]:
    """A heart centred on (cx, cy), `width` wide, as a polygon (the classic parametric curve)."""
    scale = width / 32  # the curve spans x in [-16, 16]
    points = []
    for i in range(steps):
        t = 2 * math.pi * i / steps
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        points.append((cx + x * scale, cy - (y + 2.5) * scale))
    return points


def scaled(points: list[Point], size: float) -> list[Point]:
    return [(x * size, y * size) for x, y in points]


# The colour icon's house in unit coordinates (0..1 across the symbol area).
ROOF = [(0.06, 0.50), (0.50, 0.10), (0.94, 0.50)]
BODY = (0.19, 0.42, 0.81, 0.92)  # left, top, right, bottom; the roof overlaps its top
HEART = (0.50, 0.685, 0.36)  # centre x, centre y, width


def colour_icon(size: int = 192) -> Image.Image:
    """White house with a coral heart, centred on a full-bleed teal square."""
    big = size * SUPERSAMPLE
    image = Image.new("RGB", (big, big), TEAL)
    draw = ImageDraw.Draw(image)
    # Teams shows the colour icon at many sizes and rounds the corners itself; the symbol keeps
    # to the middle 120 px so nothing important is lost to that rounding.
    symbol = 120 * SUPERSAMPLE
    offset = (big - symbol) / 2

    def place(points: list[Point]) -> list[Point]:
        return [(offset + x, offset + y) for x, y in scaled(points, symbol)]

    draw.polygon(place(ROOF), fill=WHITE)
    left, top, right, bottom = BODY
    draw.polygon(place([(left, top), (right, top), (right, bottom), (left, bottom)]), fill=WHITE)
    cx, cy, width = HEART
    draw.polygon(place(heart(cx, cy, width)), fill=CORAL)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def outline_icon(size: int = 32) -> Image.Image:
    """The same house as a white 2 px outline, the heart filled, on a transparent background.

    Drawn on the 32 px grid itself (not scaled from the colour icon) so the walls and floor fall
    on whole pixels and stay crisp; only the roof's slopes and the heart are smoothed.
    """
    big = size * SUPERSAMPLE

    def place(points: list[Point]) -> list[Point]:
        return [(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points]

    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    stroke = 2 * SUPERSAMPLE
    draw.line(place([(2, 16), (16, 3), (30, 16)]), fill=255, width=stroke, joint="curve")
    draw.line(
        place([(7, 11.5), (7, 29), (25, 29), (25, 11.5)]), fill=255, width=stroke, joint="curve"
    )
    draw.polygon(place(heart(16, 20, 12)), fill=255)
    alpha = mask.resize((size, size), Image.Resampling.BOX)
    image = Image.new("RGBA", (size, size), (*WHITE, 0))
    image.putalpha(alpha)
    return image


def main() -> None:
    colour_icon().save(HERE / "color.png", optimize=True)
    outline_icon().save(HERE / "outline.png", optimize=True)
    print(f"wrote {HERE / 'color.png'} and {HERE / 'outline.png'}")


if __name__ == "__main__":
    main()
