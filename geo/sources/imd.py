"""English Indices of Deprivation 2019 (IMD) by LSOA, and its aggregation to divisions.

IMD is published per 2011 LSOA (about 1,500 residents each). A division's deprivation is the
mean of its LSOAs' national ranks, weighted in one of two documented ways:

``"centroid"`` (default)
    Each LSOA belongs wholly to the division holding its representative point (a point always
    inside the polygon); every LSOA weighs the same. LSOAs have similar populations, so this is
    close to a population-weighted mean.
``"area"``
    Each LSOA counts in every division it overlaps, weighted by the share of the LSOA's area
    inside that division (areas in EPSG:27700, m²). This assumes people are spread evenly within
    an LSOA; an LSOA split 70/30 contributes 0.7 and 0.3 of an LSOA.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import IMD_2019_LSOAS, MAX_IMD_FILE_BYTES
from geo.errors import DataError
from geo.geometry.aggregate import AREA_CODE, assign_areas
from geo.geometry.crs import to_working
from geo.sources.tabular import parse_numbers, read_table

IMD_COLUMNS: dict[str, str] = {
    "LSOA code (2011)": "lsoa_code",
    "LSOA name (2011)": "lsoa_name",
    "Local Authority District code (2019)": "lad_code",
    "Index of Multiple Deprivation (IMD) Rank": "imd_rank",
    "Index of Multiple Deprivation (IMD) Decile": "imd_decile",
}
"""Published header (IoD2019 File 1) → our column."""
REQUIRED = ("lsoa_code", "imd_rank")
"""Columns (ours) a File 1 CSV must have."""
LSOA_CODE = r"[EW]01\d{6}"
"""A 2011 LSOA's GSS code (England E01, Wales W01)."""
METHODS = ("centroid", "area")
MOST_DEPRIVED_DECILES = (1, 2)


def is_imd_header(first_line: str) -> bool:
    """True when a CSV header line looks like IoD2019 File 1."""
    return "lsoa code (2011)" in first_line.lower() and "imd" in first_line.lower()


def read_imd(path: str | Path, *, filename: str | None = None) -> pd.DataFrame:
    """Read IoD2019 File 1 (CSV) into ``lsoa_code``, ``lsoa_name``, ``lad_code``, ``imd_rank``,
    ``imd_decile`` (decile derived from the rank when the column is absent).

    The bytes go through :func:`geo.sources.tabular.read_table`, the one CSV reader: UTF-8
    (with or without BOM), UTF-16 with BOM or cp1252; a NUL or other control character is
    refused with its row, never truncated; row numbers are spreadsheet rows (header = 1) and
    blank lines keep them.

    Raises
    ------
    DataError
        A file with no records; every missing column, blank or duplicate code and bad rank or
        decile, with its row.
    """
    path = Path(path)
    name = filename or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError.single(name, f"could not be read ({exc.strerror})") from exc
    table = read_table(
        data,
        filename=name,
        aliases={ours: (published,) for published, ours in IMD_COLUMNS.items()},
        required=REQUIRED,
        max_bytes=MAX_IMD_FILE_BYTES,
    )
    code = table.col("lsoa_code")
    for row in code.index[code == ""]:
        table.add("LSOA code is blank", row=int(row), column="lsoa_code", value="")
    wrong = (code != "") & ~code.str.fullmatch(LSOA_CODE).fillna(False).astype(bool)
    for row in code.index[wrong]:
        table.add(
            "is not a 2011 LSOA code (E01 or W01 and 6 digits, e.g. E01026419)",
            row=int(row),
            column="lsoa_code",
            value=code[row],
        )
    dupes = code.duplicated(keep=False) & (code != "")
    for row in code.index[dupes]:
        table.add("duplicate LSOA code", row=int(row), column="lsoa_code", value=code[row])
    rank = parse_numbers(table, "imd_rank", blank_ok=False, integer=True)
    for row in rank.index[(rank < 1) | (rank > IMD_2019_LSOAS)]:
        table.add(
            f"rank must be a whole number from 1 to {IMD_2019_LSOAS:,}",
            row=int(row),
            column="imd_rank",
            value=table.col("imd_rank")[row],
        )
    if table.has("imd_decile"):
        decile = pd.to_numeric(table.col("imd_decile"), errors="coerce")
        for row in decile.index[~decile.isin(range(1, 11))]:
            table.add(
                "decile must be 1 to 10",
                row=int(row),
                column="imd_decile",
                value=table.col("imd_decile")[row],
            )
    table.finish()
    out = pd.DataFrame({c: table.col(c) for c in IMD_COLUMNS.values() if table.has(c)})
    out["imd_rank"] = rank.astype(int)
    out["imd_decile"] = (
        decile.astype(int) if table.has("imd_decile") else decile_from_rank(out["imd_rank"])
    )
    out.attrs["source"] = name
    return out.reset_index(drop=True)


