"""The division profile: one division on one page, for its councillor (``?division=<code>``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.analysis.coverage import district_rows, trend
from geo.analysis.profile import (
    DivisionProfile,
    build_profile,
    trend_caveat,
)
from geo.config import (
    GIGABIT_TARGET_PCT,
    LEVELS,
    MEASURES,
    NOT_PUBLISHED,
    SUPERFAST_TARGET_PCT,
)
from geo.reports.report import chart_png, map_png, profile_pdf, profile_png
from views import access, overlay_panel, risk_section, state, widgets
from views.downloads import download_table
from views.guard import deferred, show_deferred_failures
from views.text import plain

PICKER_KEY = "profile_division"


@st.cache_data(show_spinner="Building the profile…", max_entries=32)
def _profile(
    k: state.Key,
    level: str,
    release: str,
    code: str,
    measure: str,
    targets: tuple[float, float],
    public: bool,
) -> DivisionProfile:
    cat = state.catalog(k)
    figs = state.figures(k, level, release)
    county, county_how = state.county(k, level, release)
    return build_profile(
        figs,
        code,
        county=county,
        county_how=county_how,
        release=release,
        measure=measure,
        coverage=cat.coverage,
        superfast_target=targets[0],
        gigabit_target=targets[1],
        sections=[
            s
            for _spec, found in overlay_panel.sections(
                code, level=level, release=release, public=public
            )
            for s in found
        ],
        trend=_trend(k, level, code, cat.releases),
        synthetic=cat.synthetic,
    )


def _trend(k: state.Key, level: str, code: str, releases: list[str]) -> pd.DataFrame:
    """Division and county % per release (premises-weighted), one row per release."""
    rows = []
    for rel in releases:
        try:
            figs = state.figures(k, level, rel).set_index("area_code")
            county, _how = state.county(k, level, rel)
        except ValueError:  # a release this level cannot be placed on
            continue
        row = {"release": rel}
        for key in MEASURES:
            row[f"division_{key}"] = figs.loc[code].get(f"pct_{key}")
            row[f"county_{key}"] = county.get(f"pct_{key}")
            row[f"published_{key}"] = f"pct_{key}" in figs.columns
        rows.append(row)
    return pd.DataFrame(rows).set_index("release") if rows else pd.DataFrame()


@st.cache_data(show_spinner=False, max_entries=8)
def _exports(
    k: state.Key,
    level: str,
    release: str,
    code: str,
    measure: str,
    targets: tuple[float, float],
    public: bool,
) -> tuple[bytes, bytes]:
    profile = _profile(k, level, release, code, measure, targets, public)
    figs = state.figures(k, level, release)
    points = [
        (recs, spec.map_style)
        for key, spec in overlay_panel.loaded().items()
        if spec.map_style is not None and (recs := state.stored(key, k)) is not None
    ]
    picture = map_png(figs, code, points=points)
    risk = risk_section.profile_lines(k, level, release, code)
    pdf = profile_pdf(profile, map_image=picture, chart_image=chart_png(profile), risk=risk)
    return pdf, profile_png(profile, areas=figs, points=points)


def render() -> None:
    """The Division profile page."""
    opened = state.open_page("Division profile")
    if opened is None:
        return
    cat, k, level = opened
    releases = cat.releases
    c1, c2 = st.columns(2)
    release = c1.selectbox(
        "Ofcom release", releases, index=len(releases) - 1, key="profile_release"
    )
    figs = state.figures(k, level, release)
    measure = widgets.measure_box(
        c2, figs, release, label="Rank the divisions by", key="profile_measure"
    )
    names = dict(zip(figs["area_code"], figs["area_name"], strict=True))
    widgets.postcode_box(cat.postcodes, figs, names, key="profile_postcode",
                         label="Find your division by postcode")  # fmt: skip
    code = widgets.picked_area(names, label=f"Find a {LEVELS[level].singular} by name",
                               widget_key=PICKER_KEY)  # fmt: skip
    if not code:
        st.info(f"Pick a {LEVELS[level].singular} by name, or search by postcode.")
        return
    public = access.context().public
    with st.expander("Targets", expanded=False):
        t1, t2 = st.columns(2)
        sf = t1.number_input(
            "Superfast target (% of premises)",
            0.0,
            100.0,
            SUPERFAST_TARGET_PCT,
            1.0,
            key="target_sfbb",
        )
        gb = t2.number_input(
            "Gigabit target (% of premises)",
            0.0,
            100.0,
            GIGABIT_TARGET_PCT,
            1.0,
            key="target_gigabit",
        )
    key = (k, level, release, code, measure, (sf, gb), public)
    profile = _profile(*key)
    lad = figs.set_index("area_code").loc[code].get("lad_code")
    _show(profile, level=level, lad_code=None if pd.isna(lad) else str(lad))
    risk_section.profile_section(k, level, release, code)
    _downloads(profile, key)


def _show(p: DivisionProfile, *, level: str, lad_code: str | None) -> None:
    st.header(plain(p.name))
    st.caption(plain(f"Code {p.code} · Ofcom release {p.release} · figures from {p.method}"))
    if p.figures_note():
        st.info(plain(p.figures_note()))
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Premises", "no figure" if p.premises is None else f"{p.premises:,.0f}")
    rank = "no figure" if p.rank is None else f"{p.rank} of {p.ranked_of}"
    m2.metric(
        f"Rank in the county: {MEASURES[p.measure].short}",
        plain(rank),
        help="1 = best served; divisions with the same figure share a rank.",
    )
    short = p.shortfalls
    m3.metric("Premises without superfast", _n(short.get("without_superfast")))
    if "below_uso" in short:
        m4.metric("Premises below the USO", _n(short["below_uso"]))
    elif "no_decent" in short:
        help_text = f"{MEASURES['no_decent'].label} (Ofcom; replaces 'below the USO' in release "
        m4.metric("Premises without decent broadband", _n(short["no_decent"]),
                  help=plain(help_text + f"{p.release})"))  # fmt: skip
    else:
        m4.metric("Premises below the USO", NOT_PUBLISHED)

    st.subheader("Coverage beside the county" + (" and England" if _has_england(p) else ""))
    shown = p.figures[p.figures["Published"].astype(bool)]
    table = shown.drop(columns=["key", "Difference (points)", "Published"])
    if p.district_figures:
        table = table.rename(columns={"Division %": f"District % ({p.figure_area_name})"})
    if not _has_england(p):
        table = table.drop(columns="England %")
    st.dataframe(table, hide_index=True, width="stretch")
    chart = table.set_index("Measure")[[c for c in table.columns if c.endswith("%")]]
    # Short names in measure order (superfast … below the USO), not sorted by name.
    chart.index = chart.index.map({m.label: m.short for m in MEASURES.values()})
    st.bar_chart(
        chart, horizontal=True, stack=False, y_label="", x_label="% of premises", sort=False,
        alt="Bar chart of the table above: each measure's % for the division and the county.",
    )  # fmt: skip
    if p.published_note():
        st.caption(plain(p.published_note()))
    st.caption(
        plain(f"Premises-weighted. County figure: {p.county_how}. ")
        + (
            ""
            if _has_england(p)
            else "England's figure appears when an LA-level Ofcom "
            "file with the national row is loaded."
        )
    )

    st.subheader("Progress toward the targets")
    for t in p.targets.to_dict("records"):
        now = t["Division %"]
        label = f"{t['Measure']}: target {t['Target %']:.0f}%"
        if now is None:
            st.write(plain(f"{label} — no figure for this {LEVELS[level].singular}."))
            continue
        to_go = "target met" if t["Met"] else f"{t['Premises to go']:,} premises to go"
        st.progress(
            min(1.0, now / t["Target %"]) if t["Target %"] else 1.0,
            text=plain(f"{label} · now {now:.1f}% · {to_go}"),
        )

    _trend_section(p, lad_code=lad_code)

    st.subheader("Vouchers, anchor sites and support")
    if not p.sections:
        st.caption("No vouchers, anchor sites or support points are loaded yet (Data page).")
    for section in p.sections:
        overlay_panel.show_section(section)


def _trend_section(p: DivisionProfile, *, lad_code: str | None) -> None:
    st.subheader("Trend across Ofcom releases")
    key = p.measure
    cov = state.catalog().coverage
    district = pd.DataFrame()
    if cov is not None and lad_code:
        rows = district_rows(cov, lad_code)
        district = trend(rows) if len(rows) else district
    if (p.trend is None or len(p.trend) < 2) and len(district) < 2:
        st.caption("Only one Ofcom release is loaded; import more releases to see the trend.")
        return
    frame = pd.DataFrame()
    if p.trend is not None and len(p.trend):
        frame = p.trend[[f"division_{key}", f"county_{key}"]].rename(
            columns={f"division_{key}": p.name, f"county_{key}": "County"}
        )
    if len(district) and f"pct_{key}" in district:
        known = rows["area_name"].dropna() if "area_name" in rows else pd.Series(dtype=str)
        district_name = str(known.iloc[0]) if len(known) else ""
        column = f"{district_name or 'The district'} (district)"
        frame = frame.join(district[f"pct_{key}"].rename(column), how="outer")
    frame = frame.astype(float).dropna(axis=1, how="all")
    st.line_chart(frame, y_label=f"{MEASURES[key].label}, % of premises")
    caveat = trend_caveat([str(r) for r in frame.index])
    gaps = ""
    if p.trend is not None and f"published_{key}" in p.trend:
        absent = [str(r) for r, ok in p.trend[f"published_{key}"].items() if not ok]
        if absent:
            gaps = f" {MEASURES[key].label}: {NOT_PUBLISHED} ({', '.join(absent)}), so the line "
            gaps += "has no point there."
    st.caption(
        "Premises-weighted per release; the district line is the district's own LA-level figure. "
        + plain(caveat or "")
        + plain(gaps)
    )


def _downloads(p: DivisionProfile, key: tuple) -> None:
    st.subheader("Download this profile")
    show_deferred_failures()  # a drawing that failed on the last click says so here
    stem = f"division_{p.code}_{p.release}"
    d1, d2, d3, d4 = st.columns(4)
    # Drawn only when asked for (on the click, off the script thread): a pick stays fast.
    d1.download_button("PDF (one page)", deferred(lambda: _exports(*key)[0], what="The PDF"),
                       f"{stem}.pdf", "application/pdf", key="dl_pdf")  # fmt: skip
    d2.download_button("PNG (map and figures)",
                       deferred(lambda: _exports(*key)[1], what="The PNG"), f"{stem}.png",
                       "image/png", key="dl_png")  # fmt: skip
    download_table("CSV (figures)", p.figures_frame(), f"{stem}.csv", key="dl_csv", where=d3)
    d4.download_button(
        "JSON (figures)", p.to_json(), f"{stem}.json", "application/json", key="dl_json"
    )


def _has_england(p: DivisionProfile) -> bool:
    return bool(p.figures["England %"].notna().any())


def _n(v: int | None) -> str:
    return "no figure" if v is None else f"{v:,}"
