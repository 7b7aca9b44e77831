"""Boundaries: normalisation, repairs reported, clear errors; real Norfolk files tile the county."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.errors import DataError
from geo.geometry.boundaries import filter_to_codes, load_boundaries, normalise_boundaries
from tests.conftest import require_shared
from tests.squares import squares


def _raw(**columns: object) -> gpd.GeoDataFrame:
    sq = squares()
    return gpd.GeoDataFrame(
        {"CED25CD": sq["area_code"], "CED25NM": sq["area_name"], **columns},
        geometry=sq.geometry, crs=sq.crs,
    )  # fmt: skip


def test_normalises_ons_fields_to_area_columns_in_working_crs() -> None:
    raw = _raw().to_crs("EPSG:4326")
    out = normalise_boundaries(raw, source="ced.geojson")
    assert list(out.columns[:3]) == ["area_code", "area_name", "geometry"]
    assert out.crs.to_epsg() == 27700
    assert out.attrs["level"] == "ced" and out.attrs["vintage"] == "2025"
    assert out.area.sum() == pytest.approx(3_000_000, rel=1e-4)


def test_invalid_geometry_is_repaired_and_reported() -> None:
    bowtie = shapely.Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    raw = _raw()
    raw.loc[1, "geometry"] = shapely.affinity.translate(bowtie, 601_000, 300_000)
    out = normalise_boundaries(raw, source="ced.gpkg")
    assert out.is_valid.all()
    assert len(out.attrs["repairs"]) == 1 and out.attrs["repairs"][0].startswith("E58000002")
    assert "Self-intersection" in out.attrs["repairs"][0]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda g: g.assign(CED25CD="E58000001"), "row 2, column 'CED25CD': duplicate area code"),
        (lambda g: g.drop(columns="CED25NM"), "no area name column"),
        (lambda g: g.rename(columns={"CED25CD": "CODE"}), "no area code column"),
        (
            lambda g: g.set_geometry(gpd.points_from_xy([1, 2, 3], [1, 2, 3], crs=g.crs)),
            "row 1, column 'geometry': geometry is a Point",
        ),
        (lambda g: g.set_crs(None, allow_override=True), "has no coordinate reference system"),
    ],
)
def test_bad_boundaries_are_clear_errors(change, fragment: str) -> None:
    with pytest.raises(DataError) as err:
        normalise_boundaries(change(_raw()), source="ced.gpkg")
    assert fragment in str(err.value)
    assert "ced.gpkg" in str(err.value)


def test_file_formats_geojson_gpkg_zipped_shapefile(tmp_path: Path) -> None:
    raw = _raw()
    raw.to_file(tmp_path / "ced.geojson", driver="GeoJSON")
    raw.to_file(tmp_path / "ced.gpkg", driver="GPKG")
    shp = tmp_path / "shp"
    shp.mkdir()
    raw.to_file(shp / "ced.shp")
    with zipfile.ZipFile(tmp_path / "ced.zip", "w") as zf:
        for part in shp.iterdir():
            zf.write(part, part.name)
    codes = [list(load_boundaries(tmp_path / n)["area_code"]) for n in
             ("ced.geojson", "ced.gpkg", "ced.zip")]  # fmt: skip
    assert codes[0] == codes[1] == codes[2] == ["E58000001", "E58000002", "E58000003"]


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(DataError, match="holds no features"):
        load_boundaries(empty)
    with pytest.raises(DataError, match="file not found"):
        load_boundaries(tmp_path / "nope.geojson")


def test_level_is_a_setting_and_filter_to_county_codes() -> None:
    out = normalise_boundaries(_raw(), source="x", level="ced")
    assert list(filter_to_codes(out, {"E58000003"})["area_name"]) == ["Charlie"]
    with pytest.raises(ValueError, match="level must be one of"):
        normalise_boundaries(_raw(), source="x", level="parish")


def test_real_norfolk_divisions_load_validate_and_tile_the_county() -> None:
    ced = load_boundaries(require_shared("norfolk_ced_2025_simplified.geojson"))
    codes = pd.read_csv(require_shared("norfolk_ced_codes_names_2023.csv"))
    lads = load_boundaries(require_shared("norfolk_lad_boundaries_2013_bgc.geojson"))
    assert len(ced) == 84 and ced.attrs["level"] == "ced"
    assert set(ced["area_code"]) == set(codes["CED23CD"])
    assert ced.is_valid.all() and lads.is_valid.all()
    assert len(lads) == 7 and len(lads.attrs["repairs"]) == 7  # reported, not silent
    county = lads.union_all()
    divisions = ced.union_all()
    iou = county.intersection(divisions).area / county.union(divisions).area
    assert iou > 0.99  # SOURCES.md: 0.9956
    assert ced.groupby("lad_code").size().to_dict()["E07000148"] == 13  # Norwich


def test_real_norfolk_wards_load_and_tile_their_districts() -> None:
    wards = load_boundaries(require_shared("norfolk_wards_2013_bgc.geojson"))
    kl = load_boundaries(require_shared("kingslynn_west_norfolk_wards_2025.geojson"))
    lads = load_boundaries(require_shared("norfolk_lad_boundaries_2013_bgc.geojson"))
    assert len(wards) == 205 and wards.attrs["level"] == "ward" and wards.attrs["vintage"] == "2013"
    assert len(kl) == 35 and kl.attrs["vintage"] == "2025"
    county = lads.union_all()
    union = wards.union_all()
    assert county.intersection(union).area / county.union(union).area > 0.99
    kl_lad = lads.set_index("area_code").geometry["E07000146"]
    kl_union = kl.union_all()
    assert kl_lad.intersection(kl_union).area / kl_lad.union(kl_union).area > 0.98
