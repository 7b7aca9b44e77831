"""The server: the Streamlit app (``app.py``) and ``/embed``, the public map as one page.

Run with ``streamlit run server.py`` (README). Streamlit finds ``app`` below, serves
``app.py``'s pages as always, and adds the routes of :mod:`views.embed`.

What the browser gets, and why (each measured by ``benchmarks/bench_paint.py``):

* every TCP connection with Nagle's algorithm off
  (:func:`views.transport.nodelay_every_tcp_socket`);
* Streamlit's content-hashed frontend files gzipped once per process, every other HTTP response
  of 1 KB or more gzipped as it goes (:class:`views.transport.GzipOnce`), for a browser that
  asks; the WebSocket is compressed by ``enableWebsocketCompression`` in
  ``.streamlit/config.toml``;
* Streamlit's ``index.html`` preloading the code of the elements drawn before the map and the
  map frame's Leaflet files (:class:`views.preload.PreloadElements`).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from views.embed import ROUTES
from views.preload import PreloadElements
from views.transport import GzipOnce, nodelay_every_tcp_socket

nodelay_every_tcp_socket()  # before uvicorn accepts the first connection

app = st.App(
    Path(__file__).with_name("app.py"),
    routes=ROUTES,
    middleware=[Middleware(GzipOnce), Middleware(PreloadElements)],  # outermost first
)
