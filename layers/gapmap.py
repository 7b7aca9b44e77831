"""The bid planner's map: gap score per area (:func:`layers.scoremap.score_map`), anchor-site
reach circles and the chosen sites, every text through :mod:`layers.render`."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from geo.analysis.reach import Reach
from geo.geometry.crs import to_display
from layers import render
from layers.scoremap import finish, score_map

REACH_COLOUR = "#e66101"


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
    fmap = score_map(web, scores, top=100, name="Gap score", alias="Gap score",
                     title="Gap score (higher = more need)", tiles=tiles)  # fmt: skip
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
    return finish(fmap)


__all__ = ["REACH_COLOUR", "gap_map"]
