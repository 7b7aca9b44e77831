"""Premises-weighted coverage figures per area from Ofcom rows (see :mod:`geo.sources.ofcom`).

Figures are always premises-weighted: a count of premises over a count of premises, summed
across rows. Percentages are never averaged.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import MEASURES, WORKING_CRS
from geo.geometry.aggregate import AREA_CODE, aggregate_points

METHOD_POSTCODE = "postcode centroids"
METHOD_OA = "output-area centroids"
METHOD_LAD = "local authority (district figure)"
METHOD_NONE = "no data finer than the district"
WEIGHT = "Ofcom 'All Premises'"


def measure_columns(table: pd.DataFrame) -> list[str]:
    """The ``n_<measure>`` columns present in ``table``, in display order."""
    return [f"n_{k}" for k in MEASURES if f"n_{k}" in table.columns]


def with_percentages(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``pct_<measure>`` = 100 × n / premises (NaN where premises is 0 or unknown)."""
    out = table.copy()
    premises = out["premises"].astype(float).where(out["premises"] > 0)
    for col in measure_columns(out):
        out[f"pct_{col[2:]}"] = 100.0 * out[col] / premises
    return out


def coverage_by_area(
    coverage: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    locations: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Premises-weighted coverage per area.

    Parameters
    ----------
    coverage
        One release from :func:`read_coverage`.
    areas
        Normalised boundaries (``area_code``, ``area_name``, geometry in EPSG:27700).
    locations
        For postcode- or OA-level files: centroids indexed by the same identifier (postcode
        as ``"NR1 2AB"``, see :func:`geo.sources.postcodes.read_postcode_file`, or OA code) with
        ``easting`` and ``northing`` in EPSG:27700.
        Ignored for LA-level files.

    Returns
    -------
    GeoDataFrame
        ``areas`` plus ``premises``, ``n_<m>``, ``pct_<m>``, ``method``, ``weight``; ``attrs``
        gains ``unmatched`` (identifiers with no location or in no area) and ``release``.
        With an LA-level file, only areas that *are* districts get figures; all others get NaN
        and ``method`` = "no data finer than the district" — a district figure is never spread
        over the divisions inside it.
    """
    level = coverage.attrs.get("level")
    cols = ["premises", *measure_columns(coverage)]
    out = areas.copy()
    unmatched: list[str] = []
    if level == "lad":
        table = coverage.set_index("area_id")[cols]
        hit = out[AREA_CODE].isin(table.index)
        joined = table.reindex(out[AREA_CODE]).reset_index(drop=True)
        for col in cols:
            out[col] = joined[col].to_numpy()
        out["method"] = np.where(hit, METHOD_LAD, METHOD_NONE)
    elif level in ("postcode", "oa"):
        if locations is None:
            raise ValueError(f"a {level}-level coverage file needs `locations` (centroids)")
        located = coverage.join(locations[["easting", "northing"]], on="area_id", how="left")
        missing = located["easting"].isna() | located["northing"].isna()
        unmatched.extend(located.loc[missing, "area_id"].tolist())
        located = located[~missing]
        points = gpd.GeoDataFrame(
            located[cols].fillna(0),
            geometry=gpd.points_from_xy(located["easting"], located["northing"]),
            crs=WORKING_CRS,
        )
        totals, outside = aggregate_points(points, out, columns=cols, points_name=level)
        unmatched.extend(located.loc[outside.to_numpy(), "area_id"].tolist())
        for col in cols:
            out[col] = totals[col].to_numpy()
        method = METHOD_POSTCODE if level == "postcode" else METHOD_OA
        out["method"] = np.where(totals["n_points"].to_numpy() > 0, method, METHOD_NONE)
    else:
        raise ValueError(f"unknown coverage level {level!r}")
    out["weight"] = WEIGHT
    out = gpd.GeoDataFrame(with_percentages(out), geometry="geometry", crs=areas.crs)
    out.attrs = {
        **areas.attrs,
        "release": _single_release(coverage),
        "coverage_level": level,
        "count_source": coverage.attrs.get("count_source", {}),
        "unmatched": unmatched,
    }
    return out


def _single_release(coverage: pd.DataFrame) -> str:
    releases = coverage["release"].unique() if "release" in coverage else ["unknown"]
    if len(releases) != 1:
        raise ValueError(f"one release at a time, got {sorted(releases)}; use select_release")
    return str(releases[0])


def select_release(coverage: pd.DataFrame, release: str) -> pd.DataFrame:
    """One release of a multi-release table, keeping its ``attrs``."""
    out = coverage[coverage["release"] == release].reset_index(drop=True)
    out.attrs = dict(coverage.attrs)
    return out


def totals(table: pd.DataFrame) -> pd.Series:
    """Premises-weighted figures over all rows of ``table`` (areas or file rows).

    Rows with unknown premises are left out of both numerator and denominator.
    """
    known = table[table["premises"].notna()]
    summed = known[["premises", *measure_columns(known)]].sum(min_count=1)
    premises = summed["premises"]
    for col in measure_columns(known):
        summed[f"pct_{col[2:]}"] = (
            100.0 * summed[col] / premises if premises and premises > 0 else np.nan
        )
    return summed


def trend(coverage: pd.DataFrame, *, area_ids: list[str] | None = None) -> pd.DataFrame:
    """Premises-weighted figures per release for ``area_ids`` (all rows when ``None``).

    A release without premises counts gives NaN, not an unweighted mean.
    """
    rows = coverage if area_ids is None else coverage[coverage["area_id"].isin(area_ids)]
    out = {rel: totals(group) for rel, group in rows.groupby("release", sort=True)}
    return pd.DataFrame(out).T.rename_axis("release")


FINEST_FIRST = ("postcode", "oa", "lad")


def best_figures(
    coverage: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    release: str,
    postcodes: pd.DataFrame | None = None,
    oa_centroids: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Figures per area from the finest file level available for ``release``.

    Postcode-level rows (with a postcode lookup) beat OA-level rows (with OA centroids), which
    beat local-authority rows; LA rows only ever give figures to areas that are districts.
    """
    rows = coverage[coverage["release"] == release]
    if rows.empty:
        raise ValueError(f"no coverage rows for release {release!r}")
    levels = (
        rows["level"]
        if "level" in rows
        else pd.Series(coverage.attrs.get("level"), index=rows.index)
    )
    locations = {"postcode": postcodes, "oa": oa_centroids, "lad": None}
    for level in FINEST_FIRST:
        chosen = rows[levels == level]
        if chosen.empty or (level != "lad" and locations[level] is None):
            continue
        chosen = chosen.reset_index(drop=True)
        chosen.attrs = {**coverage.attrs, "level": level}
        return coverage_by_area(chosen, areas, locations=locations[level])
    raise ValueError(
        f"release {release!r} has only {sorted(levels.unique())}-level rows "
        "and no lookup to place them"
    )


def county_figures(
    figures: gpd.GeoDataFrame, coverage: pd.DataFrame, *, release: str, lad_codes: list[str]
) -> tuple[pd.Series, str]:
    """The county's premises-weighted figures and how they were made.

    When the areas have finer-than-district figures, the county figure is their sum; otherwise
    it is the sum of the county's district rows in the LA-level file.
    """
    if (figures["method"].isin([METHOD_POSTCODE, METHOD_OA])).any():
        return totals(figures), f"sum over areas ({figures['method'].iloc[0]})"
    rows = district_rows(coverage, lad_codes, release=release)
    return totals(rows), f"sum over {len(rows)} district rows"


def district_rows(
    coverage: pd.DataFrame, codes: list[str] | str, *, release: str | None = None
) -> pd.DataFrame:
    """The local-authority-level rows of ``coverage`` for GSS ``codes`` (one release if given).

    The one place that tells district rows from OA or postcode rows of the same release.
    """
    wanted = [codes] if isinstance(codes, str) else list(codes)
    rows = coverage[coverage["area_id"].isin(wanted)]
    if release is not None:
        rows = rows[rows["release"] == release]
    if "level" in rows:
        rows = rows[rows["level"] == "lad"]
    return rows


__all__ = [
    "best_figures",
    "county_figures",
    "coverage_by_area",
    "district_rows",
    "measure_columns",
    "select_release",
    "totals",
    "trend",
    "with_percentages",
]
