"""How the server's bytes go out: Nagle off on every connection, Streamlit's bundle gzipped once.

Both were found timing the first map paint (``benchmarks/bench_paint.py``):

* **Nagle.** Streamlit's ``st.App`` runner binds its listening socket as
  ``socket.socket(family)``, whose ``proto`` is 0, and asyncio turns Nagle's algorithm off
  (``TCP_NODELAY``) only for sockets whose ``proto`` is ``IPPROTO_TCP``. uvicorn writes a
  response's headers and body separately, so on a kept-alive connection every response after
  the first held its body back until the browser's delayed ACK, about 40 ms: each of the
  ~60 script files of Streamlit's frontend, six connections at a time.
  :func:`nodelay_every_tcp_socket` makes asyncio treat any ``SOCK_STREAM`` internet socket
  as TCP, which it is.
* **Compressing the same file on every visit.** Starlette's ``GZipMiddleware`` compresses each
  response as it goes out; for the ~3 MB of content-hashed files under ``/static/`` that is the
  same work on the event loop for every new visitor. :class:`GzipOnce` compresses each of those
  files once per process and answers from memory after; every other response goes through
  ``GZipMiddleware`` as before. (No library here serves precompressed files to an ASGI app from
  memory: WhiteNoise is WSGI, and ServeStatic wants ``.gz`` files written beside the originals,
  inside Streamlit's installed package.)
"""

from __future__ import annotations

import asyncio.base_events
import gzip
import socket
from typing import Any

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GZIP_MIN_BYTES = 1000
"""Smaller responses are not worth a gzip header and the CPU (Starlette's own default)."""
HASHED_PREFIX = "/static/"
"""Streamlit's frontend files: names carry their content hash, served ``immutable``."""
_COMPRESSIBLE = (b"text/", b"application/javascript", b"application/json", b"image/svg+xml")


def _nodelay_tcp(sock: socket.socket) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def nodelay_every_tcp_socket() -> None:
    """Make asyncio set ``TCP_NODELAY`` on every TCP connection, ``proto`` 0 included.

    Every accepted connection's transport calls ``asyncio.base_events._set_nodelay``; this
    replaces it with one that does not require ``proto == IPPROTO_TCP``. Idempotent.
    """
    asyncio.base_events._set_nodelay = _nodelay_tcp  # type: ignore[attr-defined]


class GzipOnce:
    """Gzip ``/static/`` files once and keep them; everything else through ``GZipMiddleware``.

    This is the one place that compresses: the app behind it is never told the browser accepts
    gzip (Streamlit's own gzip would otherwise zip its pages before
    :class:`views.preload.PreloadElements` could add to them).

    Only a plain ``GET`` of a compressible ``200`` answer that the app marks ``immutable`` (a
    content-hashed file) is kept (no ``Range``, no ``If-None-Match``: those go to the app, which
    answers them itself), so what is kept is bounded by Streamlit's static folder: an unknown
    path under ``/static/``, which Streamlit answers with its ``index.html``, is zipped but never
    kept. The kept answer has the app's own headers (ETag, ``immutable`` caching, type) plus
    ``Content-Encoding: gzip`` and ``Vary: Accept-Encoding``; a client that does not accept gzip
    gets the app's plain answer.
    """

    def __init__(self, app: ASGIApp, minimum_size: int = GZIP_MIN_BYTES) -> None:
        self.app = _uncompressed(app)
        self.minimum_size = minimum_size
        self.others = GZipMiddleware(self.app, minimum_size=minimum_size)
        self.kept: dict[str, tuple[list[tuple[bytes, bytes]], bytes]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asked = Headers(scope=scope) if scope["type"] == "http" else Headers()
        if not (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].startswith(HASHED_PREFIX)
            and "gzip" in asked.get("accept-encoding", "")
            and "range" not in asked
            and "if-none-match" not in asked
        ):
            await self.others(scope, receive, send)
            return
        path = scope["path"]
        if path not in self.kept:
            status, headers, body = await _answer(self.app, scope, receive)
            given = dict(headers)
            if (
                status != 200
                or len(body) < self.minimum_size
                or not given.get(b"content-type", b"").startswith(_COMPRESSIBLE)
            ):
                await _send(send, status, headers, body)
                return
            packed = _gzipped(headers, body)
            if b"immutable" not in given.get(b"cache-control", b""):
                await _send(send, status, *packed)  # zipped, not kept
                return
            self.kept[path] = packed
        await _send(send, 200, *self.kept[path])


def _gzipped(
    headers: list[tuple[bytes, bytes]], body: bytes
) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The answer's headers and body, gzipped."""
    packed = gzip.compress(body, compresslevel=9, mtime=0)
    headers = [(k, v) for k, v in headers if k not in (b"content-length", b"vary")]
    headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding"),
                (b"content-length", str(len(packed)).encode())]  # fmt: skip
    return headers, packed


def _uncompressed(app: ASGIApp) -> ASGIApp:
    """``app``, asked for every HTTP answer as if the browser accepted no compression."""

    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]
            scope = {**scope, "headers": headers}
        await app(scope, receive, send)

    return call


async def _answer(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[int, Any, bytes]:
    """The app's whole answer to ``scope``: status, headers, body."""
    start: Message = {}
    parts: list[bytes] = []

    async def keep(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, keep)
    return int(start["status"]), list(start.get("headers", [])), b"".join(parts)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


__all__ = ["GZIP_MIN_BYTES", "GzipOnce", "nodelay_every_tcp_socket"]
