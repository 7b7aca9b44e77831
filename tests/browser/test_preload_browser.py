"""What a first-time visitor's browser fetches for a map page: nothing late, nothing from elsewhere.

The officer map and the public page (the synthetic demo) each draw their map having fetched no
element code that the served ``index.html`` did not already name (:mod:`views.preload`), but
the tables under the map (:data:`views.preload.AFTER_MAP`): a chunk fetched only when its
element arrived would wait behind the page's script run. And the
browser asks no host but the app's, except for basemap tiles: the tab's icon is the app's own
file, not a Material icon fetched from Google. A person who starts typing a postcode before the
map has drawn keeps the focus and every key through the first draw and its rerun.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from tests.browser.support import browser_page, map_drawn, require_chromium, running_app, settled
from views.preload import AFTER_MAP, STATIC_DIR, chunk_files

pytestmark = pytest.mark.browser
TILE_HOSTS = {"tile.openstreetmap.org", "a.tile.openstreetmap.org", "b.tile.openstreetmap.org",
              "c.tile.openstreetmap.org"}  # fmt: skip
MANIFEST = json.loads((STATIC_DIR / "manifest.json").read_text(encoding="utf-8"))
PAGES = {"officer": {}, "public": {"BROADBAND_PUBLIC_ONLY": "1"}}


@pytest.fixture(scope="module", params=sorted(PAGES))
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    require_chromium()
    with running_app(tmp_path_factory.mktemp(request.param), env=PAGES[request.param]) as url:
        yield url


def test_the_map_draws_with_no_element_code_fetched_late_and_no_other_host(served: str) -> None:
    url = served
    fetched: list[str] = []
    pages: list[str] = []
    with browser_page() as page:
        page.on("request", lambda r: fetched.append(r.url))  # type: ignore[attr-defined]
        page.on("response", lambda r: pages.append(r.text()) if r.url == f"{url}/" else None)  # type: ignore[attr-defined]
        page.goto(f"{url}/", wait_until="domcontentloaded")  # type: ignore[attr-defined]
        map_drawn(page.frame_locator("iframe[title*='st_folium']"), 90_000)  # type: ignore[attr-defined]
        page.wait_for_timeout(1500)  # type: ignore[attr-defined]  # anything the map set off
    named = set(re.findall(r'(?:src|href)="\./(static/js/[^"]+\.js)"', pages[0]))
    scripts = {u.split("/", 3)[3] for u in fetched if u.startswith(f"{url}/static/js/")}
    assert len(named) > 80  # Streamlit's own preloads and ours
    later = set(chunk_files(MANIFEST, AFTER_MAP))  # the tables under the map, left to load late
    assert scripts and scripts - later <= named, f"fetched late: {scripts - later - named}"
    hosts = {u.split("/")[2] for u in fetched if not u.startswith("data:")}
    assert hosts <= {url.split("/")[2], *TILE_HOSTS}, hosts
    assert any(u.endswith((".png", ".ico")) and u.startswith(url) for u in fetched)  # the icon


def test_typing_a_postcode_while_the_map_loads_keeps_focus_and_every_key(served: str) -> None:
    """Typed from the moment the box shows, one key every 120 ms, through the map's first draw."""
    with browser_page() as page:
        page.goto(f"{served}/", wait_until="domcontentloaded")  # type: ignore[attr-defined]
        box = page.get_by_label("postcode", exact=False).first  # type: ignore[attr-defined]
        box.wait_for(timeout=90_000)
        box.click()
        for key in "NR1 3AB":
            page.keyboard.type(key)  # type: ignore[attr-defined]
            page.wait_for_timeout(120)  # type: ignore[attr-defined]
        map_drawn(page.frame_locator("iframe[title*='st_folium']"), 90_000)  # type: ignore[attr-defined]
        settled(page)
        focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")  # type: ignore[attr-defined]
        typed = box.input_value()
    assert focused is not None and "postcode" in focused.lower()
    assert typed == "NR1 3AB"
