"""A resident reports by keyboard on a phone-sized page; an officer accepts it; the count shows.

One internal app on the synthetic demo, with the shared password as the officer's sign-in
(``[access] password_role = "officer"``). The resident opens the public page (``?embed=true``,
public mode for that visit) at 390×844 and fills the report form with the keyboard only; the
officer signs in, finds the report in the queue, accepts it and downloads the evidence CSV; the
public page then shows the division's suppressed count. A second report, in a division no other
report is in, is rejected with a reason: the public table, the officer's division panel and
profile (exact counts) and the export all leave it out, and the audit keeps the reason.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from geo.analysis import resident_reports as rr
from geo.analysis.lookup import find_area
from geo.auth import hash_password
from geo.storage import store
from geo.storage.catalog import load_catalog
from geo.storage.reports import load_reports, moderate_reports, submit_report
from geo.storage.workspace import DEMO_CATALOG, DEMO_STORE
from tests.browser.axe import blocking, require_axe, run_axe
from tests.browser.support import (
    browser_page,
    map_drawn,
    require_chromium,
    running_app,
    screenshot,
    settled,
)

pytestmark = pytest.mark.browser

PASSWORD = "a long shared password"
COMMENT = "{{7*7}} ![x](http://127.0.0.1:9/x.png) $x$ <script>alert(1)</script>"
FOCUSED_JS = """() => {
    const el = document.activeElement;
    if (!el) return "";
    const label = el.getAttribute("aria-label") || (el.labels && el.labels[0]
        ? el.labels[0].innerText : "") || el.innerText || "";
    return el.tagName + "|" + el.type + "|" + label.trim();
}"""


@dataclass
class App:
    url: str
    data_dir: Path


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    require_chromium()
    root = tmp_path_factory.mktemp("reports")
    (root / "secrets.toml").write_text('[access]\npassword_role = "officer"\n', encoding="utf-8")
    data_dir = root / "data"
    env = {"BROADBAND_PASSWORD_HASH": hash_password(PASSWORD, rounds=4)}
    args = ["--secrets.files", str(root / "secrets.toml")]
    with running_app(data_dir, env=env, args=args, log=root / "app.log") as url:
        yield App(url, data_dir)


def _wait_for_text(page: object, text: str | re.Pattern[str]) -> object:
    found = page.get_by_text(text).first  # type: ignore[attr-defined]
    found.wait_for(timeout=120_000)
    return found


def _focused(page: object) -> str:
    return str(page.evaluate(FOCUSED_JS))  # type: ignore[attr-defined]


TABBED: list[str] = []
"""Every element the keyboard reached, in order (the honeypot must never be one)."""


def _tab_to(page: object, pattern: str, *, limit: int = 40) -> str:
    """Press Tab until the focused element's description matches ``pattern``."""
    for _ in range(limit):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        now = _focused(page)
        TABBED.append(now)
        if re.search(pattern, now):
            return now
    raise AssertionError(f"Tab never reached {pattern!r}; last focused: {_focused(page)!r}")


def _open_list(page: object, picker: object, option: object, *, tries: int = 4) -> None:
    """Open a dropdown until ``option`` shows: a rerun that lands just after the click (a map
    reporting its view on a slow runner) redraws the list closed. No duration is asserted."""
    for _ in range(tries):
        picker.click()  # type: ignore[attr-defined]
        try:
            option.wait_for(timeout=15_000)  # type: ignore[attr-defined]
            return
        except Exception:  # closed under the cursor: let the rerun end, then open it again
            page.keyboard.press("Escape")  # type: ignore[attr-defined]
            settled(page, timeout=120_000)
    option.wait_for(timeout=15_000)  # type: ignore[attr-defined]


DONE = {"Accept": "Accepted", "Reject": "Rejected"}
"""A moderation button → the start of the message saying it was done."""


def _moderate(page: object, reference: str, button: str, *, reason: str) -> object:
    """On the Reports page: pick the pending report ``reference``, give ``reason``, press
    ``button`` (Accept, Reject …); returns the message saying it was done."""
    picker = page.get_by_role("combobox", name="Reports (by reference)")  # type: ignore[attr-defined]
    option = page.get_by_role("option", name=re.compile(re.escape(reference)))  # type: ignore[attr-defined]
    _open_list(page, picker, option)
    assert "pending" in option.inner_text()  # type: ignore[attr-defined]
    option.click()  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    settled(page, timeout=120_000)
    page.get_by_label("Reason (kept in the audit)").fill(reason)  # type: ignore[attr-defined]
    page.get_by_label("Reason (kept in the audit)").press("Enter")  # type: ignore[attr-defined]
    settled(page, timeout=120_000)
    page.get_by_role("button", name=button, exact=True).click()  # type: ignore[attr-defined]
    return _wait_for_text(page, f"{DONE[button]} {reference}")


