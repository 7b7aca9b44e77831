"""Residents' reports of what they can really get: checked, moderated, compared with Ofcom.

A resident says, for one postcode, which speed band they can actually get (:data:`REPORT_BANDS`),
the technology and provider if known, and optionally a comment and contact details (kept only
with their explicit consent). Reports are personal data. This module is the whole policy, as
pure functions on a table of reports; :func:`geo.storage.store.modify` stores each change as an
audited version, and the views only collect what was typed.

The table
---------
One row per report, columns :data:`COLUMNS` (no geometry: ``easting``/``northing`` are the
postcode's centroid from the postcode directory, EPSG:27700). ``status`` is ``pending`` until an
officer accepts, rejects or merges it into another report (``merged_into``); **only accepted
reports are ever counted, compared or exported**. Every report, with any contact details, is
deleted :data:`~geo.config.REPORT_RETENTION_DAYS` after it was made (:func:`retention`), and an
officer may delete one at any time (a resident's request).

Compared with Ofcom
-------------------
A band says the resident cannot get a speed (below 10 Mbit/s: they cannot get 10). Ofcom's
figure is the share of premises that *can* get that speed in the loaded release: at the report's
postcode when the release has a figure for it, else in its area (:func:`compare_with_ofcom`).
The report contradicts Ofcom when that share is at least
:data:`~geo.config.REPORT_CONTRADICTION_PCT`.

Examples
--------
>>> band_for_speed("below_10").below_mbps
10
"""

from __future__ import annotations

import io
import re
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo.analysis.lookup import find_area
from geo.analysis.privacy import formula_safe_csv, neutralise_frame, suppress_small
from geo.config import (
    MEASURES,
    REPORT_BANDS,
    REPORT_CONTRADICTION_PCT,
    REPORT_MAX_BYTES,
    REPORT_MAX_COMMENT_CHARS,
    REPORT_MAX_EMAIL_CHARS,
    REPORT_MAX_NAME_CHARS,
    REPORT_MAX_PROVIDER_CHARS,
    REPORT_RETENTION_DAYS,
    REPORT_STATUSES,
    REPORT_TECHNOLOGIES,
    WORKING_CRS,
    ServiceBand,
)
from geo.errors import DataError, ProblemCollector
from geo.storage.store import AuditEntry, Change

