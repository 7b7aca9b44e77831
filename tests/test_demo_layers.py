"""layers.demo: synthetic overlay files in the real formats, inside the demo, saved once."""

from __future__ import annotations

import io
import threading

import pandas as pd

import layers  # noqa: F401  (registers the layers)
from geo.config import SYNTHETIC_LABEL
from geo.settings import load_settings
from geo.sources.demo import demo_areas
from geo.sources.demo_build import build_demo
from geo.storage import store, workspace
from geo.storage.catalog import load_catalog
from layers import anchors, pilots, vouchers
from layers.demo import (
    DEMO_STORE,
    DEMO_USER,
    PILOTS,
    SITES,
    VOUCHERS_PER_DIVISION,
    demo_layer_files,
    demo_postcodes,
    ensure_demo,
    save_demo_layers,
)
from layers.upload import check_upload


def test_files_are_deterministic_and_every_row_labelled_synthetic() -> None:
    first, again = demo_layer_files(), demo_layer_files()
    assert first == again
    assert sorted(first) == ["anchors", "pilots", "vouchers"]
    for files in first.values():
        for name, raw in files.items():
            assert "SYNTHETIC" in name
            frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
            label = frame.get("Note", frame.get("Label"))
            assert label is not None and (label == SYNTHETIC_LABEL).all(), name


def test_demo_postcodes_are_the_demo_nspl() -> None:
    pcs = demo_postcodes()
    assert pcs["pcds"].str.startswith("ZZ99 ").all()
    assert set(pcs["ced25cd"]) == set(demo_areas()["CED25CD"])


def test_saved_once_through_the_readers_with_known_counts_per_division(tmp_path) -> None:
    cat = build_demo(tmp_path)
    path = tmp_path / DEMO_STORE
    assert save_demo_layers(path, cat) == {"vouchers": 1, "anchors": 1, "pilots": 1}
    assert save_demo_layers(path, cat) == {}  # already there: nothing new
    log = store.audit(path)
    assert set(log["user"]) == {DEMO_USER} and len(log) == 3
    areas = demo_areas().rename(columns={"CED25CD": "area_code", "CED25NM": "area_name"})
    v = vouchers.aggregate(store.load(path, "vouchers"), areas)
    assert (v[[f"n_{s}" for s in vouchers.STATUSES]].sum(axis=1).tolist()
            == list(VOUCHERS_PER_DIVISION))  # fmt: skip
    assert v.attrs["outside"] == 0
    a = anchors.aggregate(store.load(path, "anchors"), areas)
    # 12 council sites + 3 open GIAS schools (the closed one is left out by the reader).
    assert int(a["n_sites"].sum()) == len(SITES) + 3 and int(a["n_school"].sum()) == 3
    assert int(a.loc["X58000007", "n_sites"]) == 3  # 2 council sites + Greyfriars Academy
    p = pilots.aggregate(store.load(path, "pilots"), areas, on=pd.Timestamp("2025-06-30").date())
    assert int(p["n_sites"].sum()) == len(PILOTS)
    # Running on 30/06/2025: divisions 1, 2, 5 (two), 7 and 11; 3 and 9 ended earlier.
    active = {code[-2:]: int(n) for code, n in p["n_active"].items() if n}
    assert active == {"01": 1, "02": 1, "05": 2, "07": 1, "11": 1}
    assert int(p["no_support"].sum()) == 12 - 5


def test_demo_files_pass_check_upload_for_each_layer(tmp_path) -> None:
    from geo.storage.catalog import load_catalog
    from geo.storage.workspace import read_context

    cat = load_catalog(build_demo(tmp_path))
    areas = cat.areas["ced"][["area_code", "area_name", "geometry"]]
    for key, files in demo_layer_files().items():
        for name, raw in files.items():
            context = read_context(cat.postcodes, dict(cat.areas))
            check = check_upload(raw, filename=name, layer=key, context=context, areas=areas)
            assert check.ok and check.problems == [], (name, check.report())


def test_sessions_starting_together_build_the_demo_once_and_never_see_half_of_it() -> None:
    """Six sessions open at once (a sign-in redirect opens a second while the first runs): the
    demo store is built once — three saves, one per dataset — and a session that finds both demo
    files finds every dataset in the store. Before the fix, each session saved its own
    versions (CI saw vouchers at version 2 before anyone uploaded, pilots at version 3)."""
    ws = workspace.current(load_settings())
    assert ws.demo and not ws.store_path.exists()
    build_demo(ws.settings.data_dir)  # the catalogue is there; six sessions find no store
    start = threading.Barrier(6)
    seen: list[set[str]] = []

    def session() -> None:
        start.wait()
        ensure_demo(ws)
        seen.append({k for k in ("vouchers", "anchors", "pilots")
                     if store.current_version(ws.store_path, k) is not None})  # fmt: skip

    threads = [threading.Thread(target=session) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log = store.audit(ws.store_path)
    assert sorted(zip(log["dataset"], log["version"], strict=True)) == [
        ("anchors", 1), ("pilots", 1), ("vouchers", 1),
    ]  # fmt: skip
    assert seen == [{"vouchers", "anchors", "pilots"}] * 6
    assert len(load_catalog(ws.catalog_path).areas["ced"]) == len(demo_areas())
    assert not list(ws.settings.data_dir.glob(".demo-build-*"))  # the build folder is gone
