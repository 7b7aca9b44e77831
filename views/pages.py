"""The page list: one place for each page's key, title, icon and URL path.

``app.py`` pairs these with the pages' render functions; links between pages (e.g. the map's
"Open the full division profile") take their title and path from here too. Keys are the ones
:mod:`geo.auth` decides access for (``sources`` is open to everyone).
"""

from __future__ import annotations

from dataclasses import dataclass


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
    PageSpec("sources", "Sources", ":material/menu_book:", "sources"),
)
PAGE: dict[str, PageSpec] = {p.key: p for p in PAGES}

__all__ = ["PAGE", "PAGES", "PageSpec"]
