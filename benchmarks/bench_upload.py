"""A 700,000-row SYNTHETIC voucher upload with no ``premises_type`` column: read and validate.

* naive  — the reader as it was before it was vectorised: every blank ``premises_type`` cell
  assigned one at a time and every date parsed in a Python loop (those two parsers are kept
  here, in :func:`_per_cell_choice` and :func:`_per_row_dates`, only as the baseline). Timed on
  a subsample and extrapolated linearly (the row's note says from which n).
* peer   — what a competent analyst writes without validation: ``pandas.read_csv``, a status
  filter and a postcode join (no row-level messages, nothing refused).
* ours   — :func:`layers.vouchers.read` (vectorised parsers: problems only for bad cells).
* rerun  — :func:`layers.upload.check_upload` called again with the same bytes, as a page rerun
  does: answered from the check cache (SHA-256 of the file + layer + context fingerprint).

Every reference, postcode (``ZZ99`` pseudo-postcodes, never issued) and point is SYNTHETIC.
Peak memory is traced with tracemalloc (numpy and Python allocations).
"""

from __future__ import annotations

import io
import time
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import shapely

from benchmarks.bench_aggregate import best_time, machine, measure_peak
from geo.sources import tabular
from geo.sources.tabular import Table, header_key
from layers import vouchers
from layers.base import ReadContext
from layers.upload import _CHECKS, check_upload

FULL_N = 700_000
QUICK_N = 20_000
NAIVE_N = 20_000
"""Rows the per-cell baseline is timed on before extrapolating."""
TODAY = date(2024, 6, 1)
STATUSES = ("applied", "approved", "connected", "cancelled")


def synthetic_upload(n: int, *, seed: int = 7) -> tuple[bytes, ReadContext, Any]:
    """``n`` voucher rows (reference, status, date, postcode), the postcode directory and areas.

    6,760 ``ZZ99`` pseudo-postcodes lie in a 3 km × 1 km synthetic county of three squares.
    """
    rng = np.random.default_rng(seed)
    letters = [chr(65 + i) for i in range(26)]
    codes = [f"ZZ99 {s}{a}{b}" for s in range(10) for a in letters for b in letters]
    lookup = pd.DataFrame(
        {
            "easting": rng.uniform(600_000, 603_000, len(codes)).round(),
            "northing": rng.uniform(300_000, 301_000, len(codes)).round(),
            "terminated": False,
        },
        index=pd.Index(codes, name="postcode"),
    )
    areas = pd.DataFrame(
        {"area_code": ["X58000001", "X58000002", "X58000003"], "area_name": ["A", "B", "C"]}
    )
    import geopandas as gpd

    areas = gpd.GeoDataFrame(
        areas,
        geometry=[shapely.box(600_000 + i * 1000, 300_000, 601_000 + i * 1000, 301_000)
                  for i in range(3)],
        crs="EPSG:27700",
    )  # fmt: skip
    pick = rng.integers(0, len(codes), n)
    status = np.asarray(STATUSES)[rng.integers(0, len(STATUSES), n)]
    day = rng.integers(0, 365 * 3, n)
    when = pd.to_datetime("2021-01-01") + pd.to_timedelta(day, unit="D")
    frame = pd.DataFrame(
        {
            "reference": [f"V{i}" for i in range(1, n + 1)],
            "status": status,
            "date": when.strftime("%Y%m%d"),
            "postcode": np.asarray(codes)[pick],
        }
    )
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    context = ReadContext(postcodes=lookup, county=areas.union_all(), today=TODAY)
    return buf.getvalue().encode(), context, areas


def _per_cell_choice(table: Table, column: str, *, allowed, synonyms=None, blank=None):
    """The pre-vectorisation ``parse_choice``: blank cells filled one assignment at a time."""
    allowed = tuple(allowed)
    lookup = {header_key(a): a for a in allowed}
    lookup.update({header_key(k): v for k, v in (synonyms or {}).items()})
    raw = table.col(column)
    out = raw.map(header_key).map(lookup)
    for row in raw.index[out.isna()]:
        if raw[row] == "" and blank is not None:
            out[row] = blank
            continue
        table.add(f"must be one of: {', '.join(allowed)}", row=int(row), column=column,
                  value=raw[row])  # fmt: skip
    return out.astype(object)


