"""views.mapview sends the component what st_folium would, and builds a map once per key."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import streamlit_folium

from geo.geometry.simplify import simplify_for_web
from layers.choropleth import selection_layer
from layers.webmap import coverage_map
from tests.squares import squares
from views import mapview

FOLIUM_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What reaches streamlit-folium's component, one dict of arguments per call."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: calls.append(kw))
    mapview._parts.clear()
    return calls


def _web() -> Any:
    """Three squares with figures, as the map pages draw them (EPSG:4326)."""
    sq = squares()
    sq["premises"] = [40.0, 60.0, 10.0]
    for measure, counts in {"gigabit": [5.0, 60.0, np.nan], "full_fibre": [4.0, 30.0, 1.0]}.items():
        sq[f"n_{measure}"] = counts
        sq[f"pct_{measure}"] = 100 * sq[f"n_{measure}"] / sq["premises"]
    return simplify_for_web(sq)


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    """Equal arguments, folium's random element ids aside; the callbacks are not compared."""
    assert set(a) == set(b)
    for name in a:
        if name != "on_change":
            assert FOLIUM_ID.sub("ID", repr(a[name])) == FOLIUM_ID.sub("ID", repr(b[name])), name


def test_the_component_gets_what_st_folium_sends(sent: list[dict[str, Any]]) -> None:
    web = _web()

    def build() -> Any:
        return coverage_map(web, measure="gigabit", tiles=False)

    view = {"center": {"lat": 52.6, "lng": 1.2}, "zoom": 11}
    streamlit_folium.st_folium(
        build(), key="m", height=500, use_container_width=True, returned_objects=["last_clicked"],
        feature_group_to_add=selection_layer(web, "E58000002"), **view,
    )  # fmt: skip
    mapview.show_map(build, cache_key=("k", "gigabit"), key="m", height=500,
                     returned_objects=["last_clicked"],
                     feature_group_to_add=selection_layer(web, "E58000002"), **view)  # fmt: skip
    assert len(sent) == 2
    _same(sent[0], sent[1])
    assert sent[1]["default"] == {"last_clicked": None}
    assert "E58000002" in sent[1]["script"] and sent[1]["feature_group"]


def test_a_map_is_built_once_per_key(sent: list[dict[str, Any]]) -> None:
    web = _web()
    built: list[str] = []

    def build(measure: str) -> Any:
        built.append(measure)
        return coverage_map(web, measure=measure, tiles=False)

    for measure in ("gigabit", "gigabit", "full_fibre", "gigabit"):
        mapview.show_map(lambda m=measure: build(m), cache_key=("k", measure), key="m",
                         height=500, returned_objects=[])  # fmt: skip
    assert built == ["gigabit", "full_fibre"]
    assert sent[0]["script"] == sent[1]["script"] == sent[3]["script"] != sent[2]["script"]
    assert sent[0]["key"] == sent[1]["key"] != sent[2]["key"]  # a new map: a new component


A, B = {"lat": 52.6, "lng": 1.3}, {"lat": 52.5, "lng": 0.5}


@pytest.mark.parametrize(
    ("center", "zoom", "last", "sent"),
    [
        (B, 11, (A, 11), (B, 11.001)),  # a new pick at the last pick's zoom still zooms in
        (A, 11, (B, 11.001), (A, 11)),  # … and the next one at that zoom too
        (B, 11, (B, 11.001), (B, 11.001)),  # the same pick: exactly what was sent, no move
        (B, 10, (A, 11), (B, 10)),
        (None, None, (A, 11), (None, None)),  # nothing picked: the view is left alone
        (A, 11, None, (A, 11)),  # the first view sent
    ],
)
def test_each_new_pick_sends_a_view_the_component_applies(
    center: dict[str, float] | None,
    zoom: int | None,
    last: tuple[dict[str, float], float] | None,
    sent: tuple[dict[str, float] | None, float | None],
) -> None:
    assert mapview.next_view(center, zoom, last) == sent
