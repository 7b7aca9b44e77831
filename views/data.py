"""Cached access to the catalogue for the pages (``st.cache_data`` keyed by plain values)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.analysis.coverage import best_figures, county_figures
from geo.config import DEFAULT_LEVEL, SYNTHETIC_LABEL
from geo.demo_layers import DEMO_STORE, save_demo_layers
from geo.geometry.simplify import simplify_for_web
from geo.settings import Settings, load_settings
from geo.sources.demo_build import DEMO_CATALOG, build_demo
from geo.storage.catalog import Catalog, load_catalog
from layers.choropleth import Classes, classify


def catalog_path(settings: Settings) -> Path:
    """The real catalogue when one exists, else the synthetic demo (built on first use)."""
    if settings.boundaries_path.exists():
        return settings.boundaries_path
    demo = settings.data_dir / DEMO_CATALOG
    if not demo.exists():
        build_demo(settings.data_dir)
    if not (settings.data_dir / DEMO_STORE).exists():
        save_demo_layers(settings.data_dir / DEMO_STORE, demo)
    return demo


def store_path(settings: Settings | None = None) -> Path:
    """The uploads store in force: the real one beside a real catalogue, else the demo's own.

    The demo's synthetic overlays live in their own file so they never mix with real uploads.
    """
    settings = settings or load_settings()
    if settings.boundaries_path.exists():
        return settings.store_path
    catalog_path(settings)
    return settings.data_dir / DEMO_STORE


def stamp(path: Path) -> float:
    """The file's modification time (0 when absent): part of every cache key."""
    return _stamp(path)


def _stamp(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_data(show_spinner=False, max_entries=4)
def _catalog(path: str, _stamp: float) -> Catalog:
    return load_catalog(path)


def catalog() -> Catalog:
    """The catalogue in force (reloaded when its file changes)."""
    path = catalog_path(load_settings())
    return _catalog(str(path), _stamp(path))


@st.cache_data(show_spinner="Working out premises-weighted figures…", max_entries=16)
def figures(path: str, stamp: float, level: str, release: str) -> gpd.GeoDataFrame:
    """Figures per area for one level and release (EPSG:27700)."""
    cat = _catalog(path, stamp)
    assert cat.coverage is not None
    return best_figures(
        cat.coverage, cat.areas[level], release=release,
        postcodes=cat.postcodes, oa_centroids=cat.oa_centroids,
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=16)
def web_figures(path: str, stamp: float, level: str, release: str) -> gpd.GeoDataFrame:
    """The same figures, simplified and in EPSG:4326 for the map."""
    return simplify_for_web(figures(path, stamp, level, release))


@st.cache_data(show_spinner=False, max_entries=64)
def classes(path: str, stamp: float, level: str, release: str, measure: str) -> Classes | None:
    """The choropleth's class breaks (natural breaks take seconds: worked out once)."""
    return classify(figures(path, stamp, level, release)[f"pct_{measure}"])


@st.cache_data(show_spinner=False, max_entries=16)
def county(path: str, stamp: float, level: str, release: str) -> tuple[pd.Series, str]:
    """The county's premises-weighted figures and how they were made."""
    cat = _catalog(path, stamp)
    assert cat.coverage is not None
    areas = cat.areas[level]
    lads = sorted(areas["lad_code"].unique()) if "lad_code" in areas else list(areas["area_code"])
    return county_figures(figures(path, stamp, level, release), cat.coverage,
                          release=release, lad_codes=lads)  # fmt: skip


def current() -> tuple[str, float]:
    """(path, stamp) of the catalogue in force, the cache key for the functions above."""
    path = catalog_path(load_settings())
    return str(path), _stamp(path)


def open_page(title: str) -> tuple[Catalog, str, float, str] | None:
    """Banner, title and the catalogue for a page that needs areas and coverage.

    Returns ``(catalogue, path, stamp, level)`` (the default level when loaded), or ``None``
    after saying what to load when there is nothing to show yet.
    """
    cat = catalog()
    synthetic_banner(cat)
    st.title(title)
    if not cat.areas or cat.coverage is None:
        st.error("No boundaries or coverage loaded yet: see the Sources page for how to load them.")
        return None
    path, stamp = current()
    level = DEFAULT_LEVEL if DEFAULT_LEVEL in cat.areas else next(iter(cat.areas))
    return cat, path, stamp, level


def synthetic_banner(cat: Catalog) -> None:
    """The label every page shows when it is drawing synthetic data."""
    if cat.synthetic:
        st.warning(
            f"**{SYNTHETIC_LABEL}.** These divisions, postcodes and figures are made up, to show "
            "how the app works. Load real data with `python -m geo fetch --county E10000020` "
            "or `python -m geo import PATH…` (see the Sources page).",
            icon="⚠️",
        )
