"""Web simplification keeps neighbours together and shrinks the geometry."""

from __future__ import annotations

import pytest
import shapely

from geo.geometry.boundaries import load_boundaries, normalise_boundaries
from geo.geometry.simplify import simplify_coverage, simplify_for_web
from geo.sources.demo import demo_areas
from tests.conftest import require_shared


def _n_coords(gdf) -> int:
    return int(shapely.get_num_coordinates(gdf.geometry.to_numpy()).sum())


def test_clean_coverage_is_simplified_as_a_coverage() -> None:
    areas = normalise_boundaries(demo_areas(), source="demo")
    out = simplify_coverage(areas, tolerance_m=25)
    assert out.attrs["simplify_method"] == "coverage"
    assert shapely.coverage_is_valid(out.geometry.to_numpy())
    assert out.union_all().area == pytest.approx(areas.union_all().area, rel=1e-9)


def test_for_web_is_lonlat_and_rounded() -> None:
    out = simplify_for_web(normalise_boundaries(demo_areas(), source="demo"), decimals=4)
    assert out.crs.to_epsg() == 4326
    coords = shapely.get_coordinates(out.geometry.to_numpy())
    assert (abs(coords * 1e4 - (coords * 1e4).round()) < 1e-6).all()


def test_real_wards_simplify_as_a_coverage_with_fewer_vertices() -> None:
    wards = load_boundaries(require_shared("norfolk_wards_2013_bgc.geojson"))
    out = simplify_coverage(wards, tolerance_m=100)
    assert out.attrs["simplify_method"] == "coverage"
    assert shapely.coverage_is_valid(out.geometry.to_numpy())
    assert _n_coords(out) < 0.8 * _n_coords(wards)
    assert out.union_all().area / wards.union_all().area == pytest.approx(1, abs=2e-3)


def test_real_divisions_overlapping_upstream_are_cleaned_then_simplified() -> None:
    ced = load_boundaries(require_shared("norfolk_ced_2025_simplified.geojson"))
    assert not shapely.coverage_is_valid(ced.geometry.to_numpy())  # SOURCES.md: overlaps ~1.3 km²
    out = simplify_coverage(ced)
    assert out.attrs["simplify_method"] == "cleaned coverage"
    assert shapely.coverage_is_valid(out.geometry.to_numpy())  # no overlaps, edges shared
    assert out.union_all().area / ced.union_all().area > 0.999
