"""A small, deterministic SYNTHETIC demo area, for a fresh machine with no data yet.

Nothing here is real: 12 made-up divisions in 3 made-up districts, with made-up postcodes
(the ``ZZ99`` pseudo-postcode area, which the Royal Mail never issues), made-up output areas
(codes ``X00…``, which ONS never issues) and made-up coverage. The files are written in the
formats councils download today — Ofcom's 2026-01 output-area layout, NSPL, ONS boundaries —
so the demo travels exactly the path real data travels: file → reader → validated frame →
OA centroids → division figures → map.
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
DEMO_RELEASE = "2026-01"
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


OA_2026_01_MEASURES: tuple[tuple[str, str], ...] = (
    ("SFBB availability (% premises)", "Number of premises with SFBB availability"),
    ("UFBB (100Mbit/s) availability (% premises)",
     "Number of premises with UFBB (100Mbit/s) availability"),
    ("UFBB availability (% premises)", "Number of premises with UFBB availability"),
    ("Gigabit availability (% premises)", "Number of premises with Gigabit availability"),
    *((f"% of premises unable to receive {s}Mbit/s",
       f"Number of premises unable to receive {s}Mbit/s") for s in (2, 5, 10, 30)),
    ("% of premises unable to receive decent broadband from fixed or FWA",
     "Number of premises unable to receive decent broadband from fixed or FWA"),
    ("% of premises with NGA", "Number of premises with NGA"),
    ("% of premises able to receive decent broadband from FWA",
     "Number of premises able to receive decent broadband from FWA"),
)  # fmt: skip
"""(percentage, count) column pairs of the 2026-01 OA file, in file order."""
SPEED_BANDS = ("30<300", ">=300", "0<2", "2<5", "5<10", "10<30")
OA_2026_01_HEADER: tuple[str, ...] = (
    "output_area", "All Premises", "All Matched Premises",
    *(pct for pct, _ in OA_2026_01_MEASURES), *(n for _, n in OA_2026_01_MEASURES),
    *(f"% of premises with {b}Mbit/s download speed" for b in SPEED_BANDS),
    *(f"Number of premises with {b}Mbit/s download speed" for b in SPEED_BANDS),
)  # fmt: skip
"""The 37 columns of Ofcom's ``202601_fixed_oa_coverage_r1.csv`` (FORMATS.md)."""
OA_DEMO_SEED = SEED + 1


def oa_file_2026_01(counts: pd.DataFrame) -> bytes:
    """An Ofcom OA coverage CSV in the 2026-01 layout (:data:`OA_2026_01_HEADER`).

    ``counts`` has ``output_area``, ``All Premises`` and any of the ``Number of premises …``
    columns (absent ones are written as 0); percentages are worked out from the counts
    (2 decimals, blank where a row has no premises) and ``All Matched Premises`` equals
    ``All Premises``.
    """
    premises = counts["All Premises"].astype(float)
    out = pd.DataFrame({
        "output_area": counts["output_area"], "All Premises": counts["All Premises"],
        "All Matched Premises": counts["All Premises"],
    })  # fmt: skip
    bands = [
        (f"% of premises with {b}Mbit/s download speed",
         f"Number of premises with {b}Mbit/s download speed")
        for b in SPEED_BANDS
    ]  # fmt: skip
    pairs = [*OA_2026_01_MEASURES, *bands]
    for pct, n in pairs:
        number = counts[n] if n in counts else pd.Series(0, index=counts.index)
        out[n] = number.astype(int)
        out[pct] = (100.0 * number / premises.where(premises > 0)).round(2)
    return _csv(out[list(OA_2026_01_HEADER)])


