"""Bid planner maths with known answers: gap score, ranks with ties, buffers in metres, reach."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.analysis.gap import gap_components, gap_scores, min_max, missing_text, rank_desc
from geo.analysis.reach import anchor_reach, coverage_points, reach_buffers, select_anchors
from layers.vouchers import intervention_counts

X0, Y0 = 600_000.0, 300_000.0


def _figures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": ["A", "B", "C"],
            "premises": [100.0, 200.0, 300.0],
            "n_gigabit": [100.0, 150.0, 200.0],  # without gigabit: 0, 50, 100
            "n_below_uso": [10.0, 10.0, 10.0],  # the same everywhere
        }
    )


def test_gap_score_three_areas_by_hand() -> None:
    deprivation = pd.DataFrame({"deprivation": [30.0, 10.0, 20.0]}, index=["A", "B", "C"])
    comps = gap_components(_figures(), deprivation=deprivation)
    assert comps["no_gigabit"].tolist() == [0.0, 50.0, 100.0]
    scores = gap_scores(comps, weights={"no_gigabit": 1, "deprivation": 1, "below_uso": 0})
    # normalised no_gigabit (0, .5, 1), deprivation (1, 0, .5): mean × 100 = 50, 25, 75
    assert scores.loc[["A", "B", "C"], "score"].tolist() == pytest.approx([50.0, 25.0, 75.0])
    assert scores.index.tolist() == ["C", "A", "B"]
    assert scores["rank"].tolist() == [1, 2, 3]
    # A constant component normalises to 0 but still dilutes by its weight: (0+0+1)/4 etc.
    weighted = gap_scores(comps, weights={"no_gigabit": 1, "deprivation": 1, "below_uso": 2})
    assert weighted.loc[["A", "B", "C"], "score"].tolist() == pytest.approx([25.0, 12.5, 37.5])


def test_gap_layer_components_missing_areas_count_zero() -> None:
    vouchers = pd.DataFrame({"voucher_demand": [4]}, index=["B"])
    comps = gap_components(_figures(), extra=vouchers)
    assert comps["voucher_demand"].tolist() == [0.0, 4.0, 0.0]


def test_ranks_ties_share_the_best_rank() -> None:
    ranks = rank_desc(pd.Series([10.0, 30.0, 30.0, 5.0, float("nan")]))
    assert ranks.tolist()[:4] == [3, 1, 1, 4]
    assert pd.isna(ranks.iloc[4])
    comps = pd.DataFrame({"no_gigabit": [5.0, 5.0, 1.0]}, index=["A", "B", "C"])
    assert gap_scores(comps, weights={"no_gigabit": 1})["rank"].tolist() == [1, 1, 3]


@pytest.mark.parametrize(
    ("weights", "message"),
    [({"no_gigabit": -1}, "negative"), ({"speed": 1}, "unknown"), ({"no_gigabit": 0}, "positive")],
)
def test_gap_bad_weights_are_refused(weights: dict[str, float], message: str) -> None:
    comps = gap_components(_figures())
    with pytest.raises(ValueError, match=message):
        gap_scores(comps, weights=weights)


def test_min_max_constant_is_zero() -> None:
    assert min_max(pd.Series([3.0, 3.0])).tolist() == [0.0, 0.0]


def test_intervention_counts_names_and_total() -> None:
    agg = pd.DataFrame(
        {
            "n_subsidy_white": [2, 0],
            "n_subsidy_grey_black": [1, 3],
            "n_subsidy_under_review": [0, 1],
        },
        index=pd.Index(["A", "B"], name="area_code"),
    )
    out = intervention_counts(agg)
    assert list(out.columns) == ["White", "Grey/Black", "Under Review", "Total in plans"]
    assert out["Total in plans"].tolist() == [3, 4]


# --- reach -----------------------------------------------------------------------------------


def _anchors(crs: str = "EPSG:27700") -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {
            "name": ["One", "Two", "Three"],
            "site_type": ["school", "library", "gp"],
            "fibre_status": ["planned", "planned", "full_fibre"],
        },
        geometry=[shapely.Point(X0, Y0), shapely.Point(X0 + 500, Y0), shapely.Point(X0 + 9000, Y0)],
        crs="EPSG:27700",
    )
    return gdf.to_crs(crs)


def test_buffer_is_in_metres_not_degrees() -> None:
    for crs in ("EPSG:27700", "EPSG:4326"):
        buffers = reach_buffers(_anchors(crs).iloc[:1], radius_m=1000)
        assert buffers.crs.to_epsg() == 27700
        assert buffers.geometry.area.iloc[0] == pytest.approx(math.pi * 1e6, rel=1e-3)
    with pytest.raises(ValueError, match="positive"):
        reach_buffers(_anchors(), radius_m=0)


def test_select_anchors_by_type_and_fibre() -> None:
    chosen = select_anchors(_anchors(), fibre_statuses=["planned"])
    assert chosen["name"].tolist() == ["One", "Two"]
    assert select_anchors(_anchors(), site_types=["gp"])["name"].tolist() == ["Three"]


def _areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_code": ["L", "R", "FAR"], "area_name": ["Left", "Right", "Far away"]},
        geometry=[
            shapely.box(X0 - 2000, Y0 - 2000, X0 + 800, Y0 + 2000),
            shapely.box(X0 + 800, Y0 - 2000, X0 + 3000, Y0 + 2000),
            shapely.box(X0 + 20_000, Y0, X0 + 21_000, Y0 + 1000),
        ],
        crs="EPSG:27700",
    )


def _points() -> gpd.GeoDataFrame:
    coverage = pd.DataFrame(
        {
            "area_id": ["AA1 1AA", "AA1 1AB", "AA1 1AC", "AA1 1AD"],
            "premises": [10.0, 4.0, 100.0, 9.0],
            "n_gigabit": [3.0, 0.0, 0.0, 0.0],
            "level": "postcode",
        }
    )
    postcodes = pd.DataFrame(
        {"easting": [X0 + 250, X0 + 1400, X0 - 1100], "northing": [Y0, Y0, Y0]},
        index=["AA1 1AA", "AA1 1AB", "AA1 1AC"],
    )
    return coverage_points(coverage, postcodes)


def test_coverage_points_counts_unlocated() -> None:
    pts = _points()
    assert pts["lacking_gigabit"].tolist() == [7.0, 4.0, 100.0]
    assert pts.attrs["unlocated"] == 1


def test_reach_counts_each_postcode_once_over_overlapping_buffers() -> None:
    # AA1 1AA is 250 m from both anchors (inside both circles) and counted once: 7 + 4 = 11.
    # AA1 1AC is 1,100 m from the nearest anchor: outside. Anchor "Three" is not chosen.
    reach = anchor_reach(_anchors().iloc[:2], radius_m=1000, points=_points(), areas=_areas())
    assert reach.lacking_gigabit == 11
    assert reach.premises == 14
    assert reach.points["area_id"].tolist() == ["AA1 1AA", "AA1 1AB"]
    assert reach.areas["area_code"].tolist() == ["L", "R"]
    assert reach.areas["lacking_gigabit"].tolist() == [7, 4]
    # Union of two r=1000 circles 500 m apart: 2πr² − lens; lens = 2r²acos(d/2r) − (d/2)√(4r²−d²)
    r, d = 1000.0, 500.0
    lens = 2 * r * r * math.acos(d / (2 * r)) - (d / 2) * math.sqrt(4 * r * r - d * d)
    assert reach.union.area == pytest.approx(2 * math.pi * r * r - lens, rel=2e-3)
    assert reach.areas["reach_km2"].sum() == pytest.approx(reach.union.area / 1e6, rel=1e-6)


def test_reach_with_no_anchors_is_empty() -> None:
    reach = anchor_reach(_anchors().iloc[:0], radius_m=1000, points=_points(), areas=_areas())
    assert reach.lacking_gigabit == 0
    assert reach.areas.empty


def test_gap_scores_with_the_components_that_exist_and_names_the_rest() -> None:
    # District figures only: no area has counts of its own, so no_gigabit and below_uso are
    # left out (and named); deprivation 30, 10, 20 and vouchers 0, 4, 2 are scored.
    figures = _figures().assign(
        premises=float("nan"), n_gigabit=float("nan"), n_below_uso=float("nan"),
        figure_needs="an Ofcom output-area file for 2021-05",
    )  # fmt: skip
    deprivation = pd.DataFrame({"deprivation": [30.0, 10.0, float("nan")]}, index=["A", "B", "C"])
    vouchers = pd.DataFrame({"voucher_demand": [4, 2]}, index=["B", "C"])
    comps = gap_components(figures, extra=vouchers, deprivation=deprivation)
    assert list(comps.columns) == ["voucher_demand", "deprivation"]
    assert "district figures only" in comps.attrs["missing"]["no_gigabit"]
    assert "output-area file for 2021-05" in comps.attrs["missing"]["below_uso"]
    scores = gap_scores(comps, weights={"no_gigabit": 3, "below_uso": 2, "voucher_demand": 1,
                                        "deprivation": 1})  # fmt: skip
    # vouchers (0, 1, .5), deprivation (1, 0, NaN): A = 50, B = 50, C = .5 alone = 50.
    assert scores.loc[["A", "B", "C"], "score"].tolist() == pytest.approx([50.0, 50.0, 50.0])
    assert scores.loc["C", "missing"] == "Deprivation (IMD 2019, 0–100)"
    assert scores.loc["A", "missing"] == ""
    assert set(scores.attrs["missing"]) == {"no_gigabit", "below_uso"}
    assert missing_text(scores).startswith("Scored without premises without gigabit (")
    left_out = missing_text(gap_components(figures, extra=vouchers))
    assert "deprivation (IMD 2019" in left_out  # only the first letter lowered: IMD stays IMD


def test_coverage_points_from_oa_rows_and_centroids_of_their_vintage() -> None:
    coverage = pd.DataFrame({
        "area_id": ["E00000001", "E00000002", "E00000003"], "premises": [10.0, 20.0, 5.0],
        "n_gigabit": [4.0, 20.0, 0.0], "level": "oa", "release": "2021-05",
    })  # fmt: skip
    centroids = pd.DataFrame(
        {"easting": [X0, X0 + 100], "northing": [Y0, Y0], "vintage": "2011", "kind": "pwc"},
        index=pd.Index(["E00000001", "E00000002"], name="oa_code"),
    )
    pts = coverage_points(coverage, None, oa_centroids=centroids)
    assert pts["lacking_gigabit"].tolist() == [6.0, 0.0] and pts.attrs["unlocated"] == 1
    assert pts.attrs["level"] == "oa"
    with pytest.raises(ValueError, match="OA centroids of its census vintage"):
        coverage_points(coverage, None)
