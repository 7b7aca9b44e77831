"""IoD 2025 beside IMD 2019: File 1 and File 7 in their published layouts (docs/formats-iod.md),
the edition stored and named, LSOA census years that must agree, and the risk index's use of
File 7's IMD score.

Every file is generated here in the real header layout with a few made-up LSOAs.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.analysis.gap import gap_components
from geo.analysis.risk import division_risk, small_areas
from geo.config import WORKING_CRS
from geo.errors import DataError
from geo.reports.evidence import catalogue_sources
from geo.sources.imd import imd_by_area, is_imd_header, lsoa_mismatch, read_imd
from geo.storage.catalog import Catalog, import_file, load_catalog

FILE1_2025 = (
    "LSOA code (2021)",
    "LSOA name (2021)",
    "Local Authority District code (2024)",
    "Local Authority District name (2024)",
    "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
)
_TRIPLE = (
    "Score",
    "Rank (where 1 is most deprived)",
    "Decile (where 1 is most deprived 10% of LSOAs)",
)
_DOMAINS = (
    "Income", "Employment", "Education, Skills and Training", "Health Deprivation and Disability",
    "Crime", "Barriers to Housing and Services", "Living Environment",
    "Income Deprivation Affecting Children Index (IDACI)",
    "Income Deprivation Affecting Older People (IDAOPI)",
)  # fmt: skip
_RATES = {"Income", "Employment", "Income Deprivation Affecting Children Index (IDACI)",
          "Income Deprivation Affecting Older People (IDAOPI)"}  # fmt: skip
_SUBDOMAINS = ("Children and Young People", "Adult Skills", "Geographical Barriers",
               "Wider Barriers", "Indoors", "Outdoors")  # fmt: skip


def _file7_header() -> list[str]:
    """File 7's 56 published headers, in order (docs/formats-iod.md)."""
    head = [*FILE1_2025[:4], "Index of Multiple Deprivation (IMD) Score", *FILE1_2025[4:]]
    for d in _DOMAINS:
        head += [f"{d} Score{' (rate)' if d in _RATES else ''}", f"{d} {_TRIPLE[1]}",
                 f"{d} {_TRIPLE[2]}"]  # fmt: skip
    for d in _SUBDOMAINS:
        head += [f"{d} Sub-domain {t}" for t in _TRIPLE]
    truncated = "Children and Young People Sub-domain Decile (where 1 is most deprived 10% of LSO"
    head[head.index("Children and Young People Sub-domain " + _TRIPLE[2])] = (
        truncated  # as published
    )
    return [
        *head,
        "Total population: mid 2022",
        "Dependent Children aged 0-15: mid 2022",
        "Older population aged 60 and over: mid 2022",
        "Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022",
    ]


CODES = ("E01000001", "E01000002", "E01034001")
"""Two codes kept from 2011 and one created in 2021."""


