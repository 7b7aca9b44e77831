"""The digital-inclusion need map: divisions coloured by risk score, support points on top."""

from __future__ import annotations

import itertools

import folium
import geopandas as gpd
import pandas as pd

from geo.config import (
    BOUNDARY_COLOUR,
    NO_DATA_COLOUR,
    RISK_MAX_SCORE,
    SEQUENTIAL_PALETTE,
)
from layers.assets import localise
from layers.choropleth import Legend
from layers.text import esc
from layers.webmap import base_map

LAYER_NAME = "Digital exclusion risk"
EDGES = tuple(RISK_MAX_SCORE * i / len(SEQUENTIAL_PALETTE) for i in range(6))
"""Five equal classes of the 0–10 score, one per viridis colour (darker = more risk)."""


def score_colour(score: float) -> str:
    """The class colour of a 0–10 score (no-data grey for NaN)."""
    if pd.isna(score):
        return NO_DATA_COLOUR
    step = RISK_MAX_SCORE / len(SEQUENTIAL_PALETTE)
    return SEQUENTIAL_PALETTE[min(len(SEQUENTIAL_PALETTE) - 1, int(score // step))]


def risk_map(
    web: gpd.GeoDataFrame,
    divisions: pd.DataFrame,
    *,
    support: folium.FeatureGroup | None = None,
    tiles: bool = True,
) -> folium.Map:
    """A folium map of the risk score.

    Parameters
    ----------
    web
        Areas in EPSG:4326 (``area_code``, ``area_name``, geometry), e.g. simplified figures.
    divisions
        :attr:`geo.analysis.risk.RiskResult.divisions` (index ``area_code``; ``score``,
        ``rank``).
    support
        The pilots layer's feature group, drawn on top, or ``None``.
    """
    shown = web[["area_code", "area_name", "geometry"]].merge(
        divisions[["score", "rank"]], left_on="area_code", right_index=True, how="left"
    )
    shown["fill"] = shown["score"].map(score_colour)
    shown["area_name"] = shown["area_name"].map(esc)
    shown["label"] = [
        "no score" if pd.isna(s) else f"{s:.1f} / 10 (rank {int(r)})"
        for s, r in zip(shown["score"], shown["rank"], strict=True)
    ]
    fmap = base_map(tuple(shown.total_bounds), tiles=tiles)
    folium.GeoJson(
        shown.drop(columns=["score", "rank"]).to_json(drop_id=True),
        name=LAYER_NAME,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.75,
            "color": BOUNDARY_COLOUR,
            "weight": 0.8,
        },
        tooltip=folium.GeoJsonTooltip(["area_name", "label"], aliases=["Division", "Risk"]),
    ).add_to(fmap)
    if support is not None:
        support.add_to(fmap)
    labels = [f"{lo:g}–{hi:g}" for lo, hi in itertools.pairwise(EDGES)]
    Legend(
        "Digital exclusion risk (0–10, higher = more need)",
        [*zip(SEQUENTIAL_PALETTE, labels, strict=True), (NO_DATA_COLOUR, "No score")],
    ).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)  # two layers; keeps a phone's map clear
    return localise(fmap)


__all__ = ["EDGES", "LAYER_NAME", "risk_map", "score_colour"]
