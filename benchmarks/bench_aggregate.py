"""Aggregating N synthetic postcodes to areas: naive loop vs ours vs dask, side by side.

* naive  — :func:`geo.geometry.aggregate.aggregate_points_naive`, a Python loop over points
  and areas,
  timed on a subsample and extrapolated linearly (the row's note says from which n).
* ours   — :func:`geo.geometry.aggregate.aggregate_points` (grid-bucketed, prepared, vectorised).
* dask   — :func:`geo.geometry.partitioned.aggregate_partitioned` reading Parquet files lazily on a
  LocalCluster of 2 workers (cluster start-up and writing the files are not timed).
* OA → division rows: an Ofcom OA file's rows joined to OA centroids and added up per division,
  three ways: the naive loop (extrapolated), the honest peer a council analyst writes
  (``pandas.merge`` onto the centroids, ``geopandas.sjoin(predicate="within")``, ``groupby``
  sum) and ours (:func:`geo.analysis.coverage.coverage_by_area`, which also snaps centroids in
  boundary gaps and reports the unplaced). ``peer`` and ``peer_ratio`` (peer / ours) are extra
  row keys.

Times are the best of a few runs (the machine may be shared). Peak memory is measured in one
more, untimed run: traced with tracemalloc for in-process work (numpy and Python allocations;
GEOS's own are not seen), and for dask worker processes as the largest rise in resident memory
(RSS, sampled from ``/proc``) of the client plus its workers, which can under-count memory
reused from earlier runs. All points and the ward-like areas are SYNTHETIC.
"""

from __future__ import annotations

import os
import platform
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import geo.geometry.aggregate
from benchmarks.synthetic import (
    COVERAGE_COLUMNS,
    NORFOLK_BOUNDS,
    norfolk_divisions,
    synthetic_divisions,
    synthetic_postcodes,
    synthetic_wards,
)
from geo.geometry.aggregate import aggregate_points, aggregate_points_naive

