"""BDUK premises → divisions: the country on dask, one county on one machine, beside an honest peer.

Inputs are SYNTHETIC, written at run time into a temp folder in the published layouts
(:mod:`benchmarks.synthetic_premises`): an OS Open UPRN release ``osopenuprn_202507.csv``
(BOM, 5 columns) of N UPRNs over Great Britain's grid and BDUK "premises in BDUK plans" CSVs
(28 columns, one per synthetic district, 300 districts) listing about 30/41 of them, plus 0.5%
UPRNs the release lacks (placed by postcode centroid).

Rows
    * prepare — :func:`geo.sources.uprn.prepare_uprn`: check the release, write Hilbert-partitioned
      Parquet. Done once per release (``python -m geo import osopenuprn_….csv``), timed apart.
    * national, ours — read every BDUK file (:func:`geo.sources.bduk.read_premises`, checked in
      full) and :func:`geo.analysis.bduk.count_premises` on dask (LocalCluster, threads, 2
      workers) against 9,000 synthetic divisions tiling Great Britain's grid. Cluster start-up
      is not timed. Target: ≤ 60 s and ≤ 4 GB on 2 cores.
    * national, peer — what a competent analyst writes: ``pandas.read_csv(engine="pyarrow")`` of
      every BDUK file and of the release, ``merge`` on UPRN, postcode fallback by ``merge``,
      ``geopandas.sjoin(predicate="within")``, ``groupby``. Run on growing sizes until it passes
      the same 4 GB (then it is stopped) or the largest size.
    * county — the BDUK district files covering Norfolk's extent (about 1/60 of the country)
      against the 84 real Norfolk divisions (synthetic ones without ``../shared/data``) and the
      national release: ours single-machine on the prepared dataset; the peer as above. Target
      ≤ 5 s.

Every measurement runs in a fresh Python process: wall time, CPU time (all threads) and peak
memory = the largest resident set of that process (sampled every 50 ms, and its own
``VmHWM``), so the figures include everything the process holds (Arrow, GEOS, numpy).
The machine may be shared: each row says the load average when it ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

NATIONAL_UPRN = 41_000_000
NATIONAL_BDUK_SHARE = 30 / 41
QUICK_UPRN = 2_000_000
N_DIVISIONS = 9_000
TARGET_S, TARGET_MIB = 60.0, 4096.0
COUNTY_TARGET_S = 5.0
PEER_SIZES = (1_000_000, 4_000_000, 10_000_000, 20_000_000, NATIONAL_UPRN)
MEMORY_CAP_MIB = TARGET_MIB
"""A measured process is stopped when its resident memory passes this."""
NORFOLK = (560_000.0, 278_000.0, 656_000.0, 346_000.0)


# --- Measuring in a fresh process ---------------------------------------------------------------


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def measure(spec: dict[str, Any], *, cap_mib: float = MEMORY_CAP_MIB) -> dict[str, Any]:
    """Run one job (see :func:`_job`) in a new process; its result, times and peak memory."""
    cmd = [sys.executable, "-m", "benchmarks.bench_premises", "--child", json.dumps(spec)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = [0.0]
    stopped = [False]

    def watch() -> None:
        while proc.poll() is None:
            rss = _rss_mib(proc.pid)
            peak[0] = max(peak[0], rss)
            if rss > cap_mib:
                stopped[0] = True
                proc.kill()
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    watcher.join()
    if stopped[0]:
        return {"stopped": f"stopped at {peak[0]:,.0f} MiB (over the {cap_mib:,.0f} MiB cap)"}
    if proc.returncode != 0:
        return {"failed": (err.strip().splitlines() or ["no output"])[-1]}
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mib"] = max(peak[0], result.get("maxrss_mib", 0.0))
    return result


def _job(spec: dict[str, Any]) -> dict[str, Any]:
    """The child side: load inputs (untimed), run the job (timed)."""
    import geopandas as gpd
    import pandas as pd

    kind = spec["kind"]
    if kind == "prepare":
        from geo.sources.uprn import prepare_uprn

        start, cpu = time.perf_counter(), time.process_time()
        ds = prepare_uprn(spec["uprn_csv"], spec["out"])
        return _timed(start, cpu, {"rows": ds.rows, "files": len(ds.files)})
    areas = gpd.read_parquet(spec["areas"])
    postcodes = pd.read_pickle(spec["postcodes"])
    files = [Path(f) for f in spec["files"]]
    if kind == "peer":
        start, cpu = time.perf_counter(), time.process_time()
        counts = _peer(files, spec["uprn_csv"], postcodes, areas)
        return _timed(start, cpu, counts)
    from geo.analysis.bduk import count_premises
    from geo.sources.bduk import read_premises
    from geo.sources.uprn import open_dataset

    dataset = open_dataset(spec["dataset"])
    levels = {"ced": areas[["area_code", "geometry"]]}
    if kind == "ours_dask":
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
            ) as cluster,
            Client(cluster),
        ):
            start, cpu = time.perf_counter(), time.process_time()
            rows = read_premises(files)
            counts = count_premises(rows, levels, uprn=dataset, postcodes=postcodes, engine="dask")
            return _timed(start, cpu, _summary(counts))
    start, cpu = time.perf_counter(), time.process_time()
    rows = read_premises(files)
    counts = count_premises(rows, levels, uprn=dataset, postcodes=postcodes)
    return _timed(start, cpu, _summary(counts))


def _peak_rss_mib() -> float:
    """This process's peak resident set (``VmHWM``). ``ru_maxrss`` will not do: on Linux a
    child started by fork and exec reports at least its parent's peak."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _timed(start: float, cpu: float, result: dict[str, Any]) -> dict[str, Any]:
    return {
        "seconds": time.perf_counter() - start,
        "cpu_s": time.process_time() - cpu,
        "maxrss_mib": _peak_rss_mib(),
        **result,
    }


