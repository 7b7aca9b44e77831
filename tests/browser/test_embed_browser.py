"""``/embed``: the public map as one page, in a real browser and over plain HTTP.

The demo's Greyfriars division carries the hostile name of ``test_hostile_browser``; the page
must show it as typed, fetch nothing from the beacon, run no injected script, pass axe, fit a
phone, and follow the data: a renamed area shows at the next request, with a new ETag.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from geo.storage.catalog import load_catalog, save_areas
from geo.storage.workspace import DEMO_CATALOG
from tests.browser.axe import blocking, require_axe, run_axe
from tests.browser.support import browser_page, map_drawn, require_chromium, running_app, screenshot
from tests.browser.test_hostile_browser import BEACON, CODE, NAME, _hostile_demo
from views.embed import HEADERS
from views.text import WORD_JOINER

pytestmark = pytest.mark.browser
DIVISIONS = 12


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    require_chromium()
    data_dir = tmp_path_factory.mktemp("embed-data")
    _hostile_demo(data_dir)
    with running_app(data_dir) as url:
        yield url, data_dir


def test_embed_draws_every_division_shows_names_as_typed_and_passes_axe(served) -> None:
    url, _ = served
    require_axe()
    requested: list[str] = []
    with browser_page() as page:
        page.on("request", lambda r: requested.append(r.url))  # type: ignore[attr-defined]
        page.goto(f"{url}/embed", wait_until="domcontentloaded")
        map_drawn(page, 60_000)
        paths = page.locator("path.leaflet-interactive").count()
        row = page.locator(f"table.bb-table tr[data-area-code='{CODE}'] th, "
                           f"table.bb-table tr[data-area-code='{CODE}'] td").first  # fmt: skip
        shown = row.inner_text()
        xss = page.evaluate("() => window.__xss")
        page.keyboard.press("Tab")
        first_stop = page.evaluate("() => document.activeElement.textContent")
        problems = blocking(run_axe(page))
        desktop = screenshot(page, "embed_desktop")
    with browser_page(width=390, height=844) as phone:
        phone.goto(f"{url}/embed", wait_until="domcontentloaded")
        map_drawn(phone, 60_000)
        page_width = phone.evaluate("() => document.documentElement.scrollWidth")
        screenshot(phone, "embed_phone")
    assert paths == DIVISIONS
    assert shown.strip().replace(WORD_JOINER, "") == NAME
    assert xss is None and not [r for r in requested if BEACON in r]
    # Only the page itself and (unreachable here) basemap tiles: Leaflet is inlined.
    assert {r.split("/")[2] for r in requested} <= {url.split("/")[2], "tile.openstreetmap.org",
                                                  "a.tile.openstreetmap.org",
                                                  "b.tile.openstreetmap.org",
                                                  "c.tile.openstreetmap.org"}  # fmt: skip
    assert first_stop == "Skip to the table"
    assert problems == []
    assert page_width <= 390
    assert desktop.stat().st_size > 20_000


def test_embed_follows_the_data_revalidates_and_refuses_unknown_queries(served) -> None:
    url, data_dir = served
    first = requests.get(f"{url}/embed", timeout=120)
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/html")
    for name, value in HEADERS.items():
        assert first.headers[name] == value
    etag = first.headers["ETag"]
    again = requests.get(f"{url}/embed", headers={"If-None-Match": etag}, timeout=120)
    assert again.status_code == 304 and again.content == b""

    catalogue = data_dir / DEMO_CATALOG
    areas = load_catalog(catalogue).areas["ced"]
    areas.loc[areas["area_code"] == "X58000002", "area_name"] = "Brook Green Renamed (synthetic)"
    save_areas(catalogue, areas, synthetic=True)
    after = requests.get(f"{url}/embed", headers={"If-None-Match": etag}, timeout=120)
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert "Brook Green Renamed (synthetic)" in after.text.replace(WORD_JOINER, "")
    assert "Brook Green Renamed" not in first.text.replace(WORD_JOINER, "")

    sfbb = requests.get(f"{url}/embed?measure=sfbb&layers=pilots,anchors", timeout=120)
    assert sfbb.status_code == 200 and "Superfast" in sfbb.text
    for query in ("measure=%3Cscript%3E", "layers=vouchers", "layers=%7B%7B7*7%7D%7D"):
        bad = requests.get(f"{url}/embed?{query}", timeout=120)
        assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/plain")
        assert "<script>" not in bad.text and "{{" not in bad.text and "vouchers" not in bad.text
