"""Assign points to areas and add up counts per area (vectorised, spatially indexed).

A point on the shared border of two areas is counted once, in the area with the lower code,
so totals never double-count. Points outside every area keep ``area_code`` = ``<NA>`` and are
reported by the caller, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import require_same_crs

AREA_CODE = "area_code"


def assign_areas(
    points: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    points_name: str = "points",
    areas_name: str = "areas",
) -> pd.Series:
    """Return, for each point, the code of the area containing it.

    Parameters
    ----------
    points
        Point GeoDataFrame in the same CRS as ``areas`` (any index).
    areas
        Polygons with an ``area_code`` column.

    Returns
    -------
    Series
        Indexed like ``points``, dtype ``string``; ``<NA>`` for points in no area.

    Raises
    ------
    CRSMismatchError
        If the two frames are in different CRSs.
    """
    require_same_crs(points, areas, names=(points_name, areas_name))
    result = pd.Series(pd.NA, index=points.index, dtype="string", name=AREA_CODE)
    if len(points) == 0 or len(areas) == 0:
        return result
    point_idx, area_idx = areas.sindex.query(points.geometry.values, predicate="intersects")
    if len(point_idx) == 0:
        return result
    codes = areas[AREA_CODE].to_numpy()[area_idx]
    # Several hits = the point is on a shared border (or areas overlap): keep the lowest code.
    order = np.lexsort((codes.astype(str), point_idx))
    point_idx, codes = point_idx[order], codes[order]
    first = np.r_[True, point_idx[1:] != point_idx[:-1]]
    result.iloc[point_idx[first]] = codes[first]
    return result


def sum_by_area(
    values: pd.DataFrame,
    area_codes: pd.Series,
    areas: gpd.GeoDataFrame | pd.DataFrame,
    *,
    columns: Sequence[str],
) -> pd.DataFrame:
    """Add up ``columns`` of ``values`` per area; every area appears, with 0 where none fell.

    Returns
    -------
    DataFrame
        Indexed by ``area_code`` in the order of ``areas``, one column per summed column and
        ``n_points`` (how many rows fell in the area).
    """
    frame = values[list(columns)].copy()
    frame[AREA_CODE] = area_codes.to_numpy()
    frame["n_points"] = 1
    frame = frame.dropna(subset=[AREA_CODE])
    summed = frame.groupby(AREA_CODE, sort=False)[[*columns, "n_points"]].sum(min_count=0)
    index = pd.Index(areas[AREA_CODE].astype(str), name=AREA_CODE)
    return summed.reindex(index).fillna(0)


def aggregate_points(
    points: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    columns: Sequence[str],
    points_name: str = "points",
) -> tuple[pd.DataFrame, pd.Series]:
    """Sum ``columns`` of the points falling in each area.

    Returns
    -------
    (totals, unmatched)
        ``totals`` as :func:`sum_by_area`; ``unmatched`` is a boolean Series, indexed like
        ``points``, true for points that fell in no area.
    """
    codes = assign_areas(points, areas, points_name=points_name)
    return sum_by_area(points, codes, areas, columns=columns), codes.isna()


def aggregate_points_naive(
    points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, columns: Sequence[str]
) -> pd.DataFrame:
    """Reference implementation: a Python loop over points and areas, no index.

    Kept for tests and benchmarks only; it gives the same answer as :func:`aggregate_points`.
    """
    require_same_crs(points, areas)
    order = np.argsort(areas[AREA_CODE].astype(str).to_numpy(), kind="stable")
    geoms = areas.geometry.to_numpy()[order]
    codes = areas[AREA_CODE].astype(str).to_numpy()[order]
    totals = {code: dict.fromkeys([*columns, "n_points"], 0.0) for code in codes}
    vals = points[list(columns)].to_numpy(dtype=float)
    for pt, row in zip(points.geometry.to_numpy(), vals, strict=True):
        for geom, code in zip(geoms, codes, strict=True):
            if geom.intersects(pt):
                for col, v in zip(columns, row, strict=True):
                    totals[code][col] += v
                totals[code]["n_points"] += 1
                break
    out = pd.DataFrame.from_dict(totals, orient="index")
    out.index.name = AREA_CODE
    return out.reindex(pd.Index(areas[AREA_CODE].astype(str), name=AREA_CODE))


__all__ = ["aggregate_points", "aggregate_points_naive", "assign_areas", "sum_by_area"]
