"""The map's keyboard model and the zoom to a picked area, checked on the folium structure."""

from __future__ import annotations

import folium
import geopandas as gpd
import pytest
import shapely

from layers.webmap import KEYBOARD_HELP, KeyboardMap, coverage_map, map_view

# A 0.02° × 0.02° square in Norwich (about 1.4 km × 2.2 km) and a county-sized box.
SMALL = shapely.box(1.29, 52.62, 1.31, 52.64)
LARGE = shapely.box(0.15, 52.35, 1.75, 52.99)


def _areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "area_code": ["A", "B"],
            "area_name": ["Small", "Large"],
            "pct_gigabit": [10.0, 90.0],
            "n_gigabit": [10.0, 90.0],
            "premises": [100.0, 100.0],
        },
        geometry=[SMALL, LARGE],
        crs="EPSG:4326",
    )


def test_map_view_centres_and_zooms_to_fit_the_picked_area() -> None:
    centre, zoom = map_view(_areas(), "A")
    assert centre == pytest.approx({"lat": 52.63, "lng": 1.30})
    # At zoom 14 the square is 233 × 386 px (× 1.2 margin: 280 × 463) inside 700 × 520;
    # at 15 it would be 926 px tall.
    assert zoom == 14
    assert map_view(_areas(), "B")[1] == 9  # the county box fits at zoom 9
    assert map_view(_areas(), None) == (None, None)
    assert map_view(_areas(), "no such code") == (None, None)


def test_coverage_map_is_one_labelled_tab_stop_with_a_collapsed_layer_switch() -> None:
    fmap = coverage_map(_areas(), measure="gigabit", tiles=False)
    keyboard = [c for c in fmap._children.values() if isinstance(c, KeyboardMap)]
    controls = [c for c in fmap._children.values() if isinstance(c, folium.LayerControl)]
    assert len(keyboard) == 1 and len(controls) == 1
    assert controls[0].options["collapsed"] is True
    page = fmap.get_root().render()
    assert '"Map of Gigabit-capable, % of premises by area. ' + KEYBOARD_HELP + '"' in page
    assert 'setAttribute("role", "application")' in page
    # Polygons, markers, zoom buttons and attribution links leave the Tab order.
    assert ".leaflet-interactive, .leaflet-marker-icon, .leaflet-control-zoom a" in page
    assert 'e.setAttribute("tabindex", "-1")' in page
    # Enter (or Space) on the map fires a click at its centre: st_folium's last_clicked.
    assert 'map.fire("click", {latlng: map.getCenter()' in page
    # Folium's viewport tag forbids zooming the page; the script replaces it in the browser.
    assert 'vp.setAttribute("content", "width=device-width, initial-scale=1")' in page


def test_keyboard_label_cannot_end_the_script_or_reach_jinja() -> None:
    fmap = folium.Map()
    KeyboardMap("</script><script>alert(1)</script> {{ 7*7 }}").add_to(fmap)
    page = fmap.get_root().render()
    assert "</script><script>alert(1)" not in page
    # Braces inside script strings are \u escapes: never a Jinja tag, never evaluated.
    assert "\\u007b\\u007b 7*7 \\u007d\\u007d" in page and " 49" not in page
