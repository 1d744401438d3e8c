"""The tenant's colour as CSS, readable whatever colour the tenant picked.

A tenant chooses one brand colour. The header and buttons use it as
background, links use it on white; a light yellow or a dark navy must both
stay at WCAG AA contrast (4.5:1 for text). So the stylesheet carries three
values: ``--brand`` (the colour, darkened only if no text colour reads on
it), ``--on-brand`` (white or near-black text on it, whichever reads better)
and ``--brand-text`` (the colour darkened until it reads on the light page
background).
"""

from __future__ import annotations

import re

DEFAULT_BRAND = "#1f5f8b"
DARK_TEXT = "#1b1f24"
LIGHT_TEXT = "#ffffff"
PAGE_BACKGROUND = "#f5f6f8"
AA_TEXT = 4.5

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def valid_colour(value: str | None) -> str:
    """``value`` if it is a ``#rrggbb`` colour, else the default (never CSS from the database as is)."""
    return value.lower() if value and _HEX.match(value) else DEFAULT_BRAND


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def luminance(colour: str) -> float:
    """Relative luminance as WCAG 2.1 defines it."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(background: str) -> str:
    """White or near-black, whichever contrasts more with ``background``."""
    return LIGHT_TEXT if contrast(background, LIGHT_TEXT) >= contrast(background, DARK_TEXT) else DARK_TEXT


def darken_until_readable(colour: str, background: str = PAGE_BACKGROUND, ratio: float = AA_TEXT) -> str:
    """``colour`` mixed with black in small steps until it reaches ``ratio`` on ``background``."""
    r, g, b = _channels(colour)
    for step in range(21):
        factor = 1 - step * 0.05
        candidate = f"#{round(r * factor):02x}{round(g * factor):02x}{round(b * factor):02x}"
        if contrast(candidate, background) >= ratio:
            return candidate
    return DARK_TEXT


def readable_background(colour: str) -> str:
    """``colour`` if white or dark text reaches AA on it, else darkened until white text does."""
    if contrast(colour, text_on(colour)) >= AA_TEXT:
        return colour
    return darken_until_readable(colour, background=LIGHT_TEXT)


def tenant_css(brand_colour: str | None) -> str:
    brand = readable_background(valid_colour(brand_colour))
    return (
        ":root {\n"
        f"  --brand: {brand};\n"
        f"  --on-brand: {text_on(brand)};\n"
        f"  --brand-text: {darken_until_readable(brand)};\n"
        "}\n"
    )
