"""One GET at a time straight to an ASGI app, read as a client that unzips gzip would see it.

No HTTP library is needed (Starlette's TestClient now wants ``httpx2``); the app's answer is
collected from its ``send`` messages.
"""

from __future__ import annotations

import asyncio
import gzip


class Answer:
    """An HTTP answer, as a client that unzips gzip would see it."""

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status_code = status
        self.headers = {k.decode(): v.decode() for k, v in headers}
        self.raw = body
        self.content = gzip.decompress(body) if self.headers.get("content-encoding") else body
        self.text = self.content.decode(errors="replace")


class Client:
    """Sends one GET at a time straight to an ASGI app (no HTTP library needed)."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    def get(self, path: str, headers: dict[str, str]) -> Answer:
        scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
                 "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
                 "server": ("testserver", 80), "client": ("127.0.0.1", 1),
                 "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
                 }  # fmt: skip
        out: dict = {"headers": [], "body": b"", "asked": 0}

        async def receive() -> dict:
            out["asked"] += 1
            if out["asked"] == 1:
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # no disconnect: the app stops listening when done
            raise AssertionError("unreachable")

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                out.update(status=message["status"], headers=list(message.get("headers", [])))
            elif message["type"] == "http.response.body":
                out["body"] += message.get("body", b"")

        asyncio.run(self.app(scope, receive, send))
        return Answer(out["status"], out["headers"], out["body"])
