"""BDUK "premises in BDUK plans": UPRN-level CSVs read as published, validated, packed small.

BDUK publishes one CSV per region or district (often zipped), one row per premises, header in
``../shared/data/FORMATS.md``: ``uprn, struprn, …, postcode, lot_id, lot_name,
subsidy_control_status, current_gigabit, future_gigabit, local_authority_district_ons_code, …,
bduk_gis, …, bduk_vouchers, …``. The file has no coordinates: :mod:`geo.sources.uprn` places
each UPRN and :mod:`geo.analysis.bduk` counts premises per division.

A national release is about 30 million rows, so files are parsed with pyarrow (only the
columns used, categorical text read as dictionaries), checked column by column on the distinct
values, and packed into :class:`PremisesRows`: about 20 bytes a premises.

Headers are matched ignoring case, spaces and punctuation (:func:`header_key`); values of the
true/false columns are those of :func:`geo.sources.tabular.parse_bools`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from geo.errors import DataError, Problem
from geo.sources.postcodes import normalise_postcode_array
from geo.sources.tabular import FALSE_WORDS, TRUE_WORDS, header_key

SUBSIDY_STATUSES: tuple[str, ...] = ("white", "grey_black", "under_review")
"""Subsidy-control statuses, in the order of their codes in :attr:`PremisesRows.flags`."""
SUBSIDY_LABELS: dict[str, str] = {
    "white": "Gigabit White",
    "grey_black": "Gigabit Grey/Black",
    "under_review": "Gigabit Under Review",
}
"""How BDUK writes each status."""
SUBSIDY_SHORT_LABELS: dict[str, str] = {
    "white": "White",
    "grey_black": "Grey/Black",
    "under_review": "Under Review",
}
"""Each status as tables head it."""
SUBSIDY_SYNONYMS: dict[str, str] = {
    **{label: key for key, label in SUBSIDY_LABELS.items()},
    "White": "white",
    "Gigabit Grey": "grey_black",
    "Gigabit Black": "grey_black",
    "Grey/Black": "grey_black",
    "Grey": "grey_black",
    "Black": "grey_black",
    "Under Review": "under_review",
}
"""Values seen in ``subsidy_control_status`` → status key (matched with :func:`header_key`)."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "uprn": ("uprn",),
    "postcode": ("postcode", "pcds"),
    "subsidy_control_status": ("subsidy_control_status",),
    "current_gigabit": ("current_gigabit",),
    "future_gigabit": ("future_gigabit",),
    "district": ("local_authority_district_ons_code", "lad_code", "ladcd"),
    "bduk_gis": ("bduk_gis",),
    "bduk_vouchers": ("bduk_vouchers",),
}
"""Canonical name → the headers BDUK uses for it. Every one is required."""

STATUS_MASK = 0b11
"""``flags & STATUS_MASK`` is the index of the status in :data:`SUBSIDY_STATUSES`."""
CURRENT_GIGABIT = 1 << 2
FUTURE_GIGABIT = 1 << 3
BDUK_GIS = 1 << 4
BDUK_VOUCHERS = 1 << 5
FLAG_BITS: dict[str, int] = {
    "current_gigabit": CURRENT_GIGABIT,
    "future_gigabit": FUTURE_GIGABIT,
    "bduk_gis": BDUK_GIS,
    "bduk_vouchers": BDUK_VOUCHERS,
}
"""True/false column → its bit in :attr:`PremisesRows.flags`."""
N_FLAGS = 1 << 6
"""Flags take values ``0 … N_FLAGS - 1``."""

_STATUS_CODES = {header_key(k): SUBSIDY_STATUSES.index(v) for k, v in SUBSIDY_SYNONYMS.items()}
MAX_LISTED = 100
"""Problems listed per column and reason; the rest are counted in one more problem."""
_DISTRICT = re.compile(r"^[EWSN][0-9]{8}$")


