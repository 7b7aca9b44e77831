"""Where the data comes from, how to load it, and the licences."""

from __future__ import annotations

import streamlit as st

from geo.config import (
    ATTRIBUTION_LINES,
    BOUNDARY_SERVICES,
    EPRACCUR_URL,
    GIAS_URL,
    OFCOM_CONNECTED_NATIONS_URL,
    ONSPD_URL,
)
from geo.settings import load_settings
from views import state


def render() -> None:
    """The Sources page."""
    cat = state.catalog()
    state.synthetic_banner(cat)
    st.title("Sources and licences")
    st.markdown("### Loaded now")
    rows = [{"Layer": k, **{f: str(v) for f, v in facts.items()}} for k, facts in cat.meta.items()]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.markdown("### Load real data")
    st.code(
        f"python -m geo fetch --county {load_settings().county_code} --level ced --level lad"
        "  # ONS boundaries\n"
        "python -m geo import 202105_fixed_laua_coverage_r01.csv  # files downloaded by hand\n"
        "python -m geo status",
        language="bash",
    )
    st.markdown("### Publishers")
    links = {
        "ONS boundaries (ArcGIS FeatureServer)": BOUNDARY_SERVICES["ced"],
        "Ofcom Connected Nations data downloads": OFCOM_CONNECTED_NATIONS_URL,
        "ONS Postcode Directory / NSPL": ONSPD_URL,
        "DfE Get Information About Schools": GIAS_URL,
        "NHS ODS GP practices (epraccur)": EPRACCUR_URL,
    }
    st.markdown("\n".join(f"- [{k}]({v})" for k, v in links.items()))
    st.markdown("### Licences")
    st.markdown("\n".join(f"- {line}" for line in ATTRIBUTION_LINES))
