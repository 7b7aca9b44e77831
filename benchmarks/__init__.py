"""Benchmarks, run together by ``python -m benchmarks.run [--quick]``.

Convention: every module ``benchmarks/bench_<topic>.py`` exposes ::

    def run(quick: bool) -> list[dict]: ...

returning one row per measurement, each a dict with these keys (:data:`ROW_KEYS`):

``what``    what was measured, in words (say "synthetic" when the data is)
``n``       problem size (points, features, clicks …), an int
``naive``   the baseline's time, or ``None``; a string note in ``note`` says if it was
            extrapolated (e.g. "naive extrapolated from n=200")
``ours``    our time
``ratio``   ``naive / ours`` (``None`` when there is no baseline)
``unit``    unit of ``naive`` and ``ours`` (``"s"``, ``"ms"``, ``"MB"`` …)
``target``  the target in words (``"≥10× naive and ≤3 s"``), or ``None``
``passed``  ``True``/``False`` against the target, ``None`` when there is none
``note``    anything a reader needs to trust the number

A row may add more keys (e.g. ``peak_mib``, ``machine``); the runner shows ``peak_mib`` when
present. A module may accept extra keyword-only options (``sizes=…``); the runner passes
``--sizes`` only to modules whose ``run`` takes a ``sizes`` parameter. The runner finds modules
by name, so a new ``bench_*.py`` needs no registration. Timings belong in this output, never in
tests. Results are also written as JSON to ``benchmarks/results/`` (git-ignored).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

ROW_KEYS: tuple[str, ...] = (
    "what",
    "n",
    "naive",
    "ours",
    "ratio",
    "unit",
    "target",
    "passed",
    "note",
)


def run_alone(run: Callable[..., list[dict[str, Any]]], description: str) -> None:
    """``python -m benchmarks.bench_<topic> [--quick]``: print one module's rows, one a line."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    for row in run(parser.parse_args().quick):
        print(" | ".join(f"{k}={v}" for k, v in row.items()))


__all__ = ["ROW_KEYS", "run_alone"]
