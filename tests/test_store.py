"""The data store: versions, audit, restore, atomic failure and the writer lock (in one process)."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import warnings
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal
from shapely.geometry import Point

from geo.errors import DataError
from geo.storage import store

# SHA-256 test vectors (FIPS 180-2): "abc" and the empty string.
SHA_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
SHA_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _points(names: list[str], crs: str = "EPSG:27700") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": names,
            "count": list(range(1, len(names) + 1)),
            "speed": [float(10 * i) + 0.5 for i in range(len(names))],
        },
        geometry=[Point(600_000 + 100 * i, 300_000 + 50 * i) for i in range(len(names))],
        crs=crs,
    )


V1 = _points(["a", "b", "c"])
V2 = _points(["x", "y"])


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A store in a folder that does not exist yet."""
    return tmp_path / "data" / "store.gpkg"


@pytest.fixture
def two_versions(path: Path) -> Path:
    assert store.save(path, "vouchers", V1, file_name="v1.csv", file_bytes=b"abc", user="ana") == 1
    assert store.save(path, "vouchers", V2, file_name="v2.csv", file_bytes=b"", user="bo") == 2
    return path


def test_empty_store_has_nothing(path: Path):
    assert store.load(path, "vouchers") is None
    assert store.datasets(path) == []
    assert store.current_version(path, "vouchers") is None
    assert store.versions(path, "vouchers").empty
    log = store.audit(path)
    assert log.empty
    assert list(log.columns) == list(store.AUDIT_COLUMNS)
    assert not path.exists()


def test_current_is_latest_and_each_version_is_kept(two_versions: Path):
    assert_geodataframe_equal(store.load(two_versions, "vouchers"), V2)
    assert_geodataframe_equal(store.load(two_versions, "vouchers", version=1), V1)
    assert_geodataframe_equal(store.load(two_versions, "vouchers", version=2), V2)
    assert store.current_version(two_versions, "vouchers") == 2
    assert store.load(two_versions, "vouchers").crs == "EPSG:27700"


def test_versions_are_listed_oldest_first(two_versions: Path):
    listed = store.versions(two_versions, "vouchers")
    assert listed["version"].tolist() == [1, 2]
    assert listed["action"].tolist() == ["save", "save"]
    assert listed["file_name"].tolist() == ["v1.csv", "v2.csv"]
    assert listed["row_count"].tolist() == [3, 2]
    assert listed["current"].tolist() == [False, True]


def test_audit_rows_hold_hash_rows_user_and_utc_time(path: Path):
    before = datetime.now(UTC).replace(microsecond=0)
    store.save(path, "vouchers", V1, file_name="v1.csv", file_bytes=b"abc", user="ana")
    store.save(path, "vouchers", V2, file_name="v2.csv", file_bytes=b"", user="bo")
    after = datetime.now(UTC)
    log = store.audit(path)
    assert log["dataset"].tolist() == ["vouchers", "vouchers"]
    assert log["version"].tolist() == [1, 2]
    assert log["sha256"].tolist() == [SHA_ABC, SHA_EMPTY]
    assert log["row_count"].tolist() == [3, 2]
    assert log["user"].tolist() == ["ana", "bo"]
    assert log["action"].tolist() == ["save", "save"]
    assert log["source_version"].isna().all()
    for stamp in log["saved_at"]:
        when = datetime.fromisoformat(stamp)
        assert when.utcoffset().total_seconds() == 0
        assert before <= when <= after


def test_restore_makes_v1_current_as_a_new_audited_version(two_versions: Path):
    assert store.restore(two_versions, "vouchers", 1, user="cy") == 3
    assert_geodataframe_equal(store.load(two_versions, "vouchers"), V1)
    assert_geodataframe_equal(store.load(two_versions, "vouchers", version=2), V2)
    last = store.audit(two_versions).iloc[-1]
    assert last["action"] == "restore"
    assert last["version"] == 3
    assert last["source_version"] == 1
    assert last["user"] == "cy"
    assert last["sha256"] == SHA_ABC  # the restored upload's hash
    assert last["file_name"] == "v1.csv"
    assert last["row_count"] == 3
    assert store.versions(two_versions, "vouchers")["current"].tolist() == [False, False, True]


