"""The page list: one place for each page's key, title, icon and URL path.

``app.py`` pairs these with the pages' render functions; links between pages (e.g. the map's
"Open the full division profile") take their title and path from here too. Keys are the ones
:mod:`geo.auth` decides access for (``sources`` is open to everyone; ``admin`` is the Settings
page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from views.guard import guarded


@dataclass(frozen=True)
class PageSpec:
    """One page of the app."""

    key: str
    title: str
    icon: str
    url_path: str
    """``""`` for the home page."""


PAGES: tuple[PageSpec, ...] = (
    PageSpec("map", "Map", ":material/map:", ""),
    PageSpec("division", "Division profile", ":material/description:", "division"),
    PageSpec("planner", "Bid planner", ":material/insights:", "planner"),
    PageSpec("risk", "Digital inclusion need", ":material/diversity_3:", "need"),
    PageSpec("data", "Data", ":material/upload_file:", "data"),
    PageSpec("reports", "Residents' reports", ":material/rate_review:", "reports"),
    PageSpec("admin", "Settings", ":material/settings:", "settings"),
    PageSpec("sources", "Sources", ":material/menu_book:", "sources"),
)
PAGE: dict[str, PageSpec] = {p.key: p for p in PAGES}
_BUILT: dict[str, StreamlitPage] = {}


def page(key: str, render: Callable[[], None]) -> StreamlitPage:
    """The ``st.Page`` for ``key`` (built by ``app.py``; links to it use :func:`built`).

    ``render`` runs inside :func:`views.guard.guarded`: a failure shows a message, never a
    traceback.
    """
    spec = PAGE[key]
    made = st.Page(guarded(render), title=spec.title, icon=spec.icon,
                   url_path=spec.url_path or None, default=not spec.url_path)  # fmt: skip
    _BUILT[key] = made
    return made


def built(key: str) -> StreamlitPage:
    """The page ``app.py`` built for ``key``: a link target, without importing that page."""
    return _BUILT[key]


__all__ = ["PAGE", "PAGES", "PageSpec", "built", "page"]
