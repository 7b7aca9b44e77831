"""Overlays on the map and their figures beside a division, for every registered layer.

Nothing here names a layer: the picker, the map groups, the panel sections, the county-wide
overviews and the profile's sections loop over :func:`layers.registered`, and each layer says
what it aggregates with (:attr:`~layers.base.Layer.options`), how it summarises one area and
what it adds to the evidence pack. Aggregates are cached with ``st.cache_data`` keyed by plain
values (:class:`views.state.Key`, level, release, layer, options). Personal-data layers are
never drawn one by one in public views, and small counts read "fewer than 5" there
(:mod:`geo.analysis.privacy`).
"""

from __future__ import annotations

from datetime import date

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.config import SYNTHETIC_LABEL
from geo.geometry.aggregate import assign_areas
from geo.settings import load_settings
from layers import base
from layers.base import AreaInputs, Layer, Section, registered
from views import access, state
from views.text import plain, plain_frame

OVERLAYS_KEY = "overlays"


# --- Cached data ---------------------------------------------------------------------------


def _inputs(k: state.Key, level: str, release: str, asked: AreaInputs) -> AreaInputs:
    """``asked`` (the day and date range) with the figures of ``level`` and ``release``."""
    figs = state.figures(k, level, release)
    table = pd.DataFrame(figs.drop(columns="geometry")).set_index("area_code")
    return AreaInputs(
        premises=table["premises"], on=asked.on, start=asked.start, end=asked.end, figures=table,
        postcode_figures=state.postcode_figures_of(k, release), release=release,
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=64)
def _aggregate(
    k: state.Key, level: str, release: str, layer: str, inputs: AreaInputs
) -> pd.DataFrame | None:
    recs = state.stored(layer, k)
    if recs is None:
        return None
    figs = state.figures(k, level, release)
    return base.aggregate(registered()[layer], recs, figs[["area_code", "area_name", "geometry"]],
                          _inputs(k, level, release, inputs))  # fmt: skip


def aggregate(
    layer: str, *, level: str, release: str, inputs: AreaInputs | None = None
) -> pd.DataFrame | None:
    """``layer``'s aggregate per area of ``level`` (index ``area_code``), or ``None``."""
    return _aggregate(state.key(), level, release, layer, inputs or AreaInputs(on=date.today()))


@st.cache_data(show_spinner=False, max_entries=16)
def _records_in(k: state.Key, level: str, release: str, layer: str) -> pd.DataFrame | None:
    recs = state.stored(layer, k)
    if recs is None:
        return None
    areas = state.figures(k, level, release)[["area_code", "geometry"]]
    codes = assign_areas(recs, areas, points_name=layer)
    return pd.DataFrame(recs.drop(columns="geometry")).assign(area_code=codes.to_numpy())


def records_in(layer: str, code: str, *, level: str, release: str) -> pd.DataFrame:
    """``layer``'s records (no geometry) that fall in area ``code``."""
    found = _records_in(state.key(), level, release, layer)
    if found is None:
        return pd.DataFrame()
    return found[found["area_code"] == code].reset_index(drop=True)


def loaded() -> dict[str, Layer]:
    """The registered layers with records in the store in force."""
    k = state.key()
    return {key: spec for key, spec in registered().items() if state.stored(key, k) is not None}


def provenance(layer: str) -> str:
    """Where the records came from: count, version, when, who, file; labelled if synthetic."""
    found = state.versions(layer)
    if found.empty:
        return "nothing loaded yet"
    cur = found[found["current"]].iloc[0]
    text = (
        f"{int(cur['row_count']):,} records · version {int(cur['version'])} · saved "
        f"{str(cur['saved_at'])[:16].replace('T', ' ')} UTC by {cur['user']} ({cur['file_name']})"
    )
    if cur["user"] == "demo" or "synthetic" in str(cur["file_name"]).lower():
        text += f" · {SYNTHETIC_LABEL}"
    return text


# --- Who sees what ---------------------------------------------------------------------------


def public_view() -> bool:
    """True unless ``BROADBAND_SHOW_RECORDS`` is on and this visitor may open the Data page."""
    ctx = access.context()
    return ctx.public or not (load_settings().show_records and access.allowed("data", ctx))


def counts_public() -> bool:
    """True when small counts must be suppressed: anyone who may not open the Data page."""
    return not access.allowed("data", access.context())


# --- Map overlays ----------------------------------------------------------------------------


