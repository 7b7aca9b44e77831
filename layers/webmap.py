"""Assemble the Folium maps: basemap with attribution, choropleth, overlays, legend, controls.

Every map leaves here through :func:`finish` (vendored assets, then :func:`layers.render.checked`),
so no map reaches ``st_folium`` or the export without the template check.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, Figure, MacroElement, Template

from geo.config import BOUNDARY_COLOUR, MAP_ATTRIBUTION_LINES, MEASURES
from geo.geometry.crs import to_display
from layers import render
from layers.assets import localise
from layers.choropleth import (
    Classes,
    choropleth_layer,
    classify,
    has_district_figures,
    legend_for,
)
from layers.render import script_json

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MAP_CSS = """<style>
.leaflet-container .leaflet-control-attribution { font: 11px/1.4 sans-serif; color: #222;
  background: rgba(255,255,255,.9); max-width: 70%; }
.leaflet-container .leaflet-control-layers { font: 13px/1.4 sans-serif; }
.leaflet-container a { color: #0b4f8a; }
.leaflet-container:focus-visible { outline: 3px solid #1a5fb4; outline-offset: -3px; }
.leaflet-container:focus-visible::after { content: ""; position: absolute; left: 50%; top: 50%;
  width: 28px; height: 28px; margin: -14px 0 0 -14px; z-index: 1000; pointer-events: none;
  background: linear-gradient(#111, #111) center / 3px 100% no-repeat,
              linear-gradient(#111, #111) center / 100% 3px no-repeat;
  filter: drop-shadow(0 0 1px #fff) drop-shadow(0 0 1px #fff); }
.leaflet-container a:focus-visible, .leaflet-control-layers-toggle:focus-visible {
  outline: 3px solid #1a5fb4; outline-offset: 1px; }
.leaflet-control-layers-toggle { width: 44px; height: 44px; }
@media (max-width: 480px) {
  /* Above the scale bar and the attribution, four lines deep on a phone. */
  .bb-legend { font-size: 11px !important; max-width: 180px !important;
    padding: 4px 6px !important; bottom: 84px !important; }
}
</style>"""
"""Readable, compact controls (12 px text at 4.5:1 or better on the white control background), a
visible focus ring on the map and its controls, and a cross at the map's centre while the map
has keyboard focus: Enter picks the area under it (:class:`KeyboardMap`)."""
KEYBOARD_HELP = (
    "Arrow keys move the map, plus and minus zoom, Enter picks the area under the cross at the "
    "centre. Every figure on the map is also in the table on this page."
)


class KeyboardMap(MacroElement):
    """The map as one Tab stop, operable from the keyboard (WCAG 2.1.1, 2.4.3, 2.4.7).

    Leaflet makes every polygon with a tooltip, every marker and every control a Tab stop (84
    on a county map). Here they all get ``tabindex="-1"`` (also when drawn later); the map
    itself is the stop, labelled with how to use it: arrow keys pan, +/− zoom (Leaflet's own
    keyboard handler), Enter or Space picks the area under the centre by firing a map click
    there, which ``st_folium`` reports as ``last_clicked``. The layer switch stays a control
    of its own. Folium's viewport tag forbids zooming the page (WCAG 1.4.4); it is replaced.
    Leaflet focuses the map on mousedown: here without scrolling, else a map partly out of
    view would jump under the pointer and the click would pick the area below the intended one.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
  var box = map.getContainer(), quiet = {{ this.quiet_json }};
  box.setAttribute("role", "application");
  box.setAttribute("aria-roledescription", "map");
  box.setAttribute("aria-label", {{ this.label_json }});
  function hush() {
    box.querySelectorAll(quiet).forEach(function (e) {
      if (e.getAttribute("tabindex") !== "-1") e.setAttribute("tabindex", "-1");
    });
  }
  hush();
  new MutationObserver(hush).observe(box, {childList: true, subtree: true});
  // Leaflet focuses the map on mousedown; scrolling it into view then would move it under the
  // pointer, and the click would land on another area.
  var focus = box.focus;
  box.focus = function (opts) { focus.call(box, Object.assign({preventScroll: true}, opts)); };
  box.addEventListener("keydown", function (e) {
    if (e.target !== box || (e.key !== "Enter" && e.key !== " ")) return;
    e.preventDefault();
    map.fire("click", {latlng: map.getCenter(), originalEvent: e});
  });
  document.querySelectorAll('meta[name="viewport"]').forEach(function (vp) {
    vp.setAttribute("content", "width=device-width, initial-scale=1");
  });
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, label: str):
        super().__init__()
        self._name = "KeyboardMap"
        quiet = (".leaflet-interactive, .leaflet-marker-icon, .leaflet-control-zoom a, "
                 ".leaflet-control-attribution a, .leaflet-popup-close-button")  # fmt: skip
        self.quiet_json = script_json(quiet)
        self.label_json = script_json(label)


LEGEND_CLEARANCE_PX = 225
"""Height kept clear at the bottom of the fitted view for the legend: its offset above the
scale bar (56 px) and its height with a title and seven swatches (5 classes, hatched, no
figure: about 165 px at 13 px type). At 170 the legend's top reached 218 px above the
bottom edge and covered the south-west divisions of Norfolk."""


def attribution_html(extra: Sequence[str] = ()) -> str:
    """The attribution control's text: OS, ONS/Ofcom (OGL) and OpenStreetMap lines (escaped)."""
    return " | ".join(render.text(line) for line in (*MAP_ATTRIBUTION_LINES, *extra))


def base_map(
    bounds: tuple[float, float, float, float],
    *,
    tiles: bool = True,
    extra_attribution: Sequence[str] = (),
    label: str = "Map",
) -> folium.Map:
    """An empty map fitted to ``bounds`` (minx, miny, maxx, maxy in EPSG:4326).

    ``label`` names the map for screen readers (the keyboard help is added to it).

    The basemap is optional decoration: every layer of ours is vector data drawn by Leaflet,
    so the map still works when tiles cannot load (offline, or blocked by a firewall).
    """
    fmap = folium.Map(
        tiles=None, control_scale=True, zoom_control=True, prefer_canvas=False, zoom_snap=0.25
    )
    root = fmap.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(MAP_CSS), name="bb_map_css")
    attribution = attribution_html(extra_attribution)
    if tiles:
        folium.TileLayer(OSM_TILES, attr=attribution, name="OpenStreetMap", max_zoom=19).add_to(
            fmap
        )
    else:
        # Attribution still shows on a tile-less map: attach it to an empty layer.
        folium.TileLayer("", attr=attribution, name="No basemap").add_to(fmap)
    minx, miny, maxx, maxy = bounds
    # Fitted above the legend (bottom left), so no area sits under it and every area can be
    # clicked; Leaflet's bottom padding only moves the view when the map is wide enough.
    fmap.fit_bounds([[miny, minx], [maxy, maxx]], padding_bottom_right=(0, LEGEND_CLEARANCE_PX))
    KeyboardMap(f"{label}. {KEYBOARD_HELP}").add_to(fmap)
    return fmap


def map_view(
    areas: gpd.GeoDataFrame,
    code: str | None,
    *,
    size_px: tuple[int, int] = (700, 520),
    max_zoom: int = 15,
) -> tuple[dict[str, float] | None, int | None]:
    """Centre and zoom that show area ``code`` of ``areas`` (EPSG:4326) whole on the map.

    For ``st_folium(center=…, zoom=…)``: a pick zooms to the area. ``(None, None)`` when
    nothing is picked (the view stays). The zoom is the largest whole Web Mercator level at
    which the area's bounds fit ``size_px`` (width, height) with a 20% margin, at most
    ``max_zoom``.
    """
    picked = areas[areas["area_code"] == code] if code else areas.iloc[0:0]
    if picked.empty:
        return None, None
    minx, miny, maxx, maxy = picked.total_bounds

    def merc_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    width, height = size_px
    dx = max((maxx - minx) / 360.0, 1e-9)
    dy = max((merc_y(maxy) - merc_y(miny)) / (2 * math.pi), 1e-9)
    zoom = math.floor(math.log2(min(width / (256 * dx), height / (256 * dy)) / 1.2))
    centre = {"lat": float(miny + maxy) / 2, "lng": float(minx + maxx) / 2}
    return centre, max(0, min(max_zoom, zoom))


def coverage_map(
    areas: gpd.GeoDataFrame,
    *,
    measure: str,
    selected: str | None = None,
    overlays: Sequence[folium.FeatureGroup] = (),
    tiles: bool = True,
    legend_note: str = "",
    extra_attribution: Sequence[str] = (),
    palette: tuple[str, ...] | None = None,
    text: pd.Series | None = None,
    fill_opacity: float = 0.75,
    classes: Classes | None = None,
) -> folium.Map:
    """The division map: a choropleth of ``pct_<measure>`` with overlays and a layer control.

    Parameters
    ----------
    areas
        EPSG:4326 areas with figures (from :func:`geo.analysis.coverage.coverage_by_area`, then
        :func:`geo.geometry.simplify.simplify_for_web`).
    measure
        A key of :data:`geo.config.MEASURES`.
    selected
        Area code to outline.
    overlays
        Feature groups drawn by the point layers.
    palette, text, fill_opacity
        Class colours (default :data:`geo.config.SEQUENTIAL_PALETTE`), tooltip text per area
        and fill opacity; the public map passes the accessible palette, opaque.
    classes
        Class breaks already worked out (e.g. cached by the app); default: :func:`classify`.

    Areas with ``figure_from`` = "district" (their district's figure, see
    :func:`geo.analysis.coverage.best_figures`) are hatched, with a legend entry.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {sorted(MEASURES)}, not {measure!r}")
    col = f"pct_{measure}"
    if classes is None and col in areas:
        classes = classify(areas[col]) if palette is None else classify(areas[col], palette=palette)
    fmap = base_map(
        tuple(areas.total_bounds), tiles=tiles, extra_attribution=extra_attribution,
        label=f"Map of {MEASURES[measure].label}, % of premises by area",
    )  # fmt: skip
    choropleth_layer(
        areas, measure=measure, classes=classes, selected=selected, text=text,
        fill_opacity=fill_opacity,
    ).add_to(fmap)  # fmt: skip
    for group in overlays:
        group.add_to(fmap)
    legend_for(measure, classes, note=legend_note, hatched=has_district_figures(areas)).add_to(fmap)
    # Collapsed: on a phone the open list would cover the map; one button opens it.
    folium.LayerControl(collapsed=True).add_to(fmap)
    return finish(fmap)


def preview_map(
    areas: gpd.GeoDataFrame,
    *,
    overlays: Sequence[folium.FeatureGroup] = (),
    tiles: bool = True,
) -> folium.Map:
    """Area outlines (any CRS; names in the tooltip) under point overlays: the upload preview."""
    outlines = to_display(areas[["area_code", "area_name", "geometry"]])
    fmap = base_map(tuple(outlines.total_bounds), tiles=tiles)
    render.geojson(
        outlines, name="Areas", columns=("area_code", "area_name"),
        tooltip_fields=("area_name",), tooltip_aliases=("Area",),
        style=lambda _f: {"color": BOUNDARY_COLOUR, "weight": 1, "fillOpacity": 0},
    ).add_to(fmap)  # fmt: skip
    for group in overlays:
        group.add_to(fmap)
    return finish(fmap)


def feature_host() -> folium.Map:
    """An empty map that a lone feature group is rendered against (``st_folium``'s
    ``feature_group_to_add`` names the real map ``map_div`` in the browser, whatever it was)."""
    return finish(folium.Map(tiles=None))


def finish(fmap: folium.Map) -> folium.Map:
    """The last step of every map builder: vendored assets, then the template check."""
    return render.checked(localise(fmap))


__all__ = [
    "KEYBOARD_HELP",
    "LEGEND_CLEARANCE_PX",
    "KeyboardMap",
    "attribution_html",
    "base_map",
    "coverage_map",
    "feature_host",
    "finish",
    "map_view",
    "preview_map",
]
