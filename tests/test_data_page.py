"""The Data page in-process (AppTest): upload → report or preview → save → the map panel uses it.

A fresh data directory opens the synthetic demo, whose store already holds the demo layers
(version 1 each). Uploads here use the demo's made-up ZZ99 postcodes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from geo.storage import store
from layers.demo import DEMO_STORE, demo_postcodes
from views.text import as_shown, as_shown_frame

APP = Path(__file__).resolve().parent.parent / "app.py"
BROOK = "X58000002"  # Brook Green (synthetic)
XSS = "<script>alert(1)</script>"


def _data_page() -> None:
    from views import data_page

    data_page.render()


def _replaying_page() -> None:
    import streamlit as st

    from views import data_page

    if st.session_state.pop("replay_save", False):
        data_page._save()
    data_page.render()


def _pc(code: str, k: int) -> str:
    pcs = demo_postcodes()
    return str(pcs.loc[pcs["ced25cd"] == code, "pcds"].iloc[k])


def good_vouchers() -> bytes:
    """7 vouchers in Brook Green: 2 applied, 1 approved, 3 connected, 1 cancelled; £1,500 each."""
    statuses = [
        "applied",
        "applied",
        "approved",
        "connected",
        "connected",
        "connected",
        "cancelled",
    ]
    rows = [f"T{k},{_pc(BROOK, k)},{s},01/02/2024,1500" for k, s in enumerate(statuses)]
    return ("reference,postcode,status,date,value\n" + "\n".join(rows) + "\n").encode()


def bad_vouchers() -> bytes:
    return (
        "reference,postcode,status,date,value\n"
        f"B1,{_pc(BROOK, 0)},connected,01/02/2024,1500\n"
        "B2,ZZ99 9ZZ,connected,01/02/2024,1500\n"  # not in the demo postcode directory
        f"B3,{_pc(BROOK, 1)},granted,01/02/2024,1500\n"  # unknown status
        f"B4,{_pc(BROOK, 2)},applied,01/02/2099,1500\n"  # in the future
    ).encode()


def _store_file() -> Path:
    return Path(os.environ["BROADBAND_DATA_DIR"]) / DEMO_STORE


def _fingerprint() -> tuple[str, list[int]]:
    path = _store_file()
    return hashlib.sha256(path.read_bytes()).hexdigest(), store.versions(path, "vouchers")[
        "version"
    ].tolist()


def _open() -> AppTest:
    at = AppTest.from_function(_data_page, default_timeout=90).run()
    assert not at.exception
    return at


def _upload(name: str, raw: bytes, dataset: str = "vouchers", at: AppTest | None = None) -> AppTest:
    at = at or _open()
    at.selectbox(key="upload_dataset").set_value(dataset).run()
    at.file_uploader(key="upload_file").set_value((name, raw, "text/csv")).run()
    assert not at.exception
    return at


def _frame(at: AppTest, column: str) -> pd.DataFrame:
    """The first table shown with ``column`` (AppTest does not expose dataframe keys)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _division_panel(code: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90).run()
    return at.selectbox(key="division").set_value(code).run()


def test_unprotected_page_says_so() -> None:
    at = _open()
    assert any("not password-protected" in w.value for w in at.warning)


def test_good_upload_previews_then_save_updates_division_panel() -> None:
    at = _upload("vouchers_test.csv", good_vouchers())
    assert any("no problems found" in s.value for s in at.success)
    assert [m.value for m in at.metric][:3] == ["7", "0", "0"]
    per_area = _frame(at, "n_applied")
    assert per_area["area_code"].tolist() == [BROOK]
    assert per_area[["n_applied", "n_approved", "n_connected", "n_cancelled", "n_vouchers"]].iloc[
        0
    ].tolist() == [2, 1, 3, 1, 6]
    assert _fingerprint()[1] == [1]  # previewing stores nothing

    at.button(key="upload_save").click().run()
    assert not at.exception
    assert any("as version 2" in s.value for s in at.success)
    versions = store.versions(_store_file(), "vouchers")
    assert versions["version"].tolist() == [1, 2]
    assert versions.iloc[-1]["user"] == "officer" and versions.iloc[-1]["row_count"] == 7
    assert at.button(key="upload_save").disabled  # the same file cannot be saved twice

    panel = _division_panel(BROOK)
    assert not panel.exception
    table = next(as_shown_frame(t.value) for t in panel.table
                 if "Vouchers" in as_shown_frame(t.value).columns)  # fmt: skip
    counts = dict(zip(table["Vouchers"], table["Count"], strict=True))
    assert counts["Applied"] == "2" and counts["Approved"] == "1" and counts["Connected"] == "3"
    assert counts["Vouchers (not cancelled)"] == "6"
    assert counts["Total value (not cancelled)"] == "£9,000"
    figs_premises = float(panel.metric[1].value.replace(",", ""))
    assert counts["Per 1,000 premises"] == f"{6 * 1000 / figs_premises:,.1f}"