@dataclass
class PremisesRows:
    """Premises from one or more BDUK files, one entry per row, in file order.

    Attributes
    ----------
    uprn
        int64 UPRNs.
    flags
        uint8: status index (``flags & STATUS_MASK``) and the bits of :data:`FLAG_BITS`.
    district
        Categorical of the rows' district GSS codes.
    postcode
        Categorical of normalised postcodes; missing where the file left it blank.
    files
        Names of the files read (zip members as ``archive.zip/member.csv``).
    starts
        Position of each file's first row; the rest of that file follows it.
    skipped
        Per file, the physical line numbers of blank lines (so rows can be named).
    """

    uprn: np.ndarray
    flags: np.ndarray
    district: pd.Categorical
    postcode: pd.Categorical
    files: tuple[str, ...]
    starts: np.ndarray
    skipped: tuple[np.ndarray, ...] = field(default=())
    order: np.ndarray | None = None
    """Positions sorted by UPRN, once computed (the duplicate check needs it; so do joins)."""

    def __len__(self) -> int:
        return len(self.uprn)

    def locate(self, positions: np.ndarray | Sequence[int]) -> list[tuple[str, int]]:
        """(file, spreadsheet row) of each position; the header is row 1."""
        pos = np.asarray(positions, dtype=np.int64)
        which = np.searchsorted(self.starts, pos, side="right") - 1
        out: list[tuple[str, int]] = []
        for p, f in zip(pos.tolist(), which.tolist(), strict=True):
            record = p - int(self.starts[f]) + 2
            skipped = self.skipped[f] if self.skipped else np.empty(0, np.int64)
            shifted = skipped - np.arange(len(skipped))
            out.append((self.files[f], record + int(np.searchsorted(shifted, record, "right"))))
        return out


def is_premises_header(first_line: str) -> bool:
    """True for a BDUK "premises in plans" header (it has ``uprn`` and the subsidy status)."""
    keys = {header_key(h) for h in next(csv.reader([first_line]), [])}
    return {"uprn", "subsidycontrolstatus"} <= keys


