"""The risk index, switch-off flags and need beside provision, worked by hand.

Three output areas A, B, C; division D1 holds A and B, D2 holds C.

======  =========  ======  ======  =========  ===  ==========
OA      residents  65+ %   75+ %   below USO  IMD  division
======  =========  ======  ======  =========  ===  ==========
A       200        10      5       0 %        300  D1
B       100        20      15      50 %       100  D1
C       300        40      10      25 %       200  D2
======  =========  ======  ======  =========  ===  ==========

(IMD is 32,845 − rank, so higher = more deprived.) Min–max to 0–10:

* 65+: A 0, B 3.333, C 10; 75+: A 0, B 10, C 5 → age (5:5) A 0, B 6.667, C 7.5
* below USO: A 0, B 10, C 5 → broadband A 0, B 10, C 5 (its only indicator)
* IMD: A 10, B 0, C 5 → deprivation A 10, B 0, C 5
* score (3:3:3) A 3.333, B 5.556, C 5.833

Population-weighted: D1 = (200 × 3.333 + 100 × 5.556) / 300 = 4.074; D2 = 5.833, so D2 ranks
first. Weighting only deprivation: D1 = (200 × 10 + 100 × 0) / 300 = 6.667, D2 = 5: D1 first.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.analysis.provision import (
    high_risk_threshold,
    high_risk_without_support,
    need_beside_provision,
)
from geo.analysis.risk import (
    aggregate_scores,
    division_risk,
    export_columns,
    risk_scores,
    weighted_mean,
)
from geo.analysis.switchoff import (
    FROM_DISTRICT,
    FROM_POSTCODES,
    switchoff_risk,
    weak_4g_from_districts,
    weak_4g_from_postcodes,
)
from geo.config import IMD_2019_LSOAS, WORKING_CRS
from geo.config import SEQUENTIAL_PALETTE as VIRIDIS
from geo.storage.catalog import Catalog

VALUES = pd.DataFrame(
    {
        "age_65": [10.0, 20.0, 40.0],
        "age_75": [5.0, 15.0, 10.0],
        "below_uso": [0.0, 50.0, 25.0],
        "imd": [300.0, 100.0, 200.0],
    },
    index=pd.Index(["A", "B", "C"], name="unit_code"),
)
POPULATION = pd.Series([200.0, 100.0, 300.0], index=VALUES.index)
DIVISION = pd.Series(["D1", "D1", "D2"], index=VALUES.index, dtype="string")


def test_min_max_scoring_and_component_weighting_by_hand() -> None:
    s = risk_scores(VALUES)
    assert s["score_age_65"].tolist() == pytest.approx([0, 10 / 3, 10])
    assert s["score_age_75"].tolist() == pytest.approx([0, 10, 5])
    assert s["score_below_uso"].tolist() == pytest.approx([0, 10, 5])
    assert s["score_imd"].tolist() == pytest.approx([10, 0, 5])
    assert s["comp_age"].tolist() == pytest.approx([0, 20 / 3, 7.5])
    assert s["comp_broadband"].tolist() == pytest.approx([0, 10, 5])
    assert s["comp_deprivation"].tolist() == pytest.approx([10, 0, 5])
    assert s["score"].tolist() == pytest.approx([10 / 3, 50 / 9, 35 / 6])
    assert s.attrs["component_weights"] == {"age": 3.0, "broadband": 3.0, "deprivation": 3.0}
    assert s.attrs["indicator_weights"] == {"age_65": 5, "age_75": 5, "below_uso": 3, "imd": 2}


def test_population_weighted_aggregation_to_two_divisions() -> None:
    s = risk_scores(VALUES)
    d = aggregate_scores(s, DIVISION, POPULATION, areas=pd.Index(["D1", "D2"]))
    assert d.loc["D1", "score"] == pytest.approx((200 * 10 / 3 + 100 * 50 / 9) / 300)  # 4.074
    assert d.loc["D2", "score"] == pytest.approx(35 / 6)
    assert d.loc["D1", "comp_age"] == pytest.approx(100 * 20 / 3 / 300)
    assert d["population"].tolist() == [300.0, 300.0]
    # every step is a weighted mean, so the division's score is the mean of its components
    comps = d[["comp_age", "comp_broadband", "comp_deprivation"]].mean(axis=1)
    assert d["score"].to_numpy() == pytest.approx(comps.to_numpy())


def test_a_weight_change_reorders_as_computed_by_hand() -> None:
    areas = pd.Index(["D1", "D2"])
    default = aggregate_scores(risk_scores(VALUES), DIVISION, POPULATION, areas=areas)
    assert default["score"].idxmax() == "D2"
    only_dep = risk_scores(VALUES, component_weights={"age": 0, "broadband": 0})
    d = aggregate_scores(only_dep, DIVISION, POPULATION, areas=areas)
    assert d["score"].tolist() == pytest.approx([2000 / 300, 5.0])
    assert d["score"].idxmax() == "D1"


def test_weights_are_shares_of_those_in_use_and_bad_weights_are_refused() -> None:
    doubled = risk_scores(
        VALUES,
        indicator_weights={"age_65": 10, "age_75": 10},
        component_weights={"age": 6, "broadband": 6, "deprivation": 6},
    )
    assert doubled["score"].tolist() == pytest.approx(risk_scores(VALUES)["score"].tolist())
    with pytest.raises(ValueError, match="unknown component"):
        risk_scores(VALUES, component_weights={"vibes": 1})
    with pytest.raises(ValueError, match="must not be negative"):
        risk_scores(VALUES, indicator_weights={"imd": -1})


def test_missing_values_share_their_weight_and_constant_indicators_score_zero() -> None:
    frame = pd.DataFrame({"a": [2.0, np.nan], "b": [4.0, 6.0]})
    assert weighted_mean(frame, {"a": 1, "b": 3}).tolist() == pytest.approx([3.5, 6.0])
    flat = VALUES.assign(below_uso=7.0)
    assert (risk_scores(flat)["score_below_uso"] == 0).all()


def _squares_catalog() -> Catalog:
    """The worked example as a catalogue: two divisions, three OAs, three LSOAs."""
    d1, d2 = shapely.box(0, 0, 2000, 1000), shapely.box(2000, 0, 3000, 1000)
    areas = gpd.GeoDataFrame(
        {
            "area_code": ["D1", "D2"],
            "area_name": ["Division One", "Division Two"],
            "lad_code": ["L1", "L2"],
        },
        geometry=[d1, d2],
        crs=WORKING_CRS,
    )
    oas = pd.DataFrame(
        {"easting": [500.0, 1500.0, 2500.0], "northing": [500.0] * 3},
        index=pd.Index(["A", "B", "C"], name="oa_code"),
    )
    lsoa = gpd.GeoDataFrame(
        {"lsoa_code": ["LA", "LB", "LC"], "lsoa_name": ["la", "lb", "lc"]},
        geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000), d2],
        crs=WORKING_CRS,
    )
    imd = pd.DataFrame(
        {
            "lsoa_code": ["LA", "LB", "LC"],
            "imd_rank": [IMD_2019_LSOAS + 1 - v for v in (300, 100, 200)],
            "imd_decile": [10, 10, 10],
        }
    )
    census = pd.DataFrame(
        {
            "area_code": ["A", "B", "C"],
            "level": "oa",
            "residents": [200, 100, 300],
            "aged_65_plus": [20, 20, 120],
            "aged_75_plus": [10, 15, 30],
        }
    )
    coverage = pd.DataFrame(
        {
            "area_id": ["A", "B", "C"],
            "premises": [100.0] * 3,
            "n_below_uso": [0.0, 50.0, 25.0],
            "release": "2024-07",
            "level": "oa",
        }
    )
    return Catalog(
        areas={"ced": areas},
        coverage=coverage,
        oa_centroids=oas,
        imd=imd,
        lsoa=lsoa,
        census_age=census,
    )


def test_division_risk_from_a_catalogue_gives_the_hand_answers() -> None:
    r = division_risk(_squares_catalog(), "ced")
    d = r.divisions
    assert list(d.index) == ["D2", "D1"]  # ranked, highest risk first
    assert d.loc["D1", "score"] == pytest.approx(4.0740740)
    assert d.loc["D2", "score"] == pytest.approx(35 / 6)
    assert d["rank"].tolist() == [1, 2]
    assert d.loc["D1", "residents"] == 300 and d.loc["D1", "aged_75_plus"] == 25
    assert d.loc["D1", "pct_75"] == pytest.approx(25 / 3)  # counts summed, then divided
    assert d.loc["D1", "pct_below_uso"] == pytest.approx(25.0)
    # population-weighted centre of D1: (200 × 500 + 100 × 1500) / 300
    assert d.loc["D1", "x"] == pytest.approx(2500 / 3)
    assert r.level == "oa" and r.weight_method.startswith("Census 2021")
    assert list(r.table().columns[:3]) == ["Rank", "Division", "Risk score (0–10)"]
    shares = r.weights.set_index("key")["share_of_score_pct"]
    assert shares["age"] == pytest.approx(100 / 3) and shares["age_75"] == pytest.approx(50 / 3)
    used = r.indicators.set_index("Indicator")["Used"]
    assert used["Residents aged 75 and over (%)"] == "yes"
    assert used["Unemployment rate (%)"] == "no data loaded"
    again = division_risk(_squares_catalog(), "ced", component_weights={"age": 0, "broadband": 0})
    assert list(again.divisions.index) == ["D1", "D2"]
    assert export_columns(again).loc["D1", "risk_score"] == pytest.approx(2000 / 300)


def test_no_small_areas_is_a_clear_error() -> None:
    cat = _squares_catalog()
    cat.oa_centroids, cat.lsoa = None, None
    with pytest.raises(ValueError, match="needs small areas"):
        division_risk(cat, "ced")


def test_lsoa_units_when_no_oa_centroids_are_loaded() -> None:
    cat = _squares_catalog()
    cat.oa_centroids = None
    cat.census_age = pd.DataFrame(
        {
            "area_code": ["LA", "LB", "LC"],
            "level": "lsoa",
            "residents": [200, 100, 300],
            "aged_65_plus": [20, 20, 120],
            "aged_75_plus": [10, 15, 30],
        }
    )
    r = division_risk(cat, "ced")
    assert r.level == "lsoa"
    # no OA coverage can be placed without OAs: age and IMD only, as the note says
    assert "comp_broadband" not in r.divisions
    assert any("no output-area or postcode rows" in n for n in r.notes)


SWITCH = pd.DataFrame(
    {
        "area_name": ["Old Fen", "Young Town"],
        "residents": [8000, 9000],
        "aged_75_plus": [1200, 500],
        "premises": [4000, 4500],
        "n_below_uso": [300, 20],
    },
    index=pd.Index(["S1", "S2"], name="area_code"),
)


def test_switchoff_flags_need_all_three_with_counts_behind_them() -> None:
    mobile = pd.DataFrame(
        {"pct_weak_indoor_4g": [12.0, 30.0], "mobile_from": FROM_DISTRICT}, index=SWITCH.index
    )
    out = switchoff_risk(SWITCH, mobile)
    s1, s2 = out.loc["S1"], out.loc["S2"]
    assert s1["pct_75"] == pytest.approx(15.0) and s1["pct_below_uso"] == pytest.approx(7.5)
    assert bool(s1["at_risk"]) and s1["aged_75_plus"] == 1200
    assert not s2["older"] and s2["weak_indoor_4g"] and not s2["no_decent_broadband"]
    assert list(out.index) == ["S1", "S2"]
    stricter = switchoff_risk(SWITCH, mobile, weak_4g_pct=20.0)
    assert not stricter["at_risk"].any()
    assert stricter.attrs["thresholds"]["weak_4g_pct"] == 20.0


def test_weak_indoor_4g_from_a_district_file_is_the_districts_share() -> None:
    rows = pd.DataFrame(
        {
            "area_id": ["L1", "L2"],
            "release": "2025-07",
            "level": "lad",
            "pct_4g_prem_in_0": [2.0, 0.0],
            "pct_4g_prem_in_1": [8.0, 1.0],
            "pct_4g_prem_in_2": [10.0, 9.0],
            "pct_4g_prem_in_3": [30.0, 40.0],
            "pct_4g_prem_in_4": [50.0, 50.0],
        }
    )
    areas = pd.DataFrame({"area_code": ["D1", "D2", "D3"], "lad_code": ["L1", "L2", "L9"]})
    out = weak_4g_from_districts(rows, areas)
    assert out["pct_weak_indoor_4g"].iloc[:2].tolist() == [10.0, 1.0]
    assert np.isnan(out.loc["D3", "pct_weak_indoor_4g"]) and pd.isna(out.loc["D3", "mobile_from"])
    assert out.loc["D1", "mobile_from"] == FROM_DISTRICT
    assert (
        weak_4g_from_districts(rows, areas, max_operators=2).loc["D1", "pct_weak_indoor_4g"] == 20
    )


def test_weak_indoor_4g_from_postcodes_sums_counts_by_centroid() -> None:
    cat = _squares_catalog()
    counts = pd.DataFrame(
        {"premises": [3, 2, 4], "n_weak_indoor_4g": [1, 2, 0], "n_indoor_4g_ee": [3, 0, 4]},
        index=pd.Index(["ZZ1 1AA", "ZZ1 1AB", "ZZ1 1AD"], name="postcode"),
    )
    pcs = pd.DataFrame(
        {"easting": [100.0, 1900.0, 2100.0], "northing": [100.0] * 3}, index=counts.index
    )
    out = weak_4g_from_postcodes(counts, pcs, cat.areas["ced"])
    assert out.loc["D1", "n_weak_indoor_4g"] == 3 and out.loc["D1", "mobile_premises"] == 5
    assert out.loc["D1", "pct_weak_indoor_4g"] == pytest.approx(60.0)
    assert out.loc["D2", "pct_indoor_4g_ee"] == pytest.approx(100.0)
    assert out.loc["D2", "mobile_from"] == FROM_POSTCODES


def _support(points: list[tuple[float, float]], helped: list[float | None]) -> gpd.GeoDataFrame:
    n = len(points)
    return gpd.GeoDataFrame(
        {
            "site_name": [f"Site {i}" for i in range(n)],
            "programme": "Tech Skills for Life",
            "kind": "training",
            "start_date": pd.to_datetime(["2024-01-01"] * n),
            "end_date": pd.to_datetime([None] * n),
            "people_helped": helped,
        },
        geometry=gpd.points_from_xy(*zip(*points, strict=True)),
        crs=WORKING_CRS,
    )


def test_need_beside_provision_nearest_site_distance_and_people_helped() -> None:
    cat = _squares_catalog()
    r = division_risk(cat, "ced")
    # D1's centre is (833.3, 500); D2's is (2500, 500). Site 0 inside D1, site 1 9 km east.
    support = _support([(833.3333, 1500.0), (11500.0, 500.0)], [40.0, None])
    t = need_beside_provision(r.divisions, cat.areas["ced"], support, radius_km=5)
    assert t.loc["D1", "nearest_site"] == "Site 0"
    assert t.loc["D1", "distance_km"] == pytest.approx(1.0)
    assert t.loc["D2", "nearest_site"] == "Site 0"
    assert t.loc["D2", "distance_km"] == pytest.approx(np.hypot(2500 - 833.3333, 1000) / 1000)
    assert t.loc["D1", "sites_inside"] == 0  # (833, 1500) is north of both squares
    t2 = need_beside_provision(
        r.divisions, cat.areas["ced"], _support([(1000.0, 500.0), (2500.0, 200.0)], [40.0, None])
    )
    assert t2["sites_inside"].tolist() == [1, 1] and t2["people_helped"].tolist() == [0.0, 40.0]
    # high risk = top fifth of two divisions = the top one (D2); no support within 1 km
    far = need_beside_provision(r.divisions, cat.areas["ced"], support, radius_km=1)
    assert far.attrs["high_risk_score"] == pytest.approx(35 / 6)
    assert list(high_risk_without_support(far).index) == ["D2"]


def test_ended_support_does_not_count_and_none_loaded_means_no_support() -> None:
    cat = _squares_catalog()
    r = division_risk(cat, "ced")
    ended = _support([(1000.0, 500.0)], [10.0]).assign(end_date=pd.Timestamp("2024-06-30"))
    t = need_beside_provision(r.divisions, cat.areas["ced"], ended, on=date(2025, 1, 1))
    assert t["nearest_site"].isna().all() and t["no_support_nearby"].all()
    none = need_beside_provision(r.divisions, cat.areas["ced"], None)
    assert none["no_support_nearby"].all() and (none["people_helped"] == 0).all()


def test_high_risk_threshold_is_the_top_share() -> None:
    assert high_risk_threshold(pd.Series([9.0, 7, 5, 3, 1]), share=0.4) == 7
    assert high_risk_threshold(pd.Series([9.0, np.nan]), share=0.2) == 9
    assert np.isnan(high_risk_threshold(pd.Series([np.nan])))


def test_council_indicators_join_the_deprivation_component() -> None:
    cat = _squares_catalog()
    # LSOA-level file: each OA takes its LSOA's value. No qualifications 10, 30, 20 → 0, 10, 5
    cat.indicators = pd.DataFrame(
        {"area_code": ["LA", "LB", "LC"], "level": "lsoa", "no_qualifications": [10.0, 30, 20]}
    )
    r = division_risk(cat, "ced")
    units = r.units.set_index(r.units.index.astype(str))
    # deprivation = (IMD 2 × (10, 0, 5) + no qualifications 4 × (0, 10, 5)) / 6
    assert units["comp_deprivation"].tolist() == pytest.approx([20 / 6, 40 / 6, 5.0])
    used = r.indicators.set_index("Indicator")["Used"]
    assert used["Residents 16+ with no qualifications (%)"] == "yes"
    assert any("Council indicators" in n for n in r.notes)


def test_score_map_classes_tooltips_and_legend() -> None:
    from layers.scoremap import class_edges, risk_map, score_fills

    assert class_edges(10) == [0, 2, 4, 6, 8, 10]
    fills = score_fills(pd.Series([0.0, 2.0, 2.01, 9.9, np.nan]), top=10)
    assert fills.tolist()[:4] == [VIRIDIS[0], VIRIDIS[0], VIRIDIS[1], VIRIDIS[4]]
    cat = _squares_catalog()
    r = division_risk(cat, "ced")
    web = cat.areas["ced"].assign(area_name=["<b>{{7*7}}</b>", "Two"]).to_crs("EPSG:4326")
    html = risk_map(web, r.divisions, tiles=False).get_root().render()
    assert "5.8 / 10 (rank 1)" in html and "4.1 / 10 (rank 2)" in html
    assert "{{7*7}}" not in html and "<b>" not in html  # names escaped, never evaluated
    assert "\\u0026lt;b\\u0026gt;" in html
    assert "Digital exclusion risk (0–10, higher = more need)" in html


def test_2026_decent_broadband_count_fills_the_broadband_indicator_and_says_so() -> None:
    cat = _squares_catalog()
    cat.coverage = cat.coverage.rename(columns={"n_below_uso": "n_no_decent"}).assign(
        release="2026-01"
    )
    r = division_risk(cat, "ced")
    assert r.divisions.loc["D2", "score"] == pytest.approx(35 / 6)  # as with the USO count
    assert r.divisions.loc["D1", "pct_below_uso"] == pytest.approx(25.0)
    assert any("'Unable to get decent broadband from fixed or FWA' is used" in n for n in r.notes)


def test_export_writes_the_risk_columns_beside_the_figures(tmp_path) -> None:
    from geo.reports.figures_file import export_figures

    done = export_figures(_squares_catalog(), tmp_path / "out.csv", level="ced")
    assert done.risk_left_out == "" and done.areas == 2
    out = pd.read_csv(done.path).set_index("area_code")
    expected = export_columns(division_risk(_squares_catalog(), "ced"))
    assert out.loc["D1", "risk_score"] == pytest.approx(expected.loc["D1", "risk_score"])
    assert out.loc["D2", "risk_rank"] == 1
    assert {"risk_age", "risk_broadband"} <= set(out.columns)
    no_small_areas = _squares_catalog()
    no_small_areas.oa_centroids, no_small_areas.lsoa = None, None
    again = export_figures(no_small_areas, tmp_path / "again.csv", level="ced")
    assert "needs small areas" in again.risk_left_out
    written = pd.read_csv(again.path)
    assert "risk_score" not in written.columns and len(written) == 2  # figures still written
