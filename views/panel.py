"""The figures panel: one area's premises-weighted figures beside the county's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.analysis.coverage import METHOD_NONE, totals
from geo.config import MEASURES
from geo.storage.catalog import Catalog
from views import profile_page, widgets
from views.pages import PAGE


def figures_table(area: pd.Series, county: pd.Series) -> pd.DataFrame:
    """Rows per measure: the area's % and count, the county's %, the difference in points."""
    rows = []
    for key, m in MEASURES.items():
        pct, n = area.get(f"pct_{key}"), area.get(f"n_{key}")
        cpct = county.get(f"pct_{key}")
        rows.append({
            "Measure": m.label,
            "Area %": None if pd.isna(pct) else round(float(pct), 1),
            "Area premises": None if pd.isna(n) else int(n),
            "County %": None if cpct is None or pd.isna(cpct) else round(float(cpct), 1),
            "Difference (points)": None if pd.isna(pct) or cpct is None or pd.isna(cpct)
            else round(float(pct) - float(cpct), 1),
        })  # fmt: skip
    return pd.DataFrame(rows)


def district_row(cat: Catalog, lad_code: str | None, release: str) -> pd.Series | None:
    """The LA-level Ofcom row for a district in ``release``, or ``None``."""
    if cat.coverage is None or not lad_code:
        return None
    cov = cat.coverage
    rows = cov[(cov["area_id"] == lad_code) & (cov["release"] == release)]
    if "level" in rows:
        rows = rows[rows["level"] == "lad"]
    if rows.empty:
        return None
    out = totals(rows)
    out["area_name"] = rows["area_name"].iloc[0] if "area_name" in rows else lad_code
    return out


def profile_link(code: str) -> None:
    """A link to the division's profile page (``division?division=<code>``)."""
    spec = PAGE["division"]
    page = st.Page(profile_page.render, title=spec.title, url_path=spec.url_path)
    st.page_link(page, label=f"Open the full {spec.title.lower()}", icon=spec.icon,
                 query_params={widgets.PARAM: code})  # fmt: skip


def show_area_panel(
    area: pd.Series, county: pd.Series, county_how: str, *, cat: Catalog, release: str
) -> None:
    """Render the panel for ``area`` (a row of the figures frame)."""
    st.subheader(str(area["area_name"]))
    st.caption(f"Code {area['area_code']} · Ofcom release {release}")
    profile_link(str(area["area_code"]))
    if area.get("method") == METHOD_NONE or pd.isna(area.get("premises")):
        st.info(
            "No coverage data finer than the district is loaded for this area, so it has no "
            "figure of its own. Import an Ofcom postcode- or output-area-level file to see it."
        )
        district = district_row(cat, area.get("lad_code"), release)
        if district is not None:
            st.markdown(
                f"For reference, the whole district (**{district['area_name']}**) — "
                "this is the district's figure, not this area's:"
            )
            st.dataframe(figures_table(district, county), hide_index=True, width="stretch")
        return
    st.metric("Premises (Ofcom 'All Premises')", f"{area['premises']:,.0f}")
    st.dataframe(figures_table(area, county), hide_index=True, width="stretch")
    st.caption(
        f"Premises-weighted from {area['method']}; weight: {area.get('weight', 'premises')}. "
        f"County figure: {county_how}."
    )
