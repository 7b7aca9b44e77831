"""The council's data store: uploaded datasets, versioned, written atomically and audited.

Every dataset the council uploads (``vouchers``, ``anchors``, ``pilots``, … any layer key) lives in
one GeoPackage, ``store.gpkg`` in the data directory (:attr:`geo.settings.Settings.store_path`).

Layout
------
- Each upload is a new layer ``<dataset>__v<N>`` (``N`` = 1, 2, …). Earlier versions are never
  deleted or changed. Spatial layers are stored in EPSG:27700; tables without geometry are stored as
  GeoPackage ``attributes`` tables. The frame's index is not stored: a named index becomes a column
  and :func:`load` returns a fresh ``RangeIndex``.
- The table ``audit`` (registered in ``gpkg_contents`` as ``attributes``, so GDAL and QGIS open it)
  has one row per action: ``dataset``, ``version``, ``action`` (:data:`AUDIT_ACTIONS`),
  ``file_name``, ``sha256`` (of the uploaded bytes), ``row_count``, ``saved_at`` (UTC, ISO 8601),
  ``user``, ``source_version`` (the version a restore copied), ``reason`` and ``record_ids`` (the
  records a change to records touched). A table written by an older version (no ``reason``) is
  read as it is and upgraded by the next write.
- The current version of a dataset is its highest version. :func:`restore` copies an earlier version
  into a new, audited version, so history only ever grows.
- Records that change one by one (residents' reports) are a plain table changed through
  :func:`modify`: read, change, write the next version, under the lock in one swap. Because they
  are personal data, a deleted record is erased from every earlier version kept, the file is
  rebuilt (``VACUUM``), and only the newest ``keep_versions`` versions are kept; the audit keeps
  every row.

Atomic, serialised writes
-------------------------
A write copies the current file to a temporary file in the same directory
(``.store.gpkg.<random>.tmp.gpkg``), adds the new layer and audit row there, fsyncs it and then
``os.replace``-s it over the store (and fsyncs the directory). A failure or a crash at any moment
before the swap leaves the previous file byte-identical; readers see the old file or the new one,
never a half-written one. Writers take an exclusive ``fcntl.flock`` on ``store.gpkg.lock`` (released
by the kernel even when a writer is killed), so two saves never interleave; the next writer deletes
any temporary file a crashed writer left behind. POSIX only (Linux, macOS).

Examples
--------
>>> version = save(path, "vouchers", gdf, file_name="vouchers.csv", file_bytes=raw,
...               user="ana")  # doctest: +SKIP
>>> current = load(path, "vouchers")  # doctest: +SKIP
>>> restore(path, "vouchers", 1, user="ana")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.errors import DataError
from geo.geometry.crs import to_working
from geo.storage.atomic import swap_in, writer_lock

AUDIT_TABLE = "audit"
AUDIT_COLUMNS: tuple[str, ...] = (
    "dataset",
    "version",
    "action",
    "file_name",
    "sha256",
    "row_count",
    "saved_at",
    "user",
    "source_version",
    "reason",
    "record_ids",
)
"""Columns of the audit table, in order (plus GDAL's integer key ``fid``)."""
AUDIT_ACTIONS: tuple[str, ...] = (
    "save",
    "restore",
    "submit",
    "accept",
    "reject",
    "merge",
    "delete",
    "retention",
)
"""What an audit row may record: an upload saved or restored, or a change to records
(:func:`modify`): a resident's report submitted, accepted, rejected, merged into another,
deleted on request, or deleted when its retention period ended."""

_DATASET_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_DEFAULT_LOCK_TIMEOUT = 60.0

_before_swap: Callable[[Path], None] | None = None
"""Tests only: called with the finished temporary file just before it replaces the store."""


class StoreBusyError(TimeoutError):
    """Another writer held the store lock for longer than the timeout."""


# --- Names ----------------------------------------------------------------------------------------


def layer_name(dataset: str, version: int) -> str:
    """The GeoPackage layer that holds ``version`` of ``dataset``: ``<dataset>__v<version>``."""
    _check_dataset(dataset)
    return f"{dataset}__v{int(version)}"


def _check_dataset(dataset: str) -> None:
    if not isinstance(dataset, str) or not _DATASET_PATTERN.fullmatch(dataset):
        raise ValueError(
            f"dataset must be lower-case letters, digits and single underscores, starting with a "
            f"letter (e.g. 'vouchers'), not {dataset!r}"
        )


# --- Reading --------------------------------------------------------------------------------------


def _read_audit(path: Path) -> pd.DataFrame:
    """The audit rows of the store at ``path`` (empty when there is no store yet)."""
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in AUDIT_COLUMNS})
    if not path.exists():
        return empty
    uri = path.resolve().as_uri() + "?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
        found = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (AUDIT_TABLE,)
        ).fetchone()
        if found is None:
            return empty
        have = {row[1] for row in con.execute(f"PRAGMA table_info({AUDIT_TABLE})")}
        columns = ", ".join(f'"{c}"' if c in have else f'NULL AS "{c}"' for c in AUDIT_COLUMNS)
        rows = con.execute(f"SELECT {columns} FROM {AUDIT_TABLE} ORDER BY fid").fetchall()
    frame = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    for column in ("version", "row_count", "source_version"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _tables(path: Path) -> set[str]:
    """Names of the tables in the GeoPackage at ``path`` (empty when there is no file)."""
    if not path.exists():
        return set()
    uri = path.resolve().as_uri() + "?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def audit(store_path: str | os.PathLike[str]) -> pd.DataFrame:
    """Every action on the store, oldest first.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AUDIT_COLUMNS`; ``saved_at`` is an ISO 8601 UTC string. Empty (with those
        columns) when nothing has been saved.
    """
    return _read_audit(Path(store_path))


def datasets(store_path: str | os.PathLike[str]) -> list[str]:
    """Names of the datasets in the store, sorted."""
    return sorted(set(_read_audit(Path(store_path))["dataset"]))


def current_version(store_path: str | os.PathLike[str], dataset: str) -> int | None:
    """The current (highest) version of ``dataset``, or ``None`` when it has never been saved."""
    _check_dataset(dataset)
    log = _read_audit(Path(store_path))
    mine = log.loc[log["dataset"] == dataset, "version"]
    return None if mine.empty else int(mine.max())


def versions(store_path: str | os.PathLike[str], dataset: str) -> pd.DataFrame:
    """The versions of ``dataset``, oldest first, one row each.

    Returns
    -------
    pandas.DataFrame
        The audit columns without ``dataset``, plus ``current`` (True for exactly one row when the
        dataset exists). Empty when the dataset has never been saved.
    """
    _check_dataset(dataset)
    path = Path(store_path)
    log = _read_audit(path)
    mine = log.loc[log["dataset"] == dataset].drop(columns="dataset")
    # A change to records may write several audit rows for one version (e.g. a submission and
    # the retention deletion made with it): the version's row is its first. Versions dropped
    # from the file (:func:`modify`'s ``keep_versions``) keep their audit rows but are not listed.
    mine = mine.drop_duplicates("version", keep="first").sort_values("version", kind="stable")
    if len(mine):
        present = _tables(path)
        kept = [layer_name(dataset, int(v)) in present for v in mine["version"]]
        mine = mine.loc[kept]
    mine = mine.reset_index(drop=True)
    latest = mine["version"].max() if len(mine) else None
    mine["current"] = (mine["version"] == latest).astype(bool)
    return mine


def load(
    store_path: str | os.PathLike[str], dataset: str, *, version: int | None = None
) -> gpd.GeoDataFrame | pd.DataFrame | None:
    """Read a version of ``dataset`` (the current one by default).

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame or None
        A GeoDataFrame in EPSG:27700 with a ``RangeIndex`` (a plain DataFrame for a table saved
        without geometry); ``None`` when the dataset has never been saved.

    Raises
    ------
    ValueError
        If ``version`` is given and the dataset has no such version.
    """
    path = Path(store_path)
    known = versions(path, dataset)
    if known.empty:
        return None
    if version is None:
        version = int(known["version"].max())
    elif version not in set(known["version"]):
        available = sorted(map(int, known["version"]))
        raise ValueError(f"{dataset} has no version {version!r}; versions are {available}")
    return pyogrio.read_dataframe(path, layer=layer_name(dataset, version))


# --- Writing --------------------------------------------------------------------------------------


def _locked(
    path: Path, *, timeout: float = _DEFAULT_LOCK_TIMEOUT
) -> contextlib.AbstractContextManager[None]:
    """Hold the store's exclusive writer lock (``<store>.lock``) and clear dead writers' copies."""
    return writer_lock(path, timeout=timeout, busy=StoreBusyError)


def _swap_in(path: Path, write: Callable[[Path], None]) -> None:
    """Copy the store to a temp file, let ``write`` change the copy, then replace the store."""
    swap_in(path, write, before_swap=_before_swap)


_AUDIT_SQL = f"""CREATE TABLE {AUDIT_TABLE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    dataset TEXT NOT NULL,
    version INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ({", ".join(f"'{a}'" for a in AUDIT_ACTIONS)})),
    file_name TEXT,
    sha256 TEXT,
    row_count INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    "user" TEXT NOT NULL,
    source_version INTEGER,
    reason TEXT,
    record_ids TEXT
)"""


def _ensure_audit(con: sqlite3.Connection) -> None:
    """Create the audit table, or bring one written by an older version up to :data:`_AUDIT_SQL`.

    An older table (only ``save`` and ``restore`` allowed, no ``reason``) is copied row for row
    into the new layout; this runs on the writer's temporary copy, so a crash leaves the old.
    """
    found = con.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (AUDIT_TABLE,)
    ).fetchone()
    if found is None:
        con.execute(_AUDIT_SQL)
    elif " ".join(str(found[0]).split()) != " ".join(_AUDIT_SQL.split()):
        have = [row[1] for row in con.execute(f"PRAGMA table_info({AUDIT_TABLE})")]
        old = f"{AUDIT_TABLE}_before_upgrade"
        con.execute(f"ALTER TABLE {AUDIT_TABLE} RENAME TO {old}")
        con.execute(_AUDIT_SQL)
        shared = ", ".join(f'"{c}"' for c in ("fid", *AUDIT_COLUMNS) if c in have)
        con.execute(f"INSERT INTO {AUDIT_TABLE} ({shared}) SELECT {shared} FROM {old}")
        con.execute(f"DROP TABLE {old}")
    con.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
        "VALUES (?, 'attributes', ?, ?)",
        (AUDIT_TABLE, AUDIT_TABLE, "Who saved or restored which dataset version, and when"),
    )


