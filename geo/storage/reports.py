"""Residents' reports in the store: each submission and moderation one atomic, audited version.

The table is the store dataset ``reports`` (:data:`geo.analysis.resident_reports.DATASET`),
changed only through :func:`geo.storage.store.modify`: under the store's writer lock the current
version is read, changed by a pure function of :mod:`geo.analysis.resident_reports`, and written
as the next version with its audit rows, in one copy → change → fsync → rename. A crash (even
``kill -9``) at any moment leaves the previous version, so nothing already accepted is lost; two
residents submitting at once take turns and both reports are kept. Every write also deletes the
reports past their retention period; deleted reports are erased from every kept version, and
only the newest :data:`~geo.config.REPORT_VERSIONS_KEPT` versions are kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, datetime

import pandas as pd

from geo.analysis import resident_reports as rr
from geo.config import REPORT_RETENTION_DAYS, REPORT_VERSIONS_KEPT
from geo.storage import store


def load_reports(store_path: str | os.PathLike[str]) -> pd.DataFrame:
    """Every report in the store (all statuses), :data:`~geo.analysis.resident_reports.COLUMNS`."""
    frame = store.load(store_path, rr.DATASET)
    return rr.as_reports(frame if isinstance(frame, pd.DataFrame) else None)


def submit_report(
    store_path: str | os.PathLike[str],
    report: rr.ValidReport,
    *,
    payload: bytes,
    now: datetime | None = None,
    retention_days: int = REPORT_RETENTION_DAYS,
) -> str:
    """Store ``report`` as pending; returns its reference (``R-…``)."""
    report_id = rr.new_report_id()
    when = now or datetime.now(UTC)
    store.modify(
        store_path, rr.DATASET,
        lambda current: rr.add_report(current, report, report_id=report_id, now=when,
                                      retention_days=retention_days),
        key=rr.KEY, user="resident (report form)", file_name=rr.FORM, payload=payload,
        keep_versions=REPORT_VERSIONS_KEPT,
    )  # fmt: skip
    return report_id


def moderate_reports(
    store_path: str | os.PathLike[str],
    ids: Iterable[str],
    *,
    action: str,
    reason: str,
    user: str,
    into: str | None = None,
    now: datetime | None = None,
    retention_days: int = REPORT_RETENTION_DAYS,
) -> int:
    """Accept, reject, merge or delete reports (:func:`geo.analysis.resident_reports.moderate`).

    Returns the new version. Raises
    :class:`~geo.analysis.resident_reports.ModerationError` and stores nothing when the
    moderation cannot be made.
    """
    chosen = tuple(ids)
    when = now or datetime.now(UTC)
    version = store.modify(
        store_path, rr.DATASET,
        lambda current: rr.moderate(current, chosen, action=action, reason=reason, now=when,
                                    user=user, into=into, retention_days=retention_days),
        key=rr.KEY, user=user, file_name="moderation", keep_versions=REPORT_VERSIONS_KEPT,
    )  # fmt: skip
    assert version is not None  # moderate() always returns an audit entry
    return version


def apply_retention(
    store_path: str | os.PathLike[str],
    *,
    now: datetime | None = None,
    days: int = REPORT_RETENTION_DAYS,
) -> tuple[str, ...]:
    """Delete the reports made more than ``days`` ago; their ids (nothing written if none)."""
    when = now or datetime.now(UTC)
    gone: list[str] = []

    def change(current: pd.DataFrame | None) -> store.Change:
        frame = rr.as_reports(current)
        kept, expired = rr.retention(frame, now=when, days=days)
        gone.extend(expired)
        entries = (
            (store.AuditEntry("retention", expired, f"made more than {days} days ago"),)
            if expired
            else ()
        )
        return store.Change(rr.as_reports(kept), entries, frozenset(expired))

    store.modify(store_path, rr.DATASET, change, key=rr.KEY, user=f"retention rule ({days} days)",
                 file_name="retention", keep_versions=REPORT_VERSIONS_KEPT)  # fmt: skip
    return tuple(gone)


__all__ = ["apply_retention", "load_reports", "moderate_reports", "submit_report"]
