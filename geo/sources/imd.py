"""English Indices of Deprivation (IMD 2019 or IoD 2025) by LSOA, and its aggregation to divisions.

IMD 2019 ranks 2011 LSOAs, IoD 2025 ranks 2021 LSOAs (about 1,500 residents each); the reader
tells the edition from the code column (``LSOA code (2011)`` or ``LSOA code (2021)``) and reads
File 1 (rank and decile, the ``IMD2019``/``IMD25`` sheet saved as CSV) or File 7 (every score,
rank and decile, published as CSV; its IMD score is kept). Layouts: ``docs/formats-iod.md``.
IMD figures only mean something on LSOAs of their own census year, so
:func:`lsoa_mismatch` says when the loaded LSOA boundaries are of the other year.

A division's deprivation is the mean of its LSOAs' national ranks, weighted in one of two
documented ways:

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

from geo.config import MAX_IMD_FILE_BYTES, ImdEdition, imd_edition
from geo.errors import DataError
from geo.geometry.aggregate import AREA_CODE, assign_areas
from geo.geometry.crs import to_working
from geo.sources.tabular import Table, parse_numbers, read_table

EDITION_BY_CODE_HEADER: dict[str, str] = {
    "LSOA code (2011)": "IoD2019",
    "LSOA code (2021)": "IoD2025",
}
"""The code column's published header → the edition (:data:`geo.config.IMD_EDITIONS`)."""
IMD_COLUMNS: dict[str, str] = {
    "LSOA code (2011)": "lsoa_code",
    "LSOA code (2021)": "lsoa_code",
    "LSOA name (2011)": "lsoa_name",
    "LSOA name (2021)": "lsoa_name",
    "Local Authority District code (2019)": "lad_code",
    "Local Authority District code (2024)": "lad_code",
    "Index of Multiple Deprivation (IMD) Score": "imd_score",
    "Index of Multiple Deprivation (IMD) Rank": "imd_rank",
    "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)": "imd_rank",
    "Index of Multiple Deprivation (IMD) Decile": "imd_decile",
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)": (
        "imd_decile"
    ),
}
"""Published headers (IoD2019 and IoD2025, File 1 and File 7) → our column."""
OUR_COLUMNS = tuple(dict.fromkeys(IMD_COLUMNS.values()))
REQUIRED = ("lsoa_code", "imd_rank")
"""Columns (ours) a File 1 or File 7 CSV must have."""
LSOA_CODE = r"[EW]01\d{6}"
"""An LSOA's GSS code (England E01, Wales W01; 2011 and 2021 codes look alike)."""
MAX_IMD_SCORE = 100.0
"""IMD scores are weighted sums of domain exponentials, from 0 to below 100."""
LSOA_CODE_FIELDS: dict[str, str] = {"LSOA11CD": "2011", "LSOA21CD": "2021"}
"""A boundary file's LSOA code field → the census year of its LSOAs."""
METHODS = ("centroid", "area")
MOST_DEPRIVED_DECILES = (1, 2)


def is_imd_header(first_line: str) -> bool:
    """True when a CSV header line looks like IoD File 1 or File 7 (2019 or 2025)."""
    line = first_line.lower()
    return "imd" in line and any(h.lower() in line for h in EDITION_BY_CODE_HEADER)


def edition_of(imd: pd.DataFrame) -> ImdEdition:
    """The edition a :func:`read_imd` frame (or the stored ``imd`` layer) comes from."""
    return imd_edition(imd.attrs.get("vintage"))


