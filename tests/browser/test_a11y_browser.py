"""WCAG 2.2 AA as a person meets it, the phone layout, and finding a place (synthetic demo).

Two apps for the module: the public page (a ``BROADBAND_PUBLIC_ONLY`` deployment) and the
officers' pages on a seeded store. Screenshots go to tests/artifacts/ at desktop and phone
sizes: Streamlit scrolls inside its own container, so a "whole page" shot is a tall viewport.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.__main__ import main as geo_cli
from tests.browser.axe import require_axe, run_axe
from tests.browser.support import (
    SCREENSHOTS,
    browser_page,
    map_drawn,
    require_chromium,
    running_app,
)
from tests.planner_seed import seed_store
from views.pages import PAGES as REGISTERED

pytestmark = pytest.mark.browser

PHONE = (390, 844)
DESKTOP = (1400, 1000)
GREYFRIARS = "X58000007"
FOCUS_JS = """() => {
    let e = document.activeElement, inFrame = false;
    while (e && e.tagName === 'IFRAME') {
        try { e = e.contentDocument.activeElement; inFrame = true; } catch (x) { break; }
    }
    if (!e) return {};
    const box = e.closest('[data-testid]');
    return {frame: inFrame, tag: e.tagName, role: e.getAttribute('role') || '',
            label: e.getAttribute('aria-label') || '', cls: String(e.className || ''),
            widget: box ? box.getAttribute('data-testid') + ' ' + box.innerText.slice(0, 60) : ''};
}"""


@pytest.fixture(scope="module")
def public_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    with running_app(tmp_path_factory.mktemp("public"), env={"BROADBAND_PUBLIC_ONLY": "1"}) as url:
        yield url


@pytest.fixture(scope="module")
def officer_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    data = tmp_path_factory.mktemp("officer")
    seed_store(data)
    with running_app(data) as url:
        yield url


def _open(page: Any, url: str) -> None:
    """Go to ``url`` and wait until its heading and (if any) its map are drawn."""
    page.goto(url, wait_until="domcontentloaded")
    page.locator("[data-testid=stMainBlockContainer] h1").first.wait_for(timeout=90_000)
    _idle(page)  # the whole page is drawn: a map, if it has one, is on it now
    if page.locator("iframe[title*='st_folium']").count():
        paths = page.frame_locator("iframe[title*='st_folium']").locator("path.leaflet-interactive")
        paths.first.wait_for(state="attached", timeout=90_000)
        frame = page.frame_locator("iframe[title*='st_folium']")
        frame.locator("[role=application]").wait_for(state="attached", timeout=30_000)
    _idle(page)


def _idle(page: Any) -> None:
    """Wait until the script has finished running (a rerun would move the focus)."""
    page.wait_for_timeout(1500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget]')", polling=200,
        timeout=60_000,
    )  # fmt: skip
    page.wait_for_timeout(1000)


def _kind(info: dict[str, str]) -> str | None:
    """Which of the walk's four stops the focused element is, if any."""
    if info.get("frame") and info.get("role") == "application":
        return "map"
    label = info.get("label", "")
    if info.get("tag") == "INPUT" and "postcode" in label:
        return "postcode"
    if info.get("role") == "combobox" and label == "Find an area by name":
        return "picker"
    if "bb-scroll" in info.get("cls", "") and "per division" in label:
        return "table"
    return None


def test_keyboard_walk_reaches_postcode_picker_map_and_table(public_url: str) -> None:
    with browser_page(width=DESKTOP[0], height=DESKTOP[1]) as page:
        _open(page, public_url)
        first: dict[str, int] = {}
        walk = []
        for press in range(1, 16):
            page.keyboard.press("Tab")
            info = page.evaluate(FOCUS_JS)
            walk.append((info.get("tag"), info.get("label", "")[:30], info.get("frame")))
            kind = _kind(info)
            if kind and kind not in first:
                first[kind] = press
        # Back to the map; Enter picks the division under the cross at its centre.
        page.locator("iframe[title*='st_folium']").focus()
        page.keyboard.press("Tab")
        on_map = _kind(page.evaluate(FOCUS_JS))
        page.keyboard.press("Enter")
        page.wait_for_function("() => window.location.search.indexOf('division=') >= 0",
                               polling=200, timeout=60_000)  # fmt: skip
        page.locator("caption", has_text="beside the whole county").wait_for(timeout=60_000)
    assert set(first) == {"postcode", "picker", "map", "table"}, walk
    assert first["postcode"] < first["picker"] < first["map"] < first["table"] <= 15, first
    assert on_map == "map"


PAGES = [
    ("public", "/"),
    ("public", f"/?division={GREYFRIARS}"),
    ("officer", f"/?division={GREYFRIARS}"),
    ("officer", f"/division?division={GREYFRIARS}"),
    ("officer", "/planner"),
    ("officer", "/need"),
    ("officer", "/data"),
    ("officer", "/reports"),
    ("officer", "/settings"),
    ("officer", "/sources"),
]


