"""Broadband and digital-inclusion maps for council electoral divisions (Streamlit front end).

Run with ``streamlit run app.py``. This file only wires pages together; the work is in
``geo/`` (geometry, aggregation) and ``layers/`` (one module per overlay).
"""

from __future__ import annotations

import streamlit as st

from views import map_page, sources_page

st.set_page_config(page_title="Broadband coverage by division", page_icon=":material/wifi:", layout="wide")

pages = [
    st.Page(map_page.render, title="Map", icon=":material/map:", default=True),
    st.Page(sources_page.render, title="Sources", icon=":material/menu_book:", url_path="sources"),
]
st.navigation(pages).run()