def read_imd(path: str | Path, *, filename: str | None = None) -> pd.DataFrame:
    """Read IoD File 1 or File 7 (CSV, 2019 or 2025) into ``lsoa_code``, ``lsoa_name``,
    ``lad_code``, ``imd_rank``, ``imd_decile`` (derived from the rank when absent) and, from
    File 7, ``imd_score``; ``attrs["vintage"]`` is the edition (``"IoD2019"``/``"IoD2025"``).

    The bytes go through :func:`geo.sources.tabular.read_table`, the one CSV reader: UTF-8
    (with or without BOM), UTF-16 with BOM or cp1252; a NUL or other control character is
    refused with its row, never truncated; row numbers are spreadsheet rows (header = 1) and
    blank lines keep them.

    Raises
    ------
    DataError
        A file with no records or a code column of neither edition; every missing column,
        blank or duplicate code and bad rank, decile or score, with its row.
    """
    path = Path(path)
    name = filename or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError.single(name, f"could not be read ({exc.strerror})") from exc
    aliases: dict[str, list[str]] = {}
    for published, ours in IMD_COLUMNS.items():
        aliases.setdefault(ours, []).append(published)
    table = read_table(
        data, filename=name, aliases=aliases, required=REQUIRED, max_bytes=MAX_IMD_FILE_BYTES
    )
    edition = _edition(table)
    code = table.col("lsoa_code")
    for row in code.index[code == ""]:
        table.add("LSOA code is blank", row=int(row), column="lsoa_code", value="")
    wrong = (code != "") & ~code.str.fullmatch(LSOA_CODE).fillna(False).astype(bool)
    for row in code.index[wrong]:
        table.add(
            f"is not a {edition.lsoa_vintage} LSOA code (E01 or W01 and 6 digits, e.g. E01026419)",
            row=int(row),
            column="lsoa_code",
            value=code[row],
        )
    dupes = code.duplicated(keep=False) & (code != "")
    for row in code.index[dupes]:
        table.add("duplicate LSOA code", row=int(row), column="lsoa_code", value=code[row])
    rank = parse_numbers(table, "imd_rank", blank_ok=False, integer=True)
    for row in rank.index[(rank < 1) | (rank > edition.lsoas)]:
        table.add(
            f"rank must be a whole number from 1 to {edition.lsoas:,}",
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
    if table.has("imd_score"):
        score = parse_numbers(table, "imd_score", blank_ok=False, minimum=0.0,
                              maximum=MAX_IMD_SCORE)  # fmt: skip
    table.finish()
    out = pd.DataFrame({c: table.col(c) for c in OUR_COLUMNS if table.has(c)})
    out["imd_rank"] = rank.astype(int)
    out["imd_decile"] = (
        decile.astype(int)
        if table.has("imd_decile")
        else decile_from_rank(out["imd_rank"], lsoas=edition.lsoas)
    )
    if table.has("imd_score"):
        out["imd_score"] = score.astype(float)
    out.attrs["source"] = name
    out.attrs["vintage"] = edition.key
    return out.reset_index(drop=True)


def _edition(table: Table) -> ImdEdition:
    """The edition named by the code column's header (``LSOA code (2011)`` or ``(2021)``)."""
    published = table.name("lsoa_code")
    key = next((e for h, e in EDITION_BY_CODE_HEADER.items() if h.lower() == published.lower()),
               None)  # fmt: skip
    if key is None:
        raise DataError.single(
            table.filename,
            f"the code column '{published}' names no IMD edition: expected "
            + " or ".join(f"'{h}'" for h in EDITION_BY_CODE_HEADER),
            column=published,
        )
    return imd_edition(key)


def decile_from_rank(rank: pd.Series, *, lsoas: int | None = None) -> pd.Series:
    """National decile (1 = most deprived 10%) from a rank among ``lsoas`` LSOAs (default:
    IMD 2019's 32,844)."""
    n = lsoas or imd_edition().lsoas
    return (np.ceil(rank.astype(float) * 10 / n)).clip(1, 10).astype(int)


def lsoa_polygons(raw: gpd.GeoDataFrame, *, source: str) -> gpd.GeoDataFrame:
    """``lsoa_code``, ``lsoa_name``, geometry (EPSG:27700) from a boundary file with LSOA11CD
    or LSOA21CD; ``attrs["vintage"]`` is the census year of its LSOAs (``"2011"``/``"2021"``)."""
    gdf = to_working(raw, source=source)
    code = next((c for c in gdf.columns if c.upper() in LSOA_CODE_FIELDS), None)
    if code is None:
        raise DataError.single(source, "has no LSOA11CD or LSOA21CD column", column="LSOA11CD")
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
    out.attrs["vintage"] = LSOA_CODE_FIELDS[code.upper()]
    return out


def lsoa_mismatch(imd: pd.DataFrame, lsoa: pd.DataFrame) -> str | None:
    """Why ``imd`` cannot be matched to the LSOA boundaries ``lsoa`` (``"<IMD source>: …"``),
    or ``None`` when it can.

    An edition ranks the LSOAs of one census year; most codes stayed the same in 2021, so a
    join across years would match most LSOAs and silently drop or misplace the changed ones.
    The years are compared when both are recorded (``attrs["vintage"]``); otherwise a join
    that matches no code at all is the sign.
    """
    reason = _mismatch(imd, lsoa)
    return None if reason is None else f"{_imd_source(imd)}: {reason}"


def _imd_source(imd: pd.DataFrame) -> str:
    return str(imd.attrs.get("source") or "imd")


def _mismatch(imd: pd.DataFrame, lsoa: pd.DataFrame) -> str | None:
    edition = edition_of(imd)
    have = lsoa.attrs.get("vintage")
    boundaries = f"the LSOA boundaries loaded ({lsoa.attrs.get('source') or 'lsoa'})"
    if have and str(have) != edition.lsoa_vintage:
        return (
            f"{edition.name} ranks {edition.lsoa_vintage} LSOAs but {boundaries} are {have} "
            f"LSOAs; import {edition.lsoa_vintage} LSOA boundaries "
            f"(LSOA{edition.lsoa_vintage[2:]}CD) or the IMD edition for {have} LSOAs"
        )
    if len(imd) and len(lsoa) and not set(imd["lsoa_code"]) & set(lsoa["lsoa_code"]):
        return (
            f"none of its {edition.name} LSOA codes is among {boundaries}: are they of another "
            "census year or area?"
        )
    return None


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
        deciles 1–2) and ``deprivation`` = 100 × (1 − (mean rank − 1) / (N − 1)), N the LSOAs
        the edition ranks (32,844 in 2019, 33,755 in 2025): 100 is the most deprived LSOA in
        England, 0 the least. NaN where no LSOA falls. ``attrs["vintage"]`` is the edition.

    Raises
    ------
    DataError
        The IMD and the LSOA boundaries are of different census years (:func:`lsoa_mismatch`).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    problem = _mismatch(imd, lsoa)
    if problem:
        raise DataError.single(_imd_source(imd), problem, column="lsoa_code")
    edition = edition_of(imd)
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
    out["deprivation"] = 100.0 * (1 - (out["imd_mean_rank"] - 1) / (edition.lsoas - 1))
    out.attrs["method"] = method
    out.attrs["vintage"] = edition.key
    return out


__all__ = [
    "EDITION_BY_CODE_HEADER",
    "IMD_COLUMNS",
    "LSOA_CODE_FIELDS",
    "METHODS",
    "decile_from_rank",
    "edition_of",
    "imd_by_area",
    "is_imd_header",
    "lsoa_mismatch",
    "lsoa_polygons",
    "read_imd",
]