def test_the_sweep_covers_every_registered_page() -> None:
    """A page added to views.pages is swept too (the officer app has no sign-in: all pages)."""
    swept = {path.split("?")[0].strip("/") for _, path in PAGES}
    assert {p.url_path for p in REGISTERED} <= swept


@pytest.mark.parametrize(("app", "path"), PAGES)
def test_axe_finds_nothing_on_any_page(
    app: str, path: str, public_url: str, officer_url: str
) -> None:
    require_axe()
    url = public_url if app == "public" else officer_url
    with browser_page(width=DESKTOP[0], height=DESKTOP[1]) as page:
        _open(page, url + path)
        found = [(None, v) for v in run_axe(page)]
        for frame in page.frames[1:]:  # the maps
            found += [(frame.url[-30:], v) for v in run_axe(frame)]
    lines = [
        f"{where or 'page'}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] for n in v["nodes"][:3] if n["target"])
        for where, v in found
    ]
    assert lines == []


def _shot(page: Any, name: str, *, size: tuple[int, int], tall: int) -> Path:
    """The first screen at ``size``, then the whole page as a ``tall`` viewport."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    page.set_viewport_size({"width": size[0], "height": tall})
    page.wait_for_timeout(1500)
    path = SCREENSHOTS / f"{name}_whole.png"
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": size[0], "height": size[1]})
    return path


def test_phone_public_page_search_figures_and_tables_fit(public_url: str) -> None:
    with browser_page(width=PHONE[0], height=PHONE[1]) as page:
        _open(page, f"{public_url}/?division=X58000010")
        title = page.locator("h1").first.bounding_box()
        box = page.get_by_label("What is coverage like here? Enter a postcode").bounding_box()
        figures = page.locator("caption", has_text="Juniper Vale (synthetic) beside").bounding_box()
        map_box = page.locator("iframe[title*='st_folium']").bounding_box()
        frame = page.frame_locator("iframe[title*='st_folium']")
        expanded = frame.locator(".leaflet-control-layers-expanded").count()
        toggle = frame.locator(".leaflet-control-layers-toggle").count()
        table = page.locator(".bb-scroll", has=page.locator("caption", has_text="per division"))
        widths = table.evaluate("e => [e.scrollWidth, e.clientWidth]")
        page_width = page.evaluate("() => document.documentElement.scrollWidth")
        _shot(page, "public_phone", size=PHONE, tall=2800)
    with browser_page(width=DESKTOP[0], height=DESKTOP[1]) as page:
        _open(page, f"{public_url}/?division=X58000010")
        _shot(page, "public_desktop", size=DESKTOP, tall=2200)
    assert title and box and title["y"] + title["height"] <= PHONE[1]
    assert box["y"] + box["height"] <= PHONE[1]  # title and search on the first screen
    assert figures and map_box and figures["y"] < map_box["y"]  # figures before the map
    assert expanded == 0 and toggle == 1  # the layer list is one button until opened
    assert widths[0] > widths[1]  # the table scrolls sideways inside its own box …
    assert page_width <= PHONE[0]  # … and the page itself does not


def test_officer_pages_find_a_place_and_screenshots(officer_url: str, tmp_path: Path) -> None:
    with browser_page(width=DESKTOP[0], height=DESKTOP[1]) as page:
        _open(page, f"{officer_url}/")
        frame = next(f for f in page.frames if "st_folium" in f.url)
        county_zoom = frame.evaluate("() => window.map.getZoom()")
        box = page.get_by_label("Find your area by postcode")
        assert box.count() == 1
        _open(page, f"{officer_url}/?division={GREYFRIARS}")
        frame = next(f for f in page.frames if "st_folium" in f.url)
        picked_zoom = frame.evaluate("() => window.map.getZoom()")
        link = page.locator("[data-testid=stCode]").inner_text()
        _shot(page, "map_desktop", size=DESKTOP, tall=2000)
        for name, path in (
            ("profile", f"/division?division={GREYFRIARS}"),
            ("planner", "/planner"),
        ):
            _open(page, officer_url + path)
            _shot(page, f"{name}_desktop", size=DESKTOP, tall=2600)
    with browser_page(width=PHONE[0], height=PHONE[1]) as page:
        for name, path in (
            ("map", f"/?division={GREYFRIARS}"),
            ("profile", f"/division?division={GREYFRIARS}"),
            ("planner", "/planner"),
        ):
            _open(page, officer_url + path)
            _shot(page, f"{name}_phone", size=PHONE, tall=3200)
    export = tmp_path / "public_map.html"
    assert geo_cli(["export-html", str(export), "--no-tiles"]) == 0
    for size, name in ((DESKTOP, "export_desktop"), (PHONE, "export_phone")):
        with browser_page(width=size[0], height=size[1]) as page:
            page.goto(export.as_uri())
            map_drawn(page, 30_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert picked_zoom > county_zoom  # a pick zooms to the area
    assert link.strip().endswith(f"?division={GREYFRIARS}")