def is_premises_file(path: str | Path) -> bool:
    """True for a BDUK premises CSV, or a zip whose CSVs are all BDUK premises files."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            members = list(_zip_members(path))
            return bool(members) and all(is_premises_header(_first_line(d)) for _, d in members)
        with path.open("rb") as fh:
            return is_premises_header(_first_line(fh.read(65536)))
    except (OSError, zipfile.BadZipFile):
        return False


def _first_line(data: bytes) -> str:
    head = data[:65536]
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return head.decode(enc).splitlines()[0] if head.strip() else ""
        except UnicodeDecodeError:
            continue
    return ""


def _zip_members(path: Path, *, prefix: str = "", data: bytes | None = None):
    """(name, bytes) of every CSV in a zip, looking inside zips held in it."""
    with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = f"{prefix or path.name}/{info.filename}"
            lower = info.filename.lower()
            if lower.endswith(".zip"):
                yield from _zip_members(path, prefix=name, data=zf.read(info))
            elif lower.endswith(".csv"):
                yield name, zf.read(info)


Source = str | Path | tuple[str, Path | bytes]
"""A BDUK file: a path (CSV or zip), or (name for messages, path or bytes) of one CSV."""


def premises_sources(paths: Iterable[Source]) -> Iterator[tuple[str, Path | bytes]]:
    """(name, source) of each BDUK CSV in ``paths``: CSV files as paths, zip members as bytes."""
    for p in paths:
        if isinstance(p, tuple):
            yield p
            continue
        path = Path(p)
        if not path.exists():
            raise DataError.single(path.name, f"file not found at {path}")
        if zipfile.is_zipfile(path):
            members = list(_zip_members(path))
            if not members:
                raise DataError.single(path.name, "holds no CSV file")
            yield from members
        else:
            yield path.name, path


def read_premises_file(
    source: str | Path | bytes, *, filename: str, check_unique: bool = True
) -> PremisesRows:
    """Read and check one BDUK premises CSV.

    Parameters
    ----------
    source
        Path to the CSV, or its bytes. UTF-8 (with or without BOM) or cp1252.
    filename
        Name used in messages.

    Returns
    -------
    PremisesRows
        One entry per data row, in file order.

    Raises
    ------
    DataError
        Every problem, by row and column: a missing column, a ragged row, a blank or
        non-numeric UPRN, an unknown subsidy-control status, a true/false cell that is neither,
        a malformed postcode or district code, a UPRN listed twice.
    """
    if isinstance(source, bytes):
        head = source[:65536]
    else:
        if not Path(source).exists():
            raise DataError.single(filename, f"file not found at {source}")
        with Path(source).open("rb") as fh:
            head = fh.read(65536)
    if not head.strip(b"\xef\xbb\xbf \r\n\t"):
        raise DataError.single(filename, "is empty: it holds no header and no records")
    headers = next(csv.reader([_first_line(head)]), [])
    wanted = _match_headers(headers, filename)
    table, skipped = _parse(source, wanted, filename)
    if table.num_rows == 0:
        raise DataError.single(
            filename, "has a header row but no records", row=1, value=",".join(headers)
        )
    rows, problems = _check(table, wanted, filename, skipped)
    if check_unique or problems:
        problems += _duplicates(rows, valid=rows.uprn > 0)
    if problems:
        raise DataError(problems)
    return rows


def _match_headers(headers: list[str], filename: str) -> dict[str, str]:
    """Canonical column → header as written; raises when one is missing or repeated."""
    lookup = {header_key(a): canonical for canonical, acc in COLUMNS.items() for a in acc}
    found: dict[str, str] = {}
    problems: list[Problem] = []
    for h in headers:
        canonical = lookup.get(header_key(h))
        if canonical is None:
            continue
        if canonical in found:
            reason = f"column '{h}' repeats column '{found[canonical]}' (both mean '{canonical}')"
            problems.append(Problem(filename, reason, row=1, column=h))
            continue
        found[canonical] = h
    for canonical, accepted in COLUMNS.items():
        if canonical not in found:
            names = ", ".join(repr(a) for a in accepted)
            reason = f"required column '{canonical}' is missing (accepted headers: {names})"
            problems.append(Problem(filename, reason))
    if problems:
        raise DataError(problems)
    return found


def _parse(
    source: str | Path | bytes, wanted: dict[str, str], filename: str
) -> tuple[pa.Table, np.ndarray]:
    """The wanted columns as text (dictionaries where values repeat), and blank line numbers."""
    problems: list[Problem] = []
    blank: list[int] = []

    def invalid(row: pacsv.InvalidRow) -> str:
        if not row.text.strip():
            blank.append(int(row.number or 0))
        elif len(problems) < MAX_LISTED:
            reason = (
                f"has {row.actual_columns} fields where the header has {row.expected_columns}; "
                "check for an unquoted comma"
            )
            problems.append(Problem(filename, reason, row=row.number))
        else:
            problems.append(Problem(filename, "another ragged row", row=row.number))
        return "skip"

    text = pa.string()
    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {h: (text if c == "uprn" else dictionary) for c, h in wanted.items()}
    convert = pacsv.ConvertOptions(
        include_columns=list(wanted.values()), column_types=types, strings_can_be_null=False
    )
    parse = pacsv.ParseOptions(invalid_row_handler=invalid, ignore_empty_lines=False)
    table = None
    for encoding in ("utf8", "cp1252"):
        problems.clear()
        blank.clear()
        read = pacsv.ReadOptions(use_threads=False, encoding=encoding, block_size=16 << 20)
        try:
            stream = (
                pa.BufferReader(source) if isinstance(source, bytes) else pa.memory_map(str(source))
            )
            with stream:
                table = pacsv.read_csv(stream, read, parse, convert)
            break
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc) and encoding == "utf8":
                continue  # not UTF-8: read it again as Windows-1252
            raise DataError.single(filename, f"is not a readable CSV file ({exc})") from exc
    assert table is not None
    table, more_blank = _drop_blank_rows(table)
    blank.extend(more_blank)
    if problems:
        extra = [p for p in problems if p.reason == "another ragged row"]
        listed = [p for p in problems if p.reason != "another ragged row"]
        if extra:
            reason = f"… and {len(extra)} more rows with the wrong number of fields"
            listed.append(Problem(filename, reason, row=extra[0].row))
        raise DataError(listed)
    return table.unify_dictionaries(), np.asarray(sorted(blank), dtype=np.int64)


def _drop_blank_rows(table: pa.Table) -> tuple[pa.Table, list[int]]:
    """Rows with every used cell blank (empty lines) dropped; their physical line numbers.

    Such a row has no UPRN and no status, so it describes no premises; it is skipped as a blank
    line is, and later rows keep their spreadsheet numbers.
    """
    empty = np.ones(table.num_rows, dtype=bool)
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if pa.types.is_dictionary(col.type):
            blank = _is_blank(col.dictionary)
            indices = col.indices.to_numpy(zero_copy_only=False)
            empty &= blank[indices] if len(blank) else np.zeros(len(indices), dtype=bool)
        else:
            empty &= _is_blank(col)
        if not empty.any():
            return table, []
    where = np.flatnonzero(empty)
    return table.filter(pa.array(~empty)), (where + 2).tolist()


def _is_blank(values: pa.Array) -> np.ndarray:
    length = pc.utf8_length(pc.utf8_trim_whitespace(values))
    return pc.equal(length, 0).to_numpy(zero_copy_only=False)


class _Problems:
    """Problems of one file, at most :data:`MAX_LISTED` per column and reason."""

    def __init__(self, filename: str, skipped: np.ndarray):
        self.filename = filename
        self.shifted = skipped - np.arange(len(skipped))
        self.problems: list[Problem] = []

    def rows(self, positions: np.ndarray) -> np.ndarray:
        record = positions.astype(np.int64) + 2
        return record + np.searchsorted(self.shifted, record, side="right")

    def add(self, positions: np.ndarray, reason: str, column: str, values: Sequence[object]):
        if len(positions) == 0:
            return
        shown = positions[:MAX_LISTED]
        for row, value in zip(self.rows(shown).tolist(), values, strict=False):
            self.problems.append(
                Problem(self.filename, reason, row=row, column=column, value=value)
            )
        more = len(positions) - len(shown)
        if more:
            self.problems.append(
                Problem(self.filename, f"… and {more:,} more rows: {reason}", column=column)
            )


def _dictionary(table: pa.Table, header: str) -> tuple[np.ndarray, list[str]]:
    """Codes (int32, per row) and the distinct values of a dictionary column."""
    col = table.column(header).combine_chunks()
    return col.indices.to_numpy(zero_copy_only=False), col.dictionary.to_pylist()


def _check(
    table: pa.Table, wanted: dict[str, str], filename: str, skipped: np.ndarray
) -> tuple[PremisesRows, list[Problem]]:
    """The packed rows (UPRN 0 where it was bad) and every problem, sorted by row."""
    out = _Problems(filename, skipped)
    # UPRN: 1–12 digits, never blank.
    raw = table.column(wanted["uprn"])
    stripped = pc.utf8_trim_whitespace(raw)
    digits = pc.and_(pc.ascii_is_decimal(stripped), pc.less_equal(pc.utf8_length(stripped), 12))
    ok = digits.to_numpy(zero_copy_only=False)  # 1–12 ASCII digits (false for "")
    bad = np.flatnonzero(~ok)
    if len(bad):
        values = pc.take(stripped, pa.array(bad[:MAX_LISTED])).to_pylist()
        blank = [i for i, v in zip(bad[:MAX_LISTED], values, strict=False) if not v]
        out.add(
            np.asarray(blank, dtype=np.int64), "uprn is blank", wanted["uprn"], [""] * len(blank)
        )
        rest = np.setdiff1d(bad, np.asarray(blank, dtype=np.int64))
        out.add(
            rest,
            "is not a UPRN (a whole number of 1 to 12 digits)",
            wanted["uprn"],
            pc.take(stripped, pa.array(rest[:MAX_LISTED])).to_pylist() if len(rest) else [],
        )
    uprn = np.zeros(table.num_rows, dtype=np.int64)
    if ok.any():
        good = pc.filter(stripped, pa.array(ok))
        uprn[ok] = pc.cast(good, pa.int64()).to_numpy(zero_copy_only=False)

    flags = np.zeros(table.num_rows, dtype=np.uint8)
    # Subsidy-control status: one of three.
    codes, values = _dictionary(table, wanted["subsidy_control_status"])
    lookup = _STATUS_CODES
    mapped = np.array([lookup.get(header_key(v), -1) for v in values] or [0], dtype=np.int16)
    status = mapped[codes]
    allowed = ", ".join(SUBSIDY_LABELS.values())
    _add_bad(
        out,
        codes,
        mapped < 0,
        values,
        f"must be one of: {allowed}",
        wanted,
        "subsidy_control_status",
    )
    flags |= np.maximum(status, 0).astype(np.uint8)
    # True/false columns.
    for name, bit in FLAG_BITS.items():
        codes, values = _dictionary(table, wanted[name])
        words = [v.strip().lower() for v in values]
        truth = np.array([w in TRUE_WORDS for w in words] or [False])
        known = np.array([w in TRUE_WORDS or w in FALSE_WORDS or w == "" for w in words] or [True])
        _add_bad(out, codes, ~known, values, "must be true or false", wanted, name)
        flags[truth[codes]] |= np.uint8(bit)
    # District GSS code: needed to replace a district's figures on re-import.
    codes, values = _dictionary(table, wanted["district"])
    norm = [v.strip().upper() for v in values]
    valid = np.array([bool(_DISTRICT.match(v)) for v in norm] or [True])
    blank_d = np.array([v == "" for v in norm] or [False])
    _add_bad(
        out,
        codes,
        blank_d,
        values,
        "is blank; the district's GSS code is required",
        wanted,
        "district",
    )
    _add_bad(
        out, codes, ~valid & ~blank_d, values,
        "is not a district GSS code (a letter and 8 digits, e.g. E07000148)", wanted, "district",
    )  # fmt: skip
    district = _recode(codes, [v or None for v in norm])
    # Postcode: blank is allowed (the UPRN places the premises); malformed is not.
    col = table.column(wanted["postcode"]).combine_chunks()
    codes = col.indices.to_numpy(zero_copy_only=False)
    values = col.dictionary.to_pylist()
    normalised = normalise_postcode_array(col.dictionary)
    normal = normalised.to_pylist()
    blank_pc = _is_blank(col.dictionary)
    malformed = normalised.is_null().to_numpy(zero_copy_only=False) & ~blank_pc
    if not len(malformed):
        malformed = np.zeros(1, dtype=bool)
    _add_bad(out, codes, malformed, values, "is not a valid UK postcode", wanted, "postcode")
    postcode = _recode(codes, normal)
    out.problems.sort(key=lambda p: (p.row is None, p.row or 0, p.column or ""))
    rows = PremisesRows(
        uprn=uprn,
        flags=flags,
        district=district,
        postcode=postcode,
        files=(filename,),
        starts=np.zeros(1, dtype=np.int64),
        skipped=(skipped,),
    )
    return rows, out.problems


def _add_bad(
    out: _Problems,
    codes: np.ndarray,
    bad_values: np.ndarray,
    values: list[str],
    reason: str,
    wanted: dict[str, str],
    column: str,
) -> None:
    if not bad_values.any():
        return
    positions = np.flatnonzero(bad_values[codes])
    out.add(positions, reason, wanted[column], [values[c] for c in codes[positions[:MAX_LISTED]]])


def _recode(codes: np.ndarray, labels: list[str | None]) -> pd.Categorical:
    """A categorical of ``labels[codes]`` with distinct categories (``None`` → missing).

    Dictionary entries can differ only in spelling (``nr1 1aa`` and ``NR1 1AA``); they are
    merged here, after normalising.
    """
    cats, inverse = np.unique(
        np.array([x or "" for x in labels], dtype=object), return_inverse=True
    )
    remap = inverse.astype(np.int32)
    if len(cats) and cats[0] == "":  # "" sorts first: the missing value
        remap -= 1
        cats = cats[1:]
    new = remap[codes] if len(codes) else np.empty(0, np.int32)
    return pd.Categorical.from_codes(new, categories=pd.Index(cats.astype(str), dtype=object))


def _duplicates(rows: PremisesRows, *, valid: np.ndarray | None = None) -> list[Problem]:
    """A problem for each repeat of a UPRN in ``rows`` (a UPRN is one premises)."""
    order = np.argsort(rows.uprn, kind="stable")  # fast on runs (files are often sorted)
    if valid is not None:
        order = order[valid[order]]
    else:
        rows.order = order
    sorted_uprn = rows.uprn[order]
    repeat = np.flatnonzero(sorted_uprn[1:] == sorted_uprn[:-1]) + 1
    if len(repeat) == 0:
        return []
    problems: list[Problem] = []
    first_of = np.searchsorted(sorted_uprn, sorted_uprn[repeat], side="left")
    dup_pos, first_pos = order[repeat], order[first_of]
    shown = min(len(dup_pos), MAX_LISTED)
    places = rows.locate(dup_pos[:shown])
    firsts = rows.locate(first_pos[:shown])
    for (file, row), (ffile, frow), uprn in zip(
        places, firsts, sorted_uprn[repeat][:shown].tolist(), strict=True
    ):
        where = f"row {frow}" if ffile == file else f"{ffile} row {frow}"
        problems.append(
            Problem(file, f"duplicate uprn: already listed on {where}", row=row, column="uprn",
                    value=str(uprn))
        )  # fmt: skip
    if len(dup_pos) > shown:
        problems.append(
            Problem(
                places[0][0], f"… and {len(dup_pos) - shown:,} more duplicate UPRNs", column="uprn"
            )
        )
    return problems


def _union(parts: Sequence[pd.Categorical]) -> pd.Categorical:
    """One categorical over every part's categories (first seen order), codes remapped."""
    cats = pd.Index(
        pd.unique(np.concatenate([np.asarray(p.categories, dtype=object) for p in parts])),
        dtype=object,
    )
    codes = []
    for p in parts:
        remap = cats.get_indexer(pd.Index(np.asarray(p.categories, dtype=object), dtype=object))
        own = np.asarray(p.codes, dtype=np.int64)
        mapped = remap[np.maximum(own, 0)] if len(remap) else np.full(len(own), -1)
        codes.append(np.where(own >= 0, mapped, -1).astype(np.int32))
    return pd.Categorical.from_codes(np.concatenate(codes), categories=cats)


