"""Broadband and digital-inclusion maps for council electoral divisions (Streamlit front end).

Run with ``streamlit run server.py`` (which serves this script and ``/embed``). This file only
decides which pages this visitor may see and hands over to them; the work is in ``geo/``
(geometry, aggregation) and ``layers/`` (overlays).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo.errors import SetupError
from views import (
    access,
    data_page,
    map_page,
    planner_page,
    profile_page,
    public_page,
    reports_page,
    risk_page,
    settings_page,
    sources_page,
)
from views.guard import show_setup_failure
from views.pages import PAGES, page
from views.widgets import page_style

# The tab's icon is a file of ours: a Material icon name or an emoji makes every visitor's browser
# fetch it from Google's or a CDN's servers.
ICON = Path(__file__).with_name("static") / "icon.png"
st.set_page_config(page_title="Broadband coverage by division", page_icon=str(ICON), layout="wide")
page_style()

# Each page's render function, by its key in views.pages.PAGES (a comment, not a docstring:
# Streamlit's "magic" would print a bare string in this script on every page).
RENDER = {
    "map": map_page.render,
    "division": profile_page.render,
    "planner": planner_page.render,
    "risk": risk_page.render,
    "data": data_page.render,
    "reports": reports_page.render,
    "admin": settings_page.render,
    "sources": sources_page.render,
}

try:  # a bad setting (BROADBAND_LEVEL, BROADBAND_DATA_DIR): one message, no page, no traceback
    ctx = access.context()
except SetupError as exc:
    show_setup_failure(exc)
if not ctx.public:
    access.sign_in_form(ctx)
if ctx.public:  # the public sees the read-only public page at "/", not the officers' map
    RENDER["map"] = public_page.render
pages = [page(p.key, RENDER[p.key]) for p in PAGES if access.allowed(p.key, ctx)]
st.navigation(pages, position="hidden" if ctx.public else "sidebar").run()
