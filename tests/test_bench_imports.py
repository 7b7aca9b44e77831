"""The import benchmark runs end to end at a tiny size; timings are never asserted here."""

from __future__ import annotations

import pytest

from benchmarks import ROW_KEYS, bench_imports


@pytest.mark.slow
def test_import_benchmark_rows_at_a_tiny_size() -> None:
    rows = bench_imports.run(False, sizes=[3000])
    assert [r["n"] for r in rows] == [190_000 // 900, 1_741_096 // 900, 3000]
    assert all(set(ROW_KEYS) <= set(r) for r in rows)
    assert all("synthetic" in r["what"] for r in rows)
    assert all(r["target"] is None and r["peak_mib"] > 0 for r in rows)
    assert "peak RSS naive" in rows[2]["note"]
