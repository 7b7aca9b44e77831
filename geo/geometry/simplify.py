"""Lighter boundaries for the web: simplify as a coverage, then round coordinates.

Neighbouring areas share edges; simplifying each polygon on its own opens slivers between
them. :func:`simplify_for_web` simplifies the areas together as a polygonal coverage
(:func:`shapely.coverage_simplify`), so shared edges stay shared. Real files are not always
clean coverages (overlaps, thin gaps); then it falls back to per-polygon topology-preserving
simplification and says so in ``attrs["simplify_method"]``. Dirty coverages (overlaps,
unmatched edges) are first snapped clean with :func:`shapely.coverage_clean`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.geometry.crs import to_display

WEB_TOLERANCE_M = 25.0
"""Simplification tolerance in metres (about a quarter of a pixel at zoom 11)."""
WEB_DECIMALS = 4
"""Decimal places of lon/lat kept for display: ≈ 7–11 m in the UK, under a pixel at zoom 13."""


def simplify_coverage(
    areas: gpd.GeoDataFrame, *, tolerance_m: float = WEB_TOLERANCE_M
) -> gpd.GeoDataFrame:
    """Simplify polygons in EPSG:27700 without opening gaps between neighbours.

    Returns a copy with ``attrs["simplify_method"]``: ``"coverage"``, ``"cleaned coverage"``
    (overlaps resolved and edges snapped first) or ``"per-polygon"`` (the safe fallback).
    """
    if areas.crs is None or not areas.crs.is_projected:
        raise ValueError("simplify_coverage needs areas in a projected CRS (EPSG:27700)")
    geoms = areas.geometry.to_numpy()
    simplified, method = None, "coverage"
    with np.errstate(all="ignore"):
        try:
            if not shapely.coverage_is_valid(geoms):
                # Overlapping or unmatched neighbours (e.g. polygons simplified one by one
                # upstream): snap them into a clean coverage first, for display only.
                geoms, method = shapely.coverage_clean(geoms), "cleaned coverage"
            if shapely.coverage_is_valid(geoms):
                simplified = shapely.coverage_simplify(geoms, tolerance_m)
                if not shapely.is_valid(simplified).all() or shapely.is_empty(simplified).any():
                    simplified = None
        except Exception:  # GEOS raises several types on dirty real data
            simplified = None
    if simplified is None:
        method = "per-polygon"
        simplified = shapely.simplify(
            areas.geometry.to_numpy(), tolerance_m, preserve_topology=True
        )
        simplified = np.where(
            shapely.is_valid(simplified), simplified, shapely.make_valid(simplified)
        )
    out = areas.copy()
    out.geometry = gpd.GeoSeries(simplified, index=areas.index, crs=areas.crs)
    out.attrs = {**areas.attrs, "simplify_method": method}
    return out


def round_coordinates(gdf: gpd.GeoDataFrame, *, decimals: int = WEB_DECIMALS) -> gpd.GeoDataFrame:
    """Snap coordinates to a ``10**-decimals`` grid; shared vertices snap together."""
    out = gdf.copy()
    out.geometry = gpd.GeoSeries(
        shapely.set_precision(gdf.geometry.to_numpy(), 10.0**-decimals),
        index=gdf.index,
        crs=gdf.crs,
    )
    return out


def simplify_for_web(
    areas: gpd.GeoDataFrame,
    *,
    tolerance_m: float = WEB_TOLERANCE_M,
    decimals: int = WEB_DECIMALS,
) -> gpd.GeoDataFrame:
    """EPSG:27700 areas → simplified, rounded EPSG:4326 areas ready for a web map."""
    simplified = simplify_coverage(areas, tolerance_m=tolerance_m)
    out = round_coordinates(to_display(simplified), decimals=decimals)
    out.attrs = dict(simplified.attrs)
    return out


__all__ = ["round_coordinates", "simplify_coverage", "simplify_for_web"]
