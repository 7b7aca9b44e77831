"""Helper process for tests/test_store_crash.py: saves synthetic points into a store.

Usage::

    python tests/crash_writer.py STORE --rows N --file-name NAME [--repeat K] [--pause-marker PATH]

With ``--pause-marker`` the writer stops between writing its temporary file and swapping it in,
writes the temporary file's path to PATH (the signal the test waits for) and sleeps until killed.
The points are synthetic (labelled so in a ``source`` column).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402
from shapely.geometry import Point  # noqa: E402

from geo.config import SYNTHETIC_LABEL, WORKING_CRS  # noqa: E402
from geo.storage import store  # noqa: E402
from tests.crash_support import pause_at_swap  # noqa: E402


def synthetic_points(rows: int) -> gpd.GeoDataFrame:
    """``rows`` points 1 km apart eastwards from (600000, 300000), in EPSG:27700."""
    return gpd.GeoDataFrame(
        {"n": list(range(rows)), "source": [SYNTHETIC_LABEL] * rows},
        geometry=[Point(600_000 + 1_000 * i, 300_000) for i in range(rows)],
        crs=WORKING_CRS,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("store")
    parser.add_argument("--rows", type=int, default=3)
    parser.add_argument("--file-name", default="crash.csv")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pause-marker", type=Path)
    args = parser.parse_args(argv)

    if args.pause_marker is not None:
        store._before_swap = pause_at_swap(args.pause_marker)

    for i in range(args.repeat):
        name = f"{args.file_name}#{i}" if args.repeat > 1 else args.file_name
        version = store.save(
            args.store,
            "vouchers",
            synthetic_points(args.rows),
            file_name=name,
            file_bytes=name.encode(),
            user="crash_writer",
        )
        print(version, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
