"""The server: the Streamlit app (``app.py``) and ``/embed``, the public map as one page.

Run with ``streamlit run server.py`` (README). Streamlit finds ``app`` below, serves
``app.py``'s pages as always, and adds the routes of :mod:`views.embed`.

Every HTTP response of 1 KB or more goes out gzipped when the browser asks for it (Starlette's
``GZipMiddleware``): Streamlit sends its own frontend bundle (about 3 MB, ~100 files)
uncompressed otherwise. The WebSocket is compressed by ``enableWebsocketCompression`` in
``.streamlit/config.toml``; ``benchmarks/bench_paint.py`` counts the bytes of both.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

from views.embed import ROUTES

GZIP_MIN_BYTES = 1000
"""Smaller responses are not worth a gzip header and the CPU (Starlette's own default)."""

app = st.App(
    Path(__file__).with_name("app.py"),
    routes=ROUTES,
    middleware=[Middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES)],
)
