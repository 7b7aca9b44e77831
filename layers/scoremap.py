"""Divisions coloured by a score (gap score 0–100, risk score 0–10): one map for both pages.

Five equal classes of the score's range, one viridis colour each (darker = more need), classed
with :class:`mapclassify.UserDefined` (upper edges inclusive), a tooltip with the score and its
rank, and a legend with a no-score swatch. Callers add their own layers on top (reach circles,
support points) and then :func:`finish` the map.
"""

from __future__ import annotations

import itertools

import folium
import geopandas as gpd
import mapclassify
import pandas as pd

from geo.config import BOUNDARY_COLOUR, NO_DATA_COLOUR, RISK_MAX_SCORE, SEQUENTIAL_PALETTE
from layers import render, webmap
from layers.choropleth import Legend
from layers.webmap import base_map

RISK_LAYER = "Digital exclusion risk"


def class_edges(top: float) -> list[float]:
    """0 and the upper edges of five equal classes up to ``top``."""
    n = len(SEQUENTIAL_PALETTE)
    return [top * i / n for i in range(n + 1)]


def score_fills(scores: pd.Series, *, top: float) -> pd.Series:
    """The class colour of each score (no-data grey for NaN)."""
    fills = pd.Series(NO_DATA_COLOUR, index=scores.index, dtype=object)
    scored = scores.notna()
    if scored.any():
        bins = mapclassify.UserDefined(scores[scored], bins=class_edges(top)[1:])
        fills[scored] = [SEQUENTIAL_PALETTE[int(c)] for c in bins.yb]
    return fills


def score_map(
    web: gpd.GeoDataFrame,
    scores: pd.DataFrame,
    *,
    top: float,
    name: str,
    title: str,
    alias: str,
    tiles: bool = True,
) -> folium.Map:
    """A map of ``scores["score"]`` (index ``area_code``; with ``rank``) over ``web`` (EPSG:4326
    areas with ``area_code``, ``area_name``; every text through :mod:`layers.render`), checked;
    callers add their layers and then :func:`finish` it (checked again)."""
    shown = web[["area_code", "area_name", "geometry"]].merge(
        scores[["score", "rank"]], left_on="area_code", right_index=True, how="left"
    )
    shown["fill"] = score_fills(shown["score"], top=top)
    decimals = 0 if top >= 100 else 1
    shown["label"] = [
        "no score" if pd.isna(s) else f"{s:.{decimals}f} / {top:g} (rank {int(r)})"
        for s, r in zip(shown["score"], shown["rank"], strict=True)
    ]
    fmap = base_map(tuple(shown.total_bounds), tiles=tiles)
    render.geojson(
        shown, name=name, columns=("area_code", "area_name", "label", "fill"),
        tooltip_fields=("area_name", "label"), tooltip_aliases=("Area", alias),
        style=lambda f: {
            "fillColor": f["properties"]["fill"], "fillOpacity": 0.7,
            "color": BOUNDARY_COLOUR, "weight": 0.8,
        },
    ).add_to(fmap)  # fmt: skip
    labels = [f"{lo:g}–{hi:g}" for lo, hi in itertools.pairwise(class_edges(top))]
    Legend(title, [*zip(SEQUENTIAL_PALETTE, labels, strict=True), (NO_DATA_COLOUR, "No score")]
           ).add_to(fmap)  # fmt: skip
    return render.checked(fmap)


def finish(fmap: folium.Map, *, collapsed: bool = False) -> folium.Map:
    """Add the layer control, then :func:`layers.webmap.finish` (vendored assets, the check)."""
    folium.LayerControl(collapsed=collapsed).add_to(fmap)
    return webmap.finish(fmap)


def risk_map(
    web: gpd.GeoDataFrame,
    divisions: pd.DataFrame,
    *,
    support: folium.FeatureGroup | None = None,
    tiles: bool = True,
) -> folium.Map:
    """The digital exclusion risk (0–10) of :attr:`geo.analysis.risk.RiskResult.divisions`,
    with the support points' feature group on top when given."""
    fmap = score_map(web, divisions, top=RISK_MAX_SCORE, name=RISK_LAYER, alias="Risk",
                     title=f"{RISK_LAYER} (0–10, higher = more need)", tiles=tiles)  # fmt: skip
    if support is not None:
        support.add_to(fmap)
    return finish(fmap, collapsed=True)  # two layers; keeps a phone's map clear


__all__ = ["RISK_LAYER", "class_edges", "finish", "risk_map", "score_fills", "score_map"]
