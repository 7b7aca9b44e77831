"""The division map in a real browser: offline, vector layers still draw; a pick shows figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.auth import hash_password
from tests.browser.support import browser_page, map_drawn, require_chromium, running_app, screenshot

pytestmark = pytest.mark.browser

KINGSMOOR_CENTRE_JS = """() => {
    let out = null;
    window.map.eachLayer(l => {
        if (l.feature && l.feature.properties.area_code === 'X58000011' && l.getCenter)
            out = window.map.latLngToContainerPoint(l.getCenter());
    });
    return out && {x: out.x, y: out.y};
}"""


def test_map_draws_offline_and_division_pick_shows_panel(tmp_path: Path) -> None:
    require_chromium()
    with running_app(tmp_path) as url, browser_page() as page:
        page.goto(f"{url}/?division=X58000007", wait_until="domcontentloaded")
        page.get_by_text("Synthetic demo data").first.wait_for(timeout=60_000)
        page.get_by_role("heading", name="Greyfriars (synthetic)").wait_for(timeout=60_000)
        frame = page.frame_locator("iframe[title*='st_folium'], iframe").first
        # Every division is an SVG path drawn by Leaflet, with no basemap tiles reachable.
        # The map zooms to the pick: areas outside the view are drawn empty, so "attached".
        frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=60_000)
        paths = frame.locator("path.leaflet-interactive").count()
        legend = frame.locator(".bb-legend").inner_text()
        attribution = frame.locator(".leaflet-control-attribution").inner_text()
        page.wait_for_timeout(1500)
        shot = screenshot(page, "map_division_picked")
        # A click on a division picks it.
        page.goto(f"{url}/", wait_until="domcontentloaded")  # a new visit: the whole county
        map_drawn(frame, 60_000)
        page.wait_for_timeout(1500)
        # Click inside Kingsmoor: the centre of its (convex, demo) cell, wherever the layout
        # puts the map.
        leaflet = next(f for f in page.frames if "st_folium" in f.url)
        inside = leaflet.evaluate(KINGSMOOR_CENTRE_JS)
        box = page.locator("iframe[title*='st_folium']").bounding_box()
        page.mouse.click(box["x"] + inside["x"], box["y"] + inside["y"])
        page.get_by_role("heading", name="Kingsmoor (synthetic)").wait_for(timeout=60_000)
        clicked_url = page.url
    assert paths >= 12
    assert "% of premises" in legend
    assert "Ofcom" in attribution and "OpenStreetMap" in attribution
    assert shot.stat().st_size > 10_000
    assert clicked_url.endswith("division=X58000011")


def test_embedded_map_on_a_protected_deployment_shows_no_sign_in_or_data(tmp_path: Path) -> None:
    require_chromium()
    env = {"BROADBAND_PASSWORD_HASH": hash_password("pw", rounds=4)}
    with running_app(tmp_path, env=env) as url, browser_page() as page:
        page.goto(f"{url}/?embed=true", wait_until="domcontentloaded")
        page.get_by_label("What is coverage like here? Enter a postcode").wait_for(timeout=60_000)
        embedded = (
            page.get_by_text("Officer password").count(),
            page.locator("input[type=file]").count(),
        )
        page.goto(f"{url}/data", wait_until="domcontentloaded")  # an officer URL, not signed in
        page.get_by_text("Officer password").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        data_heading = page.get_by_role("heading", name="Data: upload and versions").count()
    assert embedded == (0, 0)
    assert data_heading == 0
