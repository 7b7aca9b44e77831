"""Residents' reports: checks, moderation, retention, Ofcom comparison, counts, export, store.

Known answers from tests/reports_support.py: two 1 km squares, five postcodes, made-up figures.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import timedelta
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo.analysis import resident_reports as rr
from geo.config import REPORT_MAX_BYTES, REPORT_VERSIONS_KEPT
from geo.errors import DataError
from geo.geometry.aggregate import assign_areas
from geo.storage import store
from geo.storage.reports import apply_retention, load_reports, moderate_reports, submit_report
from layers import reports as layer
from layers.base import AreaInputs, draw
from tests.reports_support import (
    AREA_FIGURES,
    AREAS,
    NOW,
    POSTCODE_PCT,
    POSTCODES,
    form,
    valid,
)

NAMES = {"A1": "Alpha", "A2": "Beta"}


def _problems(**fields: object) -> dict[str, list[str]]:
    with pytest.raises(DataError) as caught:
        rr.validate_report(form(**fields), postcodes=POSTCODES, areas=AREAS)
    return rr.problems_by_field(caught.value)


# --- Checking a report ----------------------------------------------------------------------------


def test_a_good_report_is_normalised_and_placed():
    got = valid(postcode=" zz991ab ", provider="  Big   Telecom ", comment="slow\x00\u2028at night")
    assert (got.postcode, got.easting, got.northing, got.area_code) == (
        "ZZ99 1AB", 1500.0, 500.0, "A2"
    )  # fmt: skip
    assert got.provider == "Big Telecom" and got.comment == "slow  at night"
    assert (got.consent, got.name, got.email) == (False, "", "")


@pytest.mark.parametrize(
    ("postcode", "reason"),
    [
        ("NR1", "Enter a full UK postcode"),
        ("ZZ99 9ZZ", "ZZ99 9ZZ is not in the postcode directory"),
        ("ZZ99 1AC", "ZZ99 1AC is outside this council's area"),
        ("ZZ99 1AD", "ZZ99 1AD is no longer in use"),
    ],
)
def test_a_bad_postcode_says_why(postcode: str, reason: str):
    assert _problems(postcode=postcode)["postcode"][0].startswith(reason)


def test_every_problem_is_reported_at_once():
    got = _problems(
        postcode="ZZ99 1AC", band="fast", technology="pigeon", provider="p" * 81, uprn="12ab",
        comment="c" * 1001, name="Ana",
    )  # fmt: skip
    assert set(got) == {"postcode", "band", "technology", "provider", "uprn", "comment", "contact"}
    assert got["comment"] == ["The comment is 1,001 characters long; the limit is 1,000."]
    assert got["contact"] == [
        "Tick the box to let us keep your contact details, or leave them blank."
    ]


def test_contact_details_need_consent_and_an_address():
    assert "contact" in _problems(consent=True, name="Ana", email="not an address")
    got = valid(consent=True, name=" Ana  Smith ", email="ana@example.org ")
    assert (got.name, got.email) == ("Ana Smith", "ana@example.org")


def test_an_oversized_report_is_refused_whole_before_anything_else():
    got = _problems(postcode="nonsense", comment="é" * (REPORT_MAX_BYTES // 2 + 1))
    assert list(got) == ["comment"] and "bytes long" in got["comment"][0]


def test_the_honeypot_marks_a_bot():
    assert rr.looks_automated(form(website="http://spam.example"))
    assert not rr.looks_automated(form(website="  "))


# --- Moderation and retention ---------------------------------------------------------------------


def _table(*bands: str, postcodes: tuple[str, ...] | None = None) -> pd.DataFrame:
    frame: pd.DataFrame | None = None
    for i, band in enumerate(bands):
        pc = postcodes[i] if postcodes else "ZZ99 1AA"
        change = rr.add_report(frame, valid(band=band, postcode=pc), report_id=f"R-{i + 1}",
                               now=NOW + timedelta(minutes=i))  # fmt: skip
        frame = change.frame
    assert frame is not None
    return frame


def test_only_accepted_reports_count():
    frame = _table("none", "below_10", "10_30", "30_300")
    frame = rr.moderate(frame, ["R-1", "R-2"], action="accept", reason="checked", now=NOW,
                        user="ana").frame  # fmt: skip
    frame = rr.moderate(frame, ["R-3"], action="reject", reason="a business address", now=NOW,
                        user="ana").frame  # fmt: skip
    assert rr.counted(frame)["report_id"].tolist() == ["R-1", "R-2"]
    assert frame.set_index("report_id")["status"].to_dict() == {
        "R-1": "accepted", "R-2": "accepted", "R-3": "rejected", "R-4": "pending"
    }  # fmt: skip
    assert frame.set_index("report_id").loc["R-3", ["moderated_by", "reason"]].tolist() == [
        "ana", "a business address"
    ]  # fmt: skip


def test_merge_keeps_one_report_and_the_audit_names_it():
    frame = _table("below_10", "below_10", "below_10")
    change = rr.moderate(frame, ["R-2", "R-3"], action="merge", into="R-1", reason="same house",
                         now=NOW, user="ana")  # fmt: skip
    got = change.frame.set_index("report_id")
    assert got["status"].tolist() == ["pending", "merged", "merged"]
    assert got["merged_into"].tolist() == ["", "R-1", "R-1"]
    assert change.entries[0].action == "merge"
    assert change.entries[0].record_ids == ("R-2", "R-3")
    assert change.entries[0].reason == "duplicates of R-1: same house"
    accepted = rr.moderate(change.frame, ["R-1"], action="accept", reason="ok", now=NOW, user="a")
    assert rr.counted(accepted.frame)["report_id"].tolist() == ["R-1"]


@pytest.mark.parametrize(
    ("ids", "action", "reason", "into", "message"),
    [
        ([], "accept", "ok", None, "Choose at least one report"),
        (["R-1"], "accept", "  ", None, "Give a reason"),
        (["R-9"], "reject", "ok", None, "No report R-9"),
        (["R-1"], "merge", "ok", None, "Choose the report the duplicates are merged into"),
        (["R-1"], "merge", "ok", "R-1", "cannot be merged into itself"),
        (["R-1"], "publish", "ok", None, "action must be one of"),
    ],
)
def test_a_moderation_that_cannot_be_made_is_refused(ids, action, reason, into, message):
    with pytest.raises(rr.ModerationError, match=message):
        rr.moderate(_table("none"), ids, action=action, reason=reason, into=into, now=NOW,
                    user="ana")  # fmt: skip


def test_retention_deletes_old_reports_with_the_next_change():
    frame = _table("none", "below_10")
    later = NOW + timedelta(days=30, minutes=1)  # R-1 (NOW) is past 30 days, R-2 (NOW+1 min) not
    kept, gone = rr.retention(frame, now=later, days=30)
    assert gone == ("R-1",) and kept["report_id"].tolist() == ["R-2"]
    change = rr.add_report(frame, valid(), report_id="R-3", now=later, retention_days=30)
    assert change.frame["report_id"].tolist() == ["R-2", "R-3"]
    assert [e.action for e in change.entries] == ["submit", "retention"]
    assert change.erased == frozenset({"R-1"})


# --- Against Ofcom, counts per area ---------------------------------------------------------------


def _compared(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    codes = assign_areas(rr.located(frame), AREAS, points_name="reports")
    pct = rr.postcode_figures(POSTCODE_PCT, None, release="2026-01")
    out = rr.compare_with_ofcom(frame, area_codes=codes, area_figures=AREA_FIGURES,
                                postcode_pct=pct, release="2026-01")  # fmt: skip
    return out, codes


def test_reports_against_ofcom_by_postcode_then_area():
    frame = _table(
        "below_10", "10_30", "10_30", "30_300", "300_plus", "none",
        postcodes=("ZZ99 1AA", "ZZ99 1AA", "ZZ99 1AB", "ZZ99 1AE", "ZZ99 1AE", "ZZ99 1AE"),
    )  # fmt: skip
    out, _codes = _compared(frame)
    # A1 says 0% cannot get 10 → 100% can: contradicts. R-2: A1 100% superfast.
    # the postcode file says ZZ99 1AB is 100% superfast (its area says 0%).
    # A2 0% ultrafast: no contradiction. R-5: the top band contradicts nothing.
    # A2 40% cannot get 10 → 60% can: below 90%.
    assert out["ofcom_pct_can_get"].tolist()[:4] == [100.0, 100.0, 100.0, 0.0]
    assert np.isnan(out["ofcom_pct_can_get"].iloc[4]) and out["ofcom_pct_can_get"].iloc[5] == 60.0
    assert out["ofcom_level"].tolist() == [
        "division", "division", "postcode", "division", "", "division"
    ]  # fmt: skip
    assert out["contradicts_ofcom"].tolist() == [True, True, True, False, False, False]
    assert out["ofcom_measure"].tolist() == ["unable_10", "sfbb", "sfbb", "ufbb", "", "unable_10"]
    assert out.loc[2, "ofcom_figure"] == (
        "100.0% of premises can get Superfast (≥ 30 Mbit/s) (postcode, Ofcom 2026-01)"
    )


def test_counts_per_area_and_their_public_suppression():
    bands = ["below_10"] * 6 + ["10_30"]
    postcodes = ("ZZ99 1AA",) * 5 + ("ZZ99 1AE",) * 2
    frame = _table(*bands, postcodes=postcodes)
    frame = rr.moderate(frame, [f"R-{i}" for i in range(1, 7)], action="accept", reason="ok",
                        now=NOW, user="ana").frame  # fmt: skip
    accepted = rr.counted(frame)
    out, codes = _compared(accepted)
    counts = rr.area_counts(accepted, out, codes, AREAS["area_code"])
    assert counts.loc["A1", ["n_reports", "n_contradicting", "n_below_10"]].tolist() == [5, 5, 5]
    assert counts.loc["A2", ["n_reports", "n_contradicting"]].tolist() == [1, 0]
    shown = rr.public_counts(counts, NAMES)
    assert shown.to_dict("records") == [
        {"Area": "Alpha", "Reports accepted": "5", "Contradict Ofcom": "5"},
        {"Area": "Beta", "Reports accepted": "fewer than 5", "Contradict Ofcom": "0"},
    ]


def test_the_layer_counts_accepted_reports_and_never_draws_them_in_public():
    frame = _table("below_10", "below_10", postcodes=("ZZ99 1AA", "ZZ99 1AE"))
    frame = rr.moderate(frame, ["R-1"], action="accept", reason="ok", now=NOW, user="a").frame
    agg = layer.aggregate(rr.located(frame), AREAS, figures=AREA_FIGURES, release="2026-01")
    assert agg[["n_reports", "n_contradicting", "n_pending"]].to_dict("index") == {
        "A1": {"n_reports": 1, "n_contradicting": 1, "n_pending": 0},
        "A2": {"n_reports": 0, "n_contradicting": 0, "n_pending": 1},
    }
    public = layer.summarise(agg.loc["A1"], pd.DataFrame(), public=True)[0].table
    assert public["Count"].tolist() == ["fewer than 5", "fewer than 5", "fewer than 5"]
    assert "Waiting for moderation" not in public["Residents' reports"].tolist()
    assert not layer.draw(rr.located(frame), public=True)._children
    assert len(layer.draw(rr.located(frame), public=False)._children) == 1


def _markers(group: object) -> dict[str, tuple[str, dict]]:
    """Postcode → (tooltip, path options) of each marker a reports map group holds."""
    out = {}
    for marker in group._children.values():  # type: ignore[attr-defined]
        tip = next(c for c in marker._children.values() if isinstance(c, folium.Tooltip))
        out[tip.text.split(":")[0]] = (tip.text, marker.options)
    return out


def test_the_officer_map_marks_postcodes_whose_reports_contradict_ofcom():
    frame = _table(
        "below_10", "300_plus", "10_30", "30_300", "10_30", "below_10", "none",
        postcodes=("ZZ99 1AA", "ZZ99 1AA", "ZZ99 1AB", "ZZ99 1AE", "ZZ99 1AE", "ZZ99 1AE",
                   "ZZ99 1AA"),
    )  # fmt: skip
    frame = rr.moderate(frame, [f"R-{i}" for i in range(1, 6)], action="accept", reason="ok",
                        now=NOW, user="ana").frame  # fmt: skip
    frame = rr.moderate(frame, ["R-6"], action="reject", reason="no", now=NOW, user="ana").frame
    inputs = AreaInputs(figures=AREA_FIGURES, release="2026-01",
                        postcode_figures=rr.postcode_figures(POSTCODE_PCT, None,
                                                             release="2026-01"))  # fmt: skip
    group = draw(layer.LAYER, rr.located(frame), public=False, areas=AREAS, inputs=inputs)
    shown = _markers(group)
    # 1AA: R-1 below 10 where A1 is all gigabit contradicts, R-2 (300+) cannot; R-7 pending.
    # 1AB: the postcode file says all superfast, R-3 says 10-30. 1AE: A2 has no superfast or
    # ultrafast, so agree; R-6 (below 10, 60% can get it) was rejected.
    assert {pc: text for pc, (text, _) in shown.items()} == {
        "ZZ99 1AA": "ZZ99 1AA: 2 accepted reports, 1 contradicts Ofcom (2026-01)",
        "ZZ99 1AB": "ZZ99 1AB: 1 accepted report, 1 contradicts Ofcom (2026-01)",
        "ZZ99 1AE": "ZZ99 1AE: 2 accepted reports, 0 contradict Ofcom (2026-01)",
    }
    fills = {pc: options["fillColor"] for pc, (_, options) in shown.items()}
    assert fills == {"ZZ99 1AA": layer.CONTRADICTS_COLOUR, "ZZ99 1AB": layer.CONTRADICTS_COLOUR,
                     "ZZ99 1AE": layer.REPORT_COLOUR}  # fmt: skip
    assert shown["ZZ99 1AA"][1]["radius"] > shown["ZZ99 1AE"][1]["radius"]  # not colour alone

    # The same comparison as the panel and the export: A1 has 1 contradicting, A2 1.
    agg = layer.aggregate(rr.located(frame), AREAS, figures=AREA_FIGURES, release="2026-01",
                          postcode_figures=inputs.postcode_figures)  # fmt: skip
    assert agg["n_contradicting"].to_dict() == {"A1": 1, "A2": 1}
    plain_map = _markers(layer.draw(rr.located(frame), public=False))  # nothing to compare with
    assert plain_map["ZZ99 1AA"][0] == "ZZ99 1AA: 2 accepted reports"
    assert {o["fillColor"] for _, o in plain_map.values()} == {layer.REPORT_COLOUR}
    assert not draw(layer.LAYER, rr.located(frame), public=True, areas=AREAS,
                    inputs=inputs)._children  # fmt: skip


# --- The evidence export --------------------------------------------------------------------------


def _review() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = _table("below_10", "10_30", postcodes=("ZZ99 1AA", "ZZ99 1AE"))
    frame.loc[0, ["uprn", "provider"]] = ["100091234567", '=HYPERLINK("http://x")']
    frame = rr.moderate(frame, ["R-1", "R-2"], action="accept", reason="ok", now=NOW,
                        user="ana").frame  # fmt: skip
    out, codes = _compared(frame)
    return rr.review_table(frame, out, codes, names=NAMES), frame


def test_the_export_has_the_review_layout_and_is_formula_safe():
    table, frame = _review()
    assert tuple(table.columns) == rr.REVIEW_COLUMNS
    assert table[["postcode", "uprn", "claimed_service", "date", "area_name"]].values.tolist() == [
        ["ZZ99 1AA", "100091234567", "Below 10 Mbit/s", "2026-11-30", "Alpha"],
        ["ZZ99 1AE", "", "10–30 Mbit/s", "2026-11-30", "Beta"],
    ]
    text = rr.review_csv(table)
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert back.loc[0, "provider"] == '\'=HYPERLINK("http://x")'
    assert back.loc[0, "uprn"] == "100091234567" and back.loc[0, "contradicts_ofcom"] == "True"
    assert "contact" not in text and "comment" not in text
    gpkg = rr.read_review_gpkg(rr.review_gpkg(table, frame))
    assert gpkg.crs.to_epsg() == 27700
    assert [(p.x, p.y) for p in gpkg.geometry] == [(500.0, 500.0), (1700.0, 300.0)]
    assert gpkg.loc[0, "provider"] == '\'=HYPERLINK("http://x")'


# --- In the store ---------------------------------------------------------------------------------


def test_submissions_and_moderation_are_versions_with_a_named_audit(tmp_path: Path):
    path = tmp_path / "store.gpkg"
    first = submit_report(path, valid(), payload=b"one", now=NOW)
    second = submit_report(path, valid(postcode="ZZ99 1AE"), payload=b"two", now=NOW)
    moderate_reports(path, [first], action="accept", reason="checked on the map", user="ana@x.gov",
                     now=NOW)  # fmt: skip
    moderate_reports(path, [second], action="reject", reason="duplicate address", user="bo",
                     now=NOW)  # fmt: skip
    got = load_reports(path).set_index("report_id")["status"].to_dict()
    assert got == {first: "accepted", second: "rejected"}
    log = store.audit(path)
    assert log["action"].tolist() == ["submit", "submit", "accept", "reject"]
    assert log["user"].tolist()[2:] == ["ana@x.gov", "bo"]
    assert log["reason"].tolist()[2:] == ["checked on the map", "duplicate address"]
    assert log["record_ids"].tolist() == [first, second, first, second]
    assert store.versions(path, "reports")["version"].tolist() == [1, 2, 3, 4]


def test_a_deleted_report_survives_in_no_version_and_no_free_page(tmp_path: Path):
    path = tmp_path / "store.gpkg"
    keep = submit_report(path, valid(), payload=b"a", now=NOW)
    gone = submit_report(path, valid(consent=True, name="Zed Quux", email="zed@quux.example"),
                         payload=b"b", now=NOW)  # fmt: skip
    assert b"zed@quux.example" in path.read_bytes()
    moderate_reports(path, [gone], action="delete", reason="asked to", user="ana", now=NOW)
    for version in store.versions(path, "reports")["version"]:
        ids = store.load(path, "reports", version=int(version))["report_id"].tolist()
        assert gone not in ids
    assert load_reports(path)["report_id"].tolist() == [keep]
    assert b"zed@quux.example" not in path.read_bytes()
    assert store.audit(path)["action"].tolist()[-1] == "delete"


def test_retention_in_the_store_and_versions_kept(tmp_path: Path):
    path = tmp_path / "store.gpkg"
    old = submit_report(path, valid(), payload=b"a", now=NOW - timedelta(days=800))
    for i in range(REPORT_VERSIONS_KEPT + 1):
        submit_report(path, valid(), payload=bytes([i]), now=NOW)
    assert old not in set(load_reports(path)["report_id"])  # gone with the next submission
    log = store.audit(path)
    assert log.loc[log["action"] == "retention", "record_ids"].tolist() == [old]
    assert log.loc[log["action"] == "retention", "user"].tolist() == ["retention rule (730 days)"]
    kept = store.versions(path, "reports")["version"].tolist()
    assert kept == list(range(3, 3 + REPORT_VERSIONS_KEPT))
    assert len(log) == REPORT_VERSIONS_KEPT + 3  # the audit keeps every row
    left = tuple(sorted(load_reports(path)["report_id"]))
    assert apply_retention(path, now=NOW + timedelta(days=731)) == left
    assert load_reports(path).empty
    assert apply_retention(path, now=NOW + timedelta(days=732)) == ()  # nothing left: no write
    assert len(store.audit(path)) == REPORT_VERSIONS_KEPT + 4


def test_an_older_audit_table_is_upgraded_on_the_next_write(tmp_path: Path):
    path = tmp_path / "store.gpkg"
    frame = pd.DataFrame({"n": [1]})
    store.save(path, "vouchers", frame, file_name="v.csv", file_bytes=b"v", user="ana")
    with sqlite3.connect(path) as con:  # the table as older versions created it
        con.execute("DROP TABLE audit")
        con.execute(
            "CREATE TABLE audit (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, dataset TEXT NOT "
            "NULL, version INTEGER NOT NULL, action TEXT NOT NULL CHECK (action IN ('save', "
            "'restore')), file_name TEXT, sha256 TEXT, row_count INTEGER NOT NULL, saved_at TEXT "
            'NOT NULL, "user" TEXT NOT NULL, source_version INTEGER)'
        )
        con.execute(
            "INSERT INTO audit (dataset, version, action, file_name, sha256, row_count, saved_at,"
            " \"user\") VALUES ('vouchers', 1, 'save', 'v.csv', 'x', 1, '2026-01-01', 'ana')"
        )
    assert store.audit(path)["reason"].isna().all()  # read as it is
    submit_report(path, valid(), payload=b"a", now=NOW)
    log = store.audit(path)
    assert log["action"].tolist() == ["save", "submit"] and log["user"].tolist()[0] == "ana"
    assert store.versions(path, "vouchers")["version"].tolist() == [1]
    assert {"reports__v1", "vouchers__v1", "audit"} <= set(pyogrio.list_layers(path)[:, 0])


def test_the_command_line_deletes_expired_reports(tmp_path: Path, capsys: pytest.CaptureFixture):
    from geo.__main__ import main
    from geo.storage.workspace import current

    path = current().store_path
    old = submit_report(path, valid(), payload=b"a", now=NOW - timedelta(days=800))
    assert main(["reports"]) == 0
    assert capsys.readouterr().out.endswith(": 1 pending\n")
    assert main(["reports", "--delete-expired"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Deleted 1 report(s) made more than 730 days ago: {old}",
        f"Residents' reports in {path}: none",
    ]


def test_the_audit_hash_leaves_out_contact_details():
    with_contact = form(consent=True, name="Ana", email="ana@example.org")
    assert b"ana@example.org" in rr.payload_bytes(with_contact)
    assert rr.payload_bytes(with_contact, contact=False) == rr.payload_bytes(form(), contact=False)
