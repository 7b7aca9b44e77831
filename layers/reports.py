"""Residents' reports of what they can really get, counted per area (accepted reports only).

The records are the store's ``reports`` table (:mod:`geo.storage.reports`), made through the
report form on the public page and moderated on the Reports page, never uploaded. They are
personal data: no view ever shows one report; the public sees counts per area with small
numbers suppressed (:mod:`geo.analysis.privacy`), officers see exact counts and, on their own map,
one marker per postcode with the number of accepted reports there and how many of them contradict
the Ofcom release shown (one comparison, :func:`_compared`, for the map, panel, profile and export).
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from geo.analysis import resident_reports as rr
from geo.analysis.privacy import count_text
from geo.config import OFCOM_LINE, REPORT_BANDS, REPORT_CONTRADICTION_PCT
from geo.errors import DataError
from geo.geometry.aggregate import assign_areas
from layers import render
from layers._points import add_markers, feature_group
from layers.base import Layer, ReadContext, Section, register

KEY = rr.DATASET
TITLE = "Residents' reports"
REPORT_COLOUR = "#5e3c99"
CONTRADICTS_COLOUR = "#e66101"
AGREES_STYLE: dict[str, Any] = {
    "radius": 6, "color": "#ffffff", "weight": 1.5, "fill_color": REPORT_COLOUR,
    "fill_opacity": 0.9,
}  # fmt: skip
"""A postcode whose accepted reports all agree with Ofcom (or were not compared)."""
CONTRADICTS_STYLE: dict[str, Any] = {
    "radius": 9, "color": "#000000", "weight": 2.5, "fill_color": CONTRADICTS_COLOUR,
    "fill_opacity": 0.95,
}  # fmt: skip
"""A postcode with at least one accepted report contradicting Ofcom: larger, orange, with a
black ring, so it stands out without telling colours apart (the tooltip says it too)."""
NOTE = (
    "Accepted reports only (each checked by an officer). A report contradicts Ofcom when Ofcom "
    f"says at least {REPORT_CONTRADICTION_PCT:.0f}% of premises at its postcode (else in its "
    f"area) can get the speed the resident says they cannot. {OFCOM_LINE}"
)


def read(data: bytes, *, filename: str, context: ReadContext | None = None) -> gpd.GeoDataFrame:
    """Reports are never uploaded: they come from the public page's report form."""
    del data, context
    raise DataError.single(filename, "residents' reports come from the report form on the public "
                           "page; they cannot be uploaded")  # fmt: skip


def _compared(
    accepted: gpd.GeoDataFrame,
    codes: pd.Series,
    *,
    figures: pd.DataFrame | None,
    postcode_figures: pd.DataFrame | None,
    release: str | None,
) -> pd.DataFrame:
    return rr.compare_with_ofcom(
        accepted, area_codes=codes,
        area_figures=figures if figures is not None else pd.DataFrame(),
        postcode_pct=postcode_figures, release=release or "",
    )  # fmt: skip


def aggregate(
    records: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    figures: pd.DataFrame | None = None,
    postcode_figures: pd.DataFrame | None = None,
    release: str | None = None,
) -> pd.DataFrame:
    """Accepted reports per area, how many contradict Ofcom, and how many wait for moderation.

    Parameters
    ----------
    records
        Every report (any status) at its postcode centroid, EPSG:27700.
    figures, postcode_figures, release
        The Ofcom release shown (:class:`layers.base.AreaInputs`); without ``figures`` no report
        contradicts.

    Returns
    -------
    DataFrame
        Index ``area_code`` (every area): ``n_reports``, ``n_contradicting``, ``n_<band>`` of
        accepted reports, and ``n_pending``.
    """
    reports = rr.as_reports(pd.DataFrame(records.drop(columns="geometry", errors="ignore")))
    points = rr.located(reports)
    codes = assign_areas(points, areas, points_name=KEY)
    accepted = reports["status"] == "accepted"
    compared = _compared(points[accepted], codes[accepted], figures=figures,
                         postcode_figures=postcode_figures, release=release)  # fmt: skip
    out = rr.area_counts(reports[accepted], compared, codes[accepted], areas["area_code"])
    pending = (reports["status"] == "pending") & codes.notna()
    out["n_pending"] = (
        pending[pending].groupby(codes[pending]).size().reindex(out.index, fill_value=0)
        .astype("int64")
    )  # fmt: skip
    return out


