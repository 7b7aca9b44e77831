"""Overlays on the map (vouchers, anchor sites, pilots) and their figures beside a division.

Records come from the store (:mod:`geo.storage.store`); aggregates are cached with
``st.cache_data`` keyed
by plain values (store path and mtime, catalogue path and mtime, level, release, layer). The
table builders (``*_table``) are plain functions of aggregates, tested without Streamlit.
Vouchers are personal data: public views never draw a voucher and show small counts as
"fewer than 5" (:mod:`geo.analysis.privacy`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.analysis.privacy import is_suppressed, suppress_small
from geo.config import SYNTHETIC_LABEL
from geo.settings import load_settings
from geo.storage import store
from geo.storage.workspace import Stamp, file_stamp
from layers.base import registered
from views import access, state

OVERLAYS_KEY = "overlays"


# --- Cached data ---------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def records(store_file: str, stamp: Stamp, layer: str) -> gpd.GeoDataFrame | None:
    """The current stored records of ``layer`` (EPSG:27700), or ``None`` if never saved."""
    del stamp  # part of the cache key only
    found = store.load(store_file, layer)
    return found if isinstance(found, gpd.GeoDataFrame) else None


@st.cache_data(show_spinner=False, max_entries=64)
def aggregate(
    store_file: str,
    stamp: Stamp,
    cat_file: str,
    cat_stamp: Stamp,
    level: str,
    release: str,
    layer: str,
    start: date | None = None,
    end: date | None = None,
    on: date | None = None,
) -> pd.DataFrame | None:
    """``layer``'s aggregate per area of ``level`` (index ``area_code``), or ``None``."""
    recs = records(store_file, stamp, layer)
    if recs is None:
        return None
    figs = state.figures(state.Key(cat_file, cat_stamp, store_file, stamp), level, release)
    areas = figs[["area_code", "area_name", "geometry"]]
    spec = registered()[layer]
    if layer == "vouchers":
        premises = figs.set_index("area_code")["premises"]
        return spec.aggregate(recs, areas, premises=premises, start=start, end=end)
    if layer == "pilots":
        return spec.aggregate(recs, areas, on=on)
    return spec.aggregate(recs, areas)


@st.cache_data(show_spinner=False, max_entries=16)
def records_in(
    store_file: str,
    stamp: Stamp,
    cat_file: str,
    cat_stamp: Stamp,
    level: str,
    release: str,
    layer: str,
) -> pd.DataFrame | None:
    """``layer``'s records (no geometry) with the ``area_code`` of the area each falls in."""
    from geo.geometry.aggregate import assign_areas

    recs = records(store_file, stamp, layer)
    if recs is None:
        return None
    areas = state.figures(state.Key(cat_file, cat_stamp, store_file, stamp), level, release)[
        ["area_code", "geometry"]
    ]
    codes = assign_areas(recs, areas, points_name=layer)
    return pd.DataFrame(recs.drop(columns="geometry")).assign(area_code=codes.to_numpy())


def _store() -> tuple[str, Stamp]:
    k = state.key()
    return k.store, k.store_stamp


def public_view() -> bool:
    """True unless ``BROADBAND_SHOW_RECORDS`` is on and this visitor may open the Data page."""
    ctx = access.context()
    return ctx.public or not (load_settings().show_records and access.allowed("data", ctx))


def provenance(store_file: str | Path, layer: str) -> str:
    """Where the records came from: count, version, when, who, file; labelled if synthetic."""
    return _provenance(str(store_file), file_stamp(store_file), layer)


@st.cache_data(show_spinner=False, max_entries=32)
def _provenance(store_file: str, stamp: Stamp, layer: str) -> str:
    del stamp  # part of the cache key
    found = store.versions(store_file, layer)
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


# --- Map overlays ----------------------------------------------------------------------------


def choose_overlays() -> list[str]:
    """The "Show on map" picker over the registered layers."""
    layers = registered()
    return st.multiselect(
        "Show on map", list(layers), key=OVERLAYS_KEY,
        format_func=lambda k: layers[k].title, placeholder="Coverage only",
    )  # fmt: skip


