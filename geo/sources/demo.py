"""A small, deterministic SYNTHETIC demo area, for a fresh machine with no data yet.

Nothing here is real: 12 made-up divisions in 3 made-up districts, with made-up postcodes
(the ``ZZ99`` pseudo-postcode area, which the Royal Mail never issues) and made-up coverage.
The files are written in the real Ofcom and NSPL formats so the demo travels exactly the path
real data travels: file → reader → validated frame → aggregation → map.
"""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import SYNTHETIC_LABEL, WORKING_CRS

SEED = 20261122
ORIGIN = (585_000.0, 300_000.0)
"""South-west corner of the demo grid in EPSG:27700 metres."""
CELL_M = 4_000.0
COLS, ROWS = 4, 3
DEMO_RELEASE = "2025-01"
DISTRICTS = ("Demo West", "Demo Central", "Demo East")
DIVISION_NAMES = (
    "Ashby Marsh", "Brook Green", "Castle Fen", "Dunmere",
    "Elmstead", "Fairholme", "Greyfriars", "Hollow Heath",
    "Ivy Common", "Juniper Vale", "Kingsmoor", "Larkhill",
)  # fmt: skip


def demo_areas() -> gpd.GeoDataFrame:
    """12 synthetic divisions: a 4 × 3 grid with jittered shared corners (a clean coverage)."""
    rng = np.random.default_rng(SEED)
    xs = ORIGIN[0] + CELL_M * np.arange(COLS + 1)
    ys = ORIGIN[1] + CELL_M * np.arange(ROWS + 1)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    jitter = rng.uniform(-0.25, 0.25, size=(2, COLS + 1, ROWS + 1)) * CELL_M
    jitter[:, [0, -1], :] = 0  # keep the outline straight
    jitter[:, :, [0, -1]] = 0
    gx, gy = gx + jitter[0], gy + jitter[1]
    polygons: list[shapely.Polygon] = []
    codes: list[str] = []
    names: list[str] = []
    lads: list[str] = []
    for i in range(COLS):
        for j in range(ROWS):
            ring = [(gx[i, j], gy[i, j]), (gx[i + 1, j], gy[i + 1, j]),
                    (gx[i + 1, j + 1], gy[i + 1, j + 1]), (gx[i, j + 1], gy[i, j + 1])]  # fmt: skip
            polygons.append(shapely.Polygon(ring))
            k = len(codes)
            codes.append(f"X58{k + 1:06d}")
            names.append(f"{DIVISION_NAMES[k]} (synthetic)")
            lads.append(f"X07{min(i, 2) + 1:06d}")
    gdf = gpd.GeoDataFrame(
        {"CED25CD": codes, "CED25NM": names, "LAD25CD": lads}, geometry=polygons, crs=WORKING_CRS
    )
    gdf.attrs["synthetic"] = True
    return gdf


def _postcodes(areas: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for k, geom in enumerate(areas.geometry):
        minx, miny, maxx, maxy = geom.bounds
        n = 30 + 10 * (k % 4)
        found = 0
        while found < n:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if not geom.contains(shapely.Point(x, y)):
                continue
            sector, unit = divmod(len(rows), 400)
            unit_code = f"{chr(65 + unit // 20)}{chr(65 + unit % 20)}"
            rows.append({"pcds": f"ZZ99 {sector + 1}{unit_code}", "east1m": round(x),
                         "north1m": round(y), "area": k})  # fmt: skip
            found += 1
    return pd.DataFrame(rows)


def demo_files() -> dict[str, bytes]:
    """The demo's source files, in the real formats, keyed by file name.

    ``demo_divisions.geojson`` (ONS field names), ``nspl_demo_synthetic.csv`` (NSPL columns)
    and ``202501_fixed_pc_coverage_synthetic.csv`` (Ofcom postcode-level columns).
    """
    rng = np.random.default_rng(SEED)
    areas = demo_areas()
    pcs = _postcodes(areas, rng)
    # Coverage gets better towards the east (the "town"), worse in the rural west.
    east = (pcs["east1m"] - ORIGIN[0]) / (COLS * CELL_M)
    premises = rng.integers(1, 40, size=len(pcs))
    p_sf = np.clip(0.55 + 0.45 * east + rng.normal(0, 0.1, len(pcs)), 0, 1)
    p_gb = np.clip(0.05 + 0.7 * east**2 + rng.normal(0, 0.1, len(pcs)), 0, 1)
    n_sf = rng.binomial(premises, p_sf)
    n_gb = np.minimum(rng.binomial(premises, p_gb), premises)
    n_ff = np.minimum(n_gb, rng.binomial(n_gb, 0.9))
    n_uf = np.maximum(n_gb, np.minimum(premises, n_gb + rng.binomial(premises - n_gb, 0.2)))
    n_u10 = rng.binomial(premises - n_sf, 0.4)
    n_uso = rng.binomial(n_u10, 0.6)
    cov = pd.DataFrame({
        "postcode": pcs["pcds"].str.replace(" ", ""),
        "postcode_space": pcs["pcds"],
        "All Premises": premises,
        "SFBB availability (% premises)": (100 * n_sf / premises).round(1),
        "UFBB availability (% premises)": (100 * n_uf / premises).round(1),
        "Full Fibre availability (% premises)": (100 * n_ff / premises).round(1),
        "Gigabit availability (% premises)": (100 * n_gb / premises).round(1),
        "% of premises unable to receive 10Mbit/s": (100 * n_u10 / premises).round(1),
        "% of premises below the USO": (100 * n_uso / premises).round(1),
        "Number of premises with SFBB availability": n_sf,
        "Number of premises with UFBB availability": n_uf,
        "Number of premises with Full Fibre availability": n_ff,
        "Number of premises with Gigabit availability": n_gb,
        "Number of premises unable to receive 10Mbit/s": n_u10,
        "Number of premises below the USO": n_uso,
    })  # fmt: skip
    nspl = pd.DataFrame({
        "pcd": pcs["pcds"].str.replace(" ", "").str.ljust(7),
        "pcd2": pcs["pcds"], "pcds": pcs["pcds"],
        "dointr": "202401", "doterm": "", "usertype": 0,
        "east1m": pcs["east1m"], "north1m": pcs["north1m"], "gridind": 1,
        "ced25cd": areas["CED25CD"].to_numpy()[pcs["area"]],
        "lad25cd": areas["LAD25CD"].to_numpy()[pcs["area"]],
        "ctry25cd": "E92000001",
    })  # fmt: skip
    out_areas = areas.copy()
    out_areas["LAD25NM"] = out_areas["LAD25CD"].map(
        {f"X07{i + 1:06d}": f"{d} (synthetic)" for i, d in enumerate(DISTRICTS)}
    )
    return {
        "demo_divisions_synthetic.geojson": out_areas.to_crs("EPSG:4326").to_json().encode(),
        "nspl_demo_synthetic.csv": _csv(nspl),
        f"{DEMO_RELEASE.replace('-', '')}_fixed_pc_coverage_synthetic.csv": _csv(cov),
    }


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


__all__ = ["DEMO_RELEASE", "SYNTHETIC_LABEL", "demo_areas", "demo_files"]
