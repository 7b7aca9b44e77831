"""Seeded SYNTHETIC postcodes and areas for benchmarks: nothing here is real data.

Every frame returned carries a ``synthetic`` column set to ``True`` and
``attrs["synthetic"] = True`` / ``attrs["label"] = SYNTHETIC_LABEL``, so a table or map made
from it can say so. All geometry is in EPSG:27700 (metres).

* :func:`synthetic_postcodes` — N postcode-like points clustered around towns, each with a
  ``premises`` count and nested coverage counts ``n_<measure>`` (each ≤ ``premises``).
* :func:`synthetic_wards` — about 8,000 ward-like Voronoi polygons over England's extent.
* :func:`synthetic_divisions` — an 84-area Norfolk-sized Voronoi set.
* :func:`norfolk_divisions` — the REAL 84 Norfolk divisions from ``../shared/data`` when present
  (the areas are real; only the points put inside them are synthetic).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import MEASURES, SHARED_DATA_DIR, SYNTHETIC_LABEL, WORKING_CRS

ENGLAND_BOUNDS = (82_000.0, 5_000.0, 656_000.0, 658_000.0)
"""Rough BNG extent of England (minx, miny, maxx, maxy), metres."""
NORFOLK_BOUNDS = (560_000.0, 278_000.0, 656_000.0, 346_000.0)
"""Rough BNG extent of Norfolk, metres."""
NORFOLK_CED_FILE = "norfolk_ced_2025_simplified.geojson"
COVERAGE_COLUMNS: tuple[str, ...] = ("premises", *(f"n_{k}" for k in MEASURES))
"""The count columns of :func:`synthetic_postcodes`."""


def _label(frame: pd.DataFrame, *, what: str) -> pd.DataFrame:
    frame["synthetic"] = True
    frame.attrs.update(synthetic=True, label=SYNTHETIC_LABEL, source=f"synthetic {what}")
    return frame


def _voronoi(n: int, bounds: tuple[float, float, float, float], *, seed: int, prefix: str):
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = bounds
    seeds = shapely.points(rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n))
    box = shapely.box(*bounds)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box))
    cells = shapely.intersection(cells, box)
    # Order cells by the seed they hold, so codes are stable for a seed.
    tree = shapely.STRtree(cells)
    seed_idx, cell_idx = tree.query(seeds, predicate="intersects")
    first = np.r_[True, seed_idx[1:] != seed_idx[:-1]]
    order = cell_idx[first]
    codes = [f"{prefix}{i:06d}" for i in range(len(order))]
    return gpd.GeoDataFrame(
        {"area_code": codes, "area_name": [f"Synthetic area {c}" for c in codes]},
        geometry=cells[order],
        crs=WORKING_CRS,
    )


def synthetic_wards(n: int = 8_000, *, seed: int = 1) -> gpd.GeoDataFrame:
    """About ``n`` ward-like Voronoi polygons tiling England's bounding box (synthetic).

    Neighbours share edges exactly, so points on borders exercise the lowest-code rule.
    Codes are ``S99`` + six digits (no real GSS code starts with S99).
    """
    return _label(_voronoi(n, ENGLAND_BOUNDS, seed=seed, prefix="S99"), what="wards")


def synthetic_divisions(n: int = 84, *, seed: int = 2) -> gpd.GeoDataFrame:
    """A Norfolk-sized set of ``n`` Voronoi divisions (synthetic), codes ``S98`` + digits."""
    return _label(_voronoi(n, NORFOLK_BOUNDS, seed=seed, prefix="S98"), what="divisions")


def norfolk_divisions(data_dir: Path = SHARED_DATA_DIR) -> gpd.GeoDataFrame | None:
    """The real 84 Norfolk divisions (EPSG:27700), or ``None`` when ``../shared/data`` is absent."""
    path = Path(data_dir) / NORFOLK_CED_FILE
    if not path.exists():
        return None
    from geo.geometry.boundaries import load_boundaries

    return load_boundaries(path)


def _points_within(
    n: int, areas: gpd.GeoDataFrame, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points spread uniformly inside the union of ``areas`` (rejection sampling)."""
    union = shapely.union_all(areas.geometry.to_numpy())
    shapely.prepare(union)
    minx, miny, maxx, maxy = union.bounds
    share = max(union.area / ((maxx - minx) * (maxy - miny)), 0.05)
    xs, ys, got = [], [], 0
    while got < n:
        m = int((n - got) / share * 1.2) + 16
        x, y = rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)
        keep = shapely.contains_xy(union, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        got += int(keep.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _clustered(
    n: int, bounds: tuple[float, float, float, float], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Points clustered around random "towns" (70%) plus a uniform rural scatter (30%)."""
    minx, miny, maxx, maxy = bounds
    n_towns = max(1, min(2_000, n // 200))
    tx, ty = rng.uniform(minx, maxx, n_towns), rng.uniform(miny, maxy, n_towns)
    spread = rng.uniform(500.0, 5_000.0, n_towns)
    n_town = int(n * 0.7)
    which = rng.integers(0, n_towns, n_town)
    x = np.concatenate(
        [tx[which] + rng.normal(0, 1, n_town) * spread[which], rng.uniform(minx, maxx, n - n_town)]
    )
    y = np.concatenate(
        [ty[which] + rng.normal(0, 1, n_town) * spread[which], rng.uniform(miny, maxy, n - n_town)]
    )
    return x, y


def synthetic_postcodes(
    n: int,
    *,
    areas: gpd.GeoDataFrame | None = None,
    bounds: tuple[float, float, float, float] = ENGLAND_BOUNDS,
    seed: int = 0,
    geometry: bool = True,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """``n`` synthetic postcode points with premises and nested coverage counts.

    Parameters
    ----------
    n
        Number of points.
    areas
        When given, points are spread uniformly inside these polygons (e.g. the real Norfolk
        divisions); otherwise they cluster around towns within ``bounds`` and a few fall
        outside every area (at the edge of the box, as postcodes at sea would).
    seed
        Seed of the random generator: the same arguments always give the same frame.
    geometry
        ``False`` returns a plain DataFrame with ``x``/``y`` columns only (no shapely points).

    Returns
    -------
    GeoDataFrame or DataFrame
        EPSG:27700, RangeIndex; columns ``postcode``, ``x``, ``y``, :data:`COVERAGE_COLUMNS`,
        ``synthetic`` (always ``True``). ``full_fibre ≤ gigabit ≤ ufbb ≤ sfbb ≤ premises`` and
        ``no_decent ≤ below_uso ≤ unable_10 ≤ premises − sfbb``.
    """
    rng = np.random.default_rng(seed)
    x, y = _points_within(n, areas, rng) if areas is not None else _clustered(n, bounds, rng)
    x, y = np.round(x), np.round(y)  # postcode centroids are whole metres
    premises = rng.poisson(14, n).astype(np.int64) + 1
    rate = rng.beta(8, 2, n)
    sfbb = rng.binomial(premises, rate)
    ufbb = rng.binomial(sfbb, 0.7)
    gigabit = rng.binomial(ufbb, 0.9)
    full_fibre = rng.binomial(gigabit, 0.8)
    unable_10 = rng.binomial(premises - sfbb, 0.3)
    below_uso = rng.binomial(unable_10, 0.8)
    counts = {
        "sfbb": sfbb,
        "ufbb": ufbb,
        "gigabit": gigabit,
        "full_fibre": full_fibre,
        "unable_10": unable_10,
        "below_uso": below_uso,
        "no_decent": rng.binomial(below_uso, 0.7),
    }
    frame = pd.DataFrame(
        {
            "postcode": pd.array([f"SYN {i:07d}" for i in range(n)], dtype="string"),
            "x": x,
            "y": y,
            "premises": premises,
            **{f"n_{k}": counts[k].astype(np.int64) for k in MEASURES},
        }
    )
    if geometry:
        frame = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(x, y), crs=WORKING_CRS)
    return _label(frame, what="postcodes")


__all__ = [
    "COVERAGE_COLUMNS",
    "ENGLAND_BOUNDS",
    "NORFOLK_BOUNDS",
    "norfolk_divisions",
    "synthetic_divisions",
    "synthetic_postcodes",
    "synthetic_wards",
]