def _summary(counts) -> dict[str, Any]:
    t = counts.totals
    inside = int(counts.table["n_premises"].sum())
    return {"inside": inside, "by_postcode": t["by_postcode"], "rows": t["rows"]}


def _peer(files: list[Path], uprn_csv: str, postcodes, areas) -> dict[str, Any]:
    """pandas + geopandas as an analyst would write it (no validation beyond parsing)."""
    import geopandas as gpd
    import pandas as pd

    cols = ["uprn", "postcode", "subsidy_control_status", "current_gigabit", "future_gigabit",
            "bduk_gis", "bduk_vouchers"]  # fmt: skip
    bduk = pd.concat([pd.read_csv(f, usecols=cols, engine="pyarrow") for f in files])
    uprn = pd.read_csv(
        uprn_csv, usecols=["UPRN", "X_COORDINATE", "Y_COORDINATE"], engine="pyarrow",
        encoding="utf-8-sig",
    )  # fmt: skip
    m = bduk.merge(uprn, left_on="uprn", right_on="UPRN", how="left")
    m = m.merge(postcodes[["easting", "northing"]], left_on="postcode", right_index=True,
                how="left")  # fmt: skip
    by_postcode = m["X_COORDINATE"].isna()
    x = m["X_COORDINATE"].fillna(m["easting"])
    y = m["Y_COORDINATE"].fillna(m["northing"])
    pts = gpd.GeoDataFrame(
        {
            "white": m["subsidy_control_status"] == "Gigabit White",
            "current": m["current_gigabit"].astype(str).str.lower() == "true",
            "gis": m["bduk_gis"].astype(str).str.lower() == "true",
            "by_postcode": by_postcode,
        },
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:27700",
    )
    joined = gpd.sjoin(pts, areas[["area_code", "geometry"]], predicate="within")
    table = joined.groupby("area_code")[["white", "current", "gis", "by_postcode"]].sum()
    table["premises"] = joined.groupby("area_code").size()
    return {
        "inside": int(table["premises"].sum()),
        # sjoin counts a point once per polygon it falls in: where divisions overlap (the real
        # Norfolk file does, upstream), some premises are counted twice.
        "inside_once": int(joined.index.nunique()),
        "by_postcode": int(by_postcode.sum()),
    }


# --- Inputs -------------------------------------------------------------------------------------


def _inputs(folder: Path, n_uprn: int, *, seed: int = 0) -> dict[str, Any]:
    """Write a synthetic country of ``n_uprn`` UPRNs (untimed); paths for the jobs."""
    from benchmarks.synthetic_premises import synthetic_country

    folder.mkdir(parents=True, exist_ok=True)
    n_bduk = int(n_uprn * NATIONAL_BDUK_SHARE)
    start = time.perf_counter()
    country = synthetic_country(folder, n_uprn=n_uprn, n_bduk=n_bduk, seed=seed)
    pd_path = folder / "postcodes.pkl"
    country.postcodes.to_pickle(pd_path)
    return {
        "uprn_csv": str(country.uprn_csv),
        "files": [str(f) for f in country.bduk_files],
        "postcodes": str(pd_path),
        "n_uprn": country.n_uprn,
        "n_bduk": country.n_bduk,
        "district_boxes": country.district_boxes,
        "written_s": time.perf_counter() - start,
    }


