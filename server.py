"""The server: the Streamlit app (``app.py``) and ``/embed``, the public map as one page.

Run with ``streamlit run server.py`` (README). Streamlit finds ``app`` below, serves
``app.py``'s pages as always, and adds the routes of :mod:`views.embed`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from views.embed import ROUTES

app = st.App(Path(__file__).with_name("app.py"), routes=ROUTES)
