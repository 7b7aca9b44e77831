"""Aggregate points to areas with dask-geopandas, for point sets larger than memory.

The answer is the one :func:`geo.geometry.aggregate.aggregate_points` gives on the whole
table at once:
every area in the order of ``areas``, 0 where no point fell, and a point on a shared border
counted once, in the area with the lowest code. Each partition of points is tested against
the (small, in-memory) areas on a worker; workers return per-area partial sums, which are added
up in a tree. Integer columns (counts of premises) come out identical; float columns can differ
from the single-machine sum in the last bits, because they are added in a different order.

Spatial partitioning
    :func:`spatially_partition` sorts points along a Hilbert curve (``spatial_shuffle``) so that
    each partition covers a compact patch of the country, and can write the result as
    GeoParquet. When the points know their ``spatial_partitions``, each partition is only sent
    the areas that touch its patch.

Where it runs
    On whatever dask scheduler is current. On one machine::

        from distributed import Client, LocalCluster
        with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster):
            totals, unmatched = aggregate_partitioned("postcodes/*.parquet", areas,
                                                      columns=["premises"], xy=("x", "y"))

    On several machines, start ``dask scheduler`` on one host and ``dask worker
    tcp://<scheduler-host>:8786`` on each of the others (same Python environment and this
    package installed on every worker), then connect with
    ``Client("tcp://<scheduler-host>:8786")`` instead of the LocalCluster. The Parquet files
    must be readable by every worker at the same path or URL (a shared file system or object
    storage such as ``s3://bucket/postcodes/``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import dask
import dask.dataframe as dd
import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from distributed import get_client
from pyproj import CRS

from geo.config import WORKING_CRS
from geo.errors import CRSMismatchError, DataError, Problem
from geo.geometry.aggregate import (
    AREA_CODE,
    _code_ranks,
    _count_owned,
    _owner_ranks,
    _point_xy,
    _present_sums,
    _with_every_area,
    add_counts,
    assign_areas,
)
from geo.geometry.crs import require_same_crs

PointSource: TypeAlias = (
    str
    | Path
    | Sequence[str | Path]
    | dask_geopandas.GeoDataFrame
    | dd.DataFrame
    | gpd.GeoDataFrame
)
_ROW = "__row__"
_FAN_IN = 8
"""How many partial results are added together at each step of the reduction."""


def read_points(
    source: str | Path | Sequence[str | Path],
    *,
    xy: tuple[str, str] | None = None,
    columns: Sequence[str] | None = None,
) -> dd.DataFrame:
    """Lazily read points from one or more (Geo)Parquet files (a path, a glob or a list).

    GeoParquet is read with dask-geopandas (keeping its spatial partitions); a plain Parquet
    table needs ``xy``, the names of its easting/northing columns (e.g. ONSPD's
    ``("oseast1m", "osnrth1m")``).

    Raises
    ------
    DataError
        If nothing can be read, or ``xy`` / ``columns`` name a column the files lack.
    """
    paths = [str(p) for p in source] if isinstance(source, list | tuple) else str(source)
    first = paths[0] if isinstance(paths, list) and paths else str(paths)
    name = first if "://" in first else Path(first).name  # as the messages elsewhere name files
    wanted = None if columns is None else list(dict.fromkeys([*columns, *(xy or ())]))
    for path in paths if isinstance(paths, list) else [paths]:
        local = "://" not in path and not any(ch in path for ch in "*?[")
        if local and not Path(path).exists():
            raise DataError.single(Path(path).name, f"file not found at {path}")
    try:
        frame: dd.DataFrame = dask_geopandas.read_parquet(paths)
    except Exception:  # not GeoParquet (no "geo" metadata): read as a plain table
        if xy is None:
            raise DataError.single(
                name, "is not GeoParquet; give xy=(x_column, y_column) to read plain Parquet"
            ) from None
        try:
            frame = dd.read_parquet(paths)
        except Exception as exc:
            raise DataError.single(name, f"could not be read as Parquet ({exc})") from exc
    missing = [c for c in (wanted or xy or ()) if c not in frame.columns]
    if missing:
        raise DataError([Problem(name, "column not found", column=c) for c in missing])
    if wanted is not None:  # dask reads only these columns from the files
        geometry = getattr(frame, "geometry", None)
        keep = wanted if geometry is None else [*wanted, geometry.name]
        frame = frame[list(dict.fromkeys(keep))]
    return frame


def spatially_partition(
    points: dask_geopandas.GeoDataFrame | gpd.GeoDataFrame | dd.DataFrame,
    *,
    npartitions: int | None = None,
    xy: tuple[str, str] | None = None,
    crs: str = WORKING_CRS,
    path: str | Path | None = None,
) -> dask_geopandas.GeoDataFrame:
    """Sort points along a Hilbert curve into compact spatial partitions.

    Parameters
    ----------
    points
        Points in EPSG:27700: a (dask-)GeoDataFrame, or a dask DataFrame with ``xy`` columns.
    npartitions
        Partitions wanted; the input's count when omitted.
    path
        When given, the result is written there as GeoParquet and read back lazily.

    Returns
    -------
    dask_geopandas.GeoDataFrame
        With ``spatial_partitions`` set (the convex hull of each partition).
    """
    if isinstance(points, gpd.GeoDataFrame):
        points = dask_geopandas.from_geopandas(points, npartitions=npartitions or 1)
    if not isinstance(points, dask_geopandas.GeoDataFrame):
        if xy is None:
            raise ValueError("xy=(x_column, y_column) is needed for a table without geometry")
        geometry = dask_geopandas.points_from_xy(points, x=xy[0], y=xy[1], crs=crs)
        points = dask_geopandas.from_dask_dataframe(points, geometry=geometry)
    # spatial_shuffle puts the Hilbert distance in the index: carry the original index along
    # as a column and put it back in each partition, so rows keep their identity.
    index_name = points.index.name
    carried = points.assign(**{_ROW: points.index})
    shuffled = carried.spatial_shuffle(by="hilbert", npartitions=npartitions)
    regions = shuffled.spatial_partitions
    shuffled = shuffled.map_partitions(_restore_index, index_name, align_dataframes=False)
    shuffled.spatial_partitions = regions
    if path is None:
        return shuffled
    shuffled.to_parquet(path)
    return dask_geopandas.read_parquet(path)


def _restore_index(part: pd.DataFrame, name: object) -> pd.DataFrame:
    return part.set_index(_ROW).rename_axis(name)


def _as_frame(points: PointSource, xy: tuple[str, str] | None, columns: list[str]) -> dd.DataFrame:
    if isinstance(points, gpd.GeoDataFrame):
        return dask_geopandas.from_geopandas(points, npartitions=1)
    if isinstance(points, dd.DataFrame):
        return points
    # With x/y columns only the needed columns are read (ONSPD-like tables are wide).
    return read_points(points, xy=xy, columns=columns if xy is not None else None)


def _partition_owner(
    part: pd.DataFrame, areas: gpd.GeoDataFrame, xy: tuple[str, str] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Owner rank of every row of one partition (-1 = in no area) and the sorted codes."""
    ranked = _code_ranks(areas)
    assert ranked is not None  # checked before the graph is built
    codes, rank = ranked
    if xy is not None:
        x, y = part[xy[0]].to_numpy(dtype=float), part[xy[1]].to_numpy(dtype=float)
        return _owner_ranks(x, y, areas.geometry.to_numpy(), rank, threads=1), codes
    if len(part) == 0:
        return np.empty(0, dtype=np.int64), codes
    found = _point_xy(part)
    if found is not None:
        return _owner_ranks(found[0], found[1], areas.geometry.to_numpy(), rank, threads=1), codes
    # Not all plain points (e.g. empty or missing geometries): the general, indexed path.
    named = assign_areas(part, areas)
    owner = np.full(len(part), -1, dtype=np.int64)
    hit = named.notna().to_numpy()
    owner[hit] = np.searchsorted(codes, named[hit].to_numpy(dtype=object))
    return owner, codes