def overlay_groups(keys: list[str], *, public: bool) -> list[folium.FeatureGroup]:
    """Feature groups for the chosen layers (a layer with nothing stored is skipped)."""
    store_file, stamp = _store()
    groups = []
    for key in keys:
        spec = registered()[key]
        recs = records(store_file, stamp, key)
        if recs is None:
            st.caption(f"{spec.title}: nothing loaded yet (use the Data page).")
            continue
        if public and spec.personal_data:
            st.caption(
                f"{spec.title} are personal data: not drawn one by one here. Counts per "
                "area are in the panel."
            )
            continue
        groups.append(spec.draw(recs, public=public, show=True))
    return groups


# --- Tables (plain functions) ----------------------------------------------------------------


def _count(value: object, *, public: bool) -> str:
    number = pd.Series([value], dtype=float)
    return str(suppress_small(number).iloc[0]) if public else f"{number.iloc[0]:,.0f}"


def voucher_table(row: pd.Series, *, statuses: tuple[str, ...], public: bool) -> pd.DataFrame:
    """One division's vouchers: counts by status, per 1,000 premises and total value.

    In public views counts of 1–4 read "fewer than 5", and the rate and value behind a small
    number of vouchers read "suppressed" (either would give the count away).
    """
    items = [(s.replace("_", " ").capitalize(), _count(row[f"n_{s}"], public=public))
             for s in statuses]  # fmt: skip
    n = pd.Series([row["n_vouchers"]])
    hidden = public and bool(is_suppressed(n).iloc[0])
    items.append(("Vouchers (not cancelled)", _count(row["n_vouchers"], public=public)))
    rate = row["per_1000_premises"]
    items.append(("Per 1,000 premises", "suppressed" if hidden else
                  "no data" if pd.isna(rate) else f"{rate:,.1f}"))  # fmt: skip
    items.append(("Total value (not cancelled)",
                  "suppressed" if hidden else f"£{row['total_value']:,.0f}"))  # fmt: skip
    return pd.DataFrame(items, columns=["Vouchers", "Count"])


def anchor_table(row: pd.Series, *, labels: dict[str, str], prefix: str) -> pd.DataFrame:
    """Counts of ``n_<prefix><key>`` columns, labelled, zeros left out."""
    items = [(label, int(row[f"n_{prefix}{key}"])) for key, label in labels.items()
             if int(row.get(f"n_{prefix}{key}", 0))]  # fmt: skip
    return pd.DataFrame(items, columns=["", "Sites"])


def site_list(
    recs: pd.DataFrame, code: str, *, labels: dict[str, str], types: dict[str, str] | None = None
) -> pd.DataFrame:
    """The sites in one area, by name (as text), type and fibre status."""
    types = types or {}
    here = recs[recs["area_code"] == code].sort_values("name")
    return pd.DataFrame({
        "Site": here["name"].astype(str).to_numpy(),
        "Type": here["site_type"].map(lambda t: types.get(t, t.replace("_", " "))).to_numpy(),
        "Fibre": here["fibre_status"].map(lambda f: labels.get(f, f)).to_numpy(),
    })  # fmt: skip


def pilot_table(row: pd.Series, *, kinds: tuple[str, ...], public: bool) -> pd.DataFrame:
    """Active support points (by kind) and people helped."""
    items = [("Active support points", str(int(row["n_active"])))]
    items += [(f"· {k.replace('_', ' ')}", str(int(row[f"n_{k}"]))) for k in kinds
              if int(row[f"n_{k}"])]  # fmt: skip
    items.append(("People helped (all pilots)", _count(row["people_helped"], public=public)))
    return pd.DataFrame(items, columns=["Support", "Count"])