FULL_SIZES: tuple[int, ...] = (10_000, 100_000, 1_000_000, 2_000_000)
OA_SIZES: tuple[int, ...] = (2_931, 188_880)
"""Norfolk's 2011 output areas, and every 2021 OA of England and Wales."""
QUICK_SIZES: tuple[int, ...] = (10_000, 100_000)
TARGET_N = 2_000_000
TARGET_SPEEDUP = 10.0
TARGET_SECONDS = 3.0
TARGET_TEXT = f"≥{TARGET_SPEEDUP:g}× naive and ≤{TARGET_SECONDS:g} s"
NAIVE_BUDGET_S = 1.5
"""Roughly how long the naive subsample may run before extrapolation."""
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def machine() -> dict[str, Any]:
    """CPU count, Python and platform, and the load when measured (the box may be shared)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "cpus": cpus,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load_1min": load,
    }


def _rss(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def measure_peak(fn: Callable[[], Any], *, pids: Sequence[int] = ()) -> tuple[Any, float, str]:
    """Run ``fn``; return its result, its peak memory in MiB and how that was measured.

    In-process work is traced with :mod:`tracemalloc` (every numpy and Python allocation; the
    RSS would hide reuse of memory freed by earlier runs). With ``pids`` (dask workers), the
    largest rise of the summed resident memory of this process and those is sampled instead.
    """
    if not pids or _rss(os.getpid()) is None:
        tracemalloc.start()
        try:
            result = fn()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return result, peak / 2**20, "traced by tracemalloc"
    watched = [os.getpid(), *pids]
    base = sum(_rss(p) or 0 for p in watched)
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], sum(_rss(p) or 0 for p in watched))
            done.wait(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = fn()
    finally:
        done.set()
        sampler.join()
    return result, (peak[0] - base) / 2**20, "RSS rise of client + workers"


def best_time(fn: Callable[[], Any], *, repeats: int) -> tuple[float, float]:
    """The best wall time of ``repeats`` runs and the CPU time of that run (all threads), s."""
    best = (float("inf"), float("inf"))
    for _ in range(max(1, repeats)):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        wall = time.perf_counter() - start
        if wall < best[0]:
            best = (wall, time.process_time() - cpu)
    return best


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "load n/a"


def _naive_seconds(points, areas, columns: list[str], n: int) -> tuple[float, int]:
    """Time the naive loop on a random subsample; return the linear extrapolation to ``n``."""
    rng = np.random.default_rng(42)
    probe = points.iloc[np.sort(rng.choice(len(points), min(20, len(points)), replace=False))]
    start = time.perf_counter()
    aggregate_points_naive(probe, areas, columns=columns)
    per_point = max((time.perf_counter() - start) / len(probe), 1e-7)
    n_sub = int(min(len(points), max(len(probe), NAIVE_BUDGET_S / per_point)))
    sub = points.iloc[np.sort(rng.choice(len(points), n_sub, replace=False))]
    start = time.perf_counter()
    aggregate_points_naive(sub, areas, columns=columns)
    return (time.perf_counter() - start) * n / n_sub, n_sub


def _naive_note(n_sub: int, n: int) -> str:
    return f"naive extrapolated from n={n_sub:,}" if n_sub < n else "naive measured on all points"


def _row(what: str, n: int, naive: float | None, ours: float, **extra: Any) -> dict[str, Any]:
    return {
        "what": what,
        "n": n,
        "naive": naive,
        "ours": ours,
        "ratio": None if naive is None else naive / ours,
        "unit": "s",
        "target": None,
        "passed": None,
        "note": "",
        **extra,
    }


def _dask_rows(
    frames: dict[int, pd.DataFrame], areas, naive: dict[int, tuple[float, str]], *, processes: bool
):
    """Write each point set as Parquet files and aggregate them with 2 dask workers."""
    from distributed import Client, LocalCluster

    from geo.geometry.partitioned import aggregate_partitioned

    rows = []
    cols = list(COVERAGE_COLUMNS)
    with (
        tempfile.TemporaryDirectory(prefix="bench-parquet-") as tmp,
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        pids = [] if not processes else list(client.run(os.getpid).values())
        for n, frame in frames.items():
            files = []
            plain = pd.DataFrame(frame[["x", "y", *cols]])
            for k, start in enumerate(range(0, n, 250_000)):
                path = Path(tmp) / f"n{n}-{k:03d}.parquet"
                plain.iloc[start : start + 250_000].to_parquet(path)
                files.append(path)

            def job(files=files):
                return aggregate_partitioned(files, areas, columns=cols, xy=("x", "y"))

            seconds, _ = best_time(job, repeats=2)
            _, peak, how = measure_peak(job, pids=pids)
            kind = "processes" if processes else "threads"
            rows.append(
                _row(
                    f"dask: {n:,} synthetic postcodes in {len(files)} Parquet file(s) → wards",
                    n,
                    naive[n][0],
                    seconds,
                    peak_mib=peak,
                    note=f"{naive[n][1]}; LocalCluster 2×1 ({kind}); best of 2; peak {how}; "
                    f"{_load()}",
                )
            )
    return rows


def run(
    quick: bool,
    *,
    sizes: Sequence[int] | None = None,
    dask: bool = True,
    dask_processes: bool = True,
) -> list[dict[str, Any]]:
    """Benchmark rows (see :mod:`benchmarks`): wards rows, dask rows and Norfolk rows."""
    sizes_given = sizes is not None
    sizes = tuple(sizes or (QUICK_SIZES if quick else FULL_SIZES))
    cols = list(COVERAGE_COLUMNS)
    info = machine()
    label = f"{info['cpus']} cpu, py{info['python']}"
    agg_threads = geo.geometry.aggregate._THREADS
    rows: list[dict[str, Any]] = []
    wards = synthetic_wards()
    frames: dict[int, pd.DataFrame] = {}
    naive_at: dict[int, tuple[float, str]] = {}
    for n in sizes:
        points = synthetic_postcodes(n, seed=n)
        naive, n_sub = _naive_seconds(points, wards, cols, n)
        naive_at[n] = (naive, _naive_note(n_sub, n))

        def ours(points=points):
            return aggregate_points(points, wards, columns=cols)

        seconds, cpu = best_time(ours, repeats=5 if n == TARGET_N else 3)
        _, peak, how = measure_peak(ours)
        row = _row(
            f"{n:,} synthetic postcodes → {len(wards):,} synthetic wards",
            n,
            naive,
            seconds,
            peak_mib=peak,
            note=f"{_naive_note(n_sub, n)}; best of runs, CPU {cpu:.2f} s on "
            f"up to {agg_threads} thread(s); peak {how}; {_load()}",
        )
        if n == TARGET_N:
            row["target"] = TARGET_TEXT
            row["passed"] = bool(row["ratio"] >= TARGET_SPEEDUP and seconds <= TARGET_SECONDS)
        rows.append(row)
        frames[n] = points
    if dask:
        rows += _dask_rows(frames, wards, naive_at, processes=dask_processes)
    del frames

    real = norfolk_divisions()
    divisions = real if real is not None else synthetic_divisions()
    kind = "real Norfolk divisions" if real is not None else "synthetic Norfolk-like divisions"
    for n in sizes:
        points = synthetic_postcodes(
            n, areas=divisions if real is not None else None, bounds=NORFOLK_BOUNDS, seed=n
        )

        def ours_norfolk(points=points):
            return aggregate_points(points, divisions, columns=cols)

        naive, n_sub = _naive_seconds(points, divisions, cols, n)
        seconds, cpu = best_time(ours_norfolk, repeats=3)
        _, peak, how = measure_peak(ours_norfolk)
        rows.append(
            _row(
                f"{n:,} synthetic postcodes → {len(divisions)} {kind}",
                n,
                naive,
                seconds,
                peak_mib=peak,
                note=f"{_naive_note(n_sub, n)}; best of runs, CPU {cpu:.2f} s; peak {how}",
            )
        )
    rows += _oa_rows(
        tuple(sizes) if sizes_given else OA_SIZES[: 1 if quick else None], divisions, kind
    )
    for row in rows:
        row["machine"] = label
    return rows


def _oa_inputs(n: int, divisions) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` synthetic OA rows (Ofcom columns after reading) and their centroids, inside the
    divisions; codes ``X00…`` (never real)."""
    pts = synthetic_postcodes(n, areas=divisions, bounds=NORFOLK_BOUNDS, seed=n + 7, geometry=False)
    codes = [f"X00{i:06d}" for i in range(n)]
    rows = pd.DataFrame({"area_id": codes, **{c: pts[c].astype(float) for c in COVERAGE_COLUMNS},
                         "release": "2026-01"})  # fmt: skip
    rows.attrs["level"] = "oa"
    centroids = pd.DataFrame({"easting": pts["x"].to_numpy(), "northing": pts["y"].to_numpy()},
                             index=pd.Index(codes, name="oa_code"))  # fmt: skip
    return rows, centroids


