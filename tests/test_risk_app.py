"""The Digital inclusion need page, the profile's risk section and its PDF, in-process, on the
real Norfolk files plus SYNTHETIC ages, coverage, mobile coverage and support points."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pypdfium2 as pdfium
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from geo.analysis.coverage import best_figures, county_figures
from geo.analysis.profile import build_profile
from geo.analysis.risk import division_risk
from geo.analysis.switchoff import switchoff_risk, weak_4g_from_districts
from geo.config import DERI_LINE
from geo.reports.evidence import evidence_pack, readme_text, risk_tables
from geo.reports.report import chart_png, map_png, profile_pdf, risk_section_lines
from geo.storage.catalog import load_catalog
from tests.conftest import require_shared
from tests.risk_support import build_norfolk_risk_catalog

pytestmark = pytest.mark.shared
APP = Path(__file__).resolve().parent.parent / "app.py"


@pytest.fixture(scope="module")
def norfolk_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_shared("norfolk_oa_2011_bgc.geojson")
    data_dir = tmp_path_factory.mktemp("norfolk_app")
    build_norfolk_risk_catalog(data_dir)
    return data_dir


@pytest.fixture
def norfolk(norfolk_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BROADBAND_DATA_DIR", str(norfolk_dir))
    return norfolk_dir


def _open(url_path: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    at._page_hash = calc_hash(url_path)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _frame(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_need_page_ranks_every_division_and_weights_reorder(norfolk: Path) -> None:
    at = _open("need")
    assert not at.exception
    assert [t.value for t in at.title] == ["Digital inclusion need"]
    assert any("Synthetic demo data" in w.value for w in at.warning)
    ranking = _frame(at, "Risk score (0–10)")
    assert len(ranking) == 84 and ranking["Risk score (0–10)"].notna().all()
    assert ranking["Division"].str.endswith(" ED").all()  # names, not codes
    sources = _frame(at, "Licence")
    assert {"Source", "Year", "Licence"} <= set(sources.columns)
    assert (sources.loc[sources["Used"] == "yes", "Licence"] == "OGL v3.0").all()
    near = _frame(at, "Nearest support point")
    assert len(near) == 84 and near["Nearest support point"].notna().all()
    assert any(m.value.startswith("**High risk, no support within 5 km") for m in at.markdown)
    switch = _frame(at, "% weak indoor 4G")
    assert (switch["% 75+"] >= 10).all()
    first = list(ranking["Division"][:5])
    for key in ("age", "broadband"):
        at.number_input(key=f"risk_cw_{key}").set_value(0.0)
    at = at.run()
    assert not at.exception
    assert list(_frame(at, "Risk score (0–10)")["Division"][:5]) != first


def test_profile_shows_the_risk_section(norfolk: Path) -> None:
    cat = load_catalog(norfolk / "broadband.gpkg")
    code = str(cat.areas["ced"]["area_code"].iloc[0])
    at = _open("division", division=code)
    assert not at.exception
    assert "Digital inclusion need" in [s.value for s in at.subheader]
    text = "\n".join(t.value for t in at.text)
    assert "Digital exclusion risk:" in text and "Landline/3G switch-off risk:" in text


def test_profile_pdf_has_the_risk_section(norfolk: Path) -> None:
    cat = load_catalog(norfolk / "broadband.gpkg")
    assert cat.coverage is not None
    release = cat.releases[-1]
    areas = cat.areas["ced"]
    figs = best_figures(cat.coverage, areas, release=release, oa_centroids=cat.oa_centroids)
    county, how = county_figures(figs, cat.coverage, release=release,
                                 lad_codes=sorted(areas["lad_code"].unique()))  # fmt: skip
    code = str(figs["area_code"].iloc[0])
    profile = build_profile(figs, code, county=county, county_how=how, release=release,
                            measure="gigabit", synthetic=True)  # fmt: skip
    result = division_risk(cat, "ced")
    assert cat.mobile is not None
    switch = switchoff_risk(result.divisions, weak_4g_from_districts(cat.mobile, areas))
    lines = risk_section_lines(result, code, switchoff=switch)
    pdf = profile_pdf(profile, map_image=map_png(figs, code), chart_image=chart_png(profile),
                      risk=lines)  # fmt: skip
    doc = pdfium.PdfDocument(io.BytesIO(pdf))
    assert len(doc) == 1  # still one page
    text = doc[0].get_textpage().get_text_range()
    assert "Digital inclusion need" in text and "Digital exclusion risk:" in text
    assert "Weights: age 3, broadband 3, deprivation 3" in text.replace("\r\n", " ")


def test_evidence_pack_includes_the_risk_table_with_its_weights(norfolk: Path) -> None:
    cat = load_catalog(norfolk / "broadband.gpkg")
    assert cat.coverage is not None
    figs = best_figures(cat.coverage, cat.areas["ced"], release=cat.releases[-1],
                        oa_centroids=cat.oa_centroids)  # fmt: skip
    result = division_risk(cat, "ced", component_weights={"broadband": 1.5})
    tables = risk_tables(result)
    weights = tables["risk_weights"].set_index("key")
    readme = readme_text(release=cat.releases[-1], synthetic=True, sources=[DERI_LINE],
                         options={"risk_weights": weights["weight"].to_dict()})  # fmt: skip
    pack = evidence_pack(divisions=figs, anchors=None, reach_areas=None, layer_tables={},
                         tables=tables, map_png=b"", readme=readme)  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(pack)) as zf:
        scores = pd.read_csv(zf.open("risk_scores.csv"))
        w = pd.read_csv(zf.open("risk_weights.csv")).set_index("key")
        text = zf.read("README.txt").decode()
    assert len(scores) == 84 and scores["score"].notna().all()
    assert {"area_code", "area_name", "rank", "comp_age", "aged_75_plus"} <= set(scores.columns)
    assert w.loc["broadband", "weight"] == 1.5 and w.loc["age", "weight"] == 3
    # shares of the score: age 3 / 7.5 = 40%; within age, 75+ is half of that
    assert w.loc["age", "share_of_score_pct"] == pytest.approx(40.0)
    assert w.loc["age_75", "share_of_score_pct"] == pytest.approx(20.0)
    assert w.loc["age_75", "Licence"] == "OGL v3.0" and w.loc["age_75", "Year"] == "2021"
    assert "'broadband': 1.5" in text and "Digital Exclusion Risk Index" in text


def test_planner_page_still_renders_with_the_risk_tables(norfolk: Path) -> None:
    at = _open("planner")
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Download the evidence pack") for label in labels)
