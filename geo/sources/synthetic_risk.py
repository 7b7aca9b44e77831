"""SYNTHETIC census ages, OA fixed coverage and mobile coverage in the published layouts.

Nothing here is real. The files are written exactly as ONS (Nomis bulk TS007A / TS007) and
Ofcom (202407 output-area fixed coverage, 202507 local-authority mobile coverage, the mobile
API's JSON) publish them, so that tests, benchmarks and screenshots of the risk index travel
the path real files travel. Every file name says ``synthetic``. Figures are seeded and worsen
with distance from a "town" point, so rural small areas look riskier, as they tend to.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

import numpy as np
import pandas as pd

from geo.sources.mobile import API_FIELDS

SEED = 20261201
TS007A_BANDS: tuple[str, ...] = (
    "Aged 4 years and under", *(f"Aged {a} to {a + 4} years" for a in range(5, 85, 5)),
    "Aged 85 years and over",
)  # fmt: skip
"""TS007A's 18 five-year bands, in published order."""
OA_COVERAGE_COLUMNS: tuple[str, ...] = (
    "output_area", "All Premises", "All Matched Premises",
    "SFBB availability (% premises)", "UFBB (100Mbit/s) availability (% premises)",
    "UFBB availability (% premises)", "Gigabit availability (% premises)",
    "% of premises unable to receive 2Mbit/s", "% of premises unable to receive 5Mbit/s",
    "% of premises unable to receive 10Mbit/s", "% of premises unable to receive 30Mbit/s",
    "% of premises below the USO", "% of premises with NGA",
    "% of premises able to receive decent broadband from FWA",
    "Number of premises with SFBB availability",
    "Number of premises with UFBB (100Mbit/s) availability",
    "Number of premises with UFBB availability", "Number of premises with Gigabit availability",
    "Number of premises unable to receive 2Mbit/s", "Number of premises unable to receive 5Mbit/s",
    "Number of premises unable to receive 10Mbit/s",
    "Number of premises unable to receive 30Mbit/s", "Number of premises below the USO",
    "Number of premises with NGA", "Number of premises able to receive decent broadband from FWA",
    *(f"Number of premises with {b} download speed" for b in
      ("30<300Mbit/s", ">=300Mbit/s", "0<2Mbit/s", "2<5Mbit/s", "5<10Mbit/s", "10<30Mbit/s")),
    *(f"% of premises with {b} download speed" for b in
      ("30<300Mbit/s", ">=300Mbit/s", "0<2Mbit/s", "2<5Mbit/s", "5<10Mbit/s", "10<30Mbit/s")),
)  # fmt: skip
"""The 202407 OA fixed-coverage layout (37 columns; no Full Fibre column, see FORMATS.md)."""
MOBILE_FAMILIES: tuple[str, ...] = (
    "4G_prem_in", "4G_prem_out", "4G_geo_out", "Voice_prem_in", "Voice_prem_out",
    "Voice_geo_out", "5G_high_confidence_prem_out", "5G_very_high_confidence_prem_out",
    "5G_high_confidence_geo_out",
)  # fmt: skip


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


def _remoteness(x: np.ndarray, y: np.ndarray, town: tuple[float, float]) -> np.ndarray:
    """0 at the town, 1 at the farthest point."""
    d = np.hypot(np.asarray(x) - town[0], np.asarray(y) - town[1])
    return d / max(float(d.max()), 1.0)


def census_ts007a(
    codes: Sequence[str],
    x: Sequence[float],
    y: Sequence[float],
    *,
    town: tuple[float, float],
    seed: int = SEED,
) -> bytes:
    """A Nomis bulk ``census2021-ts007a-oa.csv`` for ``codes`` (older residents far from town)."""
    rng = np.random.default_rng(seed)
    far = _remoteness(np.asarray(x), np.asarray(y), town)
    rows = []
    for code, f in zip(codes, far, strict=True):
        base = rng.integers(8, 25, size=len(TS007A_BANDS)).astype(float)
        base[13:] *= 0.5 + 0.9 * f + rng.uniform(0, 0.3)  # 65+ bands grow with remoteness
        counts = np.round(base).astype(int)
        bands = {f"Age: {b}": int(c) for b, c in zip(TS007A_BANDS, counts, strict=True)}
        rows.append({"date": 2021, "geography": code, "geography code": code,
                     "Age: Total": int(counts.sum()), **bands})  # fmt: skip
    return _csv(pd.DataFrame(rows))


def census_ts007(codes: Sequence[str], *, seed: int = SEED) -> bytes:
    """A Nomis bulk ``census2021-ts007-oa.csv``: single years with band subtotals interleaved."""
    rng = np.random.default_rng(seed)
    bands = ((0, 4), (5, 9), (10, 15), (16, 19), (20, 24), (25, 34), (35, 49), (50, 64),
             (65, 74), (75, 84), (85, 100))  # fmt: skip

    def label(a: int) -> str:
        if a == 0:
            return "Aged under 1 year"
        if a == 100:
            return "Aged 100 years and over"
        return f"Aged {a} year{'s' if a > 1 else ''}"

    def band_label(lo: int, hi: int) -> str:
        if lo == 0:
            return "Aged 4 years and under"
        if lo == 85:
            return "Aged 85 years and over"
        return f"Aged {lo} to {hi} years"

    rows = []
    for code in codes:
        single = rng.integers(0, 4, size=101)
        row: dict[str, object] = {"date": 2021, "geography": code, "geography code": code,
                                  "Age: Total; measures: Value": int(single.sum())}  # fmt: skip
        for lo, hi in bands:
            row[f"Age: {band_label(lo, hi)}; measures: Value"] = int(single[lo : hi + 1].sum())
            for a in range(lo, hi + 1):
                row[f"Age: {label(a)}; measures: Value"] = int(single[a])
        rows.append(row)
    buf = io.StringIO()
    pd.DataFrame(rows).to_csv(buf, index=False, quoting=1)  # Nomis quotes every header cell
    return buf.getvalue().encode()


