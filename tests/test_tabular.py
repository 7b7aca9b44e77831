"""geo.sources.tabular: encodings, aliases, numbers, dates, limits, spreadsheet row numbers."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import DataError
from geo.sources.tabular import (
    check_duplicates,
    decode_bytes,
    parse_dates,
    parse_numbers,
    read_table,
)

ALIASES = {"reference": ("ref", "voucher ref"), "value": ("voucher value",)}


@pytest.mark.parametrize(
    "data",
    [
        b"Ref,Town\nA1,Norwich\n",
        b"\xef\xbb\xbf" + b"Ref,Town\nA1,Norwich\n",
        "Ref,Town\nA1,Norwich\n".encode("utf-16"),
        "Ref,Town\r\nA1,Norwich\r\n".encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "cp1252"],
)
def test_every_supported_encoding_reads_the_same(data: bytes) -> None:
    t = read_table(data, filename="x.csv", aliases=ALIASES)
    assert t.frame.to_dict("index") == {2: {"reference": "A1", "Town": "Norwich"}}


def test_cp1252_pound_sign_and_accents_survive() -> None:
    text = decode_bytes("Café,£5\n".encode("cp1252"), filename="x.csv")
    assert text == "Café,£5\n"


@pytest.mark.parametrize(
    "data", [b"\x00\x01\x02binary", "a,b\n1,2\n".encode("utf-16-le"), b"a,b\n\x81\x8d,1\n"]
)
def test_undecodable_bytes_say_wrong_encoding(data: bytes) -> None:
    with pytest.raises(DataError, match="wrong encoding"):
        decode_bytes(data, filename="x.csv")


def test_headers_map_through_aliases_ignoring_case_spaces_and_units() -> None:
    t = read_table(b"VOUCHER  REF,Voucher Value (\xa3)\nA1,5\n", filename="x.csv", aliases=ALIASES)
    assert list(t.frame.columns) == ["reference", "value"]
    assert t.name("value") == "Voucher Value (£)"


def test_two_headers_meaning_the_same_column_is_an_error() -> None:
    with pytest.raises(DataError, match="column 'ref' repeats column 'Reference'"):
        read_table(b"Reference,ref\nA,B\n", filename="x.csv", aliases=ALIASES)


def test_missing_required_column_names_accepted_headers() -> None:
    with pytest.raises(DataError, match="required column 'reference' is missing"):
        read_table(b"Town\nNorwich\n", filename="x.csv", aliases=ALIASES, required=["reference"])


def test_rows_keep_spreadsheet_numbers_across_blank_lines() -> None:
    t = read_table(b"ref\nA\n\nB\n", filename="x.csv", aliases=ALIASES)
    assert t.frame["reference"].to_dict() == {2: "A", 4: "B"}


def test_numbers_accept_pounds_commas_and_percent_and_report_bad_cells() -> None:
    t = read_table(
        'ref,value\nA,"£1,234.50"\nB,45%\nC,12x\nD,"1,23"\nE,\n'.encode(),
        filename="v.csv",
        aliases=ALIASES,
    )
    values = parse_numbers(t, "value")
    assert values[2] == 1234.5 and values[3] == 45.0 and pd.isna(values[6])
    with pytest.raises(DataError) as err:
        t.finish()
    assert [(p.row, p.column, p.value) for p in err.value.problems] == [
        (4, "value", "12x"),
        (5, "value", "1,23"),
    ]


def test_dates_iso_and_uk_are_read_and_us_order_is_refused() -> None:
    t = read_table(b"d\n2024-03-31\n31/03/2024\n03/31/2024\n20240331\n", filename="d.csv")
    dates = parse_dates(t, "d")
    assert dates[2] == dates[3] == dates[5] == pd.Timestamp("2024-03-31")
    assert pd.isna(dates[4])
    assert [(p.row, p.value) for p in t.problems.problems] == [(4, "03/31/2024")]


def test_duplicates_name_the_first_row() -> None:
    t = read_table(b"ref\nA\nB\nA\n", filename="x.csv", aliases=ALIASES)
    check_duplicates(t, "reference")
    assert str(t.problems.problems[0]) == (
        "x.csv row 4, column 'ref': duplicate reference: already used on row 2 (value 'A')"
    )


def test_size_limit_has_a_clear_message() -> None:
    with pytest.raises(DataError, match=r"too large .* the limit is 0 MB"):
        read_table(b"a\n" + b"1\n" * 100, filename="big.csv", max_bytes=10)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "is empty"),
        (b"  \n", "is empty"),
        (b"a,b\n", "row 1: has a header row but no records"),
    ],
)
def test_empty_and_header_only(data: bytes, fragment: str) -> None:
    with pytest.raises(DataError, match=fragment):
        read_table(data, filename="e.csv")


def test_headerless_file_starts_at_row_one() -> None:
    t = read_table(b"D82001,X\nD82002,Y\n", filename="e.csv", header=False, names=["code", "n"])
    assert t.frame["code"].to_dict() == {1: "D82001", 2: "D82002"}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_table_or_a_data_error(data: bytes) -> None:
    try:
        t = read_table(data, filename="fuzz.csv", aliases=ALIASES)
    except DataError:
        return
    parse_numbers(t, "value")
    parse_dates(t, "reference")