def no_support_list(agg: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Areas with no active support point, by name, with how many pilots they ever had."""
    gone = agg[agg["no_support"]]
    out = pd.DataFrame({
        "Area": [names.get(c, c) for c in gone.index],
        "Code": list(gone.index),
        "Pilots ever": gone["n_sites"].astype(int).to_numpy(),
    })  # fmt: skip
    return out.sort_values("Area").reset_index(drop=True)


# --- Panel -----------------------------------------------------------------------------------


def _date_filter(recs: gpd.GeoDataFrame) -> tuple[date | None, date | None]:
    dated = recs["date"].dropna()
    if dated.empty or not st.checkbox("Only vouchers dated between…", key="voucher_dates_on"):
        return None, None
    lo, hi = dated.min().date(), dated.max().date()
    picked = st.date_input("Voucher dates", value=(lo, hi), key="voucher_dates")
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked[0], picked[1]
    return None, None


def counts_public() -> bool:
    """True when small counts must be suppressed: anyone who may not open the Data page."""
    return not access.allowed("data", access.context())


def show_overlay_panel(code: str, *, level: str, release: str) -> None:
    """Vouchers, anchor sites and pilots in one division (the layers that hold data).

    Small counts read "fewer than 5" for anyone who may not open the Data page (who could
    see the uploaded records anyway).
    """
    public = counts_public()
    store_file, stamp = _store()
    k = state.key()
    cat_file, cat_stamp = k.catalog, k.catalog_stamp
    layers = registered()
    key = (store_file, stamp, cat_file, cat_stamp, level, release)
    if "vouchers" in layers and (recs := records(store_file, stamp, "vouchers")) is not None:
        st.markdown(f"#### {layers['vouchers'].title}")
        start, end = _date_filter(recs)
        agg = aggregate(*key, "vouchers", start=start, end=end)
        assert agg is not None
        statuses = tuple(s for s in layers["vouchers"].extra["statuses"] if agg[f"n_{s}"].any())
        st.table(voucher_table(agg.loc[code], statuses=statuses, public=public))
        st.caption(provenance(store_file, "vouchers"))
    if "anchors" in layers and records(store_file, stamp, "anchors") is not None:
        spec = layers["anchors"]
        st.markdown(f"#### {spec.title}")
        agg = aggregate(*key, "anchors")
        assert agg is not None
        kinds = {k: v[1] for k, v in spec.extra["badges"].items()}
        c1, c2 = st.columns(2)
        c1.table(anchor_table(agg.loc[code], labels=kinds, prefix=""))
        c2.table(anchor_table(agg.loc[code], labels=spec.extra["fibre_labels"], prefix="fibre_"))
        recs_in = records_in(*key, "anchors")
        assert recs_in is not None
        sites = site_list(recs_in, code, labels=spec.extra["fibre_labels"], types=kinds)
        if len(sites):
            st.table(sites)  # text cells: names are never read as HTML
        st.caption(provenance(store_file, "anchors"))
    if "pilots" in layers and records(store_file, stamp, "pilots") is not None:
        st.markdown(f"#### {layers['pilots'].title}")
        agg = aggregate(*key, "pilots", on=date.today())
        assert agg is not None
        kinds = layers["pilots"].extra["kinds"]
        st.table(pilot_table(agg.loc[code], kinds=kinds, public=public))
        st.caption(provenance(store_file, "pilots"))


def show_no_support(*, level: str, release: str, names: dict[str, str]) -> None:
    """County-wide: the areas with no active digital-inclusion support point."""
    store_file, stamp = _store()
    if "pilots" not in registered() or records(store_file, stamp, "pilots") is None:
        return
    k = state.key()
    cat_file, cat_stamp = k.catalog, k.catalog_stamp
    agg = aggregate(store_file, stamp, cat_file, cat_stamp, level, release, "pilots",
                    on=date.today())  # fmt: skip
    assert agg is not None
    table = no_support_list(agg, names)
    with st.expander(f"Areas with no digital-inclusion support today ({len(table)})"):
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption("No support point (training, device lending, free Wi-Fi, library help) is "
                   "running in these areas today. " + provenance(store_file, "pilots"))  # fmt: skip


__all__ = [
    "aggregate",
    "anchor_table",
    "choose_overlays",
    "counts_public",
    "no_support_list",
    "overlay_groups",
    "pilot_table",
    "provenance",
    "public_view",
    "records",
    "records_in",
    "show_no_support",
    "show_overlay_panel",
    "site_list",
    "voucher_table",
]
