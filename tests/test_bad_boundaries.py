"""Bad boundary files are refused with a located message and never touch the catalogue.

Cases are listed in tests/data/bad/boundaries/EXPECTED.csv (see its README); a zip bomb and an
oversized file are made here at test time.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from geo.config import MAX_BOUNDARY_FILE_BYTES
from geo.errors import DataError
from geo.storage import catalog
from tests.bad_support import BAD, cases, copy_catalogue, digest, seeded_catalogue

FOLDER = BAD / "boundaries"
CASES = cases("boundaries")
ERRORS = [c for c in CASES if c["outcome"] == "error"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded_catalogue(tmp_path_factory.mktemp("template"))


def _refused_without_change(source: Path, cat: Path) -> str:
    """Import ``source`` into ``cat``; return the error message; assert nothing changed."""
    before, files = digest(cat), sorted(p.name for p in cat.parent.iterdir())
    with pytest.raises(DataError) as err:
        catalog.import_file(source, cat)
    assert digest(cat) == before
    assert sorted(p.name for p in cat.parent.iterdir()) == files  # no temp file left behind
    return str(err.value)


def test_corpus_listing_matches_files_and_totals_at_least_50() -> None:
    on_disk = {p.name for p in FOLDER.iterdir() if p.suffix not in (".py", ".csv")}
    assert {c["file"] for c in CASES} == on_disk
    top = len(cases(".")) if (BAD / "EXPECTED.csv").exists() else 0
    ofcom = [c for c in cases("ofcom") if c["outcome"] == "error"]
    assert top + len(ERRORS) + len(ofcom) >= 50


@pytest.mark.parametrize("case", ERRORS, ids=[c["file"] for c in ERRORS])
def test_bad_boundary_file_is_refused_and_catalogue_unchanged(
    case: dict[str, str], template: Path, tmp_path: Path
) -> None:
    cat = copy_catalogue(template, tmp_path / "data")
    message = _refused_without_change(FOLDER / case["file"], cat)
    assert case["file"] in message
    assert case["expected"] in message, message
    assert str(FOLDER) not in message  # names the file, not the server's folders


def test_self_intersection_is_repaired_and_reported(template: Path, tmp_path: Path) -> None:
    cat = copy_catalogue(template, tmp_path / "data")
    assert catalog.import_file(FOLDER / "repaired_self_intersection.geojson", cat) == "areas_ced"
    areas = catalog.load_catalog(cat).areas["ced"]
    # The bowtie's two triangles are kept: half of its 1 km square.
    bowtie = areas.set_index("area_code").loc["E58000902"]
    assert bowtie.geometry.is_valid
    assert bowtie.geometry.area == pytest.approx(500_000)
    assert areas.attrs["repairs"] == [
        "E58000902: repaired invalid geometry (Self-intersection[624500 310500])"
    ]


def test_geojson_without_crs_member_is_read_as_wgs84(template: Path, tmp_path: Path) -> None:
    cat = copy_catalogue(template, tmp_path / "data")
    catalog.import_file(FOLDER / "ok_no_crs_lonlat.geojson", cat)
    area = catalog.load_catalog(cat).areas["ced"].geometry.iloc[0]
    # 0.01° of latitude ≈ 1,112 m; 0.01° of longitude at 52.625° N ≈ 1,113 m × cos 52.625° ≈ 676 m.
    assert area.area == pytest.approx(1_112 * 676, rel=0.01)
    assert 622_500 < area.centroid.x < 623_500 and 307_500 < area.centroid.y < 308_500  # Norwich


def test_zip_bomb_is_refused_before_unpacking(template: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("areas.shp", "w") as fh:
        for _ in range(64):  # 64 MB of zeros, about 64 KB packed
            fh.write(chunk)
    assert bomb.stat().st_size < 200_000
    cat = copy_catalogue(template, tmp_path / "data")
    message = _refused_without_change(bomb, cat)
    assert "bomb.zip: would unpack to 67,108,864 bytes" in message
    assert "refused as a possible zip bomb" in message


def test_oversized_file_is_refused_with_the_limit(template: Path, tmp_path: Path) -> None:
    big = tmp_path / "huge.geojson"
    with big.open("wb") as fh:  # sparse: takes no disk space
        fh.truncate(MAX_BOUNDARY_FILE_BYTES + 1)
    cat = copy_catalogue(template, tmp_path / "data")
    message = _refused_without_change(big, cat)
    assert "huge.geojson: is 512 MB; boundary files larger than 512 MB are refused" in message
