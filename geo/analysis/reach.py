"""Anchor-site reach: premises lacking gigabit within a radius of chosen anchor sites.

Buffers are drawn in EPSG:27700, so the radius is in metres (a 1,000 m buffer covers about
π × 10⁶ m²). Premises come from postcode-level coverage: each postcode centroid carries
``premises − n_gigabit`` premises without gigabit. A postcode inside several buffers is counted
once: the count is taken over the union of the buffers, never summed buffer by buffer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from geo.analysis.oa_vintage import centroid_set, detect_oa_vintage
from geo.config import WORKING_CRS
from geo.geometry.aggregate import AREA_CODE, assign_areas
from geo.geometry.crs import require_same_crs, to_working

BUFFER_RESOLUTION = 32
"""Segments per quarter circle: the buffer's area is within 0.05% of π r²."""


@dataclass(frozen=True)
class Reach:
    """What a set of anchor buffers reaches.

    Attributes
    ----------
    buffers
        One circle per anchor (EPSG:27700), with the anchor's columns and ``radius_m``.
    union
        The union of the buffers (one polygon or multipolygon; empty when no anchors).
    points
        The coverage points inside the union, each once.
    lacking_gigabit
        Premises without gigabit at those points.
    premises
        All premises at those points.
    areas
        Areas the union touches: ``area_code``, ``area_name``, ``reach_km2`` and
        ``lacking_gigabit`` (of the reached points in that area), most lacking first.
    """

    buffers: gpd.GeoDataFrame
    union: shapely.Geometry
    points: gpd.GeoDataFrame
    lacking_gigabit: int
    premises: int
    areas: pd.DataFrame


def select_anchors(
    anchors: gpd.GeoDataFrame,
    *,
    site_types: Iterable[str] | None = None,
    fibre_statuses: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Anchors whose ``site_type`` and ``fibre_status`` are among those given (``None``: any)."""
    keep = pd.Series(True, index=anchors.index)
    if site_types is not None:
        keep &= anchors["site_type"].isin(list(site_types))
    if fibre_statuses is not None:
        keep &= anchors["fibre_status"].isin(list(fibre_statuses))
    return anchors[keep]


def reach_buffers(anchors: gpd.GeoDataFrame, *, radius_m: float) -> gpd.GeoDataFrame:
    """A circle of ``radius_m`` metres round each anchor, drawn in EPSG:27700.

    Raises
    ------
    ValueError
        If the radius is not positive.
    """
    if not radius_m > 0:
        raise ValueError(f"radius_m must be a positive number of metres, not {radius_m!r}")
    working = to_working(anchors, source="anchor sites")
    out = working.copy()
    out["radius_m"] = float(radius_m)
    out = out.set_geometry(working.geometry.buffer(radius_m, resolution=BUFFER_RESOLUTION))
    return out


def coverage_points(
    coverage: pd.DataFrame,
    postcodes: pd.DataFrame | None = None,
    *,
    oa_centroids: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Postcode- or OA-level coverage rows placed at their centroids (EPSG:27700).

    ``coverage`` holds one release's rows (``area_id`` = postcode or OA code, ``premises``,
    ``n_gigabit``). Postcode rows are placed with ``postcodes`` (indexed by postcode with
    ``easting``/``northing``); otherwise OA rows with ``oa_centroids`` of the file's census
    vintage (:mod:`geo.analysis.oa_vintage`). Rows without a location are left out and counted
    in ``attrs["unlocated"]``; ``attrs["level"]`` says which rows were used.

    Raises
    ------
    ValueError
        If there are no postcode rows with a postcode directory and no OA rows with
        centroids of their vintage.
    """
    levels = coverage["level"] if "level" in coverage else pd.Series("postcode", coverage.index)
    rows, locations, level = coverage[levels == "postcode"], postcodes, "postcode"
    if rows.empty or postcodes is None:
        rows, level = coverage[levels == "oa"], "oa"
        vintage = detect_oa_vintage(rows["area_id"], centroids=oa_centroids)
        locations = centroid_set(oa_centroids, vintage.vintage) if len(rows) else None
    if rows.empty or locations is None:
        raise ValueError(
            "reach needs postcode-level coverage and a postcode directory, or output-area "
            "coverage and OA centroids of its census vintage"
        )
    joined = rows.join(locations[["easting", "northing"]], on="area_id", how="left")
    located = joined.dropna(subset=["easting", "northing"])
    cols = [c for c in ("area_id", "premises", "n_gigabit", "n_below_uso") if c in located]
    out = gpd.GeoDataFrame(
        located[cols].reset_index(drop=True),
        geometry=gpd.points_from_xy(located["easting"], located["northing"]),
        crs=WORKING_CRS,
    )
    out["lacking_gigabit"] = (out["premises"] - out["n_gigabit"]).fillna(0).clip(lower=0)
    out.attrs["unlocated"] = int(len(joined) - len(located))
    out.attrs["level"] = level
    return out


def anchor_reach(
    anchors: gpd.GeoDataFrame,
    *,
    radius_m: float,
    points: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
) -> Reach:
    """Premises lacking gigabit within ``radius_m`` metres of any of ``anchors``.

    Parameters
    ----------
    anchors
        Anchor sites (points, any CRS with one set).
    points
        From :func:`coverage_points`: ``premises``, ``lacking_gigabit``, EPSG:27700.
    areas
        ``area_code``, ``area_name``, polygons in EPSG:27700.
    """
    buffers = reach_buffers(anchors, radius_m=radius_m)
    require_same_crs(buffers, points, areas, names=("anchor buffers", "coverage points", "areas"))
    union = shapely.union_all(buffers.geometry.to_numpy()) if len(buffers) else shapely.Polygon()
    inside = (
        shapely.covers(union, points.geometry.to_numpy())
        if len(points) and not union.is_empty
        else pd.Series(False, index=points.index).to_numpy()
    )
    reached = points[inside]
    touched = areas[areas.intersects(union)] if not union.is_empty else areas.iloc[0:0]
    codes = assign_areas(reached, areas, points_name="coverage points")
    lacking = reached["lacking_gigabit"].groupby(codes).sum()
    table = pd.DataFrame({
        AREA_CODE: touched[AREA_CODE].astype(str).to_numpy(),
        "area_name": touched["area_name"].to_numpy(),
        "reach_km2": touched.geometry.intersection(union).area.to_numpy() / 1e6,
    })  # fmt: skip
    table["lacking_gigabit"] = table[AREA_CODE].map(lacking).fillna(0).astype(int)
    table = table.sort_values(["lacking_gigabit", "reach_km2"], ascending=False, ignore_index=True)
    return Reach(
        buffers=buffers,
        union=union,
        points=reached,
        lacking_gigabit=int(reached["lacking_gigabit"].sum()),
        premises=int(reached["premises"].fillna(0).sum()),
        areas=table,
    )


__all__ = ["Reach", "anchor_reach", "coverage_points", "reach_buffers", "select_anchors"]
