"""What the public sees at "/" in public mode: read-only map, postcode search, table, sources.

No upload, no admin, no individual voucher records: only layers without personal data are
drawn, and small counts are suppressed (:mod:`layers.public`). Every figure on the map is also
in text: in the tooltip, in the panel beside the map and in the table under it.
"""

from __future__ import annotations

import streamlit as st

from geo.analysis.resident_reports import DATASET, public_counts
from geo.config import ATTRIBUTION_LINES, LEVELS, MEASURES
from geo.settings import load_settings
from layers.choropleth import selection_layer
from layers.export import draw_public_layers, public_layer_keys
from layers.public import (
    SORTS,
    TABLE_CSS,
    compare_table,
    frame_html,
    public_figures,
    public_map,
    sort_public,
    table_html,
)
from layers.webmap import map_view
from views import mapview, overlay_panel, report_form, state, widgets
from views.text import plain

MAP_KEY = "public_map"
ROW_CSS = """<style>
@media (min-width: 640px) {
  .st-key-bb_map_row [data-testid="stHorizontalBlock"] { flex-direction: row-reverse; }
}
</style>"""
"""Figures first in the page, map first on a wide screen (see :func:`render`)."""


def _html(markup: str) -> None:
    st.html(f"<style>{TABLE_CSS}</style>{markup}")


def _overlays(k: state.Key) -> list:
    """The public layers' current records, drawn (layers with personal data never)."""
    records = {key: frame for key in public_layer_keys()
               if (frame := state.stored(key, k)) is not None}  # fmt: skip
    return draw_public_layers(records)


def _reports_counts(*, level: str, release: str, names: dict[str, str], singular: str) -> None:
    """Accepted residents' reports per area, small counts suppressed (never one report)."""
    st.header(plain(f"What residents report, by {singular}"), anchor=False)
    agg = overlay_panel.aggregate(DATASET, level=level, release=release)
    if agg is None or not int(agg["n_reports"].sum()):
        st.markdown("No residents' reports have been accepted yet.")
        return
    shown = public_counts(agg[agg["n_reports"] > 0], names)
    caption = f"Residents' reports accepted per {singular} (small counts hidden)"
    _html(frame_html(shown.rename(columns={"Area": singular.capitalize()}), caption=caption))
    st.markdown(
        "Reports accepted by an officer, per area. Counts from 1 to 4 are shown as "
        "'fewer than 5' so that no household can be picked out. 'Contradict Ofcom': Ofcom says "
        "(nearly) every premises there can get the speed the resident says they cannot."
    )


def render() -> None:
    """The public page."""
    k = state.key()
    cat = state.catalog(k)
    state.synthetic_banner(cat)
    level = load_settings().level
    level = level if level in cat.areas else next(iter(cat.areas), None)
    if level is None or cat.coverage is None:
        st.title("Broadband coverage", anchor=False)
        st.error("No boundaries or coverage are published yet.")
        return
    singular = LEVELS[level].singular
    st.title(f"Broadband coverage by {singular}", anchor=False)
    release = cat.releases[-1]
    figs = state.figures(k, level, release)
    web = state.web_figures(k, level, release)
    county, _how = state.county(k, level, release)
    names = dict(zip(figs["area_code"], figs["area_name"], strict=True))

    # Search first: on a phone the title and the postcode box fill the first screen.
    c1, c2 = st.columns([1, 1])
    with c1:
        widgets.postcode_box(
            cat.postcodes,
            figs,
            names,
            key="postcode",
            label="What is coverage like here? Enter a postcode",
            percentages=cat.coverage_pct,
            coverage=cat.coverage,  # the newest release that has the postcode, labelled
        )
    with c2:
        selected = widgets.picked_area(names, map_key=MAP_KEY, areas=web)
        measure = widgets.measure_box(
            st, figs, release, label="Measure shown on the map", key="measure"
        )

    # The picked area's figures come before the map in the page (a phone shows them first,
    # without scrolling past the map); on a wide screen CSS puts the map on the left.
    st.html(ROW_CSS)
    with st.container(key="bb_map_row"):
        figures, left = st.columns([2, 3])
    # The map's element is sent first (the figures' tables are worked out after it).
    with left:
        widgets.skip_link("after-map", "Skip the map (every figure is in the table below)")
        center, zoom = map_view(web, selected)
        mapview.show_map(
            lambda: public_map(
                web, public_figures(figs, measure=measure), measure=measure, overlays=_overlays(k)
            ),
            cache_key=(k, level, release, measure), key=MAP_KEY, height=520,
            returned_objects=["last_clicked"], center=center, zoom=zoom,
            feature_group_to_add=selection_layer(web, selected),  # a pick redraws only this
        )  # fmt: skip
    with figures:
        if selected:
            row = figs.set_index("area_code").loc[selected]
            st.header(plain(names[selected]), anchor=False)
            # Plain text, not st.caption: its grey (3.9:1) fails WCAG 1.4.3.
            st.markdown(plain(f"Code {selected} · Ofcom Connected Nations, {release}"))
            _html(
                frame_html(
                    compare_table(row, county, area_label=f"{singular.capitalize()} %"),
                    caption=f"{names[selected]} beside the whole county (% of premises)",
                )
            )
            widgets.copy_link(selected, name=str(names[selected]))
            for _spec, found in overlay_panel.sections(
                selected, level=level, release=release, public=True
            ):
                for section in found:
                    overlay_panel.show_section(section)
        else:
            st.info(f"Enter a postcode, pick a {singular} by name, or click one on the map.")
            _html(
                frame_html(
                    compare_table(county, county)[["Measure", "County %"]],
                    caption="The whole county (% of premises)",
                )
            )
    widgets.skip_target("after-map")

    st.header(f"Figures for every {singular}", anchor=False)
    by = st.selectbox(
        "Sort the table by", list(SORTS), format_func=SORTS.__getitem__, key="table_sort"
    )
    caption = (
        f"{MEASURES[measure].label}: % of premises per {singular} "
        f"(Ofcom Connected Nations, {release})"
    )
    ordered = sort_public(public_figures(figs, measure=measure), by=by)
    _html(table_html(ordered, measure=measure, area_label=singular.capitalize(), caption=caption))
    _reports_counts(level=level, release=release, names=names, singular=singular)
    report_form.render(cat.postcodes, cat.areas[level])
    st.header("Sources and licences", anchor=False)
    st.markdown("\n".join(f"- {line}" for line in ATTRIBUTION_LINES))
