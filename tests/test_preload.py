"""Streamlit's index.html preloads the code of the elements drawn before the map.

See :mod:`views.preload`.
"""

from __future__ import annotations

import json
import re

from starlette.types import Receive, Scope, Send

from tests.asgi_client import Client
from views.preload import ELEMENTS, STATIC_DIR, PreloadElements, chunk_files, links

MANIFEST = json.loads((STATIC_DIR / "manifest.json").read_text(encoding="utf-8"))
INDEX = (STATIC_DIR / "index.html").read_text(encoding="utf-8")


def test_every_listed_element_is_a_chunk_of_the_installed_streamlit() -> None:
    names = {v.get("name") for v in MANIFEST.values() if v.get("isDynamicEntry")}
    assert set(ELEMENTS) <= names  # an upgrade that renames one fails here, not silently


def test_links_name_existing_files_once_none_the_page_has_and_the_imports_too() -> None:
    tags = links().decode()
    hrefs = re.findall(r'<link rel="modulepreload" crossorigin href="\./([^"]+)">', tags)
    assert len(hrefs) == len(set(hrefs)) > len(ELEMENTS)
    assert all((STATIC_DIR / h).is_file() for h in hrefs)
    assert not [h for h in hrefs if f"./{h}" in INDEX]
    by_name = {v["name"]: v for v in MANIFEST.values() if v.get("isDynamicEntry")}
    wanted = {str(MANIFEST[i]["file"]) for i in by_name["Selectbox"]["imports"]}
    assert by_name["Selectbox"]["file"] in hrefs
    assert wanted <= set(hrefs) | set(re.findall(r'(?:src|href)="\./([^"]+)"', INDEX))
    assert '<link rel="preload" as="script" href="/app/static/vendor/leaflet/leaflet.js">' in tags
    assert '<link rel="preload" as="style" href="/app/static/vendor/leaflet/leaflet.css">' in tags


def test_an_unknown_element_is_skipped_and_logged(caplog) -> None:  # type: ignore[no-untyped-def]
    m = {"a.tsx": {"file": "static/js/A.1.js", "name": "A", "isDynamicEntry": True}}
    assert chunk_files(m, ["Gone", "A"]) == ["static/js/A.1.js"]
    assert "no element chunk 'Gone'" in caplog.text


def _through(
    body: bytes, kind: bytes, status: int = 200, parts: int = 1
) -> tuple[int, dict[str, str], bytes]:
    """``body`` answered by a fake app (in ``parts`` pieces) through :class:`PreloadElements`."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind),
                                (b"content-length", str(len(body)).encode())]})  # fmt: skip
        step = max(1, len(body) // parts)
        pieces = [body[i : i + step] for i in range(0, len(body), step)] or [b""]
        for n, piece in enumerate(pieces):
            await send({"type": "http.response.body", "body": piece,
                        "more_body": n < len(pieces) - 1})  # fmt: skip

    answer = Client(PreloadElements(app)).get("/", {})
    return answer.status_code, answer.headers, answer.raw


def test_streamlits_page_gets_the_links_before_its_head_ends() -> None:
    status, headers, body = _through(INDEX.encode(), b"text/html; charset=utf-8", parts=3)
    assert status == 200
    assert body == INDEX.encode().replace(b"</head>", links() + b"</head>", 1)
    assert int(headers["content-length"]) == len(body)


def test_other_pages_and_answers_pass_untouched() -> None:
    embed = b"<html><head><title>map</title></head><body></body></html>"
    assert _through(embed, b"text/html")[2] == embed  # not Streamlit's page (e.g. /embed)
    assert _through(INDEX.encode(), b"application/javascript")[2] == INDEX.encode()
    status, _, body = _through(b"", b"text/html", status=304)
    assert status == 304 and body == b""
