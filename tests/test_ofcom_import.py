"""Importing Ofcom files as shipped: zips, zips in zips, one county's rows, postcode figures,
and the hostile-number cases of issue 12 item 7. All figures are synthetic."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from geo.__main__ import main
from geo.analysis.coverage import best_figures
from geo.analysis.postcode_figures import POSTCODE_FIGURE, postcode_answer
from geo.errors import DataError
from geo.settings import load_settings
from geo.sources.ofcom import read_coverage
from geo.sources.postcodes import read_postcode_file
from geo.storage.catalog import import_file, load_catalog, save_oa_centroids
from tests.ofcom_layouts import BY_KEY, FIGURES, PC_IDS, build
from tests.squares import at, squares

NORFOLK = "E10000020"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _directory(rows: list[tuple[str, str, str, int, int, str]]) -> bytes:
    """An ONSPD Feb 2026 (reported layout) extract: pcd7, …, cty26cd, ced25cd, lad26cd, …"""
    header = ["pcd7", "pcd8", "pcds", "dointr", "doterm", "cty26cd", "ced25cd", "lad26cd",
              "wd26cd", "parncp26cd", "usrtypind", "east1m", "north1m", "gridind", "oa11cd",
              "lsoa11cd", "lat", "long", "oa21cd", "lsoa21cd", "msoa21cd"]  # fmt: skip
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL)
    w.writerow(header)
    for pc, cty, lad, east, north, oa in rows:
        w.writerow([pc.replace(" ", ""), pc, pc, "198001", "", cty, "", lad, "", "", "0",
                    east, north, "1", oa, "", "52.6", "1.3", oa, "", ""])  # fmt: skip
    return buf.getvalue().encode()


NR_ROWS = [
    ("NR1 1AA", NORFOLK, "E07000148", *at(500, 500), "E00000001"),
    ("NR1 1AB", NORFOLK, "E07000148", *at(1500, 500), "E00000002"),
    ("IP1 1AA", "E10000029", "E07000200", 616000, 245000, "E00100001"),  # Suffolk
]


def _pc_zip(tmp_path: Path, *, areas: dict[str, tuple[tuple[str, str], ...]]) -> Path:
    layout = BY_KEY["pc202601"]
    members = {
        f"202601_fixed_pc_coverage_r2_{area}.csv": build(layout, ids=ids)
        for area, ids in areas.items()
    }
    return _zip(tmp_path / "202601_fixed_pc_coverage_r2.zip", members)


def test_2026_postcode_zip_uses_the_county_members_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "ONSPD_FEB_2026_UK.csv"
    directory.write_bytes(_directory(NR_ROWS))
    archive = _pc_zip(tmp_path, areas={"NR": PC_IDS, "IP": (("IP1 1AA", ""), ("IP1 1AB", "")),
                                       "AB": (("AB1 1AA", ""), ("AB1 1AB", ""))})  # fmt: skip
    assert main(["import", str(directory), str(archive)]) == 0
    out = capsys.readouterr().out
    assert "kept 2 of 3 postcodes in E10000020" in out
    assert "read 1 of 3 postcode-area files (NR)" in out
    assert (
        "used 3 files like 202601_fixed_pc_coverage_r2.zip/202601_fixed_pc_coverage_r2_AB.csv"
        in out
    )
    assert "not published: Full fibre, Below USO" in out
    cat = load_catalog(load_settings().boundaries_path)
    assert cat.coverage is None
    assert cat.coverage_pct is not None
    assert cat.coverage_pct["area_id"].tolist() == ["NR1 1AA", "NR1 1AB"]


def test_2025_zip_inside_a_zip_prefers_all_premises_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = BY_KEY["pc202507"]
    res_figures = tuple({**f, "gigabit": f["gigabit"] // 2} for f in FIGURES)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("postcode_files/202507_fixed_pc_coverage_r01_NR.csv", build(layout))
        zf.writestr(
            "postcode_res_files/202507_fixed_pc_res_coverage_r01_NR.csv",
            build(layout, figures=res_figures),
        )
        zf.writestr("readme.pdf", b"%PDF-1.4")
    outer = _zip(tmp_path / "202507_fixed_pc_coverage.zip",
                 {"202507_fixed_pc_coverage_r01.zip": inner.getvalue()})  # fmt: skip
    assert main(["import", "--all-rows", str(outer)]) == 0
    out = capsys.readouterr().out
    assert (
        "used 202507_fixed_pc_coverage.zip/202507_fixed_pc_coverage_r01.zip/postcode_files/" in out
    )
    assert "skipped 1 residential file(s)" in out and "skipped 1 other file(s)" in out
    pct = load_catalog(load_settings().boundaries_path).coverage_pct
    assert pct is not None and pct["pct_gigabit"].tolist() == [40.0, 70.0]  # not the halves


def test_2024_zip_with_folders(tmp_path: Path) -> None:
    layout = BY_KEY["pc202407"]
    archive = _zip(tmp_path / "cn202407_postcode_files.zip", {
        "cn202407_postcode_files/postcode_files/202407_fixed_pc_coverage_r01_NR.csv": build(layout),
    })  # fmt: skip
    assert import_file(archive, tmp_path / "c.gpkg") == "coverage_pct"
    pct = load_catalog(tmp_path / "c.gpkg").coverage_pct
    assert pct is not None and set(pct["release"]) == {"2024-07"}


def test_postcode_file_without_counts_gives_postcode_answers_only(tmp_path: Path) -> None:
    cat_path = tmp_path / "c.gpkg"
    layout = BY_KEY["pc202601"]
    path = tmp_path / layout.filename
    path.write_bytes(build(layout))
    import_file(path, cat_path)
    cat = load_catalog(cat_path)
    assert cat.coverage is None  # nothing to aggregate: no area gets a figure from it
    answer = postcode_answer("nr11aa", percentages=cat.coverage_pct, coverage=cat.coverage)
    assert answer is not None and answer.kind == POSTCODE_FIGURE
    assert answer.release == "2026-01" and answer.figures["gigabit"] == 40.0
    assert answer.figures["full_fibre"] is None and answer.figures["no_decent"] == 1.5
    assert answer.sentence("gigabit") == (
        "At NR1 1AA, 40% of premises: Gigabit-capable (a postcode figure, "
        "Ofcom Connected Nations 2026-01)"
    )
    assert "not published in this release" in answer.sentence("full_fibre")
    assert answer.table().set_index("Measure").loc["Full fibre (FTTP)"].item() == (
        "not published in this release"
    )
    assert postcode_answer("NR9 9ZZ", percentages=cat.coverage_pct) is None
    with pytest.raises(DataError, match="not a valid UK postcode"):
        postcode_answer("NR1 XYZ", percentages=cat.coverage_pct)


def test_postcode_file_with_counts_still_aggregates_and_answers(tmp_path: Path) -> None:
    data = (b"postcode,postcode_space,All Premises,Number of premises with Gigabit availability\n"
            b"NR11AA,NR1 1AA,10,5\nNR11AB,NR1 1AB,30,30\n")  # fmt: skip
    cov = read_coverage(data, filename="202401_fixed_pc_coverage_r01.csv").assign(level="postcode")
    lookup = pd.DataFrame({"easting": [at(500, 500)[0]] * 2, "northing": [at(500, 500)[1]] * 2},
                          index=pd.Index(["NR1 1AA", "NR1 1AB"], name="postcode"))  # fmt: skip
    figs = best_figures(cov, squares(), release="2024-01", postcodes=lookup)
    assert figs.set_index("area_code").loc["E58000001", "pct_gigabit"] == pytest.approx(87.5)
    answer = postcode_answer("NR1 1AA", percentages=None, coverage=cov)
    assert answer is not None and answer.figures["gigabit"] == 50.0 and answer.premises == 10


def _oa_file(n: int) -> bytes:
    """A UK-wide 202601 OA file: OA i has 10 + i % 7 premises, gigabit = i % 5 of them."""
    layout = BY_KEY["oa202601"]
    ids = tuple((f"E00{i:06d}", "") for i in range(1, n + 1))
    figures = tuple(
        {k: 0 for k in FIGURES[0]} | {"premises": 10 + i % 7, "gigabit": i % 5, "sfbb": i % 3}
        for i in range(1, n + 1)
    )
    return build(layout, ids=ids, figures=figures)


def test_uk_wide_oa_file_keeps_the_county_oas_and_equals_the_whole_file_answer(
    tmp_path: Path,
) -> None:
    import geopandas as gpd

    path = tmp_path / "202601_fixed_oa_coverage_r1.csv"
    path.write_bytes(_oa_file(3000))
    cat_path = tmp_path / "c.gpkg"
    with pytest.raises(DataError, match="load the county's OA centroids first"):
        import_file(path, cat_path, county=NORFOLK)
    mine = [f"E00{i:06d}" for i in range(100, 400)]
    save_oa_centroids(
        cat_path,
        gpd.GeoDataFrame(
            {"OA11CD": mine},
            geometry=gpd.points_from_xy([600500] * 300, [300500] * 300),
            crs="EPSG:27700",
        ),
        source="synthetic centroids",
    )
    lines: list[str] = []
    import_file(path, cat_path, county=NORFOLK, report=lines.append)
    assert "kept 300 of 3,000 rows: the county's output areas" in lines
    stored = load_catalog(cat_path).coverage
    whole = pd.read_csv(path, encoding="utf-8-sig")  # the naive way: all rows, then filter
    whole = whole[whole["output_area"].isin(mine)]
    assert stored is not None and stored["area_id"].tolist() == whole["output_area"].tolist()
    assert stored["premises"].tolist() == whole["All Premises"].tolist()
    assert (
        stored["n_gigabit"].tolist()
        == whole["Number of premises with Gigabit availability"].tolist()
    )


def test_streamed_postcode_directory_equals_whole_file_filtered(tmp_path: Path) -> None:
    rows = [(f"NR{i // 400 + 1} {i % 10}{chr(65 + i % 20)}{chr(65 + i // 20 % 20)}",
             NORFOLK if i % 3 else "E10000029", "E07000148" if i % 3 else "E07000200",
             600000 + i, 300000 + i, f"E00{i:06d}") for i in range(2000)]  # fmt: skip
    data = _directory(rows)
    from geo.sources import postcodes

    small = postcodes.CHUNK_ROWS
    postcodes.CHUNK_ROWS = 150  # several chunks
    try:
        county = read_postcode_file(data, filename="onspd.csv", county=NORFOLK)
    finally:
        postcodes.CHUNK_ROWS = small
    whole = read_postcode_file(data, filename="onspd.csv")
    expected = whole[whole["county_code"] == NORFOLK]
    pd.testing.assert_frame_equal(county, expected, check_like=True)
    assert len(county) == sum(1 for r in rows if r[1] == NORFOLK)
    assert county.attrs["rows_read"] == 2000


@pytest.mark.parametrize(
    "header",
    [
        # NSPL Aug 2020: cty / laua; ONSPD to 2025: oscty / oslaua.
        "pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa11,cty,ced,laua",
        "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,osnrth1m,"
        "osgrdind",
    ],
)
def test_both_directory_generations_filter_by_county(header: str) -> None:
    names = header.split(",")
    values = {
        "pcds": "NR1 1AA",
        "oseast1m": "600500",
        "osnrth1m": "300500",
        "osgrdind": "1",
        "cty": NORFOLK,
        "oscty": NORFOLK,
        "laua": "E07000148",
        "oslaua": "E07000148",
    }
    other = {**values, "pcds": "IP1 1AA", "cty": "E10000029", "oscty": "E10000029",
             "laua": "E07000200", "oslaua": "E07000200"}  # fmt: skip
    body = "\n".join(",".join(v.get(n, "") for n in names) for v in (values, other))
    got = read_postcode_file(f"{header}\n{body}\n".encode(), filename="d.csv", county=NORFOLK)
    assert got.index.tolist() == ["NR1 1AA"]
    by_lad = read_postcode_file(f"{header}\n{body}\n".encode(), filename="d.csv",
                                county="E07000200")  # fmt: skip
    assert by_lad.index.tolist() == ["IP1 1AA"]


def test_postcode_file_without_a_directory_names_what_to_load(tmp_path: Path) -> None:
    archive = _pc_zip(tmp_path, areas={"NR": PC_IDS})
    with pytest.raises(DataError, match="load the county's postcode directory first"):
        import_file(archive, tmp_path / "c.gpkg", county=NORFOLK)


def test_directory_zip_uses_the_uk_csv_not_its_parts(tmp_path: Path) -> None:
    data = _directory(NR_ROWS)
    archive = _zip(tmp_path / "ONSPD_FEB_2026_UK.zip", {
        "Data/ONSPD_FEB_2026_UK.csv": data,
        "Data/multi_csv/ONSPD_FEB_2026_UK_NR.csv": data,
        "Documents/LAD names and codes UK as at 04_26.csv": b"LAD26CD,LAD26NM\nE07000148,Norwich\n",
    })  # fmt: skip
    lines: list[str] = []
    assert import_file(archive, tmp_path / "c.gpkg", county=NORFOLK, report=lines.append) == (
        "postcodes"
    )
    assert any("skipped 1 per-area parts: the UK-wide CSV was used" in n for n in lines)
    got = load_catalog(tmp_path / "c.gpkg").postcodes
    assert got is not None and got.index.tolist() == ["NR1 1AA", "NR1 1AB"]


# --- Issue 12 item 7: numbers, aliases, Excel ids, totals, case duplicates, releases ---------

HEAD = "laua,laua_name,All Premises,Number of premises with Gigabit availability\n"


@pytest.mark.parametrize("value", ["1,2", "5,5", "1,23", "12,3456"])
def test_comma_is_only_a_thousands_separator(value: str) -> None:
    data = f'{HEAD}E07000143,Breckland,"{value}",1\n'.encode()
    with pytest.raises(DataError) as err:
        read_coverage(data, filename="202105_x.csv")
    assert "row 2, column 'All Premises': is not a number (a comma may only separate" in str(
        err.value
    )


def test_valid_thousands_groups_are_read() -> None:
    data = f'{HEAD}E07000143,Breckland,"12,345","1,234"\n'.encode()
    table = read_coverage(data, filename="202105_x.csv")
    assert table[["premises", "n_gigabit"]].iloc[0].tolist() == [12345, 1234]


def test_two_columns_meaning_one_measure_are_refused_naming_both() -> None:
    data = (b"laua,All Premises,Gigabit availability (% premises),gigabit_availability_pct\n"
            b"E07000143,100,0,80\n")  # fmt: skip
    with pytest.raises(DataError) as err:
        read_coverage(data, filename="202105_x.csv")
    assert (
        "columns 'Gigabit availability (% premises)' and 'gigabit_availability_pct' both mean "
        "'pct_gigabit'"
    ) in str(err.value)


def test_fttp_and_full_fibre_side_by_side_are_ambiguous() -> None:
    data = (b"laua,All Premises,FTTP availability (% premises),Full Fibre availability "
            b"(% premises)\nE07000143,100,10,20\n")  # fmt: skip
    with pytest.raises(DataError, match="both mean 'pct_full_fibre'"):
        read_coverage(data, filename="202105_x.csv")


def test_excel_text_ids_are_unwrapped_and_the_import_says_so(tmp_path: Path) -> None:
    path = tmp_path / "202105_fixed_laua_coverage_r01.csv"
    path.write_text(f'{HEAD}="E07000143",Breckland,"=""1000""",400\n', encoding="utf-8")
    lines: list[str] = []
    import_file(path, tmp_path / "c.gpkg", report=lines.append)
    cov = load_catalog(tmp_path / "c.gpkg").coverage
    assert cov is not None and cov["area_id"].tolist() == ["E07000143"]
    assert cov["premises"].tolist() == [1000]
    assert any("unwrapped 1 Excel text cell(s) like =\"E07000143\" in column 'laua'" in n
               for n in lines)  # fmt: skip


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ("Total,,5000,100", "row 3, column 'laua': is a total row, not an area"),
        ("E92000001,Grand total,5000,100", "row 3, column 'laua': is a total row"),
        ("e07000143,Breckland,10,1",
         "row 3, column 'laua': duplicate area identifier: differs only in case from "
         "'E07000143' on row 2"),
    ],
)  # fmt: skip
def test_total_rows_and_case_only_duplicates_are_refused(row: str, fragment: str) -> None:
    data = f"{HEAD}E07000143,Breckland,1000,400\n{row}\n".encode()
    with pytest.raises(DataError) as err:
        read_coverage(data, filename="202105_x.csv")
    assert fragment in str(err.value)


