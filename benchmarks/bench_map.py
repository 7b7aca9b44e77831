"""Map weight: the naive Folium map of full boundaries vs ours, on the real Norfolk files.

naive: full-resolution EPSG:4326 boundaries straight into ``folium.GeoJson`` with every
property (what a first attempt does). ours: :func:`geo.geometry.simplify.simplify_for_web` (coverage
simplification, 4-decimal coordinates), then :func:`layers.webmap.coverage_map` with only the
properties the map uses, sent as a packed TopoJSON topology (:mod:`layers.topo`).
Target: ours ≤ 25% of naive bytes. Also the build time.

Run alone: ``python -m benchmarks.bench_map [--quick]``; the runner ``python -m benchmarks.run``
picks up ``run(quick) -> list[dict]``.
"""

from __future__ import annotations

import json
import time
import zlib
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import topojson

from benchmarks import run_alone
from geo.config import SHARED_DATA_DIR
from geo.geometry.boundaries import load_boundaries
from geo.geometry.simplify import simplify_for_web
from layers.topo import OBJECT, packed_topology, quantisation_for
from layers.webmap import coverage_map

TARGET_RATIO = 0.25
FILES = {
    "Norfolk divisions (84 CED, 2025)": "norfolk_ced_2025_simplified.geojson",
    "Norfolk districts (7 LAD, 2013)": "norfolk_lad_boundaries_2013_bgc.geojson",
    "Norfolk wards (205, 2013)": "norfolk_wards_2013_bgc.geojson",
}


def _naive(path: Path) -> tuple[int, float]:
    start = time.perf_counter()
    raw = gpd.read_file(path)
    fmap = folium.Map()
    folium.GeoJson(raw.to_json(), name="areas").add_to(fmap)
    page = fmap.get_root().render()
    return len(page.encode()), time.perf_counter() - start


def _ours(path: Path) -> tuple[int, float]:
    start = time.perf_counter()
    areas = load_boundaries(path)
    rng = np.random.default_rng(1)
    areas["pct_gigabit"] = rng.uniform(0, 100, len(areas)).round(1)
    areas["premises"], areas["n_gigabit"] = 1000.0, areas["pct_gigabit"] * 10
    fmap = coverage_map(simplify_for_web(areas), measure="gigabit", tiles=True)
    page = fmap.get_root().render()
    return len(page.encode()), time.perf_counter() - start


def _deflated(text: str) -> int:
    packer = zlib.compressobj(wbits=-15)  # permessage-deflate: raw deflate
    return len(packer.compress(text.encode()) + packer.flush())


def _topology_on_the_wire(path: Path) -> tuple[int, int]:
    """Deflated bytes of the map's topology: plain TopoJSON vs packed arcs (same grid)."""
    areas = simplify_for_web(load_boundaries(path))
    props = areas[["area_code", "area_name", "geometry"]].copy()
    props["value"], props["fill"] = "No figure: no data finer than the district", "#bdbdbd"
    plain = topojson.Topology(
        props.reset_index(drop=True), prequantize=quantisation_for(props), topology=True,
        object_name=OBJECT,
    ).to_dict()  # fmt: skip
    plain.pop("bbox", None)
    packed = packed_topology(props)
    compact = {"separators": (",", ":")}
    return _deflated(json.dumps(plain, **compact)), _deflated(json.dumps(packed, **compact))


def run(quick: bool = False) -> list[dict]:
    """Rows: bytes and build seconds, naive vs ours, per boundary file."""
    rows: list[dict] = []
    files = dict(list(FILES.items())[:1]) if quick else FILES
    for what, name in files.items():
        path = SHARED_DATA_DIR / name
        if not path.exists():
            rows.append({"what": what, "n": 0, "naive": None, "ours": None, "ratio": None,
                         "unit": "bytes", "target": f"≤ {TARGET_RATIO:.0%}", "passed": None,
                         "note": f"skipped: {path} not found"})  # fmt: skip
            continue
        n = len(gpd.read_file(path))
        nb, nt = _naive(path)
        ob, ot = _ours(path)
        rows.append({"what": f"{what}: HTML bytes", "n": n, "naive": nb, "ours": ob,
                     "ratio": round(nb / ob, 1), "unit": "bytes",
                     "target": f"≤ {TARGET_RATIO:.0%} of naive", "passed": ob <= TARGET_RATIO * nb,
                     "note": f"ours is {ob / nb:.0%} of naive; naive: full boundaries as "
                             "GeoJSON, all properties; ours: "
                             "coverage-simplified, packed TopoJSON on a 10 m grid, "
                             "only code/name/value"})  # fmt: skip
        plain, packed = _topology_on_the_wire(path)
        rows.append({"what": f"{what}: topology bytes, websocket-compressed", "n": n,
                     "naive": plain, "ours": packed, "ratio": round(plain / packed, 2),
                     "unit": "bytes", "target": "report only", "passed": None,
                     "note": "raw deflate as permessage-deflate sends it; naive: plain "
                             "quantised TopoJSON (arcs as JSON arrays); ours: arcs packed "
                             "as polyline strings (layers/topo.py); after compression "
                             f"packing still saves {1 - packed / plain:.0%}: kept"})  # fmt: skip
        rows.append({"what": f"{what}: build time", "n": n, "naive": round(nt, 3),
                     "ours": round(ot, 3), "ratio": round(ot / nt, 2), "unit": "s",
                     "target": "report only", "passed": None,
                     "note": "ours includes reading, validating and simplifying"})  # fmt: skip
    return rows


if __name__ == "__main__":
    run_alone(run, __doc__ or "")
