"""Uploads: numbers and dates within sane limits; parsing per distinct value; one check per file."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from geo.config import MAX_PEOPLE_HELPED, MAX_VOUCHER_VALUE_GBP
from geo.errors import DataError
from geo.sources import tabular
from geo.sources.tabular import parse_choice, parse_dates, parse_numbers, read_table
from layers import registered, upload, vouchers
from layers.base import ReadContext
from tests.uploads_support import context, squares

NINES = "9" * 400


def _problems(layer: str, text: str) -> list[str]:
    with pytest.raises(DataError) as err:
        registered()[layer].read(text.encode(), filename="f.csv", context=context())
    return [str(p) for p in err.value.problems]


def test_400_nines_is_out_of_range_not_infinity() -> None:
    found = _problems("vouchers", f"reference,status,value,postcode\nV1,approved,{NINES},NR1 1AA\n")
    assert found == [
        f"f.csv row 2, column 'value': is out of range: at most {MAX_VOUCHER_VALUE_GBP:,.0f} "
        f"(value '{'9' * 40}… (400 characters)')"
    ]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("inf", "is not a number"),
        ("nan", "is not a number"),
        ("1e309", "is not a number"),
        ("1,2", "is not a number"),
        ("-5", "must be at least 0"),
        ("100001", f"is out of range: at most {MAX_VOUCHER_VALUE_GBP:,.0f}"),
    ],
)
def test_voucher_values_are_finite_and_plausible(cell: str, reason: str) -> None:
    text = f'reference,status,value,postcode\nV1,approved,"{cell}",NR1 1AA\n'
    assert _problems("vouchers", text) == [
        f"f.csv row 2, column 'value': {reason} (value {cell!r})"
    ]


def test_people_helped_has_a_maximum() -> None:
    text = (
        "programme,site_name,kind,start_date,people_helped,postcode\n"
        f"P,Hall,training,2024-01-01,{MAX_PEOPLE_HELPED + 1},NR1 1AA\n"
    )
    assert _problems("pilots", text) == [
        f"f.csv row 2, column 'people_helped': is out of range: at most "
        f"{MAX_PEOPLE_HELPED:,} (value '{MAX_PEOPLE_HELPED + 1}')"
    ]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("0001-01-01", "is before 01/01/1990: not a plausible date for this record"),
        ("14/10/1066", "is before 01/01/1990: not a plausible date for this record"),
        ("2999-01-01", "is after 31/12/2034: not a plausible date for this record"),
        ("31/02/2024", "is not a date (use YYYY-MM-DD or DD/MM/YYYY)"),
    ],
)
def test_implausible_dates_are_refused(cell: str, reason: str) -> None:
    text = f"programme,site_name,kind,start_date,postcode\nP,Hall,training,{cell},NR1 1AA\n"
    assert _problems("pilots", text) == [
        f"f.csv row 2, column 'start_date': {reason} (value {cell!r})"
    ]


def test_dates_parse_every_format_and_keep_rows() -> None:
    table = read_table(b"d\n2024-03-31\n31/03/2024\n20240331\n\n1990-01-01\n", filename="d.csv")
    out = parse_dates(table, "d", today=date(2024, 6, 1))
    assert out.index.tolist() == [2, 3, 4, 6]
    assert out.dt.strftime("%Y-%m-%d").tolist() == ["2024-03-31"] * 3 + ["1990-01-01"]
    assert not table.problems.problems


def test_parsers_work_per_distinct_value_not_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """10,000 rows holding 4 statuses cost a handful of key look-ups, and a missing column
    (every cell blank) is filled in one assignment: no per-cell loop."""
    calls: list[str] = []
    real = tabular.header_key
    monkeypatch.setattr(tabular, "header_key", lambda s: calls.append(s) or real(s))
    statuses = ("applied", "Approved", "connected ", "CANCELLED")
    body = "".join(f"V{i},{statuses[i % 4]},{1 + i % 3}/01/2024,{i % 7}\n" for i in range(10_000))
    table = read_table(b"reference,status,date,n\n" + body.encode(), filename="v.csv")
    parsed = parse_choice(table, "status", allowed=vouchers.STATUSES)
    blank = parse_choice(table, "premises_type", allowed=vouchers.PREMISES_TYPES, blank="unknown")
    assert parsed.value_counts().to_dict() == {s: 2_500 for s in vouchers.STATUSES}
    assert (blank == "unknown").all() and len(blank) == 10_000
    assert len(calls) <= 2 * (len(vouchers.STATUSES) + len(vouchers.PREMISES_TYPES)) + 4
    seen: list[int] = []
    real_parts = tabular._date_parts
    monkeypatch.setattr(tabular, "_date_parts", lambda c: seen.append(len(c)) or real_parts(c))
    assert parse_dates(table, "date", today=date(2024, 6, 1)).notna().all()
    assert seen == [3]
    assert parse_numbers(table, "n", integer=True).sum() == sum(i % 7 for i in range(10_000))


def test_a_page_rerun_does_not_read_the_file_again(monkeypatch: pytest.MonkeyPatch) -> None:
    upload._CHECKS.clear()
    reads: list[str] = []
    real = vouchers.read_table
    monkeypatch.setattr(
        vouchers, "read_table", lambda *a, **k: reads.append(k["filename"]) or real(*a, **k)
    )
    data = b"reference,status,postcode\nV1,approved,NR1 1AA\nV2,connected,NR1 1AB\n"
    ctx, areas = context(), squares()
    first = upload.check_upload(data, filename="v.csv", layer="vouchers", context=ctx, areas=areas)
    again = upload.check_upload(
        data, filename="v.csv", layer="vouchers", context=context(), areas=squares()
    )  # a rerun: equal but new objects, as st.cache_data hands out copies
    assert first.ok and again is first and reads == ["v.csv"]
    later = ReadContext(postcodes=ctx.postcodes, county=ctx.county, today=date(2024, 6, 2))
    upload.check_upload(data, filename="v.csv", layer="vouchers", context=later, areas=areas)
    assert reads == ["v.csv", "v.csv"]  # a different day can change the answer: checked again
    fewer = ReadContext(postcodes=ctx.postcodes.iloc[:-1], county=ctx.county, today=ctx.today)
    upload.check_upload(data, filename="v.csv", layer="vouchers", context=fewer, areas=areas)
    assert len(reads) == 3  # a changed postcode directory: checked again
    bad = data + b"V3,bogus,NR1 1AA\n"
    for _ in range(2):
        result = upload.check_upload(
            bad, filename="v.csv", layer="vouchers", context=ctx, areas=areas
        )
        assert [p.row for p in result.problems] == [4]
    assert len(reads) == 4  # refusals are remembered too
    upload._CHECKS.clear()


def test_stamped_context_skips_the_content_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    upload._CHECKS.clear()
    hashed: list[int] = []
    real = pd.util.hash_pandas_object
    monkeypatch.setattr(pd.util, "hash_pandas_object", lambda f: hashed.append(len(f)) or real(f))
    ctx = context()
    stamped = ReadContext(
        postcodes=ctx.postcodes, county=ctx.county, today=ctx.today, stamp=(1, 2, 3)
    )
    data = b"reference,status,postcode\nV1,approved,NR1 1AA\n"
    upload.check_upload(data, filename="v.csv", layer="vouchers", context=stamped, areas=squares())
    assert hashed == []
    upload._CHECKS.clear()
