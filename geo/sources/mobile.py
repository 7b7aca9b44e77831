"""Ofcom Connected Nations mobile coverage, read unmodified (see docs/formats-mobile-census.md).

Two published forms:

* **Area CSVs** (``202507_mobile_coverage_laua_r01.csv``, ``202105_mobile_laua_r01.csv``, the
  ``pcon`` and ``devcon`` files): one row per area, columns ``<tech>_<prem|geo>_<in|out>_<n>`` =
  % of premises (or land) covered by exactly *n* of the four networks. A blank cell within a
  family that has other values is 0%; a family with every cell blank has no figure.
* **The mobile API's JSON** (``GET …/mobile/coverage/<postcode>``): per UPRN, a 0–4 rating per
  operator (EE, H3, TF, VO) for voice and data, indoor and outdoor. This is the only
  per-operator, per-premises form; :func:`mobile_by_postcode` counts premises per postcode.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import requests

from geo.config import OFCOM_MOBILE_API_URL, SWITCHOFF_MAX_INDOOR_4G_OPERATORS
from geo.errors import DataError, DownloadError, ProblemCollector
from geo.sources.download import fetch
from geo.sources.ofcom import release_from_filename
from geo.sources.postcodes import normalise_postcode
from geo.sources.tabular import header_key, parse_numbers, read_table

LEVEL_KEYS: dict[str, tuple[str, str]] = {
    "lad": ("laua", "laua_name"),
    "pcon": ("parl_const", "parl_const_name"),
    "devcon": ("devolved_const", "devolved_const_name"),
    "nation": ("country", "country_name"),
}
"""Area level → (code column, name column) as Ofcom names them."""
BAND = re.compile(
    r"^(?P<tech>[2345]g|voice)(?:_(?P<conf>very_high|high)_confidence)?"
    r"_(?P<measure>prem|geo)_(?P<place>in|out)_(?P<n>[0-4])$",
    re.I,
)
"""One operator-count column, e.g. ``4G_prem_in_3`` or ``5G_high_confidence_prem_out_0``."""
OPERATORS: dict[str, str] = {"EE": "EE", "H3": "Three", "TF": "O2", "VO": "Vodafone"}
"""The API's operator prefixes → network names."""
API_FIELDS = tuple(
    f"{op}{service}{place}{variant}"
    for op in OPERATORS
    for service in ("Voice", "Data")
    for place in ("Outdoor", "Indoor")
    for variant in ("", "No4g")
)
"""The 32 ratings per UPRN in the API's ``Availability`` records."""
SUM_TOLERANCE = 1.0
"""A family of five percentages must add up to 100 within this (Ofcom rounds each cell)."""


def family_of(column: str) -> tuple[str, int] | None:
    """``"5G_high_confidence_prem_out_3"`` → ``("5g_high_prem_out", 3)``; ``None`` otherwise."""
    m = BAND.match(column.strip())
    if m is None:
        return None
    tech = m["tech"].lower() + (f"_{m['conf'].lower()}" if m["conf"] else "")
    return f"{tech}_{m['measure'].lower()}_{m['place'].lower()}", int(m["n"])


def is_mobile_header(first_line: str) -> bool:
    """True when a CSV header line has Ofcom's operator-count mobile columns."""
    return any(family_of(c.strip().strip('"')) for c in first_line.split(","))


