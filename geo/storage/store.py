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
  has one row per action: ``dataset``, ``version``, ``action`` (``save`` or ``restore``),
  ``file_name``, ``sha256`` (of the uploaded bytes), ``row_count``, ``saved_at`` (UTC, ISO 8601),
  ``user`` and ``source_version`` (the version a restore copied).
- The current version of a dataset is its highest version. :func:`restore` copies an earlier version
  into a new, audited version, so history only ever grows.

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
)
"""Columns of the audit table, in order (plus GDAL's integer key ``fid``)."""

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
        columns = ", ".join(f'"{c}"' for c in AUDIT_COLUMNS)
        rows = con.execute(f"SELECT {columns} FROM {AUDIT_TABLE} ORDER BY fid").fetchall()
    frame = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    for column in ("version", "row_count", "source_version"):
        frame[column] = frame[column].astype("Int64")
    return frame


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
    log = _read_audit(Path(store_path))
    mine = log.loc[log["dataset"] == dataset].drop(columns="dataset").sort_values("version")
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


def _append_audit(gpkg: Path, row: dict[str, object]) -> None:
    """Add one audit row to ``gpkg``, creating and registering the table the first time."""
    with contextlib.closing(sqlite3.connect(gpkg)) as con, con:
        con.execute(
            f"""CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (
                fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
                dataset TEXT NOT NULL,
                version INTEGER NOT NULL,
                action TEXT NOT NULL CHECK (action IN ('save', 'restore')),
                file_name TEXT,
                sha256 TEXT,
                row_count INTEGER NOT NULL,
                saved_at TEXT NOT NULL,
                "user" TEXT NOT NULL,
                source_version INTEGER
            )"""
        )
        con.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
            "VALUES (?, 'attributes', ?, ?)",
            (AUDIT_TABLE, AUDIT_TABLE, "Who saved or restored which dataset version, and when"),
        )
        columns = ", ".join(f'"{c}"' for c in AUDIT_COLUMNS)
        marks = ", ".join("?" for _ in AUDIT_COLUMNS)
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


__all__ = [
    "AUDIT_COLUMNS",
    "AUDIT_TABLE",
    "StoreBusyError",
    "audit",
    "current_version",
    "datasets",
    "layer_name",
    "load",
    "restore",
    "save",
    "versions",
]
