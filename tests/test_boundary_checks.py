"""Boundary codes, CRS, coordinates, layers and vertex budget: each refusal names where."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo import __main__ as cli
from geo.errors import DataError
from geo.geometry import boundaries
from geo.geometry.boundaries import normalise_boundaries, read_boundary_file
from geo.settings import load_settings
from geo.storage.catalog import import_file, load_catalog
from tests.squares import squares


def _raw(codes: list[str], field: str = "CED25CD") -> gpd.GeoDataFrame:
    sq = squares()
    return gpd.GeoDataFrame(
        {field: codes, field[:-2] + "NM": ["A", "B", "C"]}, geometry=sq.geometry, crs=sq.crs
    )


@pytest.mark.parametrize(
    ("codes", "fragment"),
    [
        (["E58000001", "E07000148", "E58000003"],
         "x.gpkg row 2, column 'CED25CD': is a non-metropolitan district code (E07), not a "
         "division code (E58) (value 'E07000148')"),
        (["E58000001", "E58000002", "E05005790"],
         "row 3, column 'CED25CD': is a ward code (E05), not a division code (E58)"),
        (["E10000020", "E58000002", "E58000003"],
         "row 1, column 'CED25CD': is a county code (E10), not a division code (E58)"),
        (["E58000001", "58000002", "E58000003"],
         "row 2, column 'CED25CD': is not a GSS area code (a letter E, W, S, N or K, then 8 "
         "digits, e.g. E58000001) (value '58000002')"),
        (["E58000001", '="E58000002"', "E58000003"],
         "row 2, column 'CED25CD': is not a GSS area code (a letter E, W, S, N or K, then 8 "
         "digits, e.g. E58000001) (an Excel formula"),
        (["E58000001", "e58000001", "E58000003"],
         "row 2, column 'CED25CD': duplicate area code: differs only in letter case from row 1 "
         "(value 'e58000001')"),
        (["X58000001", "X58000002", "X58000003"],
         "row 1, column 'CED25CD': is not a GSS area code"),
    ],
)  # fmt: skip
def test_codes_of_another_level_or_not_gss_are_refused(codes: list[str], fragment: str) -> None:
    with pytest.raises(DataError) as err:
        normalise_boundaries(_raw(codes), source="x.gpkg")
    assert fragment in str(err.value)


def test_ward_and_district_levels_take_their_own_prefixes() -> None:
    wards = normalise_boundaries(
        _raw(["E05000001", "W05000002", "S13000003"], "WD25CD"), source="w"
    )
    assert wards.attrs["level"] == "ward"
    lads = normalise_boundaries(
        _raw(["E06000001", "E07000148", "E09000001"], "LAD25CD"), source="l"
    )
    assert lads["area_code"].tolist() == ["E06000001", "E07000148", "E09000001"]
    with pytest.raises(DataError, match="is a county electoral division code"):
        normalise_boundaries(_raw(["E05000001", "E58000001", "E05000003"], "WD25CD"), source="w")


def test_synthetic_codes_only_for_synthetic_imports() -> None:
    out = normalise_boundaries(
        _raw(["X58000001", "X58000002", "X58000003"]), source="demo", synthetic=True
    )
    assert out["area_code"].tolist() == ["X58000001", "X58000002", "X58000003"]
    with pytest.raises(DataError, match="is a ward code"):
        normalise_boundaries(
            _raw(["X05000001", "X58000002", "X58000003"]), source="d", synthetic=True
        )


def _geojson(path: Path, coords: list, *, crs: str | None) -> Path:
    body: dict = {"type": "FeatureCollection"}
    if crs is not None:
        body["crs"] = {"type": "name", "properties": {"name": crs}}
    body["features"] = [
        {
            "type": "Feature",
            "properties": {"CED25CD": "E58000901", "CED25NM": "Synthetic"},
            "geometry": {"type": "Polygon", "coordinates": [coords]},
        }
    ]
    path.write_text(json.dumps(body).replace('"NaN"', "NaN"))
    return path


LONLAT = [[1.29, 52.62], [1.30, 52.62], [1.30, 52.63], [1.29, 52.63], [1.29, 52.62]]


def test_unknown_epsg_is_refused_never_read_as_wgs84(tmp_path: Path) -> None:
    path = _geojson(tmp_path / "epsg.geojson", LONLAT, crs="urn:ogc:def:crs:EPSG::999999")
    with pytest.raises(DataError) as err:
        read_boundary_file(path)
    assert str(err.value) == (
        "epsg.geojson, column 'crs': declares a coordinate reference system that does not exist "
        "or could not be read; re-export it with a real one such as EPSG:27700 or EPSG:4326 "
        "(value 'urn:ogc:def:crs:EPSG::999999')"
    )
    ok = _geojson(tmp_path / "crs84.geojson", LONLAT, crs="urn:ogc:def:crs:OGC:1.3:CRS84")
    assert read_boundary_file(ok).crs.to_epsg() == 4326


def test_nan_coordinates_are_refused_without_a_warning(tmp_path: Path) -> None:
    ring = [[623000, 310000], ["NaN", 310000], [624000, 311000], [623000, 310000]]
    path = _geojson(tmp_path / "nan.geojson", ring, crs="urn:ogc:def:crs:EPSG::27700")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError) as err:
            read_boundary_file(path)
    assert str(err.value) == (
        "nan.geojson row 1, column 'geometry': has a coordinate that is not a finite number "
        "(NaN or infinity)"
    )


def test_swapped_lat_lon_is_named(tmp_path: Path) -> None:
    swapped = [[y, x] for x, y in LONLAT]
    path = _geojson(tmp_path / "swapped.geojson", swapped, crs=None)
    with pytest.raises(DataError, match="latitude and longitude look swapped"):
        import_file(path, tmp_path / "c.gpkg")


def test_vertex_budget_per_area_and_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    circle = shapely.Point(623_000, 310_000).buffer(500, quad_segs=2_000)  # 8,001 vertices
    gdf = gpd.GeoDataFrame(
        {"CED25CD": ["E58000901", "E58000902"], "CED25NM": ["A", "B"]},
        geometry=[shapely.box(622_000, 309_000, 622_100, 309_100), circle],
        crs="EPSG:27700",
    )
    path = tmp_path / "big.gpkg"
    gdf.to_file(path)
    monkeypatch.setattr(boundaries, "MAX_VERTICES_PER_AREA", 8_000)
    with pytest.raises(DataError) as err:
        read_boundary_file(path)
    assert str(err.value).startswith(
        "big.gpkg row 2, column 'geometry': has an area with 8,001 vertices; at most 8,000 per "
        "area are accepted"
    )
    monkeypatch.setattr(boundaries, "MAX_VERTICES_PER_AREA", 10_000)
    monkeypatch.setattr(boundaries, "MAX_VERTICES_PER_FILE", 8_005)
    with pytest.raises(DataError, match="has 8,006 vertices in all; at most 8,005 per file"):
        read_boundary_file(path)


def _two_layer_gpkg(path: Path) -> Path:
    sq = squares()
    _raw(["E58000001", "E58000002", "E58000003"]).to_file(path, layer="divisions")
    gpd.GeoDataFrame(
        {"LAD25CD": ["E07000148"], "LAD25NM": ["Norwich"]}, geometry=[sq.union_all()], crs=sq.crs
    ).to_file(path, layer="districts")
    return path


def test_multi_layer_geopackage_is_a_choice_not_a_guess(tmp_path: Path) -> None:
    path = _two_layer_gpkg(tmp_path / "two.gpkg")
    with pytest.raises(DataError) as err:
        read_boundary_file(path)
    assert str(err.value) == (
        "two.gpkg: holds 2 layers (divisions, districts); choose one with --layer NAME"
    )
    with pytest.raises(DataError, match="has no layer 'wards'; its layers are divisions, dist"):
        read_boundary_file(path, layer="wards")
    assert len(read_boundary_file(path, layer="districts")) == 1


def test_zip_of_two_shapefiles_needs_a_layer(tmp_path: Path) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    _raw(["E58000001", "E58000002", "E58000003"]).to_file(folder / "ced.shp")
    _raw(["E05000001", "E05000002", "E05000003"], "WD25CD").to_file(folder / "wards.shp")
    zpath = tmp_path / "two.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, f.name)
    with pytest.raises(DataError) as err:
        read_boundary_file(zpath)
    assert str(err.value) == (
        "two.zip: holds 2 shapefiles (ced, wards); choose one with --layer NAME"
    )
    assert read_boundary_file(zpath, layer="wards.shp")["WD25CD"].tolist()[0] == "E05000001"


def test_cli_import_takes_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _two_layer_gpkg(tmp_path / "two.gpkg")
    assert cli.main(["import", str(path)]) == 2
    assert capsys.readouterr().err == (
        "error: two.gpkg: holds 2 layers (divisions, districts); choose one with --layer NAME\n"
    )
    assert cli.main(["import", str(path), "--layer", "districts"]) == 0
    assert list(load_catalog(load_settings().boundaries_path).areas) == ["lad"]