def _partial(
    part: pd.DataFrame, areas: gpd.GeoDataFrame, columns: list[str], xy: tuple[str, str] | None
) -> pd.DataFrame:
    owner, codes = _partition_owner(part, areas, xy)
    return _present_sums(part, owner, codes, columns)


def _unmatched(
    part: pd.DataFrame, areas: gpd.GeoDataFrame, xy: tuple[str, str] | None
) -> pd.Series:
    owner, _ = _partition_owner(part, areas, xy)
    return pd.Series(owner < 0, index=part.index, name=AREA_CODE)


def _combine(*partials: pd.DataFrame) -> pd.DataFrame:
    """Add partial sums: rows for the same area code are summed."""
    kept = [p for p in partials if len(p)] or [partials[0]]
    if len(kept) == 1:
        return kept[0]
    return pd.concat(kept).groupby(level=0, sort=True).sum(min_count=0)


def _areas_for(
    points: dd.DataFrame, areas: gpd.GeoDataFrame, regions: gpd.GeoSeries | None = None
) -> list[object]:
    """One areas argument per partition: the areas touching it when partitions are known.

    ``regions`` (one geometry per partition, in the CRS of ``areas``) overrides the points'
    own ``spatial_partitions``.
    """
    try:  # on a distributed cluster, send the areas to every worker once
        shared = get_client().scatter(areas, broadcast=True, hash=True)
    except ValueError:  # no client: the local scheduler
        shared = dask.delayed(areas, pure=True)
    if regions is None:
        regions = getattr(points, "spatial_partitions", None)
    if regions is None or len(regions) != points.npartitions:
        return [shared] * points.npartitions
    tree = shapely.STRtree(areas.geometry.to_numpy())
    out: list[object] = []
    for hull in regions.geometry.to_numpy():
        hits = np.sort(tree.query(hull, predicate="intersects"))
        out.append(dask.delayed(areas.iloc[hits], pure=True))
    return out


