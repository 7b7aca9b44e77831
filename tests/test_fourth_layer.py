"""A fourth overlay, written here and registered like a plug-in, touches no other module.

It registers, is uploaded through the Data page's reader, and then appears on the map page's
picker and panel, in the division profile and its JSON, in the planner's gap score (it adds a
component) and in the evidence pack — without any view or report naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.geometry.aggregate import assign_areas, sum_by_area
from geo.settings import load_settings
from geo.sources.tabular import parse_numbers, read_table
from geo.storage import store, workspace
from layers.base import Layer, ReadContext, Section, register, unregister
from layers.demo import ensure_demo
from tests.test_profile_planner_app import _open
from views.text import as_shown_frame

APP = Path(__file__).resolve().parent.parent / "app.py"
BROOK = "X58000002"  # Brook Green (synthetic), about 585_000–589_000 E × 304_000–308_000 N
KEY = "hotspots"
TITLE = "Public Wi-Fi hotspots (test layer)"
CSV = b"name,easting,northing\nHall (synthetic),586000,305500\nPark (synthetic),587000,306500\n"


def read(data: bytes, *, filename: str, context: ReadContext | None = None) -> gpd.GeoDataFrame:
    table = read_table(data, filename=filename, required=("name", "easting", "northing"))
    east = parse_numbers(table, "easting")
    north = parse_numbers(table, "northing")
    table.finish()
    return gpd.GeoDataFrame(
        {"name": table.col("name").to_numpy()},
        geometry=gpd.points_from_xy(east, north),
        crs="EPSG:27700",
    )


def aggregate(records: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    values = pd.DataFrame(index=records.index)
    codes = assign_areas(records, areas, points_name=KEY)
    return sum_by_area(values, codes, areas, columns=[]).rename(columns={"n_points": "n_hotspots"})


def draw(records: gpd.GeoDataFrame, *, public: bool, show: bool = True) -> folium.FeatureGroup:
    return folium.FeatureGroup(name=TITLE, show=show)


def summarise(row: pd.Series, here: pd.DataFrame, *, public: bool) -> list[Section]:
    return [Section(TITLE, pd.DataFrame({"Hotspot": here["name"].tolist()}))]


LAYER = Layer(
    key=KEY, title=TITLE, description="Free public Wi-Fi (a test layer)",
    required_columns=("name", "easting", "northing"), read=read, aggregate=aggregate, draw=draw,
    summarise=summarise, evidence=lambda agg: agg.rename(columns={"n_hotspots": "hotspots"}),
    components={"hotspots": "Hotspots (test component)"},
)  # fmt: skip


@pytest.fixture
def fourth_layer() -> Iterator[Path]:
    register(LAYER)
    ws = workspace.current(load_settings())
    ensure_demo(ws)
    records = read(CSV, filename="hotspots_synthetic.csv")
    store.save(ws.store_path, KEY, records, file_name="hotspots_synthetic.csv",
               file_bytes=CSV, user="test")  # fmt: skip
    try:
        yield ws.store_path
    finally:
        unregister(KEY)


def test_a_fourth_layer_shows_everywhere_without_touching_other_modules(fourth_layer: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["division"] = BROOK
    at.run()
    assert not at.exception
    assert TITLE in at.multiselect(key="overlays").options
    hotspots = next(as_shown_frame(t.value) for t in at.table if "Hotspot" in t.value.columns)
    assert sorted(hotspots["Hotspot"]) == ["Hall (synthetic)", "Park (synthetic)"]

    profile = _open("division", division=BROOK)
    assert not profile.exception
    assert any("Hotspot" in t.value.columns for t in profile.table)

    planner = _open("planner")
    assert not planner.exception
    gap = next(d.value for d in planner.dataframe if "score" in d.value.columns)
    assert gap.loc[BROOK, "hotspots"] == 2 and gap["hotspots"].sum() == 2
    pack = next(b for b in planner.get("download_button")
                if b.proto.label.startswith("Download the evidence pack"))  # fmt: skip
    assert pack is not None
