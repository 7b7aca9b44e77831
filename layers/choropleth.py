"""The coverage choropleth: classes, colours, legend, tooltips, and the click → area rule."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement, Template

from geo.config import (
    BOUNDARY_COLOUR,
    HATCH_COLOUR,
    HATCH_EDGE_COLOUR,
    HIGHLIGHT_COLOUR,
    MEASURES,
    NO_DATA_COLOUR,
    SEQUENTIAL_PALETTE,
)
from layers import render
from layers.render import text as esc
from layers.topo import TopoGeoJson


@dataclass(frozen=True)
class Classes:
    """Class breaks (upper bounds) and one colour per class."""

    bins: tuple[float, ...]
    colours: tuple[str, ...]
    minimum: float

    def colour_of(self, value: float | None) -> str:
        """Colour for ``value`` (the no-data grey for NaN/None)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return NO_DATA_COLOUR
        for upper, colour in zip(self.bins, self.colours, strict=True):
            if value <= upper + 1e-9:
                return colour
        return self.colours[-1]

    def labels(self) -> list[str]:
        """Human-readable ranges, e.g. ``"12.0% – 25.5%"``."""
        lows = [self.minimum, *self.bins[:-1]]
        return [f"{lo:.1f}% – {hi:.1f}%" for lo, hi in zip(lows, self.bins, strict=True)]


EXACT_BREAKS_MAX = 250
"""Up to this many areas, exact Fisher–Jenks breaks (fast at county scale); above, quantiles.

mapclassify's ``NaturalBreaks`` runs k-means through scikit-learn and takes seconds even for
12 values, too slow for a map redrawn on every change of measure."""


def classify(
    values: pd.Series, *, palette: tuple[str, ...] = SEQUENTIAL_PALETTE, scheme: str | None = None
) -> Classes | None:
    """Class breaks for ``values`` with mapclassify; ``None`` when there is nothing to classify.

    ``scheme`` defaults to ``FisherJenks`` (natural breaks, exact) for county-sized maps and
    ``Quantiles`` for larger ones. Fewer distinct values than colours give fewer classes
    (colours taken evenly from the palette).
    """
    data = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if data.size == 0:
        return None
    scheme = scheme or ("FisherJenks" if data.size <= EXACT_BREAKS_MAX else "Quantiles")
    k = min(len(palette), len(np.unique(data)))
    if k < 2:
        return Classes((float(data.max()),), (palette[-1],), float(data.min()))
    with warnings.catch_warnings():
        # Without numba, Fisher–Jenks runs in pure Python: fine at county scale (see above).
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        classifier = mapclassify.classify(data, scheme=scheme, k=k)
    bins = tuple(float(b) for b in classifier.bins)
    pick = np.linspace(0, len(palette) - 1, len(bins)).round().astype(int)
    return Classes(bins, tuple(palette[i] for i in pick), float(data.min()))


HATCH_SWATCH = f"repeating-linear-gradient(45deg, #777 0 3px, {HATCH_COLOUR} 3px 6px)"
"""CSS background of the legend's swatch for areas drawn with their district's figure."""
DISTRICT_LEGEND = "Hatched: its district's figure"
"""Kept to one line: a taller legend would cover more of the map (and its clicks)."""


def is_district_figure(row: pd.Series | dict[str, Any]) -> bool:
    """True when an area shows its district's figure (``figure_from`` = "district")."""
    return row.get("figure_from") == "district"


def value_text(row: pd.Series | dict[str, Any], measure: str) -> str:
    """Tooltip text for one area: ``"62.1% (3,105 of 5,000 premises)"``, a district's figure
    labelled as such, or why there is none."""
    pct = row.get(f"pct_{measure}")
    n, premises = row.get(f"n_{measure}"), row.get("premises")
    if pct is None or pd.isna(pct):
        method = row.get("method") or "no data"
        return f"No figure: {method}"
    if is_district_figure(row):
        return f"{pct:.1f}%: {district_label(row)}"
    return f"{pct:.1f}% ({n:,.0f} of {premises:,.0f} premises)"


def district_label(row: pd.Series | dict[str, Any]) -> str:
    """``"the district's figure (Breckland); no figure of this area's own yet"``."""
    name = row.get("figure_area_name") or row.get("figure_area") or "its district"
    return f"the district's figure ({name}); no figure of this area's own yet"


