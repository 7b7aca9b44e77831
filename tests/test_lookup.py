"""Postcode → area: two hand-made squares and a tiny directory with every case in it."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.analysis.lookup import find_area
from geo.config import WORKING_CRS
from geo.sources.demo import demo_areas, demo_files
from geo.sources.demo_build import build_demo
from geo.storage.catalog import load_catalog

AREAS = gpd.GeoDataFrame(
    {"area_code": ["E1", "E2"]},
    geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)],
    crs=WORKING_CRS,
)
DIRECTORY = pd.DataFrame(
    {
        "easting": [500.0, 1500.0, 1000.0, 500.0, None, 5000.0],
        "northing": [500.0, 500.0, 500.0, 500.0, None, 5000.0],
        "terminated": [False, False, False, True, False, False],
    },
    index=pd.Index(
        ["AA1 1AA", "AA1 1AB", "AA1 1AD", "AA1 9ZZ", "AA1 1AE", "AA1 1AF"], name="postcode"
    ),
)


@pytest.mark.parametrize(
    ("typed", "status", "code"),
    [
        ("aa1 1aa", "found", "E1"),
        (" AA11AB ", "found", "E2"),
        ("AA1 1AD", "found", "E1"),  # on the shared border: the lower code, as in assign_areas
        ("AA1 9ZZ", "terminated", None),
        ("AA1 1AE", "no_location", None),
        ("AA1 1AF", "outside", None),
        ("AA1 1AG", "unknown", None),
        ("not a postcode", "invalid", None),
        ("", "invalid", None),
    ],
)
def test_find_area_cases(typed: str, status: str, code: str | None) -> None:
    result = find_area(typed, postcodes=DIRECTORY, areas=AREAS)
    assert (result.status, result.area_code) == (status, code)
    assert result.message


def test_no_directory_loaded() -> None:
    result = find_area("AA1 1AA", postcodes=None, areas=AREAS)
    assert result.status == "no_directory"
    assert "postcode directory" in result.message


def test_every_demo_postcode_finds_its_own_division(tmp_path: Path) -> None:
    """The synthetic NSPL names each postcode's division (ced25cd): the lookup agrees."""
    cat = load_catalog(build_demo(tmp_path))
    areas = cat.areas["ced"]
    assert cat.postcodes is not None
    nspl = pd.read_csv(io.BytesIO(demo_files()["nspl_demo_synthetic.csv"]))
    sample = nspl.iloc[::37]
    for pcds, ced in zip(sample["pcds"], sample["ced25cd"], strict=True):
        found = find_area(pcds.lower().replace(" ", ""), postcodes=cat.postcodes, areas=areas)
        assert found.area_code == ced
    assert set(areas["area_code"]) == set(demo_areas()["CED25CD"])
