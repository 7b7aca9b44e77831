"""The bid planner's map: gap score per area, anchor-site reach circles and the chosen sites."""

from __future__ import annotations

import itertools

import folium
import geopandas as gpd
import mapclassify
import pandas as pd

from geo.analysis.reach import Reach
from geo.config import BOUNDARY_COLOUR, NO_DATA_COLOUR, SEQUENTIAL_PALETTE
from geo.geometry.crs import to_display
from layers import render
from layers.choropleth import Legend
from layers.webmap import base_map, finish

SCORE_EDGES = (0, 20, 40, 60, 80, 100)
"""Gap score classes (one colour of :data:`geo.config.SEQUENTIAL_PALETTE` each)."""
REACH_COLOUR = "#e66101"


def score_colours(scores: pd.Series) -> list[str]:
    """The class colour of each gap score (0–100, classes :data:`SCORE_EDGES`; grey for NaN)."""
    scored = scores.notna().to_numpy()
    out = [NO_DATA_COLOUR] * len(scores)
    if scored.any():
        bins = mapclassify.UserDefined(scores[scored].to_numpy(), bins=list(SCORE_EDGES[1:]))
        for i, c in zip(scored.nonzero()[0], bins.yb, strict=True):
            out[int(i)] = SEQUENTIAL_PALETTE[int(c)]
    return out


def gap_map(
    web: gpd.GeoDataFrame,
    scores: pd.DataFrame,
    *,
    reach: Reach | None = None,
    anchors: gpd.GeoDataFrame | None = None,
    tiles: bool = True,
) -> folium.Map:
    """A folium map of the gap score, reach circles and chosen anchors.

    Parameters
    ----------
    web
        EPSG:4326 areas (``area_code``, ``area_name``, geometry).
    scores
        :func:`geo.analysis.gap.gap_scores` (index ``area_code``; ``score``, ``rank``).
    reach, anchors
        :func:`geo.analysis.reach.anchor_reach` and the chosen sites (EPSG:27700), or ``None``.
    """
    shown = web[["area_code", "area_name", "geometry"]].merge(
        scores[["score", "rank"]], left_on="area_code", right_index=True, how="left"
    )
    shown["fill"] = score_colours(shown["score"])
    shown["label"] = [
        "no score" if pd.isna(s) else f"{s:.0f} / 100 (rank {int(r)})"
        for s, r in zip(shown["score"], shown["rank"], strict=True)
    ]
    fmap = base_map(tuple(shown.total_bounds), tiles=tiles)
    render.geojson(
        shown, name="Gap score", columns=("area_code", "area_name", "label", "fill"),
        tooltip_fields=("area_name", "label"), tooltip_aliases=("Area", "Gap score"),
        style=lambda f: {
            "fillColor": f["properties"]["fill"], "fillOpacity": 0.7,
            "color": BOUNDARY_COLOUR, "weight": 0.8,
        },
    ).add_to(fmap)  # fmt: skip
    if reach is not None and len(reach.buffers):
        render.geojson(
            to_display(reach.buffers[["geometry"]]), name="Anchor reach",
            style=lambda _f: {"color": REACH_COLOUR, "weight": 2, "fillOpacity": 0.08},
        ).add_to(fmap)  # fmt: skip
    if anchors is not None and len(anchors):
        group = render.group("Chosen anchor sites")
        for name, pt in zip(anchors["name"], to_display(anchors).geometry, strict=True):
            render.circle(
                (pt.y, pt.x), label=name, radius=5, color="#000000", fill=True,
                fill_color=REACH_COLOUR, fill_opacity=1,
            ).add_to(group)  # fmt: skip
        group.add_to(fmap)
    labels = [f"{lo}–{hi}" for lo, hi in itertools.pairwise(SCORE_EDGES)]
    Legend(
        "Gap score (higher = more need)",
        [*zip(SEQUENTIAL_PALETTE, labels, strict=True), (NO_DATA_COLOUR, "No score")],
    ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return finish(fmap)


__all__ = ["SCORE_EDGES", "gap_map", "score_colours"]