DATASET = "reports"
"""The store dataset holding the reports."""
KEY = "report_id"
FORM = "report form"
"""What problems and the audit name as the source of a report."""
COLUMNS: dict[str, str] = {
    "report_id": "str",
    "submitted_at": "str",
    "postcode": "str",
    "easting": "float",
    "northing": "float",
    "uprn": "str",
    "band": "str",
    "technology": "str",
    "provider": "str",
    "comment": "str",
    "contact_consent": "bool",
    "contact_name": "str",
    "contact_email": "str",
    "status": "str",
    "merged_into": "str",
    "moderated_at": "str",
    "moderated_by": "str",
    "reason": "str",
}
"""The stored table's columns and types (text is ``""`` when blank, never missing)."""
FIELDS = ("postcode", "band", "technology", "provider", "uprn", "comment", "contact")
"""The form's fields, as :class:`~geo.errors.Problem` columns name them."""
REVIEW_COLUMNS = (
    "postcode",
    "uprn",
    "claimed_service",
    "technology",
    "provider",
    "ofcom_figure",
    "ofcom_pct_can_get",
    "ofcom_measure",
    "ofcom_level",
    "ofcom_release",
    "contradicts_ofcom",
    "date",
    "area_code",
    "area_name",
    "report_id",
)
"""The evidence export, one row per accepted report, in a BDUK Public Review response layout:
postcode, UPRN if given, the claimed service, the Ofcom figure it is set against and the date
the report was made (then what the figure is, where it is from, and where the report lies)."""
MODERATIONS = ("accept", "reject", "merge", "delete")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UPRN = re.compile(r"^\d{1,12}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
"""Control characters a comment may not keep (tab and line feed are kept)."""


class ModerationError(ValueError):
    """A moderation that cannot be made (unknown report, no reason, merging into itself …)."""


def band_for_speed(key: str) -> ServiceBand:
    """The :class:`~geo.config.ServiceBand` of ``key``.

    Raises
    ------
    ValueError
        Naming the allowed keys.
    """
    if key not in REPORT_BANDS:
        raise ValueError(f"band must be one of {list(REPORT_BANDS)}, not {key!r}")
    return REPORT_BANDS[key]


def empty_reports() -> pd.DataFrame:
    """A table of no reports with :data:`COLUMNS`."""
    return _typed(pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS}))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every column of :data:`COLUMNS`, in order and of its type."""
    out = pd.DataFrame(index=frame.index)
    for column, kind in COLUMNS.items():
        values = frame[column] if column in frame else pd.Series(index=frame.index, dtype=object)
        if kind == "float":
            out[column] = pd.to_numeric(values, errors="coerce").astype(float)
        elif kind == "bool":
            out[column] = values.fillna(False).astype(bool)
        else:
            out[column] = values.fillna("").astype(str).astype(object)
    return out.reset_index(drop=True)


def as_reports(frame: pd.DataFrame | None) -> pd.DataFrame:
    """The stored table (``None``: no reports yet) in :data:`COLUMNS`."""
    return empty_reports() if frame is None else _typed(frame)


# --- Checking what was typed ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportForm:
    """What the form sent, as typed (every field text, the consent a tick)."""

    postcode: str = ""
    band: str = ""
    technology: str = "unknown"
    provider: str = ""
    uprn: str = ""
    comment: str = ""
    consent: bool = False
    name: str = ""
    email: str = ""
    website: str = ""
    """The honeypot: hidden from people (and from screen readers), filled in only by bots."""


@dataclass(frozen=True)
class ValidReport:
    """A report whose every field passed :func:`validate_report`."""

    postcode: str
    easting: float
    northing: float
    area_code: str
    band: str
    technology: str
    provider: str
    uprn: str
    comment: str
    consent: bool
    name: str
    email: str


def looks_automated(form: ReportForm) -> bool:
    """True when the honeypot field holds anything: a person never sees it."""
    return bool(form.website.strip())


def payload_bytes(form: ReportForm, *, contact: bool = True) -> bytes:
    """The submission's text (UTF-8, fields in a fixed order): its size is limited, and the
    audit keeps the SHA-256 of it without the contact details (``contact=False``), so nothing
    derived from them outlives a deleted report."""
    parts = [form.postcode, form.band, form.technology, form.provider, form.uprn, form.comment]
    if contact:
        parts += ["1" if form.consent else "0", form.name, form.email]
    return "\x1f".join(parts).encode("utf-8", errors="replace")


def _postcode_reason(status: str, postcode: str | None) -> str:
    pc = postcode or ""
    return {
        "invalid": "Enter a full UK postcode, for example NR1 3QU.",
        "no_directory": "Reports cannot be taken yet: no postcode directory is loaded.",
        "unknown": f"{pc} is not in the postcode directory. Check it and try again.",
        "terminated": f"{pc} is no longer in use. Enter the postcode you use now.",
        "no_location": f"{pc} has no location in the postcode directory, so it cannot be mapped.",
        "outside": f"{pc} is outside this council's area. Report it to your own council.",
    }[status]


def _length(problems: ProblemCollector, field: str, text: str, limit: int, label: str) -> None:
    if len(text) > limit:
        problems.add(f"{label} is {len(text):,} characters long; the limit is {limit:,}.",
                     column=field)  # fmt: skip


def validate_report(
    form: ReportForm, *, postcodes: pd.DataFrame | None, areas: gpd.GeoDataFrame
) -> ValidReport:
    """Check every field of ``form``; all problems are reported together.

    Parameters
    ----------
    postcodes
        The loaded postcode directory (index: normalised postcode; ``easting``, ``northing``,
        ``terminated``), EPSG:27700.
    areas
        The county's areas (``area_code``, geometry, EPSG:27700): a postcode outside all of them
        is outside the council's area.

    Raises
    ------
    DataError
        One :class:`~geo.errors.Problem` per field that is wrong, its ``column`` one of
        :data:`FIELDS` and its reason a sentence for the resident.
    """
    problems = ProblemCollector(FORM)
    size = len(payload_bytes(form))
    if size > REPORT_MAX_BYTES:
        problems.add(
            f"This report is {size:,} bytes long; the limit is {REPORT_MAX_BYTES:,}. "
            "Shorten the comment.",
            column="comment",
        )
        problems.raise_if_any()
    found = find_area(form.postcode, postcodes=postcodes, areas=areas)
    if found.status != "found":
        problems.add(_postcode_reason(found.status, found.postcode), column="postcode")
    if form.band not in REPORT_BANDS:
        problems.add("Choose the speed you can actually get (or 'No service at all').",
                     column="band")  # fmt: skip
    technology = form.technology or "unknown"
    if technology not in REPORT_TECHNOLOGIES:
        problems.add("Choose a technology from the list, or 'I don't know'.", column="technology")
    provider = " ".join(form.provider.split())
    _length(problems, "provider", provider, REPORT_MAX_PROVIDER_CHARS, "The provider's name")
    uprn = form.uprn.strip()
    if uprn and not _UPRN.fullmatch(uprn):
        problems.add("A UPRN is a number of up to 12 digits; leave it blank if unsure.",
                     column="uprn")  # fmt: skip
    comment = _CONTROL.sub(" ", form.comment).strip()
    _length(problems, "comment", comment, REPORT_MAX_COMMENT_CHARS, "The comment")
    name, email = " ".join(form.name.split()), form.email.strip()
    if form.consent:
        _length(problems, "contact", name, REPORT_MAX_NAME_CHARS, "The name")
        if len(email) > REPORT_MAX_EMAIL_CHARS or not _EMAIL.fullmatch(email):
            problems.add("Give an e-mail address we may contact you at (name@example.org), or "
                         "untick the box.", column="contact")  # fmt: skip
    elif name or email:
        problems.add("Tick the box to let us keep your contact details, or leave them blank.",
                     column="contact")  # fmt: skip
    problems.raise_if_any()
    assert found.postcode is not None and postcodes is not None and found.area_code is not None
    row = postcodes.loc[found.postcode]
    row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
    return ValidReport(
        postcode=found.postcode, easting=float(row["easting"]), northing=float(row["northing"]),
        area_code=found.area_code, band=form.band, technology=technology, provider=provider,
        uprn=uprn, comment=comment, consent=bool(form.consent),
        name=name if form.consent else "", email=email if form.consent else "",
    )  # fmt: skip


def problems_by_field(error: DataError) -> dict[str, list[str]]:
    """The reasons of ``error`` grouped by form field (for messages beside each field)."""
    out: dict[str, list[str]] = {}
    for problem in error.problems:
        out.setdefault(problem.column or "", []).append(problem.reason)
    return out


# --- Changes to the table -------------------------------------------------------------------------


def new_report_id() -> str:
    """A report reference a resident can quote: ``R-`` and 10 random hex digits."""
    return f"R-{secrets.token_hex(5).upper()}"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def retention(
    frame: pd.DataFrame, *, now: datetime, days: int = REPORT_RETENTION_DAYS
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The reports kept, and the ids of those made more than ``days`` ago (to delete)."""
    made = pd.to_datetime(frame["submitted_at"], utc=True, errors="coerce")
    old = made < pd.Timestamp(now - timedelta(days=days))
    gone = tuple(sorted(frame.loc[old, KEY].astype(str)))
    return frame.loc[~old].reset_index(drop=True), gone


