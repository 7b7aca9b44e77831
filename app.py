"""Broadband and digital-inclusion maps for council electoral divisions (Streamlit front end).

Run with ``streamlit run app.py``. This file only decides which pages this visitor may see and
hands over to them; the work is in ``geo/`` (geometry, aggregation) and ``layers/`` (overlays).
"""

from __future__ import annotations

import streamlit as st

from views import (
    access,
    data_page,
    map_page,
    planner_page,
    profile_page,
    public_page,
    risk_page,
    sources_page,
)
from views.pages import PAGES

st.set_page_config(
    page_title="Broadband coverage by division", page_icon=":material/wifi:", layout="wide"
)

RENDER = {
    "map": map_page.render,
    "division": profile_page.render,
    "planner": planner_page.render,
    "risk": risk_page.render,
    "data": data_page.render,
    "sources": sources_page.render,
}
"""Each page's render function, by its key in :data:`views.pages.PAGES`."""

ctx = access.context()
if not ctx.public:
    access.sign_in_form()
if ctx.public:  # the public sees the read-only public page at "/", not the officers' map
    RENDER["map"] = public_page.render
pages = [
    st.Page(RENDER[p.key], title=p.title, icon=p.icon, url_path=p.url_path or None,
            default=not p.url_path)
    for p in PAGES
    if access.allowed(p.key, ctx)
]  # fmt: skip
st.navigation(pages, position="hidden" if ctx.public else "sidebar").run()
