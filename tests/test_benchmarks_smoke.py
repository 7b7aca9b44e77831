"""The benchmark runner works end to end in a tiny mode; timings are never asserted here."""

from __future__ import annotations

import json

import pytest

from benchmarks import ROW_KEYS
from benchmarks import run as runner
from benchmarks.synthetic import COVERAGE_COLUMNS, synthetic_postcodes, synthetic_wards
from geo.config import SYNTHETIC_LABEL


def test_runner_finds_bench_modules():
    assert "benchmarks.bench_aggregate" in runner.discover()
    assert runner.discover(["aggregate"]) == ["benchmarks.bench_aggregate"]
    assert runner.discover(["no-such-benchmark"]) == []


@pytest.mark.slow
def test_aggregate_benchmark_prints_table(tmp_path, capsys):
    status = runner.main(["--only", "aggregate", "--sizes", "1000", "--results-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0  # no row has a target at N=1000, so none can fail
    header = next(line for line in out.splitlines() if line.startswith("what"))
    assert header.split() == [
        "what", "N", "naive", "peer", "ours", "ratio", "vs", "peer", "peak", "memory", "machine",
    ]  # fmt: skip
    assert "1,000 synthetic postcodes → 8,000 synthetic wards" in out
    assert "OA → division: 1,000 synthetic OA rows + centroids" in out
    assert "peer geopandas.sjoin+groupby" in out and "premises vs the file: ours +0" in out
    assert "dask: 1,000 synthetic postcodes" in out
    # Whether the naive loop was measured whole or extrapolated depends on machine speed: the
    # note must say which, and nothing here asserts which one it was.
    assert "naive extrapolated from n=" in out or "naive measured on all points" in out
    saved = json.loads(next(tmp_path.glob("bench-*.json")).read_text())
    rows = saved["rows"]
    assert len(rows) == 4
    assert all(set(ROW_KEYS) <= set(row) for row in rows)
    assert {row["n"] for row in rows} == {1000}
    assert saved["machine"]["cpus"] >= 1


def test_table_marks_targets_and_extrapolation():
    rows = [
        {"what": "x", "n": 2_000_000, "naive": 100.0, "ours": 4.0, "ratio": 25.0, "unit": "s",
         "target": "≥10× naive and ≤3 s", "passed": False, "note": "naive extrapolated from n=9",
         "peak_mib": 12.0, "machine": "2 cpu"},
    ]  # fmt: skip
    table = runner.format_table(rows)
    assert "~100 s*" in table
    assert "25×" in table
    assert "FAIL: x (N=2,000,000): target ≥10× naive and ≤3 s" in table


def test_synthetic_data_is_labelled_seeded_and_consistent():
    a = synthetic_postcodes(500, seed=3)
    b = synthetic_postcodes(500, seed=3)
    assert a.equals(b)
    assert a["synthetic"].all() and a.attrs["label"] == SYNTHETIC_LABEL
    assert str(a.crs) == "EPSG:27700"
    for col in COVERAGE_COLUMNS[1:]:
        assert (a[col] <= a["premises"]).all()
    assert (a["n_full_fibre"] <= a["n_gigabit"]).all()
    assert (a["n_gigabit"] <= a["n_ufbb"]).all() and (a["n_ufbb"] <= a["n_sfbb"]).all()
    assert (a["n_below_uso"] + a["n_sfbb"] <= a["premises"]).all()
    wards = synthetic_wards(50, seed=1)
    assert len(wards) == 50 and wards["area_code"].is_unique and wards["synthetic"].all()
    # Voronoi cells tile the box: areas add up to the box area and do not overlap.
    box = wards.total_bounds
    assert wards.area.sum() == pytest.approx((box[2] - box[0]) * (box[3] - box[1]), rel=1e-9)


@pytest.mark.slow
def test_premises_benchmark_prints_national_peer_and_county_rows(tmp_path, capsys):
    """``python -m benchmarks.run --only premises`` at a tiny size: every row, and ours and the
    peer (pandas merge + geopandas.sjoin) place the same premises. No time is asserted."""
    status = runner.main(["--only", "premises", "--sizes", "20000", "--results-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0  # below national size no row carries a verdict
    rows = json.loads(next(tmp_path.glob("bench-*.json")).read_text())["rows"]
    what = [r["what"].split(":")[0] for r in rows]
    assert what == ["prepare", "national", "peer vs ours", "county", "national size not measured"]
    peer_rows = [r for r in rows if r["what"].startswith(("peer vs ours", "county"))]
    for r in peer_rows:
        assert r["peer"] is not None and r["naive"] is None  # the peer's time in its own column
        assert "same premises in divisions and by postcode as the peer" in r["note"]
    assert "ours from the same CSV, prepare included" in peer_rows[0]["note"]
    assert "14,707 synthetic BDUK rows × 20,000 UPRNs" in out
