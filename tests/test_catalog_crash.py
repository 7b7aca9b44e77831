"""The catalogue survives an import killed between writing its copy and swapping it in.

Runs tests/catalog_crash_importer.py as real subprocesses and kills one with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pyogrio
import pytest

from geo.storage import catalog
from tests.bad_support import BAD, digest, seeded_catalogue
from tests.crash_support import ROOT, start, wait_for_pause

IMPORTER = ROOT / "tests" / "catalog_crash_importer.py"
GOOD = BAD / "ofcom" / "ok_utf8_bom.csv"  # synthetic: 3 districts, 3,500 premises; undated


def _importer(source: Path, cat: Path, *args: str) -> subprocess.Popen[str]:
    # An undated Ofcom file needs its release named (a release column, if any, wins).
    return start(IMPORTER, str(source), str(cat), *args, "--release", "2023-01")


def test_import_killed_before_swap_leaves_previous_catalogue(tmp_path: Path) -> None:
    cat = seeded_catalogue(tmp_path)
    before = digest(cat)
    marker = tmp_path / "paused"

    proc = _importer(GOOD, cat, "--pause-marker", str(marker))
    wait_for_pause(marker, proc)
    tmp = Path(marker.read_text())
    assert tmp.parent == tmp_path and tmp.name.startswith(".broadband.gpkg.")
    assert "coverage" in pyogrio.list_layers(tmp)[:, 0]  # the copy was fully written...
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # ...but never swapped in: the catalogue is the previous file, byte for byte.
    assert digest(cat) == before
    assert tmp.exists()  # the dead importer's copy is still there, and ignored on reading
    loaded = catalog.load_catalog(cat)
    assert loaded.coverage is None
    assert loaded.areas["ced"]["area_code"].tolist() == ["X58000001", "X58000002"]

    # The kernel released the dead importer's lock: the next import succeeds and cleans up.
    done = _importer(GOOD, cat)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert out.strip() == "coverage"
    assert not tmp.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "broadband.gpkg",
        "broadband.gpkg.lock",
        "paused",
    ]
    loaded = catalog.load_catalog(cat)
    assert loaded.coverage is not None and loaded.coverage["premises"].sum() == 3500
    assert loaded.areas["ced"]["area_code"].tolist() == ["X58000001", "X58000002"]


@pytest.mark.slow
def test_concurrent_imports_are_serialised(tmp_path: Path) -> None:
    """Three imports at once: without the lock each would copy the same old file and two
    of the three layers would be lost."""
    cat = seeded_catalogue(tmp_path)
    sources = [
        BAD / "ofcom" / "ok_utf8_bom.csv",
        BAD / "boundaries" / "ok_no_crs_lonlat.geojson",
        BAD / "ofcom" / "ok_renamed_columns.csv",
    ]
    procs = [_importer(s, cat) for s in sources]
    for proc in procs:
        _out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    loaded = catalog.load_catalog(cat)
    assert loaded.areas["ced"]["area_code"].tolist() == ["E58000901"]  # the boundary import
    assert loaded.coverage is not None
    # Both coverage files survived: release "2023-01" (3 rows) and release "2024" (3 rows).
    assert sorted(loaded.coverage["release"].unique()) == ["2023-01", "2024"]
    assert len(loaded.coverage) == 6
    assert set(loaded.meta["coverage"]["count_source_by_file"]) == {
        "ok_utf8_bom.csv",
        "ok_renamed_columns.csv",
    }
