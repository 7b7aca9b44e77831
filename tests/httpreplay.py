"""A tiny loopback HTTP server that replays scripted responses, for download tests.

The server listens on ``127.0.0.1`` on a free port, answers only the routes a test scripts,
records every request, and stops itself: at the end of the test (the ``replay`` fixture), after
:data:`MAX_REQUESTS` requests, or after :data:`MAX_LIFETIME_S` seconds, whichever comes first.

Examples
--------
>>> def test_something(replay):
...     replay.add("/data.csv", body=b"a,b\\n1,2\\n")
...     replay.add("/flaky", [Reply(status=503), Reply(body=b"ok")])
...     url = replay.url("/data.csv")
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

MAX_REQUESTS = 500
"""Requests one server answers before it answers 503 to everything (a runaway-loop guard)."""
MAX_LIFETIME_S = 120.0
"""Seconds after which the server shuts itself down even if the test never stopped it."""


@dataclass(frozen=True)
class Reply:
    """One scripted response.

    ``delay`` seconds pass before anything is sent (to provoke client timeouts);
    ``truncate_to`` sends only that many body bytes while ``Content-Length`` still announces
    the whole body, then closes the connection (a partial download).
    """

    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate_to: int | None = None

    @classmethod
    def json(cls, obj: object, *, status: int = 200, **kwargs: object) -> Reply:
        """A JSON body with a JSON content type."""
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return cls(status=status, body=json.dumps(obj), headers=headers, **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


Responder = Callable[[Request], Reply]


@dataclass
class _Route:
    path: str
    query: dict[str, str]
    replies: list[Reply] | None
    responder: Responder | None
    served: int = 0

    def matches(self, request: Request) -> bool:
        return request.path == self.path and all(
            request.query.get(k) == v for k, v in self.query.items()
        )

    def next_reply(self, request: Request) -> Reply:
        if self.responder is not None:
            return self.responder(request)
        assert self.replies
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


class ReplayServer:
    """A scripted HTTP server on ``127.0.0.1``; use as a context manager or the fixture."""

    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection: closing ends a body

            def do_GET(self) -> None:
                server._handle(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hung up early (timeouts) is expected here

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._timer = threading.Timer(MAX_LIFETIME_S, self.stop)
        self._timer.daemon = True

    # --- scripting -----------------------------------------------------------------------------
    def add(
        self,
        path: str,
        replies: Reply | Sequence[Reply] | None = None,
        *,
        query: Mapping[str, str] | None = None,
        responder: Responder | None = None,
        **reply: object,
    ) -> None:
        """Script the answers for ``path`` (and, optionally, these query parameters).

        Give one :class:`Reply`, a list served in turn (the last repeats), a ``responder``
        callable that builds a reply from the request, or :class:`Reply` fields as keywords.
        Later routes are tried first, so a specific route can shadow a general one.
        """
        if responder is None:
            if replies is None:
                replies = Reply(**reply)  # type: ignore[arg-type]
            replies = [replies] if isinstance(replies, Reply) else list(replies)
        self.routes.insert(
            0,
            _Route(
                path=path,
                query=dict(query or {}),
                replies=None if responder else list(replies or []),
                responder=responder,
            ),
        )

    def url(self, path: str = "/") -> str:
        """The full ``http://127.0.0.1:<port><path>`` URL."""
        return f"http://127.0.0.1:{self.port}{path}"

    def requests_to(self, path: str) -> list[Request]:
        """The requests received for one path, in order."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # --- life cycle ----------------------------------------------------------------------------
    def start(self) -> ReplayServer:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- serving -------------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        request = Request(
            method=handler.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k: v for k, v in handler.headers.items()},
        )
        with self._lock:
            self.requests.append(request)
            count = len(self.requests)
            route = next((r for r in self.routes if r.matches(request)), None)
        if count > MAX_REQUESTS:
            reply = Reply(status=503, body=b"replay server request limit reached")
        elif route is None:
            reply = Reply(status=404, body=f"no scripted reply for {handler.path}".encode())
        else:
            reply = route.next_reply(request)
        if reply.delay and self._stop.wait(reply.delay):
            return
        body = reply.body.encode() if isinstance(reply.body, str) else reply.body
        try:
            handler.send_response(reply.status)
            headers = {"Content-Length": str(len(body)), **reply.headers}
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            sent = body if reply.truncate_to is None else body[: reply.truncate_to]
            handler.wfile.write(sent)
            handler.wfile.flush()
        except OSError:
            pass  # the client gave up (a timeout test)


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """A started :class:`ReplayServer`, stopped when the test ends."""
    with ReplayServer() as server:
        yield server


def unused_port() -> int:
    """A loopback port with nothing listening on it (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


__all__ = ["ReplayServer", "Reply", "Request", "replay", "unused_port"]
