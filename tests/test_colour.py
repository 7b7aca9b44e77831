"""WCAG contrast: the formula on known answers, and the public palette as it is drawn."""

from __future__ import annotations

import pytest

from geo.analysis.colour import (
    NON_TEXT_CONTRAST,
    adjacent_contrasts,
    blend,
    contrast_ratio,
    hex_to_rgb,
    relative_luminance,
)
from geo.config import ACCESSIBLE_PALETTE, SEQUENTIAL_PALETTE
from layers.public import PUBLIC_FILL_OPACITY


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        # #767676 is the lightest grey with 4.5:1 on white (a well-known answer: 4.54).
        ("#767676", "#ffffff", 4.54),
        # Pure red on white: L = 0.2126 → (1.05) / (0.2626) = 4.00.
        ("#ff0000", "#ffffff", 4.00),
    ],
)
def test_contrast_ratio_known_answers(a: str, b: str, ratio: float) -> None:
    assert contrast_ratio(a, b) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(b, a) == pytest.approx(ratio, abs=0.01)


def test_relative_luminance_and_parsing() -> None:
    assert relative_luminance("#fff") == 1.0
    assert relative_luminance("#000") == 0.0
    assert hex_to_rgb("#4393C3") == (67, 147, 195)
    with pytest.raises(ValueError, match="#rrggbb"):
        hex_to_rgb("blue")


def test_blend_over_white() -> None:
    assert blend("#000000", opacity=0.5) == "#808080"
    assert blend("#4393c3", opacity=1.0) == "#4393c3"


def test_public_palette_has_three_classes_each_3_to_1_from_its_neighbour() -> None:
    assert len(ACCESSIBLE_PALETTE) == 3
    drawn = [blend(c, opacity=PUBLIC_FILL_OPACITY) for c in ACCESSIBLE_PALETTE]
    ratios = adjacent_contrasts(drawn)
    assert all(r >= NON_TEXT_CONTRAST for r in ratios), ratios
    # Light to dark: luminance strictly decreasing (a sequential palette).
    lum = [relative_luminance(c) for c in drawn]
    assert lum == sorted(lum, reverse=True)


def test_translucent_fill_would_fail_which_is_why_the_public_map_is_opaque() -> None:
    at_75 = adjacent_contrasts([blend(c, opacity=0.75) for c in ACCESSIBLE_PALETTE])
    assert min(at_75) < NON_TEXT_CONTRAST


def test_officer_viridis_palette_does_not_meet_3_to_1() -> None:
    """Five classes cannot all be 3:1 apart (3**4 = 81 > 21): hence 3 for the public map."""
    assert min(adjacent_contrasts(SEQUENTIAL_PALETTE)) < NON_TEXT_CONTRAST
    assert NON_TEXT_CONTRAST**4 > 21
