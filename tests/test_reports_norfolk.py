"""Residents' reports on the real Norfolk divisions against the real 2021-05 district file.

The postcode directory is made up (two ``ZZ99`` postcodes: one at a point inside Thetford's
division, one in London); the boundaries and Ofcom's figures are the real files in
``../shared/data``. With only the district file loaded, a report is set against its district's
figure and says so.
"""

from __future__ import annotations

import pandas as pd
import pytest

from geo.__main__ import main
from geo.analysis import resident_reports as rr
from geo.analysis.coverage import best_figures
from geo.errors import DataError
from geo.settings import load_settings
from geo.storage.catalog import load_catalog
from layers.reports import evidence_rows
from tests.conftest import require_shared

pytestmark = pytest.mark.shared

LA_FILE = "ofcom_202105_fixed_laua_coverage_r01_uk.csv"
BRECKLAND = {"premises": 66_450, "sfbb": 60_567, "ufbb": 15_361, "unable_10": 1_929}
"""Breckland's row of the real file (All Premises and the counts used here)."""


def test_reports_in_a_real_division_against_its_districts_figure():
    files = [require_shared("norfolk_ced_2025_simplified.geojson"), require_shared(LA_FILE)]
    assert main(["import", *map(str, files)]) == 0
    cat = load_catalog(load_settings().boundaries_path)
    areas = cat.areas["ced"]
    assert len(areas) == 84
    thetford = areas[areas["area_name"].str.startswith("Thetford")].iloc[0]
    inside = thetford.geometry.representative_point()
    postcodes = pd.DataFrame(
        {"easting": [inside.x, 530_000.0], "northing": [inside.y, 180_000.0],
         "terminated": [False, False]},
        index=pd.Index(["ZZ99 1AA", "ZZ99 1AB"], name="postcode"),
    )  # fmt: skip
    with pytest.raises(DataError) as outside:
        rr.validate_report(rr.ReportForm(postcode="ZZ99 1AB", band="none"), postcodes=postcodes,
                           areas=areas)  # fmt: skip
    assert rr.problems_by_field(outside.value) == {
        "postcode": ["ZZ99 1AB is outside this council's area. Report it to your own council."]
    }
    frame = None
    for i, band in enumerate(("below_10", "10_30", "30_300")):
        valid = rr.validate_report(rr.ReportForm(postcode="zz99 1aa", band=band),
                                   postcodes=postcodes, areas=areas)  # fmt: skip
        assert valid.area_code == thetford["area_code"]
        frame = rr.add_report(frame, valid, report_id=f"R-{i}", now=pd.Timestamp.now("UTC")).frame
    accepted = rr.moderate(frame, ["R-0", "R-1", "R-2"], action="accept", reason="ok",
                           now=pd.Timestamp.now("UTC"), user="ana").frame  # fmt: skip
    assert cat.coverage is not None
    figs = best_figures(cat.coverage, areas, release="2021-05")
    names = dict(zip(figs["area_code"], figs["area_name"], strict=True))
    table = evidence_rows(accepted, figures=figs, postcode_figures=None, release="2021-05",
                          names=names)  # fmt: skip
    expected = [
        100 - 100 * BRECKLAND["unable_10"] / BRECKLAND["premises"],  # 97.1% can get 10 Mbit/s
        100 * BRECKLAND["sfbb"] / BRECKLAND["premises"],  # 91.1% superfast
        100 * BRECKLAND["ufbb"] / BRECKLAND["premises"],  # 23.1% ultrafast
    ]
    assert table["ofcom_pct_can_get"].tolist() == pytest.approx([round(e, 1) for e in expected])
    assert table["contradicts_ofcom"].tolist() == [True, True, False]
    assert set(table["ofcom_level"]) == {"district"} and set(table["area_name"]) == {
        thetford["area_name"]
    }
    assert table.loc[0, "ofcom_figure"] == (
        "97.1% of premises can get at least 10 Mbit/s (district, Ofcom 2021-05)"
    )
