"""The one way data reaches a folium map: escaped once, carried as data, checked before rendering.

Why this module exists
----------------------
Folium renders in **two Jinja passes**. Pass 1 renders each element's macros, substituting
values (names, codes, GeoJSON); branca then wraps each macro's output in a new ``Element``,
which compiles that text as a *template* and renders it again (pass 2) when the page is
assembled -- in ``Figure.render``, which both ``st_folium`` and the static export call. So a
value that brings ``{{ … }}`` or ``{% … %}`` into pass 1's output is *executed on the server*
in pass 2 (``{{ lipsum.__globals__.os.makedirs('x') }}`` in a boundary name made directories).

The design: three rules, each closing the hole on its own
---------------------------------------------------------
1. **Text from data enters a map only through this module, escaped once.** :func:`text`
   writes ``<>&"'`` as HTML entities and also the Jinja braces, the backtick, ``$`` and the
   backslash (:func:`layers.text.esc`), so no Jinja delimiter and no JavaScript
   template-literal syntax can come out of a value, and the browser still shows exactly what
   was typed. The builders here are the only code that makes folium objects carrying text:
   :func:`geojson` (every property given passes through :func:`text`; numbers stay numbers),
   :func:`tooltip`, :func:`popup` (a jQuery-free popup of escaped HTML), :func:`marker`,
   :func:`circle`, :func:`group` (layer-control names). ``tests/test_render_paths.py`` fails
   if any other module in ``layers/`` or ``views/`` builds such an object itself.
2. **Data travels as JSON data, never as template text.** GeoJSON and option objects are
   serialised with :func:`script_json` (used by :mod:`layers.topo`), which also writes ``{``,
   ``}`` and ``<`` inside JSON strings as ``\\u007b``, ``\\u007d``, ``\\u003c``: a value can
   neither open a Jinja tag nor close the ``<script>``.
3. **Nothing is rendered until it is checked.** :func:`checked` (called by every map builder
   in ``layers/`` as its last step, by :func:`checked_group` for a group handed to
   ``st_folium`` on its own, and by :func:`page_html`) runs pass 1 of every element and raises
   :class:`UnsafeMapError` if a Jinja delimiter (``{{``, ``{%``, ``{#``) survived into text that
   pass 2 would compile. A missed escape is then a refusal with a message, never code run.

Pass 1 is the only pass whose templates are code (folium's and ours); after the check, pass 2
is an identity on text that holds no delimiter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from layers.text import esc

JINJA_DELIMITER = re.compile(r"\{[{%#]")
"""What would open a Jinja tag in pass 2."""
KNOWN_TEMPLATES: frozenset[str] = frozenset()
"""Plain ``Element`` template strings allowed to hold Jinja syntax (none: ours hold none)."""


class UnsafeMapError(ValueError):
    """A map would have evaluated text as a template; it is refused, not rendered."""


def text(value: object) -> str:
    """``value`` as map text: HTML-escaped, with no Jinja or template-literal syntax left."""
    return esc(value)


def script_json(value: Any) -> str:
    """JSON for a ``<script>``: strings cannot open a Jinja tag or close the script element."""
    out = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    # Structural braces are followed by '"' or '}' in compact JSON, so "{{", "{%" and "{#" can
    # only come from strings; write every brace and '<' inside strings as a \u escape.
    return _STRING.sub(lambda m: _ESCAPES_RE.sub(_escape_char, m.group(0)), out)


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_ESCAPES_RE = re.compile(r"[{}<>&\u2028\u2029]")


def _escape_char(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


# --- Builders: the only code that puts text from data into folium objects ------------------------


def properties(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Feature properties: numbers stay numbers (NaN is null), the rest through :func:`text`."""
    out: list[dict[str, Any]] = []
    numeric = {c: pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
        frame[c]) for c in columns}  # fmt: skip
    for row in frame[list(columns)].itertuples(index=False, name=None):
        props: dict[str, Any] = {}
        for col, value in zip(columns, row, strict=True):
            if numeric[col]:
                props[col] = None if pd.isna(value) else float(value)
            else:
                props[col] = text(value)
        out.append(props)
    return out


