"""Ofcom Connected Nations fixed coverage files: read and validate into canonical columns.

Ofcom publishes the same measures at local-authority, output-area and postcode level, with
column names that drift between releases (``../shared/data/FORMATS.md`` lists every layout,
2016 → 2026); :data:`ALIASES` is the one map from every name seen to a canonical one. Files are
read in one pass (a UK-wide output-area or postcode file keeps only the rows ``keep`` asks
for), so memory follows the rows kept, not the file.

Two readers share one parser:

* :func:`read_coverage` — premises counts per area (``n_<measure>``), the only figures that
  may be summed into other areas. Where a release has only a percentage beside ``All
  Premises``, the count is derived row by row as ``round(pct / 100 × premises)`` and
  ``count_source`` says so.
* :func:`read_percentages` — the percentages as published (``pct_<measure>``), for files
  with no premises counts (the 2024+ postcode files, the 2016 LA file). They describe that
  postcode or district only and are never averaged into an area.

Cells are checked strictly: ``1,2`` is not twelve (thousands separators only in ``1,234``
groups), two columns that mean the same measure are an error naming both, Excel's ``="…"``
text cells are unwrapped (and the import says so), a "Total" row and a code repeated in
another case are errors.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo.config import MEASURES, SFBB_BAND_CAVEAT, SFBB_BAND_YEARS
from geo.errors import DataError, ProblemCollector
from geo.sources.csvstream import Source, open_text
from geo.sources.postcodes import normalise_postcode
from geo.sources.tabular import _NUMBER

ID_ALIASES: dict[str, tuple[str, ...]] = {
    "lad": ("laua", "laua_code", "lad_code", "lad21cd", "lad22cd", "lad23cd", "lad24cd", "lad25cd"),
    "oa": ("oa11cd", "oa21cd", "output_area", "oa11", "oa21", "oa_code"),
    "postcode": ("postcode_space", "postcode", "pcds", "pcd"),
}
"""Identifier column per file level, in order of preference (a postcode file carries the
same postcode in several forms side by side: the first found is used)."""

ALIASES: dict[str, tuple[str, ...]] = {
    "area_name": ("laua_name", "lad_name", "local authority name"),
    "release": ("dataset_label", "release"),
    "premises": ("all premises", "all_premises", "premises", "total premises"),
    "n_sfbb": ("number of premises with sfbb availability", "n_premises_sfbb"),
    "pct_sfbb": ("sfbb availability (% premises)", "sfbb_availability_pct"),
    "n_ufbb": ("number of premises with ufbb availability", "n_premises_ufbb"),
    "pct_ufbb": ("ufbb availability (% premises)", "ufbb_availability_pct"),
    "n_gigabit": ("number of premises with gigabit availability", "n_premises_gigabit"),
    "pct_gigabit": ("gigabit availability (% premises)", "gigabit_availability_pct"),
    "n_full_fibre": (
        "number of premises with full fibre availability",
        "number of premises with fttp availability",
        "n_premises_full_fibre",
    ),
    "pct_full_fibre": (
        "full fibre availability (% premises)",
        "fttp availability (% premises)",
        "full_fibre_availability_pct",
    ),
    "n_unable_10": ("number of premises unable to receive 10mbit/s", "n_premises_unable_10mbit"),
    "pct_unable_10": ("% of premises unable to receive 10mbit/s", "unable_10mbit_pct"),
    "n_below_uso": ("number of premises below the uso", "n_premises_below_uso"),
    "pct_below_uso": ("% of premises below the uso", "below_uso_pct"),
    "n_no_decent": ("number of premises unable to receive decent broadband from fixed or fwa",),
    "pct_no_decent": ("% of premises unable to receive decent broadband from fixed or fwa",),
}
"""Canonical column → every name Ofcom (or our tidy extracts) has used for it, lower case.
"Unable to receive decent broadband from fixed or FWA" (2026) is its own measure, never the
USO under another name."""

COUNTS = "published counts"
DERIVED = "derived from % × premises"
_TOTAL = re.compile(r"^(grand\s+)?(sub-?)?totals?\b", re.IGNORECASE)
_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.DOTALL)
_NAME = re.compile(
    r"(?<!\d)(?P<date>20\d{2}(?:0[1-9]|1[0-2])?)_fixed_(?P<level>laua|oa|pc|postcode)"
    r"(?P<res>_res)?_coverage(?:_r(?P<rev>\d+))?(?:_(?P<area>[A-Za-z]{1,2})(?![A-Za-z]))?",
    re.IGNORECASE,
)
_LEVEL_NAMES = {"laua": "lad", "oa": "oa", "pc": "postcode", "postcode": "postcode"}
MAX_PROBLEMS = 1000
"""A file with more problems than this stops being read (the rest would say the same)."""


@dataclass(frozen=True)
class OfcomName:
    """What an Ofcom file name says: ``202601_fixed_pc_res_coverage_r2_NR.csv``."""

    release: str | None
    level: str | None
    residential: bool = False
    revision: int | None = None
    area: str | None = None


def parse_name(name: str) -> OfcomName:
    """Read release, level, residential flag, revision (``r01`` or 2026's ``r1``) and postcode
    area from an Ofcom file name (any folder in ``name`` counts: ``postcode_res_files/``).

    Examples
    --------
    >>> parse_name("202601_fixed_pc_coverage_r2_NR.csv")
    OfcomName(release='2026-01', level='postcode', residential=False, revision=2, area='NR')
    >>> parse_name("x/postcode_res_files/202507_fixed_pc_res_coverage_r01_IP.csv").residential
    True
    """
    m = _NAME.search(Path(name).name)
    residential = "_res_" in name.lower() or "res_files" in name.lower()
    if m is None:
        return OfcomName(release_from_filename(name), None, residential)
    return OfcomName(
        release=_release_text(m.group("date")),
        level=_LEVEL_NAMES[m.group("level").lower()],
        residential=residential,
        revision=int(m.group("rev")) if m.group("rev") else None,
        area=m.group("area").upper() if m.group("area") else None,
    )


def release_from_filename(name: str) -> str | None:
    """``202105_fixed_laua_coverage_r01.csv`` → ``2021-05``; ``2016_data.csv`` → ``2016``;
    ``None`` when no date is in it."""
    base = Path(name).name
    match = re.search(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(?=_)", base) or re.search(
        r"(?<!\d)(20\d{2})(?=_)", base
    )
    return _release_text(match.group(0)) if match else None


def normalise_release(text: str, *, source: str = "--release") -> str:
    """``2026-01``, ``202601`` or ``2016`` → the release label used everywhere (``2026-01``)."""
    t = str(text).strip()
    if re.fullmatch(r"20\d{2}-(0[1-9]|1[0-2])", t):
        return t
    if re.fullmatch(r"20\d{2}((0[1-9]|1[0-2]))?", t):
        return _release_text(t)
    raise DataError.single(source, "is not a release: use YYYY-MM (e.g. 2026-01) or YYYY", value=t)


def _release_text(digits: str) -> str:
    return f"{digits[:4]}-{digits[4:6]}" if len(digits) == 6 else digits


def release_caveats(release: str) -> list[str]:
    """Caveats that go with every figure of ``release`` (the 2017–2019 SFBB band)."""
    return [SFBB_BAND_CAVEAT] if str(release)[:4] in SFBB_BAND_YEARS else []


# --- Parsing ----------------------------------------------------------------------------


Keep = Callable[[str], bool]
"""Given a normalised area identifier, whether to keep its row (e.g. "is it in the county")."""


@dataclass
class _Parsed:
    """One file's kept rows as stripped strings under canonical column names."""

    filename: str
    level: str
    found: dict[str, str]
    """Canonical column → the header as written."""
    frame: pd.DataFrame
    """Kept rows; index: spreadsheet row (header = row 1)."""
    ids: pd.Series
    problems: ProblemCollector
    rows_read: int = 0
    notes: list[str] = field(default_factory=list)


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", str(name).replace("\ufeff", "")).strip().lower()


_KNOWN = {a for names in (*ID_ALIASES.values(), *ALIASES.values()) for a in names}


def _parse(source: Source, *, filename: str, keep: Keep | None, progress: bool) -> _Parsed:
    try:
        return _parse_with(source, filename=filename, keep=keep, progress=progress, encoding=None)
    except UnicodeDecodeError:
        # UTF-8 in the first MiB but not further on: Ofcom's cp1252 files look like that.
        try:
            return _parse_with(
                source, filename=filename, keep=keep, progress=progress, encoding="cp1252"
            )
        except UnicodeDecodeError as exc:
            raise DataError.single(
                filename, f"wrong encoding: neither UTF-8 nor Windows-1252 ({exc.reason})"
            ) from exc


def _parse_with(
    source: Source, *, filename: str, keep: Keep | None, progress: bool, encoding: str | None
) -> _Parsed:
    problems = ProblemCollector(filename)
    with open_text(source, filename=filename, encoding=encoding, progress=progress) as (text, _):
        reader = csv.reader(text)
        try:
            header = [h.strip() for h in next(reader)]
            while header and not header[-1]:
                header.pop()  # a spreadsheet's trailing empty column
            level, found = _columns(header, filename, problems)
            positions = {canon: header.index(col) for canon, col in found.items()}
            id_pos = positions["_id"]
            columns, where = list(positions), list(positions.values())
            width = len(header)
            kept: list[list[str]] = []
            rows: list[int] = []
            raw_ids: list[str] = []
            read = 0
            for row, record in enumerate(reader, start=2):
                # Fast paths first: most records are full width with an identifier.
                blank_id = len(record) <= id_pos or not record[id_pos].strip()
                if blank_id and not any(cell.strip() for cell in record):
                    continue  # a blank line
                read += 1
                if len(record) != width and (
                    len(record) < width or any(c.strip() for c in record[width:])
                ):
                    problems.add(
                        f"has {len(record)} fields where the header has {width}; the file may "
                        "be cut short or hold an unquoted comma",
                        row=row,
                    )
                    if len(problems.problems) >= MAX_PROBLEMS:
                        break
                    continue
                raw_id = _unwrap(record[id_pos].strip())
                if keep is not None and not keep(_normal_id(raw_id, level)):
                    continue
                kept.append([record[i] for i in where])
                rows.append(row)
                raw_ids.append(raw_id)
        except csv.Error as exc:
            raise DataError.single(filename, f"is not a readable CSV ({exc})") from exc
        except StopIteration:
            raise DataError.single(
                filename, "is empty: it holds no header and no records"
            ) from None
    if read == 0 and not problems.problems:
        raise DataError.single(filename, "has a header but no data rows", row=1)
    problems.raise_if_any()
    frame = pd.DataFrame(kept, columns=pd.Index(columns), index=pd.Index(rows, name="row"))
    frame = frame.astype(str) if len(frame) else frame.astype(object)
    notes: list[str] = []
    for col in frame.columns:
        cells = frame[col].str.strip()
        excel = cells.str.match(_EXCEL_TEXT)
        if excel.any():
            name = header[positions[col]]
            notes.append(
                f"{filename}: unwrapped {int(excel.sum()):,} Excel text cell(s) like "
                f"{cells[excel].iat[0]} in column '{name}'"
            )
            cells = cells.where(~excel, cells.str.replace(_EXCEL_TEXT, r"\1", regex=True))
        frame[col] = cells.str.strip()
    ids = pd.Series(raw_ids, index=frame.index, dtype=object)
    return _Parsed(filename, level, {k: header[v] for k, v in positions.items()},
                   frame, ids, problems, read, notes)  # fmt: skip


def _unwrap(cell: str) -> str:
    m = _EXCEL_TEXT.match(cell)
    return m.group(1).strip() if m else cell


def _normal_id(raw: str, level: str) -> str:
    if level == "postcode":
        return normalise_postcode(raw) or raw
    return raw.upper()


def _columns(
    header: list[str], filename: str, problems: ProblemCollector
) -> tuple[str, dict[str, str]]:
    """The file's level and canonical column → header (``_id`` for the identifier)."""
    by_norm: dict[str, str] = {}
    for c in header:
        if _norm(c) in by_norm and _norm(c) in _KNOWN:
            reason = f"column appears more than once (as '{by_norm[_norm(c)]}')"
            problems.add(reason, row=1, column=c)
        by_norm.setdefault(_norm(c), c)
    levels = [lv for lv, names in ID_ALIASES.items() if any(n in by_norm for n in names)]
    if not levels:
        wanted = ", ".join(a for names in ID_ALIASES.values() for a in names)
        raise DataError.single(filename, f"has no area identifier column; expected one of {wanted}")
    if len(levels) > 1:
        named = [next(by_norm[n] for n in ID_ALIASES[lv] if n in by_norm) for lv in levels]
        problems.add(
            "has identifiers of more than one level ("
            + ", ".join(f"'{n}' ({lv})" for n, lv in zip(named, levels, strict=True))
            + "); keep one",
            row=1,
        )
    level = levels[0]
    found = {"_id": next(by_norm[n] for n in ID_ALIASES[level] if n in by_norm)}
    for canon, names in ALIASES.items():
        hits = [by_norm[n] for n in names if n in by_norm]
        if len(hits) > 1:
            problems.add(
                f"columns {' and '.join(repr(h) for h in hits)} both mean '{canon}'; "
                "keep one of them",
                row=1,
                column=hits[1],
            )
        if hits:
            found[canon] = hits[0]
    if "premises" not in found and not any(f"pct_{m}" in found for m in MEASURES):
        problems.add("has no 'All Premises' column and no coverage measures", column="All Premises")
    problems.raise_if_any()
    return level, found


def _check_ids(parsed: _Parsed) -> pd.Series:
    """Normalised identifiers; blank, invalid, total and duplicate ones are problems."""
    p, column, level = parsed.problems, parsed.found["_id"], parsed.level
    raw = parsed.ids
    rows = raw.index.to_numpy()
    blank = (raw == "").to_numpy()
    if level == "postcode":
        ids = raw.map(lambda s: normalise_postcode(s) or "")
        for i in np.flatnonzero((ids == "").to_numpy() & ~blank):
            p.add("is not a valid UK postcode", row=int(rows[i]), column=column, value=raw.iat[i])
        ids = ids.where(ids != "", raw)
    else:
        ids = raw.str.upper()
        lower = int((ids != raw).sum())
        if lower:
            parsed.notes.append(
                f"{parsed.filename}: read {lower:,} area code(s) written in lower case as "
                "upper case (ONS codes are upper case)"
            )
    for i in np.flatnonzero(blank):
        p.add("empty area identifier", row=int(rows[i]), column=column)
    total = raw.str.match(_TOTAL).to_numpy(dtype=bool, copy=True)
    if "area_name" in parsed.frame:
        total |= parsed.frame["area_name"].str.match(_TOTAL).to_numpy(dtype=bool)
    for i in np.flatnonzero(total):
        p.add(
            "is a total row, not an area: remove it (totals are summed from the areas)",
            row=int(rows[i]), column=column, value=raw.iat[i],
        )  # fmt: skip
    key = ids if "release" not in parsed.frame else ids + "\x1f" + parsed.frame["release"]
    dupes = key.duplicated(keep=False).to_numpy() & ~blank
    first = {k: r for k, r in zip(key[::-1], rows[::-1], strict=True)}
    for i in np.flatnonzero(dupes):
        same = key.iat[i]
        other = raw[(key == same).to_numpy()]
        if other.nunique() > 1 and other.iat[0] != raw.iat[i]:
            reason = (
                f"duplicate area identifier: differs only in case from '{other.iat[0]}' "
                f"on row {first[same]}"
            )
        else:
            reason = "duplicate area identifier"
        p.add(reason, row=int(rows[i]), column=column, value=raw.iat[i])
    return ids


def _numbers(parsed: _Parsed, canon: str, *, pct: bool) -> pd.Series:
    """Parse numbers (blank = missing); record a problem for each bad or out-of-range cell.

    Thousands separators only in valid groups (``1,234``; ``1,2`` is not a number) and ``%``
    signs are accepted. Counts must be whole and not negative; percentages between 0 and 100.
    """
    col, column, problems = parsed.frame[canon], parsed.found[canon], parsed.problems
    cleaned = col.str.replace("%", "", regex=False).str.strip()
    ok = cleaned.str.match(_NUMBER) | (cleaned == "")
    values = pd.to_numeric(
        cleaned.where(ok & (cleaned != "")).str.replace(",", "", regex=False), errors="coerce"
    ).astype(float)
    bad = ~ok | np.isinf(values)
    limit = 100.0 if pct else np.inf
    out_of_range = ~bad & ((values < 0) | (values > limit))
    fraction = ~bad & ~out_of_range & values.notna() & (values % 1 != 0)
    if pct:
        fraction[:] = False
    for i in np.flatnonzero((bad | out_of_range | fraction).to_numpy()):
        if bad.iat[i]:
            reason = "is not a number"
            if "," in cleaned.iat[i]:
                reason += " (a comma may only separate thousands, as in 1,234)"
        elif out_of_range.iat[i]:
            reason = "is not a percentage between 0 and 100" if pct else "must not be negative"
        else:
            reason = "is not a whole number of premises"
        problems.add(reason, row=int(col.index[i]), column=column, value=col.iat[i])
    return values.where(~(bad | out_of_range | fraction))


def _release(parsed: _Parsed, release: str | None) -> pd.Series:
    if "release" in parsed.frame:
        return parsed.frame["release"]
    label = release or release_from_filename(parsed.filename) or "unknown"
    return pd.Series(label, index=parsed.frame.index, dtype=object)


def _start(
    data: Source, *, filename: str | None, keep: Keep | None, progress: bool
) -> tuple[_Parsed, pd.DataFrame]:
    """Parse ``data``; the output frame so far holds the checked identifiers."""
    filename = filename or (Path(data).name if isinstance(data, str | Path) else "coverage.csv")
    parsed = _parse(data, filename=filename, keep=keep, progress=progress)
    return parsed, pd.DataFrame({"area_id": _check_ids(parsed)}, index=parsed.frame.index)


def _finish(
    parsed: _Parsed, out: pd.DataFrame, release: str | None, extra: Mapping[str, object]
) -> pd.DataFrame:
    """Raise every problem, add names and releases and what every reader returns in
    ``attrs``; index 0…n−1."""
    parsed.problems.problems.sort(key=lambda p: p.row or 0)
    parsed.problems.raise_if_any()
    if "area_name" in parsed.frame:
        out["area_name"] = parsed.frame["area_name"]
    out["release"] = _release(parsed, release)
    published = {
        str(rel): [
            m for m in MEASURES
            if any(
                f"{kind}_{m}" in parsed.frame and (group[f"{kind}_{m}"] != "").any()
                for kind in ("n", "pct")
            )
        ]
        for rel, group in parsed.frame.assign(_rel=out["release"].to_numpy()).groupby("_rel")
    }  # fmt: skip
    name = parse_name(parsed.filename)
    out = out.reset_index(drop=True)
    out.attrs.update(
        level=parsed.level,
        source=parsed.filename,
        id_column=parsed.found["_id"],
        published=published,
        caveats={rel: release_caveats(rel) for rel in published},
        residential=name.residential,
        revision=name.revision,
        rows_read=parsed.rows_read,
        notes=list(parsed.notes),
        **extra,
    )
    return out


def read_coverage(
    data: Source,
    *,
    filename: str | None = None,
    release: str | None = None,
    keep: Keep | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Read an Ofcom fixed-coverage CSV (LA, OA or postcode level) into canonical columns.

    Parameters
    ----------
    data
        The file's path, bytes, or an opener (a zip member).
    filename
        Name used in messages (default: the path's name).
    release
        The release when neither the file name nor a column gives one (else ``"unknown"``).
    keep
        Keep only rows whose normalised identifier passes (a county's OAs or postcodes); other
        rows are read past, never stored or checked beyond their field count.
    progress
        Show a byte progress bar on stderr.

    Returns
    -------
    DataFrame
        Columns ``area_id``, ``premises``, ``release``, ``n_<measure>`` for every measure the
        file has (as counts; from published counts, else derived per row), and ``area_name``
        at LA level. ``attrs``: ``level`` (``lad``/``oa``/``postcode``), ``source``,
        ``id_column`` (the identifier's header), ``count_source`` (measure → "published
        counts" or "derived from % × premises"),
        ``published`` (release → measures with any value), ``caveats`` (release → texts),
        ``residential``, ``revision``, ``rows_read``, ``notes`` (what was tidied on reading).

    Raises
    ------
    DataError
        Listing every bad cell (row, column, value) and missing or ambiguous column.
    """
    parsed, out = _start(data, filename=filename, keep=keep, progress=progress)
    premises = (
        _numbers(parsed, "premises", pct=False)
        if "premises" in parsed.frame
        else pd.Series(np.nan, index=parsed.frame.index)
    )
    out["premises"] = premises
    count_source: dict[str, str] = {}
    for key in MEASURES:
        has_n, has_pct = f"n_{key}" in parsed.frame, f"pct_{key}" in parsed.frame
        pct = _numbers(parsed, f"pct_{key}", pct=True) if has_pct else None
        if has_n:
            counts = _numbers(parsed, f"n_{key}", pct=False)
            over = (counts > premises) & (premises >= 0)
            for i in np.flatnonzero(over.to_numpy()):
                parsed.problems.add(
                    f"count is larger than 'All Premises' ({premises.iat[i]:.0f})",
                    row=int(counts.index[i]), column=parsed.found[f"n_{key}"],
                    value=parsed.frame[f"n_{key}"].iat[i],
                )  # fmt: skip
            out[f"n_{key}"] = counts
            count_source[key] = COUNTS
        elif pct is not None:
            out[f"n_{key}"] = (pct / 100.0 * premises).round()
            count_source[key] = DERIVED
    return _finish(parsed, out, release, {"count_source": count_source})


def read_percentages(
    data: Source,
    *,
    filename: str | None = None,
    release: str | None = None,
    keep: Keep | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Read the percentages an Ofcom file publishes, as published: one row per area.

    For files without premises counts (2024+ postcode files, the 2016 LA file): each row is
    that postcode's (or district's) own figure and must never be averaged into another area.
    Parameters as :func:`read_coverage`.

    Returns
    -------
    DataFrame
        ``area_id``, ``release``, ``pct_<measure>`` for every measure the file has, and
        ``area_name`` at LA level; ``attrs`` as :func:`read_coverage` without ``count_source``.
    """
    parsed, out = _start(data, filename=filename, keep=keep, progress=progress)
    for key in MEASURES:
        if f"pct_{key}" in parsed.frame:
            out[f"pct_{key}"] = _numbers(parsed, f"pct_{key}", pct=True)
    return _finish(parsed, out, release, {})


@dataclass(frozen=True)
class Layout:
    """What an Ofcom header line says, without reading the rows."""

    level: str
    has_counts: bool
    """True when the file has ``All Premises`` (figures can be summed into areas)."""
    measures: tuple[str, ...]


def sniff_layout(header: list[str]) -> Layout | None:
    """The :class:`Layout` of an Ofcom header, or ``None`` when it is not an Ofcom file."""
    by_norm = {_norm(h) for h in header}
    level = next((lv for lv, names in ID_ALIASES.items() if any(n in by_norm for n in names)), None)
    found = {canon for canon, names in ALIASES.items() if any(n in by_norm for n in names)}
    measures = tuple(m for m in MEASURES if f"n_{m}" in found or f"pct_{m}" in found)
    if level is None or not (measures or "premises" in found):
        return None
    return Layout(level, "premises" in found, measures)


__all__ = [
    "ALIASES",
    "COUNTS",
    "DERIVED",
    "ID_ALIASES",
    "Keep",
    "Layout",
    "OfcomName",
    "normalise_release",
    "parse_name",
    "read_coverage",
    "read_percentages",
    "release_caveats",
    "release_from_filename",
    "sniff_layout",
]
