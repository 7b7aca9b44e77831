"""Ofcom Connected Nations fixed coverage files: read and validate into canonical columns.

Ofcom publishes the same measures at local-authority, output-area and postcode level, with
column names that drift between releases; :data:`ALIASES` is the one map from every name seen
to a canonical one. Where a release has only a percentage, the count is derived row by row as
``round(pct / 100 × premises)`` and the figure says so in ``count_source``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from geo.config import MEASURES
from geo.errors import DataError, ProblemCollector
from geo.sources.postcodes import normalise_postcode
from geo.sources.tabular import decode_bytes

ID_ALIASES: dict[str, tuple[str, ...]] = {
    "lad": ("laua", "laua_code", "lad_code", "lad21cd", "lad22cd", "lad23cd", "lad24cd", "lad25cd"),
    "oa": ("oa11cd", "oa21cd", "output_area", "oa11", "oa21", "oa_code"),
    "postcode": ("postcode_space", "postcode", "pcds", "pcd"),
}
"""Identifier column per file level, in order of preference."""

ALIASES: dict[str, tuple[str, ...]] = {
    "area_name": ("laua_name", "lad_name", "local authority name"),
    "release": ("dataset_label", "release"),
    "premises": ("all premises", "all_premises", "premises", "total premises"),
    "n_sfbb": ("number of premises with sfbb availability", "n_premises_sfbb"),
    "pct_sfbb": ("sfbb availability (% premises)", "sfbb_availability_pct"),
    "n_ufbb": ("number of premises with ufbb availability", "n_premises_ufbb"),
    "pct_ufbb": ("ufbb availability (% premises)", "ufbb_availability_pct"),
    "n_gigabit": ("number of premises with gigabit availability", "n_premises_gigabit"),
    "pct_gigabit": ("gigabit availability (% premises)", "gigabit_availability_pct"),
    "n_full_fibre": (
        "number of premises with full fibre availability",
        "n_premises_full_fibre",
    ),
    "pct_full_fibre": ("full fibre availability (% premises)", "full_fibre_availability_pct"),
    "n_unable_10": ("number of premises unable to receive 10mbit/s", "n_premises_unable_10mbit"),
    "pct_unable_10": ("% of premises unable to receive 10mbit/s", "unable_10mbit_pct"),
    "n_below_uso": ("number of premises below the uso", "n_premises_below_uso"),
    "pct_below_uso": ("% of premises below the uso", "below_uso_pct"),
}
"""Canonical column → every name Ofcom (or our tidy extracts) has used for it, lower case."""


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", str(name).replace("\ufeff", "")).strip().lower()


def release_from_filename(name: str) -> str | None:
    """``202105_fixed_laua_coverage_r01.csv`` → ``2021-05``; ``None`` when no date is in it."""
    match = re.search(r"(20\d{2})(0[1-9]|1[0-2])_", Path(name).name)
    return f"{match.group(1)}-{match.group(2)}" if match else None


def read_coverage(
    data: bytes | str | Path, *, filename: str | None = None, release: str | None = None
) -> pd.DataFrame:
    """Read an Ofcom fixed-coverage CSV (LA, OA or postcode level) into canonical columns.

    Returns
    -------
    DataFrame
        Columns ``area_id``, ``premises``, ``release``, ``n_<measure>`` for every measure the
        file has (as counts; from published counts, else derived per row), and ``area_name``
        at LA level. ``attrs``: ``level`` (``lad``/``oa``/``postcode``), ``source``,
        ``count_source`` (measure → "published counts" or "derived from % × premises").

    Raises
    ------
    DataError
        Listing every bad cell (row, column, value) and missing column.
    """
    if isinstance(data, str | Path):
        filename = filename or Path(data).name
        data = Path(data).read_bytes()
    filename = filename or "coverage.csv"
    problems = ProblemCollector(filename)
    raw = _read_rows(decode_bytes(data, filename=filename), filename, problems)

    by_norm: dict[str, str] = {}
    for c in raw.columns:
        if _norm(c) in by_norm and _norm(c) in _KNOWN:
            reason = f"column appears more than once (as '{by_norm[_norm(c)]}')"
            problems.add(reason, row=1, column=c)
        by_norm.setdefault(_norm(c), c)
    level, id_col = _find_id(by_norm)
    if id_col is None or level is None:
        wanted = ", ".join(a for names in ID_ALIASES.values() for a in names)
        raise DataError.single(filename, f"has no area identifier column; expected one of {wanted}")
    found = {canon: by_norm[a] for canon, names in ALIASES.items() for a in names if a in by_norm}
    if "premises" not in found and not any(f"pct_{m}" in found for m in MEASURES):
        problems.add("has no 'All Premises' column and no coverage measures", column="All Premises")
    problems.raise_if_any()

    rows = raw.index.to_numpy()
    out = pd.DataFrame({"area_id": raw[id_col].str.strip()})
    blank = out["area_id"] == ""
    if level == "postcode":
        # The postcode directories' form: upper case, one space before the inward code.
        tidy = out["area_id"].map(normalise_postcode)
        for i in np.flatnonzero((tidy.isna() & ~blank).to_numpy()):
            problems.add("is not a valid UK postcode", row=int(rows[i]), column=id_col,
                         value=out["area_id"].iat[i])  # fmt: skip
        out["area_id"] = tidy.fillna(out["area_id"])
    for i in np.flatnonzero(blank.to_numpy()):
        problems.add("empty area identifier", row=int(rows[i]), column=id_col)
    dupes = out["area_id"].duplicated(keep=False) & ~blank
    if "release" in found:
        dupes = pd.concat([out["area_id"], raw[found["release"]]], axis=1).duplicated(keep=False)
        dupes &= ~blank
    for i in np.flatnonzero(dupes.to_numpy()):
        problems.add(
            "duplicate area identifier",
            row=int(rows[i]),
            column=id_col,
            value=out["area_id"].iat[i],
        )

    premises = (
        _numbers(raw[found["premises"]], filename, found["premises"], problems, pct=False)
        if "premises" in found
        else pd.Series(np.nan, index=raw.index)
    )
    out["premises"] = premises
    count_source: dict[str, str] = {}
    for key in MEASURES:
        n_col, pct_col = found.get(f"n_{key}"), found.get(f"pct_{key}")
        pct = (
            None if pct_col is None
            else _numbers(raw[pct_col], filename, pct_col, problems, pct=True)
        )  # fmt: skip
        if n_col is not None:
            counts = _numbers(raw[n_col], filename, n_col, problems, pct=False)
            over = (counts > premises) & (premises >= 0)
            for i in np.flatnonzero(over.to_numpy()):
                problems.add(
                    f"count is larger than 'All Premises' ({premises.iat[i]:.0f})",
                    row=int(rows[i]), column=n_col, value=raw[n_col].iat[i],
                )  # fmt: skip
            out[f"n_{key}"] = counts
            count_source[key] = "published counts"
        elif pct is not None:
            out[f"n_{key}"] = (pct / 100.0 * premises).round()
            count_source[key] = "derived from % × premises"
    problems.raise_if_any()

    if "area_name" in found:
        out["area_name"] = raw[found["area_name"]].str.strip()
    out["release"] = (
        raw[found["release"]].str.strip()
        if "release" in found
        else (release or release_from_filename(filename) or "unknown")
    )
    out = out.reset_index(drop=True)
    out.attrs.update(level=level, source=filename, count_source=count_source)
    return out


_KNOWN = {a for names in (*ID_ALIASES.values(), *ALIASES.values()) for a in names}


def _read_rows(text: str, filename: str, problems: ProblemCollector) -> pd.DataFrame:
    """Parse CSV text into string cells indexed by spreadsheet row (header = row 1).

    Blank lines are skipped (their row numbers are kept); a record with fewer fields than the
    header (a truncated file) or with extra non-empty fields is a problem; empty extra fields
    (a spreadsheet's trailing comma) are dropped.
    """
    if not text.strip():
        raise DataError.single(filename, "is empty: it holds no header and no records")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise DataError.single(filename, f"is not a readable CSV ({exc})") from exc
    header = [h.strip() for h in records[0]]
    while header and not header[-1]:
        header.pop()  # a spreadsheet's trailing empty column
    width = len(header)
    body: list[list[str]] = []
    numbers: list[int] = []
    for row, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) < width or any(cell.strip() for cell in record[width:]):
            problems.add(
                f"has {len(record)} fields where the header has {width}; the file may be cut "
                "short or hold an unquoted comma",
                row=row,
            )
            continue
        body.append(record[:width])
        numbers.append(row)
    if not body and not problems.problems:
        raise DataError.single(filename, "has a header but no data rows", row=1)
    problems.raise_if_any()
    frame = pd.DataFrame(body, columns=pd.Index(header), dtype=str)
    frame.index = pd.Index(numbers, name="row")
    return frame


def _find_id(by_norm: Mapping[str, str]) -> tuple[str | None, str | None]:
    for level, names in ID_ALIASES.items():
        for name in names:
            if name in by_norm:
                return level, by_norm[name]
    return None, None


def _numbers(
    col: pd.Series, filename: str, column: str, problems: ProblemCollector, *, pct: bool
) -> pd.Series:
    """Parse numbers (blank = missing); record a problem for each bad or out-of-range cell.

    Thousands separators and ``%`` signs are accepted. Counts must be whole and not negative;
    percentages between 0 and 100. Values keep ``col``'s index.
    """
    cleaned = col.str.replace(",", "", regex=False).str.replace("%", "", regex=False).str.strip()
    values = pd.to_numeric(cleaned.replace("", np.nan), errors="coerce").astype(float)
    bad = (values.isna() & (cleaned != "")) | np.isinf(values)
    limit = 100.0 if pct else np.inf
    out_of_range = ~bad & ((values < 0) | (values > limit))
    fraction = ~bad & ~out_of_range & values.notna() & (values % 1 != 0)
    if pct:
        fraction[:] = False
    for i in np.flatnonzero((bad | out_of_range | fraction).to_numpy()):
        if bad.iat[i]:
            reason = "is not a number"
        elif out_of_range.iat[i]:
            reason = "is not a percentage between 0 and 100" if pct else "must not be negative"
        else:
            reason = "is not a whole number of premises"
        problems.add(reason, row=int(col.index[i]), column=column, value=col.iat[i])
    return values.where(~(bad | out_of_range | fraction))


__all__ = ["ALIASES", "ID_ALIASES", "read_coverage", "release_from_filename"]
