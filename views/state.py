"""Where the pages' state lives: the workspace in force, cached reads keyed by stamps.

:mod:`geo.storage.workspace` decides which catalogue and store are in force; this module is the
only place the pages get them from. Every ``st.cache_data`` function takes plain arguments
that change when the data does — file path and :func:`~geo.storage.workspace.file_stamp`
(never an ``_``-prefixed argument, which Streamlit leaves out of the key), level, release —
so a save or an import by any session or process shows on every page at the next rerun.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.analysis.coverage import best_figures, county_figures
from geo.analysis.resident_reports import postcode_figures
from geo.config import DEFAULT_LEVEL, SYNTHETIC_LABEL, WORKING_CRS
from geo.errors import DataError
from geo.geometry.simplify import simplify_for_web
from geo.settings import load_settings
from geo.storage import store, workspace
from geo.storage.catalog import Catalog, load_catalog
from geo.storage.reports import load_reports
from geo.storage.workspace import ReadContext, Stamp, Workspace
from layers.choropleth import Classes, classify
from layers.demo import ensure_demo
from views.text import code, plain


@dataclass(frozen=True)
class Key:
    """The plain values that identify the data in force: the cache key of every read."""

    catalog: str
    catalog_stamp: Stamp
    store: str
    store_stamp: Stamp


def current_workspace() -> Workspace:
    """The workspace in force (the synthetic demo is built on first use)."""
    ws = workspace.current()
    ensure_demo(ws)
    return ws


def key() -> Key:
    """Paths and stamps of the catalogue and store in force, read afresh on every call."""
    ws = current_workspace()
    return Key(str(ws.catalog_path), ws.catalog_stamp(), str(ws.store_path), ws.store_stamp())


# --- The catalogue ---------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=4)
def _catalog(path: str, stamp: Stamp) -> Catalog:
    del stamp  # part of the cache key
    return load_catalog(path)


def catalog(k: Key | None = None) -> Catalog:
    """The catalogue in force (reloaded whenever its file changes)."""
    k = k or key()
    return _catalog(k.catalog, k.catalog_stamp)


@st.cache_data(show_spinner="Working out premises-weighted figures…", max_entries=16)
def _figures(path: str, stamp: Stamp, level: str, release: str) -> gpd.GeoDataFrame:
    cat = _catalog(path, stamp)
    assert cat.coverage is not None
    return best_figures(
        cat.coverage, cat.areas[level], release=release,
        postcodes=cat.postcodes, oa_centroids=cat.oa_centroids,
    )  # fmt: skip


def figures(k: Key, level: str, release: str) -> gpd.GeoDataFrame:
    """Figures per area for one level and release (EPSG:27700).

    Figures that cannot be made (OAs without centroids of their vintage, above 0.5% of the
    premises) stop the page with the reason and what to load, never a traceback.
    """
    try:
        return _figures(k.catalog, k.catalog_stamp, level, release)
    except DataError as exc:
        st.error(plain(f"No figures for Ofcom release {release}: {exc}"))
        st.stop()


@st.cache_data(show_spinner=False, max_entries=16)
def _web_figures(path: str, stamp: Stamp, level: str, release: str) -> gpd.GeoDataFrame:
    return simplify_for_web(_figures(path, stamp, level, release))


def web_figures(k: Key, level: str, release: str) -> gpd.GeoDataFrame:
    """The same figures, simplified and in EPSG:4326 for the map."""
    return _web_figures(k.catalog, k.catalog_stamp, level, release)


@st.cache_data(show_spinner=False, max_entries=64)
def _classes(path: str, stamp: Stamp, level: str, release: str, measure: str) -> Classes | None:
    return classify(_figures(path, stamp, level, release)[f"pct_{measure}"])


def classes(k: Key, level: str, release: str, measure: str) -> Classes | None:
    """The choropleth's class breaks (natural breaks take seconds: worked out once)."""
    return _classes(k.catalog, k.catalog_stamp, level, release, measure)


@st.cache_data(show_spinner=False, max_entries=16)
def _county(path: str, stamp: Stamp, level: str, release: str) -> tuple[pd.Series, str]:
    cat = _catalog(path, stamp)
    assert cat.coverage is not None
    areas = cat.areas[level]
    lads = sorted(areas["lad_code"].unique()) if "lad_code" in areas else list(areas["area_code"])
    return county_figures(_figures(path, stamp, level, release), cat.coverage,
                          release=release, lad_codes=lads)  # fmt: skip