def _export_rows(page: object) -> pd.DataFrame:
    """The Reports page's evidence CSV, downloaded, as text cells."""
    with page.expect_download(timeout=120_000) as download:  # type: ignore[attr-defined]
        page.get_by_role("button", name="Download CSV").click()  # type: ignore[attr-defined]
    text = Path(download.value.path()).read_text("utf-8")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def _public_counts(page: object, url: str) -> tuple[object, object]:
    """Open the public page; its heading and table of accepted reports per division."""
    page.set_default_timeout(120_000)  # type: ignore[attr-defined]
    page.goto(url + "/?embed=true", wait_until="domcontentloaded")  # type: ignore[attr-defined]
    heading = _wait_for_text(page, "What residents report, by division")
    table = page.locator("table.bb-table").filter(has_text="Reports accepted")  # type: ignore[attr-defined]
    table.wait_for(timeout=120_000)
    settled(page, timeout=120_000)
    return heading, table


def _demo_postcode(data_dir: Path) -> tuple[str, str]:
    cat = load_catalog(data_dir / DEMO_CATALOG)
    assert cat.postcodes is not None
    postcode = str(cat.postcodes.index[0])
    areas = cat.areas["ced"]
    code = find_area(postcode, postcodes=cat.postcodes, areas=areas).area_code
    return postcode, str(areas.set_index("area_code").loc[code, "area_name"])


def _watch(page: object, fetched: list[str], dialogs: list[str]) -> None:
    """Record every request to the beacon address and every dialog (an alert() that ran)."""
    page.on("request", lambda r: fetched.append(r.url) if "127.0.0.1:9" in r.url else None)  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]


def test_report_by_keyboard_on_a_phone_then_accepted_and_counted(app: App) -> None:
    fetched: list[str] = []
    dialogs: list[str] = []
    with browser_page(width=390, height=844) as page:
        _watch(page, fetched, dialogs)
        page.set_default_timeout(120_000)  # type: ignore[attr-defined]
        page.goto(app.url + "/?embed=true", wait_until="domcontentloaded")  # type: ignore[attr-defined]
        _wait_for_text(page, "Tell us what you can really get")
        # The map reports its first view once drawn, and that reruns the page: wait for the
        # drawing and that rerun before typing (a slow runner drew it after the first settle).
        frame = page.frame_locator("iframe").first  # type: ignore[attr-defined]
        map_drawn(frame, 120_000)
        page.wait_for_timeout(1000)  # type: ignore[attr-defined]
        settled(page, timeout=120_000)
        postcode, division = _demo_postcode(app.data_dir)
        page.get_by_label("Your postcode (required)").focus()  # type: ignore[attr-defined]
        page.keyboard.type(postcode.lower())  # type: ignore[attr-defined]
        assert _tab_to(page, r"^INPUT\|radio\|").endswith("No service at all")
        page.keyboard.press("ArrowDown")  # type: ignore[attr-defined]
        page.keyboard.press("Space")  # type: ignore[attr-defined]
        checked = page.evaluate(  # type: ignore[attr-defined]
            "() => document.querySelector('input[type=radio]:checked').labels[0].innerText"
        )
        assert checked.strip() == "Below 10 Mbit/s"
        _tab_to(page, r"^TEXTAREA\|")
        page.keyboard.type(COMMENT)  # type: ignore[attr-defined]
        _tab_to(page, r"^BUTTON\|.*\|Send report$")
        assert not [f for f in TABBED if "Leave this field empty" in f]
        assert not page.get_by_label("Leave this field empty").is_visible()  # type: ignore[attr-defined]
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        thanks = _wait_for_text(page, re.compile(r"Thank you: your report R-[0-9A-F]{10}"))
        reference = re.search(r"R-[0-9A-F]{10}", thanks.inner_text()).group(0)  # type: ignore[attr-defined, union-attr]
        settled(page, timeout=120_000)
        thanks.scroll_into_view_if_needed()  # type: ignore[attr-defined]
        screenshot(page, "reports_phone_submitted")
        assert page.locator("body").inner_text().count("{{7*7}}") == 0  # type: ignore[attr-defined]

    with browser_page() as page:
        _watch(page, fetched, dialogs)
        page.set_default_timeout(120_000)  # type: ignore[attr-defined]
        page.goto(app.url + "/", wait_until="domcontentloaded")  # type: ignore[attr-defined]
        _wait_for_text(page, "Officer password")
        page.get_by_label("Officer password").fill(PASSWORD)  # type: ignore[attr-defined]
        page.get_by_role("button", name="Sign in", exact=True).click()  # type: ignore[attr-defined]
        _wait_for_text(page, "Role: officer")
        page.get_by_role("link", name="Residents' reports").click()  # type: ignore[attr-defined]
        _wait_for_text(page, "Waiting for moderation (1)")
        settled(page, timeout=120_000)
        page.get_by_text("Every report (1)").click()  # type: ignore[attr-defined]
        settled(page, timeout=120_000)
        screenshot(page, "reports_officer_queue")
        accepted = _moderate(page, reference, "Accept", reason="checked against the map")
        _wait_for_text(page, "Waiting for moderation (0)")
        settled(page, timeout=120_000)
        accepted.scroll_into_view_if_needed()  # type: ignore[attr-defined]
        screenshot(page, "reports_officer_accepted")
        rows = _export_rows(page)
        assert rows[["postcode", "claimed_service", "area_name", "report_id"]].values.tolist() == [
            [postcode, "Below 10 Mbit/s", division, reference]
        ]

    with browser_page(width=390, height=844) as page:
        heading, table = _public_counts(page, app.url)
        row = table.locator("tr").filter(has_text=division)
        assert row.locator("td").all_inner_texts() in (
            ["fewer than 5", "fewer than 5"], ["fewer than 5", "0"]
        )  # fmt: skip
        heading.scroll_into_view_if_needed()  # type: ignore[attr-defined]
        screenshot(page, "reports_phone_public_count")
    # The comment's image was never fetched and its script never ran, on any page.
    assert fetched == [] and dialogs == []


