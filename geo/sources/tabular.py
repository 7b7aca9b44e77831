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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from geo.config import MAX_UPLOAD_BYTES
from geo.errors import DataError, ProblemCollector

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^-?\.\d+$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
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
        BOM, bytes undefined in cp1252).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _wrong_encoding(filename, f"starts with a {encoding} mark but {exc}") from exc
            return _check_text(text, filename)
    if b"\x00" in data:
        raise _wrong_encoding(filename, "holds NUL bytes (binary, or UTF-16 without a BOM)")
    try:
        return _check_text(data.decode("utf-8"), filename)
    except UnicodeDecodeError:
        pass
    try:
        return _check_text(data.decode("cp1252"), filename)
    except UnicodeDecodeError as exc:
        raise _wrong_encoding(filename, "is neither UTF-8 nor Windows-1252 (cp1252)") from exc


def _wrong_encoding(filename: str, detail: str) -> DataError:
    return DataError.single(
        filename,
        f"wrong encoding: the file {detail}; save it as CSV UTF-8 from your spreadsheet",
    )


def _check_text(text: str, filename: str) -> str:
    bad = _CONTROL.search(text)
    if bad:
        raise _wrong_encoding(
            filename, f"holds control character {bad.group()!r}, so it is not a text CSV"
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
            low_memory=False,
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


def parse_numbers(
    table: Table,
    column: str,
    *,
    blank_ok: bool = True,
    minimum: float | None = None,
    integer: bool = False,
) -> pd.Series:
    """Parse ``column`` as numbers, accepting ``1,234.50``, ``£1,200``, ``45%`` and spaces.

    Returns floats (NaN where blank or bad); bad cells are recorded on ``table``.
    """
    raw = table.col(column)
    cleaned = raw.str.replace(r"[£%\s]", "", regex=True)
    ok = cleaned.str.match(_NUMBER)
    values = pd.to_numeric(cleaned.where(ok).str.replace(",", "", regex=False), errors="coerce")
    for row in raw.index[~ok & (raw != "")]:
        table.add("is not a number", row=int(row), column=column, value=raw[row])
    if not blank_ok:
        for row in raw.index[raw == ""]:
            table.add("is blank; a number is required", row=int(row), column=column, value="")
    if minimum is not None:
        for row in values.index[values < minimum]:
            table.add(f"must be at least {minimum:g}", row=int(row), column=column, value=raw[row])
    if integer:
        frac = values.notna() & (values != values.round())
        for row in values.index[frac]:
            table.add("must be a whole number", row=int(row), column=column, value=raw[row])
    return values.astype(float)


def parse_dates(table: Table, column: str, *, blank_ok: bool = True) -> pd.Series:
    """Parse ``column`` as dates: ISO ``2024-03-31``, UK ``31/03/2024`` or ``20240331``.

    US order (``03/31/2024``) is rejected, never guessed. Returns ``datetime64`` (NaT where
    blank or bad); bad cells are recorded on ``table``.
    """
    raw = table.col(column)
    out: list[pd.Timestamp | None] = []
    for row, value in raw.items():
        if value == "":
            if not blank_ok:
                table.add("is blank; a date is required", row=int(row), column=column, value="")
            out.append(None)
            continue
        parsed = _parse_date(value)
        if parsed is None:
            table.add(
                "is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
                row=int(row),
                column=column,
                value=value,
            )
        out.append(None if parsed is None else pd.Timestamp(parsed))
    return pd.Series(pd.to_datetime(out), index=raw.index, name=column)


def _parse_date(value: str) -> date | None:
    for pattern, order in ((_ISO_DATE, "ymd"), (_UK_DATE, "dmy"), (_COMPACT_DATE, "ymd")):
        m = pattern.match(value)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def parse_choice(
    table: Table,
    column: str,
    *,
    allowed: Iterable[str],
    synonyms: Mapping[str, str] | None = None,
    blank: str | None = None,
) -> pd.Series:
    """Map ``column`` onto ``allowed`` values (case, space, ``-`` and ``_`` insensitive).

    ``blank`` is used for empty cells; ``None`` makes an empty cell a problem.
    """
    allowed = tuple(allowed)
    lookup = {header_key(a): a for a in allowed}
    lookup.update({header_key(k): v for k, v in (synonyms or {}).items()})
    raw = table.col(column)
    keys = raw.map(header_key)
    out = keys.map(lookup)
    for row in raw.index[out.isna()]:
        value = raw[row]
        if value == "" and blank is not None:
            out[row] = blank
            continue
        table.add(f"must be one of: {', '.join(allowed)}", row=int(row), column=column, value=value)
    return out.astype(object)


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
    first_row = values.reset_index().drop_duplicates(column).set_index(column)["row"]
    for row in values.index[values.duplicated(keep="first")]:
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
    "check_duplicates",
    "decode_bytes",
    "header_key",
    "parse_bools",
    "parse_choice",
    "parse_dates",
    "parse_numbers",
    "read_table",
]
