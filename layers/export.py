"""The public map as ONE self-contained HTML file (``python -m geo export-html OUT.html``).

The file holds the divisions, the chosen public layers, the legend, the attribution, a
heading and an accessible table of the same figures, with Leaflet's JavaScript and CSS
inlined (:func:`layers.assets.inline_assets`). It opens from ``file://`` with no server and no
internet; the basemap tiles are the only thing fetched from the network, and the map works
without them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import folium
import geopandas as gpd

from geo.analysis.coverage import best_figures
from geo.config import ATTRIBUTION_LINES, DEFAULT_MEASURE, LEVELS, MEASURES, SYNTHETIC_LABEL
from geo.errors import SetupError
from geo.geometry.simplify import simplify_for_web
from geo.storage.catalog import Catalog
from layers import render
from layers.assets import inline_assets
from layers.base import registered
from layers.public import TABLE_CSS, public_figures, public_map, table_html

MAP_HEIGHT = (70.0, "vh")
_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1" />'


def public_layer_keys() -> list[str]:
    """Registered layers the public may see (no personal data), in registration order."""
    return [key for key, layer in registered().items() if not layer.personal_data]


def draw_public_layers(records: Mapping[str, gpd.GeoDataFrame]) -> list[folium.FeatureGroup]:
    """Feature groups for the public layers in ``records`` (layer key → EPSG:27700 records).

    Raises
    ------
    ValueError
        If a key is not a registered layer, or names a layer holding personal data.
    """
    layers = registered()
    groups = []
    for key, frame in records.items():
        if key not in layers:
            raise ValueError(f"unknown layer {key!r}; layers are {sorted(layers)}")
        if layers[key].personal_data:
            raise ValueError(
                f"layer {key!r} holds personal data and is never drawn on a public map"
            )
        groups.append(layers[key].draw(frame, public=True, show=True))
    return groups


def export_page(
    areas: gpd.GeoDataFrame,
    figures: gpd.GeoDataFrame,
    *,
    measure: str = DEFAULT_MEASURE,
    title: str,
    overlays: list[folium.FeatureGroup] | None = None,
    synthetic: bool = False,
    release: str = "",
    area_label: str = "Division",
    tiles: bool = True,
) -> str:
    """The self-contained HTML page.

    Parameters
    ----------
    areas
        EPSG:4326 areas for drawing (:func:`geo.geometry.simplify.simplify_for_web` of ``figures``).
    figures
        Figures per area (:func:`geo.analysis.coverage.best_figures`), same index as ``areas``.
    """
    table = public_figures(figures, measure=measure)
    fmap = public_map(areas, table, measure=measure, overlays=overlays or (), tiles=tiles)
    fmap.height = MAP_HEIGHT
    label = MEASURES[measure].label
    caption = f"{label}: % of premises per {area_label.lower()}"
    if release:
        caption += f" (Ofcom Connected Nations, {release})"
    warning = (
        f'<p class="bb-synthetic"><strong>{render.text(SYNTHETIC_LABEL)}.</strong> '
        "These areas and figures are made up, to show how the map works.</p>"
        if synthetic
        else ""
    )
    if (table["figure_from"] == "district").any():
        warning += (
            f"<p>Hatched {render.text(area_label.lower())}s have no figure of their own yet: "
            "they show their district's figure, labelled in the table. Ofcom's output-area "
            f"file{' for ' + render.text(release) if release else ''} gives each its own.</p>"
        )
    top = (
        f'<header class="bb-head"><h1>{render.text(title)}</h1>{warning}'
        f"<p>Each {render.text(area_label.lower())} is coloured by {render.text(label.lower())}; "
        "hover over or tap an area for its figure. The same figures are in the table "
        'below the map. <a href="#figures">Skip to the table</a>.</p></header>'
        '<main><h2 class="bb-visually-hidden">Map</h2><div class="bb-map">'
    )
    bottom = (
        '</div><section id="figures" class="bb-figures"><h2>Figures</h2>'
        f"{table_html(table, measure=measure, caption=caption, area_label=area_label)}"
        "<h2>Sources and licences</h2><ul>"
        + "".join(f"<li>{render.text(line)}</li>" for line in ATTRIBUTION_LINES)
        + "</ul></section></main>"
    )
    style = (
        "<style>"
        + TABLE_CSS
        + ".bb-head,.bb-figures{font:16px/1.45 sans-serif;color:#111;margin:0 auto;"
        "padding:8px 16px;max-width:1100px}.bb-head h1{font-size:1.5rem;margin:8px 0}"
        ".bb-synthetic{background:#fff3cd;border:1px solid #8a6d3b;padding:6px 8px}"
        ".bb-visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;"
        "clip:rect(0 0 0 0);white-space:nowrap}"
        ".bb-map{position:relative}html,body{height:auto}</style>"
    )
    page = render.page_html(fmap)
    page = page.replace("<html>", '<html lang="en">', 1)
    page = re.sub(r'<meta name="viewport"[^>]*/>', _VIEWPORT, page, count=1, flags=re.S)
    page = page.replace("</head>", f"<title>{render.text(title)}</title>{style}</head>", 1)
    page = page.replace("<body>", "<body>" + top, 1).replace("</body>", bottom + "</body>", 1)
    return inline_assets(page)


def build_export(
    cat: Catalog,
    *,
    level: str = "ced",
    measure: str = DEFAULT_MEASURE,
    release: str | None = None,
    layer_records: Mapping[str, gpd.GeoDataFrame] | None = None,
    title: str | None = None,
    tiles: bool = True,
) -> str:
    """:func:`export_page` for one level and release of a catalogue (latest release by default).

    Raises
    ------
    ValueError
        If a layer is not public; :class:`geo.errors.SetupError` (a ValueError) if the
        catalogue has no areas at ``level`` or no coverage.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {sorted(MEASURES)}, not {measure!r}")
    if level not in cat.areas or cat.coverage is None:
        raise SetupError(
            f"the catalogue has no {LEVELS[level].label.lower()} or no coverage: "
            "load them first (python -m geo fetch / import)"
        )
    release = release or cat.releases[-1]
    figures = best_figures(
        cat.coverage, cat.areas[level], release=release,
        postcodes=cat.postcodes, oa_centroids=cat.oa_centroids,
    )  # fmt: skip
    overlays = draw_public_layers(layer_records or {})
    singular = LEVELS[level].singular
    return export_page(
        simplify_for_web(figures), figures, measure=measure,
        title=title or f"Broadband coverage by {singular}", overlays=overlays,
        synthetic=cat.synthetic, release=release, area_label=singular.capitalize(), tiles=tiles,
    )  # fmt: skip


__all__ = ["build_export", "draw_public_layers", "export_page", "public_layer_keys"]
