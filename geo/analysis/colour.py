"""Colour contrast by the WCAG 2.x formulas (relative luminance and contrast ratio).

WCAG 2.2 success criterion 1.4.11 (non-text contrast) asks for at least 3:1 between the
colours a reader must tell apart. On a choropleth those are the fills of neighbouring classes.
Every adjacent pair of a sequential palette must differ by 3:1, and the whole range from white
to near-black is only 21:1, so a sequential palette can hold about three such classes
(3 × 3 × 3 = 27 > 21 already needs the extremes; four classes would need 81:1). That is why
:data:`geo.config.ACCESSIBLE_PALETTE` has three colours, and why the map also writes every
value in its tooltips and in a table (colour is never the only carrier of a figure).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

NON_TEXT_CONTRAST = 3.0
"""WCAG 2.2 SC 1.4.11: minimum contrast between adjacent graphical parts."""


def _channel(c: int) -> float:
    s = c / 255.0
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``"#4393c3"`` (or ``"#49c"``) → ``(67, 147, 195)``.

    Raises
    ------
    ValueError
        If ``colour`` is not a ``#rgb`` or ``#rrggbb`` hex colour.
    """
    text = colour.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    if len(text) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in text):
        raise ValueError(f"colour must be '#rrggbb' or '#rgb', not {colour!r}")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance, 0 (black) to 1 (white).

    Examples
    --------
    >>> relative_luminance("#ffffff"), relative_luminance("#000000")
    (1.0, 0.0)
    """
    r, g, b = (_channel(c) for c in hex_to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio ``(L1 + 0.05) / (L2 + 0.05)``, from 1 to 21.

    Examples
    --------
    >>> round(contrast_ratio("#000000", "#ffffff"), 1)
    21.0
    """
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def blend(colour: str, *, opacity: float, background: str = "#ffffff") -> str:
    """The colour seen when ``colour`` is drawn at ``opacity`` over ``background``."""
    fg, bg = hex_to_rgb(colour), hex_to_rgb(background)
    mixed = (round(opacity * f + (1 - opacity) * g) for f, g in zip(fg, bg, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def adjacent_contrasts(palette: Sequence[str]) -> list[float]:
    """Contrast ratio of each neighbouring pair of ``palette``."""
    return [contrast_ratio(a, b) for a, b in itertools.pairwise(palette)]


__all__ = [
    "NON_TEXT_CONTRAST",
    "adjacent_contrasts",
    "blend",
    "contrast_ratio",
    "hex_to_rgb",
    "relative_luminance",
]
