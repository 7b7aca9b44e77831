"""OS Open UPRN: where each UPRN is, read as published, kept as spatially partitioned Parquet.

OS publishes ``osopenuprn_YYYYMM.csv`` (zipped; UTF-8 with a byte-order mark) and a GeoPackage,
both with ``UPRN, X_COORDINATE, Y_COORDINATE, LATITUDE, LONGITUDE``: about 41 million rows for
Great Britain, X/Y in British National Grid metres (EPSG:27700). Only UPRN, X and Y are read.

Two ways in
    * :func:`read_uprn_batches` streams any published form (CSV, zipped CSV, GeoPackage) or a
      prepared dataset, a million rows at a time, checking every row: the single-machine path.
    * :func:`prepare_uprn` reads a release once and writes a :class:`UprnDataset`: Parquet
      files cut along a Hilbert curve (``GeoSeries.hilbert_distance``), so each file covers a
      compact patch of the country, UPRNs sorted within each file. Each file's box comes from
      its Parquet column statistics (:func:`partition_regions`); :func:`read_partition` reads one
      file, skipping row groups whose UPRN range holds none of the UPRNs wanted. Dask reads the
      files lazily, one partition each (:mod:`geo.analysis.bduk`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import shapely

from geo.config import GB_GRID_MAX, WORKING_CRS
from geo.errors import DataError, Problem
from geo.sources.tabular import header_key
from geo.storage.atomic import holds_lock, writer_lock

COLUMNS: dict[str, str] = {"uprn": "UPRN", "x": "X_COORDINATE", "y": "Y_COORDINATE"}
"""Canonical name → OS Open UPRN header (matched ignoring case and punctuation)."""
BATCH_ROWS = 1_000_000
"""Rows per batch when streaming a release."""
PARTITION_ROWS = 500_000
"""Rows per Parquet file written by :func:`prepare_uprn`."""
ROW_GROUP_ROWS = 32_768
"""Rows per Parquet row group: UPRNs are sorted within a file, so each row group's UPRN
statistics bound a narrow range and :func:`read_partition` skips groups holding none wanted."""
MANIFEST = "manifest.json"
HILBERT_LEVEL = 16
"""Hilbert curve order: cells of about 11 × 20 m over Great Britain's grid."""
MAX_LISTED = 100
"""Problems listed per reason; the rest are counted."""
_RELEASE = re.compile(r"osopenuprn_(\d{4})(\d{2})", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)\s*$")
_META = pd.DataFrame(
    {"uprn": pd.Series(dtype=np.int64), "x": pd.Series(dtype=float), "y": pd.Series(dtype=float)}
)


@dataclass(frozen=True)
class UprnDataset:
    """A prepared OS Open UPRN release (see :func:`prepare_uprn`).

    Attributes
    ----------
    path
        The dataset's folder.
    files
        Its Parquet files, one partition each, in Hilbert order.
    source, release
        The file it was prepared from and its month (``"2025-07"``), when known.
    rows
        UPRNs in the dataset.
    """

    path: Path
    files: tuple[Path, ...]
    source: str
    release: str | None
    rows: int


def release_of(name: str) -> str | None:
    """The month of a release from its file name: ``osopenuprn_202507.csv`` → ``"2025-07"``."""
    m = _RELEASE.search(name)
    return f"{m.group(1)}-{m.group(2)}" if m else None


def is_uprn_header(first_line: str) -> bool:
    """True for an OS Open UPRN header (``UPRN``, ``X_COORDINATE``, ``Y_COORDINATE`` …)."""
    keys = {header_key(h) for h in next(csv.reader([first_line.lstrip("\ufeff")]), [])}
    return {header_key(h) for h in COLUMNS.values()} <= keys


def _zip_member(path: Path) -> str | None:
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.lower().endswith(".csv"):
                with zf.open(name) as fh:
                    if is_uprn_header(fh.readline().decode("utf-8-sig", "replace")):
                        return name
    return None


def _uprn_layer(path: Path) -> str | None:
    """The GeoPackage layer carrying OS Open UPRN's columns (each layer asked by name)."""
    import pyogrio

    wanted = {header_key(h) for h in COLUMNS.values()}
    for layer, _geometry_type in pyogrio.list_layers(path):
        fields = pyogrio.read_info(path, layer=str(layer))["fields"]
        if wanted <= {header_key(str(f)) for f in fields}:
            return str(layer)
    return None


