"""geo.sources.postcodes: normalising, reading ONSPD/NSPL (old and 2025 headers), locating."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import DataError
from geo.sources.postcodes import locate_postcodes, normalise_postcode, read_postcode_file
from tests.uploads_support import DATA, POSTCODE_FILES, lookup


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("nr1 3qu", "NR1 3QU"),
        ("  NR13QU ", "NR1 3QU"),
        ("ip20  9at", "IP20 9AT"),
        ("EC1A1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("gir0aa", "GIR 0AA"),
        ("NR1 XYZ", None),
        ("NR1", None),
        ("12345", None),
        ("", None),
        (None, None),
        (1234, None),
    ],
)
def test_normalise_postcode(raw: object, expected: str | None) -> None:
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("name", POSTCODE_FILES)
def test_every_edition_reads_to_the_same_lookup(name: str) -> None:
    lk = lookup(name)
    assert list(lk.index[:3]) == ["NR1 1AA", "NR1 1AB", "NR1 1AD"]
    assert lk.loc["NR1 1AB", ["easting", "northing"]].tolist() == [601500.0, 300500.0]
    assert lk["terminated"].tolist() == [False] * 6 + [True, False]
    assert pd.isna(lk.loc["NR2 2NG", "easting"])
    assert lk.loc["NR1 1AA", "lsoa_code"] == "E01000001"
    assert lk.loc["NR9 9ZZ", "lad_code"] == "E07000144"


def test_bytes_input_and_missing_file() -> None:
    data = (DATA / "postcodes" / POSTCODE_FILES[0]).read_bytes()
    assert len(read_postcode_file(data, filename="up.csv")) == 8
    with pytest.raises(DataError, match="file not found"):
        read_postcode_file(DATA / "nope.csv", filename="nope.csv")


def test_bad_rows_in_a_postcode_file_are_all_reported() -> None:
    data = (
        b"pcds,east1m,north1m,doterm\nNR1 1AA,600500,300500,\nBAD,1,2,\n"
        b"NR1 1AA,5,5,\nNR1 1AB,x,-3,2020\n"
    )
    with pytest.raises(DataError) as err:
        read_postcode_file(data, filename="pc.csv")
    got = [(p.row, p.column) for p in err.value.problems]
    assert got == [(3, "pcds"), (4, "pcds"), (5, "doterm"), (5, "east1m"), (5, "north1m")]


def test_locate_reports_unknown_terminated_and_gridless_never_drops() -> None:
    pcs = pd.Series(
        ["nr11ab", "NR1 9XX", "NR2 2NG", "ZZ9 9ZZ", "not one", "NR1 1AE"], index=[2, 3, 4, 5, 6, 7]
    )
    points, problems = locate_postcodes(pcs, lookup(), filename="u.csv", column="Postcode")
    assert points.crs == "EPSG:27700"
    assert list(points.index) == [2, 7]
    assert points.geometry.x.tolist() == [601500.0, 602500.0]
    assert points["postcode"].tolist() == ["NR1 1AB", "NR1 1AE"]
    assert [(p.row, p.column) for p in problems] == [(r, "Postcode") for r in (3, 4, 5, 6)]
    reasons = " | ".join(p.reason for p in problems)
    for word in ("terminated", "no grid reference", "not found", "not a valid UK postcode"):
        assert word in reasons
    assert len(points) + len(problems) == len(pcs)
