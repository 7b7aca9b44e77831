"""Where the data comes from, how to load it, and the licences."""

from __future__ import annotations

import streamlit as st

from geo.analysis.reconcile import display_table
from geo.config import (
    ATTRIBUTION_LINES,
    BOUNDARY_SERVICES,
    DEFAULT_MEASURE,
    EPRACCUR_URL,
    GIAS_URL,
    OFCOM_CONNECTED_NATIONS_URL,
    ONSPD_URL,
)
from geo.settings import load_settings
from geo.storage.catalog import RECONCILIATION_LAYER, Catalog
from views import state


def _reconciliation(cat: Catalog) -> None:
    """The stored reconciliation of OA/postcode figures against the LA file, per district."""
    st.markdown("### Reconciliation with the local-authority file")
    table = cat.reconciliation
    if table is None or table.empty:
        st.caption(
            "Appears after an output-area or postcode-level Ofcom import: each district's "
            "premises and measures from the finer file beside the LA file of the same release."
        )
        return
    st.dataframe(display_table(table, measure=DEFAULT_MEASURE), hide_index=True, width="stretch")
    st.caption(
        "Premises-weighted. Difference = finer file − LA file (premises, and percentage points "
        "for the measure); the county row adds up every district."
    )


def render() -> None:
    """The Sources page."""
    cat = state.catalog()
    state.synthetic_banner(cat)
    st.title("Sources and licences")
    st.markdown("### Loaded now")
    rows = [
        {"Layer": k, **{f: str(v) for f, v in facts.items()}}
        for k, facts in cat.meta.items()
        if k != RECONCILIATION_LAYER
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    _reconciliation(cat)
    st.markdown("### Load real data")
    county = load_settings().county_code
    st.code(
        f"python -m geo fetch --county {county} --level ced --level lad  # ONS boundaries\n"
        f"python -m geo fetch --county {county} --level oa --level postcodes"
        "  # OA and postcode centroids\n"
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