def feature_collection(frame: gpd.GeoDataFrame, columns: Sequence[str]) -> dict[str, Any]:
    """``frame`` (EPSG:4326) as a GeoJSON FeatureCollection with escaped ``columns`` only."""
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise ValueError("map layers draw EPSG:4326 frames; use geo.geometry.crs.to_display")
    geometries = json.loads(frame.geometry.to_json(drop_id=True))["features"]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": g["geometry"], "properties": p}
            for g, p in zip(geometries, properties(frame, columns), strict=True)
        ],
    }


def geojson(
    frame: gpd.GeoDataFrame,
    *,
    name: str,
    columns: Sequence[str] = (),
    style: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    tooltip_fields: Sequence[str] = (),
    tooltip_aliases: Sequence[str] = (),
    interactive: bool = True,
    control: bool = True,
) -> folium.GeoJson:
    """A GeoJSON layer of ``frame`` (EPSG:4326) carrying only ``columns``, each escaped.

    ``style`` maps a feature (with the escaped properties) to Leaflet path options; tooltip
    fields must be among ``columns`` and their aliases are escaped too.
    """
    missing = set(tooltip_fields) - set(columns)
    if missing:
        raise ValueError(f"tooltip fields {sorted(missing)} are not among the columns drawn")
    tip = None
    if tooltip_fields:
        tip = folium.GeoJsonTooltip(
            list(tooltip_fields), aliases=[text(a) for a in tooltip_aliases] or None
        )
    return folium.GeoJson(
        feature_collection(frame, columns),
        name=text(name),
        style_function=style,
        tooltip=tip,
        interactive=interactive,
        control=control,
    )


def tooltip(value: object, *, sticky: bool = True) -> folium.Tooltip:
    """A tooltip showing ``value`` as typed."""
    return folium.Tooltip(text(value), sticky=sticky)


def popup_html(title: object, fields: Iterable[tuple[str, object]]) -> str:
    """A small table for a popup; every label and value escaped (blank values left out)."""
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:6px'>{text(k)}</th><td>{text(v)}</td></tr>"
        for k, v in fields
        if text(v)
    )
    return f"<b>{text(title)}</b><table>{rows}</table>"


class PlainPopup(folium.Popup):
    """A :class:`folium.Popup` that needs no jQuery.

    Folium's popup builds its content with ``$(`…`)[0]``; jQuery is not served (see
    :mod:`layers.assets`), so that popup would stop the whole map script. This one parses the
    same (escaped) HTML with a ``<template>`` element.
    """

    _template = Template(
        """
        var {{this.get_name()}} = L.popup({{ this.options|tojavascript }});
        {% for name, element in this.html._children.items() %}
            var {{ name }} = (function () {
                var t = document.createElement("template");
                t.innerHTML = `{{ element.render(**kwargs).replace('\\n',' ') }}`.trim();
                return t.content.firstChild;
            })();
            {{ this.get_name() }}.setContent({{ name }});
        {% endfor %}
        {{ this._parent.get_name() }}.bindPopup({{ this.get_name() }});
    """
    )


def popup(
    title: object, fields: Iterable[tuple[str, object]], *, max_width: int = 300
) -> PlainPopup:
    """A jQuery-free popup: ``title`` in bold over a table of ``fields``, all escaped."""
    return PlainPopup(popup_html(title, fields), max_width=max_width)