def _gb_divisions(folder: Path) -> str:
    from benchmarks.synthetic import _voronoi
    from benchmarks.synthetic_premises import GB_BOUNDS

    path = folder / "gb_divisions.parquet"
    if not path.exists():
        _voronoi(N_DIVISIONS, GB_BOUNDS, seed=3, prefix="S99").to_parquet(path)
    return str(path)


def _county(folder: Path, spec: dict[str, Any]) -> tuple[str, list[str], str]:
    """Norfolk's divisions (real when available) and the district files reaching into them."""
    from benchmarks.synthetic import norfolk_divisions, synthetic_divisions

    real = norfolk_divisions()
    divisions = real if real is not None else synthetic_divisions()
    kind = "84 real Norfolk divisions" if real is not None else "84 synthetic Norfolk divisions"
    path = folder / "county_divisions.parquet"
    divisions[["area_code", "geometry"]].to_parquet(path)
    minx, miny, maxx, maxy = divisions.total_bounds
    files = [
        f
        for f in spec["files"]
        if (b := spec["district_boxes"].get(Path(f).name)) is not None
        and b[0] <= maxx and b[2] >= minx and b[1] <= maxy and b[3] >= miny
    ]  # fmt: skip
    return str(path), files, kind


# --- Rows ---------------------------------------------------------------------------------------


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "load n/a"


def _row(what: str, n: int, peer: float | None, ours: float | None, **extra: Any) -> dict:
    """A table row; the peer's time goes in the peer column (there is no naive row here)."""
    return {
        "what": what,
        "n": n,
        "naive": None,
        "peer": peer,
        "ours": ours,
        "ratio": None,
        "peer_ratio": None if peer is None or not ours else peer / ours,
        "unit": "s",
        "target": None,
        "passed": None,
        "note": "",
        **extra,
    }


def _agree(ours: dict[str, Any], peer: dict[str, Any]) -> str:
    """Whether ours and the peer put the same number of premises in the divisions."""
    if "inside" not in ours or "inside" not in peer:
        return ""
    if ours["by_postcode"] != peer["by_postcode"] or ours["inside"] != peer["inside_once"]:
        return f"; DIFFERS from the peer: {ours['inside']:,} vs {peer['inside']:,} in divisions"
    twice = peer["inside"] - peer["inside_once"]
    return "; same premises in divisions and by postcode as the peer" + (
        f" (the peer counts {twice:,} of them twice, in two overlapping divisions; ours once)"
        if twice
        else ""
    )


def _describe(result: dict[str, Any]) -> str:
    if "stopped" in result:
        return result["stopped"]
    if "failed" in result:
        return f"failed: {result['failed']}"
    wall, cpu, peak = result["seconds"], result["cpu_s"], result["peak_mib"]
    return f"{wall:.1f} s wall, {cpu:.1f} s CPU, {peak:,.0f} MiB"


