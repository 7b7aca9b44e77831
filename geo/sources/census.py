"""ONS Census 2021 age tables (TS007 single years, TS007A five-year bands), read unmodified.

Three published layouts are read (see ``docs/formats-mobile-census.md``):

* Nomis bulk TS007A: ``date,geography,geography code,Age: Total,Age: Aged 4 years and under,…``
* Nomis bulk TS007: the same key columns, then ``Age: Total; measures: Value`` and the age
  columns with ``; measures: Value``, band subtotals (``Aged 65 to 74 years``) interleaved with
  the single years they add up;
* ONS custom downloads (long): ``<Area type> Code,<Area type>,Age (101 categories) Code,
  Age (101 categories),Observation`` (or ``Age (18 categories)``).

Every age column is read as an interval of ages. Because TS007 holds bands *and* the single
years inside them, a reader that added every column would count people twice; this one takes
the finest set of columns that tiles 0 to "and over" exactly once and checks, row by row, that
it adds up to the published total.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.config import MAX_CENSUS_FILE_BYTES
from geo.errors import DataError
from geo.sources.tabular import Table, check_duplicates, header_key, parse_numbers, read_table

OLDER_AGES = (65, 75)
"""Residents aged at least these are counted (DERI's two age indicators)."""
LEVEL_PREFIXES: dict[str, str] = {"00": "oa", "01": "lsoa", "02": "msoa"}
"""Code prefix after the country letter (``E00…``) → small-area level."""
USABLE_LEVELS = ("oa", "lsoa")

_SUFFIX = re.compile(r";\s*measures:\s*value\s*$", re.I)
_AGE_BANDS = (
    (re.compile(r"^aged under (\d+) years?$"), lambda a: (0, int(a) - 1)),
    (re.compile(r"^aged (\d+) years? and under$"), lambda a: (0, int(a))),
    (re.compile(r"^aged (\d+) years? and over$"), lambda a: (int(a), math.inf)),
    (re.compile(r"^aged (\d+) to (\d+) years?$"), lambda a, b: (int(a), int(b))),
    (re.compile(r"^aged (\d+) years?$"), lambda a: (int(a), int(a))),
)
_LONG_AGE = re.compile(r"^age \((\d+) categories\)$", re.I)


@dataclass(frozen=True)
class AgeBand:
    """One published age column: the ages it holds, inclusive (``hi`` is inf for "and over")."""

    column: str
    lo: int
    hi: float


def parse_age_label(label: str) -> tuple[int, float] | None:
    """``"Age: Aged 65 to 69 years; measures: Value"`` → ``(65, 69)``; ``None`` if not an age.

    Examples
    --------
    >>> parse_age_label("Aged under 1 year")
    (0, 0)
    >>> parse_age_label("Age: Aged 85 years and over")
    (85, inf)
    """
    text = _SUFFIX.sub("", str(label)).strip()
    text = re.sub(r"^age:\s*", "", text, flags=re.I).strip().lower()
    for pattern, make in _AGE_BANDS:
        m = pattern.match(text)
        if m:
            return make(*m.groups())
    return None


def tiling(bands: list[AgeBand]) -> list[AgeBand] | None:
    """The finest bands that cover every age from 0 once, ending with "and over"; ``None`` if
    no such set exists."""
    chosen: list[AgeBand] = []
    at = 0.0
    while at != math.inf:
        starting = [b for b in bands if b.lo == at]
        if not starting:
            return None
        best = min(starting, key=lambda b: b.hi)
        chosen.append(best)
        at = best.hi + 1
    return chosen


def level_of(code: str) -> str:
    """``E00012345`` → ``oa``; ``W01000001`` → ``lsoa``; anything else → ``other``."""
    code = str(code).strip().upper()
    if len(code) == 9 and code[0] in "EWSN" and code[1:].isdigit():
        return LEVEL_PREFIXES.get(code[1:3], "other")
    return "other"


def is_census_age_header(first_line: str) -> bool:
    """True when a CSV header line looks like a TS007 / TS007A download."""
    low = first_line.lower()
    return "age: total" in low or bool(re.search(r"age \((101|18) categories\)", low))


def read_census_age(data: bytes | str | Path, *, filename: str | None = None) -> pd.DataFrame:
    """Read a TS007 / TS007A file into residents and older residents per small area.

    Returns
    -------
    DataFrame
        One row per area: ``area_code`` (OA or LSOA, 2021 codes), ``level`` (``oa``/``lsoa``),
        ``residents``, ``aged_65_plus``, ``aged_75_plus`` (integers). ``attrs``: ``source``,
        ``table`` (``TS007``/``TS007A``), ``layout`` (``nomis``/``ons``), ``vintage``.

    Raises
    ------
    DataError
        Missing key or age columns; blank or repeated codes; counts that are not whole numbers
        ≥ 0; rows whose ages do not add up to the total; areas that are not OAs or LSOAs, or a
        mix of the two.
    """
    if isinstance(data, str | Path):
        filename = filename or Path(data).name
        data = Path(data).read_bytes()
    name = filename or "census.csv"
    table = read_table(data, filename=name, max_bytes=MAX_CENSUS_FILE_BYTES)
    age_col = next((c for c in table.frame.columns if _LONG_AGE.match(str(c))), None)
    if age_col is not None and "Observation" in table.frame.columns:
        out = _read_long(table, age_col)
    else:
        out = _read_wide(table)
    levels = set(out["level"])
    if not levels <= set(USABLE_LEVELS) or len(levels) != 1:
        found = ", ".join(sorted(levels))
        raise DataError.single(
            name,
            f"holds {found} areas; the risk index needs one file of output areas (E00…) or "
            "of LSOAs (E01…): download the OA or LSOA file from the same table",
            column="geography code",
        )
    out.attrs.update(source=name, vintage="Census 2021")
    return out.reset_index(drop=True)


def _read_wide(table: Table) -> pd.DataFrame:
    columns = [str(c) for c in table.frame.columns]
    code_col = next((c for c in columns if header_key(c) == "geographycode"), None)
    total_col = next((c for c in columns if header_key(_SUFFIX.sub("", c)) == "agetotal"), None)
    for wanted, found in (("geography code", code_col), ("Age: Total", total_col)):
        if found is None:
            table.add(f"required column '{wanted}' is missing", row=1, column=None, value=None)
    bands = []
    for c in columns:
        if c in (code_col, total_col) or not header_key(c).startswith("age"):
            continue
        parsed = parse_age_label(c)
        if parsed is None:
            table.add("is not an age column this reader knows", row=1, column=c, value=c)
        else:
            bands.append(AgeBand(c, *parsed))
    table.finish()
    assert code_col is not None and total_col is not None
    chosen = _tiling_or_error(table, bands)
    check_duplicates(table, code_col)
    codes = table.col(code_col)
    for row in codes.index[codes == ""]:
        table.add("geography code is blank", row=int(row), column=code_col, value="")
    total = parse_numbers(table, total_col, blank_ok=False, minimum=0, integer=True)
    counts = {b.column: parse_numbers(table, b.column, blank_ok=False, minimum=0, integer=True)
              for b in chosen}  # fmt: skip
    summed = sum(counts.values(), start=pd.Series(0.0, index=table.frame.index))
    for row in summed.index[(summed != total) & total.notna() & summed.notna()]:
        table.add(
            f"ages add up to {summed[row]:,.0f}, not the total",
            row=int(row), column=total_col, value=table.col(total_col)[row],
        )  # fmt: skip
    table.finish()
    out = pd.DataFrame({"area_code": codes.to_numpy(), "residents": total.to_numpy()})
    for age in OLDER_AGES:
        older = [counts[b.column] for b in chosen if b.lo >= age]
        out[f"aged_{age}_plus"] = sum(older, start=pd.Series(0.0, index=total.index)).to_numpy()
    out.attrs["table"] = "TS007" if any(b.lo == b.hi for b in chosen) else "TS007A"
    out.attrs["layout"] = "nomis"
    return _finish(out)


def _read_long(table: Table, age_col: str) -> pd.DataFrame:
    frame = table.frame
    code_col = next(
        (c for c in frame.columns if str(c).endswith(" Code") and c != f"{age_col} Code"), None
    )
    if code_col is None:
        table.add("has no area code column ('<Area type> Code')", row=1, column=None, value=None)
        table.finish()
    assert code_col is not None
    labels = table.col(age_col)
    parsed = labels.map(parse_age_label)
    for row in labels.index[parsed.isna()]:
        table.add("is not an age category", row=int(row), column=age_col, value=labels[row])
    counts = parse_numbers(table, "Observation", blank_ok=False, minimum=0, integer=True)
    codes = table.col(code_col)
    for row in codes.index[codes == ""]:
        table.add("area code is blank", row=int(row), column=code_col, value="")
    pairs = pd.DataFrame({"code": codes, "label": labels})
    for row in pairs.index[pairs.duplicated(keep="first")]:
        table.add(f"repeats the {labels[row]} count for this area", row=int(row),
                  column=age_col, value=codes[row])  # fmt: skip
    table.finish()
    bands = [AgeBand(str(label), *band) for label, band in zip(labels, parsed, strict=True)]
    distinct = list({b.column: b for b in bands}.values())
    _tiling_or_error(table, distinct)
    lo = np.array([b.lo for b in bands])
    long = pd.DataFrame({"area_code": codes.to_numpy(), "n": counts.to_numpy(), "lo": lo})
    grouped = long.groupby("area_code", sort=False)
    out = pd.DataFrame({"residents": grouped["n"].sum()})
    for age in OLDER_AGES:
        out[f"aged_{age}_plus"] = long[long["lo"] >= age].groupby("area_code")["n"].sum()
    out = out.fillna(0).reset_index()
    out.attrs["table"] = "TS007" if age_col.startswith("Age (101") else "TS007A"
    out.attrs["layout"] = "ons"
    return _finish(out)


def _tiling_or_error(table: Table, bands: list[AgeBand]) -> list[AgeBand]:
    chosen = tiling(bands)
    cuts = {b.lo for b in chosen or []}
    if chosen is None or not all(age in cuts for age in OLDER_AGES):
        table.add(
            "the age columns do not cover every age once with bands starting at 65 and 75 "
            "(expected TS007 single years or TS007A five-year bands)",
            row=1, column=None, value=None,
        )  # fmt: skip
        table.finish()
    assert chosen is not None
    return chosen


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    attrs = dict(out.attrs)
    out = out.assign(area_code=out["area_code"].astype(str).str.strip().str.upper())
    out.insert(1, "level", out["area_code"].map(level_of))
    for col in ("residents", *(f"aged_{a}_plus" for a in OLDER_AGES)):
        out[col] = out[col].astype(np.int64)
    out.attrs = attrs
    return out


__all__ = [
    "OLDER_AGES",
    "AgeBand",
    "is_census_age_header",
    "level_of",
    "parse_age_label",
    "read_census_age",
    "tiling",
]
