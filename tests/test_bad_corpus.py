"""Every file in tests/data/bad gives a DataError naming its file, row and column."""

from __future__ import annotations

import csv

import pytest

from geo.errors import DataError
from geo.sources.postcodes import read_postcode_file
from layers import registered
from layers.base import ReadContext
from tests.uploads_support import DATA, context

BAD = DATA / "bad"
CASES = list(csv.DictReader((BAD / "EXPECTED.csv").open(encoding="utf-8")))


def test_corpus_is_large_and_complete() -> None:
    listed = {c["file"] for c in CASES}
    on_disk = {p.name for p in BAD.glob("*.csv")} - {"EXPECTED.csv"}
    assert listed == on_disk
    assert len(CASES) >= 30
    assert {c["layer"] for c in CASES} == {"vouchers", "anchors", "pilots", "postcodes"}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_file_is_refused_with_location(case: dict[str, str]) -> None:
    data = (BAD / case["file"]).read_bytes()
    with pytest.raises(DataError) as err:
        if case["layer"] == "postcodes":
            read_postcode_file(data, filename=case["file"])
        else:
            ctx = context() if case["context"] == "synthetic" else ReadContext()
            registered()[case["layer"]].read(data, filename=case["file"], context=ctx)
    message = str(err.value)
    assert case["file"] in message
    assert case["expected"] in message, message