def _append_audit(gpkg: Path, *rows: dict[str, object]) -> None:
    """Add audit rows to ``gpkg``, creating (or upgrading) and registering the table."""
    with contextlib.closing(sqlite3.connect(gpkg)) as con, con:
        _ensure_audit(con)
        columns = ", ".join(f'"{c}"' for c in AUDIT_COLUMNS)
        marks = ", ".join("?" for _ in AUDIT_COLUMNS)
        for row in rows:
            con.execute(
                f"INSERT INTO {AUDIT_TABLE} ({columns}) VALUES ({marks})",
                [row.get(c) for c in AUDIT_COLUMNS],
            )


def _prepare(frame: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """The frame as stored: EPSG:27700 when spatial, index kept only when it is named."""
    if isinstance(frame, gpd.GeoDataFrame):
        frame = to_working(frame, source=source)
    elif not isinstance(frame, pd.DataFrame):
        raise TypeError(f"gdf must be a GeoDataFrame or DataFrame, not {type(frame).__name__}")
    named = any(name is not None for name in frame.index.names)
    return frame.reset_index(drop=not named)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _check_user(user: str) -> None:
    if not isinstance(user, str) or not user.strip():
        raise ValueError(f"user must name who made the change, not {user!r}")


def save(
    store_path: str | os.PathLike[str],
    dataset: str,
    gdf: gpd.GeoDataFrame | pd.DataFrame,
    *,
    file_name: str,
    file_bytes: bytes,
    user: str,
    lock_timeout: float = _DEFAULT_LOCK_TIMEOUT,
) -> int:
    """Store ``gdf`` as the new current version of ``dataset`` and audit it; atomic.

    Parameters
    ----------
    store_path
        The store GeoPackage (created with its folder when missing).
    dataset
        Layer key, e.g. ``"vouchers"``: lower-case letters, digits and single underscores.
    gdf
        Validated data. A GeoDataFrame must have a CRS and is stored in EPSG:27700; a DataFrame
        without geometry is stored as a plain table.
    file_name, file_bytes
        The uploaded file as received; the audit keeps its name and SHA-256.
    user
        Who saved it.
    lock_timeout
        Seconds to wait for another writer before raising :class:`StoreBusyError`.

    Returns
    -------
    int
        The new version number (1 for a new dataset).

    Raises
    ------
    DataError
        If ``gdf`` has no rows: an empty upload never becomes the current version.
    """
    _check_dataset(dataset)
    _check_user(user)
    if len(gdf) == 0:
        raise DataError.single(
            file_name,
            f"holds no records; nothing was saved and the current version of {dataset} is kept",
        )
    frame = _prepare(gdf, source=file_name)
    digest = hashlib.sha256(bytes(file_bytes)).hexdigest()
    path = Path(store_path)
    with _locked(path, timeout=lock_timeout):
        version = (current_version(path, dataset) or 0) + 1

        def write(tmp: Path) -> None:
            pyogrio.write_dataframe(frame, tmp, layer=layer_name(dataset, version), driver="GPKG")
            _append_audit(
                tmp,
                {
                    "dataset": dataset,
                    "version": version,
                    "action": "save",
                    "file_name": file_name,
                    "sha256": digest,
                    "row_count": len(frame),
                    "saved_at": _now(),
                    "user": user,
                },
            )

        _swap_in(path, write)
    return version


def restore(
    store_path: str | os.PathLike[str],
    dataset: str,
    version: int,
    *,
    user: str,
    lock_timeout: float = _DEFAULT_LOCK_TIMEOUT,
) -> int:
    """Make an earlier ``version`` of ``dataset`` current again, as a new audited version; atomic.

    The layer is copied to version ``current + 1`` with audit action ``restore`` and
    ``source_version = version`` (file name and SHA-256 are those of the restored upload).

    Returns
    -------
    int
        The new version number.

    Raises
    ------
    ValueError
        If the dataset has no such version, or ``version`` is already current.
    """
    _check_dataset(dataset)
    _check_user(user)
    path = Path(store_path)
    with _locked(path, timeout=lock_timeout):
        known = versions(path, dataset)
        if version not in set(known["version"]):
            available = sorted(map(int, known["version"]))
            raise ValueError(f"{dataset} has no version {version!r}; versions are {available}")
        source = known.loc[known["version"] == version].iloc[0]
        if bool(source["current"]):
            raise ValueError(f"{dataset} version {version} is already current")
        frame = pyogrio.read_dataframe(path, layer=layer_name(dataset, version))
        new_version = int(known["version"].max()) + 1

        def write(tmp: Path) -> None:
            pyogrio.write_dataframe(
                frame, tmp, layer=layer_name(dataset, new_version), driver="GPKG"
            )
            _append_audit(
                tmp,
                {
                    "dataset": dataset,
                    "version": new_version,
                    "action": "restore",
                    "file_name": source["file_name"],
                    "sha256": source["sha256"],
                    "row_count": len(frame),
                    "saved_at": _now(),
                    "user": user,
                    "source_version": int(version),
                },
            )

        _swap_in(path, write)
    return new_version


# --- Records that change one by one (residents' reports) ----------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    """One audit row a :class:`Change` asks for.

    ``record_ids`` name the records it touched (never their content); ``user`` defaults to the
    person making the change (a retention deletion names the rule instead).
    """

    action: str
    record_ids: tuple[str, ...] = ()
    reason: str = ""
    user: str | None = None

    def __post_init__(self) -> None:
        if self.action not in AUDIT_ACTIONS:
            raise ValueError(f"action must be one of {list(AUDIT_ACTIONS)}, not {self.action!r}")


@dataclass(frozen=True)
class Change:
    """What :func:`modify`'s ``change`` returns: the new table, its audit rows, what to erase.

    ``erased`` are values of the key column whose rows are deleted from every earlier version
    kept in the file too, so a deleted record survives nowhere in the store.
    """

    frame: pd.DataFrame
    entries: tuple[AuditEntry, ...]
    erased: frozenset[str] = frozenset()


def _erase_rows(con: sqlite3.Connection, table: str, key: str, values: frozenset[str]) -> None:
    ordered = sorted(values)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        con.execute(f'DELETE FROM "{table}" WHERE "{key}" IN ({marks})', chunk)


def _drop_table(con: sqlite3.Connection, table: str) -> None:
    """Remove an attributes table and its GeoPackage registrations."""
    con.execute(f'DROP TABLE IF EXISTS "{table}"')
    for meta in ("gpkg_contents", "gpkg_ogr_contents", "gpkg_geometry_columns", "gpkg_extensions"):
        found = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (meta,)
        ).fetchone()
        if found is not None:
            con.execute(f"DELETE FROM {meta} WHERE table_name = ?", (table,))


def modify(
    store_path: str | os.PathLike[str],
    dataset: str,
    change: Callable[[pd.DataFrame | None], Change],
    *,
    key: str,
    user: str,
    file_name: str,
    payload: bytes = b"",
    keep_versions: int | None = None,
    lock_timeout: float = _DEFAULT_LOCK_TIMEOUT,
) -> int | None:
    """Change a table of records as one atomic, audited step: read, change, write a version.

    Under the writer lock, the current version of ``dataset`` (a table without geometry, or
    ``None`` when there is none yet) is passed to ``change``; the table it returns becomes the
    next version (it may be empty), with one audit row per :class:`AuditEntry`. Rows whose
    ``key`` is in :attr:`Change.erased` are deleted from every earlier version too, and the file
    is rebuilt (``VACUUM``) so their bytes do not linger in free pages. With ``keep_versions``,
    versions older than the newest ``keep_versions`` are dropped. Two changes never interleave,
    and a crash at any moment leaves the previous file as it was.

    Parameters
    ----------
    change
        A pure function of the current table. It returns no entries to change nothing.
    key
        The column that names a record (e.g. ``report_id``).
    user
        Who is making the change (audit).
    file_name, payload
        What the audit names as the source (e.g. ``"report form"``) and the SHA-256 of.

    Returns
    -------
    int or None
        The new version; ``None`` when ``change`` asked for nothing (nothing was written).
    """
    _check_dataset(dataset)
    _check_user(user)
    if keep_versions is not None and keep_versions < 1:
        raise ValueError(f"keep_versions must be at least 1, not {keep_versions!r}")
    path = Path(store_path)
    with _locked(path, timeout=lock_timeout):
        current = load(path, dataset)
        if isinstance(current, gpd.GeoDataFrame):
            raise TypeError(f"{dataset} holds geometry; modify() changes plain tables only")
        result = change(current)
        if not result.entries:
            return None
        frame = result.frame
        if isinstance(frame, gpd.GeoDataFrame) or not isinstance(frame, pd.DataFrame):
            raise TypeError("change must return a plain DataFrame (records without geometry)")
        if key not in frame.columns:
            raise ValueError(f"the changed table has no key column {key!r}")
        frame = frame.reset_index(drop=True)
        version = (current_version(path, dataset) or 0) + 1
        earlier = sorted(
            (int(t.rpartition("__v")[2]), t)
            for t in _tables(path)
            if t.startswith(f"{dataset}__v") and t.rpartition("__v")[2].isdigit()
        )
        drop = (
            {t for v, t in earlier if v <= version - keep_versions}
            if keep_versions is not None
            else set()
        )
        digest = hashlib.sha256(bytes(payload)).hexdigest()
        saved_at = _now()

        def write(tmp: Path) -> None:
            pyogrio.write_dataframe(frame, tmp, layer=layer_name(dataset, version), driver="GPKG")
            with contextlib.closing(sqlite3.connect(tmp)) as con:
                with con:
                    for _v, table in earlier:
                        if table in drop:
                            _drop_table(con, table)
                        elif result.erased:
                            _erase_rows(con, table, key, result.erased)
                con.isolation_level = None
                con.execute("VACUUM")  # deleted rows leave no bytes behind in free pages
            rows: list[dict[str, object]] = [
                {
                    "dataset": dataset,
                    "version": version,
                    "action": entry.action,
                    "file_name": file_name,
                    "sha256": digest,
                    "row_count": len(frame),
                    "saved_at": saved_at,
                    "user": entry.user or user,
                    "reason": entry.reason or None,
                    "record_ids": ", ".join(entry.record_ids) or None,
                }
                for entry in result.entries
            ]
            _append_audit(tmp, *rows)

        _swap_in(path, write)
    return version


__all__ = [
    "AUDIT_ACTIONS",
    "AUDIT_COLUMNS",
    "AUDIT_TABLE",
    "AuditEntry",
    "Change",
    "StoreBusyError",
    "audit",
    "current_version",
    "datasets",
    "layer_name",
    "load",
    "modify",
    "restore",
    "save",
    "versions",
]