def tree_reduce(parts: Sequence[Any], combine: Callable[..., Any]) -> Any:
    """Add up delayed partial results in a tree, :data:`_FAN_IN` at a time; one delayed result.

    ``combine(*partials)`` must accept any number of partials and return one of the same kind.
    """
    level = list(parts)
    if not level:
        raise ValueError("nothing to reduce")
    while len(level) > 1:
        level = [
            dask.delayed(combine)(*level[i : i + _FAN_IN]) for i in range(0, len(level), _FAN_IN)
        ]
    return level[0]


def _count_partial(
    part: pd.DataFrame, areas: gpd.GeoDataFrame, key: str, xy: tuple[str, str]
) -> tuple[pd.DataFrame, pd.Series]:
    owner, codes = _partition_owner(part, areas, xy)
    return _count_owned(owner, part[key].to_numpy(), codes)


def count_by_area_tasks(
    points: dd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    key: str,
    xy: tuple[str, str],
    regions: gpd.GeoSeries | None = None,
) -> Any:
    """The lazy form of :func:`count_by_area`: one delayed ``(counts, outside)``.

    Compute it together with other results of the same points (``dask.compute(a, b)``) so
    their partitions are read once.
    """
    if _code_ranks(areas) is None:
        raise DataError.single("areas", "has a missing area_code", column=AREA_CODE)
    missing = [c for c in (key, *xy) if c not in points.columns]
    if missing:
        raise DataError([Problem("points", "column not found", column=c) for c in missing])
    per_part = _areas_for(points, areas, regions)
    partials = [
        dask.delayed(_count_partial)(part, a, key, xy)
        for part, a in zip(points.to_delayed(), per_part, strict=True)
    ]
    empty = _count_owned(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object))
    if not partials:
        return dask.delayed(empty)
    return dask.delayed(add_counts)(empty, tree_reduce(partials, add_counts))


