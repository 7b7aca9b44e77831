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
    sources_page,
)
from views.guard import guarded

st.set_page_config(
    page_title="Broadband coverage by division", page_icon=":material/wifi:", layout="wide"
)

# key (as in geo.auth.PAGES, or "sources"), render, title, icon, url path ("" = home)
PAGES = [
    ("map", map_page.render, "Map", ":material/map:", ""),
    ("division", profile_page.render, "Division profile", ":material/description:", "division"),
    ("planner", planner_page.render, "Bid planner", ":material/insights:", "planner"),
    ("data", data_page.render, "Data", ":material/upload_file:", "data"),
    ("sources", sources_page.render, "Sources", ":material/menu_book:", "sources"),
]

ctx = access.context()
if not ctx.public:
    access.sign_in_form()
allowed = [p for p in PAGES if access.allowed(p[0], ctx)]
if ctx.public:  # the public sees the read-only public page at "/", not the officers' map
    allowed = [(k, public_page.render if k == "map" else r, *rest) for k, r, *rest in allowed]
pages = [
    st.Page(guarded(render), title=title, icon=icon, url_path=url or None, default=not url)
    for _key, render, title, icon, url in allowed
]
st.navigation(pages, position="hidden" if ctx.public else "sidebar").run()
