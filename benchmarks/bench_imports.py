"""UK-wide files, one county's rows: streamed import vs ``pandas.read_csv`` of the whole file.

Three files are generated at run time in a temporary folder, full size and in the published
layouts (all values SYNTHETIC):

* the 2026-01 Ofcom output-area file (``202601_fixed_oa_coverage_r1.csv``, 37 columns,
  190,000 rows), of which the county has 2,931 OAs;
* the 2026-01 Ofcom postcode zip (121 per-area CSVs of 20 columns, 1,741,096 rows);
* an ONSPD in the Feb 2026 layout (``east1m``/``north1m``/``cty26cd``/``ced25cd``, 39
  columns, 2,700,000 rows, about 1.2 GB), of which the county has about 1.6%.

naive  — ``pandas.read_csv`` of the whole file (each zip member in turn), then the county's
         rows picked with ``isin`` (what an analyst writes first);
ours   — ``geo.storage.catalog.import_file(..., county=…)``: read in one streamed pass keeping
         only the county's rows, validated, and stored in the GeoPackage.

Each run is a fresh subprocess; its peak memory is the process's peak resident set
(``ru_maxrss``, Python and pandas included). Timings are one run each (these take seconds to
a minute); the machine may be shared (see the load in the machine column).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

COUNTY = "E10000020"
OA_ROWS, COUNTY_OAS = 190_000, 2_931
PC_AREAS, PC_ROWS = 121, 1_741_096
ONSPD_ROWS = 2_700_000
TARGET_S, TARGET_MIB = 60.0, 1024.0
TARGET_TEXT = f"≤{TARGET_S:g} s and ≤{TARGET_MIB / 1024:g} GB peak"
_OTHER = [f"{a}{b}" for a in "ABCDEGHKLMSTWY" for b in "ABCDEFGHKLMNPRSTUWY"]
_AREAS = ["NR", "IP", "PE", *[a for a in _OTHER if a not in ("NR", "IP", "PE")][: PC_AREAS - 3]]
"""121 postcode areas: the county's three real ones (NR, IP, PE) and synthetic others."""


def _postcode(area: str, k: int) -> str:
    district, unit = divmod(k, 4000)
    sector, rest = divmod(unit, 400)
    return f"{area}{district + 1} {sector}{chr(65 + rest // 20)}{chr(65 + rest % 20)}"


def _in_county(area_index: int, k: int) -> bool:
    """The county: all of NR, and the first sixth of IP and of PE."""
    return area_index == 0 or (area_index in (1, 2) and k % 6 == 0)


# --- Generators -------------------------------------------------------------------------


