"""Premises-weighted coverage figures per area from Ofcom rows (see :mod:`geo.sources.ofcom`).

Figures are always premises-weighted: a count of premises over a count of premises, summed
across rows. Percentages are never averaged.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.oa_vintage import (
    centroid_set,
    check_unmatched,
    detect_oa_vintage,
    fetch_hint,
    method_text,
)
from geo.config import MEASURES, SNAP_TOLERANCE_M
from geo.geometry.aggregate import AREA_CODE, assign_areas_xy, snap_to_nearest, sum_by_area

METHOD_POSTCODE = "postcode centroids"
METHOD_OA = "output-area centroids"
METHOD_LAD = "local authority (district figure)"
METHOD_NONE = "no data finer than the district"
METHOD_DISTRICT = "district figure (LA file)"
"""An area without a figure of its own, shown with its district's (labelled, never summed)."""
WEIGHT = "Ofcom 'All Premises'"


def measure_columns(table: pd.DataFrame) -> list[str]:
    """The ``n_<measure>`` columns present in ``table``, in display order."""
    return [f"n_{k}" for k in MEASURES if f"n_{k}" in table.columns]


def published_only(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` without the ``n_<measure>`` columns that are blank in every row.

    The catalogue holds the columns of every file imported; a measure one file does not
    publish is blank in all its rows and must stay missing, never add up to zero.
    """
    unpublished = [c for c in measure_columns(rows) if rows[c].isna().all()]
    return rows.drop(columns=unpublished)


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
    snap_m: float = SNAP_TOLERANCE_M,
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
    snap_m
        A centroid in no area but within this many metres of one counts in the nearest
        (see :func:`geo.geometry.aggregate.snap_to_nearest`).

    Returns
    -------
    GeoDataFrame
        ``areas`` plus ``premises``, ``n_<m>``, ``pct_<m>``, ``method``, ``weight``; ``attrs``
        gains ``unmatched`` (identifiers with no location or in no area), ``placement``
        (counts and premises of rows placed, snapped into a gap's neighbour, with no location,
        outside every area) and ``release``.
        With an LA-level file, only areas that *are* districts get figures; all others get NaN
        and ``method`` = "no data finer than the district" — a district figure is never spread
        over the divisions inside it.
    """
    level = coverage.attrs.get("level")
    cols = ["premises", *measure_columns(coverage)]
    out = areas.copy()
    unmatched: list[str] = []
    placement: dict[str, object] = {}
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
        totals, placement, unmatched = _place_rows(coverage, areas, locations, cols, snap_m)
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
        "placement": placement,
    }
    return out


def _place_rows(
    coverage: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    locations: pd.DataFrame,
    cols: list[str],
    snap_m: float,
) -> tuple[pd.DataFrame, dict[str, object], list[str]]:
    """Sum located rows per area; facts about the rows that could not be placed."""
    located = coverage.join(locations[["easting", "northing"]], on="area_id", how="left")
    missing = (located["easting"].isna() | located["northing"].isna()).to_numpy()
    placed = located[~missing]
    x, y = placed["easting"].to_numpy(float), placed["northing"].to_numpy(float)
    codes = assign_areas_xy(x, y, areas, index=placed.index)
    codes, snapped = snap_to_nearest(x, y, codes, areas, max_distance=snap_m)
    outside = codes.isna().to_numpy()
    values = placed[cols].fillna(0)
    totals = sum_by_area(values, codes, areas, columns=cols)
    premises = located["premises"].fillna(0)
    kept = premises[~missing]
    placement: dict[str, object] = {
        "n_rows": len(located),
        "n_no_location": int(missing.sum()),
        "premises_no_location": float(premises[missing].sum()),
        "no_location_examples": located.loc[missing, "area_id"].head(5).tolist(),
        "n_outside": int(outside.sum()),
        "premises_outside": float(kept[outside].sum()),
        "n_snapped": int(snapped.sum()),
        "premises_snapped": float(kept[snapped.to_numpy()].sum()),
        "premises_placed": float(kept[~outside].sum()),
        "snap_m": snap_m,
    }
    unmatched = [
        *located.loc[missing, "area_id"].tolist(),
        *placed.loc[outside, "area_id"].tolist(),
    ]
    return totals, placement, unmatched


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
FIGURE_FROM = ("area", "district", "none")
"""``figure_from`` values: the area's own figure, its district's (labelled), or none."""


def best_figures(
    coverage: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    release: str,
    postcodes: pd.DataFrame | None = None,
    oa_centroids: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Figures per area from the finest file level available for ``release``.

    Postcode-level rows (with a postcode lookup) beat OA-level rows (with OA centroids of the
    file's own census vintage, see :mod:`geo.analysis.oa_vintage`), which beat
    local-authority rows; LA rows only ever give *own* figures to areas that are districts.

    An area with no figure of its own carries its district's (``lad_code``) from the LA rows
    of the same release, labelled: ``figure_from`` = "district", ``method`` = "district figure
    (LA file)", ``pct_<m>`` the district's, ``premises`` and ``n_<m>`` NaN (the area's own
    counts are unknown, so nothing sums a district twice).

    Returns
    -------
    GeoDataFrame
        :func:`coverage_by_area` columns plus ``figure_from`` (:data:`FIGURE_FROM`),
        ``figure_area`` / ``figure_area_name`` (whose figure it is), ``figure_needs`` (the file
        that would give the area its own figure; empty when it has one), ``source`` (file
        name) and ``release``. ``attrs["oa_vintage"]`` says how an OA file's vintage was read.

    Raises
    ------
    ValueError
        If the release has no rows.
    DataError
        If OAs with no centroid of the file's vintage hold more than 0.5% of the premises
        (:func:`geo.analysis.oa_vintage.check_unmatched`).
    """
    rows = coverage[coverage["release"] == release]
    if rows.empty:
        raise ValueError(f"no coverage rows for release {release!r}")
    levels = (
        rows["level"]
        if "level" in rows
        else pd.Series(coverage.attrs.get("level"), index=rows.index)
    )

    def level_rows(level: str) -> pd.DataFrame:
        chosen = published_only(rows[levels == level].reset_index(drop=True))
        chosen.attrs = {**coverage.attrs, "level": level}
        return chosen

    figures: gpd.GeoDataFrame | None = None
    needs = _own_file_hint(release)
    extra: dict[str, object] = {}
    for level in ("postcode", "oa"):
        chosen = level_rows(level)
        if chosen.empty:
            continue
        if level == "postcode":
            if postcodes is None:
                needs = "a postcode directory (ONSPD/NSPL) to place the postcode-level rows"
                continue
            figures = coverage_by_area(chosen, areas, locations=postcodes)
        else:
            vintage = detect_oa_vintage(
                chosen["area_id"],
                id_column=coverage.attrs.get("id_column"),
                centroids=oa_centroids,
            )
            located = centroid_set(oa_centroids, vintage.vintage)
            if located is None:
                needs = fetch_hint(vintage.vintage)
                extra["oa_vintage"] = vintage.__dict__
                continue
            figures = coverage_by_area(chosen, areas, locations=located)
            check_unmatched(figures.attrs["placement"], vintage=vintage, source=_source(chosen))
            method = method_text(vintage.vintage, str(located.attrs["kind"]))
            figures["method"] = figures["method"].replace(METHOD_OA, method)
            extra["oa_vintage"] = {**vintage.__dict__, "kind": located.attrs["kind"]}
        figures["source"] = _source(chosen)
        needs = "no centroid of the file falls in this area"
        break
    lad = level_rows("lad")
    if figures is None:
        if lad.empty:
            figures = _no_figures(areas, release, measure_columns(rows))
        else:
            figures = coverage_by_area(lad, areas)
            figures["source"] = _source(lad)
    figures = _with_district_fallback(figures, lad, needs=needs)
    figures["release"] = release
    figures.attrs.update(extra)
    return figures


def _own_file_hint(release: str) -> str:
    stem = release.replace("-", "")
    return (
        f"an Ofcom output-area file for {release} ({stem}_fixed_oa_coverage_rNN.csv) "
        "and OA centroids (python -m geo fetch --level oa)"
    )


def _source(rows: pd.DataFrame) -> str:
    names = rows["source"].dropna().astype(str).unique() if "source" in rows else []
    return "; ".join(sorted(names)) or str(rows.attrs.get("source", ""))


def _no_figures(areas: gpd.GeoDataFrame, release: str, counts: list[str]) -> gpd.GeoDataFrame:
    out = areas.copy()
    for col in ["premises", *counts, *[f"pct_{c[2:]}" for c in counts]]:
        out[col] = np.nan
    out["method"] = METHOD_NONE
    out["weight"] = WEIGHT
    out["source"] = ""
    out.attrs = {**areas.attrs, "release": release, "coverage_level": None, "unmatched": []}
    return out


def _with_district_fallback(
    figures: gpd.GeoDataFrame, lad: pd.DataFrame, *, needs: str
) -> gpd.GeoDataFrame:
    """Give areas without a figure their district's, labelled; fill the ``figure_*`` columns."""
    out = figures.copy()
    own = (out["method"] != METHOD_NONE).to_numpy()
    out["figure_from"] = np.where(own, "area", "none")
    out["figure_area"] = np.where(own, out[AREA_CODE].astype(str), "")
    out["figure_area_name"] = np.where(own, out["area_name"].astype(str), "")
    out["figure_needs"] = np.where(own, "", needs)
    if lad.empty or "lad_code" not in out or own.all():
        return out
    district = with_percentages(lad.drop_duplicates("area_id").set_index("area_id"))
    codes = out["lad_code"].astype("string")
    fill = ~own & codes.isin(district.index).fillna(False).to_numpy()
    if not fill.any():
        return out
    rows = district.reindex(codes[fill].astype(str))
    for col in [c for c in district.columns if c.startswith("pct_")]:
        if col not in out:
            out[col] = np.nan
        out.loc[fill, col] = rows[col].to_numpy()
    district_codes = rows.index.astype(str).to_numpy()
    names = rows["area_name"].to_numpy(dtype=object) if "area_name" in rows else district_codes
    names = np.where(pd.isna(names), district_codes, names)
    out.loc[fill, "method"] = METHOD_DISTRICT
    out.loc[fill, "figure_from"] = "district"
    out.loc[fill, "figure_area"] = district_codes
    out.loc[fill, "figure_area_name"] = names
    out.loc[fill, "source"] = _source(lad)
    return out


def county_figures(
    figures: gpd.GeoDataFrame, coverage: pd.DataFrame, *, release: str, lad_codes: list[str]
) -> tuple[pd.Series, str]:
    """The county's premises-weighted figures and how they were made.

    When the areas have finer-than-district figures, the county figure is the sum of the
    areas' own figures (district figures shown in their place are never added); otherwise it
    is the sum of the county's district rows in the LA-level file.
    """
    finer = figures.attrs.get("coverage_level") in ("postcode", "oa")
    own = figures[figures["figure_from"] == "area"] if "figure_from" in figures else figures
    if finer and len(own):
        return totals(own), f"sum over areas ({own['method'].iloc[0]})"
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
    "FIGURE_FROM",
    "METHOD_DISTRICT",
    "METHOD_LAD",
    "METHOD_NONE",
    "METHOD_OA",
    "METHOD_POSTCODE",
    "WEIGHT",
    "best_figures",
    "county_figures",
    "coverage_by_area",
    "district_rows",
    "measure_columns",
    "published_only",
    "select_release",
    "totals",
    "trend",
    "with_percentages",
]
