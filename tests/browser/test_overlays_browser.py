"""Overlays and the Data page in a real browser: all four layers drawn, an upload through the
real file widget, and a site named like a script shown as text (never run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.demo import demo_postcodes
from tests.browser.support import browser_page, require_chromium, running_app, screenshot

pytestmark = pytest.mark.browser
XSS = "<script>alert(1)</script>"


def _pc(code: str, k: int) -> str:
    pcs = demo_postcodes()
    return str(pcs.loc[pcs["ced25cd"] == code, "pcds"].iloc[k])


def _sites_csv(tmp_path: Path) -> Path:
    path = tmp_path / "sites_test.csv"
    path.write_text(
        "site_type,name,identifier,fibre_status,postcode\n"
        f"library,{XSS},X1,none,{_pc('X58000002', 3)}\n"
        f"gp,Brook Green Surgery (synthetic),X2,full_fibre,{_pc('X58000002', 4)}\n"
        f"school,Elmstead School (synthetic),X3,gigabit,{_pc('X58000005', 4)}\n"
    )
    return path


def test_all_layers_on_map_and_upload_through_real_widget(tmp_path: Path) -> None:
    require_chromium()
    data_dir = tmp_path / "data"
    dialogs: list[str] = []
    env = {"BROADBAND_SHOW_RECORDS": "1"}  # no password: the officer's own machine
    with running_app(data_dir, env=env) as url, browser_page() as page:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        # 1. Upload anchor sites through the real file widget, then save.
        page.goto(f"{url}/data", wait_until="domcontentloaded")
        page.get_by_text("not password-protected").first.wait_for(timeout=90_000)
        page.get_by_text("Anchor sites").first.wait_for(timeout=30_000)
        page.get_by_test_id("stSelectbox").first.click()
        page.get_by_role("option", name="Anchor sites").click()
        page.locator("input[type=file]").set_input_files(str(_sites_csv(tmp_path)))
        page.get_by_text("no problems found").first.wait_for(timeout=60_000)
        page.get_by_role("button", name="Save as the new Anchor sites data").click()
        page.get_by_text("as version 2").first.wait_for(timeout=60_000)
        screenshot(page, "data_page_saved")

        # 2. The map with every layer on, Brook Green picked.
        page.goto(f"{url}/?division=X58000002", wait_until="domcontentloaded")
        page.get_by_role("heading", name="Brook Green (synthetic)").wait_for(timeout=90_000)
        picker = page.get_by_test_id("stMultiSelect")
        for title in ("Broadband vouchers", "Anchor sites", "Digital inclusion support"):
            picker.click()
            page.get_by_role("option", name=title).click()
            page.wait_for_timeout(800)
        page.keyboard.press("Escape")
        frame = page.frame_locator("iframe").first
        # Each toggle reruns the page: wait until the map holds all three overlays.
        frame.locator(".leaflet-control-layers", has_text="Digital inclusion support").wait_for(
            timeout=120_000
        )
        frame.locator(".bb-site-icon").first.wait_for(timeout=60_000)
        # The map zooms to the pick: areas outside the view are drawn empty, so "attached".
        frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=60_000)
        badges = frame.locator(".bb-site-icon").count()
        control = frame.locator(".leaflet-control-layers").text_content() or ""  # collapsed
        page.wait_for_timeout(2000)
        shot = screenshot(page, "map_all_layers")
        # The site with the script name: a text row in the panel table ...
        page.get_by_role("cell", name=XSS).first.wait_for(timeout=30_000)
        # ... and text in its popup (a voucher cluster may sit on top of it: click by event).
        frame.locator(".leaflet-marker-icon:has([aria-label*='script'])").dispatch_event("click")
        popup = frame.locator(".leaflet-popup-content")
        popup.wait_for(timeout=10_000)
        popup_text = popup.inner_text()
        screenshot(page, "map_site_popup")
        page.get_by_role("cell", name=XSS).first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        screenshot(page, "map_overlay_panel")
    assert badges == 3  # the saved file (version 2) replaced the demo sites
    for title in ("Broadband vouchers", "Anchor sites", "Digital inclusion support"):
        assert title in control
    assert XSS in popup_text
    assert dialogs == []  # nothing ran
    assert shot.stat().st_size > 10_000
