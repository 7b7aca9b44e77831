"""Streamlit's page asks at once for the code of the elements drawn before the map.

Streamlit's ``index.html`` fetches the frontend's core (about 60 files) at once, but the code
of each kind of element (a select box, a metric, the map's component frame …) only when the
first element of that kind arrives over the WebSocket. By then the server is running the page
for this visitor, so those ~50 small files waited 0.4–0.6 s behind the script run, and the
map's frame could be made only after them (``benchmarks/bench_paint.py``).

:class:`PreloadElements` adds to Streamlit's ``index.html``, before ``</head>``, a
``<link rel="modulepreload">`` for the chunk of each element in :data:`ELEMENTS` and every
chunk it imports, read from the manifest Streamlit's frontend build ships
(``streamlit/static/manifest.json``), minus those the page preloads already; and a
``<link rel="preload">`` of the Leaflet files the map's frame loads. Nothing from a request
goes into the page: the links are made once, from installed files.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import streamlit
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from layers.assets import SERVED_AT, VENDORED

ELEMENTS = (
    "Html", "Selectbox", "TextInput", "Multiselect", "ComponentInstance", "Metric", "Radio",
    "TextArea", "Checkbox", "NumberInput",
)  # fmt: skip
"""Streamlit's element chunks (``name`` in its manifest) that the map pages (officer and public)
and the profile, planner and need pages fetch before their first map: each was seen fetched
after the page had loaded (``tests/browser/test_preload_browser.py`` checks none is now)."""
AFTER_MAP = ("DataFrame",)
"""Chunks deliberately left to load when needed: the officer pages' tables (``st.dataframe``,
about 1.6 MB of script with what it imports) come after the map, and preloading them would
compete with the map's own code; the public page shows none."""
FRAME_ASSETS = (("leaflet", "script"), ("leaflet_css", "style"))
"""Files the map's component frame loads (:data:`layers.assets.VENDORED` names), fetched by the
page meanwhile so the frame finds them in the HTTP cache."""
STATIC_DIR = Path(streamlit.__file__).parent / "static"
MARKER = b'<script type="module" crossorigin src="./static/js/index.'
"""Streamlit's own index.html (no other HTML page, e.g. ``/embed``, is touched)."""

log = logging.getLogger(__name__)


def chunk_files(manifest: dict[str, dict[str, object]], names: Iterable[str]) -> list[str]:
    """Files (``static/js/…``) of the chunks ``names`` and all they import, in order.

    Examples
    --------
    >>> m = {"a.tsx": {"file": "static/js/A.1.js", "name": "A", "isDynamicEntry": True,
    ...                "imports": ["_b.js"]},
    ...      "_b.js": {"file": "static/js/b.2.js", "imports": []}}
    >>> chunk_files(m, ["A", "Missing"])
    ['static/js/A.1.js', 'static/js/b.2.js']
    """
    by_name: dict[object, str] = {}
    for key, entry in manifest.items():  # an element's own chunk first, else a shared one
        if entry.get("isDynamicEntry") or entry.get("name") not in by_name:
            by_name[entry.get("name")] = key
    seen: dict[str, str] = {}

    def walk(key: str) -> None:
        if key in seen or key not in manifest:
            return
        seen[key] = str(manifest[key]["file"])
        for imported in manifest[key].get("imports", []):  # type: ignore[attr-defined]
            walk(str(imported))

    for name in names:
        if name in by_name:
            walk(by_name[name])
        else:
            log.warning("Streamlit's manifest has no element chunk %r: not preloaded", name)
    return list(seen.values())


@cache
def links(static_dir: Path = STATIC_DIR) -> bytes:
    """The ``<link>`` tags added to Streamlit's ``index.html`` (made once)."""
    manifest = json.loads((static_dir / "manifest.json").read_text(encoding="utf-8"))
    page = (static_dir / "index.html").read_text(encoding="utf-8")
    tags = [
        f'<link rel="modulepreload" crossorigin href="./{f}">'
        for f in chunk_files(manifest, ELEMENTS)
        if f"./{f}" not in page
    ]
    tags += [f'<link rel="preload" as="{kind}" href="{SERVED_AT}{VENDORED[name]}">'
             for name, kind in FRAME_ASSETS]  # fmt: skip
    return "".join(tags).encode()


class PreloadElements:
    """ASGI middleware: :func:`links` added to every answer that is Streamlit's ``index.html``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        parts: list[bytes] = []

        async def add_links(message: Message) -> None:
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                if message["status"] != 200 or not kind.startswith(b"text/html"):
                    await send(message)  # not a page: passes untouched
                    return
                start.update(message)
                return
            if not start:
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(parts)
            if MARKER in body:
                body = body.replace(b"</head>", links() + b"</head>", 1)
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, add_links)


__all__ = ["AFTER_MAP", "ELEMENTS", "PreloadElements", "chunk_files", "links"]
