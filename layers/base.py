"""The contract every overlay follows, and the registry the app loops over.

A layer module (``layers/<name>.py``) builds one :class:`Layer` and passes it to
:func:`register`. Adding a layer touches no other layer: the app, the Data page and the
exports only ever loop over :func:`registered`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from geo.analysis.profile import Section
from geo.reports.report import PointStyle
from geo.storage.workspace import ReadContext

Reader = Callable[..., gpd.GeoDataFrame]
"""``read(data: bytes, *, filename: str, context: ReadContext) -> GeoDataFrame`` (EPSG:27700).

Raises :class:`geo.errors.DataError` listing every problem (row, column, value, reason)."""
Aggregator = Callable[..., pd.DataFrame]
"""``aggregate(records: GeoDataFrame, areas: GeoDataFrame, **options) -> DataFrame`` indexed
by ``area_code`` with one row per area (zeros where nothing fell)."""
Drawer = Callable[..., folium.FeatureGroup]
"""``draw(records: GeoDataFrame, *, public: bool, show: bool, **options) -> folium.FeatureGroup``
in EPSG:4326 via :func:`geo.geometry.crs.to_display`; all text escaped. ``options`` are the
ones the layer names in :attr:`Layer.draw_options` (see :func:`draw`)."""


@dataclass(frozen=True)
class AreaInputs:
    """What an aggregator may use besides its records and the areas.

    A layer names the fields it takes in :attr:`Layer.options`; :func:`aggregate` passes only
    those, so adding an input here never touches a layer that does not use it.
    """

    premises: pd.Series | None = None
    """All premises per area (index ``area_code``), from the coverage figures."""
    on: date | None = None
    """Count what is active on this day (today on the pages)."""
    start: date | None = None
    end: date | None = None
    """Keep records whose :attr:`Layer.date_column` falls within ``[start, end]``."""
    figures: pd.DataFrame | None = None
    """Ofcom figures per area of the release shown (index ``area_code``; ``pct_<measure>``,
    ``figure_from``)."""
    postcode_figures: pd.DataFrame | None = None
    """Ofcom's own figures per postcode in that release (index postcode; ``pct_<measure>``)."""
    release: str | None = None
    """The Ofcom release shown."""


Summariser = Callable[..., list[Section]]
"""``summarise(row: Series, here: DataFrame, *, public: bool) -> list[Section]``: one area's
aggregate row and its records (no geometry) as the panel, the profile and its PDF show them.
``public=True`` shows small counts as "fewer than 5" (:mod:`geo.analysis.privacy`)."""
Tabulator = Callable[[pd.DataFrame], pd.DataFrame]
"""``evidence(aggregate) -> DataFrame``: per-area columns (index ``area_code``, human labels)
for the evidence pack and the planner."""


@dataclass(frozen=True)
class Layer:
    """One overlay: what it needs, how it loads, aggregates, summarises and draws itself.

    Views and reports only ever loop over :func:`registered`; nothing outside a layer's own
    module names it.
    """

    key: str
    title: str
    description: str
    required_columns: tuple[str, ...]
    read: Reader
    aggregate: Aggregator
    draw: Drawer
    summarise: Summariser
    personal_data: bool = False
    """True when records identify people or homes: public views show only suppressed counts."""
    options: tuple[str, ...] = ()
    """The :class:`AreaInputs` fields :attr:`aggregate` takes as keyword options."""
    date_column: str | None = None
    """A date column the panel offers a date-range filter on (``start``/``end``)."""
    evidence: Tabulator | None = None
    """Per-area columns for the evidence pack; ``None``: the aggregate as it is."""
    overview: Callable[..., list[Section]] | None = None
    """``overview(aggregate, names: dict[code, name]) -> list[Section]``: county-wide tables
    (e.g. the areas with no support), or ``None``."""
    components: dict[str, str] = field(default_factory=dict)
    """Gap-score components this layer adds (column of :attr:`evidence` → label)."""
    roles: frozenset[str] = frozenset()
    """What else the layer is for: ``"anchor_sites"`` (candidate sites for the planner's reach),
    ``"support_points"`` (digital-inclusion support set beside the risk index)."""
    map_style: PointStyle | None = None
    """Points on the printed division map, or ``None`` to leave them off."""
    draw_options: tuple[str, ...] = ()
    """What :attr:`draw` takes as keyword options besides the records: ``areas`` (the areas,
    ``area_code`` and geometry, EPSG:27700) and :class:`AreaInputs` fields (see :func:`draw`)."""
    uploadable: bool = True
    """False for records that are not uploaded as a file (residents' reports come from a
    form): the Data page offers neither an upload nor a restore for them."""
    extra: dict[str, Any] = field(default_factory=dict)


def aggregate(
    layer: Layer, records: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, inputs: AreaInputs
) -> pd.DataFrame:
    """``layer``'s aggregate per area, given the inputs it declares in :attr:`Layer.options`."""
    return layer.aggregate(records, areas, **{k: getattr(inputs, k) for k in layer.options})


def draw(
    layer: Layer,
    records: gpd.GeoDataFrame,
    *,
    public: bool,
    show: bool = True,
    areas: gpd.GeoDataFrame | None = None,
    inputs: AreaInputs | None = None,
) -> folium.FeatureGroup:
    """``layer``'s map group, given the ``areas`` and ``inputs`` it names in
    :attr:`Layer.draw_options` (a layer naming none is drawn from its records alone)."""
    given = {
        "areas": areas,
        **{f.name: getattr(inputs, f.name, None) for f in fields(AreaInputs)},
    }
    options = {k: given[k] for k in layer.draw_options}
    return layer.draw(records, public=public, show=show, **options)


def evidence_table(layer: Layer, agg: pd.DataFrame) -> pd.DataFrame:
    """The per-area columns ``layer`` puts in the evidence pack (its aggregate by default)."""
    return agg if layer.evidence is None else layer.evidence(agg)


_REGISTRY: dict[str, Layer] = {}


def register(layer: Layer) -> Layer:
    """Add ``layer`` to the registry (idempotent for the same key and object)."""
    existing = _REGISTRY.get(layer.key)
    if existing is not None and existing is not layer:
        raise ValueError(f"a different layer is already registered as {layer.key!r}")
    _REGISTRY[layer.key] = layer
    return layer


def unregister(key: str) -> None:
    """Remove the layer registered as ``key`` (a plug-in being unloaded; tests)."""
    _REGISTRY.pop(key, None)


def registered() -> dict[str, Layer]:
    """Registered layers, in registration order."""
    return dict(_REGISTRY)


__all__ = [
    "AreaInputs",
    "Layer",
    "PointStyle",
    "ReadContext",
    "Section",
    "aggregate",
    "draw",
    "evidence_table",
    "register",
    "registered",
    "unregister",
]