def _with_retention(
    frame: pd.DataFrame, entries: list[AuditEntry], *, now: datetime, days: int
) -> Change:
    kept, gone = retention(frame, now=now, days=days)
    if gone:
        entries.append(AuditEntry("retention", gone, f"made more than {days} days ago",
                                  user=f"retention rule ({days} days)"))  # fmt: skip
    return Change(_typed(kept), tuple(entries), frozenset(gone))


def add_report(
    current: pd.DataFrame | None,
    report: ValidReport,
    *,
    report_id: str,
    now: datetime,
    retention_days: int = REPORT_RETENTION_DAYS,
) -> Change:
    """``current`` with ``report`` added as pending (and expired reports deleted)."""
    frame = as_reports(current)
    if report_id in set(frame[KEY]):
        raise ValueError(f"report {report_id} already exists")
    row = {
        "report_id": report_id, "submitted_at": _iso(now), "postcode": report.postcode,
        "easting": report.easting, "northing": report.northing, "uprn": report.uprn,
        "band": report.band, "technology": report.technology, "provider": report.provider,
        "comment": report.comment, "contact_consent": report.consent,
        "contact_name": report.name, "contact_email": report.email, "status": "pending",
    }  # fmt: skip
    frame = _typed(pd.concat([frame, pd.DataFrame([row])], ignore_index=True))
    entries = [AuditEntry("submit", (report_id,), user="resident (report form)")]
    return _with_retention(frame, entries, now=now, days=retention_days)