def areas_of(reports: pd.DataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """The area (``area_code``) each report's postcode lies in (missing when outside all)."""
    if reports.empty:
        return pd.Series(dtype=object, index=reports.index)
    return assign_areas(rr.located(reports), areas, points_name=KEY)


def evidence_rows(
    accepted: pd.DataFrame,
    *,
    figures: gpd.GeoDataFrame,
    postcode_figures: pd.DataFrame | None,
    release: str,
    names: dict[str, str],
) -> pd.DataFrame:
    """The evidence export (:data:`~geo.analysis.resident_reports.REVIEW_COLUMNS`) of the
    accepted reports, against the Ofcom figures per area ``figures`` (EPSG:27700, with
    ``area_code`` and ``pct_<measure>``) and per postcode of ``release``."""
    accepted = rr.counted(accepted)
    codes = areas_of(accepted, figures[["area_code", "geometry"]])
    table = pd.DataFrame(figures.drop(columns="geometry")).set_index("area_code")
    compared = _compared(accepted, codes, figures=table, postcode_figures=postcode_figures,
                         release=release)  # fmt: skip
    return rr.review_table(accepted, compared, codes, names=names)


def draw(
    records: gpd.GeoDataFrame,
    *,
    public: bool,
    show: bool = True,
    areas: gpd.GeoDataFrame | None = None,
    figures: pd.DataFrame | None = None,
    postcode_figures: pd.DataFrame | None = None,
    release: str | None = None,
) -> folium.FeatureGroup:
    """Officers: one marker per postcode with accepted reports, its tooltip saying how many and
    how many contradict the Ofcom release shown; a postcode with any contradicting report has
    its own style (:data:`CONTRADICTS_STYLE`). Public: nothing, ever (reports are personal
    data; the public sees suppressed counts per area).

    ``areas`` (``area_code``, geometry; EPSG:27700), ``figures``, ``postcode_figures`` and
    ``release`` are as for :func:`aggregate`, the same comparison as the panel, the profile and
    the export; without ``release`` no report is compared.
    """
    group = feature_group(TITLE, show=show)
    if public:
        return group
    accepted = rr.counted(pd.DataFrame(records.drop(columns="geometry", errors="ignore")))
    if accepted.empty:
        return group
    codes = (
        areas_of(accepted, areas)
        if areas is not None
        else pd.Series(None, index=accepted.index, dtype=object)
    )
    compared = _compared(accepted, codes, figures=figures, postcode_figures=postcode_figures,
                         release=release)  # fmt: skip
    flagged = accepted.assign(contradicts=compared["contradicts_ofcom"].astype(int))
    per_postcode = flagged.groupby("postcode").agg(
        n=("report_id", "size"), n_contradicting=("contradicts", "sum"),
        easting=("easting", "first"), northing=("northing", "first"),
    )  # fmt: skip
    points = rr.located(per_postcode.reset_index())

    def make(rec: pd.Series, lat: float, lon: float) -> folium.CircleMarker:
        n, against = int(rec["n"]), int(rec["n_contradicting"])
        text = f"{rec['postcode']}: {n:,} accepted report{'s' if n != 1 else ''}"
        if release:
            text += f", {against:,} contradict{'s' if against == 1 else ''} Ofcom ({release})"
        style = CONTRADICTS_STYLE if against else AGREES_STYLE
        return render.circle((lat, lon), label=text, fill=True, **style)

    add_markers(group, points, make=make)
    return group


def summarise(row: pd.Series, here: pd.DataFrame, *, public: bool) -> list[Section]:
    """One area's accepted reports (by band) and how many contradict Ofcom; never one report."""
    del here  # individual reports are never listed
    items = [
        ("Reports accepted", count_text(row["n_reports"], public=public)),
        ("· contradict Ofcom's figure", count_text(row["n_contradicting"], public=public)),
    ]
    items += [(f"· {band.label}", count_text(row[f"n_{key}"], public=public))
              for key, band in REPORT_BANDS.items() if int(row.get(f"n_{key}", 0))]  # fmt: skip
    if not public:
        items.append(("Waiting for moderation", count_text(row["n_pending"], public=False)))
    table = pd.DataFrame(items, columns=["Residents' reports", "Count"])
    return [Section(TITLE, table, NOTE)]


def evidence(agg: pd.DataFrame) -> pd.DataFrame:
    """Per-area columns for the evidence pack: accepted reports and those contradicting Ofcom."""
    return pd.DataFrame({
        "resident_reports_accepted": agg["n_reports"].astype(int),
        "resident_reports_contradicting_ofcom": agg["n_contradicting"].astype(int),
    }, index=agg.index)  # fmt: skip


def overview(agg: pd.DataFrame, names: dict[str, str]) -> list[Section]:
    """County-wide: the areas with accepted reports, most contradicting Ofcom first."""
    rows = agg[agg["n_reports"] > 0]
    if rows.empty:
        return []
    table = pd.DataFrame({
        "Area": [names.get(c, c) for c in rows.index],
        "Reports accepted": rows["n_reports"].astype(int).to_numpy(),
        "Contradict Ofcom": rows["n_contradicting"].astype(int).to_numpy(),
    })  # fmt: skip
    table = table.sort_values(["Contradict Ofcom", "Area"], ascending=[False, True], kind="stable")
    return [Section("Residents' reports by area", table.reset_index(drop=True), NOTE)]


LAYER = register(
    Layer(
        key=KEY,
        title=TITLE,
        description="What residents say they can really get, moderated by officers",
        required_columns=("postcode", "band"),
        read=read,
        aggregate=aggregate,
        draw=draw,
        summarise=summarise,
        personal_data=True,
        options=("figures", "postcode_figures", "release"),
        draw_options=("areas", "figures", "postcode_figures", "release"),
        evidence=evidence,
        overview=overview,
        uploadable=False,
    )
)

__all__ = [
    "AGREES_STYLE",
    "CONTRADICTS_STYLE",
    "LAYER",
    "aggregate",
    "areas_of",
    "draw",
    "evidence",
    "evidence_rows",
    "overview",
    "read",
    "summarise",
]
