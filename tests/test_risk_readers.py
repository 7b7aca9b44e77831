"""Census 2021 age, Ofcom mobile and council indicator files: read unmodified, checked, imported.

Every fixture is a small file generated here in the published layout
(docs/formats-mobile-census.md), never a committed copy.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.errors import DataError
from geo.sources import synthetic_risk as sr
from geo.sources.census import parse_age_label, read_census_age, tiling
from geo.sources.indicators import read_indicators
from geo.sources.mobile import (
    fetch_mobile_api,
    mobile_by_postcode,
    read_mobile_api,
    read_mobile_coverage,
)
from geo.storage.catalog import import_file, load_catalog
from tests import httpreplay
from tests.httpreplay import ReplayServer, Reply

TS007A_HEADER = "date,geography,geography code,Age: Total," + ",".join(
    f"Age: {b}" for b in sr.TS007A_BANDS
)


def _ts007a(*rows: tuple[str, list[int]], total: int | None = None) -> bytes:
    lines = [TS007A_HEADER]
    for code, counts in rows:
        t = sum(counts) if total is None else total
        lines.append(f"2021,{code},{code},{t}," + ",".join(map(str, counts)))
    return ("\n".join(lines) + "\n").encode()


def test_ts007a_counts_residents_aged_65_and_75_plus() -> None:
    counts = [10] * 13 + [4, 5, 6, 7, 8]  # 65–69 … 85+
    out = read_census_age(
        _ts007a(("E00000001", counts), ("E00000002", [1] * 18)), filename="census2021-ts007a-oa.csv"
    )
    first = out.iloc[0]
    assert (first["residents"], first["aged_65_plus"], first["aged_75_plus"]) == (160, 30, 21)
    assert out["level"].tolist() == ["oa", "oa"]
    assert out.attrs["table"] == "TS007A" and out.attrs["layout"] == "nomis"


def test_ts007_single_years_are_not_double_counted_with_their_bands() -> None:
    data = sr.census_ts007(["E01000001", "E01000002"])
    raw = pd.read_csv(pd.io.common.BytesIO(data))
    singles = [f"Age: Aged {a} years; measures: Value" for a in range(65, 100)]
    expected = raw[singles].sum(axis=1) + raw["Age: Aged 100 years and over; measures: Value"]
    out = read_census_age(data, filename="census2021-ts007-lsoa.csv")
    assert out["aged_65_plus"].tolist() == expected.tolist()
    assert out["residents"].tolist() == raw["Age: Total; measures: Value"].tolist()
    assert out.attrs["table"] == "TS007" and set(out["level"]) == {"lsoa"}


def test_ons_custom_download_long_format() -> None:
    lines = [
        "Output Areas Code,Output Areas,Age (18 categories) Code,Age (18 categories),Observation"
    ]
    for code in ("E00000001", "E00000002"):
        for i, band in enumerate(sr.TS007A_BANDS, start=1):
            lines.append(f"{code},{code},{i},{band},{i}")
    out = read_census_age(("\n".join(lines) + "\n").encode(), filename="custom.csv")
    assert out["residents"].tolist() == [171, 171]  # 1 + 2 + … + 18
    assert out["aged_65_plus"].tolist() == [14 + 15 + 16 + 17 + 18] * 2
    assert out["aged_75_plus"].tolist() == [16 + 17 + 18] * 2
    assert out.attrs["layout"] == "ons"


def test_age_labels_and_the_tiling_rule() -> None:
    assert parse_age_label("Age: Aged under 1 year; measures: Value") == (0, 0)
    assert parse_age_label("Aged 100 years and over") == (100, math.inf)
    assert parse_age_label("Age: Total") is None
    from geo.sources.census import AgeBand

    gap = [AgeBand("a", 0, 9), AgeBand("b", 11, math.inf)]
    assert tiling(gap) is None


def test_a_bom_and_cp1252_names_are_read() -> None:
    counts = [2] * 18
    data = _ts007a(("E01000001", counts)).replace(
        b"2021,E01000001,E01000001", "2021,Caf\u00e9 001A,E01000001".encode("cp1252")
    )
    assert read_census_age(data, filename="x.csv")["residents"].tolist() == [36]
    assert read_census_age(b"\xef\xbb\xbf" + _ts007a(("E00000009", counts)), filename="bom.csv")[
        "area_code"
    ].tolist() == ["E00000009"]


@pytest.mark.parametrize(
    ("data", "row", "column", "reason"),
    [
        (_ts007a(("E00000001", [1] * 18), total=99), 2, "Age: Total", "add up to 18"),
        (_ts007a(("E00000001", [1] * 17 + [-1])), 2, "Age: Aged 85 years and over", "at least 0"),
        (_ts007a(("", [1] * 18)), 2, "geography code", "blank"),
        (
            _ts007a(("E00000001", [1] * 18), ("E00000001", [1] * 18)),
            3,
            "geography code",
            "duplicate",
        ),
        (_ts007a(("E00000001", [1] * 17 + [1.5])), 2, "Age: Aged 85 years and over", "whole"),  # type: ignore[list-item]
    ],
)
def test_bad_census_rows_name_file_row_and_column(
    data: bytes, row: int, column: str, reason: str
) -> None:
    with pytest.raises(DataError) as err:
        read_census_age(data, filename="census2021-ts007a-oa.csv")
    p = err.value.problems[0]
    assert (p.file, p.row, p.column) == ("census2021-ts007a-oa.csv", row, column)
    assert reason in p.reason


def test_census_files_at_the_wrong_level_or_without_ages_are_refused() -> None:
    with pytest.raises(DataError, match="msoa areas"):
        read_census_age(_ts007a(("E02000001", [1] * 18)), filename="ts007a-msoa.csv")
    no_85 = (
        TS007A_HEADER.rsplit(",", 1)[0] + "\n2021,E00000001,E00000001,17," + ",".join(["1"] * 17)
    )
    with pytest.raises(DataError, match="do not cover every age"):
        read_census_age((no_85 + "\n").encode(), filename="cut.csv")


replay = httpreplay.replay
LAUA = sr.mobile_laua(
    ["E07000143", "E07000144"], ["Breckland", "Broadland"], premises=[60000, 61000]
)


def test_mobile_area_file_blank_means_zero_and_families_are_read() -> None:
    out = read_mobile_coverage(LAUA, filename="202507_mobile_coverage_laua_r01.csv")
    assert out.attrs["level"] == "lad" and out["release"].unique().tolist() == ["2025-07"]
    assert (
        "4g_prem_in" in out.attrs["families"] and "5g_very_high_prem_out" in out.attrs["families"]
    )
    fam = out[[f"pct_4g_prem_in_{n}" for n in range(5)]]
    assert fam.sum(axis=1).to_numpy() == pytest.approx([100, 100], abs=0.05)
    assert out["premises"].tolist() == [60000, 61000]
    text = "laua,laua_name,4G_prem_in_0,4G_prem_in_1,4G_prem_in_2,4G_prem_in_3,4G_prem_in_4\n"
    text += "E06000001,Hartlepool,,,3.4,10.6,86\nE06000002,Middlesbrough,,,,,\n"
    two = read_mobile_coverage(text.encode(), filename="202105_mobile_laua_r01.csv")
    assert two.loc[0, "pct_4g_prem_in_0"] == 0.0  # blank beside figures: 0%
    assert np.isnan(two.loc[1, "pct_4g_prem_in_0"])  # a wholly blank family: no figure
    assert np.isnan(two.loc[0, "premises"])  # 2021 files have no prem_count


def test_constituency_mobile_file_is_recognised() -> None:
    text = (
        "parl_const,parl_const_name,4G_prem_out_0,4G_prem_out_1,4G_prem_out_2,"
        "4G_prem_out_3,4G_prem_out_4\nE14000001,Aldershot,0,0,1,9,90\n"
    )
    out = read_mobile_coverage(text.encode(), filename="202507_mobile_coverage_pcon_r01.csv")
    assert out.attrs["level"] == "pcon" and out["area_name"].tolist() == ["Aldershot"]


def test_bad_mobile_rows_name_row_and_column() -> None:
    text = (
        "laua,laua_name,4G_prem_in_0,4G_prem_in_1,4G_prem_in_2,4G_prem_in_3,4G_prem_in_4\n"
        "E06000001,Hartlepool,1,2,3,4,5\nE06000002,Middlesbrough,0,0,0,0,abc\n"
    )
    with pytest.raises(DataError) as err:
        read_mobile_coverage(text.encode(), filename="m.csv")
    found = {(p.row, p.column) for p in err.value.problems}
    assert (2, "4G_prem_in_0") in found  # adds up to 15%, not 100%
    assert (3, "4G_prem_in_4") in found  # not a number
    with pytest.raises(DataError, match="no area code column"):
        read_mobile_coverage(b"code,4G_prem_in_0\nX,1\n", filename="m.csv")


def _api(records: list[dict[str, int]]) -> bytes:
    full = []
    for i, rec in enumerate(records):
        row = {"UPRN": 100 + i, "PostCode": "NR13QU"}
        row.update({f: 0 for f in _fields()})
        row.update(rec)
        full.append(row)
    return json.dumps(
        {"PostCode": "NR13QU", "DBName": "MobileAvailability-202406041254", "Availability": full}
    ).encode()


def _fields() -> tuple[str, ...]:
    from geo.sources.mobile import API_FIELDS

    return API_FIELDS


def test_mobile_api_counts_premises_per_operator_and_weak_indoor_4g() -> None:
    data = _api(
        [
            {"EEDataIndoor": 3, "VODataIndoor": 4},  # two networks indoors
            {"EEDataIndoor": 3},  # one: weak
            {},
        ]
    )  # none: weak
    uprns = read_mobile_api(data, filename="NR13QU.json")
    assert uprns.attrs["release"] == "2024-06" and uprns["postcode"].unique().tolist() == [
        "NR1 3QU"
    ]
    counts = mobile_by_postcode(uprns)
    row = counts.loc["NR1 3QU"]
    assert row["premises"] == 3 and row["n_weak_indoor_4g"] == 2
    assert row["n_indoor_4g_ee"] == 2 and row["n_indoor_4g_vo"] == 1 and row["n_indoor_4g_h3"] == 0
    assert mobile_by_postcode(uprns, max_operators=0).loc["NR1 3QU", "n_weak_indoor_4g"] == 1


def test_bad_mobile_api_records_are_refused_with_their_number() -> None:
    with pytest.raises(DataError) as err:
        read_mobile_api(_api([{}, {"EEDataIndoor": 7}]), filename="NR13QU.json")
    p = err.value.problems[0]
    assert (p.row, p.column, p.value) == (2, "EEDataIndoor", 7)
    with pytest.raises(DataError, match="Availability"):
        read_mobile_api(b'{"Error": "Post code not found"}', filename="x.json")
    with pytest.raises(DataError, match="not valid JSON"):
        read_mobile_api(b"<html>", filename="x.json")


def test_council_indicators_file() -> None:
    text = (
        "LSOA21CD,Guaranteed pension credit per 1000 aged 65+,No qualifications (%)\n"
        "E01026419,95.2,21.4\nE01026420,40,110\n"
    )
    with pytest.raises(DataError) as err:
        read_indicators(text.encode(), filename="council.csv")
    p = err.value.problems[0]
    assert (p.row, p.column) == (3, "No qualifications (%)") and "over 100" in p.reason
    good = read_indicators(text.replace("110", "11").encode(), filename="council.csv")
    assert good.attrs["indicators"] == ["pension_credit", "no_qualifications"]
    assert good["level"].unique().tolist() == ["lsoa"]


def test_import_file_puts_each_file_in_its_layer_and_a_bad_one_changes_nothing(
    tmp_path: Path,
) -> None:
    cat = tmp_path / "broadband.gpkg"
    files = {
        "census2021-ts007a-oa_synthetic.csv": _ts007a(("E00000001", [3] * 18)),
        "202507_mobile_coverage_laua_synthetic.csv": LAUA,
        "NR13QU_mobile_synthetic.json": _api([{"EEDataIndoor": 3}]),
        "council_indicators_synthetic.csv": b"oa21cd,unemployment rate (%)\nE00000001,4.5\n",
    }
    layers = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        layers.append(import_file(tmp_path / name, cat, synthetic=True))
    assert layers == ["census_age", "mobile", "mobile_postcodes", "risk_indicators"]
    loaded = load_catalog(cat)
    assert loaded.census_age is not None and loaded.census_age["aged_75_plus"].tolist() == [9]
    assert loaded.mobile is not None and set(loaded.mobile["area_id"]) == {"E07000143", "E07000144"}
    assert loaded.mobile_postcodes is not None
    assert loaded.mobile_postcodes.loc["NR1 3QU", "n_weak_indoor_4g"] == 1
    assert loaded.indicators is not None and loaded.indicators["unemployment"].tolist() == [4.5]
    assert loaded.meta["census_age"]["synthetic"] is True
    before = cat.read_bytes()
    bad = tmp_path / "census2021-ts007a-oa_bad.csv"
    bad.write_bytes(_ts007a(("E00000001", [3] * 18), total=1))
    with pytest.raises(DataError, match="row 2"):
        import_file(bad, cat)
    assert cat.read_bytes() == before  # nothing already stored is lost


def test_mobile_api_fetch_replayed_on_loopback(
    replay: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ofcom's mobile API as it answers: a found postcode, a 404, and a retried 503."""
    from geo.sources import download

    waits: list[float] = []
    monkeypatch.setattr(download, "_sleep", waits.append)
    found = sr.mobile_api("NR1 3QU", [1, 2, 3])
    replay.add("/mobile/coverage/NR13QU", [Reply(status=503), Reply(body=found)])
    replay.add(
        "/mobile/coverage/ZZ991ZZ",
        Reply.json({"PostCode": "ZZ991ZZ", "Error": "Post code not found"}, status=404),
    )
    uprns, missing = fetch_mobile_api(
        ["nr1 3qu", "NR13QU", "ZZ99 1ZZ"],
        key="secret-key",
        cache_dir=tmp_path,
        api_url=replay.url("/mobile/coverage"),
    )
    assert len(uprns) == 3 and uprns["postcode"].unique().tolist() == ["NR1 3QU"]
    assert missing == ["ZZ991ZZ"]
    sent = [r for r in replay.requests if r.path.endswith("NR13QU")]
    assert len(sent) == 2  # asked once (after one retry), however the postcode was spelt
    assert all(r.headers.get("Ocp-Apim-Subscription-Key") == "secret-key" for r in sent)
    assert not any(b"secret-key" in p.read_bytes() for p in tmp_path.iterdir())
    again, _ = fetch_mobile_api(
        ["NR1 3QU"], key="k", cache_dir=tmp_path, api_url=replay.url("/mobile/coverage")
    )
    assert len(again) == 3 and len(replay.requests) == 3  # served from the cache
    assert waits == [0.5]  # one back-off before the retry
