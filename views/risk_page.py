"""Digital inclusion need: the DERI-style risk index, need beside provision, switch-off risk.

Everything shown is worked out in ``geo.analysis.risk`` / ``switchoff`` / ``provision``; this
module only wires widgets to them and caches on plain values (catalogue and store stamps,
level, release, weights). Names from files reach the page through ``st.dataframe`` and the
escaped map only, never Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.analysis.provision import high_risk_without_support, need_beside_provision
from geo.analysis.risk import RiskResult, indicators_for
from geo.analysis.switchoff import FROM_DISTRICT, switchoff_risk
from geo.config import (
    DERI_LINE,
    RISK_COMPONENT_WEIGHTS,
    RISK_COMPONENTS,
    SUPPORT_RADIUS_KM,
    SWITCHOFF_MAX_INDOOR_4G_OPERATORS,
    SWITCHOFF_NO_DECENT_PCT,
    SWITCHOFF_PCT_75,
    SWITCHOFF_WEAK_4G_PCT,
    Indicator,
)
from layers.base import registered
from layers.scoremap import risk_map
from views import state
from views.downloads import download_table
from views.pages import PAGE
from views.risk_section import Weights, mobile_figures, risk
from views.text import plain

TITLE = PAGE["risk"].title


def _weights_inputs(indicators: Mapping[str, Indicator]) -> tuple[Weights, Weights]:
    st.markdown("**Weights** (DERI v1.2 defaults; each is divided by the sum of those in use)")
    cols = st.columns(len(RISK_COMPONENTS))
    cw = tuple(
        (key, float(col.number_input(plain(label), 0.0, 10.0, RISK_COMPONENT_WEIGHTS[key], 0.5,
                                     key=f"risk_cw_{key}")))
        for (key, label), col in zip(RISK_COMPONENTS.items(), cols, strict=True)
    )  # fmt: skip
    with st.expander("Indicator weights within each component"):
        icols = st.columns(3)
        iw = tuple(
            (key, float(icols[n % 3].number_input(ind.label, 0.0, 10.0, ind.weight, 0.5,
                                                  key=f"risk_iw_{key}")))
            for n, (key, ind) in enumerate(indicators.items())
        )  # fmt: skip
    return iw, cw


def render() -> None:
    """The Digital inclusion need page."""
    opened = state.open_page(TITLE)
    if opened is None:
        return
    cat, k, level = opened
    st.caption(
        "Where digital-inclusion support is most needed: a risk score from 0 (least) to 10 "
        "(most) per division, built from small-area indicators as in Greater Manchester's "
        "Digital Exclusion Risk Index. " + DERI_LINE
    )
    releases = cat.releases
    release = st.selectbox("Ofcom fixed release", releases, index=len(releases) - 1,
                           key="risk_release")  # fmt: skip
    iw, cw = _weights_inputs(indicators_for(cat.imd))
    try:
        result = risk(k, level, release, iw, cw)
    except ValueError as exc:
        st.warning(plain(f"The risk index cannot be worked out yet: {exc}."))
        return
    for note in result.notes:
        st.caption(plain(note))
    st.caption(plain(f"Small areas: {result.level.upper()}s, weighted by {result.weight_method}."))
    with st.expander("Weights in use and their share of the score"):
        st.dataframe(result.weights.round(2), hide_index=True, width="stretch")

    st.subheader("Risk by division")
    support = next((key for key, spec in registered().items()
                    if "support_points" in spec.roles), None)  # fmt: skip
    pilots = None if support is None else state.stored(support, k)
    group = None if pilots is None else registered()[str(support)].draw(pilots, public=False)
    web = state.web_figures(k, level, release)
    st_folium(risk_map(web, result.divisions, support=group), key="risk_map", height=520,
              use_container_width=True, returned_objects=[])  # fmt: skip
    # The ranking under the map at full width: beside it, half a 1280 px page cut off its
    # component columns and long division names (issue 13: nothing cut off at 1280 px).
    number = st.column_config.NumberColumn(format="%.1f", width="small")
    table = result.table()
    config = {c: number for c in table.columns if c.endswith("(0–10)")}
    config["Rank"] = st.column_config.NumberColumn(width="small")
    st.dataframe(table, hide_index=True, width="stretch", height=420, column_config=config,
                 key="risk_ranking")  # fmt: skip
    download_table("Download the ranking (CSV)",
                   result.divisions.drop(columns=["x", "y"]).reset_index(),
                   f"risk_{level}_{release}.csv", key="risk_dl_csv")  # fmt: skip
    st.markdown("**Indicators: source, year and licence**")
    st.dataframe(result.indicators, hide_index=True, width="stretch")

    _provision_section(result, cat.areas[level], pilots)
    _switchoff_section(result, mobile_figures(k, level))


def _provision_section(result: RiskResult, areas: pd.DataFrame, pilots: object) -> None:
    st.subheader("Need beside provision")
    radius = st.columns(3)[0].number_input("No support within (km)", 0.5, 50.0,
                                           SUPPORT_RADIUS_KM, 0.5, key="risk_radius")  # fmt: skip
    table = need_beside_provision(result.divisions, areas, pilots, radius_km=float(radius),  # type: ignore[arg-type]
                                  on=date.today())  # fmt: skip
    if pilots is None:
        st.info("No support points are stored yet: upload the pilots and support points on "
                "the Data page to see the nearest support to each division.")  # fmt: skip
    shown = table.rename(columns={
        "area_name": "Division", "rank": "Rank", "score": "Risk score",
        "nearest_site": "Nearest support point", "nearest_programme": "Programme",
        "nearest_kind": "Kind", "distance_km": "Distance (km)",
        "sites_inside": "Support points inside", "people_helped": "People helped inside",
        "high_risk": "High risk", "no_support_nearby": f"None within {radius:g} km",
    })  # fmt: skip
    shown["Kind"] = shown["Kind"].str.replace("_", " ")
    st.dataframe(shown.round(2), hide_index=True, width="stretch")
    listed = high_risk_without_support(table)
    st.markdown(f"**High risk, no support within {radius:g} km ({len(listed)})**")
    st.dataframe(
        listed[["area_name", "score", "nearest_site", "distance_km"]].round(2).rename(
            columns={"area_name": "Division", "score": "Risk score",
                     "nearest_site": "Nearest support point", "distance_km": "Distance (km)"}
        ),
        hide_index=True, width="stretch",
    )  # fmt: skip
    st.caption(
        f"High risk: a score of {table.attrs['high_risk_score']:.2f} or more (the top fifth). "
        "Distances are straight lines from the division's population-weighted centre; only "
        "support running today counts."
    )


def _switchoff_section(result: RiskResult, mobile: pd.DataFrame) -> None:
    st.subheader("Landline and 3G switch-off risk")
    c1, c2, c3 = st.columns(3)
    t75 = c1.number_input("Residents aged 75+ at least (%)", 0.0, 100.0, SWITCHOFF_PCT_75, 0.5,
                          key="risk_t75")  # fmt: skip
    t4g = c2.number_input("Weak indoor 4G at least (% of premises)", 0.0, 100.0,
                          SWITCHOFF_WEAK_4G_PCT, 0.5, key="risk_t4g")  # fmt: skip
    tnd = c3.number_input("No decent broadband at least (% of premises)", 0.0, 100.0,
                          SWITCHOFF_NO_DECENT_PCT, 0.5, key="risk_tnd")  # fmt: skip
    table = switchoff_risk(result.divisions, mobile, pct_75=t75, weak_4g_pct=t4g,
                           no_decent_pct=tnd)  # fmt: skip
    flagged = table[table["at_risk"]]
    st.markdown(f"**Divisions at switch-off risk ({len(flagged)} of {len(table)})**")
    cols = {"area_name": "Division", "aged_75_plus": "Residents 75+", "pct_75": "% 75+",
            "n_below_uso": "Premises without decent broadband",
            "pct_below_uso": "% without decent broadband",
            "pct_weak_indoor_4g": "% weak indoor 4G", "mobile_from": "Indoor 4G from"}  # fmt: skip
    st.dataframe(flagged[list(cols)].rename(columns=cols).round(1), hide_index=True,
                 width="stretch")  # fmt: skip
    district = (mobile["mobile_from"] == FROM_DISTRICT).any()
    st.caption(
        f"Weak indoor 4G: indoor 4G from at most {SWITCHOFF_MAX_INDOOR_4G_OPERATORS} of the four "
        "networks. "
        + ("Ofcom publishes mobile coverage by district, so each division shows its district's "
           "share; premises counts per postcode come from Ofcom's mobile API." if district else "")
    )  # fmt: skip


__all__ = ["TITLE", "render"]
