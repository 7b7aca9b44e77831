"""The Division profile and Bid planner in a real browser (synthetic demo, seeded store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.support import browser_page, map_drawn, require_chromium, running_app, screenshot
from tests.planner_seed import seed_store

pytestmark = pytest.mark.browser


def test_profile_and_planner_pages_render(tmp_path: Path) -> None:
    require_chromium()
    seed_store(tmp_path)
    with running_app(tmp_path) as url, browser_page(height=1200) as page:
        page.goto(f"{url}/division?division=X58000007", wait_until="domcontentloaded")
        page.get_by_role("heading", name="Greyfriars (synthetic)").wait_for(timeout=90_000)
        page.get_by_text("Download this profile").wait_for(timeout=90_000)
        page.get_by_text("PDF (one page)").wait_for(timeout=90_000)
        page.wait_for_timeout(2500)
        profile = screenshot(page, "profile")
        # The PDF is drawn when its button is clicked, and is a real one-page PDF.
        with page.expect_download(timeout=90_000) as download:
            page.get_by_role("button", name="PDF (one page)").click()
        pdf = Path(download.value.path()).read_bytes()

        page.goto(f"{url}/planner", wait_until="domcontentloaded")
        page.get_by_role("heading", name="Bid planner").wait_for(timeout=90_000)
        frame = page.frame_locator("iframe").first
        map_drawn(frame, 90_000)
        paths = frame.locator("path.leaflet-interactive").count()
        legend = frame.locator(".bb-legend").inner_text()
        page.get_by_text("Download the evidence pack").wait_for(timeout=90_000)
        page.wait_for_timeout(2500)
        planner = screenshot(page, "planner")
    assert paths >= 12 + 4  # 12 divisions and 4 reach circles
    assert "Gap score" in legend
    assert profile.stat().st_size > 10_000 and planner.stat().st_size > 10_000
    assert pdf.startswith(b"%PDF") and b"/Count 1" in pdf
