"""BDUK "premises in BDUK plans" placed with OS Open UPRN and counted per division.

The hand-made case (squares A = E58000001 x 600,000–601,000 and B = E58000002 x
601,000–602,000, y 300,000–301,000; district E07000148), counted by hand:

====  ======================  =========================================  ==================
uprn  OS Open UPRN X/Y        status, flags                              lands in
====  ======================  =========================================  ==================
101   600500, 300500          White, future, GIS                         A
102   601500, 300500          Grey/Black, current, future                B
103   601000, 300500          Under Review, vouchers                     A (border → lower)
104   (not in the release)    White, GIS; postcode NR1 1AB (601500, …)   B, by postcode
105   (not in the release)    White; postcode NR7 7ZZ (not in directory) unlocated
106   605000, 305000          White                                      outside every area
107   600200, 300800          White, future, vouchers                    A
====  ======================  =========================================  ==================

A: 3 premises, White 2, Under Review 1, current 0, future 2, GIS 1, vouchers 2, in a scheme 3.
B: 2 premises, White 1, Grey/Black 1, current 1, future 1, GIS 1, by postcode 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from pandas.testing import assert_frame_equal

from benchmarks.synthetic_premises import (
    bduk_table,
    synthetic_country,
    write_bduk_csv,
    write_open_uprn_csv,
    zip_files,
)
from geo.__main__ import main
from geo.analysis.bduk import count_premises, premises_figures, premises_totals
from geo.errors import DataError
from geo.geometry.aggregate import count_by_area_xy
from geo.sources.bduk import read_premises, read_premises_file
from geo.sources.postcodes import read_postcode_file
from geo.sources.uprn import prepare_uprn, read_uprn_batches
from geo.storage.catalog import save_areas, save_postcodes
from geo.storage.premises import PREMISES_LAYER
from geo.storage.premises import load_premises as _load_premises
from geo.storage.workspace import file_stamp, store_beside
from tests.conftest import require_shared
from tests.squares import squares

POSTCODES = Path(__file__).parent / "data" / "postcodes" / "onspd_2025_SYNTHETIC.csv"
DISTRICT = "E07000148"
#        uprn  status  current future gis vouchers postcode
ROWS = [
    (101, 0, 0, 1, 1, 0, "NR1 1AA"),
    (102, 1, 1, 1, 0, 0, "NR1 1AB"),
    (103, 2, 0, 0, 0, 1, "NR1 1AD"),
    (104, 0, 0, 0, 1, 0, "NR1 1AB"),
    (105, 0, 0, 0, 0, 0, "NR7 7ZZ"),
    (106, 0, 0, 0, 0, 0, "NR9 9ZZ"),
    (107, 0, 0, 1, 0, 1, "NR1 1AA"),
]
RELEASE = {101: (600500, 300500), 102: (601500, 300500), 103: (601000, 300500),
           106: (605000, 305000), 107: (600200, 300800), 900: (601200, 300100)}  # fmt: skip
EXPECTED = pd.DataFrame(
    {
        "n_premises": [3, 2],
        "n_white": [2, 1],
        "n_grey_black": [0, 1],
        "n_under_review": [1, 0],
        "n_current_gigabit": [0, 1],
        "n_future_gigabit": [2, 1],
        "n_bduk_gis": [1, 1],
        "n_bduk_vouchers": [2, 0],
        "n_in_scheme": [3, 1],
        "n_by_postcode": [0, 1],
    },
    index=pd.Index(["E58000001", "E58000002"], name="area_code"),
)


def load_premises(catalogue: Path):
    """The premises records saved in the store beside ``catalogue``."""
    return _load_premises(store_beside(catalogue))


def _bduk(path: Path, rows=ROWS, district: str = DISTRICT, words=("false", "true")) -> Path:
    a = np.array([r[:6] for r in rows], dtype=np.int64)
    table = bduk_table(
        uprn=a[:, 0], postcode=[r[6] for r in rows], status=a[:, 1], current=a[:, 2],
        future=a[:, 3], gis=a[:, 4], vouchers=a[:, 5], district=district, true_false=words,
    )  # fmt: skip
    return write_bduk_csv(path, table)


def _release(path: Path, points: dict[int, tuple[float, float]] = RELEASE) -> Path:
    u = np.array(sorted(points), dtype=np.int64)
    xy = np.array([points[k] for k in u], dtype=float)
    return write_open_uprn_csv(path, u, xy[:, 0], xy[:, 1])


@pytest.fixture
def areas():
    return squares().iloc[:2].reset_index(drop=True)


@pytest.fixture
def postcodes() -> pd.DataFrame:
    return read_postcode_file(POSTCODES, filename=POSTCODES.name)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def test_files_are_in_the_published_layouts(tmp_path):
    bduk = _bduk(tmp_path / "E07000148.csv").read_text().splitlines()
    assert bduk[0].startswith("uprn,struprn,bduk_recognised_premises,country,postcode,lot_id")
    assert bduk[1].startswith("101,101,true,England,NR1 1AA,")
    uprn = _release(tmp_path / "osopenuprn_202507.csv").read_bytes()
    assert uprn.startswith(b"\xef\xbb\xbfUPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE\n101,")


def test_known_answer_two_divisions(tmp_path, areas, postcodes):
    rows = read_premises([_bduk(tmp_path / "E07000148.csv")])
    counts = count_premises(
        rows, {"ced": areas}, uprn=_release(tmp_path / "osopenuprn_202507.csv"),
        postcodes=postcodes,
    )  # fmt: skip
    figures = premises_figures(counts.table, areas, level="ced")
    assert_frame_equal(figures[EXPECTED.columns], EXPECTED)
    assert figures.loc["E58000001", "pct_white"] == pytest.approx(200 / 3)
    assert figures.loc["E58000002", "pct_by_postcode"] == pytest.approx(50.0)
    assert counts.totals == {"rows": 7, "by_uprn": 5, "by_postcode": 1, "unlocated": 1}
    assert counts.unlocated == [
        {
            "file": "E07000148.csv",
            "row": 6,
            "uprn": 105,
            "postcode": "NR7 7ZZ",
            "reason": "UPRN not in OS Open UPRN and the postcode is not in the postcode directory",
        }
    ]
    outside = counts.outside.set_index(["level", "district"])
    assert outside.loc[("ced", DISTRICT), "n_premises"] == 1  # uprn 106
    county = premises_totals(counts.table, level="ced")
    assert county["n_premises"] == 5 and county["pct_white"] == pytest.approx(60.0)


def test_without_a_postcode_directory_missing_uprns_are_unlocated(tmp_path, areas):
    rows = read_premises([_bduk(tmp_path / "E07000148.csv")])
    counts = count_premises(rows, {"ced": areas}, uprn=_release(tmp_path / "u.csv"))
    assert counts.totals == {"rows": 7, "by_uprn": 5, "by_postcode": 0, "unlocated": 2}
    assert {u["uprn"] for u in counts.unlocated} == {104, 105}
    assert "no postcode directory" in counts.unlocated[0]["reason"]


@pytest.mark.parametrize("form", ["csv", "zip", "gpkg", "dataset"])
def test_every_form_of_the_release_gives_the_same_answer(tmp_path, areas, postcodes, form):
    csv_path = _release(tmp_path / "osopenuprn_202507.csv")
    if form == "zip":
        source = zip_files(tmp_path / "osopenuprn_202507_csv.zip", [csv_path])
    elif form == "gpkg":
        import geopandas as gpd

        frame = pd.read_csv(csv_path, encoding="utf-8-sig")
        points = gpd.points_from_xy(frame["X_COORDINATE"], frame["Y_COORDINATE"])
        source = tmp_path / "osopenuprn_202507.gpkg"
        gpd.GeoDataFrame(frame, geometry=points, crs=27700).to_file(source, engine="pyogrio")
    elif form == "dataset":
        source = prepare_uprn(csv_path, tmp_path / "ds", partition_rows=2).path
    else:
        source = csv_path
    rows = read_premises([_bduk(tmp_path / "E07000148.csv")])
    counts = count_premises(rows, {"ced": areas}, uprn=source, postcodes=postcodes)
    assert_frame_equal(
        premises_figures(counts.table, areas, level="ced")[EXPECTED.columns], EXPECTED
    )


def test_dask_equals_single_machine_on_the_known_case(tmp_path, areas, postcodes, client):
    dataset = prepare_uprn(_release(tmp_path / "u.csv"), tmp_path / "ds", partition_rows=2)
    assert len(dataset.files) == 3
    rows = read_premises([_bduk(tmp_path / "E07000148.csv")])
    levels = {"ced": areas, "lad": squares().assign(area_code=["E07000001"] * 2 + ["E07000002"])
              .dissolve("area_code").reset_index()}  # fmt: skip
    single = count_premises(rows, levels, uprn=dataset, postcodes=postcodes)
    spread = count_premises(rows, levels, uprn=dataset, postcodes=postcodes, engine="dask")
    assert_frame_equal(spread.table, single.table)
    assert_frame_equal(spread.outside, single.outside)
    assert_frame_equal(spread.located, single.located)
    assert spread.unlocated == single.unlocated
    lad = premises_figures(single.table, levels["lad"], level="lad")
    assert lad.loc["E07000001", "n_premises"] == 5


def test_dask_equals_single_machine_on_a_synthetic_country(tmp_path, client):
    from benchmarks.synthetic import synthetic_wards

    country = synthetic_country(
        tmp_path / "in", n_uprn=60_000, n_bduk=40_000, n_districts=12,
        bounds=(100_000.0, 100_000.0, 400_000.0, 500_000.0), seed=5,
    )  # fmt: skip
    wards = synthetic_wards(300, seed=9)
    dataset = prepare_uprn(country.uprn_csv, tmp_path / "ds", partition_rows=7_000)
    rows = read_premises(country.bduk_files)
    single = count_premises(rows, {"ward": wards}, uprn=country.uprn_csv,
                            postcodes=country.postcodes)  # fmt: skip
    spread = count_premises(rows, {"ward": wards}, uprn=dataset, postcodes=country.postcodes,
                            engine="dask")  # fmt: skip
    assert_frame_equal(spread.table, single.table)
    assert_frame_equal(spread.outside, single.outside)
    assert_frame_equal(spread.located, single.located)
    t = single.totals
    assert t["rows"] == country.n_bduk
    assert t["by_postcode"] == country.n_missing and t["unlocated"] == 0
    placed = single.table["n_premises"].sum() + single.outside["n_premises"].sum()
    assert placed == country.n_bduk


def test_count_by_area_xy_border_and_outside(areas):
    x = np.array([600500, 601000, 601000, 601500, 605000.0])
    y = np.array([300500, 300500, 300500, 300500, 305000.0])
    counts, outside = count_by_area_xy(x, y, np.array([3, 3, 4, 3, 9]), areas)
    assert counts.to_dict("list") == {
        "area_code": ["E58000001", "E58000001", "E58000002"],
        "key": [3, 4, 3],
        "n": [2, 1, 1],
    }
    assert outside.to_dict() == {9: 1}


# --- Import through the catalogue and the command line -----------------------------------


@pytest.fixture
def catalogue(tmp_path, monkeypatch, areas, postcodes) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("BROADBAND_DATA_DIR", str(data))
    path = data / "broadband.gpkg"
    areas.attrs.update(squares().attrs)
    save_areas(path, areas)
    save_postcodes(path, postcodes, source=POSTCODES.name)
    assert main(["import", str(_release(tmp_path / "osopenuprn_202507.csv"))]) == 0
    return path


def test_import_command_stores_the_figures(catalogue, tmp_path, areas, capsys):
    assert main(["import", str(_bduk(tmp_path / "E07000148.csv"))]) == 0
    out = capsys.readouterr().out
    assert "7 premises; 5 placed by UPRN, 1 by postcode centroid" in out
    assert "1 unlocated" in out and "E07000148.csv row 6 (UPRN 105)" in out
    table = load_premises(catalogue)
    assert table is not None
    figures = premises_figures(table, areas, level="ced")
    assert_frame_equal(figures[EXPECTED.columns], EXPECTED)
    assert set(table["district"]) == {DISTRICT}
    assert set(table["uprn_release"]) == {"2025-07"}
    assert set(table["district_by_postcode"]) == {1} and set(table["district_unlocated"]) == {1}
    assert set(table["area_name"]) == {"Alpha", "Bravo"}
    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert "OS Open UPRN: osopenuprn_202507.csv (6 UPRNs)" in status
    assert "BDUK premises in plans: 7 premises from 1 district(s)" in status
    assert table.crs == "EPSG:27700" and areas.contains(table.geometry.reset_index(drop=True)).all()


def test_import_command_on_dask(catalogue, tmp_path, areas):
    assert main(["import", str(_bduk(tmp_path / "E07000148.csv")), "--dask"]) == 0
    figures = premises_figures(load_premises(catalogue), areas, level="ced")
    assert_frame_equal(figures[EXPECTED.columns], EXPECTED)


def test_reimporting_a_district_replaces_only_it(catalogue, tmp_path, areas):
    other = [(201, 1, 1, 1, 0, 0, "NR1 1AA")]
    release = {**RELEASE, 201: (600100, 300100)}
    main(["import", str(_release(tmp_path / "osopenuprn_202508.csv", release))])
    zipped = zip_files(
        tmp_path / "east.zip",
        [_bduk(tmp_path / "E07000148.csv"), _bduk(tmp_path / "E07000149.csv", other, "E07000149")],
    )
    assert main(["import", str(zipped)]) == 0
    first = premises_figures(load_premises(catalogue), areas, level="ced")
    assert first.loc["E58000001", "n_premises"] == 4
    again = [(101, 1, 1, 1, 0, 0, "NR1 1AA")]  # E07000148 re-issued: one premises, Grey/Black
    assert main(["import", str(_bduk(tmp_path / "E07000148.csv", again))]) == 0
    table = load_premises(catalogue)
    figures = premises_figures(table, areas, level="ced")
    assert figures.loc["E58000001", "n_premises"] == 2  # 101 (re-issued) + 201 (kept)
    assert figures.loc["E58000001", "n_grey_black"] == 2
    assert figures.loc["E58000002", "n_premises"] == 0
    assert set(table["district"]) == {"E07000148", "E07000149"}


def test_a_malformed_file_stores_nothing(catalogue, tmp_path, capsys):
    good = _bduk(tmp_path / "E07000149.csv", [(201, 0, 0, 0, 0, 0, "NR1 1AA")], "E07000149")
    bad = _bduk(tmp_path / "E07000148.csv").read_text().splitlines()
    bad[2] = bad[2].replace("Gigabit Grey/Black", "Gigabit Purple")
    bad[4] = bad[4].replace(",NR1 1AB,", ",NR1 XYZ,")
    bad[5] = "10x5" + bad[5][3:]
    (tmp_path / "E07000148.csv").write_text("\n".join(bad) + "\n")
    before = file_stamp(catalogue), file_stamp(store_beside(catalogue))
    assert main(["import", str(good), str(tmp_path / "E07000148.csv")]) == 2
    err = capsys.readouterr().err
    assert "row 3, column 'subsidy_control_status': must be one of" in err
    assert "row 5, column 'postcode': is not a valid UK postcode (value 'NR1 XYZ')" in err
    assert "row 6, column 'uprn': is not a UPRN" in err
    assert "Traceback" not in err
    assert (file_stamp(catalogue), file_stamp(store_beside(catalogue))) == before
    assert load_premises(catalogue) is None


def test_boundaries_and_release_are_needed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BROADBAND_DATA_DIR", str(tmp_path / "data"))
    bduk = _bduk(tmp_path / "E07000148.csv")
    assert main(["import", str(bduk)]) == 2
    assert "import boundaries first" in capsys.readouterr().err
    path = tmp_path / "data" / "broadband.gpkg"
    save_areas(path, squares())
    assert main(["import", str(bduk)]) == 2
    assert "import OS Open UPRN first" in capsys.readouterr().err


def test_a_bad_release_stores_nothing(catalogue, tmp_path, capsys):
    text = _release(tmp_path / "osopenuprn_202509.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    lines[2] = lines[2].replace(",601500,", ",6015x0,")
    lines[3] = lines[3].replace(",300500,", ",3300500,")
    (tmp_path / "osopenuprn_202509.csv").write_text("\ufeff" + "\n".join(lines) + "\n")
    assert main(["import", str(tmp_path / "osopenuprn_202509.csv")]) == 2
    err = capsys.readouterr().err
    assert "row 3, column 'X_COORDINATE': coordinate is not a number (value '6015x0')" in err
    assert "row 4, column 'Y_COORDINATE': must be a grid reference between 0 and 1,300,000" in err
    assert not (catalogue.parent / "uprn" / "osopenuprn_202509").exists()


# --- Reading BDUK files as published -------------------------------------------------------


def test_encodings_and_header_spelling(tmp_path):
    path = _bduk(tmp_path / "a.csv", words=("FALSE", "TRUE"))
    text = path.read_text()
    header, body = text.split("\n", 1)
    cp1252 = (header.upper() + "\n" + body.replace("Synthetic district", "Kings Lynn’s")).encode(
        "cp1252"
    )
    rows = read_premises_file(cp1252, filename="cp1252.csv")
    assert rows.uprn.tolist() == [r[0] for r in ROWS]
    bom = read_premises_file(b"\xef\xbb\xbf" + text.encode(), filename="bom.csv")
    assert bom.flags.tolist() == rows.flags.tolist()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h, r: [h, r[0] + ",extra", *r[1:]],
         "row 2: has 29 fields where the header has 28"),
        (lambda h, r: [h.replace("bduk_gis,", "gis,"), *r],
         "required column 'bduk_gis' is missing"),
        (lambda h, r: [h, r[0].replace(",true,", ",maybe,", 2), *r[1:]],
         "row 2, column 'future_gigabit': must be true or false (value 'maybe')"),
        (lambda h, r: [h, *r, r[0]],
         "row 9, column 'uprn': duplicate uprn: already listed on row 2"),
        (lambda h, r: [h, r[0].replace(",E07000148,", ",,"), *r[1:]],
         "row 2, column 'local_authority_district_ons_code': is blank"),
        (lambda h, r: [h], "has a header row but no records"),
    ],
)  # fmt: skip
def test_malformed_files_name_row_and_column(tmp_path, edit, message):
    header, *rows = _bduk(tmp_path / "a.csv").read_text().splitlines()
    data = ("\n".join(edit(header, rows)) + "\n").encode()
    with pytest.raises(DataError) as err:
        read_premises_file(data, filename="bad.csv")
    assert message in str(err.value)
    assert all(p.file == "bad.csv" for p in err.value.problems)


def test_a_uprn_in_two_files_is_named(tmp_path):
    a = _bduk(tmp_path / "a.csv")
    b = _bduk(tmp_path / "b.csv", [ROWS[2]], "E07000149")
    with pytest.raises(DataError) as err:
        read_premises([a, b])
    assert str(err.value) == (
        "b.csv row 2, column 'uprn': duplicate uprn: already listed on a.csv row 4 (value '103')"
    )


def test_release_rows_are_checked(tmp_path):
    path = _release(tmp_path / "osopenuprn_202507.csv")
    frames = list(read_uprn_batches(path, batch_rows=2))
    assert sum(len(f) for f in frames) == len(RELEASE)
    assert frames[0].dtypes.to_dict() == {"uprn": np.int64, "x": float, "y": float}


# --- The real Norfolk divisions ---------------------------------------------------------------


@pytest.mark.shared
def test_real_norfolk_divisions_single_equals_dask(tmp_path, client):
    from geo.geometry.boundaries import load_boundaries

    divisions = load_boundaries(require_shared("norfolk_ced_2025_simplified.geojson"))
    minx, miny, maxx, maxy = divisions.total_bounds
    country = synthetic_country(
        tmp_path / "in", n_uprn=30_000, n_bduk=20_000, n_districts=7,
        bounds=(minx, miny, maxx, maxy), seed=2,
    )  # fmt: skip
    dataset = prepare_uprn(country.uprn_csv, tmp_path / "ds", partition_rows=4_000)
    rows = read_premises(country.bduk_files)
    levels = {"ced": divisions[["area_code", "geometry"]]}
    single = count_premises(rows, levels, uprn=country.uprn_csv, postcodes=country.postcodes)
    spread = count_premises(rows, levels, uprn=dataset, postcodes=country.postcodes,
                            engine="dask")  # fmt: skip
    assert_frame_equal(spread.table, single.table)
    figures = premises_figures(single.table, divisions, level="ced")
    assert len(figures) == 84 and (figures["n_premises"] > 0).sum() > 70
    inside = figures["n_premises"].sum()
    assert inside + single.outside["n_premises"].sum() == country.n_bduk
    assert PREMISES_LAYER == "bduk_premises"


def test_the_import_registry_takes_the_release_and_a_regional_zip(tmp_path, areas, postcodes):
    """Through ``import_file`` (the registry of formats) rather than the command line."""
    import geopandas as gpd

    from geo.storage.catalog import import_file

    catalog = tmp_path / "data" / "broadband.gpkg"
    areas.attrs.update(squares().attrs)
    save_areas(catalog, areas)
    save_postcodes(catalog, postcodes, source=POSTCODES.name)
    csv_path = _release(tmp_path / "osopenuprn_202507.csv")
    frame = pd.read_csv(csv_path, encoding="utf-8-sig")
    gpkg = tmp_path / "osopenuprn_202507.gpkg"
    points = gpd.points_from_xy(frame["X_COORDINATE"], frame["Y_COORDINATE"])
    gpd.GeoDataFrame(frame, geometry=points, crs=27700).to_file(gpkg, engine="pyogrio")
    assert import_file(gpkg, catalog) == "os_open_uprn"
    zipped = zip_files(tmp_path / "osopenuprn_202507_csv.zip", [csv_path])
    assert import_file(zipped, catalog) == "os_open_uprn"
    region = zip_files(tmp_path / "east.zip", [_bduk(tmp_path / "E07000148.csv")])
    assert import_file(region, catalog) == PREMISES_LAYER
    figures = premises_figures(load_premises(catalog), areas, level="ced")
    assert_frame_equal(figures[EXPECTED.columns], EXPECTED)
