"""The Reports page: officers moderate residents' reports and export the evidence.

The queue lists the pending reports (every value as text in a table, never as Markdown); an
officer picks reports by reference and accepts, rejects, merges them into the report they
duplicate, or deletes them, always with a reason, which the audit keeps with their name
(:func:`geo.storage.reports.moderate_reports`). Only accepted reports are counted or exported.
The evidence export is one row per accepted report in a BDUK Public Review layout, as CSV or
GeoPackage, formula-safe (:func:`geo.analysis.resident_reports.review_table`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.analysis import resident_reports as rr
from geo.analysis.resident_reports import ModerationError
from geo.config import (
    LEVELS,
    REPORT_BANDS,
    REPORT_RETENTION_DAYS,
    REPORT_TECHNOLOGIES,
)
from geo.storage import store
from geo.storage.reports import apply_retention, moderate_reports
from layers.reports import areas_of, evidence_rows
from views import access, overlay_panel, state
from views.downloads import download_table
from views.guard import deferred, guarded, show_deferred_failures
from views.text import plain

MESSAGE = "reports_message"
FAILED = "reports_failed"
PICK = "moderate_ids"
REASON = "moderate_reason"
INTO = "moderate_into"
ACTIONS = {"accept": "Accept", "reject": "Reject", "merge": "Merge as duplicates",
           "delete": "Delete"}  # fmt: skip


def _user(ctx: access.AccessContext) -> str:
    return access.audit_user(ctx, str(st.session_state.get("audit_user") or ""))


@guarded
def _moderate(action: str) -> None:
    """A moderation button's callback (runs before the page redraws)."""
    ctx = access.context()  # asked again at the moment of writing
    if not access.may("moderate", ctx):
        st.session_state[FAILED] = "Moderating reports needs the officer role."
        return
    ids = list(st.session_state.get(PICK) or [])
    into = st.session_state.get(INTO) if action == "merge" else None
    try:
        version = moderate_reports(
            state.key().store, ids, action=action, reason=str(st.session_state.get(REASON) or ""),
            user=_user(ctx), into=into,
        )  # fmt: skip
    except ModerationError as exc:
        st.session_state[FAILED] = str(exc)
        return
    done = {"accept": "Accepted", "reject": "Rejected", "merge": "Merged", "delete": "Deleted"}
    what = f"{done[action]} {', '.join(ids)}" + (f" into {into}" if into else "")
    st.session_state[MESSAGE] = f"{what} (reports version {version}; recorded in the audit)."
    st.session_state[PICK] = []
    st.session_state[REASON] = ""


@guarded
def _retention() -> None:
    ctx = access.context()
    if not access.may("moderate", ctx):
        return
    gone = apply_retention(state.key().store)
    st.session_state[MESSAGE] = (
        f"Deleted {len(gone)} report{'s' if len(gone) != 1 else ''} past retention."
        if gone else "No report is past its retention period."
    )  # fmt: skip


def _shown(reports: pd.DataFrame, names: dict[str, str], codes: pd.Series) -> pd.DataFrame:
    """The reports as the queue shows them (text cells only; contact only with consent)."""
    contact = [
        f"{n} <{e}>" if c else "" for n, e, c in
        zip(reports["contact_name"], reports["contact_email"], reports["contact_consent"],
            strict=True)
    ]  # fmt: skip
    return pd.DataFrame({
        "Reference": reports["report_id"],
        "Status": reports["status"],
        "Received (UTC)": reports["submitted_at"].str.slice(0, 16).str.replace("T", " "),
        "Postcode": reports["postcode"],
        "Area": [names.get(str(c), "") if pd.notna(c) else "outside" for c in codes],
        "Says they can get": reports["band"].map(lambda b: REPORT_BANDS[b].label
                                                 if b in REPORT_BANDS else b),
        "Technology": reports["technology"].map(lambda t: REPORT_TECHNOLOGIES.get(t, t)),
        "Provider": reports["provider"],
        "UPRN": reports["uprn"],
        "Comment": reports["comment"],
        "Contact (consented)": contact,
        "Merged into": reports["merged_into"],
        "Reason": reports["reason"],
        "By": reports["moderated_by"],
    })  # fmt: skip


def render() -> None:
    """The Reports page."""
    opened = state.open_page("Residents' reports: moderation and evidence")
    if opened is None:
        return
    cat, k, level = opened
    ctx = access.context()
    show_deferred_failures()
    if message := st.session_state.pop(MESSAGE, None):
        st.success(plain(message))
    if failed := st.session_state.pop(FAILED, None):
        st.error(plain(failed), icon="⚠️")
    st.markdown(
        "Reports come from the form on the public page. Nothing counts until you accept it; "
        "rejected and merged reports count nowhere. Every action needs a reason, which the "
        "audit keeps with your name. Reports are personal data: keep contact details inside "
        f"the council. Each report is deleted {REPORT_RETENTION_DAYS} days after it was made."
    )
    if ctx.identity.named:
        st.caption(plain(f"Changes you make are recorded as {_user(ctx)}."))
    else:
        st.text_input("Your name, for the audit log", value="officer", key="audit_user")
    release = cat.releases[-1]
    figs = state.figures(k, level, release)
    names = dict(zip(figs["area_code"], figs["area_name"], strict=True))
    reports = state.reports(k)
    codes = areas_of(reports, figs[["area_code", "geometry"]])
    pending = reports["status"] == "pending"

    st.header(f"Waiting for moderation ({int(pending.sum())})")
    if pending.any():
        st.dataframe(_shown(reports[pending], names, codes[pending]), hide_index=True,
                     width="stretch", key="reports_queue")  # fmt: skip
    else:
        st.markdown("No report is waiting.")
    with st.expander(f"Every report ({len(reports)})"):
        st.dataframe(_shown(reports, names, codes), hide_index=True, width="stretch",
                     key="reports_all")  # fmt: skip
    _moderation(reports, may=access.may("moderate", ctx))
    _counts(level=level, release=release, names=names)
    postcode = state.postcode_figures_of(k, release)
    _export(reports, figs=figs, release=release, names=names, postcode=postcode)
    _audit(k)