def moderate(
    current: pd.DataFrame | None,
    ids: Iterable[str],
    *,
    action: str,
    reason: str,
    now: datetime,
    user: str,
    into: str | None = None,
    retention_days: int = REPORT_RETENTION_DAYS,
) -> Change:
    """Accept, reject, merge or delete the reports ``ids``, with the reason for the audit.

    Parameters
    ----------
    action
        ``accept`` or ``reject`` (a pending, accepted or rejected report: officers may change
        their minds), ``merge`` (the reports are duplicates of report ``into``, which is kept:
        they become ``merged`` and never count) or ``delete`` (removed from the table and from
        every earlier version, e.g. at the resident's request).
    reason
        Required: it is kept in the audit.

    Raises
    ------
    ModerationError
        Unknown action or report, no reason, no ``into`` for a merge, merging a report into
        itself or into a merged report, accepting or rejecting a merged report.
    """
    if action not in MODERATIONS:
        raise ModerationError(f"action must be one of {list(MODERATIONS)}, not {action!r}")
    frame = as_reports(current)
    chosen = tuple(dict.fromkeys(str(i) for i in ids))
    reason = " ".join(str(reason).split())
    if not chosen:
        raise ModerationError("Choose at least one report.")
    if not reason:
        raise ModerationError("Give a reason: it is kept in the audit with your name.")
    unknown = [i for i in chosen if i not in set(frame[KEY])]
    if unknown:
        raise ModerationError(f"No report {', '.join(unknown)} (deleted, or never made).")
    rows = frame[KEY].isin(chosen)
    if action == "delete":
        kept = frame.loc[~rows]
        entries = [AuditEntry("delete", chosen, reason)]
        change = _with_retention(kept, entries, now=now, days=retention_days)
        return Change(change.frame, change.entries, change.erased | frozenset(chosen))
    if action == "merge":
        if into is None or into not in set(frame[KEY]):
            raise ModerationError("Choose the report the duplicates are merged into.")
        if into in chosen:
            raise ModerationError(f"Report {into} cannot be merged into itself.")
        if frame.loc[frame[KEY] == into, "status"].iloc[0] == "merged":
            raise ModerationError(f"Report {into} is itself merged; merge into the report kept.")
    elif (frame.loc[rows, "status"] == "merged").any():
        merged = ", ".join(frame.loc[rows & (frame["status"] == "merged"), KEY])
        raise ModerationError(f"Report {merged} is merged into another; moderate that one.")
    status = {"accept": "accepted", "reject": "rejected", "merge": "merged"}[action]
    frame.loc[rows, "status"] = status
    frame.loc[rows, "merged_into"] = into if action == "merge" else ""
    frame.loc[rows, ["moderated_at", "moderated_by", "reason"]] = [_iso(now), user, reason]
    if action == "merge":
        # Reports merged into these duplicates follow them to the report kept.
        frame.loc[frame["merged_into"].isin(chosen), "merged_into"] = into
        reason = f"duplicates of {into}: {reason}"
    entries = [AuditEntry(action, chosen, reason)]
    return _with_retention(frame, entries, now=now, days=retention_days)


def counted(frame: pd.DataFrame | None) -> pd.DataFrame:
    """The accepted reports: the only ones ever counted, compared or exported."""
    reports = as_reports(frame)
    return reports[reports["status"] == "accepted"].reset_index(drop=True)


