"""The Digital inclusion need page in a real browser, desktop and phone (real Norfolk files plus
SYNTHETIC ages, coverage, mobile coverage and support points)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.analysis.risk import division_risk
from geo.storage.catalog import load_catalog
from tests.browser.support import (
    GRID_WIDTHS,
    browser_page,
    map_drawn,
    require_chromium,
    running_app,
    screenshot,
)
from tests.conftest import require_shared
from tests.risk_support import build_norfolk_risk_catalog

pytestmark = [pytest.mark.browser, pytest.mark.shared]

GRID_ROWS = """t => {
  const heads = [...t.querySelectorAll('th[role=columnheader]')].map(h => h.textContent.trim());
  const rows = [...t.querySelectorAll('tbody tr')].map(
    r => [...r.querySelectorAll('td')].map(c => c.textContent.trim()));
  return [heads, rows];
}"""
"""The ranking grid's headers and the rows it has drawn (its accessible table, top first)."""


@pytest.mark.parametrize(("name", "width", "height"), [("desktop", 1400, 1000),
                                                       ("phone", 390, 844)])  # fmt: skip
def test_need_page_map_and_ranking_render(
    tmp_path: Path, name: str, width: int, height: int
) -> None:
    require_chromium()
    require_shared("norfolk_oa_2011_bgc.geojson")
    catalog = build_norfolk_risk_catalog(tmp_path)
    # The page's ranking: DERI default weights, latest release (as tests/test_risk_app.py).
    expected = division_risk(load_catalog(catalog), "ced").table()
    with running_app(tmp_path) as url, browser_page(width=width, height=height) as page:
        page.goto(f"{url}/need", wait_until="domcontentloaded")
        page.get_by_role("heading", name="Digital inclusion need").wait_for(timeout=120_000)
        frame = page.frame_locator("iframe").first
        map_drawn(frame, 120_000)
        paths = frame.locator("path.leaflet-interactive").count()
        legend = frame.locator(".bb-legend").inner_text()
        page.get_by_text("Landline and 3G switch-off risk").wait_for(timeout=120_000)
        page.get_by_text("Synthetic demo data").first.wait_for(timeout=60_000)
        page.wait_for_timeout(2500)
        ranking = page.locator("[data-testid='stDataFrame']").filter(has_text="Risk score (0–10)")
        ranking.locator("tbody tr").first.wait_for(state="attached", timeout=60_000)
        heads, rows = ranking.evaluate(GRID_ROWS)
        widths = ranking.evaluate(GRID_WIDTHS)
        shots = [screenshot(page, f"risk_{name}_top")]
        # Streamlit scrolls inside its own container, so each section is brought into view.
        for part, heading in (("map", "Risk by division"), ("provision", "Need beside provision"),
                              ("switchoff", "Landline and 3G switch-off risk")):  # fmt: skip
            page.get_by_role("heading", name=heading).evaluate(
                "el => el.scrollIntoView({block: 'start'})"
            )
            page.wait_for_timeout(1500)
            shots.append(screenshot(page, f"risk_{name}_{part}"))
        ranking.evaluate("el => el.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(1500)
        shots.append(screenshot(page, f"risk_{name}_ranking"))
    assert paths >= 84  # every division drawn (support points are circles too)
    assert "Digital exclusion risk" in legend
    assert heads[:3] == ["Rank", "Division", "Risk score (0–10)"]
    if name == "desktop":  # the whole ranking fits a desktop page; a phone scrolls inside it
        assert widths[0] <= widths[1], widths
    shown = [r[heads.index("Division")] for r in rows if len(r) == len(heads)]
    assert len(shown) >= 5, rows  # the grid's accessible rows, top first
    assert shown == expected["Division"].tolist()[: len(shown)]
    assert [int(r[0]) for r in rows[: len(shown)]] == expected["Rank"].tolist()[: len(shown)]
    assert all(s.stat().st_size > 10_000 for s in shots)
