"""The bid planner (programme managers): gap score, anchor-site reach, intervention areas, pack."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.analysis.gap import (
    COMPONENTS,
    DEFAULT_WEIGHT,
    DEFAULT_WEIGHTS,
    gap_components,
    gap_scores,
    missing_text,
)
from geo.analysis.reach import Reach, anchor_reach, coverage_points, select_anchors
from geo.config import (
    DERI_LINE,
    FIBRE_LABELS,
    LEVELS,
    SHORT_LABELS,
    SYNTHETIC_LABEL,
)
from geo.reports.evidence import (
    UPLOAD_LICENCE,
    Source,
    catalogue_sources,
    evidence_pack,
    figure_notes,
    gap_map_png,
    reach_table,
    readme_text,
    upload_sources,
    weights_text,
)
from geo.reports.readable import label
from geo.sources.imd import METHODS, edition_of, imd_by_area, lsoa_mismatch
from layers.base import evidence_table
from layers.gapmap import gap_map
from views import overlay_panel, risk_section, state
from views.text import plain

IMD_HELP = {
    "centroid": "each LSOA counts once, in the division holding its centre (≈ population-weighted)",
    "area": "each LSOA split between divisions by the share of its area inside each",
}


@st.cache_data(show_spinner="Aggregating IMD to divisions…", max_entries=8)
def _deprivation(k: state.Key, level: str, method: str) -> pd.DataFrame | None:
    cat = state.catalog(k)
    if cat.imd is None or cat.lsoa is None or lsoa_mismatch(cat.imd, cat.lsoa):
        return None
    return imd_by_area(cat.imd, cat.lsoa, cat.areas[level], method=method)


def render() -> None:
    """The Bid planner page."""
    opened = state.open_page("Bid planner")
    if opened is None:
        return
    cat, k, level = opened
    releases = cat.releases
    release = st.selectbox(
        "Ofcom release", releases, index=len(releases) - 1, key="planner_release"
    )
    figs = state.figures(k, level, release)
    layers = overlay_panel.loaded()
    tables = {key: evidence_table(spec, overlay_panel.aggregate(key, level=level, release=release))
              for key, spec in layers.items()}  # fmt: skip
    labels = {**COMPONENTS, **{c: lab for spec in layers.values()
                               for c, lab in spec.components.items()}}  # fmt: skip
    extra = (
        pd.concat(
            [tables[key][list(spec.components)] for key, spec in layers.items() if spec.components],
            axis=1,
        )
        if any(s.components for s in layers.values())
        else None
    )
    anchors = next((state.stored(key) for key, spec in layers.items()
                    if "anchor_sites" in spec.roles), None)  # fmt: skip

    st.subheader("Gap score")
    deprivation = None
    mismatch = None if cat.imd is None or cat.lsoa is None else lsoa_mismatch(cat.imd, cat.lsoa)
    if mismatch:
        st.warning(plain(f"Deprivation is left out of the score: {mismatch}."))
    if cat.imd is not None and cat.lsoa is not None and not mismatch:
        method = st.radio(
            plain(f"{edition_of(cat.imd).name} to divisions"),
            METHODS,
            horizontal=True,
            key="imd_method",
            format_func=lambda m: f"{m}: {IMD_HELP[m]}",
        )
        deprivation = _deprivation(k, level, method)
    else:
        method = None
        st.caption(
            "Deprivation joins the score when IMD and LSOA boundaries of the same census year "
            "are imported (`python -m geo import imd2019_lsoa.csv lsoa_2011.geojson`, or IoD "
            "2025 File 1 or File 7 with 2021 LSOAs)."
        )
    comps = gap_components(figs, extra=extra, deprivation=deprivation)
    if comps.columns.empty:
        st.warning(plain(f"No gap score yet: {_missing(comps)}"))
        return
    labels.update(comps.attrs.get("labels") or {})
    for note in (comps.attrs.get("notes") or {}).values():
        st.caption(plain(f"{note}."))
    cols = st.columns(len(comps.columns))
    weights = {
        key: col.number_input(
            plain(labels.get(key, key)),
            0.0,
            10.0,
            DEFAULT_WEIGHTS.get(key, DEFAULT_WEIGHT),
            0.5,
            key=f"weight_{key}",
        )
        for key, col in zip(comps.columns, cols, strict=True)
    }
    names = figs.set_index("area_code")["area_name"]
    if not any(w > 0 for w in weights.values()):
        st.warning(
            "Every weight is 0, so no area can be ranked by need. Give at least one of "
            + plain(", ".join(labels.get(c, c) for c in comps.columns))
            + " a weight above 0 in the boxes above to see the gap score, its map and the "
            "evidence pack. Anchor-site reach and the overlays' overviews are below."
        )
        _reach_section(anchors, figs, cat, release, level=level)
        overlay_panel.show_overviews(level=level, release=release, names=names.to_dict())
        return
    scores = gap_scores(comps, weights=weights)
    table = scores.assign(area_name=names.reindex(scores.index))
    shown = ["rank", "area_name", "score", *comps.columns]
    reach, chosen = _reach_section(anchors, figs, cat, release, level=level)
    # The map, then the ranking at the page's full width: beside the map its component
    # headings were cut short even at 1400 px.
    web = state.web_figures(k, level, release)
    st_folium(
        gap_map(web, scores, reach=reach, anchors=chosen),
        key="planner_map",
        height=520,
        use_container_width=True,
        returned_objects=[],
    )
    area_label = LEVELS[level].singular.capitalize()
    short = {**SHORT_LABELS, **(comps.attrs.get("short_labels") or {})}
    st.dataframe(
        table[shown].round(1),
        width="stretch",
        height=min(520, 38 + 35 * len(table)),
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(
                short.get(c) or labels.get(c) or label(c),
                help=labels.get(c) or label(c),
                format="localized",
            )
            if c != "area_name"
            else label(c, area_label=area_label)
            for c in shown
        },
    )
    st.caption(
        "Each component is scaled 0–1 across the areas (least need 0, most 1); the "
        "score is their weighted mean × 100. Equal scores share a rank. "
        + plain(missing_text(scores))
    )

    overlay_panel.show_overviews(level=level, release=release, names=names.to_dict())
    risk = risk_section.pack_tables(k, level, release)
    _pack(
        cat, release, level, figs=figs, table=table, scores=scores, chosen=chosen, reach=reach,
        layer_tables=tables, weights=weights, labels=labels, options={"imd_method": method},
        risk=risk,
    )  # fmt: skip


def _missing(comps: pd.DataFrame) -> str:
    """Why the score has no components (each missing one and why)."""
    why = comps.attrs.get("missing") or {}
    return "; ".join(f"{COMPONENTS.get(k, k).lower()}: {v}" for k, v in why.items()) + "."


def _reach_section(
    anchors: gpd.GeoDataFrame | None,
    figs: gpd.GeoDataFrame,
    cat: object,
    release: str,
    *,
    level: str,
) -> tuple[Reach | None, gpd.GeoDataFrame | None]:
    st.subheader("Anchor-site reach")
    if anchors is None:
        st.info(
            "No anchor sites are stored yet: upload schools, GP practices or council "
            "buildings on the Data page."
        )
        return None, None
    c1, c2, c3 = st.columns(3)
    types = sorted(anchors["site_type"].dropna().unique())
    statuses = sorted(anchors["fibre_status"].dropna().unique())
    spec = next((s for s in overlay_panel.loaded().values() if "anchor_sites" in s.roles), None)
    badges = spec.extra.get("badges", {}) if spec is not None else {}
    pick_types = c1.multiselect(
        "Site types", types, default=types, key="reach_types",
        format_func=lambda t: badges.get(t, (t, str(t).replace("_", " ").capitalize()))[1],
    )  # fmt: skip
    default = ["planned"] if "planned" in statuses else statuses
    pick_status = c2.multiselect(
        "Fibre status", statuses, default=default, key="reach_status",
        format_func=lambda f: FIBRE_LABELS.get(f, str(f).replace("_", " ")).capitalize(),
    )  # fmt: skip
    radius = c3.number_input("Radius (metres)", 50, 20_000, 1_000, 50, key="reach_radius")
    chosen = select_anchors(anchors, site_types=pick_types, fibre_statuses=pick_status)
    rows = cat.coverage[cat.coverage["release"] == release]  # type: ignore[attr-defined]
    try:
        points = coverage_points(rows, cat.postcodes, oa_centroids=cat.oa_centroids)  # type: ignore[attr-defined]
    except ValueError as exc:
        st.info(plain(f"Reach {str(exc).removeprefix('reach ')}."))
        return None, chosen
    reach = anchor_reach(
        chosen,
        radius_m=float(radius),
        points=points,
        areas=figs[["area_code", "area_name", "geometry"]],
    )
    m1, m2, m3 = st.columns(3)
    m1.metric("Anchor sites chosen", f"{len(chosen):,}")
    m2.metric(
        "Premises lacking gigabit within reach",
        f"{reach.lacking_gigabit:,}",
        help=f"Each {'postcode' if points.attrs['level'] == 'postcode' else 'output area'} "
        "counted once (at its centroid), even inside several circles.",
    )
    m3.metric("Areas touched", f"{len(reach.areas):,}")
    if len(reach.areas):
        st.dataframe(
            reach_table(reach, area_label=LEVELS[level].singular.capitalize()),
            hide_index=True,
            width="stretch",
        )
    return reach, chosen


@st.cache_data(show_spinner="Packing the evidence…", max_entries=4)
def _pack_bytes(
    _figs: gpd.GeoDataFrame,
    _table: pd.DataFrame,
    _anchors: gpd.GeoDataFrame | None,
    _reach: Reach | None,
    _layer_tables: dict[str, pd.DataFrame],
    _sources: list[Source],
    readme: str,
    key: str,
    synthetic: bool,
    release: str,
    weights: str,
    _risk: dict[str, pd.DataFrame] | None = None,
) -> bytes:
    del key  # cache key only
    divisions = _figs.drop(columns=["weight"], errors="ignore").merge(
        _table.drop(columns="area_name"), left_on="area_code", right_index=True, how="left"
    )
    png = gap_map_png(
        divisions,
        release=release,
        weights=weights,
        synthetic=synthetic,
        attribution=_attribution(_sources),
        reach=None if _reach is None else _reach.buffers,
        anchors=_anchors,
    )
    tables = {"gap_scores": _table.reset_index()}
    for key, by_area in _layer_tables.items():
        tables[f"{key}_by_area"] = by_area.reset_index()
    tables.update(_risk or {})
    return evidence_pack(
        divisions=divisions,
        anchors=_anchors,
        reach=_reach,
        layer_tables=_layer_tables,
        tables=tables,
        map_png=png,
        readme=readme,
        sources=_sources,
    )


def _attribution(sources: list[Source]) -> list[str]:
    """The licence lines of the inputs used, each once, in order."""
    return list(dict.fromkeys(s.licence for s in sources if s.licence != UPLOAD_LICENCE))


def _pack(
    cat,
    release,
    level,
    figs,
    table,
    scores,
    chosen,
    reach,
    layer_tables,
    weights,
    labels,
    options,
    risk,
) -> None:  # type: ignore[no-untyped-def]
    st.subheader("Evidence pack")
    method = options.get("imd_method")
    in_release = cat.coverage.loc[cat.coverage["release"] == release]
    used_postcodes = reach is not None or bool((in_release.get("level") == "postcode").any())
    sources = catalogue_sources(
        cat.meta, cat.coverage, level=level, release=release,
        deprivation=method if "deprivation" in scores.attrs.get("weights", {}) else None,
        postcodes=used_postcodes,
    )  # fmt: skip
    used = [*layer_tables]  # every overlay whose figures are in the pack
    sources += upload_sources({key: state.versions(key) for key in used})
    if risk:
        w = risk["risk_weights"]
        options = {**options, "risk_weights": dict(zip(w["key"], w["weight"], strict=True))}
        sources.append(Source("Digital exclusion risk index", "risk_scores.csv, risk_weights.csv",
                              "each indicator's source, year and licence in risk_weights.csv",
                              DERI_LINE))  # fmt: skip
    if reach is not None:
        options = {
            **options,
            "radius_m": float(reach.buffers["radius_m"].iloc[0]) if len(reach.buffers) else None,
            "anchor_sites": len(reach.buffers),
            "premises_lacking_gigabit_in_reach": reach.lacking_gigabit,
        }
    weights_line = weights_text(weights, labels)
    readme = readme_text(
        release=release, options=options, sources=sources, synthetic=cat.synthetic,
        weights=weights_line, attribution=_attribution(sources),
        notes=figure_notes(figs, scores),
    )  # fmt: skip
    picked = [] if chosen is None else sorted(map(str, chosen["name"]))
    key = "|".join(
        map(
            str,
            [
                release,
                sorted(options.items(), key=str),
                picked,
                scores["score"].round(6).tolist(),
                risk["risk_scores"]["score"].round(6).tolist() if risk else None,
            ],
        )
    )
    pack = _pack_bytes(
        figs, table, chosen, reach, layer_tables, sources, readme, key, cat.synthetic, release,
        weights_line, risk,
    )  # fmt: skip
    synthetic = f" — {SYNTHETIC_LABEL}" if cat.synthetic else ""
    st.download_button(
        plain(f"Download the evidence pack (zip){synthetic}"),
        pack,
        f"evidence_pack_{release}.zip",
        "application/zip",
        key="dl_pack",
    )
    st.caption(
        "GeoPackage (divisions_with_figures, anchor_sites, reach_areas, reach_buffers and each "
        "overlay's figures by division), CSV tables (safe for spreadsheets) including the reach "
        "table above and every input's file, release and version (sources.csv; with the risk "
        "index, risk_scores and risk_weights), a PNG map and a README of sources, weights and "
        "licences."
    )