def _csv(header: list[str] | tuple[str, ...], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([list(header), *rows])
    return buf.getvalue().encode("utf-8-sig")


def _file1(path: Path, ranks: tuple[str, ...] = ("1", "33000", "16000")) -> Path:
    rows = [[c, f"Test {n:03d}A", "E07000148", "Norwich", r, str(-(-int(r) * 10 // 33_755))]
            for n, (c, r) in enumerate(zip(CODES, ranks, strict=True), 1)]  # fmt: skip
    path.write_bytes(_csv(FILE1_2025, rows))
    return path


def _file7(path: Path, scores: tuple[str, ...] = ("40.0", "10.0", "11.0")) -> Path:
    """Scores 40, 10, 11: ranks 1, 3, 2 (scores are not evenly spaced with the ranks)."""
    header = _file7_header()
    rows = []
    for n, (code, score, rank) in enumerate(zip(CODES, scores, ("1", "3", "2"), strict=True), 1):
        row = ["0"] * len(header)
        row[:7] = [code, f"Test {n:03d}A", "E07000148", "Norwich", score, rank, "1"]
        rows.append(row)
    path.write_bytes(_csv(header, rows))
    return path


def _lsoa_file(path: Path, field: str) -> Path:
    """Three 1 km squares in a row with codes :data:`CODES` under ``field`` (EPSG:27700)."""
    gpd.GeoDataFrame(
        {field: list(CODES), field[:-2] + "NM": ["a", "b", "c"]},
        geometry=[shapely.box(x, 0, x + 1000, 1000) for x in (0, 1000, 2000)],
        crs=WORKING_CRS,
    ).to_file(path, driver="GeoJSON")
    return path


# --- Reading --------------------------------------------------------------------------------


def test_file1_2025_is_read_with_its_edition_and_its_own_rank_range(tmp_path: Path) -> None:
    path = _file1(tmp_path / "File_1_IoD2025_IMD25.csv")
    assert is_imd_header(path.read_text("utf-8-sig").splitlines()[0])
    imd = read_imd(path)
    assert imd.attrs["vintage"] == "IoD2025"
    assert imd["lsoa_code"].tolist() == list(CODES)
    assert imd["lad_code"].tolist() == ["E07000148"] * 3
    assert imd["imd_rank"].tolist() == [1, 33_000, 16_000]  # 33,000 > IMD 2019's 32,844
    assert imd["imd_decile"].tolist() == [1, 10, 5]
    assert "imd_score" not in imd


def test_file7_2025_keeps_the_imd_score_and_ignores_the_other_columns(tmp_path: Path) -> None:
    imd = read_imd(_file7(tmp_path / "File_7_IoD2025.csv"))
    assert len(_file7_header()) == 56
    assert imd.attrs["vintage"] == "IoD2025"
    assert imd["imd_score"].tolist() == [40.0, 10.0, 11.0]
    assert imd["imd_rank"].tolist() == [1, 3, 2]
    assert set(imd.columns) == {"lsoa_code", "lsoa_name", "lad_code", "imd_score", "imd_rank",
                                "imd_decile"}  # fmt: skip


def test_2019_file7_layout_is_read_as_imd_2019(tmp_path: Path) -> None:
    header = [h.replace("(2021)", "(2011)").replace("(2024)", "(2019)") for h in _file7_header()]
    row = ["0"] * len(header)
    row[:7] = ["E01026419", "Breckland 010A", "E07000143", "Breckland", "12.5", "32844", "10"]
    path = tmp_path / "File_7_IoD2019.csv"
    path.write_bytes(_csv(header, [row]))
    imd = read_imd(path)
    assert imd.attrs["vintage"] == "IoD2019"
    assert imd[["imd_score", "imd_rank"]].values.tolist() == [[12.5, 32_844]]


def test_bad_2025_rows_are_reported_together_with_row_and_column(tmp_path: Path) -> None:
    header = _file7_header()
    rows = []
    for code, score, rank in (("E01000001", "n/a", "5"), ("E01000002", "150", "33756"),
                              ("E0100003", "-1", "7"), ("E01000001", "20", "8")):  # fmt: skip
        row = ["0"] * len(header)
        row[:7] = [code, "x", "E07000148", "Norwich", score, rank, "1"]
        rows.append(row)
    path = tmp_path / "bad_file7.csv"
    path.write_bytes(_csv(header, rows))
    with pytest.raises(DataError) as err:
        read_imd(path)
    got = {(p.row, p.column, p.reason.split(" (")[0]) for p in err.value.problems}
    score = "Index of Multiple Deprivation (IMD) Score"
    rank = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
    assert (2, score, "is not a number") in got
    assert (3, score, "is out of range: at most 100") in got
    assert (3, rank, "rank must be a whole number from 1 to 33,755") in got
    assert (4, score, "must be at least 0") in got
    assert (4, "LSOA code (2021)", "is not a 2021 LSOA code") in got
    assert {(r, "LSOA code (2021)", "duplicate LSOA code") for r in (2, 5)} <= got


def test_a_file_with_both_code_columns_or_neither_is_refused(tmp_path: Path) -> None:
    both = tmp_path / "both.csv"
    both.write_bytes(_csv(("LSOA code (2011)", *FILE1_2025), [["E01000001", *FILE1_2025]]))
    with pytest.raises(
        DataError, match=r"'LSOA code \(2021\)' repeats column 'LSOA code \(2011\)'"
    ):
        read_imd(both)
    neither = tmp_path / "neither.csv"
    neither.write_bytes(_csv(("LSOA code", *FILE1_2025[4:]), [["E01000001", "1", "1"]]))
    with pytest.raises(DataError, match="the code column 'LSOA code' names no IMD edition"):
        read_imd(neither)
    assert not is_imd_header(",".join(("LSOA code", *FILE1_2025[4:])))


# --- Stored, named, matched -------------------------------------------------------------------


def test_import_stores_the_edition_and_warns_when_lsoa_years_differ(tmp_path: Path) -> None:
    target = tmp_path / "broadband.gpkg"
    said: list[str] = []
    import_file(_lsoa_file(tmp_path / "lsoa_2011.geojson", "LSOA11CD"), target, report=said.append)
    import_file(_file7(tmp_path / "File_7_IoD2025.csv"), target, report=said.append)
    assert "IoD 2025 File 7 (with the IMD score), 2021 LSOAs" in said
    warned = [s for s in said if "ranks 2021 LSOAs but" in s]
    assert warned == [
        "File_7_IoD2025.csv: IoD 2025 ranks 2021 LSOAs but the LSOA boundaries loaded "
        "(lsoa_2011.geojson) are 2011 LSOAs; import 2021 LSOA boundaries (LSOA21CD) or the IMD "
        "edition for 2011 LSOAs. Deprivation is left out until they match."
    ]
    cat = load_catalog(target)
    assert cat.meta["imd"]["vintage"] == "IoD2025" and cat.meta["lsoa"]["vintage"] == "2011"
    with pytest.raises(DataError, match="IoD 2025 ranks 2021 LSOAs but") as err:
        imd_by_area(cat.imd, cat.lsoa, _divisions())
    assert err.value.problems[0].file == "File_7_IoD2025.csv"
    said.clear()
    import_file(_lsoa_file(tmp_path / "lsoa_2021.geojson", "LSOA21CD"), target, report=said.append)
    assert not [s for s in said if "left out" in s]
    cat = load_catalog(target)
    assert lsoa_mismatch(cat.imd, cat.lsoa) is None
    out = imd_by_area(cat.imd, cat.lsoa, _divisions())
    assert out.attrs["vintage"] == "IoD2025"
    # D1 holds ranks 1 and 3: mean 2 → 100 × (1 − 1 / 33,754)
    assert out.loc["D1", "deprivation"] == pytest.approx(100 * (1 - 1 / 33_754))


def test_unknown_years_with_no_code_in_common_are_a_mismatch_too() -> None:
    imd = pd.DataFrame({"lsoa_code": ["E01000001"], "imd_rank": [1]})
    lsoa = pd.DataFrame({"lsoa_code": ["E01099999"]})
    assert "none of its IMD 2019 LSOA codes is among" in str(lsoa_mismatch(imd, lsoa))
    lsoa.loc[1, "lsoa_code"] = "E01000001"
    assert lsoa_mismatch(imd, lsoa) is None


def test_sources_and_gap_label_name_the_edition_loaded() -> None:
    meta = {
        "areas_ced": {"source": "ced.geojson", "vintage": "2025"},
        "imd": {"source": "File_7.csv", "vintage": "IoD2025"},
        "lsoa": {"source": "lsoa21.geojson", "vintage": "2021"},
    }
    got = catalogue_sources(
        meta, None, level="ced", release="2025-07", deprivation="centroid", postcodes=False
    )
    lines = [s.line() for s in got]
    assert lines[1] == (
        "English Indices of Deprivation 2025 (IoD 2025): File_7.csv (by 2021 LSOA, to divisions "
        "by centroid). English Indices of Deprivation 2025: Ministry of Housing, Communities & "
        "Local Government, OGL v3.0."
    )
    assert lines[2].startswith("LSOA boundaries: lsoa21.geojson (LSOA 2021)")
    figs = pd.DataFrame({"area_code": ["D1", "D2"], "premises": [10.0, 10.0],
                         "n_gigabit": [5.0, 10.0]})  # fmt: skip
    dep = pd.DataFrame({"deprivation": [50.0, 20.0]}, index=pd.Index(["D1", "D2"]))
    dep.attrs["vintage"] = "IoD2025"
    comps = gap_components(figs, deprivation=dep)
    assert comps.attrs["labels"]["deprivation"] == "Deprivation (IoD 2025, 0–100)"


# --- The risk index ---------------------------------------------------------------------------


def _divisions() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_code": ["D1", "D2"], "area_name": ["Division One", "Division Two"]},
        geometry=[shapely.box(0, 0, 2000, 1000), shapely.box(2000, 0, 3000, 1000)],
        crs=WORKING_CRS,
    )


def _risk_catalog(imd: pd.DataFrame, lsoa_year: str) -> Catalog:
    """Three OAs (one per LSOA square) with residents 200, 100, 300; IMD as given."""
    lsoa = gpd.GeoDataFrame(
        {"lsoa_code": list(CODES), "lsoa_name": ["a", "b", "c"]},
        geometry=[shapely.box(x, 0, x + 1000, 1000) for x in (0, 1000, 2000)],
        crs=WORKING_CRS,
    )
    lsoa.attrs.update(source="lsoa.geojson", vintage=lsoa_year)
    oas = pd.DataFrame({"easting": [500.0, 1500.0, 2500.0], "northing": [500.0] * 3},
                       index=pd.Index(["A", "B", "C"], name="oa_code"))  # fmt: skip
    census = pd.DataFrame({"area_code": ["A", "B", "C"], "level": "oa",
                           "residents": [200, 100, 300], "aged_65_plus": [20, 20, 120],
                           "aged_75_plus": [10, 15, 30]})  # fmt: skip
    return Catalog(areas={"ced": _divisions()}, oa_centroids=oas, imd=imd, lsoa=lsoa,
                   census_age=census)  # fmt: skip


def test_risk_index_uses_the_2025_score_from_file7(tmp_path: Path) -> None:
    imd = read_imd(_file7(tmp_path / "File_7_IoD2025.csv"))
    cat = _risk_catalog(imd, "2021")
    assert small_areas(cat, _divisions()).table["imd"].tolist() == [40.0, 10.0, 11.0]
    r = division_risk(cat, "ced")
    # indicator scores 10, 0, 1/3 (min–max of 40, 10, 11); D1 = (200 × 10 + 100 × 0) / 300
    assert r.divisions.loc["D1", "comp_deprivation"] == pytest.approx(20 / 3)
    assert r.divisions.loc["D2", "comp_deprivation"] == pytest.approx(1 / 3)
    src = r.indicators.set_index("Indicator").loc["Deprivation (IoD 2025 IMD score)"]
    assert (src["Source"], src["Year"], src["Used"]) == (
        "MHCLG English Indices of Deprivation 2025, File 7",
        "2025",
        "yes",
    )
    assert "Deprivation (IoD 2025 IMD score)" in r.weights["label"].tolist()


def test_risk_index_uses_the_2025_rank_from_file1(tmp_path: Path) -> None:
    imd = read_imd(_file1(tmp_path / "File_1_IoD2025.csv", ranks=("1", "3", "2")))
    cat = _risk_catalog(imd, "2021")
    assert small_areas(cat, _divisions()).table["imd"].tolist() == [33_755, 33_753, 33_754]
    r = division_risk(cat, "ced")
    # reversed ranks score 10, 0, 5: the rank stand-in gives D2 5 where the score gave 1/3
    assert r.divisions.loc["D2", "comp_deprivation"] == pytest.approx(5.0)
    src = r.indicators.set_index("Indicator").loc["Deprivation (IoD 2025 national rank, reversed)"]
    assert src["Source"] == "MHCLG English Indices of Deprivation 2025, File 1"


def test_risk_index_leaves_out_imd_of_another_census_year(tmp_path: Path) -> None:
    imd = read_imd(_file7(tmp_path / "File_7_IoD2025.csv"))
    small = small_areas(_risk_catalog(imd, "2011"), _divisions())
    assert "imd" not in small.table
    assert any(n.startswith("Deprivation left out: File_7_IoD2025.csv: IoD 2025 ranks 2021 LSOAs")
               for n in small.notes)  # fmt: skip
