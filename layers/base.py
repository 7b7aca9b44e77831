"""The contract every overlay follows, and the registry the app loops over.

A layer module (``layers/<name>.py``) builds one :class:`Layer` and passes it to
:func:`register`. Adding a layer touches no other layer: the app, the Data page and the
exports only ever loop over :func:`registered`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from geo.storage.workspace import ReadContext

Reader = Callable[..., gpd.GeoDataFrame]
"""``read(data: bytes, *, filename: str, context: ReadContext) -> GeoDataFrame`` (EPSG:27700).

Raises :class:`geo.errors.DataError` listing every problem (row, column, value, reason)."""
Aggregator = Callable[..., pd.DataFrame]
"""``aggregate(records: GeoDataFrame, areas: GeoDataFrame, **options) -> DataFrame`` indexed
by ``area_code`` with one row per area (zeros where nothing fell)."""
Drawer = Callable[..., folium.FeatureGroup]
"""``draw(records: GeoDataFrame, *, public: bool, show: bool) -> folium.FeatureGroup`` in
EPSG:4326 via :func:`geo.geometry.crs.to_display`; all text escaped."""


@dataclass(frozen=True)
class Layer:
    """One overlay: what it needs, how it loads, aggregates and draws itself."""

    key: str
    title: str
    description: str
    required_columns: tuple[str, ...]
    read: Reader
    aggregate: Aggregator
    draw: Drawer
    personal_data: bool = False
    """True when records identify people or homes: public views show only suppressed counts."""
    extra: dict[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, Layer] = {}


def register(layer: Layer) -> Layer:
    """Add ``layer`` to the registry (idempotent for the same key and object)."""
    existing = _REGISTRY.get(layer.key)
    if existing is not None and existing is not layer:
        raise ValueError(f"a different layer is already registered as {layer.key!r}")
    _REGISTRY[layer.key] = layer
    return layer


def registered() -> dict[str, Layer]:
    """Registered layers, in registration order."""
    return dict(_REGISTRY)


__all__ = ["Layer", "ReadContext", "register", "registered"]
