"""The map, the profile and its PDF on the real Norfolk files, as a councillor sees them.

First with the real May 2021 LA file alone (every division carries its district's figure,
hatched and labelled), then after importing a SYNTHETIC OA file in the 2026-01 layout over the
real 2011 OAs (each division its own figure; Full fibre and the USO "not published"). The
screenshots (and each PDF's page, rasterised) land in tests/artifacts/ for people to look at.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo.config import NOT_PUBLISHED
from geo.sources.demo import oa_file_2026_01
from geo.sources.tabular import decode_bytes
from tests.browser.support import (
    ROOT,
    SCREENSHOTS,
    browser_page,
    map_drawn,
    require_chromium,
    running_app,
    screenshot,
    settled,
)
from tests.conftest import require_shared
from tests.test_oa_norfolk import LA_FILE, NORFOLK_LADS, synthetic_oa_rows

pytestmark = [pytest.mark.browser, pytest.mark.shared]

DIVISIONS = "norfolk_ced_2025_simplified.geojson"
OAS = "norfolk_oa_2011_bgc.geojson"
CODE, NAME = "E58001025", "Thorpe Hamlet ED"
"""A small Norwich division (its district: Norwich, E07000148)."""


def _import(data: Path, *paths: Path | str) -> None:
    env = {"BROADBAND_DATA_DIR": str(data), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    done = subprocess.run(
        [sys.executable, "-m", "geo", "import", *map(str, paths)], cwd=ROOT,
        capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout


def _synthetic_oa_file(folder: Path) -> Path:
    text = decode_bytes(require_shared(LA_FILE).read_bytes(), filename=LA_FILE)
    la = pd.read_csv(io.StringIO(text), dtype={"laua": str}).set_index("laua").loc[NORFOLK_LADS]
    oas = gpd.read_file(require_shared(OAS), columns=["OA11CD", "LAD11CD"], ignore_geometry=True)
    path = folder / "202105_fixed_oa_coverage_r01_SYNTHETIC.csv"
    path.write_bytes(oa_file_2026_01(synthetic_oa_rows(pd.DataFrame(oas), la)))
    return path


def _pdf_page_png(pdf: bytes, name: str) -> Path:
    pdfium = pytest.importorskip("pypdfium2")
    page = pdfium.PdfDocument(pdf)[0]
    out = SCREENSHOTS / f"{name}.png"
    page.render(scale=1.6).to_pil().save(out)
    return out


def _visit(url: str, page: object, stem: str) -> dict[str, object]:
    """Map with the division picked, then its profile and PDF; what each page said."""
    page.goto(f"{url}/?division={CODE}", wait_until="domcontentloaded")  # type: ignore[attr-defined]
    frame = page.frame_locator("iframe").first  # type: ignore[attr-defined]
    map_drawn(frame, 120_000)
    page.get_by_role("heading", name=NAME, exact=True).wait_for(timeout=120_000)  # type: ignore[attr-defined]
    settled(page, timeout=120_000)
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    map_text = page.locator("[data-testid='stMain']").inner_text()  # type: ignore[attr-defined]
    hatched = frame.locator("pattern").count()
    screenshot(page, f"{stem}_map")

    page.goto(f"{url}/division?division={CODE}", wait_until="domcontentloaded")  # type: ignore[attr-defined]
    page.get_by_role("button", name="PDF (one page)").wait_for(timeout=120_000)  # type: ignore[attr-defined]
    settled(page, timeout=120_000)
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    profile_text = page.locator("[data-testid='stMain']").inner_text()  # type: ignore[attr-defined]
    screenshot(page, f"{stem}_profile")
    with page.expect_download(timeout=120_000) as download:  # type: ignore[attr-defined]
        page.get_by_role("button", name="PDF (one page)").click()  # type: ignore[attr-defined]
    pdf = Path(download.value.path()).read_bytes()
    _pdf_page_png(pdf, f"{stem}_profile_pdf")
    return {"map": map_text, "hatched": hatched, "profile": profile_text, "pdf": pdf}


def test_la_file_then_synthetic_oa_file_on_real_norfolk(tmp_path: Path) -> None:
    require_chromium()
    data = tmp_path / "data"
    _import(data, require_shared(DIVISIONS), require_shared(LA_FILE))
    with running_app(data) as url, browser_page(width=1400, height=1100) as page:
        la = _visit(url, page, "norfolk_la")
    _import(data, require_shared(OAS), _synthetic_oa_file(tmp_path))
    with running_app(data) as url, browser_page(width=1400, height=1100) as page:
        oa = _visit(url, page, "norfolk_oa")

    # LA file alone: the division has no figure of its own and shows Norwich's, labelled.
    assert "No coverage data finer than the district" in la["map"]
    assert "NORWICH" in str(la["map"]).upper()
    assert la["hatched"] >= 1  # districts' figures drawn hatched
    assert "figures are" in str(la["profile"]) and "(the district's" in str(la["profile"])
    # After the OA import: its own premises, and the measures 2026-01 does not publish named.
    assert "No coverage data finer than the district" not in oa["map"]
    assert "Premises (Ofcom 'All Premises')" in oa["map"]
    assert f"Full fibre (FTTP), Below the Universal Service Obligation: {NOT_PUBLISHED}" in str(
        oa["map"]
    )
    assert NOT_PUBLISHED in str(oa["profile"])
    assert la["pdf"].startswith(b"%PDF") and oa["pdf"].startswith(b"%PDF")
