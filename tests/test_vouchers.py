"""layers.vouchers: reading, validation, aggregation by hand-worked answers, drawing."""

from __future__ import annotations

import contextlib
from datetime import date

import folium
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import DataError
from layers import registered, vouchers
from tests.uploads_support import context, squares, upload

HEAD = "reference,postcode,easting,northing,latitude,longitude,status,date,value\n"


def read_text(body: str, **kw) -> object:
    return vouchers.read((HEAD + body).encode(), filename="v.csv", context=context(), **kw)


def test_registered_as_personal_data() -> None:
    layer = registered()["vouchers"]
    assert layer is vouchers.LAYER and layer.personal_data


def test_example_file_reads_with_canonical_values() -> None:
    recs = vouchers.read(upload("vouchers_SYNTHETIC.csv"), filename="v.csv", context=context())
    assert recs.crs == "EPSG:27700"
    assert recs["reference"].tolist() == [f"SYN-V00{i}" for i in range(1, 6)]
    assert recs["status"].tolist() == ["connected", "approved", "applied", "cancelled", "connected"]
    assert recs["value"].tolist() == [1500.0, 3500.0, 1500.0, 1500.0, 4000.0]
    assert recs["premises_type"].tolist()[:2] == ["residential", "business"]
    assert recs["postcode"].tolist()[2] == "NR1 1AD"
    assert recs["date"].iloc[0] == pd.Timestamp("2024-03-15")


def test_aggregate_by_hand() -> None:
    recs = vouchers.read(upload("vouchers_SYNTHETIC.csv"), filename="v.csv", context=context())
    premises = pd.Series([100, 200, 400], index=["E58000001", "E58000002", "E58000003"])
    out = vouchers.aggregate(recs, squares(), premises=premises)
    # NR1 1AD sits on the A/B border: counted once, in A (the lower code).
    assert out["n_applied"].tolist() == [1, 0, 0]
    assert out["n_approved"].tolist() == [0, 1, 0]
    assert out["n_connected"].tolist() == [1, 0, 1]
    assert out["n_cancelled"].tolist() == [0, 0, 1]
    assert out["n_vouchers"].tolist() == [2, 1, 1]
    assert out["total_value"].tolist() == [3000.0, 3500.0, 4000.0]  # cancelled not counted
    assert out["per_1000_premises"].tolist() == [20.0, 5.0, 2.5]
    assert int(out[[f"n_{s}" for s in vouchers.STATUSES]].to_numpy().sum()) == len(recs)


def test_aggregate_date_range() -> None:
    recs = vouchers.read(upload("vouchers_SYNTHETIC.csv"), filename="v.csv", context=context())
    out = vouchers.aggregate(recs, squares(), start=date(2024, 3, 1), end=date(2024, 4, 30))
    assert out["n_vouchers"].tolist() == [1, 1, 0]
    assert out["per_1000_premises"].isna().all()


def test_every_problem_is_reported_with_row_and_column() -> None:
    body = (
        "V1,NR9 9ZZ,,,,,applied,2024-01-01,100\n"  # outside the county
        "V2,NR1 1AA,,,,,pending,2024-01-01,100\n"  # unknown status
        "V1,NR1 1AA,,,,,applied,2024-01-01,100\n"  # duplicate reference
        "V4,NR1 1AA,,,,,applied,2030-01-01,100\n"  # future date
        "V5,NR1 1AA,,,,,applied,2024-01-01,lots\n"  # bad number
        "V6,NR1 XYZ,,,,,applied,2024-01-01,100\n"  # bad postcode
        "V7,,,,1.3,52.6,applied,2024-01-01,100\n"  # lat/lon swapped
        "V8,,,,600500,300500,applied,2024-01-01,100\n"  # eastings in lat/lon
    )
    with pytest.raises(DataError) as err:
        read_text(body)
    got = {(p.row, p.column): p.reason for p in err.value.problems}
    assert got[(2, "postcode")] == "is outside the county"
    assert got[(3, "status")].startswith("must be one of: applied, approved")
    assert got[(4, "reference")] == "duplicate reference: already used on row 2"
    assert got[(5, "date")].startswith("date is in the future")
    assert got[(6, "value")] == "is not a number"
    assert got[(7, "postcode")] == "is not a valid UK postcode"
    assert "swapped" in got[(8, "latitude")]
    assert "easting/northing" in got[(9, "latitude")]
    assert len(got) == 8


def test_bduk_premises_in_plans() -> None:
    recs = vouchers.read(
        upload("bduk_premises_in_plans_SYNTHETIC.csv"), filename="b.csv", context=context()
    )
    assert recs["source"].unique().tolist() == ["bduk"]
    assert recs["status"].tolist() == ["connected", "approved", "in_plan"]
    assert recs["subsidy_control"].tolist() == ["white", "under_review", "grey_black"]
    out = vouchers.aggregate(recs, squares())
    assert out["n_vouchers"].tolist() == [1, 1, 0]
    assert out["n_in_plan"].tolist() == [0, 0, 1]
    assert out["n_subsidy_grey_black"].tolist() == [0, 0, 1]


def test_bduk_bad_subsidy_status() -> None:
    data = upload("bduk_premises_in_plans_SYNTHETIC.csv").replace(b"Gigabit White", b"Green")
    with pytest.raises(DataError, match=r"row 2, column 'subsidy_control_status'"):
        vouchers.read(data, filename="b.csv", context=context())


def _render(group: folium.FeatureGroup) -> str:
    m = folium.Map()
    group.add_to(m)
    return m.get_root().render()


def test_public_drawing_has_no_points_and_private_escapes_text() -> None:
    body = "<script>alert(1)</script>,NR1 1AA,,,,,applied,2024-01-01,100\n"
    recs = read_text(body)
    public = vouchers.draw(recs, public=True)
    assert public.layer_name == "Broadband vouchers"
    assert not public._children
    assert "circleMarker" not in _render(public)
    html = _render(vouchers.draw(recs, public=False, show=False))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("L.circleMarker") == 1


refs = st.lists(
    st.text("ABCDEFGHJK0123456789", min_size=1, max_size=8), min_size=1, max_size=15, unique=True
)


@settings(max_examples=40, deadline=None)
@given(refs, st.data())
def test_generated_valid_rows_round_trip(references: list[str], data: st.DataObject) -> None:
    rows = []
    for ref in references:
        status = data.draw(st.sampled_from(vouchers.STATUSES))
        value = data.draw(st.integers(0, 100_000))
        e = data.draw(st.integers(600_000, 602_999))
        rows.append((ref, status, value, e))
    body = "".join(f'{r},,{e},300500,,,{s},2024-01-31,"£{v:,}"\n' for r, s, v, e in rows)
    recs = read_text(body)
    assert recs["reference"].tolist() == [r for r, *_ in rows]
    assert recs["status"].tolist() == [s for _, s, *_ in rows]
    assert recs["value"].tolist() == [float(v) for *_, v, _ in rows]
    assert recs.geometry.x.tolist() == [float(e) for *_, e in rows]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_records_or_a_data_error(text: str) -> None:
    with contextlib.suppress(DataError):
        vouchers.read((HEAD + text).encode(), filename="f.csv", context=context())
