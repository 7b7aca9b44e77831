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

from geo.analysis.reach import Reach, anchor_reach
from geo.config import IMD_2019_LSOAS, OGL_LINE
from geo.errors import DataError
from geo.reports.evidence import (
    GPKG_LAYERS,
    Source,
    catalogue_sources,
    evidence_pack,
    gap_map_png,
    readme_text,
    upload_sources,
    weights_text,
)
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


def _reach() -> tuple[gpd.GeoDataFrame, Reach]:
    """One anchor 10 m inside A's corner, 500 m reach; three postcodes lacking 7, 5 and 100."""
    anchors = gpd.GeoDataFrame(
        {"name": ['=HYPERLINK("x")']}, geometry=[shapely.Point(X0 + 10, Y0 + 10)], crs="EPSG:27700"
    )
    points = gpd.GeoDataFrame(
        {"premises": [10, 5, 100], "n_gigabit": [3, 0, 0]},
        geometry=[
            shapely.Point(X0 + 100, Y0 + 100),
            shapely.Point(X0 + 400, Y0 + 10),
            shapely.Point(X0 + 1900, Y0 + 900),
        ],
        crs="EPSG:27700",
    )
    points["lacking_gigabit"] = points["premises"] - points["n_gigabit"]
    return anchors, anchor_reach(anchors, radius_m=500, points=points, areas=_areas())


def test_evidence_pack_holds_named_layers_neutralised_csv_and_readme(tmp_path: Path) -> None:
    divisions = _areas().assign(score=[80.0, 20.0], rank=[1, 2])
    anchors, reach = _reach()
    vouchers = pd.DataFrame({"voucher_demand": [3]}, index=pd.Index(["A"], name="area_code"))
    png = gap_map_png(
        divisions, release="2025-01", weights="Premises without gigabit 3", synthetic=True,
        attribution=[OGL_LINE], reach=reach.buffers, anchors=anchors,
    )  # fmt: skip
    sources = [Source("Upload: anchors", "sites.csv", "version 2, SHA-256 ab12", "Council data")]
    readme = readme_text(
        release="2025-01", options={"radius_m": 500}, sources=sources, synthetic=True,
        weights="Premises without gigabit 3", attribution=[OGL_LINE],
    )  # fmt: skip
    pack = evidence_pack(
        divisions=divisions,
        anchors=anchors,
        reach=reach,
        layer_tables={"vouchers": vouchers},
        tables={"anchors": anchors},
        map_png=png,
        readme=readme,
        sources=sources,
    )
    with zipfile.ZipFile(io.BytesIO(pack)) as zf:
        names = set(zf.namelist())
        assert {"evidence.gpkg", "anchors.csv", "gap_map.png", "README.txt"} <= names
        assert {"reach_areas.csv", "sources.csv"} <= names
        zf.extract("evidence.gpkg", tmp_path)
        csv = zf.read("anchors.csv").decode()
        text = zf.read("README.txt").decode()
        reach_csv = pd.read_csv(io.BytesIO(zf.read("reach_areas.csv")))
        sources_csv = pd.read_csv(io.BytesIO(zf.read("sources.csv")))
        assert zf.read("gap_map.png")[:8] == b"\x89PNG\r\n\x1a\n"
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "evidence.gpkg")}
    assert set(GPKG_LAYERS) <= layers
    got = pyogrio.read_dataframe(tmp_path / "evidence.gpkg", layer="vouchers_by_area")
    assert got.set_index("area_code")["voucher_demand"].fillna(0).tolist() == [3, 0]
    assert "'=HYPERLINK" in csv
    assert OGL_LINE in text and "2025-01" in text and "Synthetic" in text
    assert "Gap score weights: Premises without gigabit 3." in text
    assert "Upload: anchors: sites.csv (version 2, SHA-256 ab12). Council data" in text
    # The reach table as on screen: A only (B is 1 km away), 7 + 5 premises lacking gigabit,
    # a quarter circle of 500 m radius inside A (≈ π/4 × 0.25 km²).
    assert reach_csv.columns.tolist() == [
        "Division code", "Division", "Area within reach (km²)",
        "Premises lacking gigabit within reach",
    ]  # fmt: skip
    assert reach_csv["Division code"].tolist() == ["A"]
    assert reach_csv["Premises lacking gigabit within reach"].tolist() == [12]
    assert reach_csv["Area within reach (km²)"].iloc[0] == pytest.approx(0.2, abs=0.01)
    parts = pyogrio.read_dataframe(tmp_path / "evidence.gpkg", layer="reach_areas")
    assert parts["area_code"].tolist() == ["A"] and parts.area.iloc[0] < 1000 * 1000
    circles = pyogrio.read_dataframe(tmp_path / "evidence.gpkg", layer="reach_buffers")
    assert len(circles) == 1
    assert sources_csv.iloc[0].tolist() == [
        "Upload: anchors", "sites.csv", "version 2, SHA-256 ab12", "Council data",
    ]  # fmt: skip


