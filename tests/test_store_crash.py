"""The data store survives a writer killed mid-save, and separate processes never lose a save.

Both tests run tests/crash_writer.py as real subprocesses.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
from pathlib import Path

import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal

from geo.storage import store
from tests.crash_support import ROOT, start, wait_for_pause
from tests.crash_writer import synthetic_points

WRITER = ROOT / "tests" / "crash_writer.py"


def _writer(path: Path, *args: str) -> subprocess.Popen[str]:
    return start(WRITER, str(path), *args)


def test_writer_killed_between_write_and_swap_leaves_previous_version(tmp_path: Path):
    path = tmp_path / "store.gpkg"
    assert (
        store.save(
            path, "vouchers", synthetic_points(2), file_name="v1.csv", file_bytes=b"v1", user="ana"
        )
        == 1
    )
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    marker = tmp_path / "paused"

    proc = _writer(path, "--rows", "5", "--file-name", "v2.csv", "--pause-marker", str(marker))
    wait_for_pause(marker, proc)
    tmp = Path(marker.read_text())
    assert tmp.exists()
    assert "vouchers__v2" in pyogrio.list_layers(tmp)[:, 0]  # v2 was fully written, not swapped
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # The store is the previous file, byte for byte, and opens with only version 1.
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert set(pyogrio.list_layers(path)[:, 0]) == {"vouchers__v1", "audit"}
    assert store.versions(path, "vouchers")["version"].tolist() == [1]
    assert_geodataframe_equal(store.load(path, "vouchers"), synthetic_points(2))
    assert tmp.exists()  # the dead writer's temp file is still there, and ignored

    # The kernel released the dead writer's lock: the next save succeeds and cleans up.
    assert (
        store.save(
            path, "vouchers", synthetic_points(4), file_name="v2.csv", file_bytes=b"v2", user="bo"
        )
        == 2
    )
    assert not tmp.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paused", "store.gpkg", "store.gpkg.lock"]
    assert store.audit(path)["file_name"].tolist() == ["v1.csv", "v2.csv"]


@pytest.mark.slow
def test_concurrent_writers_are_serialised(tmp_path: Path):
    path = tmp_path / "store.gpkg"
    writers, repeats = 4, 3
    procs = [
        _writer(path, "--rows", str(w + 1), "--file-name", f"w{w}.csv", "--repeat", str(repeats))
        for w in range(writers)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err

    # Every save survived: no writer copied the store while another was between copy and swap.
    log = store.audit(path)
    total = writers * repeats
    assert log["version"].tolist() == list(range(1, total + 1))
    expected = {f"w{w}.csv#{i}" for w in range(writers) for i in range(repeats)}
    assert set(log["file_name"]) == expected
    layers = set(pyogrio.list_layers(path)[:, 0])
    assert layers == {f"vouchers__v{v}" for v in range(1, total + 1)} | {"audit"}
    # Each version holds exactly what its writer saved (writer w saves w + 1 rows).
    for row in log.itertuples():
        rows = int(row.file_name[1]) + 1
        assert row.row_count == rows
        assert len(store.load(path, "vouchers", version=row.version)) == rows
