"""Bad Ofcom coverage CSVs are refused with file, row and column; good variants all agree.

Cases are listed in tests/data/bad/ofcom/EXPECTED.csv (see tests/data/bad/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import DataError
from geo.sources.ofcom import read_coverage
from geo.storage import catalog
from tests.bad_support import BAD, cases, copy_catalogue, digest, seeded_catalogue

FOLDER = BAD / "ofcom"
CASES = cases("ofcom")
ERRORS = [c for c in CASES if c["outcome"] == "error"]
ACCEPTED = [c["file"] for c in CASES if c["outcome"] == "accepted"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded_catalogue(tmp_path_factory.mktemp("template"))


def test_corpus_listing_matches_files() -> None:
    on_disk = {p.name for p in FOLDER.glob("*.csv")} - {"EXPECTED.csv"}
    assert {c["file"] for c in CASES} == on_disk
    assert len(ERRORS) >= 15


@pytest.mark.parametrize("case", ERRORS, ids=[c["file"] for c in ERRORS])
def test_bad_ofcom_file_is_refused_and_catalogue_unchanged(
    case: dict[str, str], template: Path, tmp_path: Path
) -> None:
    cat = copy_catalogue(template, tmp_path / "data")
    before, files = digest(cat), sorted(p.name for p in cat.parent.iterdir())
    with pytest.raises(DataError) as err:
        catalog.import_file(FOLDER / case["file"], cat)
    message = str(err.value)
    assert case["expected"] in message, message
    assert digest(cat) == before
    assert sorted(p.name for p in cat.parent.iterdir()) == files


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_variants_read_the_same_figures(name: str) -> None:
    table = read_coverage(FOLDER / name)
    assert table["area_id"].tolist() == ["E07000901", "E07000902", "E07000903"]
    assert table["premises"].tolist() == [1000, 2000, 500]
    assert table["n_gigabit"].tolist() == [800, 500, 50]
    assert table.attrs["count_source"] == {"gigabit": "published counts"}
    assert list(table.index) == [0, 1, 2]
    assert not any(c.startswith("Unnamed") for c in table.columns)


def test_cp1252_names_are_decoded() -> None:
    table = read_coverage(FOLDER / "ok_cp1252.csv")
    assert table["area_name"].iloc[0] == "Synthetic Bórough Â"


def test_accepted_file_imports_into_the_catalogue(template: Path, tmp_path: Path) -> None:
    cat = copy_catalogue(template, tmp_path / "data")
    # The file's name has no date and it has no release column: the release must be given.
    assert catalog.import_file(FOLDER / "ok_utf16_bom.csv", cat, release="2024-01") == "coverage"
    coverage = catalog.load_catalog(cat).coverage
    assert coverage is not None
    assert coverage["premises"].sum() == 3500 and coverage["n_gigabit"].sum() == 1350
    assert set(coverage["release"]) == {"2024-01"}


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    data = (
        b"laua,All Premises,Number of premises with Gigabit availability\n"
        b"E07000901,100,120\n"
        b"\n"  # a blank line keeps its row number
        b"E07000902,-5,1\n"
        b"E07000901,10,x\n"
    )
    with pytest.raises(DataError) as err:
        read_coverage(data, filename="many.csv")
    found = {(p.row, p.column, p.reason) for p in err.value.problems}
    assert found == {
        (2, "laua", "duplicate area identifier"),
        (5, "laua", "duplicate area identifier"),
        (2, "Number of premises with Gigabit availability",
         "count is larger than 'All Premises' (100)"),
        (4, "All Premises", "must not be negative"),
        (5, "Number of premises with Gigabit availability", "is not a number"),
    }  # fmt: skip