def read_mobile_coverage(
    data: bytes | str | Path, *, filename: str | None = None, release: str | None = None
) -> pd.DataFrame:
    """Read an Ofcom mobile coverage area CSV.

    Returns
    -------
    DataFrame
        ``area_id``, ``area_name``, ``premises`` (``prem_count``; NaN when the release has
        none), ``release``, and ``pct_<family>_<n>`` for every family in the file (e.g.
        ``pct_4g_prem_in_0`` … ``_4``: % of premises with indoor 4G from exactly n networks).
        ``attrs``: ``level`` (``lad``/``pcon``/``devcon``/``nation``), ``source``, ``families``.

    Raises
    ------
    DataError
        No area code column or no operator-count columns; blank or repeated codes; cells
        that are not percentages; a family whose five cells do not add up to 100.
    """
    if isinstance(data, str | Path):
        filename = filename or Path(data).name
        data = Path(data).read_bytes()
    name = filename or "mobile.csv"
    table = read_table(data, filename=name)
    columns = [str(c) for c in table.frame.columns]
    by_key = {header_key(c): c for c in columns}
    level = next((lv for lv, (code, _) in LEVEL_KEYS.items() if header_key(code) in by_key), None)
    families: dict[str, dict[int, str]] = {}
    for c in columns:
        found = family_of(c)
        if found:
            families.setdefault(found[0], {})[found[1]] = c
    if level is None:
        wanted = ", ".join(code for code, _ in LEVEL_KEYS.values())
        raise DataError.single(name, f"has no area code column; expected one of {wanted}", row=1)
    if not families:
        raise DataError.single(
            name, "has no mobile coverage columns such as '4G_prem_in_0' … '4G_prem_in_4'", row=1
        )
    for fam, cells in families.items():
        missing = [n for n in range(5) if n not in cells]
        if missing:
            table.add(f"family '{fam}' lacks the columns for {missing} operators", row=1,
                      column=next(iter(cells.values())), value=None)  # fmt: skip
    table.finish()
    code_col = by_key[header_key(LEVEL_KEYS[level][0])]
    name_col = by_key.get(header_key(LEVEL_KEYS[level][1]))
    codes = table.col(code_col)
    for row in codes.index[codes == ""]:
        table.add("area code is blank", row=int(row), column=code_col, value="")
    for row in codes.index[codes.duplicated(keep="first") & (codes != "")]:
        table.add("repeats an area already in the file", row=int(row), column=code_col,
                  value=codes[row])  # fmt: skip
    out = pd.DataFrame({"area_id": codes.str.upper()}, index=table.frame.index)
    out["area_name"] = table.col(name_col) if name_col else out["area_id"]
    prem_col = by_key.get("premcount")
    out["premises"] = (
        parse_numbers(table, prem_col, minimum=0, integer=True) if prem_col else np.nan
    )
    for fam, cells in families.items():
        values = {n: parse_numbers(table, cells[n], minimum=0) for n in range(5)}
        frame = pd.DataFrame(values)
        for n, col in cells.items():
            for row in frame.index[frame[n] > 100]:
                table.add("is not a percentage between 0 and 100", row=int(row), column=col,
                          value=table.col(col)[row])  # fmt: skip
        known = frame.notna().any(axis=1)
        total = frame.fillna(0).sum(axis=1)
        for row in total.index[known & ((total - 100).abs() > SUM_TOLERANCE)]:
            table.add(
                f"the five '{fam}' columns add up to {total[row]:.1f}%, not 100%",
                row=int(row), column=cells[0], value=table.col(cells[0])[row],
            )  # fmt: skip
        filled = frame.fillna(0.0).where(known, axis=0)  # a blank beside figures is 0%
        for n in range(5):
            out[f"pct_{fam}_{n}"] = filled[n]
    table.finish()
    out["release"] = release or release_from_filename(name) or "unknown"
    out = out.reset_index(drop=True)
    out.attrs.update(level=level, source=name, families=sorted(families))
    return out


def read_mobile_api(data: bytes | str | Path, *, filename: str | None = None) -> pd.DataFrame:
    """Read the mobile API's JSON for one postcode (or a JSON list of such responses).

    Returns
    -------
    DataFrame
        One row per UPRN: ``postcode`` (``"NR1 3QU"`` form), ``uprn``, and the 32 ratings
        (``EEDataIndoor`` … ``VOVoiceOutdoorNo4g``) as integers 0–4. ``attrs``: ``source``,
        ``release`` (from ``DBName``, e.g. ``MobileAvailability-202406041254`` → ``2024-06``).

    Raises
    ------
    DataError
        Not JSON, no ``Availability`` list, a record without a postcode, or a rating that
        is missing or not a whole number from 0 to 4 (row = record number, from 1).
    """
    if isinstance(data, str | Path):
        filename = filename or Path(data).name
        data = Path(data).read_bytes()
    name = filename or "mobile.json"
    try:
        parsed: Any = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError.single(name, f"is not valid JSON ({exc})") from exc
    responses = parsed if isinstance(parsed, list) else [parsed]
    problems = ProblemCollector(name)
    rows: list[dict[str, object]] = []
    releases: set[str] = set()
    for response in responses:
        if not isinstance(response, dict) or not isinstance(response.get("Availability"), list):
            raise DataError.single(name, "has no 'Availability' list: not a mobile API response")
        m = re.search(r"(20\d{2})(0[1-9]|1[0-2])", str(response.get("DBName", "")))
        if m:
            releases.add(f"{m[1]}-{m[2]}")
        for record in response["Availability"]:
            number = len(rows) + 1
            postcode = normalise_postcode(record.get("PostCode", response.get("PostCode")))
            if postcode is None:
                problems.add("has no valid postcode", row=number, column="PostCode",
                             value=record.get("PostCode"))  # fmt: skip
            row: dict[str, object] = {"postcode": postcode, "uprn": record.get("UPRN")}
            for field in API_FIELDS:
                value = record.get(field)
                if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 4:
                    problems.add("must be a rating from 0 to 4", row=number, column=field,
                                 value=value)  # fmt: skip
                row[field] = value
            rows.append(row)
    problems.raise_if_any()
    if not rows:
        raise DataError.single(name, "holds no premises (an empty 'Availability' list)")
    out = pd.DataFrame(rows)
    out[list(API_FIELDS)] = out[list(API_FIELDS)].astype(np.int64)
    out.attrs.update(source=name, release=min(releases) if releases else "unknown")
    return out


