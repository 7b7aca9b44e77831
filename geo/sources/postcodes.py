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

import csv
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.config import GB_GRID_MAX, MAX_POSTCODE_FILE_BYTES, WORKING_CRS
from geo.errors import DataError, Problem, ProblemCollector
from geo.sources.csvstream import Opener, open_binary, opener_for
from geo.sources.tabular import (
    Table,
    _parser_error,
    by_value,
    decode_bytes,
    header_key,
    parse_numbers,
)

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


def _normalise_series(values: pd.Series) -> pd.Series:
    """Vectorised :func:`normalise_postcode`; ``NaN`` where invalid (work per distinct value)."""
    return by_value(values.fillna("").astype(str), _normalise_distinct)


def _normalise_distinct(values: pd.Series) -> pd.Series:
    text = pa.array(values.astype(str).to_numpy(dtype=object), type=pa.string())
    out = normalise_postcode_array(text).to_numpy(zero_copy_only=False)
    return pd.Series(out, index=values.index, dtype="str")


def normalise_postcode_array(text: pa.Array) -> pa.Array:
    """:func:`normalise_postcode` over an Arrow string array, in Arrow; null where invalid."""
    compact = pc.utf8_upper(pc.replace_substring_regex(text, r"\s+", ""))
    valid = pc.match_substring_regex(compact, _POSTCODE.pattern)
    spaced = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(compact, 0, -3), pc.utf8_slice_codeunits(compact, -3), " "
    )
    special = pc.is_in(compact, value_set=pa.array(sorted(_SPECIAL)))
    return pc.if_else(special, "GIR 0AA", pc.if_else(valid, spaced, None))


def normalise_postcodes(values: pd.Series) -> pd.Series:
    """:func:`normalise_postcode` for a whole column: object values, ``None`` where invalid."""
    out = _normalise_series(values).astype(object)
    return out.where(out.notna(), None)


