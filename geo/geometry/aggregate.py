"""Assign points to areas and add up counts per area (vectorised, spatially indexed).

A point on the shared border of two areas is counted once, in the area with the lower code,
so totals never double-count. Points outside every area keep ``area_code`` = ``<NA>`` and are
reported by the caller, never dropped silently.

When every point is a plain Point (or only x/y columns exist: :func:`assign_areas_xy`,
:func:`aggregate_xy`), no shapely points are built or queried one by one: points are bucketed
on a grid about one area wide, sorted by cell, and each area tests only the contiguous run of
points in its bounding box against its prepared polygon (:func:`shapely.intersects_xy`), on a
few threads split by grid column. Areas are visited in code order and an owned point is not
tested again, which is the lowest-code border rule. The answer is the same as the
spatial-index path (:func:`assign_areas` + :func:`sum_by_area`), dtypes included.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.geometry.crs import require_same_crs

AREA_CODE = "area_code"
_THREADS = min(os.cpu_count() or 1, 8)
"""Threads for the point-in-polygon loop (shapely releases the GIL while testing)."""
_MIN_POINTS_PER_THREAD = 50_000
"""Below this many points per thread, one thread is faster."""


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


def _point_xy(points: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """The x/y of every point, or ``None`` unless every geometry is a non-empty Point."""
    geoms = points.geometry.to_numpy()
    if len(geoms) == 0 or not (shapely.get_type_id(geoms) == 0).all():
        return None
    xy = shapely.get_coordinates(geoms)
    if len(xy) != len(geoms):  # an empty point has no coordinates
        return None
    return xy[:, 0], xy[:, 1]


def _code_ranks(areas: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """Sorted distinct codes and each area's rank among them; ``None`` if a code is missing."""
    raw = areas[AREA_CODE]
    if raw.isna().any():
        return None
    codes, rank = np.unique(raw.astype(str).to_numpy(dtype=object), return_inverse=True)
    return codes, rank.astype(np.int64)


