"""``/embed``: the public map as one pre-rendered page, for councils to embed and residents to open.

The Streamlit pages need the Streamlit frontend (about 100 script files) and a WebSocket before
a map can draw; this route answers with the static export instead
(:func:`layers.export.build_export`: the divisions, legend, attribution and an accessible
table, Leaflet inlined, nothing personal), so the map draws from one HTML response. Pages are
built once per data state and cached by the stamps of the catalogue and store in force
(:func:`views.state.key`), so a save or an import shows at the next request; the ETag lets a
returning browser revalidate without downloading the page again.

Query parameters, each checked against a fixed list (anything else is a 400 that names the
allowed values, never echoing the request): ``measure`` (a key of
:data:`geo.config.MEASURES`, default :data:`geo.config.DEFAULT_MEASURE`) and ``layers``
(comma-separated public layers, e.g. ``anchors,pilots``; default none).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from geo.config import DEFAULT_MEASURE, MEASURES
from geo.errors import SetupError
from layers.export import build_export, public_layer_keys

EMBED_PATH = "/embed"
CACHED_PAGES = 16
HEADERS = {
    # The page runs only its own inline scripts and styles; tiles are its only fetches.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "img-src data: https://*.tile.openstreetmap.org; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",  # revalidate every time: the data may have changed
}
_log = logging.getLogger(__name__)


class BadQuery(ValueError):
    """A query parameter outside its fixed list (the message names the allowed values)."""


def choose(measure: str | None, layers: str | None) -> tuple[str, tuple[str, ...]]:
    """The measure and public layers a query asks for, checked against their fixed lists.

    >>> choose(None, None)
    ('gigabit', ())
    >>> choose("sfbb", "pilots, anchors")
    ('sfbb', ('anchors', 'pilots'))
    """
    measure = measure or DEFAULT_MEASURE
    if measure not in MEASURES:
        raise BadQuery(f"measure must be one of: {', '.join(MEASURES)}")
    public = public_layer_keys()
    keys = tuple(sorted({k.strip() for k in (layers or "").split(",") if k.strip()}))
    if any(k not in public for k in keys):
        raise BadQuery(f"layers must be some of: {', '.join(public)}")
    return measure, keys


def page(measure: str, layers: Sequence[str]) -> tuple[str, str]:
    """The embed page for the data in force and its ETag (built once per data state)."""
    # Imported here, not at the top: server.py imports this module before Streamlit's runtime
    # exists, and views.state's caches must be made by the runtime (as the pages make them).
    from views import state

    return _built(state.key(), state.current_workspace().settings.level, measure, tuple(layers))


@functools.lru_cache(maxsize=CACHED_PAGES)
def _built(k: object, level: str, measure: str, layers: tuple[str, ...]) -> tuple[str, str]:
    """The page and its ETag for one data state (``k``, a :class:`views.state.Key`)."""
    from views import state

    assert isinstance(k, state.Key)
    records = {key: frame for key in layers if (frame := state.stored(key, k)) is not None}
    html = build_export(state.catalog(k), level=level, measure=measure, layer_records=records)
    return html, '"' + hashlib.sha256(html.encode()).hexdigest()[:32] + '"'


async def embed(request: Request) -> Response:
    """``GET /embed``: the page, a 304 when the browser's copy is current, or a plain error."""
    try:
        measure, layers = choose(
            request.query_params.get("measure"), request.query_params.get("layers")
        )
    except BadQuery as exc:
        return PlainTextResponse(str(exc), status_code=400, headers=HEADERS)
    try:
        html, etag = await run_in_threadpool(page, measure, layers)
    except SetupError:
        return PlainTextResponse(
            "No map yet: this service has no boundaries or coverage loaded.",
            status_code=503, headers=HEADERS,
        )  # fmt: skip
    except Exception:  # never a traceback to a visitor; the log has it
        _log.exception("the embed page could not be built")
        return PlainTextResponse(
            "The map could not be drawn just now. Please try again later.",
            status_code=500, headers=HEADERS,
        )  # fmt: skip
    headers = {**HEADERS, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return HTMLResponse(html, headers=headers)


ROUTES: list[BaseRoute] = [Route(EMBED_PATH, embed, methods=["GET"])]
"""The routes :mod:`server` adds beside Streamlit's own."""

__all__ = ["EMBED_PATH", "ROUTES", "BadQuery", "choose", "embed", "page"]
