"""Done-when, on the real Norfolk files: a synthetic OA file in Ofcom's 2026-01 layout over the
real 2011 output areas, premises chosen so each district adds up to its real May 2021 LA
count, gives all 84 divisions a figure, division totals add up to the county, and the
reconciliation against the real LA file reports no difference.

The OA rows are SYNTHETIC (the premises and counts are shares of the real district totals);
the OA polygons, divisions and LA file are the real files, read unmodified. The OA polygons'
representative points stand in for population-weighted centroids (the labelled fallback),
since the PWC file is not in ../shared/data.
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.__main__ import main
from geo.analysis.coverage import best_figures, county_figures
from geo.analysis.reconcile import COUNTY_ROW, for_catalog
from geo.settings import load_settings
from geo.sources.demo import OA_2026_01_MEASURES, oa_file_2026_01
from geo.sources.tabular import decode_bytes
from geo.storage.catalog import load_catalog
from tests.conftest import require_shared
from tests.test_profile_planner_app import _open

pytestmark = pytest.mark.shared

LA_FILE = "ofcom_202105_fixed_laua_coverage_r01_uk.csv"
NORFOLK_LADS = [f"E0700014{i}" for i in range(3, 10)]
USO_STAND_IN = "Number of premises below the USO"
"""The 2026-01 "unable to receive decent broadband" column takes the USO column's place."""
DECENT = "Number of premises unable to receive decent broadband from fixed or FWA"


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole numbers in proportion to ``weights`` that add up to ``total`` exactly."""
    exact = total * weights / weights.sum()
    whole = np.floor(exact).astype(int)
    short = total - int(whole.sum())
    whole[np.argsort(-(exact - whole), kind="stable")[:short]] += 1
    return whole


def synthetic_oa_rows(oas: pd.DataFrame, la: pd.DataFrame, *, seed: int = 2021) -> pd.DataFrame:
    """Counts per OA: each district's premises spread over its OAs (random weights), and each
    count spread in proportion to premises, so every district adds up to its LA row and no OA
    has more premises with a service than premises."""
    rng = np.random.default_rng(seed)
    counts = [n for _, n in OA_2026_01_MEASURES]
    parts = []
    for lad, group in oas.groupby("LAD11CD", sort=True):
        row = la.loc[lad]
        premises = largest_remainder(int(row["All Premises"]), rng.uniform(0.5, 1.5, len(group)))
        frame = pd.DataFrame({"output_area": group["OA11CD"].to_numpy(), "All Premises": premises})
        for col in counts:
            source = USO_STAND_IN if col == DECENT else col
            if source in la.columns:
                frame[col] = largest_remainder(int(row[source]), premises.astype(float))
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def la_rows() -> pd.DataFrame:
    text = decode_bytes(require_shared(LA_FILE).read_bytes(), filename=LA_FILE)
    la = pd.read_csv(io.StringIO(text), dtype={"laua": str}).set_index("laua")
    return la.loc[NORFOLK_LADS]


def test_synthetic_oa_file_over_real_oas_reconciles_with_the_real_la_file(
    tmp_path: Path, la_rows: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    oa_path = require_shared("norfolk_oa_2011_bgc.geojson")
    oas = gpd.read_file(oa_path, columns=["OA11CD", "LAD11CD"], ignore_geometry=True)
    rows = synthetic_oa_rows(pd.DataFrame(oas), la_rows)
    assert len(rows) == 2_931
    assert rows.groupby(oas["LAD11CD"].to_numpy())["All Premises"].sum().tolist() == (
        la_rows["All Premises"].tolist()
    )
    synthetic = tmp_path / "202105_fixed_oa_coverage_r01_SYNTHETIC.csv"
    synthetic.write_bytes(oa_file_2026_01(rows))
    assert synthetic.read_text().splitlines()[0].count(",") == 36  # the 37 columns of 2026-01

    files = [require_shared("norfolk_ced_2025_simplified.geojson"), oa_path,
             require_shared(LA_FILE), synthetic]  # fmt: skip
    assert main(["import", *map(str, files)]) == 0
    out = capsys.readouterr().out
    assert "Reconciliation, OA release 2021-05 → ced: matches the LA file" in out
    assert "BRECKLAND (E07000143): 66,450 premises vs 66,450 in the LA file (+0)" in out

    cat = load_catalog(load_settings().boundaries_path)
    assert cat.oa_centroids is not None and set(cat.oa_centroids["kind"]) == {"polygon"}
    assert cat.coverage is not None
    figs = best_figures(cat.coverage, cat.areas["ced"], release="2021-05",
                        oa_centroids=cat.oa_centroids)  # fmt: skip
    # Every division has a figure of its own, from the OA rows, and says how it was placed.
    assert len(figs) == 84 and (figs["figure_from"] == "area").all()
    assert figs["premises"].gt(0).all() and figs["pct_gigabit"].notna().all()
    assert figs["method"].str.contains("2011 codes").all()
    assert figs["method"].str.contains("representative points (fallback", regex=False).all()
    assert figs.attrs["placement"]["n_no_location"] == 0
    # Division totals add up to the county: the seven district rows of the real LA file.
    county_la = la_rows["All Premises"].sum()
    assert figs["premises"].sum() == county_la == 441_271
    county, how = county_figures(figs, cat.coverage, release="2021-05", lad_codes=NORFOLK_LADS)
    assert county["premises"] == county_la and how.startswith("sum over areas")
    la_gigabit = la_rows["Number of premises with Gigabit availability"].sum()
    assert county["n_gigabit"] == la_gigabit

    done, problems = for_catalog(cat)
    assert problems == []
    rec = next(r for r in done if r.level == "ced")
    assert rec.agrees and rec.facts["areas_add_up"]
    table = rec.table.set_index("district_code")
    assert sorted(table.index) == sorted([*NORFOLK_LADS, COUNTY_ROW])
    assert (table["premises_diff"] == 0).all()
    pp = [c for c in table.columns if c.startswith("pp_")]
    assert {"pp_sfbb", "pp_ufbb", "pp_gigabit", "pp_unable_10"} <= set(pp)
    assert np.allclose(table[pp].to_numpy(dtype=float), 0.0)
    assert table.loc[COUNTY_ROW, "areas"] == 84
    stored = load_catalog(load_settings().boundaries_path).reconciliation
    assert stored is not None
    assert set(stored.loc[stored["level"] == "ced", "district_code"]) == set(table.index)

    # The Sources page shows the stored reconciliation: 7 districts and the county, no gap.
    at = _open("sources")
    assert not at.exception
    shown = next(d.value for d in at.dataframe if "Difference" in d.value.columns)
    assert len(shown) == 8 and (shown["Difference"] == 0).all()
    assert (shown["Gigabit difference (pp)"].abs() < 1e-9).all()


def test_real_la_file_alone_gives_every_division_its_districts_figure_labelled(
    la_rows: pd.DataFrame,
) -> None:
    files = [require_shared("norfolk_ced_2025_simplified.geojson"), require_shared(LA_FILE)]
    assert main(["import", *map(str, files)]) == 0
    cat = load_catalog(load_settings().boundaries_path)
    assert cat.coverage is not None
    figs = best_figures(cat.coverage, cat.areas["ced"], release="2021-05")
    assert (figs["figure_from"] == "district").all() and figs["premises"].isna().all()
    by = figs.set_index("area_code")
    thetford = by.loc[by["area_name"].str.startswith("Thetford")].iloc[0]
    breckland = la_rows.loc["E07000143"]
    expected = 100 * breckland["Number of premises with Gigabit availability"] / 66_450
    assert thetford["figure_area"] == "E07000143" and thetford["figure_area_name"] == "BRECKLAND"
    assert thetford["pct_gigabit"] == pytest.approx(expected)
    assert "202105_fixed_oa_coverage_rNN.csv" in thetford["figure_needs"]
    county, how = county_figures(figs, cat.coverage, release="2021-05", lad_codes=NORFOLK_LADS)
    assert county["premises"] == 441_271 and how == "sum over 7 district rows"

    # The profile page says whose figures they are and what would give the division its own.
    at = _open("division", division=str(thetford.name))
    assert not at.exception
    assert any("the figures are BRECKLAND's" in i.value for i in at.info)
    assert "District % (BRECKLAND)" in at.dataframe[0].value.columns