def is_uprn_file(path: str | Path) -> bool:
    """True for an OS Open UPRN CSV, a zip holding one, or a prepared dataset folder."""
    path = Path(path)
    try:
        if path.is_dir():
            return (path / MANIFEST).exists()
        if path.suffix.lower() == ".gpkg":
            return _uprn_layer(path) is not None
        if zipfile.is_zipfile(path):
            return _zip_member(path) is not None
        if path.suffix.lower() in (".csv", ".txt"):
            with path.open("rb") as fh:
                return is_uprn_header(fh.readline().decode("utf-8-sig", "replace"))
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError):
        return False
    return False


# --- Reading ------------------------------------------------------------------------------------


class _Checker:
    """Row checks shared by every form: blank or bad UPRN, coordinates off the grid."""

    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []
        self.counts: dict[tuple[str, str], int] = {}

    def add(self, rows: np.ndarray, reason: str, column: str, values: np.ndarray) -> None:
        if len(rows) == 0:
            return
        seen = self.counts.get((reason, column), 0)
        room = max(0, MAX_LISTED - seen)
        for row, value in zip(rows[:room].tolist(), values[:room].tolist(), strict=True):
            self.problems.append(
                Problem(self.filename, reason, row=row, column=column, value=value)
            )
        self.counts[(reason, column)] = seen + len(rows)

    def check(self, frame: pd.DataFrame, first_row: int, names: dict[str, str]) -> pd.DataFrame:
        rows = np.arange(first_row, first_row + len(frame))
        u = frame["uprn"]
        blank_u = u.isna().to_numpy()
        self.add(rows[blank_u], "UPRN is blank", names["uprn"], np.full(blank_u.sum(), ""))
        bad = (u <= 0).fillna(False).to_numpy()
        self.add(
            rows[bad], "is not a UPRN (a positive whole number)", names["uprn"], u[bad].to_numpy()
        )
        for col, top in (("x", GB_GRID_MAX[0]), ("y", GB_GRID_MAX[1])):
            values = frame[col]
            blank = values.isna().to_numpy()
            self.add(rows[blank], "coordinate is blank", names[col], np.full(blank.sum(), ""))
            off = ((values < 0) | (values > top)).fillna(False).to_numpy()
            reason = f"must be a grid reference between 0 and {top:,.0f} metres"
            self.add(rows[off], reason, names[col], values[off].to_numpy())
        return frame

    def finish(self) -> None:
        if not self.problems:
            return
        for (reason, column), n in self.counts.items():
            if n > MAX_LISTED:
                more = f"… and {n - MAX_LISTED:,} more rows: {reason}"
                self.problems.append(Problem(self.filename, more, column=column))
        self.problems.sort(key=lambda p: (p.row is None, p.row or 0, p.column or ""))
        raise DataError(self.problems)


def _headers(available: list[str], filename: str) -> dict[str, str]:
    """Canonical → header as the file writes it; a DataError names any that is missing."""
    by_key = {header_key(h): h for h in available}
    found = {c: by_key.get(header_key(h)) for c, h in COLUMNS.items()}
    missing = [COLUMNS[c] for c, h in found.items() if h is None]
    if missing:
        raise DataError(
            [Problem(filename, f"required column '{m}' is missing", row=1) for m in missing]
        )
    return {c: str(h) for c, h in found.items()}


def _to_frame(batch: pa.RecordBatch | pa.Table, names: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: batch.column(names[c]).to_pandas() for c in ("uprn", "x", "y")}).astype(
        {"x": float, "y": float}
    )


def _csv_batches(
    open_stream, filename: str, batch_rows: int, checker: _Checker
) -> Iterator[pd.DataFrame]:
    with open_stream() as fh:
        first = fh.readline().decode("utf-8-sig", "replace")
    headers = next(csv.reader([first.lstrip("\ufeff")]), [])
    names = _headers(headers, filename)
    types = {names["uprn"]: pa.int64(), names["x"]: pa.float64(), names["y"]: pa.float64()}
    convert = pacsv.ConvertOptions(include_columns=list(names.values()), column_types=types)
    read = pacsv.ReadOptions(block_size=32 << 20)
    row = 2
    try:
        with open_stream() as fh, pacsv.open_csv(fh, read, convert_options=convert) as reader:
            for batch in reader:
                frame = checker.check(_to_frame(batch, names), row, names)
                row += len(frame)
                for start in range(0, len(frame), batch_rows):
                    yield frame.iloc[start : start + batch_rows]
    except pa.ArrowInvalid as exc:
        if "conversion error" not in str(exc):
            raise DataError.single(filename, f"is not a readable CSV file ({exc})") from exc
        _locate_text_problems(open_stream, names, filename)  # raises, naming the cells
        raise DataError.single(filename, f"could not be read ({exc})") from exc


