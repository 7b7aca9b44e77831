"""Ofcom coverage: premises-weighted figures with known answers, aliases, LA/OA/postcode paths."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from geo.analysis.coverage import (
    METHOD_LAD,
    METHOD_NONE,
    METHOD_OA,
    METHOD_POSTCODE,
    best_figures,
    county_figures,
    coverage_by_area,
    select_release,
    totals,
    trend,
)
from geo.errors import DataError
from geo.sources.ofcom import read_coverage, release_from_filename
from tests.conftest import require_shared
from tests.squares import at, squares

NORFOLK_LADS = [f"E0700014{i}" for i in range(3, 10)]
PC_HEADER = (
    "postcode,postcode_space,All Premises,SFBB availability (% premises),"
    "Number of premises with SFBB availability,Number of premises with Gigabit availability,"
    "Number of premises below the USO\n"
)


def _csv(text: str) -> bytes:
    return text.encode()


def _lookup(rows: dict[str, tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"easting": [at(*xy)[0] for xy in rows.values()],
         "northing": [at(*xy)[1] for xy in rows.values()]},
        index=pd.Index(list(rows), name="postcode"),
    )  # fmt: skip


def test_postcode_level_known_answer() -> None:
    data = _csv(
        PC_HEADER
        + "NR11AA,NR1 1AA,10,100,10,5,0\n"  # Alpha
        + "NR11AB,NR1 1AB,30,50,15,0,3\n"  # Alpha
        + "NR12AA,NR1 2AA,60,80,48,60,0\n"  # Bravo
        + "NR13ZZ,NR1 3ZZ,5,0,0,0,5\n"  # not in the lookup: reported
        + "NR19XX,NR1 9XX,7,0,0,0,7\n"  # located outside every area: reported
    )
    cov = read_coverage(data, filename="202401_fixed_pc_coverage_r01.csv")
    lookup = _lookup({"NR1 1AA": (100, 100), "NR1 1AB": (900, 900), "NR1 2AA": (1500, 500),
                      "NR1 9XX": (9000, 9000)})  # fmt: skip
    figs = coverage_by_area(cov, squares(), locations=lookup).set_index("area_code")
    alpha, bravo, charlie = (figs.loc[c] for c in ["E58000001", "E58000002", "E58000003"])
    # Alpha: 40 premises, 25 superfast (not the 75% mean of 100% and 50%), 5 gigabit, 3 below USO.
    assert alpha["premises"] == 40 and alpha["n_sfbb"] == 25
    assert alpha["pct_sfbb"] == pytest.approx(62.5)
    assert alpha["pct_gigabit"] == pytest.approx(12.5)
    assert alpha["pct_below_uso"] == pytest.approx(7.5)
    assert bravo["pct_gigabit"] == pytest.approx(100.0) and bravo["method"] == METHOD_POSTCODE
    assert np.isnan(charlie["pct_sfbb"]) and charlie["method"] == METHOD_NONE
    assert sorted(figs.attrs["unmatched"]) == ["NR1 3ZZ", "NR1 9XX"]
    assert figs.attrs["release"] == "2024-01"
    assert (figs["weight"] == "Ofcom 'All Premises'").all()


def test_oa_level_uses_oa_centroids() -> None:
    data = _csv("oa11cd,All Premises,Number of premises with Gigabit availability\n"
                "E00000001,100,25\nE00000002,300,300\nE00000003,0,0\n")  # fmt: skip
    centroids = pd.DataFrame(
        {"easting": [at(500, 500)[0], at(2500, 500)[0], at(2600, 500)[0]],
         "northing": [at(500, 500)[1]] * 3},
        index=pd.Index(["E00000001", "E00000002", "E00000003"], name="oa_code"),
    )  # fmt: skip
    figs = coverage_by_area(read_coverage(data, filename="oa.csv"), squares(), locations=centroids)
    figs = figs.set_index("area_code")
    assert figs.loc["E58000001", "pct_gigabit"] == pytest.approx(25.0)
    assert figs.loc["E58000003", "premises"] == 300
    assert figs.loc["E58000003", "method"] == METHOD_OA
    assert figs.loc["E58000002", "method"] == METHOD_NONE


def test_zero_premises_gives_no_percentage_not_an_error() -> None:
    data = _csv(PC_HEADER + "NR11AA,NR1 1AA,0,0,0,0,0\n")
    figs = coverage_by_area(read_coverage(data, filename="pc.csv"), squares(),
                            locations=_lookup({"NR1 1AA": (500, 500)}))  # fmt: skip
    assert figs.loc[0, "premises"] == 0 and np.isnan(figs.loc[0, "pct_sfbb"])


def test_counts_derived_from_percentages_when_a_release_has_none() -> None:
    data = _csv("laua_code,All Premises,SFBB availability (% premises)\nE07000001,200,12.5\n")
    cov = read_coverage(data, filename="2016_data.csv", release="2016")
    assert cov.loc[0, "n_sfbb"] == 25
    assert cov.attrs["count_source"]["sfbb"] == "derived from % × premises"


def test_la_figure_is_never_spread_over_divisions() -> None:
    data = _csv("laua,laua_name,All Premises,Number of premises with Gigabit availability\n"
                "E07000001,Somewhere,1000,100\n")  # fmt: skip
    figs = coverage_by_area(read_coverage(data, filename="la.csv"), squares())
    assert figs["pct_gigabit"].isna().all()
    assert (figs["method"] == METHOD_NONE).all()


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            "laua,All Premises\nE07000001,abc\n",
            "la.csv row 2, column 'All Premises': is not a number",
        ),
        (
            "laua,All Premises,SFBB availability (% premises)\nE07000001,10,140\n",
            "row 2, column 'SFBB availability (% premises)': is not a percentage",
        ),
        (
            "laua,All Premises,Number of premises with SFBB availability\nE07000001,10,11\n",
            "count is larger than 'All Premises'",
        ),
        ("laua,All Premises\nE07000001,10\nE07000001,12\n", "row 3, column 'laua': duplicate"),
        ("area,All Premises\nX,1\n", "has no area identifier column"),
        ("laua,All Premises\n", "has a header but no data rows"),
    ],
)
def test_bad_rows_give_located_errors(body: str, fragment: str) -> None:
    with pytest.raises(DataError) as err:
        read_coverage(_csv(body), filename="la.csv")
    assert fragment in str(err.value)


def test_every_problem_is_reported_together() -> None:
    body = "laua,All Premises,Gigabit availability (% premises)\nA,x,5\nB,10,-1\nC,10,101\n"
    with pytest.raises(DataError) as err:
        read_coverage(_csv(body), filename="la.csv")
    assert [p.row for p in err.value.problems] == [2, 3, 4]


def test_release_from_filename() -> None:
    assert release_from_filename("202105_fixed_laua_coverage_r01.csv") == "2021-05"
    assert release_from_filename("coverage.csv") is None


def test_norfolk_may_2021_county_figures_match_ofcom_counts() -> None:
    path = require_shared("ofcom_202105_fixed_laua_coverage_r01_uk.csv")
    cov = read_coverage(path)
    assert cov.attrs["level"] == "lad" and cov.loc[0, "release"] == "2021-05"
    norfolk = cov[cov["area_id"].isin(NORFOLK_LADS)]
    got = totals(norfolk)
    with path.open(newline="", encoding="utf-8") as fh:  # independent arithmetic on the raw file
        rows = [r for r in csv.DictReader(fh) if r["laua"] in NORFOLK_LADS]
    premises = sum(int(r["All Premises"]) for r in rows)
    sfbb = sum(int(r["Number of premises with SFBB availability"]) for r in rows)
    gigabit = sum(int(r["Number of premises with Gigabit availability"]) for r in rows)
    assert len(rows) == 7 and premises == 441_271 == got["premises"]
    assert got["n_sfbb"] == sfbb and got["pct_sfbb"] == pytest.approx(100 * sfbb / premises)
    assert got["pct_gigabit"] == pytest.approx(100 * gigabit / premises)
    # Premises weighting matters: the plain mean of the district percentages differs.
    mean_pct = np.mean([float(r["UFBB availability (% premises)"]) for r in rows])
    assert abs(mean_pct - got["pct_ufbb"]) > 1.0


def test_norfolk_trend_and_districts_from_the_tidy_multi_release_file() -> None:
    from geo.geometry.boundaries import load_boundaries

    cov = read_coverage(require_shared("ofcom_fixed_coverage_norfolk_lad_2016_2021.csv"))
    series = trend(cov)
    assert list(series.index) == ["2016", "2017", "2018", "2019", "2020", "2021", "2021-05"]
    assert np.isnan(series.loc["2016", "pct_sfbb"])  # no premises counts: no figure, no mean
    assert series.loc["2021-05", "premises"] == 441_271
    lads = load_boundaries(require_shared("norfolk_lad_boundaries_2013_bgc.geojson"))
    may = select_release(cov, "2021-05")
    may = may.assign(level="lad")
    figs = best_figures(may, lads, release="2021-05")
    assert (figs["method"] == METHOD_LAD).all()
    county, how = county_figures(figs, may, release="2021-05", lad_codes=NORFOLK_LADS)
    assert county["premises"] == 441_271 and "7 district rows" in how