def mobile_by_postcode(
    uprns: pd.DataFrame, *, max_operators: int = SWITCHOFF_MAX_INDOOR_4G_OPERATORS
) -> pd.DataFrame:
    """Premises per postcode with indoor 4G from each operator and with weak indoor 4G.

    An operator gives a premises indoor 4G when its ``<op>DataIndoor`` rating is above 0 (the
    API's data rating; the ``No4g`` variant, coverage without 4G, is not used).

    Returns
    -------
    DataFrame
        Index ``postcode``; ``premises`` (UPRNs), ``n_indoor_4g_<op>`` per operator and
        ``n_weak_indoor_4g`` (premises with indoor 4G from at most ``max_operators``).
    """
    has = pd.DataFrame(
        {op: uprns[f"{op}DataIndoor"] > 0 for op in OPERATORS}, index=uprns.index
    ).astype(np.int64)
    frame = has.rename(columns=lambda op: f"n_indoor_4g_{op.lower()}")
    frame["n_weak_indoor_4g"] = (has.sum(axis=1) <= max_operators).astype(np.int64)
    frame["premises"] = 1
    frame["postcode"] = uprns["postcode"].to_numpy()
    out = frame.groupby("postcode").sum()
    out.attrs = {**uprns.attrs, "max_operators": max_operators}
    return out[["premises", *[c for c in out.columns if c != "premises"]]]


def fetch_mobile_api(
    postcodes: Iterable[str],
    *,
    key: str,
    cache_dir: str | Path,
    api_url: str = OFCOM_MOBILE_API_URL,
    session: requests.Session | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Ask Ofcom's mobile API for each postcode (cached; a failure caches nothing).

    Parameters
    ----------
    postcodes
        Postcodes in any spacing; each is asked for once, without its space.
    key
        The subscription key, sent as the ``Ocp-Apim-Subscription-Key`` header only (never
        in a URL, the cache or a message).

    Returns
    -------
    (uprns, not_found)
        :func:`read_mobile_api` rows for every postcode found, and the postcodes the API
        answered 404 ("Post code not found") for.

    Raises
    ------
    DownloadError
        Any other HTTP failure, or a body that is not a mobile API response.
    """
    sess = session or requests.Session()
    sess.headers["Ocp-Apim-Subscription-Key"] = key
    frames: list[pd.DataFrame] = []
    missing: list[str] = []
    try:
        for pc in dict.fromkeys(p.replace(" ", "").upper() for p in postcodes):
            url = f"{api_url.rstrip('/')}/{pc}"
            try:
                path = fetch(url, cache_dir=cache_dir, session=sess, suffix=".json",
                             validate=read_mobile_api)  # fmt: skip
            except DownloadError as exc:
                if ": HTTP 404 " not in str(exc):
                    raise
                missing.append(pc)
                continue
            frames.append(read_mobile_api(path, filename=f"{pc}.json"))
    finally:
        if session is None:
            sess.close()
    uprns = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    release = min((f.attrs["release"] for f in frames), default="unknown")
    uprns.attrs = {"source": f"{api_url} ({len(frames)} postcodes)", "release": release}
    return uprns, missing


__all__ = [
    "API_FIELDS",
    "LEVEL_KEYS",
    "OPERATORS",
    "family_of",
    "fetch_mobile_api",
    "is_mobile_header",
    "mobile_by_postcode",
    "read_mobile_api",
    "read_mobile_coverage",
]
