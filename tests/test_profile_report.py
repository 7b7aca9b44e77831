"""Division profile figures (known answers) and its exports: PDF opens and reads, PNG, CSV, JSON."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import pandas as pd
import pypdfium2 as pdfium
import pytest
import shapely

from geo.analysis.coverage import totals, with_percentages
from geo.analysis.profile import (
    Section,
    build_profile,
    england_figures,
    rank_in_county,
    target_progress,
)
from geo.config import ENGLAND_CODE, OGL_LINE, SYNTHETIC_LABEL
from geo.geometry.aggregate import assign_areas
from geo.reports.report import chart_png, map_png, profile_pdf, profile_png
from layers import anchors
from tests.browser.support import SCREENSHOTS as ARTIFACTS

X0, Y0 = 600_000.0, 300_000.0
NASTY = "<script>alert('x')</script> & Co"


def _figures() -> gpd.GeoDataFrame:
    base = pd.DataFrame(
        {
            "area_code": ["A", "B", "C"],
            "area_name": [NASTY, "Beta", "Gamma"],
            "premises": [1000.0, 200.0, 500.0],
            "n_sfbb": [900.0, 100.0, 450.0],
            "n_gigabit": [500.0, 100.0, 100.0],
            "n_below_uso": [20.0, 10.0, 5.0],
            "method": "postcode centroids",
        }
    )
    geoms = [shapely.box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(3)]
    return gpd.GeoDataFrame(with_percentages(base), geometry=geoms, crs="EPSG:27700")


def test_rank_ties_share_rank_and_direction_follows_the_measure() -> None:
    figs = _figures()
    # gigabit %: A 50, B 50, C 20 → 1, 1, 3
    assert rank_in_county(figs, measure="gigabit").tolist() == [1, 1, 3]
    # below USO % (low is good): A 2, B 5, C 1 → 2, 3, 1
    assert rank_in_county(figs, measure="below_uso").tolist() == [2, 3, 1]


def test_target_progress_by_hand() -> None:
    area = _figures().iloc[0]  # superfast 90% of 1,000; gigabit 50%
    out = target_progress(area, superfast_target=95, gigabit_target=85).set_index("Target %")
    assert out.loc[95.0, "Points to go"] == pytest.approx(5.0)
    assert out.loc[95.0, "Premises to go"] == 50
    assert out.loc[85.0, "Premises to go"] == 350
    met = target_progress(area, superfast_target=90, gigabit_target=10)
    assert met["Met"].tolist() == [True, True] and met["Premises to go"].tolist() == [0, 0]


def test_england_row_used_when_loaded_and_absent_otherwise() -> None:
    cov = pd.DataFrame(
        {
            "area_id": [ENGLAND_CODE, "E07000148"],
            "premises": [100.0, 10.0],
            "n_gigabit": [70.0, 1.0],
            "release": "2021-05",
            "level": "lad",
        }
    )
    eng = england_figures(cov, release="2021-05")
    assert eng is not None and eng["pct_gigabit"] == pytest.approx(70.0)
    assert england_figures(cov, release="2020-01") is None
    assert england_figures(None, release="2021-05") is None


def _profile(**kw: object):
    figs = _figures()
    return build_profile(
        figs,
        "A",
        county=totals(figs),
        county_how="sum over areas",
        release="2025-01",
        measure="gigabit",
        **kw,
    )


def _anchors() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": ["Alpha School", "Beta Library"],
            "site_type": ["school", "library"],
            "fibre_status": ["planned", "none"],
            "postcode": ["AA1 1AA", "AA1 1AB"],
        },
        geometry=[shapely.Point(X0 + 500, Y0 + 500), shapely.Point(X0 + 1500, Y0 + 500)],
        crs="EPSG:27700",
    )


def _sections() -> list[Section]:
    """The anchor layer's own summary of area A (the sites in it), as the app builds it."""
    sites = _anchors()
    codes = assign_areas(sites, _figures(), points_name="anchors")
    here = pd.DataFrame(sites.drop(columns="geometry"))[(codes == "A").to_numpy()]
    row = anchors.aggregate(sites, _figures()).loc["A"]
    return anchors.summarise(row, here, public=False)


def test_profile_figures_rank_shortfalls_and_sections() -> None:
    p = _profile(sections=_sections())
    row = p.figures.set_index("key").loc["gigabit"]
    assert row["Division %"] == 50.0 and row["County %"] == pytest.approx(41.2)  # 700/1700
    assert row["England %"] is None
    assert (p.rank, p.ranked_of) == (1, 3)
    assert p.shortfalls == {"without_superfast": 100, "below_uso": 20}
    listing = next(s for s in p.sections if s.title == "Anchor sites")
    assert listing.table.to_dict("list") == {
        "Site": ["Alpha School"], "Type": ["School"], "Fibre": ["fibre planned"],
    }  # fmt: skip
    data = json.loads(p.to_json())
    assert data["name"] == NASTY
    assert {"title": "Anchor sites", "rows": [{"Site": "Alpha School", "Type": "School",
            "Fibre": "fibre planned"}], "note": ""} in data["sections"]  # fmt: skip
    flat = p.figures_frame()
    assert {"section", "item", "value"} == set(flat.columns)
    assert "1 of 3" in flat["value"].astype(str).tolist()
    assert {"section": "Anchor sites", "item": "Alpha School",
            "value": "School, fibre planned"} in flat.to_dict("records")  # fmt: skip


def test_pdf_is_one_page_readable_with_name_literal_and_licence() -> None:
    p = _profile(sections=_sections(), synthetic=True)
    figs = _figures()
    points = [(_anchors(), anchors.LAYER.map_style)]
    pdf = profile_pdf(p, map_image=map_png(figs, "A", points=points), chart_image=chart_png(p))
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == 1
    image = doc[0].render(scale=1.5).to_pil()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "profile_pdf_page1.png")  # kept for people to look at
    assert image.size[0] > 800 and len(set(image.convert("L").getdata())) > 10  # not blank
    text = doc[0].get_textpage().get_text_range()
    assert NASTY in text  # printed literally, not interpreted
    assert OGL_LINE in text
    assert SYNTHETIC_LABEL in text
    assert "≥ 95%" in text  # DejaVu prints the symbol
    assert "Alpha School: School, fibre planned" in text


def test_png_sheet_is_a_png() -> None:
    p = _profile(sections=_sections())
    png = profile_png(p, areas=_figures(), points=[(_anchors(), anchors.LAYER.map_style)])
    from PIL import Image

    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size[0] > 1000


def test_trend_caveat_only_for_2017_to_2019_releases() -> None:
    from geo.analysis.profile import trend_caveat

    assert trend_caveat(["2016", "2020"]) is None
    assert "30–300 Mbit/s" in (trend_caveat(["2016", "2018", "2021-05"]) or "")
