"""Simplification on the real Norfolk boundaries: no overlaps or gaps between neighbours.

For each file we compare, before and after :func:`geo.geometry.simplify.simplify_coverage`:
the total area where two areas overlap, the pairs of neighbours sharing an edge, and the
area of holes inside the union (gaps between neighbours). As a check that these measures
can fail, simplifying the same polygons one by one opens gaps and overlaps they detect.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.geometry.boundaries import load_boundaries
from geo.geometry.simplify import WEB_TOLERANCE_M, simplify_coverage, simplify_for_web
from tests.conftest import require_shared

pytestmark = pytest.mark.shared

FILES = {
    "norfolk_ced_2025_simplified.geojson": 84,
    "norfolk_lad_boundaries_2013_bgc.geojson": 7,
    "norfolk_wards_2013_bgc.geojson": 205,
}


def _pairs(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b
    return a[keep], b[keep]


def overlap_area(geoms: np.ndarray) -> float:
    """Total area (m²) covered by two areas at once."""
    a, b = _pairs(geoms)
    return float(shapely.area(shapely.intersection(geoms[a], geoms[b])).sum())


def neighbours(geoms: np.ndarray, *, min_shared_m: float) -> set[tuple[int, int]]:
    """Pairs of areas whose boundaries share more than ``min_shared_m`` metres."""
    a, b = _pairs(geoms)
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))
    )
    return {(int(i), int(j)) for i, j, s in zip(a, b, shared, strict=True) if s > min_shared_m}


def gap_area(geoms: np.ndarray) -> float:
    """Area (m²) of holes inside the union: land between neighbours that no area covers."""
    parts = shapely.get_parts(shapely.union_all(geoms))
    return float(sum(shapely.Polygon(ring).area for p in parts for ring in p.interiors))


@pytest.mark.parametrize("name", sorted(FILES))
def test_coverage_simplify_adds_no_overlap_or_gap_and_keeps_neighbours(name: str) -> None:
    areas = load_boundaries(require_shared(name))
    assert len(areas) == FILES[name]
    out = simplify_coverage(areas)
    assert out.attrs["simplify_method"] in {"coverage", "cleaned coverage"}
    before, after = areas.geometry.to_numpy(), out.geometry.to_numpy()
    assert shapely.is_valid(after).all() and not shapely.is_empty(after).any()
    # Overlaps: none left (the CED file starts with ~1.3 km² of them, the districts ~0.02 km²).
    assert overlap_area(after) < 1.0
    # Every pair sharing > 100 m of edge before still shares an edge after.
    assert neighbours(before, min_shared_m=100) <= neighbours(after, min_shared_m=0)
    # Gaps between neighbours do not grow (1,000 m² slack ≈ a 25 m-tolerance vertex move).
    assert gap_area(after) <= gap_area(before) + 1_000
    # It did simplify.
    assert shapely.get_num_coordinates(after).sum() < shapely.get_num_coordinates(before).sum()


def test_per_polygon_simplification_would_open_gaps_and_overlaps() -> None:
    """The measures above catch the failure they guard against (2013 wards, a clean coverage)."""
    areas = load_boundaries(require_shared("norfolk_wards_2013_bgc.geojson"))
    before = areas.geometry.to_numpy()
    assert overlap_area(before) == 0 and gap_area(before) == 0
    one_by_one = shapely.simplify(before, WEB_TOLERANCE_M, preserve_topology=True)
    assert overlap_area(one_by_one) > 100_000  # ≈ 0.48 km²
    assert gap_area(one_by_one) > 100_000  # ≈ 0.79 km²


def test_fallback_runs_when_coverage_simplification_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    areas = load_boundaries(require_shared("norfolk_ced_2025_simplified.geojson"))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise shapely.errors.GEOSException("TopologyException: injected for the test")

    monkeypatch.setattr(shapely, "coverage_simplify", broken)
    out = simplify_coverage(areas)
    assert out.attrs["simplify_method"] == "per-polygon"
    assert len(out) == len(areas)
    assert list(out["area_code"]) == list(areas["area_code"])
    geoms = out.geometry.to_numpy()
    assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
    # Per-polygon simplification still moves no vertex further than the tolerance.
    moved = shapely.hausdorff_distance(geoms, areas.geometry.to_numpy())
    assert float(np.max(moved)) <= WEB_TOLERANCE_M + 1e-6


def test_web_output_is_rounded_to_four_decimals() -> None:
    areas = load_boundaries(require_shared("norfolk_lad_boundaries_2013_bgc.geojson"))
    web = simplify_for_web(areas)
    assert web.crs.to_epsg() == 4326
    coords = shapely.get_coordinates(web.geometry.to_numpy())
    assert np.allclose(coords, np.round(coords, 4), atol=1e-9)
