"""The figures panel: one area's premises-weighted figures beside the county's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.analysis.coverage import METHOD_NONE, district_rows, totals
from geo.analysis.profile import figures_table as beside_county
from geo.analysis.profile import unpublished_note
from geo.config import MEASURES
from geo.storage.catalog import Catalog
from views import widgets
from views.pages import PAGE, built
from views.text import plain


def figures_table(both: pd.DataFrame, *, whose: str = "Area") -> pd.DataFrame:
    """Rows per published measure of ``both`` (:func:`geo.analysis.profile.figures_table`):
    the area's % and count, the county's %, the difference.

    ``whose`` heads the area's columns: "District" when the figures are the district's.
    Measures carry their short names, so the five columns fit beside the map. Measures the
    release does not publish are left out of the numbers and named beneath them
    (:func:`show_figures`).
    """
    table = both[both["Published"].astype(bool)].copy()
    table["Measure"] = table["key"].map(lambda k: MEASURES[k].short)
    table = table.rename(columns={"Division %": f"{whose} %",
                                  "Division premises": f"{whose} premises"})  # fmt: skip
    return table[["Measure", f"{whose} %", f"{whose} premises", "County %", "Difference (points)"]]


def _columns(whose: str) -> dict[str, object]:
    """Columns sized to their text, with thousands separators: at 1280 px the five fit the
    panel's half of the page (:data:`views.map_page` gives map and panel one half each) with
    no header or measure name cut short; narrower, the table scrolls sideways inside itself."""
    number = st.column_config.NumberColumn
    return {
        "Measure": st.column_config.TextColumn(width=140),
        f"{whose} %": number(width=64),
        f"{whose} premises": number("Premises", format="localized", width=70),
        "County %": number(width=72),
        "Difference (points)": number(
            "±", help="Points above (+) or below (−) the county's %", width=44
        ),
    }


def show_figures(area: pd.Series, county: pd.Series, release: str, *, whose: str = "Area") -> None:
    """The figures beside the county's, and beneath them the measures ``release`` does not
    publish ("not published in this release")."""
    both = beside_county(area, county)
    st.dataframe(figures_table(both, whose=whose), hide_index=True, width="stretch",
                 column_config=_columns(whose))  # fmt: skip
    note = unpublished_note(both, release)
    if note:
        st.caption(plain(note))


def district_row(cat: Catalog, lad_code: str | None, release: str) -> pd.Series | None:
    """The LA-level Ofcom row for a district in ``release``, or ``None``."""
    if cat.coverage is None or not lad_code:
        return None
    rows = district_rows(cat.coverage, lad_code, release=release)
    if rows.empty:
        return None
    out = totals(rows)
    out["area_name"] = rows["area_name"].iloc[0] if "area_name" in rows else lad_code
    return out


def profile_link(code: str) -> None:
    """A link to the division's profile page (``division?division=<code>``)."""
    spec = PAGE["division"]
    st.page_link(built(spec.key), label=f"Open the full {spec.title.lower()}", icon=spec.icon,
                 query_params={widgets.PARAM: code})  # fmt: skip


def show_area_panel(
    area: pd.Series, county: pd.Series, county_how: str, *, cat: Catalog, release: str
) -> None:
    """Render the panel for ``area`` (a row of the figures frame)."""
    st.subheader(plain(area["area_name"]), anchor=False)
    st.caption(plain(f"Code {area['area_code']} · Ofcom release {release}"))
    profile_link(str(area["area_code"]))
    if area.get("method") == METHOD_NONE or pd.isna(area.get("premises")):
        needs = area.get("figure_needs") or "an Ofcom postcode- or output-area-level file"
        st.info(
            "No coverage data finer than the district is loaded for this area, so it has no "
            f"figure of its own (the map hatches it with its district's). Its own needs "
            f"{plain(needs)}."
        )
        district = district_row(cat, area.get("lad_code"), release)
        if district is not None:
            st.markdown(
                f"For reference, the whole district (**{plain(district['area_name'])}**) — "
                "this is the district's figure, not this area's:"
            )
            show_figures(district, county, release, whose="District")
        return
    st.metric("Premises (Ofcom 'All Premises')", f"{area['premises']:,.0f}")
    show_figures(area, county, release)
    st.caption(plain(
        f"Premises-weighted from {area['method']}; weight: {area.get('weight', 'premises')}. "
        f"County figure: {county_how}."
    ))  # fmt: skip
