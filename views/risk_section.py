"""The risk index where other pages need it: cached results, the profile's section, the pack.

Shared by the Digital inclusion need page, the division profile (one call:
:func:`profile_section`; its PDF: :func:`profile_lines`) and the bid planner's evidence pack
(:func:`pack_tables`), so no page imports another. Caches are keyed on plain values (the
catalogue's :class:`views.state.Key`, level, release, weights).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.analysis.risk import RiskResult, division_risk
from geo.analysis.switchoff import switchoff_risk, weak_4g_from_districts, weak_4g_from_postcodes
from geo.config import RISK_COMPONENT_WEIGHTS, RISK_INDICATORS
from geo.reports.evidence import risk_tables
from geo.reports.report import risk_section_lines
from views import state
from views.pages import PAGE

Weights = tuple[tuple[str, float], ...]
"""Weights as a hashable cache key: ((key, weight), …)."""


@st.cache_data(show_spinner="Scoring the small areas…", max_entries=16)
def risk(k: state.Key, level: str, release: str, iw: Weights, cw: Weights) -> RiskResult:
    """The risk index for these weights (cached on the catalogue's stamp and the weights)."""
    return division_risk(state.catalog(k), level, release=release,
                         indicator_weights=dict(iw), component_weights=dict(cw))  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=16)
def mobile_figures(k: state.Key, level: str) -> pd.DataFrame:
    """Weak indoor 4G per area from the finest mobile data loaded (postcodes, else districts)."""
    cat = state.catalog(k)
    areas = cat.areas[level]
    if cat.mobile_postcodes is not None and cat.postcodes is not None:
        return weak_4g_from_postcodes(cat.mobile_postcodes, cat.postcodes, areas)
    rows = cat.mobile if cat.mobile is not None else pd.DataFrame()
    if "lad_code" not in areas:
        areas = areas.assign(lad_code=None)
    return weak_4g_from_districts(rows, areas)


def default_weights() -> tuple[Weights, Weights]:
    """DERI's defaults, as cache keys."""
    iw = tuple((k, i.weight) for k, i in RISK_INDICATORS.items())
    return iw, tuple(RISK_COMPONENT_WEIGHTS.items())


def profile_lines(k: state.Key, level: str, release: str, code: str) -> list[str]:
    """The risk section of one division's profile (plain text lines), or ``[]``."""
    iw, cw = default_weights()
    try:
        result = risk(k, level, release, iw, cw)
    except ValueError:
        return []
    switch = switchoff_risk(result.divisions, mobile_figures(k, level))
    return risk_section_lines(result, code, switchoff=switch)


def pack_tables(k: state.Key, level: str, release: str) -> dict[str, pd.DataFrame]:
    """The risk tables (DERI default weights) for the planner's evidence pack, or ``{}``."""
    iw, cw = default_weights()
    try:
        return risk_tables(risk(k, level, release, iw, cw))
    except ValueError:
        return {}


def profile_section(k: state.Key, level: str, release: str, code: str) -> None:
    """The division profile's risk section (DERI defaults); one call from the profile page."""
    lines = profile_lines(k, level, release, code)
    st.subheader(PAGE["risk"].title)
    if not lines:
        st.caption("The risk index appears when small areas (OAs or LSOAs) and at least one "
                   "indicator (Census 2021 ages, IMD 2019 or IoD 2025, OA coverage) are "
                   "loaded.")  # fmt: skip
        return
    st.text("\n".join(lines))


__all__ = [
    "Weights",
    "default_weights",
    "mobile_figures",
    "pack_tables",
    "profile_lines",
    "profile_section",
    "risk",
]
