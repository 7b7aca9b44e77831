"""The map's JavaScript and CSS, served from this project rather than a CDN.

Council networks and this project's test machines may block CDNs; the map must still draw.
Leaflet and Leaflet.markercluster are vendored under ``static/vendor``
(their licences beside them). :func:`localise` points a Folium map at them;
:func:`inline_assets` embeds them in one self-contained HTML file for the static export.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import folium
from branca.element import Element

from geo.config import PROJECT_ROOT

VENDOR_DIR = PROJECT_ROOT / "static" / "vendor"
SERVED_AT = "/app/static/vendor/"
"""Where Streamlit serves ``static/vendor`` (``server.enableStaticServing``)."""

VENDORED: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "markerclusterjs": "markercluster/leaflet.markercluster.js",
    "markerclustercss": "markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css",
}
"""Folium asset name → file under ``static/vendor``. Assets not listed (jQuery, Bootstrap,
Font Awesome) are dropped: the project's layers draw with plain Leaflet only."""


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def localise(fmap: folium.Map, *, base_url: str = SERVED_AT) -> folium.Map:
    """Point every element of ``fmap`` at the vendored assets (in place; returns the map)."""
    for element in _walk(fmap):
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if links:
                setattr(
                    element, attr, [(n, base_url + VENDORED[n]) for n, _ in links if n in VENDORED]
                )
    return fmap


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def inline_assets(page: str, *, base_url: str = SERVED_AT) -> str:
    """Replace links to vendored files in ``page`` with their content (one self-contained file)."""

    def script(match: re.Match[str]) -> str:
        body = (VENDOR_DIR / match.group(1)).read_text(encoding="utf-8")
        return "<script>" + body.replace("</script", "<\\/script") + "</script>"

    def style(match: re.Match[str]) -> str:
        css_path = VENDOR_DIR / match.group(1)
        css = css_path.read_text(encoding="utf-8")
        css = re.sub(
            r"url\((images/[^)]+\.png)\)",
            lambda m: f"url({_data_uri(css_path.parent / m.group(1))})",
            css,
        )
        return f"<style>{css}</style>"

    prefix = re.escape(base_url)
    page = re.sub(rf'<script src="{prefix}([^"]+)"></script>', script, page)
    return re.sub(rf'<link rel="stylesheet" href="{prefix}([^"]+)"\s*/?>', style, page)


__all__ = ["SERVED_AT", "VENDORED", "inline_assets", "localise"]
