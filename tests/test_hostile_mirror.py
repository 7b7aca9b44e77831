"""A hostile or compromised ArcGIS mirror (``geo fetch --service-root``) cannot run code.

The loopback FeatureServer of tests/test_arcgis.py serves the recorded CED layer with every
division renamed to a template-injection, Markdown or mathtext attack. ``python -m geo fetch``
stores the names as typed; every map drawn from them renders through both Jinja passes without
creating the marker directory or evaluating anything.
"""

from __future__ import annotations

import copy
import html
from pathlib import Path

import pytest

from geo.__main__ import main
from geo.settings import load_settings
from geo.storage.catalog import load_catalog
from tests import test_arcgis
from tests.hostile_support import MARKER, assert_not_evaluated, map_texts, page_html

replay = test_arcgis.replay
NAMES = [
    "{{ lipsum.__globals__.os.makedirs('" + MARKER + "') }}",
    "{% for i in 'qz' %}{{ i * 3 }}{% endfor %}",
    "![x](http://127.0.0.1:9/x.png)",
    "<img src=x onerror=alert(1)>",
    "$\\frac{}{}",
]


def test_names_from_a_hostile_mirror_are_stored_as_typed_and_never_run(
    replay: test_arcgis.ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.geometry.simplify import simplify_for_web
    from layers.choropleth import selection_layer
    from layers.webmap import coverage_map, preview_map

    layer = copy.deepcopy(test_arcgis.load("ced_layer.json"))
    for feature, name in zip(layer["features"], NAMES, strict=False):  # 7 features, 5 names
        feature["attributes"]["CED25NM"] = name
    replay.add(f"{test_arcgis.CED}/query", responder=test_arcgis.feature_server(layer))
    lookup = test_arcgis.feature_server(test_arcgis.load("ward_ced_lookup.json"))
    replay.add(f"{test_arcgis.LOOKUP}/query", responder=lookup)
    monkeypatch.chdir(tmp_path)  # a relative makedirs would land here
    root = replay.url("/arcgis/rest/services")
    assert main(["fetch", "--county", "E10000020", "--service-root", root]) == 0

    areas = load_catalog(load_settings().boundaries_path).areas["ced"]
    assert set(NAMES) <= set(areas["area_name"])  # stored exactly as served
    areas["premises"], areas["n_gigabit"], areas["pct_gigabit"] = 10.0, 5.0, 50.0
    areas["method"] = "postcode centroids"
    web = simplify_for_web(areas)
    officer = coverage_map(web, measure="gigabit", selected=str(areas["area_code"].iloc[0]))
    selection_layer(web, str(areas["area_code"].iloc[0])).add_to(officer)
    for fmap in (officer, preview_map(areas, tiles=False)):
        page = page_html(fmap)
        assert_not_evaluated(page, cwd=tmp_path)
        assert "<img src=x" not in page
        assert set(NAMES) <= {html.unescape(t) for t in map_texts(fmap)}
    assert not (tmp_path / MARKER).exists()