def count_by_area(
    points: dd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    key: str,
    xy: tuple[str, str],
    regions: gpd.GeoSeries | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`geo.geometry.aggregate.count_by_area_xy` on a dask cluster, partition by partition.

    Parameters
    ----------
    points
        A dask DataFrame with easting/northing columns ``xy`` (EPSG:27700, the CRS of
        ``areas``) and an integer ``key`` column (``0 ≤ key < KEY_SPAN``).
    areas
        Polygons with unique, non-missing ``area_code`` values, in memory.
    regions
        One geometry per partition holding all its points (e.g. from
        :func:`geo.sources.uprn.partition_regions`): each partition is then tested only
        against the areas that touch its region. Without it, the points'
        ``spatial_partitions`` are used when present, else every area.

    Returns
    -------
    (counts, outside)
        Exactly what :func:`~geo.geometry.aggregate.count_by_area_xy` returns for all the
        points at once (integer counts, so the order of addition does not matter).
    """
    return count_by_area_tasks(points, areas, key=key, xy=xy, regions=regions).compute()


def aggregate_partitioned(
    points: PointSource,
    areas: gpd.GeoDataFrame,
    *,
    columns: Sequence[str],
    xy: tuple[str, str] | None = None,
    crs: str = WORKING_CRS,
) -> tuple[pd.DataFrame, dd.Series]:
    """:func:`geo.geometry.aggregate.aggregate_points` on a dask cluster, partition by partition.

    Parameters
    ----------
    points
        A dask-geopandas GeoDataFrame of points, a dask DataFrame with ``xy`` columns, a path,
        glob or list of (Geo)Parquet files (read lazily), or an in-memory GeoDataFrame.
    areas
        Polygons with unique, non-missing ``area_code`` values, in memory (EPSG:27700).
    columns
        Numeric columns of ``points`` to add up per area.
    xy
        Easting/northing column names; when given they are used instead of the geometry.
    crs
        CRS of the ``xy`` columns (they carry none of their own); must match ``areas``.

    Returns
    -------
    (totals, unmatched)
        ``totals`` is computed: the frame :func:`~geo.geometry.aggregate.aggregate_points` returns.
        ``unmatched`` is a lazy dask boolean Series, indexed like ``points`` (in partition
        order), true for points in no area; computing it tests the points again.

    Raises
    ------
    CRSMismatchError
        If the points and areas are in different CRSs.
    DataError
        If ``areas`` has a missing code or a needed column is absent.
    """
    cols = list(columns)
    frame = _as_frame(points, xy, cols)
    if xy is None:
        if not isinstance(frame, dask_geopandas.GeoDataFrame):
            raise ValueError("points have no geometry; give xy=(x_column, y_column)")
        require_same_crs(frame._meta, areas, names=("points", "areas"))
    elif areas.crs is None or not CRS.from_user_input(crs).equals(areas.crs):
        raise CRSMismatchError.single(
            "points", f"CRS mismatch (points xy: {crs}, areas: {areas.crs}); convert first"
        )
    missing = [c for c in [*cols, *(xy or ())] if c not in frame.columns]
    if missing:
        raise DataError([Problem("points", "column not found", column=c) for c in missing])
    if _code_ranks(areas) is None:
        raise DataError.single("areas", "has a missing area_code", column=AREA_CODE)

    per_part = _areas_for(frame, areas)
    parts = frame.to_delayed()
    level = [
        dask.delayed(_partial)(part, a, cols, xy) for part, a in zip(parts, per_part, strict=True)
    ]
    empty = _present_sums(frame._meta, np.empty(0, dtype=np.int64), np.empty(0, object), cols)
    summed = tree_reduce(level, _combine).compute() if level else empty
    totals = _with_every_area(_combine(empty, summed), areas)

    meta = pd.Series(np.zeros(0, dtype=bool), index=frame._meta.index, name=AREA_CODE)
    flags = [dask.delayed(_unmatched)(p, a, xy) for p, a in zip(parts, per_part, strict=True)]
    unmatched = dd.from_delayed(flags, meta=meta, divisions=frame.divisions)
    return totals, unmatched


__all__ = [
    "aggregate_partitioned",
    "count_by_area",
    "count_by_area_tasks",
    "read_points",
    "spatially_partition",
    "tree_reduce",
]