def _owner_ranks(x: np.ndarray, y: np.ndarray, geoms: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """For each x/y, the lowest ``rank`` of the geometries it intersects, or -1.

    Points are bucketed on a grid about one area wide and sorted by cell, so each area tests
    only the points in its bounding box, with a prepared polygon (:func:`shapely.intersects_xy`).
    Areas are visited in rank order and a point, once owned, is not tested again: a point on a
    shared border goes to the lowest rank, exactly once.
    """
    owner = np.full(len(x), -1, dtype=np.int64)
    if len(x) == 0 or len(geoms) == 0:
        return owner
    bounds = shapely.bounds(geoms)
    present = ~np.isnan(bounds).any(axis=1)
    if not present.any():
        return owner
    minx, miny = bounds[present, 0].min(), bounds[present, 1].min()
    maxx, maxy = bounds[present, 2].max(), bounds[present, 3].max()
    sizes = np.maximum(
        bounds[present, 2] - bounds[present, 0], bounds[present, 3] - bounds[present, 1]
    )
    cell = max(float(np.median(sizes)), 1e-9)
    ny = int((maxy - miny) // cell) + 1
    idx = np.flatnonzero((x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
    key = ((x[idx] - minx) // cell).astype(np.int64) * ny + ((y[idx] - miny) // cell).astype(
        np.int64
    )
    order = np.argsort(key)
    key, idx = key[order], idx[order]
    xs, ys = x[idx], y[idx]  # sorted by cell: every candidate run below is a contiguous slice
    owned = np.full(len(idx), -1, dtype=np.int64)
    cells = np.floor((bounds - [minx, miny, minx, miny]) / cell)
    cells = np.nan_to_num(cells, nan=0).astype(np.int64)
    # One (area, grid column) pair per run of candidates, searched for all areas at once.
    visit = np.flatnonzero(present)
    visit = visit[np.argsort(rank[visit], kind="stable")]
    n_cols = cells[visit, 2] - cells[visit, 0] + 1
    pair_area = np.repeat(visit, n_cols)
    starts = np.cumsum(n_cols) - n_cols
    pair_col = cells[pair_area, 0] + np.arange(len(pair_area)) - np.repeat(starts, n_cols)
    lo = np.searchsorted(key, pair_col * ny + cells[pair_area, 1], "left")
    hi = np.searchsorted(key, pair_col * ny + cells[pair_area, 3], "right")
    # Preparing builds an index inside each geometry object (a cache: results are unchanged),
    # so areas reused across calls are prepared only once.
    shapely.prepare(geoms)
    boxes, ranks, polygons = bounds.tolist(), rank.tolist(), geoms.tolist()

    def run_pairs(pairs: np.ndarray) -> None:
        # Pairs in rank order; each touches only the points of its own grid column.
        work = zip(pair_area[pairs].tolist(), lo[pairs].tolist(), hi[pairs].tolist(), strict=True)
        for a, i, j in work:
            if i == j:
                continue
            run, sx, sy = owned[i:j], xs[i:j], ys[i:j]
            bx0, by0, bx1, by1 = boxes[a]
            test = np.flatnonzero((run < 0) & (sx >= bx0) & (sx <= bx1) & (sy >= by0) & (sy <= by1))
            run[test[shapely.intersects_xy(polygons[a], sx[test], sy[test])]] = ranks[a]

    # Grid columns hold disjoint points, so threads split by column never write the same
    # point, and within a thread every point still meets its areas in rank order.
    n_threads = max(1, min(_THREADS, len(idx) // _MIN_POINTS_PER_THREAD))
    if n_threads == 1:
        run_pairs(np.arange(len(pair_area)))
    else:
        col_of_point = np.cumsum(np.bincount(key // ny, minlength=int(pair_col.max()) + 1))
        share = np.minimum(col_of_point[pair_col] * n_threads // max(len(idx), 1), n_threads - 1)
        with ThreadPoolExecutor(n_threads) as pool:
            list(pool.map(run_pairs, [np.flatnonzero(share == k) for k in range(n_threads)]))
    owner[idx] = owned
    return owner


def assign_areas_xy(
    x: np.ndarray | Sequence[float],
    y: np.ndarray | Sequence[float],
    areas: gpd.GeoDataFrame,
    *,
    index: pd.Index | None = None,
) -> pd.Series:
    """:func:`assign_areas` for bare coordinates: no shapely points are built.

    Parameters
    ----------
    x, y
        Coordinates in the CRS of ``areas`` (EPSG:27700 in this project).
    areas
        Polygons with an ``area_code`` column (no missing codes).
    index
        Index of the result; a RangeIndex when omitted.

    Returns
    -------
    Series
        dtype ``string``; the code of the area holding each point (the lowest code for a point
        on a shared border), ``<NA>`` for points in no area.
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ranked = _code_ranks(areas)
    if ranked is None:
        raise ValueError("areas has a missing area_code; normalise the boundaries first")
    codes, rank = ranked
    owner = _owner_ranks(xs, ys, areas.geometry.to_numpy(), rank)
    values = np.where(owner >= 0, codes[np.maximum(owner, 0)], None)
    out = pd.Series(values, index=index, dtype="string", name=AREA_CODE)
    return out


def snap_to_nearest(
    x: np.ndarray | Sequence[float],
    y: np.ndarray | Sequence[float],
    codes: pd.Series,
    areas: gpd.GeoDataFrame,
    *,
    max_distance: float,
) -> tuple[pd.Series, pd.Series]:
    """Give points in no area the code of the nearest area within ``max_distance``.

    Generalised boundaries leave thin gaps between neighbours (tidal rivers, simplified
    edges); a centroid that falls in one belongs to the area beside it. Equidistant areas go
    to the lowest code, as on a shared border.

    Parameters
    ----------
    x, y
        Coordinates in the CRS of ``areas`` (metres, EPSG:27700).
    codes
        :func:`assign_areas_xy` output for the same points (``<NA>`` = in no area).
    max_distance
        Farthest snap, in the units of the CRS.

    Returns
    -------
    (codes, snapped)
        The codes with gaps filled, and a boolean Series (same index) true where a point
        was snapped.
    """
    out = codes.copy()
    snapped = pd.Series(False, index=codes.index)
    todo = np.flatnonzero(codes.isna().to_numpy())
    if len(todo) == 0 or len(areas) == 0 or max_distance <= 0:
        return out, snapped
    xs, ys = np.asarray(x, dtype=float)[todo], np.asarray(y, dtype=float)[todo]
    points = shapely.points(xs, ys)
    hit, dist = areas.sindex.nearest(
        points, return_all=True, max_distance=max_distance, return_distance=True
    )
    if hit.shape[1] == 0:
        return out, snapped
    area_codes = areas[AREA_CODE].astype(str).to_numpy()[hit[1]]
    order = np.lexsort((area_codes, dist, hit[0]))
    first = order[np.r_[True, hit[0][order][1:] != hit[0][order][:-1]]]
    rows = todo[hit[0][first]]
    out.iloc[rows] = area_codes[first]
    snapped.iloc[rows] = True
    return out, snapped


def _present_sums(
    values: pd.DataFrame, owner: np.ndarray, codes: np.ndarray, columns: Sequence[str]
) -> pd.DataFrame:
    """Sums of ``columns`` and ``n_points`` for the codes that own at least one row.

    Indexed by ``area_code`` (sorted); the dtypes are those :func:`sum_by_area` gives before
    it adds the empty areas. Partial sums from pieces of a table add up
    (see geo.geometry.partitioned).
    """
    cols = list(columns)
    matched = owner >= 0
    ranks = owner[matched]
    counts = np.bincount(ranks, minlength=len(codes))
    present = np.flatnonzero(counts)
    data: dict[str, object] = {}
    for col in cols:
        series = values[col]
        arr = series.to_numpy()
        if series.dtype == np.int64 and (
            len(arr) == 0 or float(np.abs(arr).max()) * len(arr) < 2**53
        ):
            # Integer sums are exact in float64 below 2**53: bincount, then back to int64.
            sums = np.bincount(ranks, weights=arr[matched], minlength=len(codes))
            data[col] = sums[present].astype(np.int64)
        else:
            frame = pd.DataFrame({col: series.array[matched], "_rank": ranks})
            summed = frame.groupby("_rank", sort=True)[col].sum(min_count=0)
            data[col] = summed.reindex(present).array
    data["n_points"] = counts[present].astype(np.int64)
    return pd.DataFrame(data, index=pd.Index(codes[present].astype(str), name=AREA_CODE))


def _with_every_area(summed: pd.DataFrame, areas: gpd.GeoDataFrame | pd.DataFrame) -> pd.DataFrame:
    """Put ``summed`` in the order of ``areas``, with 0 for areas that got nothing."""
    index = pd.Index(areas[AREA_CODE].astype(str), name=AREA_CODE)
    return summed.reindex(index).fillna(0)


def _sum_owned(
    values: pd.DataFrame,
    owner: np.ndarray,
    codes: np.ndarray,
    areas: gpd.GeoDataFrame | pd.DataFrame,
    columns: Sequence[str],
) -> pd.DataFrame:
    """:func:`sum_by_area` from owner ranks: the same frame, dtypes included, only faster."""
    return _with_every_area(_present_sums(values, owner, codes, columns), areas)


def aggregate_xy(
    frame: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    columns: Sequence[str],
    x: str = "x",
    y: str = "y",
) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`aggregate_points` for a plain table with coordinate columns (e.g. ONSPD
    ``oseast1m``/``osnrth1m``): same result, no shapely points built.

    ``frame[x]``/``frame[y]`` must be in the CRS of ``areas`` (EPSG:27700 here).
    """
    ranked = _code_ranks(areas)
    if ranked is None:
        raise ValueError("areas has a missing area_code; normalise the boundaries first")
    codes, rank = ranked
    xs, ys = frame[x].to_numpy(dtype=float), frame[y].to_numpy(dtype=float)
    owner = _owner_ranks(xs, ys, areas.geometry.to_numpy(), rank)
    unmatched = pd.Series(owner < 0, index=frame.index, name=AREA_CODE)
    return _sum_owned(frame, owner, codes, areas, columns), unmatched


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
    require_same_crs(points, areas, names=(points_name, "areas"))
    xy = _point_xy(points)
    ranked = _code_ranks(areas)
    if xy is None or ranked is None:
        codes = assign_areas(points, areas, points_name=points_name)
        return sum_by_area(points, codes, areas, columns=columns), codes.isna()
    codes_sorted, rank = ranked
    owner = _owner_ranks(xy[0], xy[1], areas.geometry.to_numpy(), rank)
    unmatched = pd.Series(owner < 0, index=points.index, name=AREA_CODE)
    return _sum_owned(points, owner, codes_sorted, areas, columns), unmatched


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


__all__ = [
    "aggregate_points",
    "aggregate_points_naive",
    "aggregate_xy",
    "assign_areas",
    "assign_areas_xy",
    "snap_to_nearest",
    "sum_by_area",
]
