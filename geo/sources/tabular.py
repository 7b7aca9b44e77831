"""Read uploaded CSV files safely: encodings, column aliases, numbers, dates, size limits.

Every frame returned here is indexed by the **spreadsheet row number** of each record (the
header is row 1, so the first record is row 2; a file without a header starts at row 1), and
every cell is a stripped string (``""`` when blank). Problems are collected with that row
and the column name *as it appears in the file*, then raised together as one
:class:`geo.errors.DataError`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from geo.config import (
    EARLIEST_UPLOAD_DATE,
    INVISIBLE,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_NUMBER,
    UPLOAD_DATE_YEARS_AHEAD,
)
from geo.errors import DataError, ProblemCollector

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_STRAY_NULS = 8
"""More NUL bytes than this (or more than 10% of the bytes): a binary file or UTF-16 without a
BOM, not a text file with a stray NUL (which is reported with its row)."""
# re.ASCII: \d is 0-9 only, so Arabic-Indic or full-width digits are "not a number", never read
_NUMBER = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^-?\.\d+$", re.ASCII)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$", re.ASCII)
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$", re.ASCII)
_DATE_FORMATS = ((_ISO_DATE, "ymd"), (_UK_DATE, "dmy"), (_COMPACT_DATE, "ymd"))
_DATE_PARTS = {"y": "year", "m": "month", "d": "day"}
_MAX_NUMBER_CHARS = 30
"""Digits beyond this cannot be a plausible figure; such a cell is out of range unparsed."""
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
"""Cells read as true (compared in lower case); :func:`parse_bools` and the BDUK reader use them."""
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})


def header_key(name: str) -> str:
    """Compare column names ignoring case, spaces, punctuation and units: ``"Voucher value (£)"``
    and ``voucher_value`` both give ``"vouchervalue"``."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def decode_bytes(data: bytes, *, filename: str) -> str:
    """Decode an upload: UTF-8 (with or without BOM), UTF-16 with BOM, or cp1252.

    Raises
    ------
    DataError
        ``wrong encoding`` when the bytes are none of these (binary files, UTF-16 without a
        BOM, bytes undefined in cp1252); a stray NUL or other control character is named with
        its row (the line it is on), never dropped or truncated at.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _wrong_encoding(filename, f"starts with a {encoding} mark but {exc}") from exc
            return _check_text(text, filename)
    nuls = data.count(b"\x00")
    if nuls > _STRAY_NULS or nuls * 10 > len(data):
        raise _wrong_encoding(filename, "holds NUL bytes (binary, or UTF-16 without a BOM)")
    try:
        return _check_text(data.decode("utf-8"), filename)
    except UnicodeDecodeError:
        pass
    try:
        return _check_text(data.decode("cp1252"), filename)
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1]
        raise _wrong_encoding(
            filename,
            f"is neither UTF-8 nor Windows-1252 (cp1252): byte {bad!r} is undefined in both",
            row=data.count(b"\n", 0, exc.start) + 1,
        ) from exc


def _wrong_encoding(filename: str, detail: str, *, row: int | None = None) -> DataError:
    return DataError.single(
        filename,
        f"wrong encoding: the file {detail}; save it as CSV UTF-8 from your spreadsheet",
        row=row,
    )


def _check_text(text: str, filename: str) -> str:
    bad = _CONTROL.search(text)
    if bad:
        what = "a NUL byte" if bad.group() == "\x00" else f"control character {bad.group()!r}"
        raise _wrong_encoding(
            filename,
            f"holds {what}, so it is not a text CSV",
            row=text.count("\n", 0, bad.start()) + 1,
        )
    mark = text.find("\ufeff", 1)
    if mark >= 0:
        raise DataError.single(
            filename,
            "holds a byte-order mark (U+FEFF) in the middle of the file, as when two CSV files "
            "are joined; remove it (and any repeated header) and upload again",
            row=text.count("\n", 0, mark) + 1,
        )
    return text


@dataclass
class Table:
    """A parsed CSV: cells as stripped strings, indexed by spreadsheet row.

    Attributes
    ----------
    frame
        One column per canonical name found (or per original header when no aliases were
        given); index: spreadsheet row number.
    original
        Canonical column name → the header as written in the file (for messages).
    problems
        Collector for this file; readers add to it and call :meth:`finish`.
    """

    filename: str
    frame: pd.DataFrame
    original: dict[str, str] = field(default_factory=dict)
    problems: ProblemCollector = field(init=False)

    def __post_init__(self) -> None:
        self.problems = ProblemCollector(self.filename)

    def has(self, column: str) -> bool:
        """True when the file has ``column`` (canonical name)."""
        return column in self.frame.columns

    def name(self, column: str) -> str:
        """The header the file used for canonical ``column``."""
        return self.original.get(column, column)

    def col(self, column: str) -> pd.Series:
        """The column's stripped strings, or all blanks when the file lacks it."""
        if column in self.frame.columns:
            return self.frame[column]
        return pd.Series("", index=self.frame.index, dtype=object, name=column)

    def blank(self, column: str) -> pd.Series:
        """True where ``column`` is empty once invisible characters (zero-width, …) are gone."""
        return self.col(column).str.replace(INVISIBLE, "", regex=True) == ""

    def add(self, reason: str, *, row: int | None, column: str | None, value: object) -> None:
        """Record a problem at ``row`` in canonical ``column``."""
        self.problems.add(
            reason, row=row, column=None if column is None else self.name(column), value=value
        )

    def finish(self) -> None:
        """Raise every problem recorded so far, sorted by row."""
        self.problems.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        self.problems.raise_if_any()


