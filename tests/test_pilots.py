"""layers.pilots: reading, active-on-a-date aggregation, no-support flag, drawing."""

from __future__ import annotations

from datetime import date

import folium
import pytest

from geo.errors import DataError
from layers import pilots
from tests.uploads_support import context, squares, upload


def _recs():
    return pilots.read(upload("pilots_SYNTHETIC.csv"), filename="p.csv", context=context())


def test_reads_example() -> None:
    recs = _recs()
    assert recs["kind"].tolist() == ["training", "device_lending", "free_wifi"]
    assert recs["people_helped"].tolist() == [120.0, 45.0, 1000.0]
    assert recs["end_date"].isna().tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("on", "active", "no_support"),
    [
        (date(2024, 6, 1), [1, 1, 0], [False, False, True]),
        (date(2023, 6, 1), [0, 1, 0], [True, False, True]),
        (date(2025, 6, 1), [0, 1, 0], [True, False, True]),
        (None, [1, 2, 0], [False, False, True]),
    ],
)
def test_aggregate_active_on_a_date(on, active, no_support) -> None:
    out = pilots.aggregate(_recs(), squares(), on=on)
    assert out["n_active"].tolist() == active
    assert out["no_support"].tolist() == no_support
    assert out["n_sites"].tolist() == [1, 2, 0]
    assert out["people_helped"].tolist() == [120.0, 1045.0, 0.0]


def test_problems() -> None:
    data = (
        b"programme,site_name,kind,postcode,start_date,end_date,people_helped\n"
        b"P,S,juggling,NR1 1AA,2024-01-01,,1\n"
        b"P,S,training,NR1 1AA,2024-05-01,2024-04-01,1\n"
        b"P,S,training,NR1 1AA,,,2.5\n"
    )
    with pytest.raises(DataError) as err:
        pilots.read(data, filename="p.csv", context=context())
    got = sorted((p.row, p.column) for p in err.value.problems)
    assert got == [(2, "kind"), (3, "end_date"), (4, "people_helped"), (4, "start_date")]


def test_drawing_escapes_text() -> None:
    data = (
        b"programme,site_name,kind,postcode,start_date\n"
        b"Tech Skills for Life,<img src=x onerror=alert(1)>`${x}`,training,NR1 1AA,2024-01-01\n"
    )
    recs = pilots.read(data, filename="p.csv", context=context())
    m = folium.Map()
    group = pilots.draw(recs, public=True)
    group.add_to(m)
    html = m.get_root().render()
    assert "<img src=x" not in html and "`${x}`" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&#96;&#36;&#123;x&#125;&#96;" in html
