"""The division map: choropleth, picker by name or click, and the figures panel."""

from __future__ import annotations

import streamlit as st

from geo.config import LEVELS, MEASURES
from layers.choropleth import selection_layer
from layers.webmap import coverage_map, map_view
from views import mapview, overlay_panel, state, widgets
from views.panel import show_area_panel
from views.text import plain

MAP_KEY = "division_map"


def render() -> None:
    """The Map page."""
    k = state.key()
    cat = state.catalog(k)
    st.title("Broadband coverage by division", anchor=False)
    state.synthetic_banner(cat)
    if not cat.areas or cat.coverage is None:
        st.error("No boundaries or coverage loaded yet: see the Sources page for how to load them.")
        return
    levels = [lv for lv in LEVELS if lv in cat.areas]
    c1, c2, c3 = st.columns(3)
    level = c1.selectbox("Areas", levels, format_func=lambda k: LEVELS[k].label, key="level")
    releases = cat.releases
    release = c3.selectbox("Ofcom release", releases, index=len(releases) - 1, key="release")
    figs = state.figures(k, level, release)
    measure = widgets.measure_box(c2, figs, release, label="Measure", key="measure")
    web = state.web_figures(k, level, release)
    county, county_how = state.county(k, level, release)
    names = dict(zip(figs["area_code"], figs["area_name"], strict=True))

    p1, p2 = st.columns(2)
    with p1:
        widgets.postcode_box(cat.postcodes, figs, names, key="map_postcode",
                             percentages=cat.coverage_pct, coverage=cat.coverage,
                             release=release)  # fmt: skip
    with p2:
        selected = widgets.picked_area(names, map_key=MAP_KEY, areas=web)
    chosen = overlay_panel.choose_overlays()
    public = overlay_panel.public_view()

    left, right = st.columns(2)  # the panel's table needs half the page at 1280 px
    with left:
        widgets.skip_link("after-map", "Skip the map (its figures are beside and below it)")
        # Hatched areas (their district's figure) are explained by the legend's own entry.
        no_fig = int((figs["figure_from"] == "none").sum())
        note = f"{no_fig} of {len(figs)} areas have no figure finer than the district."
        drawn = overlay_panel.drawable(chosen, public=public)
        classes = state.classes(k, level, release, measure)
        center, zoom = map_view(web, selected)  # a pick zooms to the area
        mapview.show_map(
            lambda: coverage_map(
                web, measure=measure, legend_note=note if no_fig else "", classes=classes,
                overlays=overlay_panel.overlay_groups(drawn, public=public, level=level,
                                                      release=release),
            ),
            cache_key=(k, level, release, measure, public, *drawn),
            key=MAP_KEY, height=560, returned_objects=["last_clicked"], center=center,
            zoom=zoom, feature_group_to_add=selection_layer(web, selected),  # a pick: only this
        )  # fmt: skip
    with right:
        widgets.skip_target("after-map")
        pct = county.get(f"pct_{measure}")
        st.metric(
            f"County: {MEASURES[measure].label}",
            "no figure" if pct is None or pct != pct else f"{pct:.1f}%",
            help=plain(f"Premises-weighted: {county_how}."),
        )
        if selected:
            row = figs.set_index("area_code").loc[selected]
            row["area_code"] = selected
            show_area_panel(row, county, county_how, cat=cat, release=release)
            widgets.copy_link(selected, name=str(names[selected]))
            overlay_panel.show_overlay_panel(selected, level=level, release=release)
        else:
            st.info("Pick an area by name or postcode above, or click it on the map.")
        overlay_panel.show_overviews(level=level, release=release, names=names)