def read_table(
    data: bytes,
    *,
    filename: str,
    aliases: Mapping[str, Sequence[str]] | None = None,
    required: Sequence[str] = (),
    header: bool = True,
    names: Sequence[str] | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> Table:
    """Decode and parse CSV bytes into a :class:`Table`.

    Parameters
    ----------
    data
        The uploaded bytes.
    filename
        Shown in every message.
    aliases
        Canonical column → accepted headers (compared with :func:`header_key`). Headers that
        match nothing are kept under their own name; when several headers map to one
        canonical column, that is an error.
    required
        Canonical columns the file must have.
    header
        False for files without a header row (records start at row 1).
    names
        Column names for a file without a header (extra fields beyond these are dropped).
    max_bytes
        Files larger than this are refused.

    Raises
    ------
    DataError
        Too large, wrong encoding, empty, header only, ragged rows, duplicate or missing
        columns.
    """
    if len(data) > max_bytes:
        raise DataError.single(
            filename,
            f"is too large ({len(data) / 1e6:.1f} MB); the limit is {max_bytes / 1e6:.0f} MB. "
            "Split the file or remove unused columns",
        )
    text = decode_bytes(data, filename=filename)
    if not text.strip():
        raise DataError.single(filename, "is empty: it holds no header and no records")
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            low_memory=True,  # dtype=str: chunks cannot disagree on types; less memory
        )
    except pd.errors.ParserError as exc:
        raise _parser_error(filename, exc) from exc
    except (csv.Error, ValueError) as exc:
        raise DataError.single(filename, f"is not a readable CSV file ({exc})") from exc
    raw = raw.fillna("")
    for c in raw.columns:
        raw[c] = raw[c].astype(str).str.strip()
    first = 2 if header else 1
    if header:
        headers = [str(h) for h in raw.iloc[0].tolist()]
        body = raw.iloc[1:].copy()
    else:
        if names is None:
            raise TypeError("names is required when header=False")
        headers = list(names[: raw.shape[1]]) + [
            f"column {i + 1}" for i in range(len(names), raw.shape[1])
        ]
        body = raw.copy()
    body.columns = range(body.shape[1])
    body.index = pd.RangeIndex(first, first + len(body), name="row")
    body = body[(body != "").any(axis=1)]  # blank lines: skipped, row numbers kept
    if len(body) == 0:
        raise DataError.single(
            filename, "has a header row but no records", row=1, value=",".join(headers)
        )
    problems = ProblemCollector(filename)
    for i, h in enumerate(headers):
        if not h:
            problems.add(f"column {i + 1} has no header", row=1)
    frame, original = _apply_aliases(body, headers, aliases or {}, problems)
    for col in required:
        if col not in frame.columns:
            accepted = ", ".join(repr(a) for a in (aliases or {}).get(col, (col,)))
            problems.add(f"required column '{col}' is missing (accepted headers: {accepted})")
    problems.raise_if_any()
    return Table(filename=filename, frame=frame, original=original)


def _parser_error(filename: str, exc: Exception) -> DataError:
    match = re.search(r"line (\d+)", str(exc))
    row = int(match.group(1)) if match else None
    expected = re.search(r"Expected (\d+) fields.*saw (\d+)", str(exc))
    if expected:
        reason = (
            f"has {expected.group(2)} fields where the header has {expected.group(1)}; "
            "check for an unquoted comma"
        )
    else:
        reason = f"could not be parsed as CSV ({str(exc).strip()})"
    return DataError.single(filename, reason, row=row)