def _locate_text_problems(open_stream, names: dict[str, str], filename: str) -> None:
    """Read the file again as text to name every bad cell (slow; only when a cell is no number)."""
    checker = _Checker(filename)
    convert = pacsv.ConvertOptions(
        include_columns=list(names.values()),
        column_types={h: pa.string() for h in names.values()},
    )
    row = 2
    with open_stream() as fh, pacsv.open_csv(fh, convert_options=convert) as reader:
        for batch in reader:
            rows = np.arange(row, row + batch.num_rows)
            numbers = {}
            for c, header in names.items():
                text = batch.column(header).to_pandas().str.strip()
                numbers[c] = pd.to_numeric(text.where(text != ""), errors="coerce")
                bad = (numbers[c].isna() & (text != "")).to_numpy()
                what = "UPRN" if c == "uprn" else "coordinate"
                checker.add(rows[bad], f"{what} is not a number", header, text[bad].to_numpy())
                numbers[c][bad] = 1  # reported already: let the other checks pass it
            checker.check(pd.DataFrame(numbers), row, names)
            row += batch.num_rows
    checker.finish()


def _gpkg_batches(path: Path, batch_rows: int, checker: _Checker) -> Iterator[pd.DataFrame]:
    import pyogrio
    from pyogrio.raw import open_arrow

    layer = _uprn_layer(path)
    fields = [str(f) for f in pyogrio.read_info(path, layer=layer)["fields"]]
    names = _headers(fields, path.name)
    row = 1  # features are numbered from 1
    with open_arrow(
        path,
        layer=layer,
        columns=list(names.values()),
        read_geometry=False,
        batch_size=batch_rows,
        use_pyarrow=True,
    ) as (_meta, reader):
        for batch in reader:
            frame = _to_frame(batch, names)
            frame["uprn"] = pd.to_numeric(frame["uprn"]).astype("Int64")
            frame = checker.check(frame, row, names)
            row += len(frame)
            yield frame.astype({"uprn": np.int64})


def _parquet_batches(files: tuple[Path, ...], batch_rows: int) -> Iterator[pd.DataFrame]:
    for f in files:
        for batch in pq.ParquetFile(f).iter_batches(
            batch_size=batch_rows, columns=list(COLUMNS.values())
        ):
            yield _to_frame(batch, COLUMNS)