def _per_row_dates(table: Table, column: str, *, blank_ok: bool = True, today=None):
    """The pre-vectorisation ``parse_dates``: one Python call per cell."""
    del today
    raw = table.col(column)
    out = []
    for value in raw:
        m = tabular._COMPACT_DATE.match(value) or tabular._ISO_DATE.match(value)
        out.append(None if m is None else pd.Timestamp(*(int(g) for g in m.groups()[:3])))
    return pd.Series(pd.to_datetime(out), index=raw.index, name=column)


def _naive_read(data: bytes, context: ReadContext) -> Any:
    saved = vouchers.parse_choice, vouchers.parse_dates
    vouchers.parse_choice, vouchers.parse_dates = _per_cell_choice, _per_row_dates
    try:
        return vouchers.read(data, filename="vouchers_SYNTHETIC.csv", context=context)
    finally:
        vouchers.parse_choice, vouchers.parse_dates = saved


def _peer_read(data: bytes, context: ReadContext) -> pd.DataFrame:
    frame = pd.read_csv(io.BytesIO(data), dtype=str)
    frame = frame[frame["status"].isin(STATUSES)]
    assert context.postcodes is not None
    return frame.join(context.postcodes, on="postcode", how="inner")


def run(quick: bool) -> list[dict[str, Any]]:
    """Rows: the upload read (naive, peer, ours) and a page rerun (uncached vs cached)."""
    n = QUICK_N if quick else FULL_N
    data, context, areas = synthetic_upload(n)
    sub_n = min(n, NAIVE_N)
    sub, _, _ = synthetic_upload(sub_n)
    start = time.perf_counter()
    _naive_read(sub, context)
    naive = (time.perf_counter() - start) * n / sub_n
    peer, _ = best_time(lambda: _peer_read(data, context), repeats=1 if not quick else 2)
    ours, _ = best_time(
        lambda: vouchers.read(data, filename="vouchers_SYNTHETIC.csv", context=context),
        repeats=1 if not quick else 2,
    )
    records, peak, how = measure_peak(
        lambda: vouchers.read(data, filename="vouchers_SYNTHETIC.csv", context=context)
    )
    assert len(records) == n
    _, naive_peak, _ = measure_peak(lambda: _naive_read(sub, context))
    info = machine()
    rows = [
        {
            "what": f"{n:,}-row synthetic voucher upload, no premises_type: read + validate",
            "n": n,
            "naive": round(naive, 2),
            "ours": round(ours, 2),
            "ratio": round(naive / ours, 1),
            "unit": "s",
            "target": None,
            "passed": None,
            "note": (
                f"naive (per-cell parsers) extrapolated from n={sub_n:,}, its peak "
                f"{naive_peak * n / sub_n:,.0f} MiB extrapolated; peer (read_csv + filter + "
                f"join, no validation) {peer:.2f} s; ours peak {how}"
            ),
            "peak_mib": round(peak, 1),
            "machine": f"{info['cpus']} cpu, load {info['load_1min']:.1f}",
        }
    ]
    _CHECKS.clear()
    first, _ = best_time(
        lambda: check_upload(data, filename="v.csv", layer="vouchers", context=context,
                             areas=areas),
        repeats=1,
    )  # fmt: skip
    again, _ = best_time(
        lambda: check_upload(data, filename="v.csv", layer="vouchers", context=context,
                             areas=areas),
        repeats=3,
    )  # fmt: skip
    _CHECKS.clear()
    rows.append(
        {
            "what": f"{n:,}-row synthetic voucher upload: page rerun (check cached by SHA-256)",
            "n": n,
            "naive": round(first, 2),
            "ours": round(again, 3),
            "ratio": round(first / again, 1),
            "unit": "s",
            "target": None,
            "passed": None,
            "note": "naive = the first check (read, validate, aggregate); ours = the same bytes "
            "again: hash the file and the context, answer from the cache",
            "machine": f"{info['cpus']} cpu, load {info['load_1min']:.1f}",
        }
    )
    return rows
