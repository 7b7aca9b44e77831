"""Every write takes the writer lock; an import or upload that yields nothing replaces nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.errors import DataError
from geo.storage import atomic, catalog, store
from geo.storage.catalog import import_file
from layers import registered
from layers.base import ReadContext
from tests.bad_support import seeded_catalogue

IMD_HEADER = (
    "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
    "Index of Multiple Deprivation (IMD) Decile\n"
)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_swap_in_refuses_to_run_without_the_writer_lock(tmp_path: Path) -> None:
    target = tmp_path / "x.gpkg"
    with pytest.raises(RuntimeError, match="without writer_lock"):
        atomic.swap_in(target, lambda tmp: tmp.write_bytes(b"x"))
    assert not target.exists()
    with atomic.writer_lock(target, timeout=1):
        assert atomic.holds_lock(target)
        atomic.swap_in(target, lambda tmp: tmp.write_bytes(b"x"))
    assert not atomic.holds_lock(target)
    assert target.read_bytes() == b"x"


@pytest.mark.parametrize("save", ["save_imd", "save_lsoa"])
def test_imd_and_lsoa_saves_take_the_catalogue_lock(
    save: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = seeded_catalogue(tmp_path)
    held: list[bool] = []
    monkeypatch.setattr(catalog, "_before_swap", lambda _tmp: held.append(atomic.holds_lock(cat)))
    frame = pd.DataFrame({"lsoa_code": ["E01000001"], "imd_rank": [5], "imd_decile": [1]})
    if save == "save_lsoa":
        frame = gpd.GeoDataFrame(
            {"lsoa_code": ["E01000001"], "lsoa_name": ["x"]},
            geometry=[Point(600_500, 300_500).buffer(10)],
            crs="EPSG:27700",
        )
    getattr(catalog, save)(cat, frame, source="f")
    assert held == [True]


def test_header_only_imd_is_refused_and_keeps_the_stored_imd(tmp_path: Path) -> None:
    cat = tmp_path / "broadband.gpkg"
    good = tmp_path / "imd.csv"
    good.write_text(IMD_HEADER + "E01000001,a,E07000148,Norwich,100,1\n")
    assert import_file(good, cat) == "imd"
    before = _sha(cat)
    empty = tmp_path / "imd_header_only.csv"
    empty.write_text(IMD_HEADER)
    with pytest.raises(DataError, match=r"imd_header_only\.csv row 1: has a header row but no"):
        import_file(empty, cat)
    assert _sha(cat) == before
    loaded = catalog.load_catalog(cat).imd
    assert loaded is not None and loaded["imd_rank"].tolist() == [100]


def _empty_points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"lsoa_code": []}, geometry=[], crs="EPSG:27700")


@pytest.mark.parametrize(
    ("save", "frame", "layer"),
    [
        ("save_imd", lambda: pd.DataFrame({"lsoa_code": [], "imd_rank": []}), "imd"),
        ("save_lsoa", _empty_points, "lsoa"),
        ("save_oa_centroids", _empty_points, "oa_centroids"),
        ("save_postcodes", lambda: pd.DataFrame({"easting": []}), "postcodes"),
    ],
)
def test_every_catalogue_save_refuses_an_empty_frame(
    save: str, frame, layer: str, tmp_path: Path
) -> None:
    cat = seeded_catalogue(tmp_path)
    before = _sha(cat)
    with pytest.raises(DataError) as err:
        getattr(catalog, save)(cat, frame(), source="nothing.csv")
    assert str(err.value) == (
        f"nothing.csv: yields no usable rows; nothing was imported and the stored '{layer}' "
        "layer is kept as it was"
    )
    assert _sha(cat) == before


def test_empty_areas_and_coverage_are_refused(tmp_path: Path) -> None:
    cat = seeded_catalogue(tmp_path)
    before = _sha(cat)
    areas = gpd.GeoDataFrame({"area_code": []}, geometry=[], crs="EPSG:27700")
    areas.attrs.update(level="ced", source="none.geojson")
    with pytest.raises(DataError, match=r"none\.geojson: yields no usable rows"):
        catalog.save_areas(cat, areas)
    cov = pd.DataFrame({"area_code": [], "release": []})
    cov.attrs.update(level="laua", source="none.csv")
    with pytest.raises(DataError, match=r"none\.csv: yields no usable rows"):
        catalog.save_coverage(cat, cov)
    assert _sha(cat) == before


def test_store_refuses_an_empty_version(tmp_path: Path) -> None:
    path = tmp_path / "store.gpkg"
    one = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(600_500, 300_500)], crs="EPSG:27700")
    store.save(path, "vouchers", one, file_name="a.csv", file_bytes=b"a", user="u")
    before = _sha(path)
    with pytest.raises(DataError, match=r"b\.csv: holds no records; nothing was saved"):
        store.save(path, "vouchers", one.iloc[:0], file_name="b.csv", file_bytes=b"", user="u")
    assert _sha(path) == before and store.current_version(path, "vouchers") == 1


def test_a_file_whose_rows_are_all_excluded_is_an_error_not_an_empty_ok() -> None:
    gias = (
        b"URN,EstablishmentName,EstablishmentStatus (name),Postcode,Easting,Northing\n"
        b"100001,Closed School,Closed,,600500,300500\n"
        b"100002,Another Closed School,Closed,,601500,300500\n"
    )
    with pytest.raises(DataError) as err:
        registered()["anchors"].read(gias, filename="gias.csv", context=ReadContext())
    assert str(err.value).startswith("gias.csv: holds no usable records: every row was left out")


def test_uprn_swap_refuses_to_run_without_the_writer_lock(tmp_path: Path) -> None:
    """The OS Open UPRN folder swap obeys the rule :func:`atomic.swap_in` enforces."""
    from geo.sources import uprn

    target, new = tmp_path / "uprn" / "osopenuprn_202507", tmp_path / "uprn" / ".new"
    target.mkdir(parents=True)
    (target / "kept").write_text("old")
    new.mkdir()
    (new / "kept").write_text("new")
    with pytest.raises(RuntimeError, match="without writer_lock"):
        uprn._swap_dir(new, target, lock=tmp_path / "broadband.gpkg")
    assert (target / "kept").read_text() == "old" and new.exists()  # nothing moved
    with atomic.writer_lock(tmp_path / "broadband.gpkg", timeout=1):
        uprn._swap_dir(new, target, lock=tmp_path / "broadband.gpkg")
    assert (target / "kept").read_text() == "new" and not new.exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["osopenuprn_202507"]


def test_uprn_import_swaps_and_marks_in_force_under_the_catalogue_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both writes beside the catalogue (the dataset folder, ``in_force.json``) hold its lock."""
    import numpy as np

    from benchmarks.synthetic_premises import write_open_uprn_csv
    from geo.sources import uprn
    from geo.storage import premises

    cat = seeded_catalogue(tmp_path)
    held: dict[str, bool] = {}
    swap, sync = uprn._swap_dir, premises.fsync

    def swap_dir(*args, **kwargs):  # type: ignore[no-untyped-def]
        held["swap"] = atomic.holds_lock(cat)
        return swap(*args, **kwargs)

    def fsync(path: Path) -> None:
        held.setdefault("in_force", atomic.holds_lock(cat))
        sync(path)

    monkeypatch.setattr(uprn, "_swap_dir", swap_dir)
    monkeypatch.setattr(premises, "fsync", fsync)
    release = write_open_uprn_csv(
        tmp_path / "osopenuprn_202507.csv",
        np.array([1, 2], dtype=np.int64), np.array([600_100.0, 600_200.0]),
        np.array([300_100.0, 300_200.0]),
    )  # fmt: skip
    before = _sha(cat)
    assert premises.import_uprn(release, cat) == premises.UPRN_LAYER
    assert held == {"swap": True, "in_force": True}
    dataset = premises.uprn_in_force(cat)
    assert dataset is not None and dataset.rows == 2
    assert not atomic.holds_lock(cat) and _sha(cat) == before  # the catalogue itself unchanged