def write_oa(path: Path, rows: int) -> list[str]:
    """The OA file; returns the county's OA codes (every 65th OA)."""
    from tests.ofcom_layouts import OA_202601

    step = max(1, rows // COUNTY_OAS)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(OA_202601)
        assert len(OA_202601) == 37
        for i in range(rows):
            premises = 100 + i % 200
            pcts, n4, n8 = ["12.5"] * 11, [premises // 4] * 11, [premises // 8] * 6
            w.writerow([f"E00{i + 1:06d}", premises, premises - 1, *pcts, *n4, *pcts[:6], *n8])
    return [f"E00{i + 1:06d}" for i in range(0, rows, step)][:COUNTY_OAS]


def write_pc_zip(path: Path, rows: int) -> list[str]:
    """The postcode zip (one CSV per area); returns the county's postcodes."""
    from tests.ofcom_layouts import PC_202601

    per_area = rows // PC_AREAS
    county: list[str] = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for a, area in enumerate(_AREAS):
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\r\n")
            w.writerow(PC_202601)
            cells = ["25.0"] * (len(PC_202601) - 3)
            n = per_area + (rows - per_area * PC_AREAS if a == PC_AREAS - 1 else 0)
            for k in range(n):
                pc = _postcode(area, k)
                w.writerow([pc.replace(" ", ""), pc, area, *cells])
                if _in_county(a, k):
                    county.append(pc)
            zf.writestr(f"202601_fixed_pc_coverage_r2_{area}.csv", buf.getvalue())
    return county


ONSPD_HEADER = [
    "pcd7", "pcd8", "pcds", "dointr", "doterm", "cty26cd", "ced25cd", "lad26cd", "wd26cd",
    "parncp26cd", "usrtypind", "east1m", "north1m", "gridind", "nhser24cd", "ctry25cd",
    "rgn25cd", "pcon24cd", "ttwa15cd", "itl25cd", "npark16cd", "oa11cd", "lsoa11cd", "msoa11cd",
    "wz11cd", "sicbl24cd", "bua24cd", "ruc21ind", "oac11ind", "lat", "long", "lep21cd1",
    "lep21cd2", "pfa23cd", "imd20ind", "icb23cd", "oa21cd", "lsoa21cd", "msoa21cd",
]  # fmt: skip


def write_onspd(path: Path, rows: int) -> int:
    """The ONSPD (every field quoted, as ONS ships it); returns the county's row count."""
    per_area = rows // PC_AREAS
    county = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(f'"{h}"' for h in ONSPD_HEADER) + "\r\n")
        for a, area in enumerate(_AREAS):
            n = per_area + (rows - per_area * PC_AREAS if a == PC_AREAS - 1 else 0)
            lines = []
            for k in range(n):
                pc = _postcode(area, k)
                mine = _in_county(a, k)
                county += mine
                cty, lad = ("E10000020", "E07000148") if mine else ("E10000029", "E07000200")
                oa = f"E00{(a * 50_000 + k) % 999_999:06d}"
                lines.append(
                    f'"{pc.replace(" ", "")}","{pc}","{pc}","198001","","{cty}","E58000956",'
                    f'"{lad}","E05000001","E04000001","0","{600000 + k % 90000}",'
                    f'"{300000 + k % 90000}","1","E40000007","E92000001","E12000006",'
                    f'"E14000001","E30000001","TLH15","E65000001","{oa}","E01000001",'
                    f'"E02000001","E33000001","E38000001","E63000001","C1","1A1","52.600000",'
                    f'"1.300000","E37000001","","E23000001","12345","E54000001","{oa}",'
                    '"E01000001","E02000001"\r\n'
                )
            fh.writelines(lines)
    return county


# --- The measured runs (each in its own process) ------------------------------------------


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(task: str, args: list[str]) -> dict[str, Any]:
    import pandas as pd

    from geo.storage.catalog import import_file, load_layer

    base = _peak_mib()
    start = time.perf_counter()
    if task == "naive-oa":
        keep = set(Path(args[1]).read_text().split())
        frame = pd.read_csv(args[0], encoding="utf-8-sig")
        rows = int(frame["output_area"].isin(keep).sum())
    elif task == "naive-pc":
        keep = set(Path(args[1]).read_text().splitlines())
        with zipfile.ZipFile(args[0]) as zf:
            parts = [pd.read_csv(zf.open(n)) for n in zf.namelist()]
        frame = pd.concat(parts, ignore_index=True)
        rows = int(frame["postcode_space"].isin(keep).sum())
    elif task == "naive-onspd":
        frame = pd.read_csv(args[0], low_memory=False)
        rows = int((frame["cty26cd"] == COUNTY).sum())
    else:  # ours: the real import, county rows only, into a prepared catalogue
        layer = import_file(Path(args[0]), Path(args[1]), county=COUNTY)
        stored = load_layer(Path(args[1]), layer)
        rows = -1 if stored is None else len(stored)
    return {"seconds": time.perf_counter() - start, "peak_mib": _peak_mib(), "base_mib": base,
            "rows": rows}  # fmt: skip


def _run(task: str, *args: str) -> dict[str, Any]:
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_imports", "--child", task, *args],
        cwd=root, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"{task} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _prepare_catalogue(folder: Path, *, oas: list[str] | None, postcodes: list[str] | None) -> Path:
    import geopandas as gpd
    import pandas as pd

    from geo.storage.catalog import save_oa_centroids, save_postcodes

    path = folder / "catalogue.gpkg"
    if path.exists():
        path.unlink()
    if oas:
        pts = gpd.points_from_xy([600_000.0] * len(oas), [300_000.0] * len(oas))
        save_oa_centroids(path, gpd.GeoDataFrame({"OA11CD": oas}, geometry=pts,
                                                 crs="EPSG:27700"), source="synthetic")  # fmt: skip
    if postcodes:
        lookup = pd.DataFrame(
            {"easting": 600_000.0, "northing": 300_000.0, "terminated": False},
            index=pd.Index(postcodes, name="postcode"),
        )
        save_postcodes(path, lookup, source="synthetic", synthetic=True)
    return path


def _row(what: str, n: int, naive: dict[str, Any], ours: dict[str, Any], note: str) -> dict:
    from benchmarks.bench_aggregate import machine

    if naive["rows"] != ours["rows"]:
        raise AssertionError(f"{what}: naive kept {naive['rows']} rows, ours {ours['rows']}")

    info = machine()
    passed = ours["seconds"] <= TARGET_S and ours["peak_mib"] <= TARGET_MIB
    return {
        "what": what, "n": n, "naive": naive["seconds"], "ours": ours["seconds"],
        "ratio": naive["seconds"] / ours["seconds"], "unit": "s",
        "target": TARGET_TEXT, "passed": passed,
        "note": f"{note}; peak RSS naive {naive['peak_mib']:,.0f} MiB, ours "
                f"{ours['peak_mib']:,.0f} MiB (Python + pandas alone "
                f"≈ {ours['base_mib']:,.0f} MiB)",
        "peak_mib": ours["peak_mib"], "naive_peak_mib": naive["peak_mib"],
        "machine": f"{info['cpus']} cpu, load {info['load_1min']:.1f}",
    }  # fmt: skip


def _pair(
    folder: Path, naive_task: str, path: Path, keep: list[str], what: str, n: int, note: str
) -> dict[str, Any]:
    """Naive and ours on ``path`` (``keep``: the county's OAs or postcodes), then a row."""
    listed = folder / "keep.txt"
    listed.write_text("\n".join(keep))
    oas = keep if naive_task == "naive-oa" else None
    cat = _prepare_catalogue(folder, oas=oas, postcodes=None if oas else keep)
    naive = _run(naive_task, str(path), str(listed))
    ours = _run("ours", str(path), str(cat))
    path.unlink()
    return _row(what, n, naive, ours, note)


def run(quick: bool, *, sizes: list[int] | None = None) -> list[dict[str, Any]]:
    """Rows for the three UK-wide imports (``quick``: a twentieth of the size, no target)."""
    scale = 20 if quick else 1
    if sizes:
        scale = max(1, ONSPD_ROWS // max(sizes))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as tmp:
        folder = Path(tmp)
        oa_path = folder / "202601_fixed_oa_coverage_r1.csv"
        oas = write_oa(oa_path, OA_ROWS // scale)
        what = f"Ofcom OA file → {len(oas):,} county OAs (synthetic)"
        note = "202601 OA layout, 37 columns"
        rows.append(_pair(folder, "naive-oa", oa_path, oas, what, OA_ROWS // scale, note))

        pc_path = folder / "202601_fixed_pc_coverage_r2.zip"
        pcs = write_pc_zip(pc_path, PC_ROWS // scale)
        what = f"Ofcom postcode zip ({PC_AREAS} CSVs) → {len(pcs):,} county postcodes (synthetic)"
        note = "ours opens only the county's postcode-area members (NR, IP, PE)"
        rows.append(_pair(folder, "naive-pc", pc_path, pcs, what, PC_ROWS // scale, note))

        onspd = folder / "ONSPD_FEB_2026_UK.csv"
        in_county = write_onspd(onspd, ONSPD_ROWS // scale)
        cat = _prepare_catalogue(folder, oas=None, postcodes=None)
        naive, ours = _run("naive-onspd", str(onspd)), _run("ours", str(onspd), str(cat))
        size = onspd.stat().st_size / 1e9
        rows.append(_row(f"ONSPD Feb 2026 layout ({size:.2f} GB) → {in_county:,} county "
                         "postcodes (synthetic)", ONSPD_ROWS // scale, naive, ours,
                         "39 quoted columns"))  # fmt: skip
    if quick or sizes:
        for r in rows:
            r["target"], r["passed"] = None, None
    return rows


def main(argv: list[str] | None = None) -> int:
    """``--child TASK ARGS…``: one measured run (used by :func:`run`)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs="+", required=True)
    args = parser.parse_args(argv)
    print(json.dumps(_child(args.child[0], args.child[1:])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