def test_a_replayed_save_click_saves_nothing_twice() -> None:
    # Under load, an interrupted rerun can run the button's callback again (seen in a browser:
    # one click stored versions 2 and 3). The saved file's hash stops the second save.
    page = AppTest.from_function(_replaying_page, default_timeout=90).run()
    at = _upload("vouchers_test.csv", good_vouchers(), at=page)
    at.button(key="upload_save").click().run()
    assert store.versions(_store_file(), "vouchers")["version"].tolist() == [1, 2]
    at.session_state["replay_save"] = True  # the page calls the save callback once more
    at.run()
    assert not at.exception
    assert store.versions(_store_file(), "vouchers")["version"].tolist() == [1, 2]
    assert any("as version 2" in s.value for s in at.success)


def test_the_saved_message_stays_through_reruns_until_another_file_is_chosen() -> None:
    at = _upload("vouchers_test.csv", good_vouchers())
    at.button(key="upload_save").click().run()
    for _ in range(2):  # e.g. the preview map sending its first value reruns the page
        at = at.run()
        assert any("Saved vouchers_test.csv as version 2" in as_shown(s.value) for s in at.success)
    other = good_vouchers().replace(b"T0,", b"T9,")
    at.file_uploader(key="upload_file").set_value(("vouchers_two.csv", other, "text/csv")).run()
    assert not any("as version 2" in s.value for s in at.success)
    assert any("vouchers_two.csv: no problems found" in as_shown(s.value) for s in at.success)


def test_bad_upload_reports_every_problem_and_stores_nothing() -> None:
    at = _open()
    before = _fingerprint()
    at = _upload("vouchers_bad.csv", bad_vouchers(), at=at)
    assert any("3 problems found. Nothing was saved" in e.value.replace("\\", "") for e in at.error)
    report = _frame(at, "reason")
    assert list(report.columns) == ["row", "column", "value", "reason"]
    got = {(r.row, r.column) for r in report.itertuples()}
    assert got == {("3", "postcode"), ("4", "status"), ("5", "date")}
    assert "granted" in report.loc[report["row"] == "4", "value"].item()
    assert "upload_save" not in [b.key for b in at.button]
    assert _fingerprint() == before


def test_restore_makes_an_earlier_version_current() -> None:
    at = _upload("vouchers_test.csv", good_vouchers())
    at.button(key="upload_save").click().run()
    at.button(key="restore_vouchers_1").click().run()
    assert not at.exception
    assert any("Restored version 1" in s.value for s in at.success)
    versions = store.versions(_store_file(), "vouchers")
    last = versions.iloc[-1]
    assert (last["version"], last["action"], last["source_version"]) == (3, "restore", 1)
    assert len(store.load(_store_file(), "vouchers")) == 82  # the demo's vouchers again


def test_site_named_like_a_script_is_shown_as_text() -> None:
    raw = (
        "site_type,name,identifier,fibre_status,postcode\n"
        f"library,{XSS},X1,none,{_pc(BROOK, 3)}\n"
        f"gp,Brook Surgery,X2,full_fibre,{_pc(BROOK, 4)}\n"
    ).encode()
    at = _upload("sites.csv", raw, dataset="anchors")
    assert _frame(at, "site_type")["name"].tolist() == [XSS, "Brook Surgery"]
    at.button(key="upload_save").click().run()
    panel = _division_panel(BROOK)
    sites = next(as_shown_frame(t.value) for t in panel.table if "Site" in t.value.columns)
    assert sites["Site"].tolist() == [XSS, "Brook Surgery"]
