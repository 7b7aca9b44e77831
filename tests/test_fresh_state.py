"""Pages are never stale: a save from another process shows on every page at the next rerun.

A real catalogue (the demo's files imported as if real, so the real store is in force) gets
voucher version 1 in-process; the map, profile, planner and public pages are opened; a
**separate process** then saves version 2; each page is rerun and must show version 2's
counts. In demo mode the profile and planner show the demo's own vouchers and sites.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.settings import load_settings
from geo.sources.demo_build import build_demo
from layers.demo import VOUCHERS_PER_DIVISION, demo_postcodes
from tests.test_profile_planner_app import _open
from views.text import as_shown_frame

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
BROOK = "X58000002"  # Brook Green (synthetic)

SAVE = """
import sys
from pathlib import Path
from geo.settings import load_settings
from geo.storage import store, workspace
from layers import registered
ws = workspace.current(load_settings())
raw = Path(sys.argv[1]).read_bytes()
from geo.storage.catalog import load_catalog
cat = load_catalog(ws.catalog_path)
ctx = workspace.read_context(cat.postcodes, dict(cat.areas))
records = registered()["vouchers"].read(raw, filename="v.csv", context=ctx)
print(store.save(ws.store_path, "vouchers", records, file_name="v.csv", file_bytes=raw,
                 user="other process"))
"""


def _vouchers(n_applied: int) -> bytes:
    pcs = demo_postcodes()
    pc = pcs.loc[pcs["ced25cd"] == BROOK, "pcds"].tolist()
    rows = [f"V{k},{pc[k % len(pc)]},applied,01/02/2024,1500" for k in range(n_applied)]
    return ("reference,postcode,status,date,value\n" + "\n".join(rows) + "\n").encode()


def _save_in_another_process(tmp_path: Path, n_applied: int) -> int:
    csv = tmp_path / f"v{n_applied}.csv"
    csv.write_bytes(_vouchers(n_applied))
    done = subprocess.run(
        [sys.executable, "-c", SAVE, str(csv)], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


def _gap(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "score" in d.value.columns)


def _voucher_counts(at: AppTest) -> dict[str, str]:
    table = next(as_shown_frame(t.value) for t in at.table if "Vouchers" in t.value.columns)
    return dict(zip(table["Vouchers"], table["Count"], strict=True))


@pytest.fixture
def real_catalogue(tmp_path: Path) -> Path:
    """The demo's files imported as a *real* catalogue: the real store (store.gpkg) is in force."""
    settings = load_settings()
    shutil.copy(build_demo(tmp_path / "demo"), settings.boundaries_path)
    return settings.store_path


def test_a_save_from_another_process_shows_on_every_page(
    tmp_path: Path, real_catalogue: Path
) -> None:
    assert _save_in_another_process(tmp_path, 6) == 1  # version 1 (6 applied)
    map_page = AppTest.from_file(str(APP), default_timeout=120)
    map_page.query_params["division"] = BROOK
    map_page.run()
    profile = _open("division", division=BROOK)
    planner = _open("planner")
    public = AppTest.from_file(str(APP), default_timeout=120)
    public.query_params["embed"] = "true"
    public.query_params["division"] = BROOK
    public.run()
    for at in (map_page, profile, public):
        assert not at.exception
        assert _voucher_counts(at)["Applied"] == "6"
    gap = _gap(planner)
    assert gap.loc[BROOK, "voucher_demand"] == 6

    assert _save_in_another_process(tmp_path, 9) == 2  # version 2 (9 applied), elsewhere
    for at in (map_page, profile, public, planner):
        at.run()
        assert not at.exception
    for at in (map_page, profile, public):
        assert _voucher_counts(at)["Applied"] == "9"
    assert _gap(planner).loc[BROOK, "voucher_demand"] == 9
    assert any("version 2" in c.value and "other process" in c.value for c in map_page.caption)


def test_demo_profile_and_planner_show_the_demo_layers() -> None:
    profile = _open("division", division=BROOK)
    assert not profile.exception
    counts = _voucher_counts(profile)
    assert int(counts["Vouchers (not cancelled)"]) <= VOUCHERS_PER_DIVISION[1]
    sites = next(as_shown_frame(t.value) for t in profile.table
                 if {"Site", "Fibre"} <= set(t.value.columns))  # fmt: skip
    assert len(sites) >= 1 and sites["Site"].str.contains("synthetic").all()
    planner = _open("planner")
    gap = _gap(planner)
    assert "voucher_demand" in gap.columns
    expected = pd.Series(VOUCHERS_PER_DIVISION, index=[f"X580000{i:02d}" for i in range(1, 13)])
    assert (gap["voucher_demand"].reindex(expected.index) <= expected).all()
    assert gap["voucher_demand"].sum() > 0