def run(quick: bool, *, sizes: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Benchmark rows (see :mod:`benchmarks`); ``sizes`` are UPRN counts of the national run."""
    from benchmarks.bench_aggregate import machine

    info = machine()
    label = f"{info['cpus']} cpu, py{info['python']}"
    sizes = list(sizes or ([QUICK_UPRN] if quick else [NATIONAL_UPRN]))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-premises-") as tmp:
        root = Path(tmp)
        divisions = _gb_divisions(root)
        largest: dict[str, Any] | None = None
        for n in sizes:
            folder = root / f"n{n}"
            spec = _inputs(folder, n)
            dataset = str(folder / "dataset")
            prep = measure({"kind": "prepare", "uprn_csv": spec["uprn_csv"], "out": dataset},
                           cap_mib=2 * TARGET_MIB)  # fmt: skip
            rows.append(
                _row(
                    f"prepare: {spec['n_uprn']:,} synthetic UPRNs (OS Open UPRN CSV → Hilbert "
                    "Parquet, once per release)",
                    spec["n_uprn"],
                    None,
                    prep.get("seconds"),
                    peak_mib=prep.get("peak_mib"),
                    note=f"{_describe(prep)}; inputs written in {spec['written_s']:.0f} s "
                    f"(untimed); {_load()}",
                )
            )
            job = {**spec, "areas": divisions, "dataset": dataset}
            ours = measure({**job, "kind": "ours_dask"}, cap_mib=2 * TARGET_MIB)
            ok = "seconds" in ours
            row = _row(
                f"national: {spec['n_bduk']:,} synthetic BDUK rows × {spec['n_uprn']:,} UPRNs → "
                f"{N_DIVISIONS:,} synthetic GB divisions (dask, 2 threads)",
                spec["n_bduk"], None, ours.get("seconds"), peak_mib=ours.get("peak_mib"),
                note=f"ours {_describe(ours)}; {_load()}",
            )  # fmt: skip
            if n >= NATIONAL_UPRN:
                row["target"] = f"≤ {TARGET_S:g} s and ≤ {TARGET_MIB / 1024:g} GB on 2 cores"
                row["passed"] = bool(
                    ok and ours["seconds"] <= TARGET_S and ours["peak_mib"] <= TARGET_MIB
                )
            rows.append(row)
            if ok:
                largest = {**job, "n": n, "ours": ours, "prep": prep, "row": row}
        if largest is not None:
            rows += _peer_rows(root, largest, quick=quick)
            rows += _county_rows(root, largest)
        if largest is None or largest["n"] < NATIONAL_UPRN:
            reached = "none" if largest is None else f"{largest['n']:,} UPRNs"
            rows.append(
                _row(
                    "national size not measured",
                    NATIONAL_UPRN,
                    None,
                    None,
                    note=f"largest size reached on this machine: {reached}; no national figure "
                    "is estimated from it",
                )
            )
    for r in rows:
        r["machine"] = label
    return rows


def _peer_rows(root: Path, largest: dict[str, Any], *, quick: bool) -> list[dict[str, Any]]:
    """The peer on growing sizes (reusing the largest inputs' files when sizes match)."""
    rows = []
    sizes = [s for s in PEER_SIZES if s < largest["n"]] + [largest["n"]]
    if quick:
        sizes = [largest["n"]]
    for n in sizes:
        if n == largest["n"]:
            job = largest
        else:
            folder = root / f"peer{n}"
            job = {**_inputs(folder, n, seed=1), "areas": largest["areas"]}
        peer = measure({**job, "kind": "peer"})
        if n != largest["n"]:
            job["dataset"] = str(root / f"peer{n}" / "dataset")
            prep = measure({"kind": "prepare", "uprn_csv": job["uprn_csv"], "out": job["dataset"]})
            ours = measure({**job, "kind": "ours_dask"}, cap_mib=2 * TARGET_MIB)
        else:
            ours, prep = largest["ours"], largest["prep"]
        # The peer reads the published CSV; ours reads the release prepared once. Say what ours
        # costs from the same CSV too, so the two are compared on the same input.
        from_csv = (
            f"; ours from the same CSV, prepare included: {prep['seconds'] + ours['seconds']:.1f} s"
            if "seconds" in prep and "seconds" in ours
            else ""
        )
        rows.append(
            _row(
                f"peer vs ours: {job['n_bduk']:,} synthetic BDUK rows × {job['n_uprn']:,} UPRNs "
                f"→ {N_DIVISIONS:,} divisions",
                job["n_bduk"],
                peer.get("seconds"),
                ours.get("seconds"),
                peak_mib=ours.get("peak_mib"),
                note=f"peer (pandas merge + geopandas.sjoin) {_describe(peer)}; ours "
                f"{_describe(ours)}{from_csv}{_agree(ours, peer)}; {_load()}",
            )
        )
        if "seconds" not in peer:
            break  # the peer cannot hold this size within the cap; larger ones neither
        for f in (root / f"peer{n}").glob("*.csv") if n != largest["n"] else ():
            f.unlink()
    return rows


def _county_rows(root: Path, largest: dict[str, Any]) -> list[dict[str, Any]]:
    areas, files, kind = _county(root, largest)
    job = {**largest, "areas": areas, "files": files}
    ours = measure({**job, "kind": "ours_single"})
    peer = measure({**job, "kind": "peer"})
    n = ours.get("rows", 0)
    row = _row(
        f"county: {n:,} synthetic BDUK rows ({len(files)} district files) × "
        f"{job['n_uprn']:,} UPRNs → {kind} (one machine)",
        n, peer.get("seconds"), ours.get("seconds"), peak_mib=ours.get("peak_mib"),
        note=f"ours {_describe(ours)}, {ours.get('inside', 0):,} premises in divisions; peer "
        f"(reads the whole published release) {_describe(peer)}{_agree(ours, peer)}; {_load()}",
    )  # fmt: skip
    row["target"] = f"≤ {COUNTY_TARGET_S:g} s"
    row["passed"] = bool("seconds" in ours and ours["seconds"] <= COUNTY_TARGET_S)
    if largest["n"] < NATIONAL_UPRN:
        row["passed"] = None
        row["note"] += "; release smaller than national, so no verdict"
    return [row]


def _main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_premises")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", nargs="*", type=int)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_job(json.loads(args.child)), default=float))
        return 0
    from benchmarks.run import format_table

    print(format_table(run(args.quick, sizes=args.sizes)))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
