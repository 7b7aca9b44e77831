"""IMD by LSOA → divisions (both documented methods), its import path, and the evidence pack."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.config import IMD_2019_LSOAS, OGL_LINE
from geo.errors import DataError
from geo.reports.evidence import GPKG_LAYERS, evidence_pack, gap_map_png, readme_text
from geo.sources.imd import decile_from_rank, imd_by_area, read_imd
from geo.storage.catalog import import_file, load_catalog
from tests.conftest import require_shared

X0, Y0 = 600_000.0, 300_000.0


def _areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_code": ["A", "B"], "area_name": ["Alpha", "Beta"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
            shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
        ],
        crs="EPSG:27700",
    )


def _lsoa(third: shapely.Polygon) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"lsoa_code": ["L1", "L2", "L3"], "lsoa_name": ["l1", "l2", "l3"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 500, Y0 + 500),
            shapely.box(X0 + 1500, Y0, X0 + 2000, Y0 + 500),
            third,
        ],
        crs="EPSG:27700",
    )


IMD = pd.DataFrame(
    {
        "lsoa_code": ["L1", "L2", "L3"],
        "imd_rank": [1, IMD_2019_LSOAS, 100],
        "imd_decile": [1, 10, 1],
    }
)


def test_imd_by_centroid_each_lsoa_counts_once() -> None:
    out = imd_by_area(IMD, _lsoa(shapely.box(X0, Y0 + 500, X0 + 500, Y0 + 1000)), _areas())
    assert out.loc["A", "n_lsoa"] == 2
    assert out.loc["A", "imd_mean_rank"] == pytest.approx(50.5)
    assert out.loc["A", "pct_most_deprived"] == pytest.approx(100.0)
    assert out.loc["B", "deprivation"] == pytest.approx(0.0)
    assert out.loc["A", "deprivation"] == pytest.approx(100 * (1 - 49.5 / (IMD_2019_LSOAS - 1)))


def test_imd_by_area_share_splits_a_straddling_lsoa() -> None:
    # L3 lies 750 m² × 1000 in A and 250 × 1000 in B: weights 0.75 and 0.25.
    third = shapely.box(X0 + 250, Y0 + 500, X0 + 1250, Y0 + 1000)
    out = imd_by_area(IMD, _lsoa(third), _areas(), method="area")
    assert out.loc["A", "n_lsoa"] == pytest.approx(1.75)
    assert out.loc["A", "imd_mean_rank"] == pytest.approx((1 + 0.75 * 100) / 1.75)
    assert out.loc["B", "imd_mean_rank"] == pytest.approx((IMD_2019_LSOAS + 0.25 * 100) / 1.25)
    assert out.loc["B", "pct_most_deprived"] == pytest.approx(100 * 0.25 / 1.25)
    with pytest.raises(ValueError, match="method"):
        imd_by_area(IMD, _lsoa(third), _areas(), method="population")


def test_decile_from_rank() -> None:
    assert decile_from_rank(pd.Series([1, 3284, 3285, IMD_2019_LSOAS])).tolist() == [1, 1, 2, 10]


def test_read_imd_reports_every_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "imd.csv"
    path.write_text(
        "LSOA code (2011),LSOA name (2011),Index of Multiple Deprivation (IMD) Rank,"
        "Index of Multiple Deprivation (IMD) Decile\n"
        "E01000001,a,100,1\nE01000002,b,abc,2\nE01000003,c,50,11\nE01000001,d,7,1\n"
    )
    with pytest.raises(DataError) as err:
        read_imd(path)
    found = {(p.row, p.column) for p in err.value.problems}
    assert (3, "Index of Multiple Deprivation (IMD) Rank") in found
    assert (4, "Index of Multiple Deprivation (IMD) Decile") in found
    assert {(2, "LSOA code (2011)"), (5, "LSOA code (2011)")} <= found


def test_import_real_imd_and_lsoa_then_aggregate_to_norfolk_divisions(tmp_path: Path) -> None:
    imd_csv = require_shared("imd2019_norfolk_lsoa.csv")
    lsoa = require_shared("norfolk_lsoa_2011_bgc.geojson")
    ced = require_shared("norfolk_ced_2025_simplified.geojson")
    cat_path = tmp_path / "c.gpkg"
    assert import_file(imd_csv, cat_path) == "imd"
    assert import_file(lsoa, cat_path) == "lsoa"
    import_file(ced, cat_path)
    cat = load_catalog(cat_path)
    assert len(cat.imd) == 538 and len(cat.lsoa) == 538
    assert cat.lsoa.crs.to_epsg() == 27700
    out = imd_by_area(cat.imd, cat.lsoa, cat.areas["ced"])
    assert len(out) == 84
    assert out["n_lsoa"].sum() == pytest.approx(538, abs=3)  # a few centroids in coastal gaps
    assert out["deprivation"].between(0, 100).all()
    by_area = imd_by_area(cat.imd, cat.lsoa, cat.areas["ced"], method="area")
    assert by_area["n_lsoa"].sum() == pytest.approx(538, rel=0.01)


def test_evidence_pack_holds_named_layers_neutralised_csv_and_readme(tmp_path: Path) -> None:
    divisions = _areas().assign(score=[80.0, 20.0], rank=[1, 2])
    anchors = gpd.GeoDataFrame(
        {"name": ['=HYPERLINK("x")']}, geometry=[shapely.Point(X0 + 10, Y0 + 10)], crs="EPSG:27700"
    )
    reach = anchors.assign(geometry=anchors.buffer(500))
    vouchers = pd.DataFrame({"voucher_demand": [3]}, index=pd.Index(["A"], name="area_code"))
    png = gap_map_png(divisions, reach=reach, anchors=anchors)
    readme = readme_text(
        release="2025-01", options={"radius_m": 500}, sources=["x.csv"], synthetic=True
    )
    pack = evidence_pack(
        divisions=divisions,
        anchors=anchors,
        reach_areas=reach,
        layer_tables={"vouchers": vouchers},
        tables={"anchors": anchors},
        map_png=png,
        readme=readme,
    )
    with zipfile.ZipFile(io.BytesIO(pack)) as zf:
        names = set(zf.namelist())
        assert {"evidence.gpkg", "anchors.csv", "gap_map.png", "README.txt"} <= names
        zf.extract("evidence.gpkg", tmp_path)
        csv = zf.read("anchors.csv").decode()
        text = zf.read("README.txt").decode()
        assert zf.read("gap_map.png")[:8] == b"\x89PNG\r\n\x1a\n"
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "evidence.gpkg")}
    assert set(GPKG_LAYERS) <= layers
    got = pyogrio.read_dataframe(tmp_path / "evidence.gpkg", layer="vouchers_by_area")
    assert got.set_index("area_code")["voucher_demand"].fillna(0).tolist() == [3, 0]
    assert "'=HYPERLINK" in csv
    assert OGL_LINE in text and "2025-01" in text and "Synthetic" in text


def test_evidence_pack_without_optional_layers_still_has_them(tmp_path: Path) -> None:
    pack = evidence_pack(
        divisions=_areas(),
        anchors=None,
        reach_areas=None,
        layer_tables={},
        tables={},
        map_png=b"",
        readme="r",
    )
    with zipfile.ZipFile(io.BytesIO(pack)) as zf:
        zf.extract("evidence.gpkg", tmp_path)
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "evidence.gpkg")}
    assert set(GPKG_LAYERS) <= layers
