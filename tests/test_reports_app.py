"""Residents' reports in the app (AppTest, synthetic demo): submit → queue → accept → counts.

The resident uses the public page (``BROADBAND_PUBLIC_ONLY=1``); the officer the Reports page of
an internal deployment on the same data folder (no sign-in configured: everyone is admin, and the
audit names the typed name). One postcode outside the demo's divisions is added to its postcode
directory, so "outside the council's area" is tested on the page too.
"""

from __future__ import annotations

import html
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from geo.analysis import resident_reports as rr
from geo.analysis.coverage import best_figures
from geo.analysis.lookup import find_area
from geo.config import REPORT_RATE_LIMIT
from geo.storage import store
from geo.storage.catalog import load_catalog, save_postcodes
from geo.storage.reports import load_reports, moderate_reports, submit_report
from geo.storage.workspace import current
from layers.demo import ensure_demo
from layers.reports import evidence_rows
from views import report_form
from views.text import as_shown

APP = Path(__file__).resolve().parent.parent / "app.py"
OUTSIDE = "ZZ99 9ZZ"
HOSTILE = "{{7*7}} ![x](http://127.0.0.1:9/x.png) $x$ <script>alert(1)</script> :red[hi]"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    report_form.throttle.clear()  # one throttle per server process: a fresh one per test
    yield
    report_form.throttle.clear()


@pytest.fixture
def demo() -> dict[str, object]:
    """The demo catalogue (with one postcode outside every division) and two of its postcodes
    in one division."""
    ws = current()
    ensure_demo(ws)
    cat = load_catalog(ws.catalog_path)
    assert cat.postcodes is not None
    outside = pd.DataFrame(
        {"easting": [300_000.0], "northing": [300_000.0], "terminated": [False],
         "lad_code": ["X07000001"]}, index=pd.Index([OUTSIDE], name="postcode"),
    )  # fmt: skip
    save_postcodes(ws.catalog_path, pd.concat([cat.postcodes, outside]), source="demo + test",
                   synthetic=True)  # fmt: skip
    areas = cat.areas["ced"]
    first = str(cat.postcodes.index[0])
    code = find_area(first, postcodes=cat.postcodes, areas=areas).area_code
    places = {str(p): find_area(str(p), postcodes=cat.postcodes, areas=areas).area_code
              for p in cat.postcodes.index}  # fmt: skip
    same = [p for p, c in places.items() if c == code]
    name = str(areas.set_index("area_code").loc[code, "area_name"])
    return {"postcode": first, "code": code, "name": name, "same": same, "ws": ws}


