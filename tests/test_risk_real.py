"""The risk index on the real Norfolk files (CED 2025, OA/LSOA 2011, IMD 2019) plus SYNTHETIC
ages, OA coverage and mobile coverage in the published layouts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.analysis.provision import high_risk_without_support, need_beside_provision
from geo.analysis.risk import division_risk, export_columns
from geo.analysis.switchoff import FROM_DISTRICT, switchoff_risk, weak_4g_from_districts
from geo.storage import store
from geo.storage.catalog import load_catalog
from tests.conftest import require_shared
from tests.risk_support import build_norfolk_risk_catalog

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def norfolk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_shared("norfolk_oa_2011_bgc.geojson")
    return build_norfolk_risk_catalog(tmp_path_factory.mktemp("norfolk"))


def test_every_division_has_a_score_from_oas(norfolk: Path) -> None:
    cat = load_catalog(norfolk)
    assert cat.synthetic  # the ages and coverage are generated
    r = division_risk(cat, "ced")
    d = r.divisions
    assert len(d) == 84 and d["score"].notna().all()
    assert d["score"].between(0, 10).all() and d["rank"].min() == 1
    assert d["area_name"].str.endswith(" ED").all() and d["area_name"].is_unique
    assert r.level == "oa" and r.weight_method.startswith("Census 2021")
    # all 2,931 OAs fall in a division (a few border slivers aside) and carry residents
    assert d["n_small_areas"].sum() >= 2_900
    assert d["residents"].sum() == r.units["residents"].sum()
    assert set(r.weights["key"]) >= {"age", "broadband", "deprivation", "imd", "age_75"}
    assert export_columns(r).columns.tolist()[:2] == ["risk_rank", "risk_score"]


def test_weights_change_the_order_and_imd_alone_follows_deprivation(norfolk: Path) -> None:
    cat = load_catalog(norfolk)
    base = division_risk(cat, "ced")
    only_imd = division_risk(cat, "ced", component_weights={"age": 0, "broadband": 0})
    assert list(base.divisions.index) != list(only_imd.divisions.index)
    # with deprivation alone, the top division is one of the county's most deprived
    top = only_imd.divisions.index[0]
    assert base.units.loc[base.units["area_code"] == top, "imd"].max() > 32_000


def test_switchoff_and_need_beside_provision_on_norfolk(norfolk: Path) -> None:
    cat = load_catalog(norfolk)
    r = division_risk(cat, "ced")
    assert cat.mobile is not None
    mobile = weak_4g_from_districts(cat.mobile, cat.areas["ced"])
    assert (mobile["mobile_from"] == FROM_DISTRICT).all()  # every division is in a district row
    s = switchoff_risk(r.divisions, mobile)
    assert len(s) == 84 and s["pct_75"].notna().all()
    flagged = s[s["at_risk"]]
    assert (flagged["pct_75"] >= 10).all() and (flagged["pct_weak_indoor_4g"] >= 10).all()
    pilots = store.load(norfolk.parent / "store.gpkg", "pilots")
    t = need_beside_provision(r.divisions, cat.areas["ced"], pilots, radius_km=5,
                              on=pd.Timestamp("2025-01-01").date())  # fmt: skip
    assert t["nearest_site"].notna().all() and (t["distance_km"] >= 0).all()
    assert t["people_helped"].sum() == 420 + 160 + 75  # the Cromer pilot had ended
    listed = high_risk_without_support(t)
    assert listed["high_risk"].all() and (listed["distance_km"] > 5).all()
    assert 0 < t["high_risk"].sum() <= 17  # the top fifth of 84
