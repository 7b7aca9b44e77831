"""How the server's bytes go out (:mod:`views.transport`): Nagle off, files gzipped once."""

from __future__ import annotations

import asyncio
import asyncio.base_events
import socket
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tests.asgi_client import Client
from views.transport import GzipOnce, nodelay_every_tcp_socket


def _accepted_nodelay() -> int:
    """TCP_NODELAY on a connection accepted by an asyncio server on a ``proto`` 0 listener."""

    async def main() -> int:
        listener = socket.socket(socket.AF_INET)  # as Streamlit binds it: proto 0
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        assert listener.proto == 0
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection(*listener.getsockname())
            value = await asyncio.wait_for(seen, 10)
            writer.close()
        return value

    return asyncio.run(main())


def test_connections_on_a_proto_0_listener_get_nodelay(monkeypatch: pytest.MonkeyPatch) -> None:
    stdlib = asyncio.base_events._set_nodelay  # type: ignore[attr-defined]
    monkeypatch.setattr(asyncio.base_events, "_set_nodelay", stdlib)
    if _accepted_nodelay():
        pytest.skip("this Python's asyncio already sets TCP_NODELAY on proto 0 sockets")
    nodelay_every_tcp_socket()  # monkeypatch puts the stdlib's back afterwards
    nodelay_every_tcp_socket()  # idempotent
    assert _accepted_nodelay() == 1


def test_the_hook_leaves_other_sockets_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asyncio.base_events, "_set_nodelay", asyncio.base_events._set_nodelay)  # type: ignore[attr-defined]
    nodelay_every_tcp_socket()
    a, b = socket.socketpair(socket.AF_UNIX)
    with a, b:
        asyncio.base_events._set_nodelay(a)  # type: ignore[attr-defined]  # no error, no change


JS = b"export const greeting = 'hello';\n" * 200


@pytest.fixture
def served(tmp_path: Path) -> tuple[Client, dict[str, int]]:
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    (static / "js" / "index.abc123.js").write_bytes(JS)
    (static / "js" / "tiny.js").write_bytes(b"x")
    (static / "font.woff2").write_bytes(bytes(range(256)) * 20)
    calls = {"static": 0}

    class Counting(StaticFiles):
        """As Streamlit serves its frontend: hashed files immutable, anything else its page."""

        async def get_response(self, path: str, scope):  # type: ignore[no-untyped-def]
            calls["static"] += 1
            if path.startswith("spa/"):  # an unknown path: Streamlit answers with index.html
                return PlainTextResponse("<html>" + "page " * 400, media_type="text/html",
                                         headers={"Cache-Control": "no-cache"})  # fmt: skip
            response = await super().get_response(path, scope)
            response.headers["Cache-Control"] = "public, immutable, max-age=31536000"
            return response

    async def page(_: Request) -> PlainTextResponse:
        return PlainTextResponse("a page " * 400)

    async def asked(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.headers.get("accept-encoding", "(none)"))

    app = Starlette(routes=[Mount("/static", Counting(directory=static)), Route("/", page),
                            Route("/asked", asked)])  # fmt: skip
    return Client(GzipOnce(app)), calls


def test_a_static_file_is_compressed_once_and_kept(served) -> None:
    client, calls = served
    first = client.get("/static/js/index.abc123.js", headers={"Accept-Encoding": "gzip"})
    second = client.get("/static/js/index.abc123.js", headers={"Accept-Encoding": "gzip"})
    assert calls["static"] == 1  # the second answer came from memory
    for r in (first, second):
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip"
        assert r.headers["vary"] == "Accept-Encoding"
        assert "immutable" in r.headers["cache-control"]  # the app's own headers are kept
        assert r.headers["etag"]
        assert r.content == JS  # the client unzipped it to the file's bytes
        assert int(r.headers["content-length"]) == len(r.raw) < len(JS) / 5
    assert first.headers["etag"] == second.headers["etag"]


def test_plain_clients_revalidation_and_ranges_go_to_the_app(served) -> None:
    client, calls = served
    plain = client.get("/static/js/index.abc123.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == JS
    etag = plain.headers["etag"]
    again = client.get("/static/js/index.abc123.js",
                       headers={"Accept-Encoding": "gzip", "If-None-Match": etag})  # fmt: skip
    assert again.status_code == 304
    part = client.get("/static/js/index.abc123.js",
                      headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"})  # fmt: skip
    assert part.status_code == 206 and part.content == JS[:10]
    assert calls["static"] == 3  # none of them kept


def test_small_and_binary_files_pass_plain_and_other_paths_still_gzip(served) -> None:
    client, calls = served
    for _ in range(2):
        tiny = client.get("/static/js/tiny.js", headers={"Accept-Encoding": "gzip"})
        font = client.get("/static/font.woff2", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in tiny.headers and tiny.content == b"x"
        assert "content-encoding" not in font.headers
    assert calls["static"] == 4  # not kept: each went to the app
    missing = client.get("/static/js/none.js", headers={"Accept-Encoding": "gzip"})
    assert missing.status_code == 404
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and page.text == "a page " * 400


def test_the_app_behind_is_never_asked_to_compress(served) -> None:
    client, _ = served  # Streamlit's own gzip would zip its pages before links are added
    assert client.get("/asked", headers={"Accept-Encoding": "gzip, br"}).text == "(none)"


def test_unknown_paths_answered_with_a_page_are_never_kept(served) -> None:
    client, calls = served
    for n in range(5):
        page = client.get(f"/static/spa/{n}.js", headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    assert calls["static"] == 5  # each went to the app: nothing kept, however many paths
    assert client.app.kept == {}
