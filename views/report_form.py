"""The report form on the public page: what a resident can really get at their postcode.

The form is checked by :func:`geo.analysis.resident_reports.validate_report` (every problem is
shown beside its field, and nothing is stored); a good report is stored as pending through
:func:`geo.storage.reports.submit_report`. Sending runs in the submit button's callback, so the
messages are drawn on the same run. Limits: at most
:data:`~geo.config.REPORT_RATE_LIMIT` reports per browser session and per client address within
:data:`~geo.config.REPORT_RATE_WINDOW_SECONDS` (a :class:`geo.auth.Throttle` for the whole
server process), a size limit per field and per report, and a honeypot field that people never
see (hidden with ``display: none``, so screen readers and the keyboard skip it too): a report
that fills it in is thanked and dropped. Everything typed is shown back only through
:func:`views.text.plain`.
"""

from __future__ import annotations

import logging
import math

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.analysis import resident_reports as rr
from geo.auth import Throttle
from geo.config import (
    REPORT_BANDS,
    REPORT_MAX_COMMENT_CHARS,
    REPORT_MAX_PROVIDER_CHARS,
    REPORT_RATE_LIMIT,
    REPORT_RATE_WINDOW_SECONDS,
    REPORT_RETENTION_DAYS,
    REPORT_TECHNOLOGIES,
)
from geo.errors import DataError
from geo.storage.reports import submit_report
from views import access, state
from views.guard import guarded
from views.text import inline_plain, plain

LOG = logging.getLogger("broadband_map.views")
PREFIX = "report_"
HONEYPOT = PREFIX + "website"
ERRORS = PREFIX + "errors"
DONE = PREFIX + "done"
WIDGETS = {
    "postcode": PREFIX + "postcode",
    "band": PREFIX + "band",
    "technology": PREFIX + "technology",
    "provider": PREFIX + "provider",
    "uprn": PREFIX + "uprn",
    "comment": PREFIX + "comment",
    "consent": PREFIX + "consent",
    "name": PREFIX + "name",
    "email": PREFIX + "email",
    "website": HONEYPOT,
}
"""Form field → widget key."""
_CLEARED = {"technology": "unknown", "consent": False, "band": None}


@st.cache_resource(show_spinner=False)
def throttle(
    limit: int = REPORT_RATE_LIMIT, window: float = REPORT_RATE_WINDOW_SECONDS
) -> Throttle:
    """One report throttle for the whole server process: per-client limits span sessions."""
    return Throttle(limit=limit, window=window)


# No field has max_chars: Streamlit would cut longer text silently (in the browser and on the
# server); without it the resident is told the length and the limit, and nothing is stored.


