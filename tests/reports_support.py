"""Hand-made inputs for the residents' reports tests: two squares, five postcodes, known figures.

Areas ``A1`` (0–1 km east) and ``A2`` (1–2 km east), 1 km tall, EPSG:27700. Postcodes:
``ZZ99 1AA`` in A1, ``ZZ99 1AB`` and ``ZZ99 1AE`` in A2, ``ZZ99 1AC`` outside both (another
council's), ``ZZ99 1AD`` terminated. Ofcom's (made-up) figures: A1 is all gigabit, nobody in A2
can get superfast; the postcode file says ZZ99 1AB is all superfast.
"""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd
import shapely

from geo.analysis import resident_reports as rr
from geo.config import WORKING_CRS

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
AREAS = gpd.GeoDataFrame(
    {"area_code": ["A1", "A2"], "area_name": ["Alpha", "Beta"]},
    geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)],
    crs=WORKING_CRS,
)
POSTCODES = pd.DataFrame(
    {
        "easting": [500.0, 1500.0, 5000.0, 600.0, 1700.0],
        "northing": [500.0, 500.0, 5000.0, 600.0, 300.0],
        "terminated": [False, False, False, True, False],
    },
    index=pd.Index(["ZZ99 1AA", "ZZ99 1AB", "ZZ99 1AC", "ZZ99 1AD", "ZZ99 1AE"], name="postcode"),
)
AREA_FIGURES = pd.DataFrame(
    {
        "pct_sfbb": [100.0, 0.0],
        "pct_ufbb": [100.0, 0.0],
        "pct_gigabit": [100.0, 0.0],
        "pct_unable_10": [0.0, 40.0],
        "figure_from": ["own", "own"],
    },
    index=pd.Index(["A1", "A2"], name="area_code"),
)
POSTCODE_PCT = pd.DataFrame(
    {"level": ["postcode"], "release": ["2026-01"], "area_id": ["ZZ99 1AB"],
     "pct_sfbb": [100.0], "pct_ufbb": [20.0], "pct_gigabit": [20.0], "pct_unable_10": [0.0]}
)  # fmt: skip


def form(**fields: object) -> rr.ReportForm:
    """A valid form (ZZ99 1AA, below 10 Mbit/s) with ``fields`` changed."""
    base: dict[str, object] = {"postcode": "zz99 1aa", "band": "below_10"}
    return rr.ReportForm(**{**base, **fields})  # type: ignore[arg-type]


def valid(**fields: object) -> rr.ValidReport:
    return rr.validate_report(form(**fields), postcodes=POSTCODES, areas=AREAS)