def decile_from_rank(rank: pd.Series) -> pd.Series:
    """National decile (1 = most deprived 10%) from an IMD 2019 rank."""
    return (np.ceil(rank.astype(float) * 10 / IMD_2019_LSOAS)).clip(1, 10).astype(int)


def lsoa_polygons(raw: gpd.GeoDataFrame, *, source: str) -> gpd.GeoDataFrame:
    """``lsoa_code``, ``lsoa_name``, geometry (EPSG:27700) from a boundary file with LSOA11CD."""
    gdf = to_working(raw, source=source)
    code = next((c for c in gdf.columns if c.upper() in ("LSOA11CD", "LSOA21CD")), None)
    if code is None:
        raise DataError.single(source, "has no LSOA11CD column", column="LSOA11CD")
    name = next((c for c in gdf.columns if c.upper() in ("LSOA11NM", "LSOA21NM")), None)
    out = gpd.GeoDataFrame(
        {
            "lsoa_code": gdf[code].astype(str),
            "lsoa_name": gdf[name].astype(str) if name else gdf[code].astype(str),
        },
        geometry=gdf.geometry.make_valid().to_numpy(),
        crs=gdf.crs,
    )
    out.attrs["source"] = source
    return out


def imd_by_area(
    imd: pd.DataFrame,
    lsoa: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    method: str = "centroid",
) -> pd.DataFrame:
    """Deprivation per area from LSOA ranks (see the module docstring for the two methods).

    Returns
    -------
    DataFrame
        Index ``area_code`` (every area); ``n_lsoa`` (LSOAs counted, fractional with
        ``"area"``), ``imd_mean_rank``, ``pct_most_deprived`` (% of those LSOAs in national
        deciles 1–2) and ``deprivation`` = 100 × (1 − (mean rank − 1) / (32,844 − 1)): 100 is
        the most deprived LSOA in England, 0 the least. NaN where no LSOA falls.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    polys = lsoa.merge(imd[["lsoa_code", "imd_rank", "imd_decile"]], on="lsoa_code", how="inner")
    polys = to_working(polys, source="lsoa")
    areas = to_working(areas, source="areas")
    if method == "centroid":
        points = gpd.GeoDataFrame(
            polys.drop(columns="geometry"),
            geometry=polys.geometry.representative_point(),
            crs=polys.crs,
        )
        pairs = pd.DataFrame(
            {
                AREA_CODE: assign_areas(points, areas, points_name="lsoa"),
                "w": 1.0,
                "imd_rank": polys["imd_rank"],
                "imd_decile": polys["imd_decile"],
            }
        ).dropna(subset=[AREA_CODE])
    else:
        pieces = gpd.overlay(
            polys[["lsoa_code", "imd_rank", "imd_decile", "geometry"]],
            areas[[AREA_CODE, "geometry"]],
            how="intersection",
            keep_geom_type=True,
        )
        whole = polys.set_index("lsoa_code").geometry.area
        pairs = pd.DataFrame(
            {
                AREA_CODE: pieces[AREA_CODE],
                "w": pieces.geometry.area / pieces["lsoa_code"].map(whole).to_numpy(),
                "imd_rank": pieces["imd_rank"],
                "imd_decile": pieces["imd_decile"],
            }
        )
    pairs["wr"] = pairs["w"] * pairs["imd_rank"]
    pairs["wd"] = pairs["w"] * pairs["imd_decile"].isin(MOST_DEPRIVED_DECILES)
    sums = pairs.groupby(AREA_CODE)[["w", "wr", "wd"]].sum()
    out = pd.DataFrame(index=pd.Index(areas[AREA_CODE].astype(str), name=AREA_CODE))
    sums = sums.reindex(out.index)
    out["n_lsoa"] = sums["w"].fillna(0.0)
    known = sums["w"].where(sums["w"] > 0)
    out["imd_mean_rank"] = sums["wr"] / known
    out["pct_most_deprived"] = 100.0 * sums["wd"] / known
    out["deprivation"] = 100.0 * (1 - (out["imd_mean_rank"] - 1) / (IMD_2019_LSOAS - 1))
    out.attrs["method"] = method
    return out


__all__ = [
    "IMD_COLUMNS",
    "METHODS",
    "decile_from_rank",
    "imd_by_area",
    "is_imd_header",
    "lsoa_polygons",
    "read_imd",
]
