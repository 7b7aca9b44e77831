"""Assemble the Folium maps: basemap with attribution, choropleth, overlays, legend, controls.

Every map leaves here through :func:`finish` (vendored assets, then :func:`layers.render.checked`),
so no map reaches ``st_folium`` or the export without the template check.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, Figure

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

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MAP_CSS = """<style>
.leaflet-container .leaflet-control-attribution { font: 11px/1.4 sans-serif; color: #222;
  background: rgba(255,255,255,.9); max-width: 70%; }
.leaflet-container .leaflet-control-layers { font: 13px/1.4 sans-serif; }
.leaflet-container a { color: #0b4f8a; }
</style>"""
"""Readable, compact controls (12 px text at 4.5:1 or better on the white control background)."""
LEGEND_CLEARANCE_PX = 170
"""Height kept clear at the bottom of the fitted view for the legend (about eight lines)."""


def attribution_html(extra: Sequence[str] = ()) -> str:
    """The attribution control's text: OS, ONS/Ofcom (OGL) and OpenStreetMap lines (escaped)."""
    return " | ".join(render.text(line) for line in (*MAP_ATTRIBUTION_LINES, *extra))


def base_map(
    bounds: tuple[float, float, float, float],
    *,
    tiles: bool = True,
    extra_attribution: Sequence[str] = (),
) -> folium.Map:
    """An empty map fitted to ``bounds`` (minx, miny, maxx, maxy in EPSG:4326).

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
    return fmap


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
    fmap = base_map(tuple(areas.total_bounds), tiles=tiles, extra_attribution=extra_attribution)
    choropleth_layer(
        areas, measure=measure, classes=classes, selected=selected, text=text,
        fill_opacity=fill_opacity,
    ).add_to(fmap)  # fmt: skip
    for group in overlays:
        group.add_to(fmap)
    legend_for(measure, classes, note=legend_note, hatched=has_district_figures(areas)).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
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


def finish(fmap: folium.Map) -> folium.Map:
    """The last step of every map builder: vendored assets, then the template check."""
    return render.checked(localise(fmap))


__all__ = ["attribution_html", "base_map", "coverage_map", "finish", "preview_map"]