def _apply_aliases(
    body: pd.DataFrame,
    headers: list[str],
    aliases: Mapping[str, Sequence[str]],
    problems: ProblemCollector,
) -> tuple[pd.DataFrame, dict[str, str]]:
    lookup: dict[str, str] = {}
    for canonical, accepted in aliases.items():
        for a in (canonical, *accepted):
            lookup.setdefault(header_key(a), canonical)
    columns: dict[str, pd.Series] = {}
    original: dict[str, str] = {}
    for i, h in enumerate(headers):
        if not h:
            continue
        canonical = lookup.get(header_key(h), h)
        if canonical in columns:
            problems.add(
                f"column '{h}' repeats column '{original[canonical]}' (both mean '{canonical}')",
                row=1,
                column=h,
            )
            continue
        columns[canonical] = body[i]
        original[canonical] = h
    frame = pd.DataFrame(columns, index=body.index)
    return frame, original


# --- Cell parsers: vectorised where valid, one problem per bad cell ---


def by_value(raw: pd.Series, parse: Callable[[pd.Series], pd.DataFrame | pd.Series]) -> Any:
    """Apply ``parse`` once per distinct value of ``raw`` and spread the result back.

    Uploads repeat values (a few statuses, a few hundred dates, a postcode per street), so the
    string work is proportional to the distinct values, not the rows. ``parse`` takes and
    returns frames indexed 0…k-1 (one row per distinct value); the result is indexed like
    ``raw``.
    """
    codes, uniques = pd.factorize(raw.to_numpy(dtype=object), sort=False)
    out = parse(pd.Series(uniques, dtype=object))
    spread = out.iloc[codes]
    spread.index = raw.index
    return spread


def parse_numbers(
    table: Table,
    column: str,
    *,
    blank_ok: bool = True,
    minimum: float | None = None,
    maximum: float = MAX_UPLOAD_NUMBER,
    integer: bool = False,
) -> pd.Series:
    """Parse ``column`` as numbers, accepting ``1,234.50``, ``£1,200``, ``45%`` and spaces.

    Returns floats (NaN where blank or bad); bad cells are recorded on ``table``. A number
    above ``maximum`` (such as 400 nines, which a float would hold as infinity) is out of
    range, never stored.
    """
    raw = table.col(column)
    parsed = by_value(raw, _numbers)
    ok, huge, values = parsed["ok"], parsed["huge"], parsed["value"].astype(float)
    for row in raw.index[~ok & (raw != "")]:
        table.add("is not a number", row=int(row), column=column, value=raw[row])
    if not blank_ok:
        for row in raw.index[raw == ""]:
            table.add("is blank; a number is required", row=int(row), column=column, value="")
    over = huge | ~np.isfinite(values.fillna(0.0)) | (values > maximum)
    for row in raw.index[over]:
        table.add(f"is out of range: at most {_figure(maximum)}", row=int(row), column=column,
                  value=_short(raw[row]))  # fmt: skip
    values[over] = np.nan
    if minimum is not None:
        for row in values.index[values < minimum]:
            table.add(f"must be at least {minimum:g}", row=int(row), column=column, value=raw[row])
    if integer:
        frac = values.notna() & (values != values.round())
        for row in values.index[frac]:
            table.add("must be a whole number", row=int(row), column=column, value=raw[row])
    return values


def _numbers(cells: pd.Series) -> pd.DataFrame:
    """Per distinct cell: whether it is a number, whether it is absurdly long, its value."""
    cleaned = cells.str.replace(r"[£%\s]", "", regex=True)
    ok = cleaned.str.match(_NUMBER).fillna(False).astype(bool)
    digits = cleaned.where(ok).str.replace(",", "", regex=False)
    huge = (digits.str.len() > _MAX_NUMBER_CHARS).fillna(False).astype(bool)
    # 400 digits would become a Python int (or inf): never handed to to_numeric
    value = pd.to_numeric(digits.where(~huge), errors="coerce").astype(float)
    return pd.DataFrame({"ok": ok, "huge": huge, "value": value})