def sjoin_peer(rows: pd.DataFrame, centroids: pd.DataFrame, divisions) -> pd.DataFrame:
    """What a competent analyst writes: merge, points, ``sjoin`` within, ``groupby`` sum."""
    import geopandas as gpd

    located = rows.merge(centroids, left_on="area_id", right_index=True, how="inner")
    points = gpd.GeoDataFrame(
        located, geometry=gpd.points_from_xy(located["easting"], located["northing"]),
        crs=divisions.crs,
    )  # fmt: skip
    joined = gpd.sjoin(points, divisions[["area_code", "geometry"]], predicate="within")
    cols = ["premises", *[c for c in rows.columns if c.startswith("n_")]]
    return joined.groupby("area_code")[cols].sum()


def _oa_rows(sizes: Sequence[int], divisions, kind: str) -> list[dict[str, Any]]:
    from geo.analysis.coverage import coverage_by_area

    out = []
    for n in sizes:
        rows, centroids = _oa_inputs(n, divisions)
        cols = ["premises", *[c for c in rows.columns if c.startswith("n_")]]

        def ours(rows=rows, centroids=centroids):
            return coverage_by_area(rows, divisions, locations=centroids)

        def peer(rows=rows, centroids=centroids):
            return sjoin_peer(rows, centroids, divisions)

        # Each OA once (lowest code on a shared border or an overlap) against the file's total;
        # sjoin "within" counts a point in two overlapping divisions twice, on a border never.
        total = float(rows["premises"].sum())
        ours_off = float(ours()["premises"].sum()) - total
        peer_off = float(peer()["premises"].sum()) - total
        import geopandas as gpd

        points = gpd.GeoDataFrame(
            rows, geometry=gpd.points_from_xy(centroids["easting"], centroids["northing"]),
            crs=divisions.crs,
        )  # fmt: skip
        naive, n_sub = _naive_seconds(points, divisions, cols, n)
        seconds, cpu = best_time(ours, repeats=5)
        peer_s, _ = best_time(peer, repeats=5)
        _, peak, how = measure_peak(ours)
        row = _row(f"OA → division: {n:,} synthetic OA rows + centroids → {len(divisions)} {kind}",
                   n, naive, seconds, peak_mib=peak, peer=peer_s, peer_ratio=peer_s / seconds,
                   note=f"{_naive_note(n_sub, n)}; peer geopandas.sjoin+groupby {peer_s:.3f} s; "
                   f"premises vs the file: ours {ours_off:+,.0f}, peer {peer_off:+,.0f} "
                   f"(overlaps/borders); ours CPU {cpu:.2f} s; peak {how}")  # fmt: skip
        out.append(row)
    return out


__all__ = ["machine", "measure_peak", "run", "sjoin_peer"]
