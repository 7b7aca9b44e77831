"""The map element: a built map's browser parts cached per state, so no rerun rebuilds folium.

``st_folium`` takes a folium map and, on every script run, renders it (Jinja over every
element), turns it into the strings its component sends to the browser (the Leaflet script,
header, html, asset links) and hashes the script to key the component. With the map built
afresh each run as well (choropleth, topology, overlays, the template check of
:func:`layers.render.checked`), that was most of a warm run's server time, and the map's
element reached the browser last.

:func:`show_map` does the same steps as ``st_folium`` but keeps their result -- plain strings
(:class:`MapParts`) -- in ``st.cache_data`` under a key of plain values that changes when the
map would (catalogue and store stamps, level, release, measure, overlays …). The map is
built only on a miss; every other run, and every new visitor, sends the stored strings. Only
the parts that change without a rebuild (the view, the picked area's outline) are made per run.
Nothing mutable is shared between sessions: each run gets its own copy of the strings.

The steps are streamlit-folium's own helpers (``tests/test_mapview.py`` checks that the
component receives exactly what ``st_folium`` would send for the same map).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import folium
import streamlit as st
import streamlit_folium as stf

from layers.webmap import feature_host

__all__ = ["MapParts", "map_parts", "next_view", "show_map"]


@dataclass(frozen=True)
class MapParts:
    """What ``st_folium`` sends to its component for one map, before the per-run options."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: dict[str, dict[str, float | None]]
    zoom: Any


def _bounds(bounds: list[list[float | None]]) -> dict[str, dict[str, float | None]]:
    (s, w), (n, e) = bounds
    return {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}}


def _assets(fmap: folium.Map) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """CSS and JS links of every element, in ``st_folium``'s order, each once."""
    css: list[str] = []
    js: list[str] = []

    def walk(element: Any) -> Iterable[Any]:
        if isinstance(element, folium.elements.JSCSSMixin):
            yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(fmap):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js))


def map_parts(fmap: folium.Map) -> MapParts:
    """The strings ``st_folium`` makes from ``fmap`` (renders it; ``fmap`` is used up)."""
    fmap.get_root().render()
    fmap.render()
    html = stf._get_html(fmap)
    header = stf._get_header(fmap)
    script = stf._get_map_string(fmap)
    try:
        bounds = fmap.get_bounds()
    except AttributeError:
        bounds = [[None, None], [None, None]]
    css, js = _assets(fmap)
    return MapParts(script=script, header=header, html=html, map_id=stf.get_full_id(fmap),
                    css_links=css, js_links=js, bounds=_bounds(bounds),
                    zoom=fmap.options.get("zoom"))  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=64)
def _parts(key: str, cache_key: str, _build: Callable[[], folium.Map]) -> tuple[MapParts, str]:
    """The parts of the map ``cache_key`` names, and the component's key (``st_folium``'s hash
    of the script and ``key``)."""
    del cache_key  # the cache key only
    parts = map_parts(_build())
    return parts, stf.generate_js_hash(parts.script, key, False)


def _defaults(parts: MapParts, returned_objects: list[str]) -> dict[str, Any]:
    """The component's value before any interaction (``st_folium``'s, for these objects)."""
    every = dict.fromkeys(
        ("last_clicked", "last_object_clicked", "last_object_clicked_count",
         "last_object_clicked_tooltip", "last_object_clicked_popup", "all_drawings",
         "last_active_drawing", "bounds", "zoom", "last_circle_radius", "last_circle_polygon",
         "selected_layers", "selected_tags", "last_geocoder_result")
    )  # fmt: skip
    every.update(bounds=parts.bounds, zoom=parts.zoom)
    return {k: v for k, v in every.items() if k in returned_objects}


def _feature_groups(groups: folium.FeatureGroup | list[folium.FeatureGroup] | None) -> str | None:
    if groups is None:
        return None
    host = feature_host()
    groups = [groups] if isinstance(groups, folium.FeatureGroup) else groups
    return "".join(stf._get_feature_group_string(g, map=host, idx=i) for i, g in enumerate(groups))


View = tuple[dict[str, float] | None, float | None]


def next_view(center: dict[str, float] | None, zoom: float | None, last: View | None) -> View:
    """The centre and zoom to send, given the ones sent last time on this map.

    streamlit-folium's frontend moves the map when the centre differs from the last one it got,
    but re-applies the zoom only when *it* differs: after a person zooms out, a pick whose zoom
    equals the previous pick's would pan without zooming in. A new centre at the same zoom is
    sent with ``zoom + 0.001`` (Leaflet snaps it to the same level); an unchanged centre goes
    with exactly the values sent before, so a rerun for anything else never moves the map.

    Examples
    --------
    >>> a, b = {"lat": 52.6, "lng": 1.3}, {"lat": 52.5, "lng": 0.5}
    >>> next_view(b, 11, (a, 11))
    ({'lat': 52.5, 'lng': 0.5}, 11.001)
    >>> next_view(b, 11, (b, 11.001))
    ({'lat': 52.5, 'lng': 0.5}, 11.001)
    >>> next_view(b, 10, (a, 11))
    ({'lat': 52.5, 'lng': 0.5}, 10)
    """
    if center is None or zoom is None or last is None or last[1] is None:
        return center, zoom
    last_center, last_zoom = last
    if center == last_center:
        return center, last_zoom
    return center, zoom + 0.001 if zoom == last_zoom else zoom


def show_map(
    build: Callable[[], folium.Map],
    *,
    cache_key: Iterable[object],
    key: str,
    height: int,
    returned_objects: list[str],
    center: dict[str, float] | None = None,
    zoom: float | None = None,
    feature_group_to_add: folium.FeatureGroup | list[folium.FeatureGroup] | None = None,
) -> dict[str, Any] | None:
    """``st_folium(build(), key=…, use_container_width=True, …)``, building only on a cache miss.

    Parameters
    ----------
    build
        Makes the map (a builder from :mod:`layers.webmap` / :mod:`layers.public`).
    cache_key
        Plain values that together decide the map ``build`` makes (a :class:`views.state.Key`,
        level, release, measure, overlays …): equal keys must mean equal maps.
    key, height, returned_objects, center, zoom, feature_group_to_add
        As for ``st_folium`` (the map always fills its container's width).

    Returns
    -------
    dict or None
        ``st_folium``'s return value: the ``returned_objects`` from the last interaction.
    """
    parts, hash_key = _parts(key, "|".join(map(str, cache_key)), build)
    center, zoom = next_view(center, zoom, st.session_state.get(f"{key}__view"))
    st.session_state[f"{key}__view"] = (center, zoom)

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    return stf._component_func(  # type: ignore[no-any-return]
        script=parts.script, header=parts.header, html=parts.html, id=parts.map_id,
        key=hash_key, height=height, width=None, returned_objects=returned_objects,
        default=_defaults(parts, returned_objects), zoom=zoom, center=center,
        feature_group=_feature_groups(feature_group_to_add), return_on_hover=False,
        layer_control=None, pixelated=False, css_links=list(parts.css_links),
        js_links=list(parts.js_links), on_change=on_change, wrap_longitude=False,
    )  # fmt: skip
