"""The dask-geopandas path and the fast x/y path give exactly the single-machine answer."""

from __future__ import annotations

from collections.abc import Iterator

import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from distributed import Client, LocalCluster
from pandas.testing import assert_frame_equal, assert_series_equal

import geo.geometry.aggregate as agg
from benchmarks.synthetic import COVERAGE_COLUMNS, synthetic_postcodes, synthetic_wards
from geo.errors import CRSMismatchError, DataError
from geo.geometry.partitioned import aggregate_partitioned, spatially_partition
from tests.conftest import require_shared

BNG = "EPSG:27700"


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """Three touching 1 km squares (codes deliberately out of order) and one far away."""
    return gpd.GeoDataFrame(
        {"area_code": ["A03", "A01", "A02", "A04"]},
        geometry=[
            shapely.box(0, 0, 1000, 1000),
            shapely.box(1000, 0, 2000, 1000),
            shapely.box(0, 1000, 1000, 2000),
            shapely.box(3000, 0, 4000, 1000),
        ],
        crs=BNG,
    )


@pytest.fixture
def known_points() -> gpd.GeoDataFrame:
    xy = [(500, 500), (1500, 500), (1000, 500), (500, 1000), (1000, 1000), (5000, 5000),
          (1500, 1500)]  # fmt: skip
    return gpd.GeoDataFrame(
        {
            "x": [float(a) for a, _ in xy],
            "y": [float(b) for _, b in xy],
            "premises": np.array([10, 20, 5, 7, 3, 100, 1], dtype=np.int64),
        },
        geometry=gpd.points_from_xy(*zip(*xy, strict=True)),
        crs=BNG,
        index=pd.Index([11, 12, 13, 14, 15, 16, 17]),
    )


# Worked by hand: (1000,500) is on A03|A01 -> A01; (500,1000) on A03|A02 -> A02;
# (1000,1000) touches all three -> A01; (5000,5000) and (1500,1500) are in no area.
EXPECTED = pd.DataFrame(
    {"premises": [10.0, 28.0, 7.0, 0.0], "n_points": [1.0, 3.0, 1.0, 0.0]},
    index=pd.Index(["A03", "A01", "A02", "A04"], name="area_code").astype(str),
)
EXPECTED_UNMATCHED = [False, False, False, False, False, True, True]


def test_single_machine_known_answer(squares, known_points):
    totals, unmatched = agg.aggregate_points(known_points, squares, columns=["premises"])
    assert_frame_equal(totals, EXPECTED, check_index_type=False)
    assert unmatched.tolist() == EXPECTED_UNMATCHED
    assert unmatched.index.tolist() == known_points.index.tolist()
    codes = agg.assign_areas_xy(known_points["x"], known_points["y"], squares)
    assert codes.tolist() == ["A03", "A01", "A01", "A02", "A01", pd.NA, pd.NA]


def _reference(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, columns: list[str]):
    """The original, sindex-based path: assign_areas then sum_by_area."""
    codes = agg.assign_areas(points, areas)
    return agg.sum_by_area(points, codes, areas, columns=columns), codes.isna()


@pytest.mark.parametrize("npartitions", [1, 3])
def test_partitioned_known_answer(client, squares, known_points, npartitions):
    ref_totals, ref_unmatched = agg.aggregate_points(known_points, squares, columns=["premises"])
    dgdf = dask_geopandas.from_geopandas(known_points, npartitions=npartitions)
    totals, unmatched = aggregate_partitioned(dgdf, squares, columns=["premises"])
    assert_frame_equal(totals, ref_totals)
    assert_series_equal(unmatched.compute().sort_index(), ref_unmatched)
    by_xy, _ = aggregate_partitioned(dgdf, squares, columns=["premises"], xy=("x", "y"))
    assert_frame_equal(by_xy, ref_totals)


def test_partitioned_reads_parquet_lazily(client, squares, known_points, tmp_path):
    ref_totals, _ = agg.aggregate_points(known_points, squares, columns=["premises"])
    geo_path = tmp_path / "points.parquet"
    known_points.to_parquet(geo_path)
    totals, unmatched = aggregate_partitioned(geo_path, squares, columns=["premises"])
    assert_frame_equal(totals, ref_totals)
    assert int(unmatched.sum().compute()) == 2
    plain = tmp_path / "plain.parquet"
    pd.DataFrame(known_points.drop(columns="geometry")).to_parquet(plain)
    totals, _ = aggregate_partitioned([plain], squares, columns=["premises"], xy=("x", "y"))
    assert_frame_equal(totals, ref_totals)


