"""Small-number suppression for public views, and safe CSV export cells.

Decision on zero: a count of **0 is shown as "0"**. It identifies no person or home, and
hiding it would make a map of "where nobody has a voucher" impossible. Counts from 1 to
``threshold - 1`` are shown as "fewer than N"; any rate or percentage derived from a suppressed
count is suppressed too, otherwise the count could be worked back from the rate.
"""

from __future__ import annotations

import pandas as pd

from geo.config import SMALL_COUNT_THRESHOLD

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Cell starts that a spreadsheet may run as a formula (CSV injection)."""


def suppressed_label(threshold: int = SMALL_COUNT_THRESHOLD) -> str:
    """The text shown instead of a small count: ``"fewer than 5"``."""
    return f"fewer than {threshold}"


def is_suppressed(counts: pd.Series, *, threshold: int = SMALL_COUNT_THRESHOLD) -> pd.Series:
    """True where a count is small enough to hide (1 to ``threshold - 1``)."""
    values = pd.to_numeric(counts, errors="coerce")
    return (values > 0) & (values < threshold)


def suppress_small(counts: pd.Series, *, threshold: int = SMALL_COUNT_THRESHOLD) -> pd.Series:
    """Counts as display strings, with 1..``threshold - 1`` shown as "fewer than N".

    Parameters
    ----------
    counts
        Non-negative counts (any index); NaN is shown as "no data".

    Returns
    -------
    Series
        Strings, same index: ``"0"``, ``"fewer than 5"``, ``"12"`` or ``"no data"``.

    Examples
    --------
    >>> suppress_small(pd.Series([0, 3, 5, 1200])).tolist()
    ['0', 'fewer than 5', '5', '1,200']
    """
    values = pd.to_numeric(counts, errors="coerce")
    out = values.map(lambda v: "no data" if pd.isna(v) else f"{round(v):,}").astype(object)
    out[is_suppressed(values, threshold=threshold)] = suppressed_label(threshold)
    return out


def count_text(value: object, *, public: bool) -> str:
    """One count as text: exact (``"1,234"``) for officers, small ones hidden when ``public``.

    Examples
    --------
    >>> count_text(3, public=True), count_text(3, public=False), count_text(1234, public=False)
    ('fewer than 5', '3', '1,234')
    """
    number = pd.Series([value], dtype=float)
    return str(suppress_small(number).iloc[0]) if public else f"{number.iloc[0]:,.0f}"


def suppress_rates(
    rates: pd.Series,
    counts: pd.Series,
    *,
    threshold: int = SMALL_COUNT_THRESHOLD,
    decimals: int = 1,
) -> pd.Series:
    """Rates as display strings, hidden ("suppressed") wherever the count behind them is small.

    ``rates`` and ``counts`` share an index (one row per area).
    """
    values = pd.to_numeric(rates, errors="coerce")
    out = values.map(lambda v: "no data" if pd.isna(v) else f"{v:,.{decimals}f}").astype(object)
    hidden = is_suppressed(counts, threshold=threshold).reindex(values.index, fill_value=False)
    out[hidden] = "suppressed"
    return out


def neutralise_formula(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with a single quote.

    Non-text values are returned unchanged.

    Examples
    --------
    >>> neutralise_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("Norwich")
    'Norwich'
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`neutralise_formula` applied to every cell and header."""
    out = frame.map(neutralise_formula)
    out.columns = [neutralise_formula(c) for c in frame.columns]
    return out


def formula_safe_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index) with every cell and header formula-neutralised.

    The one way the app writes a CSV for a person to open in a spreadsheet. Rows end in CRLF
    (RFC 4180), which also makes the writer quote any cell holding a carriage return: an
    unquoted CR inside a cell would start a new row, and the text after it a new first cell.

    Examples
    --------
    >>> formula_safe_csv(pd.DataFrame({"name": ["=1+1", "Diss"], "n": [-3, 4]})).splitlines()
    ['name,n', "'=1+1,-3", 'Diss,4']
    """
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n")


__all__ = [
    "FORMULA_PREFIXES",
    "formula_safe_csv",
    "is_suppressed",
    "neutralise_formula",
    "neutralise_frame",
    "suppress_rates",
    "suppress_small",
    "suppressed_label",
]