def concat_premises(parts: Sequence[PremisesRows]) -> PremisesRows:
    """Join the rows of several files (in order) and check no UPRN appears twice."""
    if not parts:
        raise ValueError("no BDUK files to join")
    sizes = np.array([len(p) for p in parts], dtype=np.int64)
    starts = np.concatenate([np.zeros(1, np.int64), np.cumsum(sizes)[:-1]])
    rows = PremisesRows(
        uprn=np.concatenate([p.uprn for p in parts]),
        flags=np.concatenate([p.flags for p in parts]),
        district=_union([p.district for p in parts]),
        postcode=_union([p.postcode for p in parts]),
        files=tuple(f for p in parts for f in p.files),
        starts=np.concatenate([s + p.starts for s, p in zip(starts, parts, strict=True)]),
        skipped=tuple(s for p in parts for s in p.skipped),
    )
    problems = _duplicates(rows)
    if problems:
        raise DataError(problems)
    return rows


def _read_one(name: str, source: Path | bytes) -> PremisesRows | list[Problem]:
    try:
        return read_premises_file(source, filename=name, check_unique=False)
    except DataError as exc:
        return exc.problems


def read_premises(paths: Iterable[Source]) -> PremisesRows:
    """Read every BDUK CSV in ``paths`` (CSV files or zips of them) into one :class:`PremisesRows`.

    Files are read in parallel threads, one per core (Arrow parses without holding the GIL).

    Raises
    ------
    DataError
        The problems of every file that has any (each file is checked in full), or UPRNs listed
        twice, in one file or two.
    """
    sources = list(premises_sources(paths))
    with ThreadPoolExecutor(max(1, min(len(sources), os.cpu_count() or 1))) as pool:
        results = list(pool.map(lambda s: _read_one(*s), sources))
    problems = [p for r in results if isinstance(r, list) for p in r]
    if problems:
        raise DataError(problems)
    return concat_premises([r for r in results if isinstance(r, PremisesRows)])


__all__ = [
    "BDUK_GIS",
    "BDUK_VOUCHERS",
    "COLUMNS",
    "CURRENT_GIGABIT",
    "FLAG_BITS",
    "FUTURE_GIGABIT",
    "N_FLAGS",
    "STATUS_MASK",
    "SUBSIDY_LABELS",
    "SUBSIDY_SHORT_LABELS",
    "SUBSIDY_STATUSES",
    "SUBSIDY_SYNONYMS",
    "PremisesRows",
    "Source",
    "concat_premises",
    "is_premises_file",
    "is_premises_header",
    "premises_sources",
    "read_premises",
    "read_premises_file",
]
