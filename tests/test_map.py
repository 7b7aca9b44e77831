"""The folium map, checked by structure: layers, tooltips, legend, attribution, assets, clicks."""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.config import NO_DATA_COLOUR, SEQUENTIAL_PALETTE
from geo.geometry.simplify import simplify_for_web
from layers.assets import VENDORED, inline_assets, localise
from layers.choropleth import choropleth_layer, classify, clicked_point_area, value_text
from layers.topo import TopoGeoJson
from layers.webmap import coverage_map
from tests.squares import squares


def _figures() -> pd.DataFrame:
    sq = squares()
    sq["premises"] = [40.0, 60.0, np.nan]
    sq["n_gigabit"] = [5.0, 60.0, np.nan]
    sq["pct_gigabit"] = [12.5, 100.0, np.nan]
    sq["method"] = ["postcode centroids", "postcode centroids", "no data finer than the district"]
    sq.loc[0, "area_name"] = "<script>alert(1)</script>"
    return simplify_for_web(sq)


def _geojson(fmap: folium.Map) -> dict:
    layer = next(c for c in fmap._children.values() if isinstance(c, TopoGeoJson))
    return layer.data


def test_features_carry_code_escaped_name_and_value_text() -> None:
    fmap = coverage_map(_figures(), measure="gigabit", selected="E58000002")
    props = [f["properties"] for f in _geojson(fmap)["features"]]
    assert [p["area_code"] for p in props] == ["E58000001", "E58000002", "E58000003"]
    assert props[0]["area_name"] == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert props[0]["value"] == "12.5% (5 of 40 premises)"
    assert props[2]["value"] == "No figure: no data finer than the district"
    assert props[2]["fill"] == NO_DATA_COLOUR
    html = fmap.get_root().render()
    assert "<script>alert(1)</script>" not in html


def test_classes_and_legend() -> None:
    classes = classify(pd.Series([1.0, 2.0, 3.0, 50.0, 90.0, np.nan]))
    assert classes is not None and len(classes.bins) == 5 and classes.bins[-1] == 90.0
    assert classes.colours == SEQUENTIAL_PALETTE
    assert classes.colour_of(float("nan")) == NO_DATA_COLOUR
    assert classes.colour_of(90.0) == SEQUENTIAL_PALETTE[-1]
    assert classify(pd.Series([np.nan])) is None
    two = classify(pd.Series([10.0, 20.0]))
    assert two is not None and len(two.colours) == 2
    html = coverage_map(_figures(), measure="gigabit").get_root().render()
    assert "Gigabit-capable: % of premises" in html and "No figure for this area" in html


def test_attribution_and_offline_assets() -> None:
    fmap = coverage_map(_figures(), measure="gigabit")
    html = fmap.get_root().render()
    for line in ("OS data \\u00a9 Crown copyright", "Ofcom", "OGL v3.0", "OpenStreetMap"):
        assert line in html
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html and "code.jquery" not in html
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    assert "topojson-client" not in html  # the choropleth's own script rebuilds its features
    inlined = inline_assets(html)
    assert "/app/static/vendor/" not in inlined
    assert "Leaflet 1.9" in inlined and "leaflet-container" in inlined


def test_localise_keeps_only_vendored_assets() -> None:
    fmap = localise(folium.Map())
    names = [n for n, _ in fmap.default_js + fmap.default_css]
    assert set(names) <= set(VENDORED) and "leaflet" in names


def test_unknown_measure_is_an_error_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="measure must be one of"):
        coverage_map(_figures(), measure="speed")
    with pytest.raises(ValueError, match="EPSG:4326"):
        choropleth_layer(squares(), measure="gigabit", classes=None)


def test_value_text() -> None:
    assert value_text({"pct_sfbb": 62.5, "n_sfbb": 25, "premises": 40}, "sfbb") == (
        "62.5% (25 of 40 premises)"
    )


def _two_squares() -> gpd.GeoDataFrame:
    """Two unit squares in lon/lat sharing the edge x = 1: B (0–1) and A (1–2)."""
    return gpd.GeoDataFrame(
        {"area_code": ["B", "A"]},
        geometry=[shapely.box(0, 50, 1, 51), shapely.box(1, 50, 2, 51)],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize(
    ("click", "code"),
    [
        (None, None),
        ({}, None),
        ({"lat": None, "lng": None}, None),
        ({"lat": 50.5, "lng": 0.5}, "B"),  # inside B
        ({"lat": 50.5, "lng": 1.5}, "A"),  # inside A
        ({"lat": 50.5, "lng": 1.0}, "A"),  # on the shared edge: the lowest code
        ({"lat": 52.0, "lng": 0.5}, None),  # outside every area
    ],
)
def test_clicked_point_area_is_the_polygon_under_the_cursor(click, code) -> None:
    assert clicked_point_area(click, _two_squares()) == code


@pytest.mark.parametrize(
    "name", ["{{ 'qz' * 3 }}", "{% for i in 'qz' %}{{ i * 3 }}{% endfor %}", "{# c #}", "`${1}`\\"]
)
def test_names_are_never_evaluated_as_templates(name: str) -> None:
    figs = _figures()
    figs.loc[0, "area_name"] = name
    page = coverage_map(figs, measure="gigabit").get_root().render()
    assert "qzqzqz" not in page and "qqqzzz" not in page  # nothing was evaluated
    layer = next(c for c in coverage_map(figs, measure="gigabit")._children.values()
                 if isinstance(c, TopoGeoJson))  # fmt: skip
    shown = layer.data["features"][0]["properties"]["area_name"]
    assert html.unescape(shown) == name  # the browser shows exactly what was typed
    assert "{" not in shown and "`" not in shown
