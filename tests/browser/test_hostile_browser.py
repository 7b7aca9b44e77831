"""Hostile names in a real browser: shown as typed, no beacon fetched, no script run, no CSV export.

The demo's Greyfriars division is renamed to a Markdown image pointing at a loopback beacon, an
``<img onerror>``, Streamlit directives, mathtext and a Jinja expression. On the profile page
and the map page the browser must show the name literally, request nothing from the beacon,
run no injected script, and offer no built-in "Download as CSV" on any table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.sources.demo_build import DEMO_CATALOG, build_demo
from geo.storage.catalog import load_catalog, save_areas
from tests.browser.support import browser_page, map_drawn, require_chromium, running_app, screenshot
from views.text import WORD_JOINER

pytestmark = pytest.mark.browser
CODE = "X58000007"
BEACON = "127.0.0.1:9"
NAME = (
    f"![b](http://{BEACON}/beacon.png) <img src=x onerror=window.__xss=1> :red[red] "
    "$x^2$ {{ 7*7 }} **bold**"
)


def _hostile_demo(data_dir: Path) -> None:
    catalogue = build_demo(data_dir)
    assert catalogue == data_dir / DEMO_CATALOG
    areas = load_catalog(catalogue).areas["ced"]
    areas.loc[areas["area_code"] == CODE, "area_name"] = NAME
    save_areas(catalogue, areas, synthetic=True)


def test_a_hostile_name_is_shown_as_typed_and_fetches_nothing(tmp_path: Path) -> None:
    require_chromium()
    _hostile_demo(tmp_path)
    requests: list[str] = []
    with running_app(tmp_path) as url, browser_page(height=1300) as page:
        page.on("request", lambda r: requests.append(r.url))  # type: ignore[attr-defined]
        page.goto(f"{url}/division?division={CODE}", wait_until="domcontentloaded")
        heading = page.get_by_role("heading", level=2).filter(has_text="beacon")
        heading.first.wait_for(timeout=90_000)
        shown = heading.first.inner_text()
        page.get_by_text("Download this profile").wait_for(timeout=90_000)
        page.wait_for_timeout(2500)
        table = page.locator("[data-testid='stDataFrame']").first
        table.hover()
        page.wait_for_timeout(800)
        buttons = page.locator("[data-testid='stElementToolbar'] button").all()
        toolbar = [b.get_attribute("aria-label") or b.inner_text() for b in buttons]
        profile = screenshot(page, "hostile_profile")
        xss = page.evaluate("() => window.__xss")
        links = page.locator(f"a[href*='{BEACON}'], img[src='x']").count()

        page.goto(f"{url}/?division={CODE}", wait_until="domcontentloaded")
        frame = page.frame_locator("iframe[title*='st_folium']").first
        map_drawn(frame, 90_000)
        page.get_by_role("heading", level=3).filter(has_text="beacon").first.wait_for(
            timeout=90_000
        )
        page.wait_for_timeout(2500)
        map_page = screenshot(page, "hostile_map")
        xss_map = page.evaluate("() => window.__xss")
    # Every character as typed (plus invisible word joiners): no image, link, colour or maths.
    assert shown.strip().replace(WORD_JOINER, "") == NAME
    assert not [r for r in requests if BEACON in r], "the browser fetched the beacon"
    assert xss is None and xss_map is None and links == 0
    assert "Search" in toolbar  # the table's toolbar is there, without its CSV download
    assert not any("csv" in str(t).lower() for t in toolbar), toolbar
    assert profile.stat().st_size > 10_000 and map_page.stat().st_size > 10_000