def oa_fixed_coverage(
    codes: Sequence[str],
    x: Sequence[float],
    y: Sequence[float],
    *,
    town: tuple[float, float],
    seed: int = SEED,
) -> bytes:
    """A ``202407_fixed_oa_coverage`` file for ``codes`` (slower far from town)."""
    rng = np.random.default_rng(seed + 1)
    far = _remoteness(np.asarray(x), np.asarray(y), town)
    n = len(codes)
    p = rng.integers(60, 220, size=n)
    u30 = rng.binomial(p, np.clip(0.02 + 0.35 * far**2, 0, 1))
    u10 = rng.binomial(u30, 0.55)
    u5 = rng.binomial(u10, 0.5)
    u2 = rng.binomial(u5, 0.4)
    uso = rng.binomial(u10, 0.6)
    gig = rng.binomial(p - u30, np.clip(0.85 - 0.8 * far, 0, 1))
    uf = np.maximum(gig, rng.binomial(p - u30, 0.5))
    uf100 = np.maximum(uf, gig)
    sfbb = p - u30
    fwa = rng.binomial(u10, 0.3)
    speeds = {"30<300Mbit/s": sfbb - gig, ">=300Mbit/s": gig, "0<2Mbit/s": u2,
              "2<5Mbit/s": u5 - u2, "5<10Mbit/s": u10 - u5, "10<30Mbit/s": u30 - u10}  # fmt: skip

    def pct(v: np.ndarray) -> np.ndarray:
        return np.round(100 * v / p, 1)

    counts = {"SFBB availability": sfbb, "UFBB (100Mbit/s) availability": uf100,
              "UFBB availability": uf, "Gigabit availability": gig}  # fmt: skip
    unable = {"2Mbit/s": u2, "5Mbit/s": u5, "10Mbit/s": u10, "30Mbit/s": u30}
    data: dict[str, object] = {"output_area": list(codes), "All Premises": p,
                               "All Matched Premises": p}  # fmt: skip
    for k, v in counts.items():
        data[f"{k.replace(' availability', '')} availability (% premises)"] = pct(v)
    for k, v in unable.items():
        data[f"% of premises unable to receive {k}"] = pct(v)
    data["% of premises below the USO"] = pct(uso)
    data["% of premises with NGA"] = pct(sfbb)
    data["% of premises able to receive decent broadband from FWA"] = pct(fwa)
    for k, v in counts.items():
        data[f"Number of premises with {k}"] = v
    for k, v in unable.items():
        data[f"Number of premises unable to receive {k}"] = v
    data["Number of premises below the USO"] = uso
    data["Number of premises with NGA"] = sfbb
    data["Number of premises able to receive decent broadband from FWA"] = fwa
    for k, v in speeds.items():
        data[f"Number of premises with {k} download speed"] = v
    for k, v in speeds.items():
        data[f"% of premises with {k} download speed"] = pct(v)
    frame = pd.DataFrame(data)
    return _csv(frame[list(OA_COVERAGE_COLUMNS)])


def mobile_laua(
    codes: Sequence[str], names: Sequence[str], *, premises: Sequence[int], seed: int = SEED
) -> bytes:
    """A ``202507_mobile_coverage_laua`` file: % of premises by how many networks reach them."""
    rng = np.random.default_rng(seed + 2)
    rows = []
    for code, name, prem in zip(codes, names, premises, strict=True):
        row: dict[str, object] = {"laua": code, "laua_name": name, "prem_count": int(prem)}
        for fam in MOBILE_FAMILIES:
            weights = rng.dirichlet([0.4, 0.6, 1.2, 2.5, 6.0] if "in" in fam else
                                    [0.1, 0.2, 0.5, 1.5, 9.0])  # fmt: skip
            pct = np.round(100 * weights, 2)
            pct[-1] = round(100 - pct[:-1].sum(), 2)
            for n, v in enumerate(pct):
                row[f"{fam}_{n}"] = "" if v < 0.005 else f"{v:.2f}"  # Ofcom leaves 0% blank
        rows.append(row)
    return _csv(pd.DataFrame(rows))


def mobile_api(postcode: str, uprns: Sequence[int], *, seed: int = SEED) -> bytes:
    """One mobile API response (``GET …/mobile/coverage/<postcode>``) for ``uprns``."""
    rng = np.random.default_rng(seed + 3)
    records = []
    for uprn in uprns:
        rec: dict[str, object] = {"UPRN": int(uprn), "AddressShortDescription": "SYNTHETIC",
                                  "PostCode": postcode.replace(" ", "")}  # fmt: skip
        for f in API_FIELDS:
            rec[f] = int(rng.choice([0, 2, 3, 4], p=[0.25, 0.15, 0.3, 0.3]))
        records.append(rec)
    body = {"PostCode": postcode.replace(" ", ""), "DBName": "MobileAvailability-202406041254",
            "Availability": records}  # fmt: skip
    return json.dumps(body).encode()


__all__ = [
    "OA_COVERAGE_COLUMNS",
    "TS007A_BANDS",
    "census_ts007",
    "census_ts007a",
    "mobile_api",
    "mobile_laua",
    "oa_fixed_coverage",
]