def _figure(x: float) -> str:
    """``1,000,000`` for whole numbers, ``0.5`` otherwise."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,g}"


def _short(value: str, limit: int = 40) -> str:
    """A cell for a message: long values cut to ``limit`` characters."""
    return value if len(value) <= limit else f"{value[:limit]}… ({len(value):,} characters)"


def parse_dates(
    table: Table,
    column: str,
    *,
    blank_ok: bool = True,
    today: date | None = None,
) -> pd.Series:
    """Parse ``column`` as dates: ISO ``2024-03-31``, UK ``31/03/2024`` or ``20240331``.

    US order (``03/31/2024``) is rejected, never guessed. Dates before
    :data:`~geo.config.EARLIEST_UPLOAD_DATE` or more than
    :data:`~geo.config.UPLOAD_DATE_YEARS_AHEAD` years after ``today`` are refused as
    implausible (year 0001, 1066 or 2999 is a typing slip, not a record). Vectorised: one
    pass per format, problems only for bad cells. Returns ``datetime64`` (NaT where blank or
    bad); bad cells are recorded on ``table``.
    """
    raw = table.col(column)
    ymd = by_value(raw, _date_parts)
    first = EARLIEST_UPLOAD_DATE
    last = date((today or date.today()).year + UPLOAD_DATE_YEARS_AHEAD, 12, 31)
    matched = ymd["year"].notna()
    plausible = ymd["year"].between(first.year, last.year)
    safe = ymd.copy()
    safe.loc[~plausible] = [first.year, 1, 1]  # only plausible years reach the calendar
    when = pd.to_datetime(safe.astype(int), errors="coerce").where(plausible)
    problems = (
        ((raw == "") & (not blank_ok), "is blank; a date is required"),
        ((raw != "") & (~matched | (plausible & when.isna())),
         "is not a date (use YYYY-MM-DD or DD/MM/YYYY)"),
        (matched & ~plausible & (ymd["year"] < first.year) | (when < pd.Timestamp(first)),
         f"is before {first:%d/%m/%Y}: not a plausible date for this record"),
        (matched & ~plausible & (ymd["year"] > last.year) | (when > pd.Timestamp(last)),
         f"is after {last:%d/%m/%Y}: not a plausible date for this record"),
    )  # fmt: skip
    bad = pd.Series(False, index=raw.index)
    for mask, reason in problems:
        for row in raw.index[mask]:
            table.add(reason, row=int(row), column=column, value=raw[row])
        bad |= mask
    return when.where(~bad).rename(column)


def _date_parts(cells: pd.Series) -> pd.DataFrame:
    """Per distinct cell: year, month and day as written (NaN where no format matches)."""
    ymd = pd.DataFrame(np.nan, index=cells.index, columns=["year", "month", "day"])
    for pattern, order in _DATE_FORMATS:
        parts = cells.str.extract(pattern).astype(float)
        parts.columns = [_DATE_PARTS[c] for c in order]
        ymd = ymd.combine_first(parts)[["year", "month", "day"]]
    return ymd


def parse_choice(
    table: Table,
    column: str,
    *,
    allowed: Iterable[str],
    synonyms: Mapping[str, str] | None = None,
    blank: str | None = None,
) -> pd.Series:
    """Map ``column`` onto ``allowed`` values (case, space, ``-`` and ``_`` insensitive).

    ``blank`` is used for empty cells; ``None`` makes an empty cell a problem. Vectorised:
    a column that is all blank (or absent) costs one assignment, not one per row.
    """
    allowed = tuple(allowed)
    lookup = {header_key(a): a for a in allowed}
    lookup.update({header_key(k): v for k, v in (synonyms or {}).items()})
    raw = table.col(column)
    out = by_value(raw, lambda cells: cells.map(header_key).map(lookup)).astype(object)
    if blank is not None:
        out[raw == ""] = blank
    for row in raw.index[out.isna()]:
        table.add(f"must be one of: {', '.join(allowed)}", row=int(row), column=column,
                  value=raw[row])  # fmt: skip
    return out


def parse_bools(table: Table, column: str) -> pd.Series:
    """Parse true/false, yes/no, 1/0 (blank → False); other values are problems."""
    raw = table.col(column)
    low = raw.str.lower()
    bad = ~low.isin(TRUE_WORDS | FALSE_WORDS | {""})
    for row in raw.index[bad]:
        table.add("must be true or false", row=int(row), column=column, value=raw[row])
    return low.isin(TRUE_WORDS)


def check_duplicates(table: Table, column: str) -> None:
    """Record every repeat of a non-blank value in ``column``, naming the first row."""
    raw = table.col(column)
    values = raw[raw != ""]
    repeats = values.duplicated(keep="first")
    if not repeats.any():
        return
    first_row = values.reset_index().drop_duplicates(column).set_index(column)["row"]
    for row in values.index[repeats]:
        table.add(
            f"duplicate {column}: already used on row {int(first_row[values[row]])}",
            row=int(row),
            column=column,
            value=values[row],
        )


__all__ = [
    "FALSE_WORDS",
    "TRUE_WORDS",
    "Table",
    "by_value",
    "check_duplicates",
    "decode_bytes",
    "header_key",
    "parse_bools",
    "parse_choice",
    "parse_dates",
    "parse_numbers",
    "read_table",
]