def _oas(areas: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Synthetic OA centroids: 6 to 10 in each division (codes ``X00000001`` up)."""
    rows: list[dict[str, object]] = []
    for k, geom in enumerate(areas.geometry):
        minx, miny, maxx, maxy = geom.bounds
        found = 0
        while found < 6 + 2 * (k % 3):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if geom.contains(shapely.Point(x, y)):
                rows.append({"OA21CD": f"X00{len(rows) + 1:06d}", "x": round(x), "y": round(y)})
                found += 1
    return pd.DataFrame(rows)


def demo_oa_counts() -> pd.DataFrame:
    """The demo's OA rows as counts (``output_area``, ``All Premises``, ``Number of …``) and
    centroids (``x``, ``y``): coverage better towards the east (the "town")."""
    rng = np.random.default_rng(OA_DEMO_SEED)
    oas = _oas(demo_areas(), rng)
    east = (oas["x"] - ORIGIN[0]) / (COLS * CELL_M)
    premises = rng.integers(40, 320, size=len(oas))
    p_sf = np.clip(0.55 + 0.45 * east + rng.normal(0, 0.08, len(oas)), 0, 1)
    p_gb = np.clip(0.05 + 0.7 * east**2 + rng.normal(0, 0.08, len(oas)), 0, 1)
    n_sf = rng.binomial(premises, p_sf)
    n_gb = rng.binomial(premises, p_gb)
    n_uf = np.maximum(n_gb, np.minimum(premises, n_gb + rng.binomial(premises - n_gb, 0.2)))
    n_u10 = rng.binomial(premises - n_sf, 0.4)
    n_u30 = premises - n_sf
    n_u2 = rng.binomial(n_u10, 0.3)
    n_u5 = n_u2 + rng.binomial(n_u10 - n_u2, 0.5)
    n_decent = rng.binomial(n_u10, 0.6)
    return pd.DataFrame({
        "output_area": oas["OA21CD"], "x": oas["x"], "y": oas["y"], "All Premises": premises,
        "Number of premises with SFBB availability": n_sf,
        "Number of premises with UFBB (100Mbit/s) availability": n_uf,
        "Number of premises with UFBB availability": n_uf,
        "Number of premises with Gigabit availability": n_gb,
        "Number of premises unable to receive 2Mbit/s": n_u2,
        "Number of premises unable to receive 5Mbit/s": n_u5,
        "Number of premises unable to receive 10Mbit/s": n_u10,
        "Number of premises unable to receive 30Mbit/s": n_u30,
        "Number of premises unable to receive decent broadband from fixed or FWA": n_decent,
        "Number of premises with NGA": n_sf,
        "Number of premises with >=300Mbit/s download speed": n_uf,
    })  # fmt: skip


def demo_files() -> dict[str, bytes]:
    """The demo's source files, in the real formats, keyed by file name (import in order).

    ``demo_divisions_synthetic.geojson`` (ONS field names), ``nspl_demo_synthetic.csv`` (NSPL
    columns, for uploads located by postcode), ``demo_oa21_centroids_synthetic.geojson``
    (OA centroid points with ``OA21CD``) and ``202601_fixed_oa_coverage_r1_synthetic.csv``
    (Ofcom's 2026-01 OA layout: no full fibre or USO columns, as published).
    """
    rng = np.random.default_rng(SEED)
    areas = demo_areas()
    pcs = _postcodes(areas, rng)
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
    oas = demo_oa_counts()
    centroids = gpd.GeoDataFrame(
        {"OA21CD": oas["output_area"], "Note": SYNTHETIC_LABEL},
        geometry=gpd.points_from_xy(oas["x"], oas["y"]), crs=WORKING_CRS,
    )  # fmt: skip
    return {
        "demo_divisions_synthetic.geojson": out_areas.to_crs("EPSG:4326").to_json().encode(),
        "nspl_demo_synthetic.csv": _csv(nspl),
        "demo_oa21_centroids_synthetic.geojson": centroids.to_json().encode(),
        f"{DEMO_RELEASE.replace('-', '')}_fixed_oa_coverage_r1_synthetic.csv": oa_file_2026_01(
            oas.drop(columns=["x", "y"])
        ),
    }


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


__all__ = [
    "DEMO_RELEASE",
    "OA_2026_01_HEADER",
    "SYNTHETIC_LABEL",
    "demo_areas",
    "demo_files",
    "demo_oa_counts",
    "oa_file_2026_01",
]
