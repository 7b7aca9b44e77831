"""The server (``server.py``) gzips what it sends over HTTP when the browser asks for it.

Streamlit sends its own frontend bundle (about 3 MB) uncompressed; ``server.py`` adds
Starlette's ``GZipMiddleware`` (issue 13: serve compressed). Checked on a real server.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import requests

from tests.browser.support import running_app


def _raw(url: str, encoding: str) -> requests.Response:
    r = requests.get(url, headers={"Accept-Encoding": encoding}, stream=True, timeout=30)
    r.raise_for_status()
    r.body = r.raw.read(decode_content=False)  # type: ignore[attr-defined]
    return r


def test_streamlit_frontend_goes_out_gzipped_and_identical(tmp_path: Path) -> None:
    with running_app(tmp_path) as url:
        html = requests.get(url + "/", timeout=30).text
        bundles = re.findall(r'src="\./(static/js/[^"]+\.js)"', html)
        assert bundles, "the frontend's index.html names its script bundle"
        plain = _raw(f"{url}/{bundles[0]}", "identity")
        packed = _raw(f"{url}/{bundles[0]}", "gzip")
    assert "Content-Encoding" not in plain.headers  # a client that cannot unzip gets it plain
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.body) == plain.body  # type: ignore[attr-defined]
    assert len(packed.body) < len(plain.body) / 2  # type: ignore[attr-defined]
    # Immutable caching of the hashed bundle survives the middleware.
    assert "immutable" in packed.headers["Cache-Control"]
