"""The server (``server.py``) as a browser meets it, checked on a real server.

It gzips what it sends over HTTP when the browser asks (Streamlit sends its own frontend
bundle, about 3 MB, uncompressed: :mod:`views.transport`), and its ``index.html`` preloads
the code of the elements drawn before the map (:mod:`views.preload`).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import requests

from tests.browser.support import running_app
from views.preload import links


def _raw(url: str, encoding: str) -> requests.Response:
    r = requests.get(url, headers={"Accept-Encoding": encoding}, stream=True, timeout=30)
    r.raise_for_status()
    r.body = r.raw.read(decode_content=False)  # type: ignore[attr-defined]
    return r


def test_streamlit_frontend_goes_out_gzipped_and_identical(tmp_path: Path) -> None:
    with running_app(tmp_path) as url:
        html = requests.get(url + "/", timeout=30).text
        page = requests.get(url + "/planner", timeout=30).text  # every page is index.html
        embed = requests.get(url + "/embed", timeout=120).text
        bundles = re.findall(r'src="\./(static/js/[^"]+\.js)"', html)
        assert bundles, "the frontend's index.html names its script bundle"
        plain = _raw(f"{url}/{bundles[0]}", "identity")
        packed = _raw(f"{url}/{bundles[0]}", "gzip")
        again = _raw(f"{url}/{bundles[0]}", "gzip")
    assert links().decode() in html and links().decode() in page
    assert re.search(r'modulepreload[^>]+/Selectbox\.[^"]+\.js"', html)
    assert "modulepreload" not in embed  # only Streamlit's own page is touched
    assert "Content-Encoding" not in plain.headers  # a client that cannot unzip gets it plain
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.body) == plain.body  # type: ignore[attr-defined]
    assert len(packed.body) < len(plain.body) / 2  # type: ignore[attr-defined]
    # Immutable caching of the hashed bundle survives the middleware.
    assert "immutable" in packed.headers["Cache-Control"]
    assert again.body == packed.body and again.headers["ETag"] == packed.headers["ETag"]  # type: ignore[attr-defined]
