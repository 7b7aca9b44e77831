"""Property tests for geo.sources.ofcom.read_coverage: only DataError, and weighted totals exact.

Generated tables are synthetic. The independent check sums the generated integers directly and
never calls the code under test.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from geo.analysis.coverage import totals
from geo.errors import DataError
from geo.sources.ofcom import read_coverage

HEADERS = [
    "laua",
    "All Premises",
    "Number of premises with Gigabit availability",
    "Gigabit availability (% premises)",
    "laua_name",
    "postcode",
    "pcds",
    "x",
    "",
]
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1,000",
            "12.5",
            "50%",
            "inf",
            "nan",
            "1e309",
            "E07000901",
            "NR1 1AA",
            "n/a",
            '"',
            "\r",
            "\n",
            "\x00",
            "\ufeff",
            "ﬀ",
        ]
    ),
    st.integers(-10, 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=8),
)


def _only_data_errors(data: bytes) -> pd.DataFrame | None:
    try:
        return read_coverage(data, filename="prop.csv")
    except DataError as err:
        assert all(p.file == "prop.csv" for p in err.problems)
        return None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
@example(b"")
@example(b"\xff\xfe")
@example(b"\xef\xbb\xbf")
@example(b"laua\n\x81")
@example(b'laua,All Premises\n"E1,2\n')
def test_arbitrary_bytes_raise_only_data_error(data: bytes) -> None:
    _only_data_errors(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5),
    st.lists(st.lists(CELLS, max_size=6), max_size=6),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_arbitrary_tables_raise_only_data_error(
    header: list[str], rows: list[list[str]], encoding: str
) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    try:
        data = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        data = buf.getvalue().encode("utf-8")
    table = _only_data_errors(data)
    if table is not None:  # anything accepted is clean: finite, not negative, whole counts
        numbers = table.select_dtypes("number")
        assert not numbers.isin([float("inf"), float("-inf")]).any().any()
        assert (numbers.fillna(0) >= 0).all().all()


ROW = st.integers(0, 10**7).flatmap(
    lambda premises: st.tuples(st.just(premises), st.integers(0, premises))
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(ROW, min_size=1, max_size=30),
    st.booleans(),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_valid_tables_round_trip_and_weighted_total_is_exact(
    rows: list[tuple[int, int]], separators: bool, encoding: str, newline: str
) -> None:
    def number(n: int) -> str:
        return f'"{n:,}"' if separators else str(n)

    lines = ["laua,All Premises,Number of premises with Gigabit availability"]
    lines += [f"E0{i:08d},{number(p)},{number(n)}" for i, (p, n) in enumerate(rows)]
    table = read_coverage((newline.join(lines) + newline).encode(encoding), filename="ok.csv")

    assert table["area_id"].tolist() == [f"E0{i:08d}" for i in range(len(rows))]
    assert table["premises"].tolist() == [p for p, _ in rows]
    assert table["n_gigabit"].tolist() == [n for _, n in rows]
    premises, gigabit = sum(p for p, _ in rows), sum(n for _, n in rows)
    summed = totals(table)
    assert summed["premises"] == premises and summed["n_gigabit"] == gigabit
    if premises:
        assert summed["pct_gigabit"] == pytest.approx(100 * gigabit / premises, rel=1e-12)
    else:
        assert pd.isna(summed["pct_gigabit"])
