"""UK postcodes: normalise, read the ONS postcode directories (ONSPD / NSPL), locate records.

Both directories give each postcode's grid reference in British National Grid metres
(EPSG:27700). Their column names changed in 2025 and this module reads both generations:

=============  ===========================  ==========================================
meaning        before 2025                  2025 onwards
=============  ===========================  ==========================================
postcode       ``pcds`` (or ``pcd``, ``pcd2``)  ``pcds`` (or ``pcd7``, ``pcd8``)
easting        ``oseast1m``                 ``east1m``
northing       ``osnrth1m``                 ``north1m``
grid quality   ``osgrdind`` (9 = none)      ``gridind``
terminated     ``doterm`` (YYYYMM or blank)  ``doterm``
OA / LSOA      ``oa21``/``oa11``, ``lsoa21``/``lsoa11``  ``oa21cd``, ``lsoa21cd``
district       ``oslaua`` (ONSPD), ``laua`` (NSPL)  ``lad25cd`` (any ``ladNNcd``)
=============  ===========================  ==========================================
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.config import GB_GRID_MAX, MAX_POSTCODE_FILE_BYTES, WORKING_CRS
from geo.errors import DataError, Problem
from geo.sources.tabular import Table, header_key, parse_numbers, read_table

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_SPECIAL = {"GIR0AA"}

POSTCODE_FILE_COLUMNS: dict[str, tuple[str, ...]] = {
    "postcode": ("pcds", "pcd", "pcd7", "pcd2", "pcd8"),
    "easting": ("east1m", "oseast1m"),
    "northing": ("north1m", "osnrth1m"),
    "grid_quality": ("gridind", "osgrdind"),
    "doterm": ("doterm",),
    "oa_code": ("oa21cd", "oa21", "oa11cd", "oa11"),
    "lsoa_code": ("lsoa21cd", "lsoa21", "lsoa11cd", "lsoa11"),
    "lad_code": ("oslaua", "laua"),
}
"""Canonical name → headers used by ONSPD / NSPL editions, newest first."""
_LAD_VINTAGED = re.compile(r"^lad\d{2}cd$")
NO_GRID_REFERENCE = "9"
"""``osgrdind`` / ``gridind`` value meaning the postcode has no grid reference."""


def normalise_postcode(s: object) -> str | None:
    """Return the postcode in upper case with one space before the inward code, or ``None``.

    Examples
    --------
    >>> normalise_postcode(" nr1  3qu")
    'NR1 3QU'
    >>> normalise_postcode("NR1 XYZ") is None
    True
    """
    if not isinstance(s, str):
        return None
    compact = re.sub(r"\s+", "", s).upper()
    if compact in _SPECIAL:
        return "GIR 0AA"
    m = _POSTCODE.match(compact)
    return f"{m.group(1)} {m.group(2)}" if m else None


def normalise_postcodes(values: pd.Series) -> pd.Series:
    """Vectorised :func:`normalise_postcode` (in Arrow); ``NaN`` where invalid, same index."""
    text = pa.array(values.astype(str).to_numpy(dtype=object), type=pa.string())
    out = normalise_postcode_array(text)
    return pd.Series(out.to_numpy(zero_copy_only=False), index=values.index, dtype="str")


def normalise_postcode_array(text: pa.Array) -> pa.Array:
    """:func:`normalise_postcode` over an Arrow string array; null where invalid."""
    compact = pc.utf8_upper(pc.replace_substring_regex(text, r"\s+", ""))
    valid = pc.match_substring_regex(compact, _POSTCODE.pattern)
    spaced = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(compact, 0, -3), pc.utf8_slice_codeunits(compact, -3), " "
    )
    special = pc.is_in(compact, value_set=pa.array(sorted(_SPECIAL)))
    return pc.if_else(special, "GIR 0AA", pc.if_else(valid, spaced, None))


def read_postcode_file(path_or_bytes: str | Path | bytes, *, filename: str) -> pd.DataFrame:
    """Read an ONSPD or NSPL CSV (any edition) into a postcode lookup.

    Parameters
    ----------
    path_or_bytes
        Path to the CSV, or its bytes.
    filename
        Name used in messages.

    Returns
    -------
    DataFrame
        Index: normalised postcode (unique). Columns ``easting``, ``northing`` (EPSG:27700
        metres; NaN when the directory holds no grid reference), ``terminated`` (bool, from
        ``doterm``), and ``oa_code``, ``lsoa_code``, ``lad_code`` when the file has them.

    Raises
    ------
    DataError
        Missing columns, malformed postcodes or coordinates, duplicate postcodes.
    """
    if isinstance(path_or_bytes, bytes):
        data = path_or_bytes
    else:
        path = Path(path_or_bytes)
        if not path.exists():
            raise DataError.single(filename, f"file not found at {path}")
        data = path.read_bytes()
    table = read_table(
        data,
        filename=filename,
        aliases=_aliases_for(data),
        required=("postcode", "easting", "northing"),
        max_bytes=MAX_POSTCODE_FILE_BYTES,
    )
    return _lookup_from_table(table)


def _aliases_for(data: bytes) -> dict[str, tuple[str, ...]]:
    """Aliases, with the first ``ladNNcd`` header (2025 editions) as the district code."""
    first_line = data[:4096].split(b"\n", 1)[0].decode("utf-8", "replace")
    headers = [header_key(h) for h in first_line.replace('"', "").split(",")]
    aliases = {k: v for k, v in POSTCODE_FILE_COLUMNS.items()}
    vintaged = [h for h in headers if _LAD_VINTAGED.match(h)]
    if vintaged:
        aliases["lad_code"] = (vintaged[0], *aliases["lad_code"])
    # Several postcode forms (pcd, pcd2, pcds) sit side by side: use only the best one.
    for form in POSTCODE_FILE_COLUMNS["postcode"]:
        if form in headers:
            aliases["postcode"] = (form,)
            aliases.update({f"_{f}": (f,) for f in POSTCODE_FILE_COLUMNS["postcode"] if f != form})
            break
    for key in ("easting", "northing", "grid_quality", "oa_code", "lsoa_code"):
        for form in POSTCODE_FILE_COLUMNS[key]:
            if form in headers:
                aliases[key] = (form,)
                others = [f for f in POSTCODE_FILE_COLUMNS[key] if f != form]
                aliases.update({f"_{f}": (f,) for f in others})
                break
    return aliases


def _lookup_from_table(table: Table) -> pd.DataFrame:
    raw = table.col("postcode")
    postcode = normalise_postcodes(raw)
    for row in raw.index[postcode.isna()]:
        table.add("is not a valid UK postcode", row=int(row), column="postcode", value=raw[row])
    grid = table.col("grid_quality")
    no_grid = (grid == NO_GRID_REFERENCE) | (table.col("easting") == "")
    east = _coordinates(table, "easting", no_grid, upper=GB_GRID_MAX[0])
    north = _coordinates(table, "northing", no_grid, upper=GB_GRID_MAX[1])
    doterm = table.col("doterm")
    bad_term = (doterm != "") & ~doterm.str.match(r"^\d{6}$")
    for row in doterm.index[bad_term]:
        table.add(
            "must be a month as YYYYMM or blank", row=int(row), column="doterm", value=doterm[row]
        )
    dup = postcode.notna() & postcode.duplicated(keep="first")
    for row in postcode.index[dup]:
        table.add("postcode is listed twice", row=int(row), column="postcode", value=raw[row])
    table.finish()
    out = pd.DataFrame(
        {
            "easting": east.where(~no_grid).to_numpy(),
            "northing": north.where(~no_grid).to_numpy(),
            "terminated": (doterm != "").to_numpy(),
        },
        index=pd.Index(postcode.astype(str).to_numpy(), name="postcode"),
    )
    for col in ("oa_code", "lsoa_code", "lad_code"):
        if table.has(col):
            out[col] = table.col(col).replace("", pd.NA).to_numpy()
    out.attrs["source"] = table.filename
    return out


def _coordinates(table: Table, column: str, no_grid: pd.Series, *, upper: float) -> pd.Series:
    values = parse_numbers(table, column)
    outside = ~no_grid & ((values < 0) | (values > upper))
    for row in values.index[outside]:
        table.add(
            f"must be a grid reference between 0 and {upper:,.0f} metres",
            row=int(row),
            column=column,
            value=table.col(column)[row],
        )
    return values


def locate_postcodes(
    postcodes: pd.Series,
    lookup: pd.DataFrame,
    *,
    filename: str,
    column: str,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Turn postcodes into points in EPSG:27700.

    Parameters
    ----------
    postcodes
        Postcodes as written in the upload; **the index is the spreadsheet row number**
        used in messages.
    lookup
        From :func:`read_postcode_file`.
    filename, column
        The upload's name and the postcode column as written there, for messages.

    Returns
    -------
    (points, problems)
        ``points``: GeoDataFrame indexed like ``postcodes`` holding only the located rows,
        with a ``postcode`` column (normalised). ``problems``: one per malformed, unknown,
        terminated or grid-less postcode — never dropped silently.
    """
    normal = normalise_postcodes(postcodes.fillna(""))
    problems: list[Problem] = []
    known = normal.isin(lookup.index)
    for row in postcodes.index[normal.isna()]:
        problems.append(
            Problem(
                filename,
                "is not a valid UK postcode",
                row=_row(row),
                column=column,
                value=postcodes[row],
            )
        )
    matched = lookup.reindex(normal.where(known).to_numpy())
    matched.index = postcodes.index
    for row in postcodes.index[normal.notna() & ~known]:
        problems.append(
            Problem(
                filename,
                "postcode not found in the postcode directory",
                row=_row(row),
                column=column,
                value=postcodes[row],
            )
        )
    terminated = known & matched["terminated"].fillna(False).astype(bool)
    for row in postcodes.index[terminated]:
        problems.append(
            Problem(
                filename,
                "postcode has been terminated (no longer in use); use the current postcode",
                row=_row(row),
                column=column,
                value=postcodes[row],
            )
        )
    no_grid = known & ~terminated & (matched["easting"].isna() | matched["northing"].isna())
    for row in postcodes.index[no_grid]:
        problems.append(
            Problem(
                filename,
                "postcode has no grid reference in the directory",
                row=_row(row),
                column=column,
                value=postcodes[row],
            )
        )
    ok = known & ~terminated & ~no_grid
    good = matched[ok.to_numpy()]
    points = gpd.GeoDataFrame(
        {"postcode": normal[ok].to_numpy()},
        geometry=shapely.points(
            good["easting"].to_numpy(dtype=float), good["northing"].to_numpy(dtype=float)
        )
        if len(good)
        else np.array([], dtype=object),
        index=postcodes.index[ok.to_numpy()],
        crs=WORKING_CRS,
    )
    problems.sort(key=lambda p: p.row or 0)
    return points, problems


def _row(label: object) -> int | None:
    try:
        return int(label)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


__all__ = [
    "NO_GRID_REFERENCE",
    "POSTCODE_FILE_COLUMNS",
    "locate_postcodes",
    "normalise_postcode",
    "normalise_postcode_array",
    "normalise_postcodes",
    "read_postcode_file",
]
