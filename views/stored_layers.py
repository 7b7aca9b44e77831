"""Cached reads of the council's uploaded layers (vouchers, anchors, pilots) from the store."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import streamlit as st

from geo.settings import load_settings
from geo.storage import store


def store_stamp() -> tuple[str, float]:
    """(store path, modification time): the cache key for :func:`stored`."""
    path = load_settings().store_path
    return str(path), (path.stat().st_mtime if path.exists() else 0.0)


@st.cache_data(show_spinner=False, max_entries=16)
def _load(path: str, _stamp: float, key: str) -> gpd.GeoDataFrame | None:
    if not Path(path).exists():
        return None
    frame = store.load(path, key)
    return frame if isinstance(frame, gpd.GeoDataFrame) and len(frame) else None


def stored(key: str) -> gpd.GeoDataFrame | None:
    """The current version of layer ``key`` (EPSG:27700), or ``None`` when nothing is stored."""
    path, stamp = store_stamp()
    return _load(path, stamp, key)