def _wait_text(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _form_values() -> rr.ReportForm:
    get = st.session_state.get
    return rr.ReportForm(
        postcode=str(get(WIDGETS["postcode"]) or ""), band=str(get(WIDGETS["band"]) or ""),
        technology=str(get(WIDGETS["technology"]) or "unknown"),
        provider=str(get(WIDGETS["provider"]) or ""), uprn=str(get(WIDGETS["uprn"]) or ""),
        comment=str(get(WIDGETS["comment"]) or ""), consent=bool(get(WIDGETS["consent"])),
        name=str(get(WIDGETS["name"]) or ""), email=str(get(WIDGETS["email"]) or ""),
        website=str(get(HONEYPOT) or ""),
    )  # fmt: skip


def _clear() -> None:
    for field, key in WIDGETS.items():
        st.session_state[key] = _CLEARED.get(field, "")


def _thanks(reference: str) -> str:
    return (
        f"Thank you: your report {reference} has been received. An officer will check it; once "
        "accepted it counts in your area's figures (never shown on its own). Quote the "
        "reference if you want it deleted."
    )


@guarded
def _send(postcodes: pd.DataFrame | None, areas: gpd.GeoDataFrame) -> None:
    """The submit button's callback: check, limit, store (or say why not)."""
    st.session_state.pop(ERRORS, None)
    form = _form_values()
    if rr.looks_automated(form):
        LOG.info("report form: honeypot filled in; nothing stored")
        _clear()
        st.session_state[DONE] = _thanks("received")
        return
    try:
        report = rr.validate_report(form, postcodes=postcodes, areas=areas)
    except DataError as error:
        st.session_state[ERRORS] = rr.problems_by_field(error)
        return
    wait = throttle().acquire(access.client_keys())
    if wait > 0:
        st.session_state[ERRORS] = {"": [
            f"You have sent {REPORT_RATE_LIMIT} reports recently, the most we take in an hour. "
            f"Wait {_wait_text(wait)} and send it again; nothing was stored."
        ]}  # fmt: skip
        return
    reference = submit_report(
        state.key().store, report, payload=rr.payload_bytes(form, contact=False)
    )
    _clear()
    st.session_state[DONE] = _thanks(reference)


def _field_errors(errors: dict[str, list[str]], field: str) -> None:
    for reason in errors.get(field, []):
        st.error(plain(reason), icon="⚠️")


def _error_note(errors: dict[str, list[str]], field: str) -> str:
    """``field``'s errors, to end its label: Streamlit offers no ``aria-describedby``, so the
    error goes in the widget's own label, which a screen reader announces on focus (the visible
    message under the field stays). The widgets have keys, so what was typed survives. Streamlit
    copies the label's source into ``aria-label``: :func:`~views.text.inline_plain` keeps it
    free of needless backslashes."""
    reasons = errors.get(field)
    return f" (error: {inline_plain(' '.join(reasons))})" if reasons else ""


def render(postcodes: pd.DataFrame | None, areas: gpd.GeoDataFrame) -> None:
    """The form, with its messages (``areas``: the county's areas, EPSG:27700)."""
    st.header("Tell us what you can really get", anchor=False)
    st.markdown(
        "The map shows what Ofcom says is available. If you cannot get it, tell us: an officer "
        "checks every report, and accepted reports are counted per area and used as evidence "
        "when Building Digital UK reviews where to build (Project Gigabit). Reports are never "
        "shown one by one, and every report is deleted "
        f"{REPORT_RETENTION_DAYS // 365} years after it was made."
    )
    if done := st.session_state.pop(DONE, None):
        st.success(plain(done), icon=":material/check_circle:")
    errors: dict[str, list[str]] = st.session_state.get(ERRORS) or {}
    if errors:
        n = sum(len(v) for v in errors.values())
        st.error(plain(f"Your report was not sent ({n} problem{'s' if n != 1 else ''}); "
                       "nothing was stored. See the messages below."), icon="⚠️")  # fmt: skip
        _field_errors(errors, "")
    # The honeypot: no person sees it, a screen reader skips it and the keyboard never reaches it.
    st.html(f"<style>.st-key-{HONEYPOT}{{display:none !important}}</style>")
    with st.form("report_form", border=True, enter_to_submit=False):
        st.text_input("Your postcode (required)" + _error_note(errors, "postcode"),
                      key=WIDGETS["postcode"], autocomplete="postal-code",
                      placeholder="for example NR1 3QU")  # fmt: skip
        _field_errors(errors, "postcode")
        st.radio(
            "What download speed can you actually get? (required)" + _error_note(errors, "band"),
            list(REPORT_BANDS), format_func=lambda k: REPORT_BANDS[k].label, index=None,
            key=WIDGETS["band"],
        )  # fmt: skip
        _field_errors(errors, "band")
        st.selectbox(
            "Technology, if you know it" + _error_note(errors, "technology"),
            list(REPORT_TECHNOLOGIES), format_func=REPORT_TECHNOLOGIES.__getitem__,
            key=WIDGETS["technology"],
        )  # fmt: skip
        _field_errors(errors, "technology")
        st.text_input(
            f"Provider, if you have one (for example BT, Sky; up to {REPORT_MAX_PROVIDER_CHARS} "
            "characters)" + _error_note(errors, "provider"), key=WIDGETS["provider"],
        )  # fmt: skip
        _field_errors(errors, "provider")
        st.text_input(
            "Your property's UPRN, if you know it (optional)" + _error_note(errors, "uprn"),
            key=WIDGETS["uprn"], help="The Unique Property Reference Number, up to 12 digits; "
            "findmyaddress.co.uk shows it.",
        )  # fmt: skip
        _field_errors(errors, "uprn")
        st.text_area(
            f"Anything else we should know (optional, up to {REPORT_MAX_COMMENT_CHARS:,} "
            "characters; please leave out names and addresses)" + _error_note(errors, "comment"),
            key=WIDGETS["comment"],
        )  # fmt: skip
        _field_errors(errors, "comment")
        # A contact problem is about the box or the address: both labels carry it.
        st.checkbox(
            "You may contact me about this report. My name and e-mail are used only for that "
            "and deleted with the report." + _error_note(errors, "contact"), key=WIDGETS["consent"],
        )  # fmt: skip
        st.text_input("Your name (optional, only with the box ticked)", key=WIDGETS["name"],
                      autocomplete="name")  # fmt: skip
        st.text_input("Your e-mail (only with the box ticked)" + _error_note(errors, "contact"),
                      key=WIDGETS["email"], autocomplete="email")  # fmt: skip
        _field_errors(errors, "contact")
        st.text_input("Leave this field empty", key=HONEYPOT, autocomplete="off")
        st.form_submit_button("Send report", type="primary", on_click=_send,
                              args=(postcodes, areas))  # fmt: skip


__all__ = ["DONE", "ERRORS", "HONEYPOT", "WIDGETS", "render", "throttle"]
