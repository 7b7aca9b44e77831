"""One rendering path for every folium map: hostile text is shown as typed and never run.

Each map the app builds (officer map, public map, selection outline, upload preview, planner
gap map, static export, every point layer) gets a name and a code that would run Python in
folium's second Jinja pass. Rendering the page the way ``st_folium`` and the export do must
create no marker directory, evaluate nothing, and keep the text (escaped) in the data.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.analysis.reach import Reach
from geo.config import WORKING_CRS
from geo.geometry.simplify import simplify_for_web
from layers import registered, render
from layers.choropleth import selection_layer
from layers.export import export_page
from layers.gapmap import gap_map
from layers.public import public_figures, public_map
from layers.webmap import coverage_map, preview_map
from tests.squares import at, squares

EVAL = "{{ 'qz' * 3 }}"
EVALUATED = "qzqzqz"


def lipsum(marker: Path) -> str:
    """A Jinja expression that creates ``marker`` when a template evaluates it."""
    return "{{ lipsum.__globals__.os.makedirs('" + str(marker) + "') }}"


def _hostile_areas(marker: Path) -> gpd.GeoDataFrame:
    sq = squares()
    sq["area_name"] = [lipsum(marker), EVAL, "{% for i in 'ab' %}{{ i * 3 }}{% endfor %}"]
    sq["area_code"] = ["{{ 7*7 }}" + lipsum(marker / "code"), "E58000002", "{# c #}E58000003"]
    sq["premises"] = [40.0, 60.0, 10.0]
    sq["n_gigabit"] = [5.0, 60.0, 1.0]
    sq["pct_gigabit"] = [12.5, 100.0, 10.0]
    sq["method"] = ["postcode centroids"] * 3
    return sq


def _page(fmap: folium.Map) -> str:
    """Render the page as st_folium and the export do (both Jinja passes)."""
    return fmap.get_root().render()


def _assert_safe(page: str, marker: Path) -> None:
    assert not marker.exists(), "a name ran Python on the server"
    assert EVALUATED not in page and "aaabbb" not in page
    assert "{{" not in page.replace("{{'", "")  # no Jinja tag left for a later pass either


def test_officer_and_public_maps_and_export(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    areas = _hostile_areas(marker)
    web = simplify_for_web(areas)
    for fmap in (
        coverage_map(web, measure="gigabit", selected=str(areas.loc[0, "area_code"])),
        public_map(web, public_figures(areas, measure="gigabit"), measure="gigabit"),
    ):
        page = _page(fmap)
        _assert_safe(page, marker)
    export = export_page(web, areas, measure="gigabit", title=EVAL, tiles=False)
    _assert_safe(export, marker)
    assert html.escape(EVAL) in export or "&#123;&#123;" in export


def test_selection_outline_with_hostile_code(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    web = simplify_for_web(_hostile_areas(marker))
    code = str(web.loc[0, "area_code"])
    fmap = coverage_map(web, measure="gigabit")
    selection_layer(web, code).add_to(fmap)  # as st_folium's feature_group_to_add does
    _assert_safe(_page(fmap), marker)


def test_upload_preview_map_with_hostile_names(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    areas = _hostile_areas(marker)
    fmap = preview_map(areas, tiles=False)
    page = _page(fmap)
    _assert_safe(page, marker)
    layer = next(c for c in fmap._children.values() if isinstance(c, folium.GeoJson))
    shown = [html.unescape(f["properties"]["area_name"]) for f in layer.data["features"]]
    assert shown == list(areas["area_name"])  # the browser shows exactly what was typed


def test_planner_gap_map_with_hostile_names_codes_and_sites(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    areas = _hostile_areas(marker)
    scores = pd.DataFrame(
        {"score": [80.0, 20.0, np.nan], "rank": [1.0, 2.0, np.nan]},
        index=pd.Index(areas["area_code"], name="area_code"),
    )
    anchors = gpd.GeoDataFrame(
        {"name": [lipsum(marker / "site"), "<img src=x onerror=alert(1)>"]},
        geometry=[shapely.Point(*at(500, 500)), shapely.Point(*at(1500, 500))],
        crs=WORKING_CRS,
    )
    buffers = gpd.GeoDataFrame(
        {"radius_m": [100.0]}, geometry=[shapely.Point(*at(500, 500)).buffer(100)], crs=WORKING_CRS
    )
    reach = Reach(
        buffers=buffers,
        union=buffers.union_all(),
        points=buffers.iloc[:0],
        lacking_gigabit=0,
        premises=0,
        areas=pd.DataFrame(),
    )
    fmap = gap_map(simplify_for_web(areas), scores, reach=reach, anchors=anchors, tiles=False)
    page = _page(fmap)
    _assert_safe(page, marker)
    assert "<img src=x" not in page


@pytest.mark.parametrize("key", ["anchors", "pilots", "vouchers"])
def test_point_layers_with_hostile_text(tmp_path: Path, key: str) -> None:
    marker = tmp_path / "MARKER"
    payload = lipsum(marker) + "`${alert(1)}`\\"
    point = shapely.Point(*at(500, 500))
    fields = {
        "anchors": {"site_type": "school", "name": payload, "identifier": payload,
                    "fibre_status": "planned", "postcode": payload},
        "pilots": {"programme": payload, "site_name": payload, "kind": "training",
                   "start_date": pd.Timestamp("2024-01-01"), "end_date": pd.NaT,
                   "people_helped": 3.0},
        "vouchers": {"reference": payload, "status": "applied", "premises_type": payload,
                     "date": pd.Timestamp("2024-01-01"), "value": 1.0, "supplier": payload,
                     "postcode": payload},
    }[key]  # fmt: skip
    records = gpd.GeoDataFrame({k: [v] for k, v in fields.items()}, geometry=[point],
                               crs=WORKING_CRS)  # fmt: skip
    group = registered()[key].draw(records, public=False, show=True)
    fmap = coverage_map(simplify_for_web(_hostile_areas(marker)), measure="gigabit",
                        overlays=[group])  # fmt: skip
    page = _page(fmap)
    _assert_safe(page, marker)
    assert "${alert(1)}" not in page


def test_the_check_refuses_text_that_bypassed_the_builders(tmp_path: Path) -> None:
    """A folium object built around the render path (raw text) is refused, not rendered."""
    marker = tmp_path / "MARKER"
    for bad in (
        folium.Tooltip(lipsum(marker)),
        folium.GeoJson({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"n": lipsum(marker)},
            "geometry": {"type": "Point", "coordinates": [1.0, 52.0]}}]}),
        folium.Popup(lipsum(marker)),
    ):  # fmt: skip
        fmap = folium.Map(tiles=None)
        if isinstance(bad, folium.Tooltip | folium.Popup):
            folium.Marker((52.0, 1.0)).add_child(bad).add_to(fmap)
        else:
            bad.add_to(fmap)
        with pytest.raises(render.UnsafeMapError, match="second template pass"):
            render.checked(fmap)
        with pytest.raises(render.UnsafeMapError):
            render.page_html(fmap)
    group = folium.FeatureGroup(name="x")
    folium.Marker((52.0, 1.0), tooltip=EVAL).add_to(group)
    with pytest.raises(render.UnsafeMapError):
        render.checked_group(group)  # a lone group (st_folium's feature_group_to_add)
    assert group._parent is None
    assert not marker.exists()


def test_script_json_leaves_no_tag_or_script_end() -> None:
    value = {"a": "{{ x }}{% y %}{# z #}</script><!--", "b": [1.5, None], "c": {"d": {}}}
    out = render.script_json(value)
    assert render.JINJA_DELIMITER.search(out) is None and "</" not in out
    assert json.loads(out) == value


def test_properties_escape_text_and_keep_numbers() -> None:
    frame = pd.DataFrame({"name": ["<b>{{x}}</b>", None], "n": [1.5, np.nan]})
    props = render.properties(frame, ["name", "n"])
    assert props == [{"name": "&lt;b&gt;&#123;&#123;x&#125;&#125;&lt;/b&gt;", "n": 1.5},
                     {"name": "", "n": None}]  # fmt: skip
