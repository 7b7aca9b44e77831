"""Streamlit interaction, server side: a division pick → its profile rendered.

Runs the real app in-process (Streamlit's AppTest) on the SYNTHETIC demo catalogue. "Ours" is a
pick with the app's caches warm (catalogue, figures and web geometry cached; the profile's
PDF/PNG drawn only when asked for; on the map page the picked division is a separate layer, so
the map is not rebuilt). "Naive" is the same pick with every cache cleared first: everything
recomputed, as an app without caching would. Target: a pick ≤ 150 ms.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 150.0


def _open(page: str):
    import streamlit as st
    from streamlit.testing.v1 import AppTest
    from streamlit.util import calc_hash

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    if page:
        at._page_hash = calc_hash(page)  # function pages are not reachable by switch_page
        at.run()
    return at, st


def _picks(at, key: str, codes: list[str], *, clear: bool, st) -> list[float]:
    times = []
    for code in codes:
        if clear:
            st.cache_data.clear()
        t0 = time.perf_counter()
        at.selectbox(key=key).set_value(code).run()
        times.append((time.perf_counter() - t0) * 1000)
        if at.exception:
            raise RuntimeError(at.exception[0].message)
    return times


def _row(what: str, naive: list[float], ours: list[float], note: str) -> dict:
    med_naive, med_ours = statistics.median(naive), statistics.median(ours)
    p95 = sorted(ours)[max(0, round(0.95 * len(ours)) - 1)]
    return {
        "what": what,
        "n": len(ours),
        "naive": round(med_naive, 1),
        "ours": round(med_ours, 1),
        "ratio": round(med_naive / med_ours, 1),
        "unit": "ms (median)",
        "target": f"≤ {TARGET_MS:.0f} ms",
        "passed": med_ours <= TARGET_MS,
        "note": f"{note}; ours p95 {p95:.0f} ms",
    }


def run(quick: bool = False) -> list[dict]:
    """Pick divisions on the profile and map pages; time each rerun server side."""
    from geo.sources.demo import demo_areas

    codes = list(demo_areas()["CED25CD"])[: 4 if quick else 12]
    rows = []
    old = os.environ.get("BROADBAND_DATA_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BROADBAND_DATA_DIR"] = tmp
        try:
            for page, key, label in (
                ("division", "profile_division", "division pick → profile rendered"),
                ("", "division", "division pick on the map page (map not rebuilt)"),
            ):
                at, st = _open(page)
                _picks(at, key, codes[:1], clear=False, st=st)  # warm the shared caches
                naive = _picks(at, key, codes, clear=True, st=st)
                at, st = _open(page)
                _picks(at, key, codes[-1:], clear=False, st=st)
                ours = _picks(at, key, codes, clear=False, st=st)
                rows.append(_row(label, naive, ours, "synthetic demo, 12 divisions; AppTest"))
        finally:
            if old is None:
                os.environ.pop("BROADBAND_DATA_DIR", None)
            else:
                os.environ["BROADBAND_DATA_DIR"] = old
    return rows


if __name__ == "__main__":
    for r in run(quick=False):
        print(r)
