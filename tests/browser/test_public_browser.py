"""The public map in a real browser: read-only even by URL, postcode search, table = map, axe.

One app is started for the module in public-only mode (``BROADBAND_PUBLIC_ONLY=1``) on the
synthetic demo, whose NSPL postcodes are in the demo catalogue.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from geo.__main__ import main as geo_cli
from geo.auth import hash_password
from geo.sources.demo import demo_files
from tests.browser.axe import blocking, require_axe, run_axe
from tests.browser.support import browser_page, map_drawn, require_chromium, running_app, screenshot

pytestmark = pytest.mark.browser

TITLE = "Broadband coverage by division"
MAP_FIGURES_JS = """() => {
    const out = {};
    window.map.eachLayer(l => {
        if (l.feature && l.feature.properties && l.feature.properties.area_code)
            out[l.feature.properties.area_code] = l.feature.properties.value;
    });
    return out;
}"""
TABLE_FIGURES_JS = """() => Object.fromEntries(
    [...document.querySelectorAll('table.bb-table tr[data-area-code]')]
        .map(tr => [tr.dataset.areaCode, tr.querySelector('td.bb-pct').textContent]))"""


@pytest.fixture(scope="module")
def public_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    data_dir = tmp_path_factory.mktemp("public-data")
    # A password is configured, as on a real deployment: the public must still see no sign-in.
    env = {"BROADBAND_PUBLIC_ONLY": "1", "BROADBAND_PASSWORD_HASH": hash_password("pw", rounds=4)}
    with running_app(data_dir, env=env) as url:
        yield url


def _open(page: object, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")  # type: ignore[attr-defined]
    page.get_by_role("heading", name=TITLE, level=1).wait_for(timeout=60_000)  # type: ignore[attr-defined]
    map_frame = page.frame_locator("iframe[title*='st_folium']")  # type: ignore[attr-defined]
    map_drawn(map_frame, 60_000)
    page.locator("table.bb-table tr[data-area-code]").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]


def _map_frame(page: object) -> object:
    for frame in page.frames:  # type: ignore[attr-defined]
        if frame.evaluate("() => typeof window.map !== 'undefined' && !!window.map.eachLayer"):
            return frame
    raise AssertionError("no Leaflet map frame found")


@pytest.mark.parametrize("path", ["/", "/data", "/admin", "/planner", "/?embed=true"])
def test_public_mode_has_no_upload_or_admin_even_by_url(public_url: str, path: str) -> None:
    with browser_page() as page:
        _open(page, public_url + path)
        page.wait_for_timeout(1000)
        assert page.locator("input[type=file]").count() == 0
        assert page.locator("[data-testid='stFileUploader']").count() == 0
        assert page.locator("[data-testid='stSidebarNav']").count() == 0
        assert page.get_by_role("button", name="Sign in").count() == 0
        assert page.get_by_text("Officer password").count() == 0
        body = page.locator("body").inner_text().lower()
        for word in ("upload", "admin", "audit", "voucher"):
            assert word not in body, f"{path}: {word!r} on the public page"
        # The page shown is the public page (postcode box), not Data/admin/planner.
        assert page.get_by_label("What is coverage like here? Enter a postcode").count() == 1


def _postcode_in(division_code: str) -> str:
    nspl = pd.read_csv(io.BytesIO(demo_files()["nspl_demo_synthetic.csv"]))
    return str(nspl.loc[nspl["ced25cd"] == division_code, "pcds"].iloc[3])


def test_postcode_search_picks_the_right_division(public_url: str) -> None:
    postcode = _postcode_in("X58000007")  # Greyfriars (synthetic), from the demo NSPL
    with browser_page() as page:
        _open(page, public_url)
        box = page.get_by_label("What is coverage like here? Enter a postcode")
        box.fill(postcode.lower().replace(" ", ""))
        box.press("Enter")  # keyboard only: Enter submits the form
        page.get_by_role("heading", name="Greyfriars (synthetic)").wait_for(timeout=30_000)
        assert page.get_by_text(f"{postcode} is in Greyfriars (synthetic)").count() == 1
        page.locator("caption", has_text="Greyfriars (synthetic) beside the whole county").wait_for(
            timeout=30_000
        )
        assert "division=X58000007" in page.url
        bad = page.get_by_label("What is coverage like here? Enter a postcode")
        bad.fill("NR1 XYZ")
        bad.press("Enter")
        page.get_by_text("does not look like a UK postcode").wait_for(timeout=30_000)


def test_table_equals_map_figures(public_url: str) -> None:
    with browser_page() as page:
        _open(page, public_url)
        page.wait_for_timeout(1000)
        on_map = _map_frame(page).evaluate(MAP_FIGURES_JS)
        in_table = page.evaluate(TABLE_FIGURES_JS)
    assert len(on_map) == 12
    assert on_map == in_table
    assert all(v.endswith("%") for v in in_table.values())


def test_static_export_opens_from_file_and_draws_divisions(tmp_path: Path) -> None:
    require_chromium()
    out = tmp_path / "public_map.html"
    assert geo_cli(["export-html", str(out), "--no-tiles"]) == 0
    with browser_page() as page:
        page.goto(out.as_uri())
        map_drawn(page, 30_000)
        paths = page.locator("path.leaflet-interactive").count()
        rows = page.locator("table.bb-table tr[data-area-code]").count()
        lang = page.evaluate("() => document.documentElement.lang")
        zoom = page.locator(".leaflet-control-zoom-in").count()
        legend = page.locator(".bb-legend").inner_text()
        shot = screenshot(page, "static_export")
        problems = blocking(run_axe(page)) if _have_axe() else []
    assert paths == 12 and rows == 12
    assert lang == "en" and zoom == 1 and "% of premises" in legend
    assert problems == []
    assert shot.stat().st_size > 20_000


def _have_axe() -> bool:
    try:
        require_axe()
    except pytest.skip.Exception:
        return False
    return True
