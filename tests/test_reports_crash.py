"""A writer killed with SIGKILL mid-save loses no report already accepted; writers take turns.

Both tests run tests/reports_crash_writer.py as real subprocesses.
"""

from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path

import pytest

from geo.storage import store
from geo.storage.reports import load_reports, moderate_reports, submit_report
from tests.crash_support import ROOT, start, wait_for_pause
from tests.reports_support import NOW, valid

WRITER = ROOT / "tests" / "reports_crash_writer.py"


def test_kill_9_during_a_save_loses_nothing_already_accepted(tmp_path: Path):
    path = tmp_path / "store.gpkg"
    accepted = submit_report(path, valid(), payload=b"a", now=NOW)
    waiting = submit_report(path, valid(postcode="ZZ99 1AE"), payload=b"b", now=NOW)
    moderate_reports(path, [accepted], action="accept", reason="checked", user="ana", now=NOW)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    marker = tmp_path / "paused"

    proc = start(WRITER, str(path), "--pause-marker", str(marker))
    wait_for_pause(marker, proc)
    tmp = Path(marker.read_text())
    assert tmp.exists()  # the new version is written in full, not yet swapped in
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    got = load_reports(path).set_index("report_id")["status"].to_dict()
    assert got == {accepted: "accepted", waiting: "pending"}
    assert store.audit(path)["action"].tolist() == ["submit", "submit", "accept"]

    # The kernel released the dead writer's lock: the next change goes through and cleans up.
    moderate_reports(path, [waiting], action="accept", reason="checked", user="bo", now=NOW)
    assert not tmp.exists()
    assert set(load_reports(path)["status"]) == {"accepted"}


@pytest.mark.slow
def test_concurrent_submissions_are_all_kept(tmp_path: Path):
    path = tmp_path / "store.gpkg"
    procs = [start(WRITER, str(path), "--repeat", "2") for _ in range(3)]
    made = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        made += out.split()
    assert len(made) == 6
    assert sorted(load_reports(path)["report_id"]) == sorted(made)
    assert store.audit(path)["action"].tolist() == ["submit"] * 6