def choropleth_layer(
    areas: gpd.GeoDataFrame,
    *,
    measure: str,
    classes: Classes | None,
    name: str | None = None,
    selected: str | None = None,
    text: pd.Series | None = None,
    fill_opacity: float = 0.75,
) -> TopoGeoJson:
    """A choropleth layer of ``areas`` (EPSG:4326) coloured by ``pct_<measure>``.

    The geometry travels as a packed topology (:mod:`layers.topo`): shared edges once, quantised.

    Each feature carries only ``area_code``, escaped ``area_name``, the tooltip ``value``
    (``text``, indexed like ``areas``, replaces :func:`value_text` when given; an area whose
    ``pct_<measure>`` is NaN gets the no-data colour), its ``fill`` and ``hatch`` (1 where the
    area shows its district's figure, ``figure_from`` = "district": drawn with white stripes
    over the class colour).
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {sorted(MEASURES)}, not {measure!r}")
    if areas.crs is None or areas.crs.to_epsg() != 4326:
        raise ValueError(
            "choropleth_layer draws EPSG:4326 areas; use geo.geometry.simplify.simplify_for_web"
        )
    pct_col = f"pct_{measure}"
    values = areas[pct_col] if pct_col in areas else pd.Series(np.nan, index=areas.index)
    props = gpd.GeoDataFrame(
        {
            "area_code": areas["area_code"].map(esc),
            "area_name": areas["area_name"].map(esc),
            "value": [esc(value_text(r, measure)) for _, r in areas.iterrows()]
            if text is None
            else [esc(t) for t in text.reindex(areas.index)],
            "fill": [classes.colour_of(v) if classes else NO_DATA_COLOUR for v in values],
            "hatch": (
                (areas["figure_from"] == "district").astype(int).to_numpy()
                if "figure_from" in areas
                else 0
            ),
        },
        geometry=areas.geometry,
        crs=areas.crs,
    )

    return TopoGeoJson(
        props,
        name=esc(name or MEASURES[measure].label),
        alias=esc(MEASURES[measure].short),
        options={
            "selected": esc(selected) if selected else None, "fillOpacity": fill_opacity,
            "boundary": BOUNDARY_COLOUR, "highlight": HIGHLIGHT_COLOUR, "hatch": HATCH_COLOUR,
            "hatchEdge": HATCH_EDGE_COLOUR,
        },
    )  # fmt: skip


def selection_layer(areas: gpd.GeoDataFrame, code: str | None) -> folium.FeatureGroup:
    """An outline of the picked area, drawn over the choropleth (empty when none is picked).

    Kept apart from the choropleth so that picking an area updates only this layer
    (``st_folium(feature_group_to_add=...)``): the map itself is not rebuilt or re-panned.
    The outline carries no text at all, and the group is checked like a whole map.
    """
    group = render.group("Picked area", control=False)
    if code:
        picked = areas[areas["area_code"] == code]
        if not picked.empty:
            render.geojson(
                picked[["geometry"]], name="Picked area", interactive=False, control=False,
                style=lambda _f: {
                    "fill": False, "color": HIGHLIGHT_COLOUR, "weight": 4, "interactive": False,
                },
            ).add_to(group)  # fmt: skip
    return render.checked_group(group)


_LEGEND = """
{% macro html(this, kwargs) %}
<div class="bb-legend" role="region" aria-label="Map legend" style="position:absolute;
  bottom:56px; left:10px; z-index:9999; background:#fff; padding:8px 10px; border:1px solid #555;
  border-radius:4px; font:13px/1.35 sans-serif; color:#111; max-width:260px">
  <div style="font-weight:bold;margin-bottom:4px">{{ this.title }}</div>
  {% for colour, label in this.items %}
  <div><span style="display:inline-block;width:18px;height:12px;background:{{ colour }};
    border:1px solid #333;margin-right:6px;vertical-align:middle"></span>{{ label }}</div>
  {% endfor %}
  {% if this.note %}<div style="margin-top:4px;font-style:italic">{{ this.note }}</div>{% endif %}
</div>
{% endmacro %}
"""


class Legend(MacroElement):
    """A plain HTML legend (title, colour swatches with text ranges, optional note)."""

    def __init__(self, title: str, items: list[tuple[str, str]], note: str = ""):
        super().__init__()
        self._name = "Legend"
        self.title = esc(title)
        self.items = [(c, esc(label)) for c, label in items]
        self.note = esc(note)
        self._template = Template(_LEGEND)


def legend_for(
    measure: str, classes: Classes | None, *, note: str = "", hatched: bool = False
) -> Legend:
    """The legend of a choropleth of ``measure``, with a no-data swatch (and, when
    ``hatched``, a swatch for areas drawn with their district's figure)."""
    items = list(zip(classes.colours, classes.labels(), strict=True)) if classes else []
    if hatched:
        items.append((HATCH_SWATCH, DISTRICT_LEGEND))
    items.append((NO_DATA_COLOUR, "No figure for this area"))
    return Legend(f"{MEASURES[measure].label}: % of premises", items, note)


def has_district_figures(areas: pd.DataFrame) -> bool:
    """True when any area shows its district's figure."""
    return "figure_from" in areas and bool((areas["figure_from"] == "district").any())


def clicked_point_area(click: dict[str, Any] | None, areas: gpd.GeoDataFrame) -> str | None:
    """The ``area_code`` of the polygon under a map click, or ``None`` (a click on no area).

    Parameters
    ----------
    click
        ``st_folium``'s ``last_clicked`` value: ``{"lat": …, "lng": …}`` in EPSG:4326.
    areas
        The EPSG:4326 polygons drawn on the map (``area_code``, geometry): what was clicked on.
        A click on a shared border goes to the lowest code, as every point does
        (:func:`geo.geometry.aggregate.assign_areas`).
    """
    if not click or click.get("lat") is None or click.get("lng") is None:
        return None
    point = shapely.Point(float(click["lng"]), float(click["lat"]))
    hits = areas.sindex.query(point, predicate="intersects")
    if not len(hits):
        return None
    return str(min(areas["area_code"].iloc[hits].astype(str)))


__all__ = [
    "DISTRICT_LEGEND",
    "Classes",
    "Legend",
    "choropleth_layer",
    "classify",
    "clicked_point_area",
    "district_label",
    "has_district_figures",
    "is_district_figure",
    "legend_for",
    "selection_layer",
    "value_text",
]