def _divisions(data_dir: Path) -> dict[str, tuple[str, list[str]]]:
    """Division code → (name, its demo postcodes), in the directory's order."""
    cat = load_catalog(data_dir / DEMO_CATALOG)
    assert cat.postcodes is not None
    areas = cat.areas["ced"]
    names = areas.set_index("area_code")["area_name"]
    found: dict[str, tuple[str, list[str]]] = {}
    for postcode in map(str, cat.postcodes.index):
        where = find_area(postcode, postcodes=cat.postcodes, areas=areas).area_code
        if where is not None:
            found.setdefault(where, (str(names[where]), []))[1].append(postcode)
    return found


def _accepted_from_the_test(data_dir: Path, postcode: str) -> str:
    """An accepted report stored by the test process (the export then has a row to check)."""
    cat = load_catalog(data_dir / DEMO_CATALOG)
    valid = rr.validate_report(rr.ReportForm(postcode=postcode, band="10_30"),
                               postcodes=cat.postcodes, areas=cat.areas["ced"])  # fmt: skip
    path = data_dir / DEMO_STORE
    reference = submit_report(path, valid, payload=b"seeded by the browser test")
    moderate_reports(path, [reference], action="accept", reason="seeded", user="test")
    return reference


def _sign_in(page: object, url: str) -> None:
    """Open ``url`` in a new session and sign in there with the shared password (officer)."""
    page.goto(url, wait_until="domcontentloaded")  # type: ignore[attr-defined]
    _wait_for_text(page, "Officer password")
    settled(page, timeout=120_000)
    page.get_by_label("Officer password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in", exact=True).click()  # type: ignore[attr-defined]
    _wait_for_text(page, "Role: officer")
    settled(page, timeout=120_000)


def _count_cells(page: object) -> dict[str, str]:
    """The officer's table of residents' reports in one division (panel or profile), by row."""
    table = page.locator("table").filter(has_text="Waiting for moderation").first  # type: ignore[attr-defined]
    table.wait_for(timeout=120_000)
    rows = [r.locator("th, td").all_inner_texts() for r in table.locator("tbody tr").all()]
    return {cells[0].strip(): cells[1].strip() for cells in rows if len(cells) == 2}