def located(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Reports as points at their postcode centroid (EPSG:27700), same index."""
    points = gpd.points_from_xy(frame["easting"], frame["northing"])
    return gpd.GeoDataFrame(frame.copy(), geometry=points, crs=WORKING_CRS)


# --- Against Ofcom --------------------------------------------------------------------------------


def postcode_figures(
    percentages: pd.DataFrame | None, coverage: pd.DataFrame | None, *, release: str
) -> pd.DataFrame:
    """Ofcom's own figure per postcode in ``release``: ``pct_<measure>`` indexed by postcode.

    Published percentages (``Catalog.coverage_pct``) first; a postcode-level file with premises
    counts (``Catalog.coverage``) gives count ÷ premises. Empty when the release has neither.
    """
    measures = [f"pct_{m}" for m in MEASURES]
    found = []
    for table, counts in ((percentages, False), (coverage, True)):
        if table is None or table.empty or "level" not in table:
            continue
        rows = table[(table["level"] == "postcode") & (table["release"] == release)]
        if rows.empty:
            continue
        out = pd.DataFrame(index=pd.Index(rows["area_id"].astype(str), name="postcode"))
        for m in MEASURES:
            if counts:
                premises = pd.to_numeric(rows.get("premises"), errors="coerce").replace(0, np.nan)
                n = pd.to_numeric(rows.get(f"n_{m}"), errors="coerce")
                value = 100.0 * n / premises if n is not None else np.nan
            else:
                value = pd.to_numeric(rows.get(f"pct_{m}"), errors="coerce")
            out[f"pct_{m}"] = np.asarray(value, dtype=float) if value is not None else np.nan
        found.append(out)
    if not found:
        return pd.DataFrame(columns=measures, index=pd.Index([], name="postcode"), dtype=float)
    merged = pd.concat(found)
    return merged[~merged.index.duplicated(keep="first")][measures]


def _share_can_get(figures: pd.DataFrame, measures: pd.Series) -> pd.Series:
    """Per row, the % of premises that can get what the row's measure stands for."""
    out = pd.Series(np.nan, index=measures.index, dtype=float)
    for measure in measures.dropna().unique():
        column = f"pct_{measure}"
        if column not in figures:
            continue
        rows = measures == measure
        values = pd.to_numeric(figures.loc[rows, column], errors="coerce")
        out[rows] = 100.0 - values if measure == "unable_10" else values
    return out


def compare_with_ofcom(
    reports: pd.DataFrame,
    *,
    area_codes: pd.Series,
    area_figures: pd.DataFrame,
    postcode_pct: pd.DataFrame | None,
    release: str,
    level_name: str = "division",
    threshold: float = REPORT_CONTRADICTION_PCT,
) -> pd.DataFrame:
    """Each report beside the Ofcom figure for what the resident says they cannot get.

    Parameters
    ----------
    reports
        Reports (:data:`COLUMNS`), any index.
    area_codes
        The area each report lies in (same index; missing when outside every area).
    area_figures
        Ofcom figures per area (index ``area_code``; ``pct_<measure>``; ``figure_from`` is
        ``district`` where an area shows its district's figure).
    postcode_pct
        :func:`postcode_figures` of the release, or ``None``.

    Returns
    -------
    DataFrame
        Same index: ``ofcom_measure`` (the speed it is about, e.g. ``sfbb``; empty for the top
        band), ``ofcom_pct_can_get`` (NaN when no figure), ``ofcom_level`` (``postcode``,
        ``level_name``, ``district`` or ``""``), ``ofcom_release``, ``ofcom_figure`` (a
        sentence) and ``contradicts_ofcom`` (bool).

    Examples
    --------
    >>> reports = pd.DataFrame({"postcode": ["ZZ99 1AA"], "band": ["below_10"]})
    >>> figures = pd.DataFrame({"pct_unable_10": [0.0]}, index=pd.Index(["A1"], name="area_code"))
    >>> out = compare_with_ofcom(reports, area_codes=pd.Series(["A1"]), area_figures=figures,
    ...                          postcode_pct=None, release="2026-01")
    >>> row = out.loc[0]
    >>> float(row["ofcom_pct_can_get"]), row["ofcom_level"], bool(row["contradicts_ofcom"])
    (100.0, 'division', True)
    """
    measure = reports["band"].map(lambda b: REPORT_BANDS[b].ofcom_measure if b in REPORT_BANDS
                                  else None)  # fmt: skip
    by_postcode = (
        postcode_pct.reindex(reports["postcode"].astype(str)).set_axis(reports.index)
        if postcode_pct is not None and len(postcode_pct)
        else pd.DataFrame(index=reports.index)
    )
    by_area = area_figures.reindex(area_codes.astype(object)).set_axis(reports.index)
    at_postcode = _share_can_get(by_postcode, measure)
    in_area = _share_can_get(by_area, measure)
    pct = at_postcode.where(at_postcode.notna(), in_area).round(1)
    district = (
        by_area["figure_from"].eq("district")
        if "figure_from" in by_area
        else pd.Series(False, index=reports.index)
    )
    level = pd.Series("", index=reports.index, dtype=object)
    level[in_area.notna()] = np.where(district[in_area.notna()], "district", level_name)
    level[at_postcode.notna()] = "postcode"
    contradicts = (pct >= threshold).fillna(False).astype(bool)

    def sentence(i: object) -> str:
        m = measure[i]
        if m is None or pd.isna(pct[i]):
            return "" if m is None else f"no Ofcom figure here in {release}"
        speed = REPORT_BANDS[reports.at[i, "band"]].below_mbps
        what = MEASURES[m].label if m != "unable_10" else f"at least {speed} Mbit/s"
        return f"{pct[i]:.1f}% of premises can get {what} ({level[i]}, Ofcom {release})"

    return pd.DataFrame(
        {
            "ofcom_measure": measure.fillna("").astype(object),
            "ofcom_pct_can_get": pct.astype(float),
            "ofcom_level": level,
            "ofcom_release": release,
            "ofcom_figure": [sentence(i) for i in reports.index],
            "contradicts_ofcom": contradicts,
        },
        index=reports.index,
    )


# --- Counts per area ------------------------------------------------------------------------------


def area_counts(
    reports: pd.DataFrame, compared: pd.DataFrame, area_codes: pd.Series, areas: pd.Index
) -> pd.DataFrame:
    """Accepted reports per area: ``n_reports``, ``n_contradicting``, ``n_<band>``.

    ``reports`` must be accepted reports only (:func:`counted`); ``compared`` is their
    :func:`compare_with_ofcom` and ``area_codes`` their areas (same index). One row per code of
    ``areas`` (zeros where there are none); reports outside every area are left out and counted
    in ``attrs["outside"]``.
    """
    index = pd.Index(areas.astype(str), name="area_code")
    values = pd.DataFrame({"n_reports": 1, "n_contradicting": compared["contradicts_ofcom"]
                           .astype(int)}, index=reports.index)  # fmt: skip
    for key in REPORT_BANDS:
        values[f"n_{key}"] = (reports["band"] == key).astype(int)
    inside = area_codes.notna()
    out = values[inside].groupby(area_codes[inside].astype(str)).sum()
    out = out.reindex(index, fill_value=0).astype("int64")
    out.index.name = "area_code"
    out.attrs["outside"] = int((~inside).sum())
    return out


def public_counts(counts: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Per area counts as the public sees them: 1–4 shown as "fewer than 5", sorted by name."""
    table = pd.DataFrame({
        "Area": [names.get(c, c) for c in counts.index],
        "Reports accepted": suppress_small(counts["n_reports"]).to_numpy(),
        "Contradict Ofcom": suppress_small(counts["n_contradicting"]).to_numpy(),
    })  # fmt: skip
    return table.sort_values("Area", key=lambda s: s.str.casefold()).reset_index(drop=True)


# --- Evidence export ------------------------------------------------------------------------------


def review_table(
    reports: pd.DataFrame,
    compared: pd.DataFrame,
    area_codes: pd.Series,
    *,
    names: dict[str, str],
) -> pd.DataFrame:
    """The accepted reports in :data:`REVIEW_COLUMNS` (no contact details, no comment).

    Sorted by area, postcode and date. ``date`` is the day the report was made (UTC).
    """
    made = pd.to_datetime(reports["submitted_at"], utc=True, errors="coerce")
    codes = area_codes.fillna("").astype(str)
    table = pd.DataFrame({
        "postcode": reports["postcode"].astype(str),
        "uprn": reports["uprn"].astype(str),
        "claimed_service": reports["band"].map(lambda b: REPORT_BANDS[b].label),
        "technology": reports["technology"].map(lambda t: REPORT_TECHNOLOGIES.get(t, t)),
        "provider": reports["provider"].astype(str),
        "ofcom_figure": compared["ofcom_figure"],
        "ofcom_pct_can_get": compared["ofcom_pct_can_get"],
        "ofcom_measure": compared["ofcom_measure"],
        "ofcom_level": compared["ofcom_level"],
        "ofcom_release": compared["ofcom_release"],
        "contradicts_ofcom": compared["contradicts_ofcom"].astype(bool),
        "date": made.dt.strftime("%Y-%m-%d"),
        "area_code": codes,
        "area_name": codes.map(lambda c: names.get(c, "")),
        "report_id": reports["report_id"].astype(str),
    }, index=reports.index)  # fmt: skip
    ordered = table.sort_values(["area_name", "postcode", "date", "report_id"], kind="stable")
    return ordered.reset_index(drop=True)[list(REVIEW_COLUMNS)]


def by_postcode(table: pd.DataFrame) -> pd.DataFrame:
    """Accepted reports per postcode from :func:`review_table`: how many, how many contradict
    Ofcom, and the Ofcom figure of the last of them; most contradicting first.

    Examples
    --------
    >>> t = pd.DataFrame({"postcode": ["B", "A", "A"], "area_name": ["x", "y", "y"],
    ...                   "contradicts_ofcom": [False, True, True],
    ...                   "ofcom_figure": ["f", "g", "h"]})
    >>> by_postcode(t).values.tolist()
    [['A', 'y', 2, 2, 'h'], ['B', 'x', 1, 0, 'f']]
    """
    grouped = table.groupby("postcode", sort=False).agg(
        area_name=("area_name", "first"),
        reports=("postcode", "size"),
        contradicting=("contradicts_ofcom", "sum"),
        ofcom_figure=("ofcom_figure", "last"),
    )
    out = grouped.reset_index().astype({"reports": "int64", "contradicting": "int64"})
    return out.sort_values(["contradicting", "reports", "postcode"],
                           ascending=[False, False, True]).reset_index(drop=True)  # fmt: skip


def review_csv(table: pd.DataFrame) -> str:
    """:func:`review_table` as CSV text, every cell formula-safe."""
    return formula_safe_csv(table)


def review_gpkg(table: pd.DataFrame, reports: pd.DataFrame) -> bytes:
    """:func:`review_table` as a GeoPackage (layer ``resident_reports``, EPSG:27700 points at the
    postcode centroids), text cells formula-safe like the CSV.

    ``reports`` holds the rows' ``report_id``, ``easting`` and ``northing``.
    """
    where = reports.set_index("report_id")[["easting", "northing"]].reindex(table["report_id"])
    safe = neutralise_frame(table)
    frame = gpd.GeoDataFrame(
        safe, geometry=gpd.points_from_xy(where["easting"], where["northing"]), crs=WORKING_CRS
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "resident_reports.gpkg"
        pyogrio.write_dataframe(frame, path, layer="resident_reports", driver="GPKG")
        return path.read_bytes()


def read_review_gpkg(data: bytes) -> gpd.GeoDataFrame:
    """Read back what :func:`review_gpkg` wrote (tests, and checking a file before sending)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.gpkg"
        path.write_bytes(io.BytesIO(data).getvalue())
        return pyogrio.read_dataframe(path, layer="resident_reports")


__all__ = [
    "COLUMNS",
    "DATASET",
    "FIELDS",
    "FORM",
    "KEY",
    "MODERATIONS",
    "REPORT_STATUSES",
    "REVIEW_COLUMNS",
    "ModerationError",
    "ReportForm",
    "ValidReport",
    "add_report",
    "area_counts",
    "as_reports",
    "band_for_speed",
    "by_postcode",
    "compare_with_ofcom",
    "counted",
    "empty_reports",
    "located",
    "looks_automated",
    "moderate",
    "new_report_id",
    "payload_bytes",
    "postcode_figures",
    "problems_by_field",
    "public_counts",
    "retention",
    "review_csv",
    "review_gpkg",
    "review_table",
    "validate_report",
]
