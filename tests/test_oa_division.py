"""OA → division the ONS way: vintage detection, centroids of that vintage, the 0.5% rule,
gaps between divisions, district figures in place of missing ones, and reconciliation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.analysis.coverage import (
    METHOD_DISTRICT,
    METHOD_LAD,
    best_figures,
    county_figures,
    coverage_by_area,
)
from geo.analysis.oa_vintage import (
    centroid_set,
    check_unmatched,
    detect_oa_vintage,
    vintage_of_column,
)
from geo.analysis.reconcile import COUNTY_ROW, check_import, reconcile
from geo.config import WORKING_CRS
from geo.errors import DataError
from geo.sources.ofcom import read_coverage
from geo.storage.catalog import load_catalog, save_areas, save_oa_centroids
from tests.squares import at, squares

OA_HEADER = "output_area,All Premises,Number of premises with Gigabit availability\n"
LA_HEADER = "laua,laua_name,All Premises,Number of premises with Gigabit availability\n"


def _coverage(text: str, name: str = "202105_fixed_oa_coverage_r01.csv") -> pd.DataFrame:
    cov = read_coverage(text.encode(), filename=name)
    return cov.assign(level=cov.attrs["level"], source=name)


def _centroids(points: dict[str, tuple[float, float]], vintage: str, kind: str = "pwc"):
    xy = [at(*p) for p in points.values()]
    return pd.DataFrame(
        {"easting": [p[0] for p in xy], "northing": [p[1] for p in xy],
         "vintage": vintage, "kind": kind},
        index=pd.Index(list(points), name="oa_code"),
    )  # fmt: skip


# --- which census -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "column", "expected"),
    [
        (["E00000001", "E00176774"], None, "2011"),  # the last 2011 code is still 2011
        (["E00000001", "E00176775"], None, "2021"),  # one above it was first issued in 2021
        (["W00010266"], None, "2021"),
        (["E00190001"], "oa11cd", "2011"),  # a vintaged column decides
        (["E00000001"], "OA21CD", "2021"),
    ],
)
def test_vintage_from_codes_and_columns(codes, column, expected) -> None:
    assert detect_oa_vintage(codes, id_column=column).vintage == expected


def test_vintage_from_the_centroids_that_know_most_codes() -> None:
    both = pd.concat([
        _centroids({"E00000001": (1, 1), "E00000002": (2, 2)}, "2011"),
        _centroids({"E00000001": (1, 1), "E00000003": (3, 3), "E00000004": (4, 4)}, "2021"),
    ])  # fmt: skip
    got = detect_oa_vintage(["E00000001", "E00000003", "E00000004"], centroids=both)
    assert got.vintage == "2021" and "2011: 1, 2021: 3" in got.reason
    assert detect_oa_vintage(["E00000002"], centroids=both).vintage == "2011"
    assert vintage_of_column("output_area") is None and vintage_of_column("oa11") == "2011"


# --- placing OAs ----------------------------------------------------------------------------


def test_centroid_in_a_thin_gap_counts_in_the_nearest_area_far_ones_are_outside() -> None:
    # Alpha's right edge pulled in by 100 m: a gap x 900–1000 between Alpha and Bravo.
    areas = squares()
    areas.loc[0, "geometry"] = shapely.box(*at(0, 0), *at(900, 1000))
    cov = _coverage(
        OA_HEADER
        + "E00000001,10,1\n"  # in the gap, 20 m from Alpha, 80 m from Bravo → Alpha
        + "E00000002,20,2\n"  # in the gap, 70 m from Alpha, 30 m from Bravo → Bravo
        + "E00000003,40,4\n"  # 400 m beyond Charlie's far edge: outside every area
    )
    locs = _centroids({"E00000001": (920, 500), "E00000002": (970, 500),
                       "E00000003": (3400, 500)}, "2011")  # fmt: skip
    figs = coverage_by_area(cov, areas, locations=locs).set_index("area_code")
    assert figs.loc["E58000001", "premises"] == 10 and figs.loc["E58000002", "premises"] == 20
    assert figs.loc["E58000003", "premises"] == 0
    placed = figs.attrs["placement"]
    assert (placed["n_snapped"], placed["premises_snapped"]) == (2, 30.0)
    assert (placed["n_outside"], placed["premises_outside"]) == (1, 40.0)
    assert placed["premises_placed"] == 30.0 and figs.attrs["unmatched"] == ["E00000003"]


@pytest.mark.parametrize(("lost", "fails"), [(4, False), (5, False), (6, True)])
def test_unmatched_oas_fail_above_half_a_percent_of_premises_naming_the_vintage(
    lost: int, fails: bool
) -> None:
    # 995 placed premises + `lost` on an OA with no 2021 centroid: 0.4%, 0.5%, 0.6%.
    cov = _coverage(OA_HEADER + f"E00180001,995,10\nE00180002,{lost},0\n")
    locs = _centroids({"E00180001": (500, 500)}, "2021")
    if not fails:
        figs = best_figures(cov, squares(), release="2021-05", oa_centroids=locs)
        assert figs.set_index("area_code").loc["E58000001", "premises"] == 995
        return
    with pytest.raises(DataError) as err:
        best_figures(cov, squares(), release="2021-05", oa_centroids=locs)
    text = str(err.value)
    assert "202105_fixed_oa_coverage_r01.csv" in text and "no 2021 centroid" in text
    assert "0.6% of the county's premises" in text and "--level oa" in text
    assert "E00180002" in text


def test_a_2021_file_is_never_placed_with_2011_centroids() -> None:
    cov = _coverage(OA_HEADER + "E00000001,100,50\nE00180001,100,0\n")
    figs = best_figures(
        cov, squares(), release="2021-05",
        oa_centroids=_centroids({"E00000001": (500, 500), "E00180001": (1500, 500)}, "2011"),
    )  # fmt: skip
    assert (figs["figure_from"] == "none").all() and figs["pct_gigabit"].isna().all()
    assert figs["figure_needs"].str.contains("2021 OA population-weighted centroids").all()
    assert figs.attrs["oa_vintage"]["vintage"] == "2021"


def test_method_names_the_vintage_and_the_kind_of_centroid() -> None:
    cov = _coverage(OA_HEADER + "E00000001,100,50\n")
    for kind, words in (("pwc", "ONS population-weighted centroids"),
                        ("polygon", "representative points (fallback")):  # fmt: skip
        locs = _centroids({"E00000001": (500, 500)}, "2011", kind=kind)
        figs = best_figures(cov, squares(), release="2021-05", oa_centroids=locs)
        method = figs.set_index("area_code").loc["E58000001", "method"]
        assert "2011 codes" in method and words in method


# --- district figures where an area has none ------------------------------------------------


def test_areas_without_a_figure_carry_their_districts_labelled_and_never_summed() -> None:
    cov = _coverage(LA_HEADER + "E07000001,West,1000,250\nE07000002,East,400,100\n",
                    name="202105_fixed_laua_coverage_r01.csv")  # fmt: skip
    figs = best_figures(cov, squares(), release="2021-05").set_index("area_code")
    for code, district, pct in (("E58000001", "West", 25.0), ("E58000003", "East", 25.0)):
        row = figs.loc[code]
        assert row["method"] == METHOD_DISTRICT and row["figure_from"] == "district"
        assert row["figure_area_name"] == district and row["pct_gigabit"] == pytest.approx(pct)
        assert np.isnan(row["premises"]) and np.isnan(row["n_gigabit"])
        assert "202105_fixed_oa_coverage_rNN.csv" in row["figure_needs"]
        assert row["source"] == "202105_fixed_laua_coverage_r01.csv"
    county, how = county_figures(
        figs.reset_index(), cov, release="2021-05", lad_codes=["E07000001", "E07000002"]
    )
    assert county["premises"] == 1400 and how == "sum over 2 district rows"


def test_district_areas_keep_their_own_la_figure() -> None:
    lads = squares().assign(area_code=["E07000001", "E07000002", "E07000003"])
    cov = _coverage(LA_HEADER + "E07000001,West,1000,250\n", name="202105_laua.csv")
    figs = best_figures(cov, lads, release="2021-05").set_index("area_code")
    assert figs.loc["E07000001", "method"] == METHOD_LAD
    assert figs.loc["E07000001", "figure_from"] == "area"
    assert figs.loc["E07000001", "premises"] == 1000


def test_oa_figures_where_they_exist_district_figures_elsewhere_county_sums_only_own() -> None:
    cov = pd.concat([
        _coverage(OA_HEADER + "E00000001,600,300\nE00000002,400,0\n"),
        _coverage(LA_HEADER + "E07000001,West,1000,300\nE07000002,East,500,50\n",
                  name="202105_fixed_laua_coverage_r01.csv"),
    ], ignore_index=True)  # fmt: skip
    locs = _centroids({"E00000001": (500, 500), "E00000002": (1500, 500)}, "2011")
    figs = best_figures(cov, squares(), release="2021-05", oa_centroids=locs)
    by = figs.set_index("area_code")
    assert by.loc["E58000001", "pct_gigabit"] == pytest.approx(50.0)
    assert by.loc["E58000003", "figure_from"] == "district"
    assert by.loc["E58000003", "pct_gigabit"] == pytest.approx(10.0)
    assert "no centroid of the file falls in this area" in by.loc["E58000003", "figure_needs"]
    county, _how = county_figures(figs, cov, release="2021-05", lad_codes=["E07000001"])
    assert county["premises"] == 1000 and county["n_gigabit"] == 300

    rec = reconcile(figs, cov, release="2021-05", level="ced")
    assert rec is not None
    table = rec.table.set_index("district_code")
    assert table.loc["E07000001", "premises_diff"] == 0
    assert table.loc["E07000001", "pp_gigabit"] == pytest.approx(0.0)
    assert table.loc[COUNTY_ROW, "premises"] == 1000
    assert table.loc[COUNTY_ROW, "premises_la"] == 1000  # only the districts with areas
    assert rec.agrees and rec.facts["areas_add_up"]
    assert any("West (E07000001): 1,000 premises vs 1,000" in line for line in rec.lines())


def test_reconciliation_reports_the_difference_in_premises_and_points() -> None:
    cov = pd.concat([
        _coverage(OA_HEADER + "E00000001,900,450\n"),
        _coverage(LA_HEADER + "E07000001,West,1000,400\n",
                  name="202105_fixed_laua_coverage_r01.csv"),
    ], ignore_index=True)  # fmt: skip
    locs = _centroids({"E00000001": (500, 500)}, "2011")
    figs = best_figures(cov, squares(), release="2021-05", oa_centroids=locs)
    rec = reconcile(figs, cov, release="2021-05", level="ced")
    assert rec is not None and not rec.agrees
    west = rec.table.set_index("district_code").loc["E07000001"]
    assert west["premises_diff"] == -100 and west["n_gigabit_diff"] == 50
    assert west["pp_gigabit"] == pytest.approx(50.0 - 40.0)


# --- the catalogue --------------------------------------------------------------------------


def _points(codes: list[str], xy: list[tuple[float, float]], column: str) -> gpd.GeoDataFrame:
    pts = [shapely.Point(*at(*p)) for p in xy]
    return gpd.GeoDataFrame({column: codes}, geometry=pts, crs=WORKING_CRS)


def test_centroids_are_stored_per_vintage_with_their_kind(tmp_path) -> None:
    path = tmp_path / "cat.gpkg"
    save_oa_centroids(path, _points(["E00000001"], [(500, 500)], "OA11CD"), source="pwc11.gpkg")
    polys = gpd.GeoDataFrame(
        {"OA21CD": ["E00000001", "E00180001"]},
        geometry=[
            shapely.box(*at(0, 0), *at(1000, 1000)),
            shapely.box(*at(1000, 0), *at(3000, 200)),
        ],
        crs=WORKING_CRS,
    )
    save_oa_centroids(path, polys, source="oa21_polygons.geojson")
    save_oa_centroids(path, _points(["E00000009"], [(100, 100)], "OA11CD"), source="pwc11b.csv")
    cat = load_catalog(path)
    assert cat.oa_centroids is not None
    assert sorted(cat.oa_centroids["vintage"]) == ["2011", "2021", "2021"]
    old = centroid_set(cat.oa_centroids, "2011")
    assert old is not None and list(old.index) == ["E00000009"] and old.attrs["kind"] == "pwc"
    new = centroid_set(cat.oa_centroids, "2021")
    assert new is not None and new.attrs["kind"] == "polygon"
    vintages = cat.meta["oa_centroids"]["vintages"]
    assert vintages["2011"]["source"] == "pwc11b.csv" and vintages["2021"]["kind"] == "polygon"


def test_import_check_refuses_oas_the_centroids_cannot_place(tmp_path) -> None:
    path = tmp_path / "cat.gpkg"
    save_areas(path, squares())
    save_oa_centroids(path, _points(["E00000001"], [(500, 500)], "OA11CD"), source="pwc.gpkg")
    cat = load_catalog(path)
    check_import(_coverage(OA_HEADER + "E00000001,1000,10\nE00000002,5,0\n"), cat)  # 0.5%: ok
    with pytest.raises(DataError, match="no 2011 centroid"):
        check_import(_coverage(OA_HEADER + "E00000001,1000,10\nE00000002,50,0\n"), cat)
    check_import(_coverage(OA_HEADER + "E00180001,10,0\n"), cat)  # no 2021 centroids: later


def test_stats_without_any_premises_do_not_fail() -> None:
    check_unmatched({"premises_placed": 0.0, "premises_no_location": 0.0},
                    vintage=detect_oa_vintage([]), source="x.csv")  # fmt: skip


def test_a_measure_the_oa_file_does_not_publish_stays_missing_never_zero() -> None:
    la = (
        "laua,laua_name,All Premises,Number of premises with Gigabit availability,"
        "Number of premises with Full Fibre availability\nE07000001,West,1000,300,200\n"
    )
    cov = pd.concat([
        _coverage(OA_HEADER + "E00000001,600,300\n"),  # no full fibre column (2024+ OA files)
        _coverage(la, name="202105_fixed_laua_coverage_r01.csv"),
    ], ignore_index=True)  # fmt: skip
    figs = best_figures(cov, squares(), release="2021-05",
                        oa_centroids=_centroids({"E00000001": (500, 500)}, "2011"))  # fmt: skip
    alpha = figs.set_index("area_code").loc["E58000001"]
    assert alpha["pct_gigabit"] == pytest.approx(50.0)
    assert "n_full_fibre" not in figs and np.isnan(alpha["pct_full_fibre"])
    rec = reconcile(figs, cov, release="2021-05", level="ced")
    assert rec is not None and "pp_full_fibre" not in rec.table


def test_postcode_level_figures_are_reconciled_too() -> None:
    pc = (
        "postcode,postcode_space,All Premises,Number of premises with Gigabit availability\n"
        "NR11AA,NR1 1AA,700,350\nNR12AA,NR1 2AA,300,0\n"
    )
    cov = pd.concat([
        _coverage(pc, name="202105_fixed_pc_coverage_r01.csv"),
        _coverage(LA_HEADER + "E07000001,West,1000,300\n", name="202105_laua.csv"),
    ], ignore_index=True)  # fmt: skip
    lookup = pd.DataFrame({"easting": [at(500, 500)[0], at(1500, 500)[0]],
                           "northing": [at(500, 500)[1]] * 2},
                          index=pd.Index(["NR1 1AA", "NR1 2AA"], name="postcode"))  # fmt: skip
    figs = best_figures(cov, squares(), release="2021-05", postcodes=lookup)
    rec = reconcile(figs, cov, release="2021-05", level="ced")
    assert rec is not None and rec.file_level == "postcode"
    west = rec.table.set_index("district_code").loc["E07000001"]
    assert west["premises_diff"] == 0 and west["pp_gigabit"] == pytest.approx(35.0 - 30.0)
    assert not rec.agrees
