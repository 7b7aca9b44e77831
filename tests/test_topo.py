"""The packed topology: lossless integer packing, shared edges once, quantised to ~10 m."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from geo.geometry.boundaries import normalise_boundaries
from geo.geometry.crs import to_display
from geo.geometry.simplify import round_coordinates
from geo.sources.demo import demo_areas
from layers.topo import GRID_M, decode_polyline, encode_polyline, packed_topology


@given(st.lists(st.integers(min_value=-(2**40), max_value=2**40), max_size=200))
def test_polyline_packing_is_lossless(values: list[int]) -> None:
    assert decode_polyline(encode_polyline(np.array(values, dtype=np.int64))) == values


def test_small_deltas_take_one_or_two_characters() -> None:
    assert len(encode_polyline(np.array([0, 1, -1, 15, -16]))) == 5
    assert len(encode_polyline(np.array([100, -300]))) == 4


def _unpack(topo: dict) -> list[np.ndarray]:
    """Absolute lon/lat of every arc, as topojson-client would rebuild them."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for packed in topo["arcs"]:
        deltas = np.array(decode_polyline(packed)).reshape(-1, 2).cumsum(axis=0)
        arcs.append(np.column_stack([deltas[:, 0] * sx + tx, deltas[:, 1] * sy + ty]))
    return arcs


def _ring(indices: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in indices]
    return np.vstack([parts[0], *[p[1:] for p in parts[1:]]])


def _polygons(topo: dict, arcs: list[np.ndarray]) -> list[shapely.Geometry]:
    out = []
    for g in topo["objects"]["areas"]["geometries"]:
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        out.append(shapely.MultiPolygon(
            [shapely.Polygon(_ring(p[0], arcs), [_ring(h, arcs) for h in p[1:]]) for p in polys]
        ))  # fmt: skip
    return out


def test_topology_stores_shared_edges_once_and_keeps_shapes() -> None:
    areas = normalise_boundaries(demo_areas(), source="demo")
    areas.geometry = areas.geometry.segmentize(200)  # shared edges get the same new vertices
    web = round_coordinates(to_display(areas), decimals=5)
    topo = packed_topology(web[["area_code", "geometry"]])
    arcs = _unpack(topo)
    n_topo = sum(len(a) for a in arcs)
    n_geojson = int(shapely.get_num_coordinates(web.geometry.to_numpy()).sum())
    assert n_topo < 0.7 * n_geojson  # interior edges are shared by two areas
    # The rebuilt shapes are the areas, to within a grid step.
    rebuilt = _polygons(topo, arcs)
    for geom, again in zip(web.geometry, rebuilt, strict=True):
        # Degrees to metres at about 52.6° N, near enough for a 10 m check.
        a, b = (shapely.affinity.scale(g, 67_000, 111_000, origin=(0, 0)) for g in (geom, again))
        assert shapely.hausdorff_distance(a, b) <= GRID_M
    props = [g["properties"]["area_code"] for g in topo["objects"]["areas"]["geometries"]]
    assert props == list(web["area_code"])


def test_needs_lonlat() -> None:
    with pytest.raises(ValueError, match="EPSG:4326"):
        packed_topology(normalise_boundaries(demo_areas(), source="demo"))