def marker(
    location: tuple[float, float],
    *,
    label: object,
    icon_html: str,
    icon_size: tuple[int, int],
    class_name: str = "",
    popup_title: object,
    popup_fields: Iterable[tuple[str, object]],
) -> folium.Marker:
    """A marker with an HTML icon (built by the caller from :func:`text` pieces), a tooltip
    and a popup; ``label`` and the popup's text are escaped here."""
    return folium.Marker(
        location,
        icon=folium.DivIcon(html=icon_html, icon_size=icon_size, class_name=class_name,
                            icon_anchor=(icon_size[0] // 2, icon_size[1] // 2)),
        tooltip=tooltip(label),
        popup=popup(popup_title, popup_fields),
    )  # fmt: skip


def circle(
    location: tuple[float, float],
    *,
    label: object,
    popup_title: object | None = None,
    popup_fields: Iterable[tuple[str, object]] = (),
    **path: Any,
) -> folium.CircleMarker:
    """A circle marker with an escaped tooltip and (when ``popup_title``) an escaped popup.

    ``path`` holds Leaflet path options (``radius``, ``color``, ``fill_color`` …): constants,
    never data.
    """
    return folium.CircleMarker(
        location,
        tooltip=tooltip(label),
        popup=None if popup_title is None else popup(popup_title, popup_fields),
        **path,
    )


def group(title: object, *, show: bool = True, control: bool = True) -> folium.FeatureGroup:
    """A feature group named (escaped) for the layer control."""
    return folium.FeatureGroup(name=text(title), show=show, control=control)


# --- The check --------------------------------------------------------------------------------


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _template_texts(element: Element) -> Iterator[tuple[str, str]]:
    """What pass 2 would compile for ``element``: its macros' output, or its own template text."""
    if isinstance(element, folium.Popup):
        # folium's Popup renders its whole template (no macros) into the figure's script.
        yield "script", element._template.render(this=element, kwargs={})
    elif isinstance(element, MacroElement):
        module = element._template.module
        for part in ("header", "html", "script"):
            macro = getattr(module, part, None)
            if macro is not None:
                yield part, str(macro(element, {}))
    elif element._template_str is not None and element._template_str not in KNOWN_TEMPLATES:
        yield "template", element._template_str


def _describe(element: Element) -> str:
    name = getattr(element, "layer_name", None) or element._name
    return f"{type(element).__name__} {name!r}"


def check(element: Element) -> None:
    """Raise :class:`UnsafeMapError` if rendering ``element`` would evaluate text as Jinja.

    ``element`` is a map, or any part of one (a group without a parent is checked as if it
    were on an empty map). The figure's own header, body and script parts are checked too.
    """
    if element._parent is None and not isinstance(element, (folium.Map, Figure)):
        holder = folium.Map(tiles=None)
        element._parent = holder
        try:
            check(element)
        finally:
            element._parent = None
        return
    elements = list(_walk(element))
    root = element.get_root()
    if isinstance(root, Figure) and element is not root:
        for section in (root.header, root.html, root.script):
            elements.extend(_walk(section))
    for el in elements:
        for part, rendered in _template_texts(el):
            found = JINJA_DELIMITER.search(rendered)
            if found:
                start = max(0, found.start() - 40)
                raise UnsafeMapError(
                    f"refused to draw the map: {_describe(el)} would hand template syntax "
                    f"({rendered[start : found.end() + 40]!r}) to folium's second template pass "
                    f"in its {part}; text must reach a map through layers.render"
                )


def checked(fmap: folium.Map) -> folium.Map:
    """``fmap`` after :func:`check` (the last step of every map builder)."""
    check(fmap)
    return fmap


def checked_group(group: folium.FeatureGroup) -> folium.FeatureGroup:
    """``group`` after :func:`check` (for a group ``st_folium`` adds to the map itself)."""
    check(group)
    return group


def page_html(fmap: folium.Map) -> str:
    """The whole page for ``fmap``, rendered only after :func:`check`."""
    check(fmap)
    root = fmap.get_root()
    assert isinstance(root, Figure)
    return root.render()


__all__ = [
    "JINJA_DELIMITER",
    "PlainPopup",
    "UnsafeMapError",
    "check",
    "checked",
    "checked_group",
    "circle",
    "feature_collection",
    "geojson",
    "group",
    "marker",
    "page_html",
    "popup",
    "popup_html",
    "properties",
    "script_json",
    "text",
    "tooltip",
]
