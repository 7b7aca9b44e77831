"""What the public sees at "/" in public mode: read-only map, postcode search, table, sources.

No upload, no admin, no individual voucher records: only layers without personal data are
drawn, and small counts are suppressed (:mod:`layers.public`). Every figure on the map is also
in text: in the tooltip, in the panel beside the map and in the table under it.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.analysis.resident_reports import DATASET, public_counts
from geo.config import ATTRIBUTION_LINES, LEVELS, MEASURES
from geo.settings import load_settings
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
from views import overlay_panel, report_form, state, widgets
from views.text import plain

MAP_KEY = "public_map"


def _html(markup: str) -> None:
    st.html(f"<style>{TABLE_CSS}</style>{markup}")


def _overlays(k: state.Key) -> list:
    """The public layers' current records, drawn (layers with personal data never)."""
    records = {key: frame for key in public_layer_keys()
               if (frame := state.stored(key, k)) is not None}  # fmt: skip
    return draw_public_layers(records)


def _reports_counts(*, level: str, release: str, names: dict[str, str], singular: str) -> None:
    """Accepted residents' reports per area, small counts suppressed (never one report)."""
    st.header(plain(f"What residents report, by {singular}"))
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
        st.title("Broadband coverage")
        st.error("No boundaries or coverage are published yet.")
        return
    singular = LEVELS[level].singular
    st.title(f"Broadband coverage by {singular}")
    release = cat.releases[-1]
    figs = state.figures(k, level, release)
    web = state.web_figures(k, level, release)
    county, _how = state.county(k, level, release)
    names = dict(zip(figs["area_code"], figs["area_name"], strict=True))

    c1, c2 = st.columns([1, 1])
    with c1:
        measure = widgets.measure_box(
            st, figs, release, label="Measure shown on the map", key="measure"
        )
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

    table = public_figures(figs, measure=measure)
    left, right = st.columns([3, 2])
    with left:
        fmap = public_map(web, table, measure=measure, selected=selected, overlays=_overlays(k))
        st_folium(
            fmap, key=MAP_KEY, height=520, use_container_width=True,
            returned_objects=["last_clicked"],
        )  # fmt: skip
    with right:
        if selected:
            row = figs.set_index("area_code").loc[selected]
            st.header(plain(names[selected]))
            # Plain text, not st.caption: its grey (3.9:1) fails WCAG 1.4.3.
            st.markdown(plain(f"Code {selected} · Ofcom Connected Nations, {release}"))
            _html(
                frame_html(
                    compare_table(row, county),
                    caption=f"{names[selected]} beside the whole county (% of premises)",
                )
            )
            for _spec, found in overlay_panel.sections(
                selected, level=level, release=release, public=True
            ):
                for section in found:
                    overlay_panel.show_section(section)
        else:
            st.info(f"Enter a postcode, pick a {singular} by name, or click one on the map.")
            _html(
                frame_html(
                    compare_table(county, county)[["Measure", "County"]],
                    caption="The whole county (% of premises)",
                )
            )

    st.header(f"Figures for every {singular}")
    by = st.selectbox(
        "Sort the table by", list(SORTS), format_func=SORTS.__getitem__, key="table_sort"
    )
    caption = (
        f"{MEASURES[measure].label}: % of premises per {singular} "
        f"(Ofcom Connected Nations, {release})"
    )
    ordered = sort_public(table, by=by)
    _html(table_html(ordered, measure=measure, area_label=singular.capitalize(), caption=caption))
    _reports_counts(level=level, release=release, names=names, singular=singular)
    report_form.render(cat.postcodes, cat.areas[level])
    st.header("Sources and licences")
    st.markdown("\n".join(f"- {line}" for line in ATTRIBUTION_LINES))