def test_restore_rejects_unknown_or_current_version(two_versions: Path):
    before = _sha(two_versions)
    with pytest.raises(ValueError, match=r"no version 7; versions are \[1, 2\]"):
        store.restore(two_versions, "vouchers", 7, user="cy")
    with pytest.raises(ValueError, match="already current"):
        store.restore(two_versions, "vouchers", 2, user="cy")
    with pytest.raises(ValueError, match="no version 7"):
        store.load(two_versions, "vouchers", version=7)
    assert _sha(two_versions) == before


def test_datasets_are_versioned_independently(two_versions: Path):
    anchors = _points(["school"])
    assert (
        store.save(two_versions, "anchors", anchors, file_name="a.csv", file_bytes=b"a", user="d")
        == 1
    )
    assert store.datasets(two_versions) == ["anchors", "vouchers"]
    assert_geodataframe_equal(store.load(two_versions, "anchors"), anchors)
    assert store.current_version(two_versions, "vouchers") == 2


def test_lon_lat_input_is_stored_in_british_national_grid(path: Path):
    # Norwich, in lon/lat; its BNG easting/northing come from pyproj independently of the store.
    lonlat = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(1.2974, 52.6309)], crs="EPSG:4326")
    store.save(path, "pilots", lonlat, file_name="p.geojson", file_bytes=b"{}", user="ana")
    got = store.load(path, "pilots")
    assert got.crs == "EPSG:27700"
    assert got.geometry.iloc[0].x == pytest.approx(623_000, abs=1_500)
    assert got.geometry.iloc[0].y == pytest.approx(308_800, abs=1_500)


def test_frame_without_crs_is_a_data_error_and_stores_nothing(path: Path):
    no_crs = V1.set_crs(None, allow_override=True)
    with pytest.raises(DataError, match=r"p\.csv"):
        store.save(path, "pilots", no_crs, file_name="p.csv", file_bytes=b"x", user="ana")
    assert not path.exists()


def test_plain_table_and_named_index_round_trip(path: Path):
    table = pd.DataFrame({"code": ["E1", "E2"], "homes": [10, 20]})
    store.save(path, "targets", table, file_name="t.csv", file_bytes=b"t", user="ana")
    got = store.load(path, "targets")
    assert not isinstance(got, gpd.GeoDataFrame)
    assert_frame_equal(got, table)
    indexed = V1.set_index("name")
    store.save(path, "indexed", indexed, file_name="i.csv", file_bytes=b"i", user="ana")
    assert_geodataframe_equal(store.load(path, "indexed"), indexed.reset_index())


@pytest.mark.parametrize("name", ["", "Vouchers", "1st", "a-b", "a__b", "vouchers__v1", "_x", "x_"])
def test_bad_dataset_names_are_refused(path: Path, name: str):
    with pytest.raises(ValueError, match="dataset must be"):
        store.save(path, name, V1, file_name="v.csv", file_bytes=b"", user="ana")


def test_user_is_required(path: Path):
    with pytest.raises(ValueError, match="user must"):
        store.save(path, "vouchers", V1, file_name="v.csv", file_bytes=b"", user=" ")


def test_gdal_opens_the_store_and_its_audit_table(two_versions: Path):
    with warnings.catch_warnings(record=True) as raised:  # pyogrio turns GDAL warnings into these
        warnings.simplefilter("always")
        layers = {name: geom for name, geom in pyogrio.list_layers(two_versions)}
        table = pyogrio.read_dataframe(two_versions, layer="audit")
        info = pyogrio.read_info(two_versions, layer="audit")
    assert [str(w.message) for w in raised] == []
    assert layers == {"vouchers__v1": "Point", "vouchers__v2": "Point", "audit": None}
    assert table["sha256"].tolist() == [SHA_ABC, SHA_EMPTY]
    assert info["features"] == 2
    with contextlib.closing(sqlite3.connect(two_versions)) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kind = con.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'audit'"
        ).fetchone()
        assert kind == ("attributes",)
        assert con.execute("PRAGMA application_id").fetchone() == (0x47504B47,)  # 'GPKG'