def _public(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("BROADBAND_PUBLIC_ONLY", "1")
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    assert not at.exception
    return at


def _officer(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.delenv("BROADBAND_PUBLIC_ONLY", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    at._page_hash = calc_hash("reports")  # AppTest.switch_page only knows file-based pages
    at.run()
    assert not at.exception
    assert _shown(at.title) == ["Residents' reports: moderation and evidence"]
    return at


def _send(at: AppTest, **fields: object) -> AppTest:
    values = {"postcode": "", "band": None, **fields}
    for field, value in values.items():
        key = report_form.WIDGETS[field]
        if field == "band":
            at.radio(key=key).set_value(value)
        elif field == "consent":
            at.checkbox(key=key).set_value(bool(value))
        elif field == "technology":
            at.selectbox(key=key).set_value(value)
        elif field == "comment":
            at.text_area(key=key).input(str(value))
        else:
            at.text_input(key=key).input(str(value))
    next(b for b in at.button if b.label == "Send report").click()
    at.run()
    assert not at.exception
    return at


def _frame(at: AppTest, column: str) -> pd.DataFrame:
    """The first ``st.dataframe`` with ``column`` (AppTest keeps no dataframe keys)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _shown(elements: object) -> list[str]:
    return [as_shown(e.value) for e in elements]  # type: ignore[attr-defined]


def _public_counts(at: AppTest) -> pd.DataFrame | None:
    """The public page's table of reports per division (an accessible HTML table), as text."""
    for element in at.get("html"):
        markup = element.proto.body
        if "Residents&#x27; reports accepted per" not in markup:
            continue
        cells = [
            [html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", markup)
        ]
        return pd.DataFrame(cells[1:], columns=cells[0])
    return None


def _moderate(at: AppTest, ids: list[str], action: str, reason: str, **extra: str) -> AppTest:
    at.multiselect(key="moderate_ids").set_value(ids)
    at.text_input(key="moderate_reason").input(reason)
    if "into" in extra:
        at.selectbox(key="moderate_into").set_value(extra["into"])
    at.button(key=f"moderate_{action}").click()
    at.run()
    assert not at.exception
    return at


def test_submit_queue_accept_counts_and_export(monkeypatch, demo):
    at = _public(monkeypatch)
    assert "No residents' reports have been accepted yet." in _shown(at.markdown)
    at = _send(at, postcode=str(demo["postcode"]).lower(), band="below_10", provider="=1+1",
               uprn="100091234567", comment=HOSTILE)  # fmt: skip
    thanks = _shown(at.success)
    assert len(thanks) == 1 and thanks[0].startswith("Thank you: your report R-")
    reference = thanks[0].split()[4]
    stored = load_reports(current().store_path)
    assert stored["report_id"].tolist() == [reference]
    assert stored.loc[0, "comment"] == HOSTILE and stored.loc[0, "status"] == "pending"
    assert at.text_input(key=report_form.WIDGETS["postcode"]).value == ""  # the form is cleared

    officer = _officer(monkeypatch)
    assert "Waiting for moderation (1)" in _shown(officer.header)
    queue = _frame(officer, "Reference")
    assert queue["Reference"].tolist() == [reference]
    assert queue.loc[0, "Comment"] == HOSTILE  # a table cell: shown as typed
    assert queue.loc[0, "Area"] == demo["name"]
    officer.text_input(key="audit_user").input("Ana Officer")
    officer = _moderate(officer, [reference], "accept", "checked against the OS map")
    assert _shown(officer.success)[0].startswith(f"Accepted {reference}")
    assert "Waiting for moderation (0)" in _shown(officer.header)
    log = store.audit(current().store_path)
    row = log[log["action"] == "accept"].iloc[0]
    assert (row["user"], row["reason"], row["record_ids"]) == (
        "Ana Officer", "checked against the OS map", reference
    )  # fmt: skip
    counts = _frame(officer, "Reports accepted")
    assert counts.to_dict("records")[0]["Reports accepted"] == 1

    at = _public(monkeypatch)
    shown = _public_counts(at)
    assert shown is not None
    assert shown.to_dict("records") == [
        {"Division": demo["name"], "Reports accepted": "fewer than 5",
         "Contradict Ofcom": shown.loc[0, "Contradict Ofcom"]}
    ]  # fmt: skip
    assert shown.loc[0, "Contradict Ofcom"] in {"0", "fewer than 5"}
    page = " ".join(e.value for e in [*at.markdown, *at.success, *at.error, *at.header])
    assert "{{7*7}}" not in page and "127.0.0.1:9" not in page  # no report is shown in public

    # The export the Reports page offers, made by the same function from the same data.
    ws = current()
    cat = load_catalog(ws.catalog_path)
    figs = best_figures(cat.coverage, cat.areas["ced"], release=cat.releases[-1],
                        postcodes=cat.postcodes, oa_centroids=cat.oa_centroids)  # fmt: skip
    names = dict(zip(figs["area_code"], figs["area_name"], strict=True))
    table = evidence_rows(load_reports(ws.store_path), figures=figs, postcode_figures=None,
                          release=cat.releases[-1], names=names)  # fmt: skip
    back = pd.read_csv(io.StringIO(rr.review_csv(table)), dtype=str, keep_default_na=False)
    assert back[["postcode", "uprn", "claimed_service", "provider", "area_name", "report_id"]
                ].values.tolist() == [[demo["postcode"], "100091234567", "Below 10 Mbit/s",
                                       "'=1+1", demo["name"], reference]]  # fmt: skip
    assert back.loc[0, "date"] == datetime.now(UTC).strftime("%Y-%m-%d")
    assert back.loc[0, "ofcom_figure"].endswith(f"(division, Ofcom {cat.releases[-1]})")


def test_rejected_and_merged_reports_count_nowhere_and_five_show_as_five(monkeypatch, demo):
    path = current().store_path
    same = list(demo["same"])
    pick = (same * 7)[:7]
    ids = [submit_report(path, rr.validate_report(rr.ReportForm(postcode=p, band="none"),
                         postcodes=load_catalog(current().catalog_path).postcodes,
                         areas=load_catalog(current().catalog_path).areas["ced"]),
                         payload=b"x") for p in pick]  # fmt: skip
    officer = _officer(monkeypatch)
    officer = _moderate(officer, ids[:5], "accept", "checked")
    officer = _moderate(officer, [ids[5]], "reject", "not a home")
    officer = _moderate(officer, [ids[6]], "merge", "same house", into=ids[0])
    assert _shown(officer.success)[0].startswith(f"Merged {ids[6]} into {ids[0]}")
    counts = _frame(officer, "Reports accepted")
    assert counts["Reports accepted"].tolist() == [5]
    shown = _public_counts(_public(monkeypatch))
    assert shown is not None and shown["Reports accepted"].tolist() == ["5"]
    officer = _moderate(_officer(monkeypatch), [ids[1]], "reject", "changed my mind")
    shown = _public_counts(_public(monkeypatch))
    assert shown is not None and shown["Reports accepted"].tolist() == ["fewer than 5"]


def test_the_officer_map_draws_accepted_reports_against_the_release_shown(monkeypatch, demo):
    path = current().store_path
    cat = load_catalog(current().catalog_path)
    ids = [submit_report(path, rr.validate_report(rr.ReportForm(postcode=str(demo["postcode"]),
                         band=band), postcodes=cat.postcodes, areas=cat.areas["ced"]),
                         payload=b"x") for band in ("below_10", "300_plus", "none")]  # fmt: skip
    moderate_reports(path, ids[:2], action="accept", reason="ok", user="ana")
    moderate_reports(path, ids[2:], action="reject", reason="no", user="ana")
    monkeypatch.delenv("BROADBAND_PUBLIC_ONLY", raising=False)
    monkeypatch.setenv("BROADBAND_SHOW_RECORDS", "1")  # officers see markers, not only counts
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    at = at.multiselect(key="overlays").set_value(["reports"]).run()
    assert not at.exception
    script = json.loads(at.get("component_instance")[0].proto.json_args)["script"]
    # "Below 10" is compared (its area's figure), "300+" never contradicts; the rejected one
    # counts nowhere. How many contradict depends on the demo's figures: the layer's own test
    # has the known answers.
    found = re.search(
        re.escape(f"{demo['postcode']}: 2 accepted reports, ") + r"(\d) contradicts? Ofcom \("
        + re.escape(cat.releases[-1]) + r"\)", script
    )  # fmt: skip
    assert found is not None and found.group(1) in {"0", "1"}


@pytest.mark.parametrize(
    ("fields", "field_message"),
    [
        ({"postcode": "NR1", "band": "none"}, "Enter a full UK postcode, for example NR1 3QU."),
        (
            {"postcode": OUTSIDE, "band": "none"},
            f"{OUTSIDE} is outside this council's area. Report it to your own council.",
        ),
        (
            {"postcode": "ZZ99 8ZZ", "band": "none"},
            "ZZ99 8ZZ is not in the postcode directory. Check it and try again.",
        ),
        ({"postcode": HOSTILE, "band": "none"}, "Enter a full UK postcode, for example NR1 3QU."),
        (
            {"band": None, "postcode": "<use demo>"},
            "Choose the speed you can actually get (or 'No service at all').",
        ),
        (
            {"postcode": "<use demo>", "band": "none", "name": "Ana"},
            "Tick the box to let us keep your contact details, or leave them blank.",
        ),
        (
            {
                "postcode": "<use demo>",
                "band": "none",
                "consent": True,
                "email": "=cmd|' /C calc'!A0",
            },
            "Give an e-mail address we may contact you at (name@example.org), or untick the box.",
        ),
    ],
)
def test_bad_input_is_explained_beside_its_field_and_nothing_is_stored(
    monkeypatch, demo, fields, field_message
):
    fields = {k: (demo["postcode"] if v == "<use demo>" else v) for k, v in fields.items()}
    at = _send(_public(monkeypatch), **fields)
    errors = _shown(at.error)
    assert errors[0].startswith("Your report was not sent (1 problem); nothing was stored.")
    assert field_message in errors
    assert not at.success
    assert load_reports(current().store_path).empty
    assert HOSTILE not in " ".join(e.value for e in at.error)


def test_each_error_is_in_its_fields_label_until_the_report_is_sent(monkeypatch, demo):
    """Streamlit has no aria-describedby: the label (the input's accessible name) carries the
    error, so a screen reader announces it on focus; the value typed survives the rerun."""
    postcode_key, band_key = report_form.WIDGETS["postcode"], report_form.WIDGETS["band"]
    at = _send(_public(monkeypatch), postcode="NR1", name="Ana")
    assert as_shown(at.text_input(key=postcode_key).label) == (
        "Your postcode (required) (error: Enter a full UK postcode, for example NR1 3QU.)"
    )
    assert as_shown(at.radio(key=band_key).label) == (
        "What download speed can you actually get? (required) (error: Choose the speed you can "
        "actually get (or 'No service at all').)"
    )
    contact = "(error: Tick the box to let us keep your contact details, or leave them blank.)"
    assert as_shown(at.text_input(key=report_form.WIDGETS["email"]).label).endswith(contact)
    assert as_shown(at.checkbox(key=report_form.WIDGETS["consent"]).label).endswith(contact)
    assert at.text_input(key=report_form.WIDGETS["uprn"]).label == (
        "Your property's UPRN, if you know it (optional)"
    )
    assert at.text_input(key=postcode_key).value == "NR1"
    assert "Enter a full UK postcode, for example NR1 3QU." in _shown(at.error)  # still visible

    at.text_input(key=report_form.WIDGETS["name"]).input("")
    at = _send(at, postcode=demo["postcode"], band="none")
    assert _shown(at.success)[0].startswith("Thank you: your report R-")
    assert at.text_input(key=postcode_key).label == "Your postcode (required)"
    assert at.radio(key=band_key).label == "What download speed can you actually get? (required)"


def test_oversized_text_is_refused(monkeypatch, demo):
    at = _public(monkeypatch)
    at = _send(at, postcode=demo["postcode"], band="none", comment="x" * 1001)
    assert "The comment is 1,001 characters long; the limit is 1,000." in _shown(at.error)
    assert load_reports(current().store_path).empty


def test_a_flood_is_refused_after_the_limit_and_the_honeypot_stores_nothing(monkeypatch, demo):
    at = _public(monkeypatch)
    for _ in range(REPORT_RATE_LIMIT):
        at = _send(at, postcode=demo["postcode"], band="10_30")
        assert _shown(at.success)[0].startswith("Thank you: your report R-")
    at = _send(at, postcode=demo["postcode"], band="10_30")
    errors = _shown(at.error)
    assert errors[0].startswith("Your report was not sent")
    assert errors[1].startswith(f"You have sent {REPORT_RATE_LIMIT} reports recently")
    assert "Wait 60 minutes" in errors[1]
    assert len(load_reports(current().store_path)) == REPORT_RATE_LIMIT

    report_form.throttle.clear()
    at = _public(monkeypatch)
    at.text_input(key=report_form.HONEYPOT).input("http://spam.example")
    at = _send(at, postcode=demo["postcode"], band="none")
    assert _shown(at.success) == [report_form._thanks("received")]
    assert len(load_reports(current().store_path)) == REPORT_RATE_LIMIT  # nothing more stored


def test_retention_button_deletes_old_reports(monkeypatch, demo):
    path = current().store_path
    cat = load_catalog(current().catalog_path)

    def report(days_ago: int) -> str:
        valid = rr.validate_report(rr.ReportForm(postcode=str(demo["postcode"]), band="none"),
                                   postcodes=cat.postcodes, areas=cat.areas["ced"])  # fmt: skip
        return submit_report(path, valid, payload=b"x",
                             now=datetime.now(UTC) - timedelta(days=days_ago))  # fmt: skip

    new = report(1)
    old = report(800)  # made "800 days ago": its own write deleted nothing
    assert set(load_reports(path)["report_id"]) == {old, new}
    officer = _officer(monkeypatch)
    officer.button(key="moderate_retention").click()
    officer.run()
    assert _shown(officer.success) == ["Deleted 1 report past retention."]
    assert load_reports(path)["report_id"].tolist() == [new]
    audit = _frame(officer, "record_ids")
    assert audit.iloc[0][["action", "record_ids"]].tolist() == ["retention", old]


def test_a_viewer_never_reaches_the_reports_page(monkeypatch, demo):
    from geo.auth import hash_password

    monkeypatch.setenv("BROADBAND_PASSWORD_HASH", hash_password("a password", rounds=4))
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    at._page_hash = calc_hash("reports")
    at.run()
    assert "Residents' reports: moderation and evidence" not in _shown(at.title)
    assert not [w for w in at.multiselect if w.key == "moderate_ids"]


def _report_tables(at: AppTest) -> list[dict[str, str]]:
    """Every "Residents' reports" section table on the page, as {row label: count}."""
    out = []
    for table in at.table:
        frame = table.value
        columns = [as_shown(str(c)) for c in frame.columns]
        if columns == ["Residents' reports", "Count"]:
            out.append({as_shown(str(r[0])): as_shown(str(r[1])) for r in frame.values})
    return out


def test_counts_show_in_the_division_panel_the_profile_and_the_public_panel(monkeypatch, demo):
    path = current().store_path
    cat = load_catalog(current().catalog_path)
    valid = rr.validate_report(rr.ReportForm(postcode=str(demo["postcode"]), band="below_10"),
                               postcodes=cat.postcodes, areas=cat.areas["ced"])  # fmt: skip
    ids = [submit_report(path, valid, payload=b"x") for _ in range(3)]
    moderate_reports(path, ids[:2], action="accept", reason="ok", user="ana")
    monkeypatch.delenv("BROADBAND_PUBLIC_ONLY", raising=False)
    for page in ("", "division"):  # the officers' map panel, then the division profile
        at = AppTest.from_file(str(APP), default_timeout=180)
        at.query_params["division"] = str(demo["code"])
        if page:
            at.run()
            at._page_hash = calc_hash(page)
        at.run()
        assert not at.exception
        tables = _report_tables(at)
        assert tables, f"no residents' reports section on {page or 'the map'}"
        assert tables[0]["Reports accepted"] == "2"
        assert tables[0]["Waiting for moderation"] == "1"
    monkeypatch.setenv("BROADBAND_PUBLIC_ONLY", "1")
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.query_params["division"] = str(demo["code"])
    at.run()
    tables = _report_tables(at)
    assert tables and tables[0]["Reports accepted"] == "fewer than 5"
    assert "Waiting for moderation" not in tables[0]
    officer = _officer(monkeypatch)
    by_postcode = _frame(officer, "Ofcom's figure")
    assert by_postcode[["Postcode", "Reports accepted"]].values.tolist() == [[demo["postcode"], 2]]


def test_a_report_deleted_by_another_officer_leaves_the_selection(monkeypatch, demo):
    path = current().store_path
    cat = load_catalog(current().catalog_path)
    valid = rr.validate_report(rr.ReportForm(postcode=str(demo["postcode"]), band="none"),
                               postcodes=cat.postcodes, areas=cat.areas["ced"])  # fmt: skip
    first, second = (submit_report(path, valid, payload=b"x") for _ in range(2))
    officer = _officer(monkeypatch)
    officer.multiselect(key="moderate_ids").set_value([first, second])
    officer.selectbox(key="moderate_into").set_value(first)
    officer.run()
    moderate_reports(path, [first], action="delete", reason="asked to", user="bo")  # elsewhere
    officer.run()
    assert not officer.exception
    assert officer.multiselect(key="moderate_ids").value == [second]
    assert officer.selectbox(key="moderate_into").value is None
    officer.text_input(key="moderate_reason").input("checked")
    officer.button(key="moderate_accept").click()
    officer.run()
    assert _shown(officer.success)[0].startswith(f"Accepted {second}")
