"""The postcode box answers with the postcode's own Ofcom figures, labelled, as shipped.

The widget is driven through AppTest with a 2026-01 postcode file as Ofcom ships it
(percentages only: NR1 1AA 40.0% gigabit, NR1 1AB 70.0%), imported the app's way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.config import NOT_PUBLISHED, OFCOM_LINE
from geo.storage.catalog import import_file, load_catalog
from tests.ofcom_layouts import BY_KEY, build
from views.text import as_shown


def _box(cat_path: str) -> None:
    import pandas as pd

    from geo.storage.catalog import load_catalog
    from views import widgets

    cat = load_catalog(cat_path)
    areas = pd.DataFrame({"area_code": [], "area_name": []})
    widgets.postcode_box(None, areas, {}, key="pc", percentages=cat.coverage_pct,
                         coverage=cat.coverage)  # fmt: skip


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    layout = BY_KEY["pc202601"]
    path = tmp_path / layout.filename
    path.write_bytes(build(layout))
    cat_path = tmp_path / "c.gpkg"
    assert import_file(path, cat_path) == "coverage_pct"
    assert load_catalog(cat_path).coverage is None  # percentages only: no area figure
    return cat_path


def _ask(cat_path: Path, text: str) -> AppTest:
    at = AppTest.from_function(_box, args=(str(cat_path),), default_timeout=60).run()
    at.text_input(key="pc").input(text)
    return at.button[0].click().run()


def test_a_postcode_in_the_file_gets_its_own_figures_labelled(catalogue: Path) -> None:
    at = _ask(catalogue, "nr1 1ab")
    assert not at.exception
    table = at.dataframe[0].value.set_index("Measure")["At this postcode"]
    assert table["Gigabit-capable"] == "70.0%"
    assert table["Full fibre (FTTP)"] == NOT_PUBLISHED
    assert table["Below the Universal Service Obligation"] == NOT_PUBLISHED
    caption = as_shown(at.caption[0].value)
    assert "A postcode figure: Ofcom's published percentage for this postcode" in caption
    assert "202601_fixed_pc_coverage_r2_NR.csv" in caption and "2026-01" in caption
    assert as_shown(OFCOM_LINE) in caption  # the licence line, whole


def test_a_postcode_not_in_the_file_gets_no_table(catalogue: Path) -> None:
    at = _ask(catalogue, "NR9 9ZZ")
    assert not at.exception and len(at.dataframe) == 0
    assert at.warning  # find_area says why it found no area