def _no_temp_files(path: Path) -> bool:
    return sorted(p.name for p in path.parent.iterdir()) == ["store.gpkg", "store.gpkg.lock"]


def test_failure_before_swap_leaves_the_file_byte_identical(two_versions: Path, monkeypatch):
    before = _sha(two_versions)
    seen: list[Path] = []

    def explode(tmp: Path) -> None:
        seen.append(tmp)
        assert tmp.exists() and tmp.parent == two_versions.parent
        assert "vouchers__v3" in pyogrio.list_layers(tmp)[:, 0]  # the new file was written
        raise RuntimeError("injected failure")

    monkeypatch.setattr(store, "_before_swap", explode)
    with pytest.raises(RuntimeError, match="injected failure"):
        store.save(two_versions, "vouchers", V1, file_name="v3.csv", file_bytes=b"3", user="ana")
    with pytest.raises(RuntimeError, match="injected failure"):
        store.restore(two_versions, "vouchers", 1, user="ana")
    assert len(seen) == 2
    assert _sha(two_versions) == before
    assert _no_temp_files(two_versions)
    assert_geodataframe_equal(store.load(two_versions, "vouchers"), V2)
    assert len(store.audit(two_versions)) == 2
    monkeypatch.setattr(store, "_before_swap", None)
    # The lock was released: the next save goes through as version 3.
    assert (
        store.save(two_versions, "vouchers", V1, file_name="v3.csv", file_bytes=b"3", user="a") == 3
    )


def test_write_error_mid_save_leaves_the_file_byte_identical(two_versions: Path):
    before = _sha(two_versions)
    unwritable = V1.assign(z=[1 + 2j, 3j, 0j])  # GDAL has no complex field type
    with pytest.raises(NotImplementedError, match="complex"):
        store.save(
            two_versions, "vouchers", unwritable, file_name="z.csv", file_bytes=b"", user="a"
        )
    assert _sha(two_versions) == before
    assert _no_temp_files(two_versions)
    assert store.current_version(two_versions, "vouchers") == 2


def test_stray_temp_files_are_ignored_then_cleaned(two_versions: Path):
    stray = two_versions.parent / ".store.gpkg.deadbeef.tmp.gpkg"
    stray.write_bytes(b"half a geopackage")
    journal = two_versions.parent / ".store.gpkg.deadbeef.tmp.gpkg-journal"
    journal.write_bytes(b"")
    assert_geodataframe_equal(store.load(two_versions, "vouchers"), V2)
    store.save(two_versions, "vouchers", V1, file_name="v3.csv", file_bytes=b"3", user="ana")
    assert _no_temp_files(two_versions)


def test_save_times_out_while_another_writer_holds_the_lock(two_versions: Path):
    before = _sha(two_versions)
    with store._locked(two_versions), pytest.raises(store.StoreBusyError):
        store.save(
            two_versions,
            "vouchers",
            V1,
            file_name="v.csv",
            file_bytes=b"",
            user="a",
            lock_timeout=0.2,
        )
    assert _sha(two_versions) == before


def test_save_waits_for_the_writer_ahead_of_it(path: Path):
    finished = threading.Event()
    result: list[int] = []

    def second_writer() -> None:
        result.append(
            store.save(path, "vouchers", V2, file_name="v2.csv", file_bytes=b"", user="bo")
        )
        finished.set()

    with store._locked(path):
        thread = threading.Thread(target=second_writer)
        thread.start()
        assert not finished.wait(0.5)  # blocked on the lock
        assert not path.exists()
    thread.join(timeout=30)
    assert finished.is_set()
    assert result == [1]
    assert_geodataframe_equal(store.load(path, "vouchers"), V2)


def test_layer_name():
    assert store.layer_name("vouchers", 12) == "vouchers__v12"
