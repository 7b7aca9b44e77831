"""Council-held small-area indicators for the risk index (pension credit, qualifications …).

DERI's deprivation and activity components use figures a council often has from DWP
Stat-Xplore or the census but that no single open file carries. A plain CSV brings them in:
one row per output area or LSOA, a code column and any of the indicator columns below
(headers matched ignoring case, spaces and punctuation)::

    lsoa21cd,guaranteed pension credit per 1000 aged 65+,no qualifications (%),unemployment rate (%)
    E01026419,95.2,21.4,3.1
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.errors import DataError
from geo.sources.census import level_of
from geo.sources.tabular import check_duplicates, header_key, parse_numbers, read_table

CODE_ALIASES = ("area_code", "geography code", "oa21cd", "oa11cd", "lsoa21cd", "lsoa11cd",
                "lsoa code", "oa code", "lsoa code (2011)", "lsoa code (2021)")  # fmt: skip
INDICATOR_ALIASES: dict[str, tuple[str, ...]] = {
    "pension_credit": (
        "guaranteed pension credit per 1000 aged 65+",
        "guaranteed pension credit (rate per 1,000 aged 65+)",
        "pension credit rate", "pension credit",
    ),
    "no_qualifications": (
        "no qualifications (%)", "% no qualifications", "percentage with no qualifications",
        "no qualifications",
    ),
    "unemployment": ("unemployment rate (%)", "unemployment rate", "claimant rate"),
    "hard_to_count": ("digital hard to count score", "hard to count score", "hard to count"),
}  # fmt: skip
"""Indicator key (as in :data:`geo.config.RISK_INDICATORS`) → accepted headers."""
PERCENTAGES = ("no_qualifications", "unemployment")


def _keys(names: tuple[str, ...]) -> set[str]:
    return {header_key(n) for n in names}


def is_indicator_header(first_line: str) -> bool:
    """True when a CSV header has an area code column and at least one indicator column."""
    keys = {header_key(c.strip().strip('"')) for c in first_line.split(",")}
    has_code = bool(keys & _keys(CODE_ALIASES))
    return has_code and any(keys & _keys((k, *v)) for k, v in INDICATOR_ALIASES.items())


def read_indicators(data: bytes | str | Path, *, filename: str | None = None) -> pd.DataFrame:
    """Read a council indicator CSV.

    Returns
    -------
    DataFrame
        ``area_code``, ``level`` (``oa``/``lsoa``) and one float column per indicator found.
        ``attrs``: ``source``, ``indicators`` (the keys found).

    Raises
    ------
    DataError
        No code column or no indicator column; blank, repeated or non-OA/LSOA codes; values
        that are not numbers ≥ 0 (or percentages over 100).
    """
    if isinstance(data, str | Path):
        filename = filename or Path(data).name
        data = Path(data).read_bytes()
    name = filename or "indicators.csv"
    aliases = {"area_code": CODE_ALIASES, **INDICATOR_ALIASES}
    table = read_table(data, filename=name, aliases=aliases, required=("area_code",))
    found = [k for k in INDICATOR_ALIASES if table.has(k)]
    if not found:
        accepted = "; ".join(f"{k}: {', '.join(v)}" for k, v in INDICATOR_ALIASES.items())
        raise DataError.single(name, f"has no indicator column (accepted: {accepted})", row=1)
    codes = table.col("area_code").str.upper()
    check_duplicates(table, "area_code")
    levels = codes.map(level_of)
    for row in codes.index[~levels.isin(["oa", "lsoa"])]:
        table.add("is not an output area (E00…) or LSOA (E01…) code", row=int(row),
                  column="area_code", value=codes[row])  # fmt: skip
    out = pd.DataFrame({"area_code": codes, "level": levels}, index=table.frame.index)
    for key in found:
        values = parse_numbers(table, key, minimum=0)
        if key in PERCENTAGES:
            for row in values.index[values > 100]:
                table.add("is a percentage over 100", row=int(row), column=key,
                          value=table.col(key)[row])  # fmt: skip
        out[key] = values
    table.finish()
    if out["level"].nunique() > 1:
        raise DataError.single(name, "mixes output areas and LSOAs; use one level per file",
                               column=table.name("area_code"))  # fmt: skip
    out = out.reset_index(drop=True)
    out.attrs.update(source=name, indicators=found)
    return out


__all__ = ["CODE_ALIASES", "INDICATOR_ALIASES", "is_indicator_header", "read_indicators"]