def read_uprn_batches(path: str | Path, *, batch_rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """Stream OS Open UPRN as frames of ``uprn`` (int64), ``x``, ``y`` (EPSG:27700 metres).

    Parameters
    ----------
    path
        ``osopenuprn_YYYYMM.csv``, the zip holding it, the GeoPackage, or a dataset folder
        written by :func:`prepare_uprn`.

    Raises
    ------
    DataError
        After the last batch, every problem found (blank or non-numeric UPRN, coordinates off
        the grid), by row (CSV rows as a spreadsheet numbers them; features from 1); or at once
        when a column is missing. A consumer must not keep anything until the stream ends.
    """
    path = Path(path)
    if not path.exists():
        raise DataError.single(path.name, f"file not found at {path}")
    if path.is_dir():
        yield from _parquet_batches(open_dataset(path).files, batch_rows)
        return
    checker = _Checker(path.name)
    if path.suffix.lower() == ".gpkg":
        yield from _gpkg_batches(path, batch_rows, checker)
    elif zipfile.is_zipfile(path):
        member = _zip_member(path)
        if member is None:
            raise DataError.single(path.name, "holds no OS Open UPRN CSV")
        checker.filename = f"{path.name}/{member}"

        def open_member():
            zf = zipfile.ZipFile(path)
            return _Closing(zf, zf.open(member))

        yield from _csv_batches(open_member, checker.filename, batch_rows, checker)
    else:
        yield from _csv_batches(lambda: path.open("rb"), path.name, batch_rows, checker)
    checker.finish()


class _Closing(io.RawIOBase):
    """A zip member that closes its archive too."""

    def __init__(self, zf: zipfile.ZipFile, member):
        self._zf, self._member = zf, member

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self._member.read(len(b))
        b[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        return self._member.readline(size)

    def close(self) -> None:
        self._member.close()
        self._zf.close()
        super().close()


def lookup_uprn(path: str | Path, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of ``wanted`` UPRNs (sorted, unique int64), NaN where the release lacks one.

    Streams the whole release once, single machine (see :func:`read_uprn_batches`).
    """
    x = np.full(len(wanted), np.nan)
    y = np.full(len(wanted), np.nan)
    if len(wanted) == 0:
        for _ in read_uprn_batches(path):  # still check the file
            pass
        return x, y
    for frame in read_uprn_batches(path):
        u = frame["uprn"].to_numpy()
        pos = np.minimum(np.searchsorted(wanted, u), len(wanted) - 1)
        hit = wanted[pos] == u
        x[pos[hit]] = frame["x"].to_numpy()[hit]
        y[pos[hit]] = frame["y"].to_numpy()[hit]
    return x, y


# --- Prepared datasets --------------------------------------------------------------------------


def prepare_uprn(
    source: str | Path,
    out_dir: str | Path,
    *,
    partition_rows: int = PARTITION_ROWS,
    lock: str | Path | None = None,
    lock_timeout: float = 120.0,
    installed: Callable[[UprnDataset], None] | None = None,
) -> UprnDataset:
    """Check a release and write it as spatially partitioned Parquet in ``out_dir``.

    Every row is read and checked first; the files are written to a temporary folder beside
    ``out_dir`` and swapped in, so a bad release leaves any earlier dataset there untouched.
    The swap (and ``installed``, called with the new dataset) runs under
    :func:`geo.storage.atomic.writer_lock` on ``lock``: the catalogue for a dataset kept beside
    it (:func:`geo.storage.premises.import_uprn`), else ``out_dir`` itself; two writers of one
    folder take turns. ``lock_timeout`` (s) as for the catalogue's imports.

    Returns
    -------
    UprnDataset
        Files of about ``partition_rows`` UPRNs each, in Hilbert order of their X/Y, columns
        ``UPRN``, ``X_COORDINATE``, ``Y_COORDINATE`` (UPRNs sorted within each file).

    Raises
    ------
    DataError
        The problems of :func:`read_uprn_batches`, or a UPRN listed twice.
    """
    source, out_dir = Path(source), Path(out_dir)
    name = source.name
    uprns, xs, ys, hs = [], [], [], []
    bounds = (0.0, 0.0, *GB_GRID_MAX)
    for frame in read_uprn_batches(source):
        x, y = frame["x"].to_numpy(), frame["y"].to_numpy()
        uprns.append(frame["uprn"].to_numpy())
        xs.append(x)
        ys.append(y)
        points = gpd.GeoSeries(gpd.points_from_xy(x, y))
        hs.append(points.hilbert_distance(total_bounds=bounds, level=HILBERT_LEVEL).to_numpy())
    uprn = np.concatenate(uprns) if uprns else np.empty(0, np.int64)
    x, y = (np.concatenate(a) if a else np.empty(0) for a in (xs, ys))
    del uprns, xs, ys
    if len(uprn) == 0:
        raise DataError.single(name, "has a header row but no records", row=1)
    _check_unique(uprn, name, first_row=1 if source.suffix.lower() == ".gpkg" else 2)
    order = np.argsort(np.concatenate(hs), kind="stable")
    del hs
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        files = []
        for k, start in enumerate(range(0, len(order), partition_rows)):
            idx = order[start : start + partition_rows]
            idx = idx[np.argsort(uprn[idx], kind="stable")]
            table = pa.table(
                {COLUMNS["uprn"]: uprn[idx], COLUMNS["x"]: x[idx], COLUMNS["y"]: y[idx]}
            )
            file = tmp / f"part.{k:05d}.parquet"
            pq.write_table(table, file, row_group_size=ROW_GROUP_ROWS)
            files.append(file.name)
        manifest = {
            "source": name,
            "release": release_of(name),
            "rows": len(uprn),
            "files": files,
            "crs": WORKING_CRS,
            "columns": list(COLUMNS.values()),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1))
        guard = Path(lock) if lock is not None else out_dir
        with writer_lock(guard, timeout=lock_timeout):
            _swap_dir(tmp, out_dir, lock=guard)
            dataset = open_dataset(out_dir)
            if installed is not None:
                installed(dataset)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dataset


def _check_unique(uprn: np.ndarray, name: str, *, first_row: int) -> None:
    sorted_u = np.sort(uprn)
    if not (sorted_u[1:] == sorted_u[:-1]).any():
        return
    order = np.argsort(uprn, kind="stable")
    su = uprn[order]
    repeat = np.flatnonzero(su[1:] == su[:-1]) + 1
    problems = [
        Problem(name, "UPRN is listed twice", row=int(order[i]) + first_row,
                column=COLUMNS["uprn"], value=int(su[i]))
        for i in repeat[:MAX_LISTED]
    ]  # fmt: skip
    if len(repeat) > MAX_LISTED:
        more = f"… and {len(repeat) - MAX_LISTED:,} more repeated UPRNs"
        problems.append(Problem(name, more, column=COLUMNS["uprn"]))
    raise DataError(problems)


def _swap_dir(new: Path, target: Path, *, lock: Path) -> None:
    """Put folder ``new`` at ``target``, replacing what was there (renames only).

    Refuses to run unless the calling thread holds ``writer_lock(lock)``: two unlocked swaps of
    one folder would rename each other's folder away (or fail half-way, the dataset gone).
    """
    if not holds_lock(lock):
        raise RuntimeError(f"_swap_dir({target}) called without writer_lock({lock})")
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{new.name}")
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def open_dataset(path: str | Path) -> UprnDataset:
    """Open a folder written by :func:`prepare_uprn`."""
    path = Path(path)
    manifest_path = path / MANIFEST
    if not manifest_path.exists():
        raise DataError.single(path.name, f"is not a prepared OS Open UPRN dataset (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text())
    files = tuple(path / f for f in manifest["files"])
    missing = [f.name for f in files if not f.exists()]
    if missing:
        raise DataError.single(path.name, f"is incomplete: {', '.join(missing[:5])} missing")
    return UprnDataset(
        path=path,
        files=files,
        source=str(manifest.get("source", path.name)),
        release=manifest.get("release"),
        rows=int(manifest.get("rows", 0)),
    )


def partition_regions(dataset: UprnDataset) -> gpd.GeoSeries:
    """The box holding each file's points (EPSG:27700), from the Parquet column statistics."""
    boxes = []
    for f in dataset.files:
        meta = pq.ParquetFile(f).metadata
        names = [meta.schema.column(i).name for i in range(meta.num_columns)]
        ix, iy = names.index(COLUMNS["x"]), names.index(COLUMNS["y"])
        lo, hi = [np.inf, np.inf], [-np.inf, -np.inf]
        for g in range(meta.num_row_groups):
            for k, i in enumerate((ix, iy)):
                stats = meta.row_group(g).column(i).statistics
                lo[k], hi[k] = min(lo[k], stats.min), max(hi[k], stats.max)
        boxes.append(shapely.box(lo[0], lo[1], hi[0], hi[1]))
    return gpd.GeoSeries(boxes, crs=WORKING_CRS)


def _uprn_ranges(meta: pq.FileMetaData) -> np.ndarray:
    """(min, max) UPRN of each row group (int64, as the UPRNs: a float copy of 30 million
    wanted UPRNs per search would cost more than the search), the whole range where the
    statistics are missing."""
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    iu = names.index(COLUMNS["uprn"])
    widest = np.iinfo(np.int64)
    out = np.empty((meta.num_row_groups, 2), dtype=np.int64)
    for g in range(meta.num_row_groups):
        stats = meta.row_group(g).column(iu).statistics
        has = stats is not None and stats.has_min_max
        out[g] = (stats.min, stats.max) if has else (widest.min, widest.max)
    return out


def read_partition(file: str | Path, *, wanted: np.ndarray | None = None) -> pd.DataFrame:
    """One prepared file as ``uprn``, ``x``, ``y``; with ``wanted`` (sorted UPRNs), only the
    row groups whose UPRN range holds one of them are read (the rest cannot match)."""
    parquet = pq.ParquetFile(file)
    groups = list(range(parquet.metadata.num_row_groups))
    if wanted is not None:
        ranges = _uprn_ranges(parquet.metadata)
        lo = np.searchsorted(wanted, ranges[:, 0], side="left")
        hi = np.searchsorted(wanted, ranges[:, 1], side="right")
        groups = np.flatnonzero(hi > lo).tolist()
        if not groups:
            return _META.copy()
    table = parquet.read_row_groups(groups, columns=list(COLUMNS.values()))
    return _to_frame(table, COLUMNS)


__all__ = [
    "BATCH_ROWS",
    "COLUMNS",
    "PARTITION_ROWS",
    "UprnDataset",
    "is_uprn_file",
    "is_uprn_header",
    "lookup_uprn",
    "open_dataset",
    "partition_regions",
    "prepare_uprn",
    "read_partition",
    "read_uprn_batches",
    "release_of",
]
