"""The public figures, table and map: suppression, sorting, accessible markup, same values."""

from __future__ import annotations

import html
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.config import ACCESSIBLE_PALETTE, MEASURES, NO_DATA_COLOUR, WORKING_CRS
from geo.geometry.simplify import simplify_for_web
from layers.export import draw_public_layers, public_layer_keys
from layers.public import (
    compare_table,
    feature_values,
    frame_html,
    public_figures,
    public_map,
    sort_public,
    table_html,
)

# Four hand-made areas: a normal one, one with 3 premises (a small count), one with 3 gigabit
# premises out of 500, one with no figure at all.
FIGS = gpd.GeoDataFrame(
    {
        "area_code": ["A1", "A2", "A3", "A4"],
        "area_name": ["Beta <b>", "alpha", "Gamma", "Delta"],
        "premises": [1000.0, 3.0, 500.0, np.nan],
        "n_gigabit": [620.0, 2.0, 3.0, np.nan],
        "pct_gigabit": [62.0, 66.666, 0.6, np.nan],
    },
    geometry=[shapely.box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(4)],
    crs=WORKING_CRS,
)


def test_public_figures_suppresses_small_counts_and_rates() -> None:
    t = public_figures(FIGS, measure="gigabit")
    assert t["pct_text"].tolist() == ["62.0%", "suppressed", "suppressed", "no figure"]
    assert t["premises_text"].tolist() == ["1,000", "fewer than 5", "500", "no data"]
    assert t["n_text"].tolist() == ["620", "fewer than 5", "fewer than 5", "no data"]
    assert t["pct"].iloc[0] == 62.0 and t["pct"].iloc[1:].isna().all()


def test_sort_public_orders_and_puts_missing_last() -> None:
    t = public_figures(
        FIGS.assign(premises=1000.0, n_gigabit=[620.0, 400.0, 6.0, np.nan]), measure="gigabit"
    )
    assert sort_public(t, by="name")["area_code"].tolist() == ["A2", "A1", "A4", "A3"]
    assert sort_public(t, by="high")["area_code"].tolist() == ["A2", "A1", "A3", "A4"]
    assert sort_public(t, by="low")["area_code"].tolist() == ["A3", "A1", "A2", "A4"]
    with pytest.raises(ValueError, match="by must be one of"):
        sort_public(t, by="colour")


def test_table_html_is_accessible_and_escaped() -> None:
    t = public_figures(FIGS, measure="gigabit")
    markup = table_html(t, measure="gigabit", caption="Gigabit <by> division")
    assert "<caption>Gigabit &lt;by&gt; division</caption>" in markup
    assert markup.count('<th scope="col">') == 5
    assert markup.count('<th scope="row">') == 4
    assert '<th scope="col">Division code</th>' in markup
    # A labelled region that scrolls sideways by itself and can be reached by keyboard.
    assert markup.startswith('<div class="bb-scroll" role="region" aria-label="Gigabit &lt;by')
    assert 'tabindex="0"' in markup
    assert "Beta &lt;b&gt;" in markup and "<b>" not in markup
    rows = dict(re.findall(r'data-area-code="([^"]+)".*?<td class="bb-pct">([^<]*)</td>', markup))
    assert rows == {"A1": "62.0%", "A2": "suppressed", "A3": "suppressed", "A4": "no figure"}


def test_public_map_tooltips_equal_table_and_use_accessible_palette() -> None:
    t = public_figures(FIGS, measure="gigabit")
    fmap = public_map(simplify_for_web(FIGS), t, measure="gigabit", tiles=False)
    values = feature_values(fmap)
    assert values == {c: html.escape(v) for c, v in zip(t["area_code"], t["pct_text"], strict=True)}
    page = fmap.get_root().render()
    fills = set(re.findall(r'"fill": ?"(#[0-9a-f]{6})"', page))
    # Only one area has a public figure: it gets a palette colour; the rest are "no data".
    assert fills <= {*ACCESSIBLE_PALETTE, NO_DATA_COLOUR} and NO_DATA_COLOUR in fills
    assert re.search(r'"fillOpacity": ?1(\.0)?[,}]', page)


def test_compare_table_beside_county() -> None:
    county = pd.Series({"premises": 10_000.0, "n_gigabit": 5000.0, "pct_gigabit": 50.0})
    table = compare_table(FIGS.iloc[0], county).set_index("Measure")
    row = table.loc["Gigabit-capable"]
    assert (row["This area %"], row["County %"], row["Difference (points)"]) == (
        "62.0%",
        "50.0%",
        "+12.0",
    )
    assert table.index.tolist() == [m.label for m in MEASURES.values()]  # superfast … USO
    small = compare_table(FIGS.iloc[1], county).set_index("Measure").loc["Gigabit-capable"]
    assert (small["This area %"], small["Difference (points)"]) == ("suppressed", "")
    district = compare_table(FIGS.iloc[0], county, area_label="District %")
    assert district.columns.tolist() == ["Measure", "District %", "County %", "Difference (points)"]
    markup = frame_html(table.reset_index(), caption="Compared")
    assert '<th scope="row">Gigabit-capable</th>' in markup


def test_public_layers_never_include_personal_data() -> None:
    assert "vouchers" not in public_layer_keys()
    assert {"anchors", "pilots"} <= set(public_layer_keys())
    with pytest.raises(ValueError, match="personal data"):
        draw_public_layers({"vouchers": gpd.GeoDataFrame(geometry=[], crs=WORKING_CRS)})
    with pytest.raises(ValueError, match="unknown layer"):
        draw_public_layers({"nope": gpd.GeoDataFrame(geometry=[], crs=WORKING_CRS)})
