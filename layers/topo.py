"""Compact choropleth geometry: TopoJSON with shared arcs, quantised, polyline-encoded.

A division map sends every boundary to the browser. Plain GeoJSON writes each shared edge
twice, as decimal text. Here the areas become a TopoJSON topology (each shared edge stored
once), quantised to a grid of about :data:`GRID_M` metres, and each arc's delta-encoded integers
are packed as an encoded-polyline string (about 1–2 characters per number instead of 4–8).
A few lines of JavaScript unpack the arcs and hand the topology to ``topojson-client``
(vendored under ``static/vendor/topojson``), which rebuilds GeoJSON features for Leaflet.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
import topojson
from branca.element import Template
from folium.elements import JSCSSMixin

from layers.render import script_json

GRID_M = 10.0
"""Quantisation step, in metres: finer than a pixel up to zoom 13 (≈ 19 m per pixel in the UK)."""
OBJECT = "areas"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
"""64 symbols for 6-bit chunks: no quotes, backslashes or braces, so packed arcs need no escaping
in JSON, in a <script> element, or in the Jinja pass folium makes over rendered scripts."""
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def encode_polyline(values: np.ndarray) -> str:
    """Pack integers as in the encoded-polyline algorithm (zig-zag, 5-bit chunks with a
    continuation bit), each 6-bit chunk written as one :data:`ALPHABET` symbol."""
    out: list[str] = []
    for v in np.asarray(values, dtype=np.int64).tolist():
        v = ~(v << 1) if v < 0 else v << 1
        while v >= 0x20:
            out.append(ALPHABET[0x20 | (v & 0x1F)])
            v >>= 5
        out.append(ALPHABET[v])
    return "".join(out)


def decode_polyline(text: str) -> list[int]:
    """Inverse of :func:`encode_polyline` (the JavaScript in the template does the same)."""
    values, shift, result = [], 0, 0
    for ch in text:
        b = _INDEX[ch]
        result |= (b & 0x1F) << shift
        shift += 5
        if b < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            shift, result = 0, 0
    return values


def quantisation_for(areas: gpd.GeoDataFrame, *, grid_m: float = GRID_M) -> int:
    """Grid cells across the larger side of ``areas`` (EPSG:4326) for a ``grid_m`` step."""
    minx, miny, maxx, maxy = areas.total_bounds
    metres_per_degree = 111_320.0
    width = (maxx - minx) * metres_per_degree * math.cos(math.radians((miny + maxy) / 2))
    height = (maxy - miny) * metres_per_degree
    return max(2, math.ceil(max(width, height) / grid_m) + 1)


def packed_topology(areas: gpd.GeoDataFrame, *, grid_m: float = GRID_M) -> dict[str, Any]:
    """``areas`` (EPSG:4326, with properties) as a quantised topology with packed arcs.

    Results are memoised on the geometry and properties, so redrawing an unchanged map (a
    division pick, a layer toggle) does not rebuild the topology.
    """
    if areas.crs is None or areas.crs.to_epsg() != 4326:
        raise ValueError("packed_topology needs EPSG:4326 areas")
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(b"".join(shapely.to_wkb(areas.geometry.to_numpy())))
    digest.update(areas.drop(columns=areas.geometry.name).to_json().encode())
    key = f"{digest.hexdigest()}:{grid_m}"
    if key not in _MEMO:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))  # oldest first
        _MEMO[key] = _packed_json(areas, grid_m)
    return json.loads(_MEMO[key])


_MEMO: dict[str, str] = {}
_MEMO_SIZE = 32


def _packed_json(areas: gpd.GeoDataFrame, grid_m: float) -> str:
    topo = topojson.Topology(
        areas.reset_index(drop=True), prequantize=quantisation_for(areas, grid_m=grid_m),
        topology=True, object_name=OBJECT,
    ).to_dict()  # fmt: skip
    topo["arcs"] = [
        encode_polyline(np.asarray(arc, dtype=np.int64).ravel()) for arc in topo["arcs"]
    ]
    for geom in topo["objects"][OBJECT]["geometries"]:
        geom.pop("id", None)
    topo.pop("bbox", None)
    return json.dumps(topo)


_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var A = "{{ this.alphabet }}", D = {};
  for (var j = 0; j < A.length; j++) D[A.charAt(j)] = j;
  function unpack(s) {
    var v = [], pts = [], i = 0, r = 0, sh = 0, b;
    while (i < s.length) {
      b = D[s.charAt(i++)]; r |= (b & 31) << sh; sh += 5;
      if (b < 32) { v.push(r & 1 ? ~(r >> 1) : r >> 1); r = 0; sh = 0; }
    }
    for (var k = 0; k < v.length; k += 2) pts.push([v[k], v[k + 1]]);
    return pts;
  }
  var topo = {{ this.topology_json }};
  topo.arcs = topo.arcs.map(unpack);
  var opts = {{ this.options_json }};
  var NS = "http://www.w3.org/2000/svg", hatches = {};
  function hatchId(fill) { return "bbh-" + String(fill).replace(/[^0-9a-fA-F]/g, ""); }
  function addHatches(map) {
    // White stripes over the class colour, as SVG patterns in the map's own <svg>.
    var svg = map.getPanes().overlayPane.querySelector("svg");
    if (!svg) return;
    var defs = svg.querySelector("defs");
    if (!defs) defs = svg.insertBefore(document.createElementNS(NS, "defs"), svg.firstChild);
    Object.keys(hatches).forEach(function (fill) {
      var id = hatchId(fill);
      if (svg.querySelector("#" + id)) return;
      var p = document.createElementNS(NS, "pattern");
      p.setAttribute("id", id); p.setAttribute("patternUnits", "userSpaceOnUse");
      p.setAttribute("width", "8"); p.setAttribute("height", "8");
      p.setAttribute("patternTransform", "rotate(45)");
      var bg = document.createElementNS(NS, "rect");
      bg.setAttribute("width", "8"); bg.setAttribute("height", "8");
      bg.setAttribute("fill", fill);
      var stripe = document.createElementNS(NS, "rect");
      stripe.setAttribute("width", "3"); stripe.setAttribute("height", "8");
      stripe.setAttribute("fill", opts.hatch);
      var edge = document.createElementNS(NS, "rect");
      edge.setAttribute("x", "3"); edge.setAttribute("width", "1");
      edge.setAttribute("height", "8"); edge.setAttribute("fill", opts.hatchEdge);
      p.appendChild(bg); p.appendChild(stripe); p.appendChild(edge); defs.appendChild(p);
    });
  }
  var layer = L.geoJson(topojson.feature(topo, topo.objects.areas), {
    style: function (f) {
      var chosen = f.properties.area_code === opts.selected;
      var fill = f.properties.fill;
      if (f.properties.hatch) { hatches[fill] = true; fill = "url(#" + hatchId(fill) + ")"; }
      return {fillColor: fill, fillOpacity: opts.fillOpacity,
              color: chosen ? opts.highlight : opts.boundary, weight: chosen ? 4 : 0.8};
    },
    onEachFeature: function (f, l) {
      l.bindTooltip("<b>" + f.properties.area_name + "</b><br>" + opts.alias + ": "
                    + f.properties.value, {sticky: true});
      l.on("mouseover", function (e) { e.target.setStyle({weight: 3, color: opts.highlight}); });
      l.on("mouseout", function (e) { layer.resetStyle(e.target); });
    }
  });
  layer.on("add", function () { addHatches(this._map); });
  window.{{ this.get_name() }} = layer;
})();
var {{ this.get_name() }} = window.{{ this.get_name() }};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
"""


class TopoGeoJson(JSCSSMixin, folium.map.Layer):
    """A choropleth layer drawn from a packed topology.

    Parameters
    ----------
    areas
        EPSG:4326 areas with already-escaped text properties ``area_code``, ``area_name``,
        ``value`` and the colour ``fill``.
    alias
        Tooltip label for ``value`` (escaped here).
    """

    default_js = [("topojson", "https://cdn.jsdelivr.net/npm/topojson-client@3")]  # noqa: RUF012

    def __init__(
        self,
        areas: gpd.GeoDataFrame,
        *,
        name: str,
        alias: str,
        options: dict[str, Any],
        grid_m: float = GRID_M,
    ):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "TopoGeoJson"
        self.areas = areas
        self.topology_json = script_json(packed_topology(areas, grid_m=grid_m))
        self.options_json = script_json({**options, "alias": alias})
        self.alphabet = ALPHABET
        self._template = Template(_TEMPLATE)

    @property
    def data(self) -> dict[str, Any]:
        """The features as GeoJSON (what the browser rebuilds), for inspection in tests."""
        return json.loads(self.areas.to_json(drop_id=True))


__all__ = ["GRID_M", "TopoGeoJson", "decode_polyline", "encode_polyline", "packed_topology"]