def read_postcode_file(
    path_or_bytes: str | Path | bytes | Opener,
    *,
    filename: str,
    county: str | None = None,
    progress: bool = False,
    require_rows: bool = True,
) -> pd.DataFrame:
    """Read an ONSPD or NSPL CSV (any edition) into a postcode lookup, in one streamed pass.

    Parameters
    ----------
    path_or_bytes
        Path to the CSV, its bytes, or an opener (a zip member).
    filename
        Name used in messages.
    county
        Keep only the rows whose county column (``oscty``, ``cty``, ``ctyNNcd``) or district
        column (``oslaua``, ``laua``, ``ladNNcd``) is this GSS code: a UK-wide directory
        (about 2.7 million rows, 1 GB) is read in chunks of :data:`CHUNK_ROWS` and only the
        county's rows are kept. ``None`` keeps every row.
    progress
        Show a byte progress bar on stderr.
    require_rows
        False: a file with no row in ``county`` gives an empty lookup (one part of several).

    Returns
    -------
    DataFrame
        Index: normalised postcode (unique). Columns ``easting``, ``northing`` (EPSG:27700
        metres; NaN when the directory holds no grid reference), ``terminated`` (bool, from
        ``doterm``), and ``oa_code``, ``lsoa_code``, ``lad_code``, ``county_code`` (and
        ``oa11_code`` beside a newer ``oa_code``) when the file has them. ``attrs``:
        ``source``, ``rows_read``.

    Raises
    ------
    DataError
        Missing columns, malformed postcodes or coordinates, duplicate postcodes, no row in
        ``county``.
    """
    if isinstance(path_or_bytes, str | Path) and not Path(path_or_bytes).exists():
        raise DataError.single(filename, f"file not found at {path_or_bytes}")
    if isinstance(path_or_bytes, str | Path | bytes):
        size = opener_for(path_or_bytes)[1] or 0
        if size > MAX_POSTCODE_FILE_BYTES:
            raise DataError.single(
                filename,
                f"is too large ({size / 1e6:.0f} MB); the limit is "
                f"{MAX_POSTCODE_FILE_BYTES / 1e6:.0f} MB",
            )
    opener = opener_for(path_or_bytes)[0]
    with opener() as fh:
        if fh.read(2) in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 (a spreadsheet's export): small
            with opener() as whole:
                text = decode_bytes(whole.read(), filename=filename)
            path_or_bytes = text.encode("utf-8")
    try:
        return _read_streamed(path_or_bytes, filename, county, progress, require_rows, None)
    except UnicodeDecodeError:
        return _read_streamed(path_or_bytes, filename, county, progress, require_rows, "cp1252")


CHUNK_ROWS = 200_000
"""Rows per chunk when a postcode directory is streamed."""
_COUNTY_VINTAGED = re.compile(r"^cty\d{2}cd$")


def choose_columns(headers: list[str]) -> dict[str, str]:
    """Canonical name → the header a directory uses for it (first match, newest form first)."""
    keys = {header_key(h): h for h in reversed(headers)}
    forms = dict(POSTCODE_FILE_COLUMNS)
    forms["lad_code"] = (
        *[header_key(h) for h in headers if _LAD_VINTAGED.match(header_key(h))],
        *forms["lad_code"],
    )
    forms["county_code"] = (
        *[header_key(h) for h in headers if _COUNTY_VINTAGED.match(header_key(h))],
        "oscty",
        "cty",
    )
    chosen = {}
    for canon, names in forms.items():
        hit = next((keys[header_key(n)] for n in names if header_key(n) in keys), None)
        if hit is not None:
            chosen[canon] = hit
    old_oa = next((keys[n] for n in ("oa11cd", "oa11") if n in keys), None)
    if old_oa is not None and chosen.get("oa_code") != old_oa:
        chosen["oa11_code"] = old_oa
    return chosen


def _read_streamed(
    source: str | Path | bytes | Opener,
    filename: str,
    county: str | None,
    progress: bool,
    require_rows: bool,
    encoding: str | None,
) -> pd.DataFrame:
    with open_binary(source, filename=filename, encoding=encoding, progress=progress) as (
        stream,
        encoding,
    ):
        header_bytes = stream.readline()
        header_line = header_bytes.decode(encoding, errors="replace").lstrip("\ufeff")
        headers = [h.strip() for h in next(csv.reader([header_line]), [])]
        problems = ProblemCollector(filename)
        seen: dict[str, str] = {}
        for h in headers:
            if h and header_key(h) in seen and header_key(h) in map(header_key, _ALL_FORMS):
                problems.add(
                    f"column '{h}' repeats column '{seen[header_key(h)]}'", row=1, column=h
                )
            seen.setdefault(header_key(h), h)
        chosen = choose_columns(headers)
        for col in ("postcode", "easting", "northing"):
            if col not in chosen:
                accepted = ", ".join(repr(a) for a in POSTCODE_FILE_COLUMNS[col])
                problems.add(f"required column '{col}' is missing (accepted headers: {accepted})")
        if county is not None and not ({"county_code", "lad_code"} & set(chosen)):
            problems.add(
                f"has no county or district column to pick county {county}'s rows "
                "(expected oscty, cty, ctyNNcd, oslaua, laua or ladNNcd)"
            )
        problems.raise_if_any()
        positions = [headers.index(h) for h in chosen.values()]
        names = dict(zip(positions, chosen, strict=True))
        try:
            chunks = pd.read_csv(
                stream, header=None, names=range(len(headers)), usecols=sorted(positions),
                dtype=object, keep_default_na=False, na_filter=False, skip_blank_lines=False,
                chunksize=CHUNK_ROWS, engine="c", encoding=_after_bom(encoding),
            )  # fmt: skip
            kept: list[pd.DataFrame] = []
            read = 0
            for chunk in chunks:
                chunk.index = chunk.index + 2  # the header is row 1
                if county is not None:
                    mine = np.zeros(len(chunk), dtype=bool)
                    for col in ("county_code", "lad_code"):
                        if col in chosen:
                            values = chunk[headers.index(chosen[col])]
                            mine |= (values == county).to_numpy()
                            mine |= (values.str.strip() == county).to_numpy() & ~mine
                    maybe_blank = chunk[(chunk[headers.index(chosen["postcode"])] == "").to_numpy()]
                    read += len(chunk) - int((maybe_blank == "").all(axis=1).sum())
                    chunk = chunk[mine]
                else:
                    chunk = chunk[(chunk != "").any(axis=1)]
                    read += len(chunk)
                kept.append(chunk.rename(columns=names))
        except pd.errors.ParserError as exc:
            raise _parser_error(filename, exc) from exc
    if read == 0:
        raise DataError.single(
            filename, "has a header row but no records", row=1, value=header_line.strip()
        )
    frame = pd.concat(kept) if kept else pd.DataFrame(columns=list(chosen))
    if county is not None and frame.empty and require_rows:
        cols = ", ".join(f"'{chosen[c]}'" for c in ("county_code", "lad_code") if c in chosen)
        raise DataError.single(
            filename,
            f"has no postcode in {county} ({cols}) among its {read:,} rows; "
            "check BROADBAND_COUNTY or use the directory that covers the county",
        )
    frame = frame.apply(lambda c: c.str.strip())
    table = Table(filename=filename, frame=frame, original=chosen)
    out = _lookup_from_table(table)
    out.attrs["rows_read"] = read
    return out


def _after_bom(encoding: str) -> str:
    """The codec for the bytes after the header line (its BOM is already read)."""
    return "utf-8" if encoding == "utf-8-sig" else encoding


_ALL_FORMS = {header_key(f) for forms in POSTCODE_FILE_COLUMNS.values() for f in forms}


def _lookup_from_table(table: Table) -> pd.DataFrame:
    raw = table.col("postcode")
    postcode = _normalise_series(raw)
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
    for col in ("oa_code", "oa11_code", "lsoa_code", "lad_code", "county_code"):
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
    normal = _normalise_series(postcodes.fillna(""))
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