def _moderation(reports: pd.DataFrame, *, may: bool) -> None:
    st.header("Moderate")
    if not may:
        st.markdown("Moderating reports needs the officer role.")
        return
    live = reports[reports["status"] != "merged"]
    order = {"pending": 0, "accepted": 1, "rejected": 2}
    ids = list(live.sort_values("status", key=lambda s: s.map(order), kind="stable")["report_id"])
    labels = dict(zip(reports["report_id"], reports["status"] + " · " + reports["postcode"],
                      strict=True))  # fmt: skip
    # Another officer may have merged or deleted a report chosen here since the last run.
    st.session_state[PICK] = [i for i in st.session_state.get(PICK) or [] if i in ids]
    if st.session_state.get(INTO) not in ids:
        st.session_state[INTO] = None
    st.multiselect(
        "Reports (by reference)", ids, key=PICK,
        format_func=lambda i: f"{i} ({labels[i]})", placeholder="Choose reports",
    )  # fmt: skip
    st.text_input("Reason (kept in the audit)", key=REASON, max_chars=300)
    cols = st.columns(3)
    for col, action in zip(cols, ("accept", "reject", "delete"), strict=True):
        col.button(ACTIONS[action], key=f"moderate_{action}", on_click=_moderate, args=(action,),
                   type="primary" if action == "accept" else "secondary")  # fmt: skip
    st.selectbox(
        "Duplicates of: the report kept when merging", ids, index=None, key=INTO,
        format_func=lambda i: f"{i} ({labels[i]})", placeholder="Choose the report kept",
    )  # fmt: skip
    st.button(ACTIONS["merge"], key="moderate_merge", on_click=_moderate, args=("merge",))
    st.button("Delete reports past retention now", key="moderate_retention", on_click=_retention)


def _counts(*, level: str, release: str, names: dict[str, str]) -> None:
    singular = LEVELS[level].singular
    st.header(f"Accepted reports by {singular}")
    agg = overlay_panel.aggregate(rr.DATASET, level=level, release=release)
    if agg is None or not int(agg["n_reports"].sum()):
        st.markdown("No report has been accepted yet.")
        return
    rows = agg[agg["n_reports"] > 0]
    table = pd.DataFrame({
        singular.capitalize(): [names.get(c, c) for c in rows.index],
        "Code": list(rows.index),
        "Reports accepted": rows["n_reports"].astype(int).to_numpy(),
        "Contradict Ofcom": rows["n_contradicting"].astype(int).to_numpy(),
    })  # fmt: skip
    st.dataframe(table, hide_index=True, width="stretch", key="reports_counts")
    st.caption("Exact counts, for officers. The public page shows 1 to 4 as 'fewer than 5'.")


def _export(
    reports: pd.DataFrame,
    *,
    figs: pd.DataFrame,
    release: str,
    names: dict[str, str],
    postcode: pd.DataFrame,
) -> None:
    st.header("Evidence for a Project Gigabit review")
    accepted = rr.counted(reports)
    st.markdown(
        f"{len(accepted):,} accepted report{'s' if len(accepted) != 1 else ''}, one row each: "
        "postcode, UPRN if given, the service claimed, Ofcom's figure for it (release "
        f"{plain(release)}) and the date. No contact details or comments. Cells that a "
        "spreadsheet would run as a formula start with an apostrophe."
    )
    if accepted.empty:
        return

    table = evidence_rows(accepted, figures=figs, postcode_figures=postcode, release=release,
                          names=names)  # fmt: skip
    st.subheader("By postcode")
    st.dataframe(
        rr.by_postcode(table).rename(columns={
            "postcode": "Postcode", "area_name": "Area", "reports": "Reports accepted",
            "contradicting": "Contradict Ofcom", "ofcom_figure": "Ofcom's figure",
        }), hide_index=True, width="stretch", key="reports_by_postcode",
    )  # fmt: skip
    c1, c2 = st.columns(2)
    download_table("Download CSV", table, f"resident_reports_{release}.csv", key="reports_csv",
                   where=c1)  # fmt: skip
    c2.download_button(
        "Download GeoPackage",
        data=deferred(lambda: rr.review_gpkg(table, accepted), what="The GeoPackage"),
        file_name=f"resident_reports_{release}.gpkg", mime="application/geopackage+sqlite3",
        key="reports_gpkg",
    )  # fmt: skip


def _audit(k: state.Key) -> None:
    st.header("Who did what")
    log = store.audit(k.store)
    log = log[log["dataset"] == rr.DATASET]
    shown = log[["saved_at", "user", "action", "record_ids", "reason", "version"]].iloc[::-1]
    st.dataframe(shown, hide_index=True, width="stretch", key="reports_audit")


__all__ = ["render"]