def test_partitioned_errors(client, squares, known_points, tmp_path):
    plain = tmp_path / "plain.parquet"
    pd.DataFrame(known_points.drop(columns="geometry")).to_parquet(plain)
    with pytest.raises(DataError, match="not GeoParquet"):
        aggregate_partitioned(plain, squares, columns=["premises"])
    with pytest.raises(DataError, match="'households'") as err:
        aggregate_partitioned(plain, squares, columns=["households"], xy=("x", "y"))
    assert [(p.file, p.column) for p in err.value.problems] == [("plain.parquet", "households")]
    with pytest.raises(DataError, match="file not found"):
        aggregate_partitioned(tmp_path / "nope.parquet", squares, columns=["premises"])
    with pytest.raises(CRSMismatchError):
        aggregate_partitioned(known_points.to_crs(4326), squares, columns=["premises"])
    with pytest.raises(CRSMismatchError):
        aggregate_partitioned(known_points, squares, columns=["premises"], xy=("x", "y"),
                              crs="EPSG:4326")  # fmt: skip


@pytest.fixture(scope="module")
def synthetic_case() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """3,000 synthetic postcodes plus 500 placed exactly on area vertices (shared borders)."""
    areas = synthetic_wards(150, seed=7)
    points = synthetic_postcodes(3_000, seed=3)
    corners = shapely.get_coordinates(areas.geometry.to_numpy())[::3][:500]
    on_border = synthetic_postcodes(len(corners), seed=4)
    on_border = on_border.set_geometry(gpd.points_from_xy(corners[:, 0], corners[:, 1], crs=BNG))
    on_border[["x", "y"]] = corners
    return pd.concat([points, on_border], ignore_index=True), areas


def test_fast_path_matches_sindex_and_naive(synthetic_case, monkeypatch):
    points, areas = synthetic_case
    cols = list(COVERAGE_COLUMNS)
    ref_totals, ref_unmatched = _reference(points, areas, cols)
    assert 0 < ref_unmatched.sum() < len(points)  # some points fall outside every area
    for threads in (1, 2, 3):
        monkeypatch.setattr(agg, "_THREADS", threads)
        monkeypatch.setattr(agg, "_MIN_POINTS_PER_THREAD", 100)
        totals, unmatched = agg.aggregate_points(points, areas, columns=cols)
        assert_frame_equal(totals, ref_totals)
        assert_series_equal(unmatched, ref_unmatched)
    xy_totals, _ = agg.aggregate_xy(points, areas, columns=cols)
    assert_frame_equal(xy_totals, ref_totals)
    sample = points.iloc[::10]
    naive = agg.aggregate_points_naive(sample, areas, columns=["premises"])
    fast, _ = agg.aggregate_points(sample, areas, columns=["premises"])
    assert_frame_equal(fast, naive, check_dtype=False)


def test_partitioned_matches_on_synthetic(client, synthetic_case):
    points, areas = synthetic_case
    cols = list(COVERAGE_COLUMNS)
    ref_totals, ref_unmatched = agg.aggregate_points(points, areas, columns=cols)
    assert (ref_totals["n_points"] == 0).any()  # some areas get no point
    plain = dask_geopandas.from_geopandas(points, npartitions=4)
    hilbert = spatially_partition(points, npartitions=5)
    assert hilbert.spatial_partitions is not None
    for frame in (plain, hilbert):
        totals, unmatched = aggregate_partitioned(frame, areas, columns=cols)
        assert_frame_equal(totals, ref_totals)
        assert_series_equal(unmatched.compute().sort_index(), ref_unmatched)


def test_partitioned_writes_and_reads_hilbert_geoparquet(client, synthetic_case, tmp_path):
    points, areas = synthetic_case
    ref_totals, _ = agg.aggregate_points(points, areas, columns=["premises"])
    written = spatially_partition(points, npartitions=3, path=tmp_path / "pts")
    assert written.npartitions == 3
    totals, _ = aggregate_partitioned(tmp_path / "pts", areas, columns=["premises"])
    assert_frame_equal(totals, ref_totals)


@pytest.mark.shared
def test_partitioned_matches_on_real_norfolk_divisions(client):
    from geo.geometry.boundaries import load_boundaries

    areas = load_boundaries(require_shared("norfolk_ced_2025_simplified.geojson"))
    points = synthetic_postcodes(4_000, areas=areas, seed=11)
    cols = list(COVERAGE_COLUMNS)
    ref_totals, ref_unmatched = _reference(points, areas, cols)
    assert len(ref_totals) == 84
    totals, unmatched = agg.aggregate_points(points, areas, columns=cols)
    assert_frame_equal(totals, ref_totals)
    assert_series_equal(unmatched, ref_unmatched)
    hilbert = spatially_partition(points, npartitions=4)
    totals, _ = aggregate_partitioned(hilbert, areas, columns=cols)
    assert_frame_equal(totals, ref_totals)
