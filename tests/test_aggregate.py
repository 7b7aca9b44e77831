"""Points to areas: known answers on three squares, border and outside cases, CRS mismatch."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.errors import CRSMismatchError
from geo.geometry.aggregate import aggregate_points, aggregate_points_naive, assign_areas
from tests.squares import at, squares


def _points(rows: list[tuple[float, float, int]], crs: str = "EPSG:27700") -> gpd.GeoDataFrame:
    xs, ys = zip(*[at(x, y) for x, y, _ in rows], strict=True)
    return gpd.GeoDataFrame(
        {"premises": [p for *_, p in rows]}, geometry=gpd.points_from_xy(xs, ys), crs=crs
    )


POINTS = [
    (500, 500, 10),  # inside Alpha
    (1500, 500, 20),  # inside Bravo
    (1000, 500, 7),  # on the Alpha|Bravo border → Alpha (lower code), once
    (2500, 900, 3),  # inside Charlie
    (3500, 500, 99),  # outside every square
]


def test_known_answer_sums_border_and_outside() -> None:
    totals, unmatched = aggregate_points(_points(POINTS), squares(), columns=["premises"])
    assert totals["premises"].to_dict() == {"E58000001": 17, "E58000002": 20, "E58000003": 3}
    assert totals["n_points"].to_dict() == {"E58000001": 2, "E58000002": 1, "E58000003": 1}
    assert unmatched.tolist() == [False, False, False, False, True]
    # Nothing double-counted, nothing lost: matched + unmatched = input.
    assert totals["premises"].sum() + 99 == sum(p for *_, p in POINTS)


def test_point_on_corner_of_three_is_counted_once() -> None:
    pts = _points([(1000, 1000, 5), (2000, 0, 4)])
    codes = assign_areas(pts, squares())
    assert codes.tolist() == ["E58000001", "E58000002"]


def test_areas_with_no_points_get_zero_rows() -> None:
    totals, _ = aggregate_points(_points([(500, 500, 1)]), squares(), columns=["premises"])
    assert totals.loc["E58000003", "premises"] == 0
    assert list(totals.index) == ["E58000001", "E58000002", "E58000003"]


def test_empty_points() -> None:
    pts = _points(POINTS).iloc[0:0]
    totals, unmatched = aggregate_points(pts, squares(), columns=["premises"])
    assert totals["premises"].sum() == 0 and unmatched.empty


def test_crs_mismatch_is_an_error_not_a_warning() -> None:
    pts = _points(POINTS).to_crs("EPSG:4326")
    with pytest.raises(CRSMismatchError, match="CRS mismatch"):
        aggregate_points(pts, squares(), columns=["premises"])


def test_naive_loop_gives_the_same_answer() -> None:
    rng = np.random.default_rng(1)
    xy = rng.uniform(-200, 3200, size=(400, 2)).round(-2)  # many points land on borders
    pts = _points([(x, y % 1000, int(i)) for i, (x, y) in enumerate(xy)])
    ours, _ = aggregate_points(pts, squares(), columns=["premises"])
    naive = aggregate_points_naive(pts, squares(), columns=["premises"])
    pd.testing.assert_frame_equal(ours.astype(float), naive.astype(float), check_like=True)