def test_a_rejected_report_counts_nowhere_and_its_reason_is_audited(app: App) -> None:
    reason = "not a home address"
    with browser_page(width=390, height=844) as page:
        page.set_default_timeout(120_000)  # type: ignore[attr-defined]
        page.goto(app.url + "/?embed=true", wait_until="domcontentloaded")  # type: ignore[attr-defined]
        _wait_for_text(page, "Tell us what you can really get")
        map_drawn(page.frame_locator("iframe").first, 120_000)  # type: ignore[attr-defined]
        page.wait_for_timeout(1000)  # type: ignore[attr-defined]
        settled(page, timeout=120_000)
        # Divisions no other test reports in: the first postcode's is the accepted test's.
        first, _ = _demo_postcode(app.data_dir)
        others = [(c, n, p) for c, (n, p) in _divisions(app.data_dir).items() if first not in p]
        (code, division, postcodes), (_, seeded_division, seeded_postcodes) = others[:2]
        seeded = _accepted_from_the_test(app.data_dir, seeded_postcodes[0])
        page.get_by_label("Your postcode (required)").fill(postcodes[0])  # type: ignore[attr-defined]
        page.get_by_text("No service at all", exact=True).click()  # type: ignore[attr-defined]
        page.get_by_role("button", name="Send report").click()  # type: ignore[attr-defined]
        thanks = _wait_for_text(page, re.compile(r"Thank you: your report R-[0-9A-F]{10}"))
        reference = re.search(r"R-[0-9A-F]{10}", thanks.inner_text()).group(0)  # type: ignore[attr-defined, union-attr]

    with browser_page() as page:
        page.set_default_timeout(120_000)  # type: ignore[attr-defined]
        _sign_in(page, app.url + "/")
        page.get_by_role("link", name="Residents' reports").click()  # type: ignore[attr-defined]
        _wait_for_text(page, "Waiting for moderation (")
        settled(page, timeout=120_000)
        rejected = _moderate(page, reference, "Reject", reason=reason)
        settled(page, timeout=120_000)
        rejected.scroll_into_view_if_needed()  # type: ignore[attr-defined]
        screenshot(page, "reports_officer_rejected")
        rows = _export_rows(page)
        assert seeded in rows["report_id"].tolist()
        assert reference not in rows["report_id"].tolist()
        assert division not in rows["area_name"].tolist()

        # The officer's exact counts, in the map's division panel and in the profile.
        _sign_in(page, f"{app.url}/?division={code}")
        map_drawn(page.frame_locator("iframe[title*='st_folium']").first, 120_000)  # type: ignore[attr-defined]
        settled(page, timeout=120_000)
        panel = _count_cells(page)
        assert (panel["Reports accepted"], panel["Waiting for moderation"]) == ("0", "0")
        _sign_in(page, f"{app.url}/division?division={code}")
        _wait_for_text(page, division)
        profile = _count_cells(page)
        assert (profile["Reports accepted"], profile["Waiting for moderation"]) == ("0", "0")
        counts = page.locator("table").filter(has_text="Waiting for moderation").first  # type: ignore[attr-defined]
        counts.scroll_into_view_if_needed()
        screenshot(page, "reports_officer_profile_after_reject")

    with browser_page(width=390, height=844) as page:
        heading, table = _public_counts(page, app.url)
        named = [t.strip() for t in table.locator("tbody th").all_inner_texts()]  # the areas
        assert seeded_division in named and division not in named
        heading.scroll_into_view_if_needed()  # type: ignore[attr-defined]
        screenshot(page, "reports_phone_public_after_reject")

    log = store.audit(app.data_dir / DEMO_STORE)
    mine = log[log["record_ids"] == reference]
    assert mine["action"].tolist() == ["submit", "reject"]
    assert mine.iloc[-1]["reason"] == reason
    assert load_reports(app.data_dir / DEMO_STORE).set_index("report_id").loc[
        reference, "status"] == "rejected"  # fmt: skip


def test_the_form_and_its_messages_have_no_serious_axe_finding(app: App) -> None:
    from playwright.sync_api import expect  # imported where chromium is known to be there

    require_axe()
    with browser_page(width=390, height=844) as page:
        page.set_default_timeout(120_000)  # type: ignore[attr-defined]
        page.goto(app.url + "/?embed=true", wait_until="domcontentloaded")  # type: ignore[attr-defined]
        _wait_for_text(page, "Tell us what you can really get")
        settled(page, timeout=120_000)
        page.get_by_label("Your postcode (required)").fill("NR1")  # type: ignore[attr-defined]
        page.get_by_role("button", name="Send report").click()  # type: ignore[attr-defined]
        _wait_for_text(page, "Your report was not sent (2 problems); nothing was stored.")
        _wait_for_text(page, "Enter a full UK postcode, for example NR1 3QU.")
        settled(page, timeout=120_000)
        problems = blocking(run_axe(page))
        # The error is part of the input's accessible name: a screen reader says it on focus.
        postcode = page.get_by_role("textbox", name="Your postcode (required)")  # type: ignore[attr-defined]
        named = "Your postcode (required) (error: Enter a full UK postcode, for example NR1 3QU.)"
        expect(postcode).to_have_accessible_name(named)  # as the browser computes it
        postcode.focus()
        assert _focused(page) == f"INPUT|text|{named}"
        assert postcode.input_value() == "NR1"
        page.get_by_text("Enter a full UK postcode").first.scroll_into_view_if_needed()  # type: ignore[attr-defined]
        screenshot(page, "reports_phone_errors")
    assert problems == []
