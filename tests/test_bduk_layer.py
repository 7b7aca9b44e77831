"""The BDUK premises layer: known counts per area, the Data page's upload, and every page.

The hand-made case is the one in tests/test_bduk_premises.py (squares A and B).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from benchmarks.synthetic_premises import write_open_uprn_csv
from geo.analysis.bduk import count_premises
from geo.settings import load_settings
from geo.sources.bduk import read_premises
from geo.sources.postcodes import read_postcode_file
from geo.storage import store, workspace
from geo.storage.catalog import load_catalog, save_areas, save_postcodes
from geo.storage.premises import PREMISES_LAYER, import_uprn, premises_records
from layers import bduk
from layers.base import AreaInputs, registered
from layers.base import aggregate as aggregate_layer
from layers.demo import ensure_demo
from layers.upload import check_upload
from tests.squares import squares
from tests.test_bduk_premises import DISTRICT, EXPECTED, POSTCODES, RELEASE, _bduk, _release
from tests.test_profile_planner_app import _open

APP = Path(__file__).resolve().parent.parent / "app.py"
BROOK = "X58000002"  # a synthetic demo division, about 585,000–589,000 E × 304,000–308,000 N


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    return squares().iloc[:2].reset_index(drop=True)


@pytest.fixture
def records(tmp_path, areas) -> gpd.GeoDataFrame:
    rows = read_premises([_bduk(tmp_path / "E07000148.csv")])
    postcodes = read_postcode_file(POSTCODES, filename=POSTCODES.name)
    counts = count_premises(rows, {"ced": areas}, uprn=_release(tmp_path / "u.csv"),
                            postcodes=postcodes)  # fmt: skip
    return premises_records(counts, {"ced": areas}, release="2025-07")


def test_registered_with_its_summary_evidence_and_component():
    spec = registered()[PREMISES_LAYER]
    assert spec is bduk.LAYER and not spec.personal_data
    assert spec.components == {
        "bduk_plans_white_unserved": "White with no gigabit, none planned and no BDUK scheme (BDUK)"
    }


def test_aggregate_known_answer(records, areas):
    agg = aggregate_layer(bduk.LAYER, records, areas, AreaInputs())
    assert_frame_equal(agg[EXPECTED.columns], EXPECTED)
    assert agg.loc["E58000001", "pct_white"] == pytest.approx(200 / 3)
    c = squares()  # a third area with nothing in it: zeros, no percentages
    agg3 = bduk.aggregate(records, c)
    assert agg3.loc["E58000003", "n_premises"] == 0 and np.isnan(agg3.loc["E58000003", "pct_white"])


def test_summary_counts_and_percentages(records, areas):
    agg = bduk.aggregate(records, areas)
    here = pd.DataFrame(records.drop(columns="geometry"))
    (section,) = bduk.summarise(agg.loc["E58000001"], here, public=False)
    table = section.table.set_index("BDUK premises")
    assert table.loc["Premises in BDUK plans", "Count"] == "3"
    assert table.loc["Gigabit White", ["Count", "% of premises"]].tolist() == ["2", "66.7%"]
    assert table.loc["Gigabit Under Review", "Count"] == "1"
    assert table.loc["In a BDUK contract or voucher scheme", "% of premises"] == "100.0%"
    assert "0 placed by postcode centroid" in section.note and "2025-07" in section.note
    assert "OS Open UPRN" in section.note and "Building Digital UK" in section.note
    (public,) = bduk.summarise(agg.loc["E58000001"], here, public=True)
    cells = public.table.set_index("BDUK premises")
    assert cells.loc["Gigabit White", ["Count", "% of premises"]].tolist() == [
        "fewer than 5", "suppressed",
    ]  # fmt: skip
    (b,) = bduk.summarise(agg.loc["E58000002"], here, public=False)
    assert "1 placed by postcode centroid" in b.note


def test_evidence_overview_and_map(records, areas):
    agg = bduk.aggregate(records, areas)
    ev = bduk.evidence(agg)
    assert ev.loc["E58000002", "bduk_plans_by_postcode"] == 1
    assert ev.loc["E58000001", "bduk_plans_pct_white"] == 66.7
    (section,) = bduk.overview(agg, {"E58000001": "Alpha", "E58000002": "Bravo"})
    assert section.table["Area"].tolist() == ["Alpha", "Bravo"]
    group = bduk.draw(records.assign(area_name=["<b>Alpha</b>", "Bravo"]), public=False)
    markers = [c for c in group._children.values() if c.__class__.__name__ == "CircleMarker"]
    assert len(markers) == 2
    tips = [next(iter(m._children.values())).text for m in markers]
    assert "&lt;b&gt;Alpha&lt;/b&gt;: 3 premises; Gigabit White 2" in tips[0]


@pytest.fixture
def real_workspace(tmp_path, areas) -> workspace.Workspace:
    """A real (non-demo) workspace: two squares, the synthetic postcodes, a UPRN release."""
    ws = workspace.current(load_settings())
    areas.attrs.update(squares().attrs)
    save_areas(ws.catalog_path, areas)
    postcodes = read_postcode_file(POSTCODES, filename=POSTCODES.name)
    save_postcodes(ws.catalog_path, postcodes, source=POSTCODES.name)
    release = {**RELEASE, 201: (600100, 300100)}
    import_uprn(_release(tmp_path / "osopenuprn_202507.csv", release), ws.catalog_path)
    return ws


def test_data_page_upload_places_counts_and_keeps_other_districts(real_workspace, tmp_path, areas):
    ws = real_workspace
    cat = load_catalog(ws.catalog_path)
    context = workspace.read_context(cat.postcodes, dict(cat.areas))
    first = _bduk(tmp_path / "E07000148.csv").read_bytes()
    check = check_upload(first, filename="E07000148.csv", layer=PREMISES_LAYER,
                         context=context, areas=cat.areas["ced"])  # fmt: skip
    assert check.ok
    assert_frame_equal(check.aggregate[EXPECTED.columns], EXPECTED)
    store.save(ws.store_path, PREMISES_LAYER, check.records, file_name="E07000148.csv",
               file_bytes=first, user="officer")  # fmt: skip
    other = _bduk(tmp_path / "E07000149.csv", [(201, 1, 0, 0, 0, 0, "NR1 1AA")], "E07000149")
    second = check_upload(other.read_bytes(), filename="E07000149.csv", layer=PREMISES_LAYER,
                          context=context, areas=cat.areas["ced"])  # fmt: skip
    assert second.ok and set(second.records["district"]) == {DISTRICT, "E07000149"}
    assert second.aggregate.loc["E58000001", "n_premises"] == 4
    bad = first.replace(b"Gigabit White", b"Gigabit Purple", 1)
    failed = check_upload(bad, filename="bad.csv", layer=PREMISES_LAYER, context=context,
                          areas=cat.areas["ced"])  # fmt: skip
    assert not failed.ok and failed.report().loc[0, "row"] == "2"


def test_upload_without_a_release_says_what_to_do(tmp_path, areas):
    ws = workspace.current(load_settings())
    areas.attrs.update(squares().attrs)
    save_areas(ws.catalog_path, areas)
    cat = load_catalog(ws.catalog_path)
    check = check_upload(_bduk(tmp_path / "a.csv").read_bytes(), filename="a.csv",
                         layer=PREMISES_LAYER, context=workspace.read_context(None, cat.areas),
                         areas=cat.areas["ced"])  # fmt: skip
    assert not check.ok
    assert "import OS Open UPRN first" in check.problems[0].reason


@pytest.fixture
def demo_with_premises(tmp_path) -> workspace.Workspace:
    """The synthetic demo, with BDUK premises counted for premises inside one demo division."""
    ws = workspace.current(load_settings())
    ensure_demo(ws)
    cat = load_catalog(ws.catalog_path)
    rows = [(501, 0, 0, 0, 0, 0, ""), (502, 0, 1, 1, 0, 0, ""), (503, 1, 1, 1, 0, 0, "")]
    release = {501: (586000, 305500), 502: (586500, 306000), 503: (587000, 306500)}
    u = np.array(sorted(release), dtype=np.int64)
    xy = np.array([release[k] for k in u], dtype=float)
    uprn = write_open_uprn_csv(tmp_path / "osopenuprn_202507.csv", u, xy[:, 0], xy[:, 1])
    premises = read_premises([_bduk(tmp_path / "S97000001_synthetic.csv", rows, "E07000148")])
    areas = {level: a[["area_code", "area_name", "geometry"]] for level, a in cat.areas.items()}
    counts = count_premises(premises, areas, uprn=uprn)
    records = premises_records(counts, areas, release="2025-07")
    store.save(ws.store_path, PREMISES_LAYER, records, file_name="S97000001_synthetic.csv",
               file_bytes=b"synthetic", user="test")  # fmt: skip
    return ws


def test_premises_show_on_map_profile_planner_and_pack(demo_with_premises):
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["division"] = BROOK
    at.run()
    assert not at.exception
    assert bduk.TITLE in at.multiselect(key="overlays").options
    panel = next(t.value for t in at.table if "BDUK premises" in t.value.columns)
    assert panel.set_index("BDUK premises").loc["Premises in BDUK plans", "Count"] == "3"
    profile = _open("division", division=BROOK)
    assert not profile.exception
    assert any("BDUK premises" in t.value.columns for t in profile.table)
    planner = _open("planner")
    assert not planner.exception
    gap = next(d.value for d in planner.dataframe if "score" in d.value.columns)
    assert gap.loc[BROOK, "bduk_plans_white_unserved"] == 1
    assert gap["bduk_plans_white_unserved"].sum() == 1
    pack = next(b for b in planner.get("download_button")
                if b.proto.label.startswith("Download the evidence pack"))  # fmt: skip
    assert pack is not None
