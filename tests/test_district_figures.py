"""Before finer data arrives: an area without its own figure shows its district's, labelled as
the district's everywhere — hatched on the map (with a legend entry), in tooltips and the
public table, the static export, the profile PDF/PNG, the export file and the evidence pack."""

from __future__ import annotations

import io
import zipfile
from html import unescape

import pandas as pd
import pypdfium2 as pdfium
import pytest

from geo.analysis.coverage import best_figures, county_figures
from geo.analysis.gap import gap_components, gap_scores
from geo.analysis.profile import build_profile
from geo.geometry.simplify import simplify_for_web
from geo.reports.evidence import evidence_pack, figure_notes, readme_text
from geo.reports.figures_file import figures_table
from geo.reports.report import chart_png, map_png, profile_pdf
from geo.sources.ofcom import read_coverage
from layers.choropleth import DISTRICT_LEGEND, HATCH_SWATCH
from layers.export import export_page
from layers.public import public_figures
from layers.text import esc
from layers.webmap import coverage_map
from tests.squares import squares
from tests.test_map import _geojson

LA = (
    "laua,laua_name,All Premises,Number of premises with Gigabit availability,"
    "Number of premises below the USO\nE07000001,West,1000,250,40\nE07000002,East,400,100,8\n"
)
NAME = "202105_fixed_laua_coverage_r01.csv"


@pytest.fixture
def figures():
    cov = read_coverage(LA.encode(), filename=NAME)
    cov = cov.assign(level="lad", source=NAME)
    return best_figures(cov, squares(), release="2021-05"), cov


def test_map_hatches_district_figures_with_a_legend_entry_and_labelled_tooltips(figures) -> None:
    figs, _ = figures
    fmap = coverage_map(simplify_for_web(figs), measure="gigabit")
    props = [f["properties"] for f in _geojson(fmap)["features"]]
    assert [p["hatch"] for p in props] == [1, 1, 1]
    # Map text is escaped once (layers.render); the browser shows it unescaped.
    assert unescape(props[0]["value"]) == (
        "25.0%: the district's figure (West); no figure of this area's own yet"
    )
    html = fmap.get_root().render()
    assert esc(DISTRICT_LEGEND) in html and HATCH_SWATCH in html
    assert 'fill = "url(#" + hatchId(fill) + ")"' in html  # SVG pattern fill for hatched areas


def test_map_without_district_figures_has_no_hatch_entry(figures) -> None:
    figs, _ = figures
    own = figs.assign(figure_from="area")
    html = coverage_map(simplify_for_web(own), measure="gigabit").get_root().render()
    assert esc(DISTRICT_LEGEND) not in html


def test_public_table_and_static_export_say_district_figure(figures) -> None:
    figs, _ = figures
    table = public_figures(figs, measure="gigabit")
    assert table["pct_text"].tolist() == [
        "25.0% (district figure: West)", "25.0% (district figure: West)",
        "25.0% (district figure: East)",
    ]  # fmt: skip
    page = export_page(simplify_for_web(figs), figs, title="T", release="2021-05", tiles=False)
    assert "Hatched divisions have no figure of their own yet" in page
    assert "25.0% (district figure: East)" in page


def test_profile_pdf_and_chart_label_the_figures_as_the_districts(figures) -> None:
    figs, cov = figures
    county, how = county_figures(figs, cov, release="2021-05", lad_codes=["E07000001", "E07000002"])
    profile = build_profile(figs, "E58000003", county=county, county_how=how, release="2021-05",
                            measure="gigabit", coverage=cov)  # fmt: skip
    assert profile.district_figures and profile.figure_area_name == "East"
    assert profile.rank is None and profile.ranked_of == 0  # a district figure is not ranked
    assert profile.premises is None
    note = profile.figures_note()
    assert note.startswith("No figure of this division's own yet: the figures are East's")
    assert "202105_fixed_oa_coverage_rNN.csv" in note
    assert profile.as_dict()["figure_from"] == "district"
    pdf = profile_pdf(profile, map_image=map_png(figs, "E58000003"), chart_image=chart_png(profile))
    doc = pdfium.PdfDocument(pdf)
    text = doc[0].get_textpage().get_text_range()
    assert len(doc) == 1
    assert "the figures are East's" in text.replace("\r\n", " ").replace("\n", " ")
    assert "District %" in text


def test_export_file_and_evidence_pack_carry_the_label(figures) -> None:
    figs, _ = figures
    table = figures_table(figs)
    assert list(table.columns[:3]) == ["area_code", "area_name", "premises"]
    assert {"method", "weight", "source", "release", "licence", "figure_from"} <= set(table)
    assert (table["figure_from"] == "district").all() and table["premises"].isna().all()
    comps = gap_components(figs)
    assert comps.empty or "no_gigabit" not in comps
    notes = figure_notes(figs)
    assert notes[0].startswith("3 of 3 divisions have no figure of their own")
    readme = readme_text(release="2021-05", options={}, sources=[NAME], synthetic=False,
                         notes=notes)  # fmt: skip
    assert "About these figures:" in readme and "figure_from = district" in readme
    pack = evidence_pack(divisions=figs, anchors=None, reach=None, layer_tables={},
                         tables={}, map_png=b"", readme=readme)  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(pack)) as zf:
        assert "figure_from = district" in zf.read("README.txt").decode()


def test_gap_score_from_deprivation_alone_names_the_missing_counts(figures) -> None:
    figs, _ = figures
    deprivation = pd.DataFrame({"deprivation": [10.0, 30.0, 20.0]},
                               index=["E58000001", "E58000002", "E58000003"])  # fmt: skip
    scores = gap_scores(gap_components(figs, deprivation=deprivation),
                        weights={"no_gigabit": 3, "below_uso": 2, "deprivation": 1})  # fmt: skip
    assert scores["score"].tolist() == [100.0, 50.0, 0.0]
    assert set(scores.attrs["missing"]) == {"no_gigabit", "below_uso"}