def test_catalogue_and_upload_sources_name_every_input() -> None:
    meta = {
        "areas_ced": {"source": "ced.geojson", "vintage": "2025"},
        "postcodes": {"source": "ONSPD_NOV_2025_UK_NR.csv"},
        "imd": {"source": "imd.csv"},
        "lsoa": {"source": "lsoa.geojson"},
    }
    coverage = pd.DataFrame({
        "release": ["2024-07", "2024-07", "2024-07", "2021-05"],
        "level": ["postcode", "postcode", "lad", "lad"],
        "source": ["pc_NR.csv", "pc_NR.csv", "laua.csv", "old.csv"],
    })  # fmt: skip
    got = catalogue_sources(
        meta, coverage, level="ced", release="2024-07", deprivation="centroid", postcodes=True
    )
    lines = [s.line() for s in got]
    assert lines[0].startswith(
        "Ofcom Connected Nations fixed coverage: laua.csv (release 2024-07, 1 local"
    )
    assert "pc_NR.csv (release 2024-07, 2 postcode rows)" in lines[1]
    assert not any("old.csv" in line for line in lines)  # another release
    assert "Boundaries: County electoral divisions: ced.geojson (vintage 2025)" in lines[2]
    assert "ONSPD_NOV_2025_UK_NR.csv" in lines[3] and "Royal Mail" in lines[3]
    assert lines[4].startswith(  # no edition recorded (catalogues before IoD 2025): IMD 2019
        "English Indices of Deprivation 2019 (IMD 2019): imd.csv (by 2011 LSOA, to divisions by "
        "centroid). English Indices of Deprivation 2019: Ministry"
    )
    assert "lsoa.geojson (LSOA 2011)" in lines[5]
    versions = pd.DataFrame({
        "version": [1, 2, 3], "action": ["save", "save", "restore"],
        "file_name": ["a.csv", "b.csv", "a.csv"], "sha256": ["s1", "s2", "s1"],
        "saved_at": ["2026-01-02T10:00:00+00:00"] * 3, "source_version": [None, None, 1],
        "current": [False, False, True],
    })  # fmt: skip
    (upload,) = upload_sources({"vouchers": versions})
    assert upload.line().startswith(
        "Upload: vouchers: a.csv (version 3, SHA-256 s1, saved 2 January 2026, 10:00 UTC "
        "(restored from version 1))"
    )
    assert upload_sources({"pilots": versions.iloc[0:0]}) == []


def test_weights_text_lists_positive_weights_by_label() -> None:
    labels = {"no_gigabit": "Premises without gigabit", "below_uso": "Premises below the USO"}
    assert weights_text({"no_gigabit": 3.0, "below_uso": 0.0}, labels) == (
        "Premises without gigabit 3"
    )
    assert weights_text({"no_gigabit": 0.0}, labels) == "none above 0"


def test_evidence_pack_without_optional_layers_still_has_them(tmp_path: Path) -> None:
    pack = evidence_pack(
        divisions=_areas(),
        anchors=None,
        reach=None,
        layer_tables={},
        tables={},
        map_png=b"",
        readme="r",
    )
    with zipfile.ZipFile(io.BytesIO(pack)) as zf:
        zf.extract("evidence.gpkg", tmp_path)
        assert "sources.csv" in zf.namelist() and "reach_areas.csv" not in zf.namelist()
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "evidence.gpkg")}
    assert set(GPKG_LAYERS) <= layers