def choose_overlays() -> list[str]:
    """The "Show on map" picker over the registered layers."""
    layers = registered()
    return st.multiselect(
        "Show on map", list(layers), key=OVERLAYS_KEY,
        format_func=lambda k: layers[k].title, placeholder="Coverage only",
    )  # fmt: skip


def drawable(keys: list[str], *, public: bool) -> list[str]:
    """The chosen layers the map draws; a caption says why each of the others is not."""
    k = state.key()
    out = []
    for key in keys:
        spec = registered()[key]
        if state.stored(key, k) is None:
            st.caption(f"{spec.title}: nothing loaded yet (use the Data page).")
        elif public and spec.personal_data:
            st.caption(
                f"{spec.title} are personal data: not drawn one by one here. Counts per "
                "area are in the panel."
            )
        else:
            out.append(key)
    return out


def overlay_groups(
    keys: list[str], *, public: bool, level: str, release: str
) -> list[folium.FeatureGroup]:
    """Feature groups for layers from :func:`drawable` (their current records, drawn against
    the areas of ``level`` and Ofcom ``release`` when a layer asks for them)."""
    k = state.key()
    groups = []
    for key in keys:
        recs = state.stored(key, k)
        if recs is None:
            continue
        spec = registered()[key]
        areas = inputs = None
        if spec.draw_options:
            areas = state.figures(k, level, release)[["area_code", "geometry"]]
            inputs = _inputs(k, level, release, AreaInputs(on=date.today()))
        groups.append(base.draw(spec, recs, public=public, show=True, areas=areas, inputs=inputs))
    return groups


# --- Sections per area -----------------------------------------------------------------------


def _date_filter(spec: Layer, recs: gpd.GeoDataFrame) -> tuple[date | None, date | None]:
    """An optional date-range filter on the layer's :attr:`~layers.base.Layer.date_column`."""
    if spec.date_column is None or spec.date_column not in recs:
        return None, None
    dated = recs[spec.date_column].dropna()
    label = f"Only {spec.title.lower()} dated between…"
    if dated.empty or not st.checkbox(label, key=f"{spec.key}_dates_on"):
        return None, None
    lo, hi = dated.min().date(), dated.max().date()
    picked = st.date_input(f"{spec.title}: dates", value=(lo, hi), key=f"{spec.key}_dates")
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked[0], picked[1]
    return None, None


def sections(
    code: str, *, level: str, release: str, public: bool, filters: bool = False
) -> list[tuple[Layer, list[Section]]]:
    """Every loaded layer's summary of area ``code`` (with date filters when ``filters``)."""
    out = []
    for key, spec in loaded().items():
        start = end = None
        if filters:
            recs = state.stored(key)
            assert recs is not None
            start, end = _date_filter(spec, recs)
        agg = aggregate(key, level=level, release=release,
                        inputs=AreaInputs(on=date.today(), start=start, end=end))  # fmt: skip
        assert agg is not None
        here = records_in(key, code, level=level, release=release)
        out.append((spec, spec.summarise(agg.loc[code], here, public=public)))
    return out


def show_section(section: Section) -> None:
    """One section as a plain-text table (cells are never read as Markdown or HTML)."""
    if section.table.empty:
        return
    st.markdown(f"**{plain(section.title)}**")
    st.table(plain_frame(section.table.astype(str)), hide_index=True)
    if section.note:
        st.caption(plain(section.note))


def show_overlay_panel(code: str, *, level: str, release: str) -> None:
    """The loaded layers' figures in one division, with where each layer's data came from."""
    for spec, found in sections(code, level=level, release=release, public=counts_public(),
                                filters=True):  # fmt: skip
        st.markdown(f"#### {plain(spec.title)}")
        for section in found:
            show_section(section)
        st.caption(plain(provenance(spec.key)))


def show_overviews(*, level: str, release: str, names: dict[str, str]) -> None:
    """County-wide tables the loaded layers offer (e.g. areas with no support today)."""
    for key, spec in loaded().items():
        if spec.overview is None:
            continue
        agg = aggregate(key, level=level, release=release)
        assert agg is not None
        for section in spec.overview(agg, names):
            with st.expander(plain(section.title)):
                st.dataframe(section.table, hide_index=True, width="stretch")
                st.caption(plain(f"{section.note} {provenance(key)}".strip()))


__all__ = [
    "aggregate",
    "choose_overlays",
    "counts_public",
    "drawable",
    "loaded",
    "overlay_groups",
    "provenance",
    "public_view",
    "records_in",
    "sections",
    "show_overlay_panel",
    "show_overviews",
    "show_section",
]
