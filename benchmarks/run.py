"""Run every ``benchmarks/bench_*.py`` and print one table: ``python -m benchmarks.run [--quick]``.

Options: ``--only aggregate`` (module names without ``bench_``), ``--sizes 1000 10000`` (for
modules whose ``run`` takes ``sizes``), ``--results-dir`` (default ``benchmarks/results/``).
Rows follow the convention in :mod:`benchmarks`; results are also saved as JSON.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import ROW_KEYS

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
COLUMNS: tuple[str, ...] = (
    "what", "N", "naive", "peer", "ours", "ratio", "vs peer", "peak memory", "machine",
)  # fmt: skip
"""``peer`` is the honest peer's time (what a competent analyst writes) when a row has one;
``ratio`` is naive / ours and ``vs peer`` peer / ours."""


def discover(only: Sequence[str] = ()) -> list[str]:
    """Module names ``benchmarks.bench_*`` found next to this file (``only`` filters them)."""
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if only:
        names = [n for n in names if n.removeprefix("bench_") in only or n in only]
    return [f"benchmarks.{n}" for n in names]


def _num(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if unit == "s" and value < 1:
        return f"{value * 1000:.3g} ms"
    return f"{value:.3g} {unit}"


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as a fixed-width text table with :data:`COLUMNS`, then PASS/FAIL lines."""
    cells = [list(COLUMNS)]
    for r in rows:
        unit = r.get("unit", "")
        peak = r.get("peak_mib")
        naive = _num(r.get("naive"), unit)
        if r.get("naive") is not None and "extrapolated" in str(r.get("note", "")):
            naive = "~" + naive + "*"
        cells.append(
            [
                str(r["what"]),
                f"{r['n']:,}" if isinstance(r.get("n"), int) else str(r.get("n")),
                naive,
                _num(r.get("peer"), unit),
                _num(r.get("ours"), unit),
                "—" if r.get("ratio") is None else f"{r['ratio']:,.0f}×",
                "—" if r.get("peer_ratio") is None else f"{r['peer_ratio']:,.1f}×",
                "—" if peak is None else f"{peak:,.1f} MiB",
                str(r.get("machine", "")),
            ]
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if any("extrapolated" in str(r.get("note", "")) for r in rows):
        lines.append("* naive extrapolated linearly from a subsample; see notes")
    for r in rows:
        if r.get("target"):
            verdict = {True: "PASS", False: "FAIL", None: "n/a"}[r.get("passed")]
            lines.append(f"{verdict}: {r['what']} (N={r['n']:,}): target {r['target']}")
    notes = [f"- {r['what']}: {r['note']}" for r in rows if r.get("note")]
    return "\n".join([*lines, "notes:", *notes] if notes else lines)


def run_all(
    *, quick: bool, only: Sequence[str] = (), sizes: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """Import each benchmark module and collect its rows (tagged with the module name)."""
    rows: list[dict[str, Any]] = []
    for name in discover(only):
        module = importlib.import_module(name)
        kwargs: dict[str, Any] = {}
        params = inspect.signature(module.run).parameters
        if sizes and "sizes" in params:
            kwargs["sizes"] = list(sizes)
        if sizes and max(sizes) <= 10_000 and "dask_processes" in params:
            kwargs["dask_processes"] = False  # tiny runs: threads start faster
        for row in module.run(quick, **kwargs):
            missing = [k for k in ROW_KEYS if k not in row]
            if missing:
                raise ValueError(f"{name}.run returned a row without {missing}: {row}")
            rows.append({"module": name, **row})
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints the table and writes a JSON file of the rows."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--only", nargs="*", default=[], help="e.g. aggregate map")
    parser.add_argument("--sizes", nargs="*", type=int, help="problem sizes, e.g. 1000")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    from benchmarks.bench_aggregate import machine

    info = machine()
    print(f"machine: {info}", flush=True)
    rows = run_all(quick=args.quick, only=args.only, sizes=args.sizes)
    print(format_table(rows))
    args.results_dir.mkdir(parents=True, exist_ok=True)
    out = args.results_dir / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"machine": info, "quick": args.quick, "rows": rows}, indent=2))
    print(f"results: {out}")
    failed = [r for r in rows if r.get("passed") is False]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
