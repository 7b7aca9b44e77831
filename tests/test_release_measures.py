"""Measures a release does not publish say so on every page's data, never blank or zero.

Known answers: the 2026-01 OA file as shipped (no Full Fibre column; "unable to receive decent
broadband from fixed or FWA" in place of "below the USO") over two 1 km squares, one OA each
(OA 1: 1,000 premises, 15 without decent broadband; OA 2: 3,000 premises, 4 without).
"""

from __future__ import annotations

import pandas as pd
import pytest

from geo.analysis.coverage import best_figures, county_figures
from geo.analysis.gap import gap_components, gap_scores
from geo.analysis.profile import build_profile, figures_table
from geo.config import NOT_PUBLISHED
from geo.reports.report import chart_png, map_png, profile_pdf, source_lines
from geo.sources.ofcom import read_coverage
from tests.ofcom_layouts import BY_KEY, OA_IDS, build
from tests.squares import at, squares


@pytest.fixture(scope="module")
def figures_2026():
    layout = BY_KEY["oa202601"]
    cov = read_coverage(build(layout, ids=OA_IDS), filename=layout.filename)
    cov = cov.assign(level=cov.attrs["level"], source=layout.filename)
    centroids = pd.DataFrame(
        {"easting": [at(500, 500)[0], at(1500, 500)[0]],
         "northing": [at(500, 500)[1], at(1500, 500)[1]], "vintage": "2021", "kind": "pwc"},
        index=pd.Index([code for code, _ in OA_IDS], name="oa_code"),
    )  # fmt: skip
    release = str(cov["release"].iloc[0])
    figs = best_figures(cov, squares(), release=release, oa_centroids=centroids)
    return cov, figs, release


def test_the_2026_oa_file_gives_division_figures_without_full_fibre_or_the_uso(figures_2026):
    _cov, figs, release = figures_2026
    assert release == "2026-01"
    alpha = figs.set_index("area_code").loc["E58000001"]
    assert alpha["premises"] == 1000 and alpha["n_no_decent"] == 15
    assert alpha["pct_gigabit"] == pytest.approx(40.0)
    assert "n_full_fibre" not in figs and "pct_full_fibre" not in figs
    assert "n_below_uso" not in figs


def test_profile_marks_unpublished_measures_in_table_csv_and_note(figures_2026):
    cov, figs, release = figures_2026
    county, how = county_figures(figs, cov, release=release, lad_codes=["E07000001"])
    p = build_profile(figs, "E58000001", county=county, county_how=how, release=release,
                      measure="gigabit", coverage=cov)  # fmt: skip
    table = p.figures.set_index("key")
    assert not table.loc["full_fibre", "Published"] and not table.loc["below_uso", "Published"]
    assert table.loc["no_decent", "Published"] and table.loc["no_decent", "Division %"] == 1.5
    assert sorted(p.unpublished) == ["below_uso", "full_fibre"]
    assert p.published_note() == (
        f"Full fibre (FTTP), Below the Universal Service Obligation: {NOT_PUBLISHED} (2026-01)."
    )
    flat = p.figures_frame()
    ff = flat[flat["section"] == "Full fibre (FTTP)"]
    assert set(ff["value"]) == {NOT_PUBLISHED}
    gig = flat[(flat["section"] == "Gigabit-capable") & (flat["item"] == "Division %")]
    assert gig["value"].tolist() == [40.0]
    # The shortfall the release publishes, never a USO count it does not.
    assert p.shortfalls == {"without_superfast": 100, "no_decent": 15}


def test_pdf_and_sources_say_not_published(figures_2026):
    pdfium = pytest.importorskip("pypdfium2")
    cov, figs, release = figures_2026
    county, how = county_figures(figs, cov, release=release, lad_codes=["E07000001"])
    p = build_profile(figs, "E58000001", county=county, county_how=how, release=release,
                      measure="gigabit", coverage=cov)  # fmt: skip
    assert any(NOT_PUBLISHED in line for line in source_lines(p))
    pdf = profile_pdf(p, map_image=map_png(squares(), "E58000001"), chart_image=chart_png(p))
    doc = pdfium.PdfDocument(pdf)
    text = doc[0].get_textpage().get_text_range()
    assert "Full fibre (FTTP)" in text and NOT_PUBLISHED in text.replace("\r\n", " ")


def test_gap_score_uses_decent_broadband_under_its_own_name(figures_2026):
    _cov, figs, _release = figures_2026
    comps = gap_components(figs)
    assert comps.loc["E58000001", "below_uso"] == 15 and comps.loc["E58000002", "below_uso"] == 4
    assert "below_uso" not in comps.attrs["missing"]
    assert "Unable to get decent broadband from fixed or FWA" in comps.attrs["notes"]["below_uso"]
    # Its label and its table heading are the stand-in's, never "Below USO".
    stand_in = "Premises without decent broadband (fixed or FWA)"
    assert comps.attrs["labels"] == {"below_uso": stand_in}
    assert comps.attrs["short_labels"] == {"below_uso": "No decent"}
    scores = gap_scores(comps, weights={"below_uso": 1.0})
    assert scores.loc["E58000001", "score"] == 100.0
    assert "below_uso" in scores.attrs["notes"]


def test_a_measure_with_a_column_but_no_figure_is_not_called_unpublished() -> None:
    area = pd.Series({"premises": 0, "n_gigabit": float("nan"), "pct_gigabit": float("nan")})
    row = figures_table(area, pd.Series(dtype=float)).set_index("key").loc["gigabit"]
    assert bool(row["Published"]) and row["Division %"] is None