def test_undated_files_need_a_release_and_never_overwrite_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "coverage_a.csv", tmp_path / "coverage_b.csv"
    a.write_text(f"{HEAD}E07000143,Breckland,1000,400\n")
    b.write_text(f"{HEAD}E07000143,Breckland,1000,900\n")
    assert main(["import", str(a)]) == 2
    assert "coverage_a.csv: has no release" in capsys.readouterr().err
    assert main(["import", "--release", "2025-01", str(a)]) == 0
    assert main(["import", "--release", "202507", str(b)]) == 0
    cov = load_catalog(load_settings().boundaries_path).coverage
    assert cov is not None
    assert cov.set_index("release")["n_gigabit"].to_dict() == {"2025-01": 400, "2025-07": 900}
    assert main(["import", "--release", "2025-13", str(a)]) == 2
    dated = tmp_path / "202105_fixed_laua_coverage_r01.csv"
    dated.write_text(f"{HEAD}E07000143,Breckland,1000,400\n")
    assert main(["import", "--release", "2025-01", str(dated)]) == 2
    assert "its name says release 2021-05 but --release says 2025-01" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("laua,All Premises,Gigabit availability (% premises)\nE07000143,,50\n",
         "yields no usable figure: 'All Premises' is blank or zero in every row"),
        ("laua,All Premises,Number of premises with Gigabit availability\nE07000143,10,\n",
         "yields no usable figure: it has premises but no value for any measure"),
        ("postcode,postcode_space,Gigabit availability (% premises)\nNR11AA,NR1 1AA,\n",
         "yields no usable figure: every percentage is blank"),
    ],
)  # fmt: skip
def test_an_import_with_no_usable_figure_is_an_error(
    body: str, fragment: str, tmp_path: Path
) -> None:
    path = tmp_path / "202105_fixed_x_coverage_r01.csv"
    path.write_text(body)
    with pytest.raises(DataError, match=fragment):
        import_file(path, tmp_path / "c.gpkg")
    assert not (tmp_path / "c.gpkg").exists()
