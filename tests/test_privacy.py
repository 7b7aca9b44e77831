"""geo.analysis.privacy: small counts hidden, derived rates with them, formulas neutralised."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.analysis.privacy import (
    neutralise_formula,
    neutralise_frame,
    suppress_rates,
    suppress_small,
)


def test_small_counts_become_fewer_than_five_and_zero_stays_zero() -> None:
    counts = pd.Series([0, 1, 4, 5, 1234, None], index=list("abcdef"))
    assert suppress_small(counts).tolist() == [
        "0", "fewer than 5", "fewer than 5", "5", "1,234", "no data",
    ]  # fmt: skip


def test_threshold_is_configurable() -> None:
    assert suppress_small(pd.Series([9, 10]), threshold=10).tolist() == ["fewer than 10", "10"]


def test_rates_from_suppressed_counts_are_suppressed() -> None:
    counts = pd.Series([3, 20, 0], index=["A", "B", "C"])
    rates = pd.Series([1.5, 10.0, 0.0], index=["A", "B", "C"])
    assert suppress_rates(rates, counts).tolist() == ["suppressed", "10.0", "0.0"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 1603", "'+44 1603"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Norwich", "Norwich"),
        ("a=b", "a=b"),
        (-2, -2),
        (None, None),
    ],
)
def test_neutralise_formula(value: object, expected: object) -> None:
    assert neutralise_formula(value) == expected


def test_neutralise_frame_covers_cells_and_headers() -> None:
    out = neutralise_frame(pd.DataFrame({"=h": ["=x", "ok"], "n": [1, 2]}))
    assert list(out.columns) == ["'=h", "n"]
    assert out["'=h"].tolist() == ["'=x", "ok"] and out["n"].tolist() == [1, 2]