def county(k: Key, level: str, release: str) -> tuple[pd.Series, str]:
    """The county's premises-weighted figures and how they were made."""
    return _county(k.catalog, k.catalog_stamp, level, release)


def read_context(k: Key | None = None) -> ReadContext:
    """What uploads are checked against: the catalogue's postcodes and county outline."""
    cat = catalog(k)
    return workspace.read_context(cat.postcodes, dict(cat.areas), today=date.today())


# --- The store -------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def _stored(path: str, stamp: Stamp, layer: str) -> gpd.GeoDataFrame | None:
    if stamp == (0, 0, 0):
        return None
    frame = store.load(path, layer)
    if isinstance(frame, pd.DataFrame) and not isinstance(frame, gpd.GeoDataFrame):
        if not {"easting", "northing"} <= set(frame.columns):
            return None
        # A table of records with grid references (residents' reports) is points.
        frame = gpd.GeoDataFrame(
            frame, geometry=gpd.points_from_xy(frame["easting"], frame["northing"]),
            crs=WORKING_CRS,
        )  # fmt: skip
    return frame if isinstance(frame, gpd.GeoDataFrame) and len(frame) else None


def stored(layer: str, k: Key | None = None) -> gpd.GeoDataFrame | None:
    """The current version of ``layer`` in the store in force (EPSG:27700), or ``None``."""
    k = k or key()
    return _stored(k.store, k.store_stamp, layer)


@st.cache_data(show_spinner=False, max_entries=4)
def _reports(path: str, stamp: Stamp) -> pd.DataFrame:
    del stamp
    return load_reports(path)


def reports(k: Key | None = None) -> pd.DataFrame:
    """Every resident's report in the store in force (all statuses; personal data)."""
    k = k or key()
    return _reports(k.store, k.store_stamp)


@st.cache_data(show_spinner=False, max_entries=8)
def _postcode_figures(path: str, stamp: Stamp, release: str) -> pd.DataFrame:
    cat = _catalog(path, stamp)
    return postcode_figures(cat.coverage_pct, cat.coverage, release=release)


def postcode_figures_of(k: Key, release: str) -> pd.DataFrame:
    """Ofcom's own figure per postcode in ``release`` (empty without a postcode-level file)."""
    return _postcode_figures(k.catalog, k.catalog_stamp, release)


@st.cache_data(show_spinner=False, max_entries=32)
def _versions(path: str, stamp: Stamp, layer: str) -> pd.DataFrame:
    del stamp
    return store.versions(path, layer)


def versions(layer: str, k: Key | None = None) -> pd.DataFrame:
    """Every stored version of ``layer`` (newest last), for provenance lines."""
    k = k or key()
    return _versions(k.store, k.store_stamp, layer)


# --- Page preamble ---------------------------------------------------------------------------


def open_page(title: str) -> tuple[Catalog, Key, str] | None:
    """Banner, title and the catalogue for a page that needs areas and coverage.

    Returns ``(catalogue, key, level)`` (the default level when loaded), or ``None`` after
    saying what to load when there is nothing to show yet.
    """
    k = key()
    cat = catalog(k)
    synthetic_banner(cat)
    st.title(plain(title))
    if not cat.areas or cat.coverage is None:
        st.error("No boundaries or coverage loaded yet: see the Sources page for how to load them.")
        return None
    level = DEFAULT_LEVEL if DEFAULT_LEVEL in cat.areas else next(iter(cat.areas))
    return cat, k, level


def synthetic_banner(cat: Catalog) -> None:
    """The label every page shows when it is drawing synthetic data."""
    if cat.synthetic:
        st.warning(
            f"**{SYNTHETIC_LABEL}.** These divisions, postcodes and figures are made up, to show "
            "how the app works. Load real data with "
            f"{code(f'python -m geo fetch --county {load_settings().county_code}')} "
            "or `python -m geo import PATH…` (see the Sources page).",
            icon="⚠️",
        )


__all__ = [
    "Key",
    "catalog",
    "classes",
    "county",
    "current_workspace",
    "figures",
    "key",
    "open_page",
    "postcode_figures_of",
    "read_context",
    "reports",
    "stored",
    "synthetic_banner",
    "versions",
    "web_figures",
]
