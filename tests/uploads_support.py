"""Hand-made inputs shared by the upload tests: three 1 km squares and a synthetic lookup.

Squares (EPSG:27700), y from 300,000 to 301,000:
A = E58000001, x 600,000–601,000; B = E58000002, x 601,000–602,000;
C = E58000003, x 602,000–603,000. The county is their union.

Postcodes in tests/data/postcodes/*_SYNTHETIC.csv (made up; labelled synthetic in the name):
NR1 1AA (600500, 300500) in A; NR1 1AB (601500, 300500) in B; NR1 1AD (601000, 300500) on
the A/B border; NR1 1AE (602500, 300500) and NR1 1AF (602500, 300800) in C; NR9 9ZZ
(610000, 300500) outside the county; NR1 9XX terminated; NR2 2NG has no grid reference.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import geopandas as gpd
import shapely

from geo.sources.postcodes import read_postcode_file
from layers.base import ReadContext

DATA = Path(__file__).parent / "data"
POSTCODE_FILES = ("onspd_2025_SYNTHETIC.csv", "onspd_2023_SYNTHETIC.csv", "nspl_2021_SYNTHETIC.csv")
TODAY = date(2024, 6, 1)


def squares() -> gpd.GeoDataFrame:
    """The three areas, in the normalised boundary shape."""
    return gpd.GeoDataFrame(
        {"area_code": ["E58000001", "E58000002", "E58000003"], "area_name": ["A", "B", "C"]},
        geometry=[
            shapely.box(600_000 + i * 1000, 300_000, 601_000 + i * 1000, 301_000) for i in range(3)
        ],
        crs="EPSG:27700",
    )


@cache
def lookup(name: str = POSTCODE_FILES[0]):
    return read_postcode_file(DATA / "postcodes" / name, filename=name)


def context() -> ReadContext:
    return ReadContext(postcodes=lookup(), county=squares().union_all(), today=TODAY)


def upload(name: str) -> bytes:
    return (DATA / "uploads" / name).read_bytes()
