"""The bid planner's evidence pack: one zip a programme manager can attach to a bid.

Contents
--------
``evidence.gpkg``   GeoPackage (EPSG:27700) with the layers :data:`GPKG_LAYERS`; a layer with
                    no data is still present, empty, so every pack has the same shape.
``<name>.csv``      each table given, every cell formula-neutralised for spreadsheets (with the
                    risk index loaded: ``risk_scores.csv`` and ``risk_weights.csv``).
``gap_map.png``     the gap score map with anchor reach drawn from the GeoDataFrames.
``README.txt``      what is in the pack: sources, Ofcom release, options, licences.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from matplotlib.figure import Figure

from geo.analysis.gap import missing_text
from geo.analysis.privacy import formula_safe_csv
from geo.analysis.risk import RiskResult
from geo.config import ATTRIBUTION_LINES, OSM_LINE, SEQUENTIAL_PALETTE, SYNTHETIC_LABEL, WORKING_CRS
from geo.geometry.aggregate import AREA_CODE
from geo.geometry.crs import to_working
from geo.reports.text import plain_text

GPKG_NAME = "evidence.gpkg"
GPKG_LAYERS = ("divisions_with_figures", "anchor_sites", "reach_areas")
"""Layers every pack has; each overlay with data adds ``<layer>_by_area``."""


def _empty(columns: Sequence[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: pd.Series(dtype=str) for c in columns}, geometry=[],
                            crs=WORKING_CRS)  # fmt: skip


def _spatial(frame: gpd.GeoDataFrame | None, *, name: str) -> gpd.GeoDataFrame:
    if frame is None:
        return _empty(["note"])
    out = to_working(frame, source=name).reset_index(drop=True)
    for col in out.columns:  # GeoPackage has no nullable-integer or object-mixed types
        if col != out.geometry.name and str(out[col].dtype) in ("Int64", "string"):
            out[col] = out[col].astype(object)
    return out


def on_divisions(divisions: gpd.GeoDataFrame, table: pd.DataFrame) -> gpd.GeoDataFrame:
    """A per-area table (index ``area_code``) on the division polygons."""
    base = divisions[[AREA_CODE, "area_name", divisions.geometry.name]]
    return base.merge(table, left_on=AREA_CODE, right_index=True, how="left")


@plain_text
def gap_map_png(
    divisions: gpd.GeoDataFrame,
    *,
    column: str = "score",
    reach: gpd.GeoDataFrame | None = None,
    anchors: gpd.GeoDataFrame | None = None,
    title: str = "Gap score (0–100, higher = more need)",
) -> bytes:
    """A PNG choropleth of ``column`` with reach buffers and anchor sites on top."""
    fig = Figure(figsize=(8, 7))
    ax = fig.add_subplot()
    from matplotlib.colors import ListedColormap

    cmap = ListedColormap(list(SEQUENTIAL_PALETTE))
    shown = to_working(divisions, source="divisions")
    shown.plot(ax=ax, column=column, cmap=cmap, vmin=0, vmax=100, edgecolor="#333333",
               linewidth=0.4, legend=True, missing_kwds={"color": "#bdbdbd"},
               legend_kwds={"shrink": 0.6, "label": column})  # fmt: skip
    if reach is not None and len(reach):
        to_working(reach, source="reach").boundary.plot(ax=ax, color="#e66101", linewidth=1)
    if anchors is not None and len(anchors):
        to_working(anchors, source="anchors").plot(ax=ax, color="#e66101", marker="s",
                                                   markersize=14, edgecolor="black")  # fmt: skip
    ax.set_axis_off()
    ax.set_title(title, fontsize=11)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def figure_notes(figures: pd.DataFrame, scores: pd.DataFrame | None = None) -> list[str]:
    """What a reader of the pack must know about where the figures come from.

    Names the divisions shown with their district's figure (``figure_from`` = "district")
    and the file that would give them their own, and the gap-score components left out
    (:func:`geo.analysis.gap.missing_text`).
    """
    notes: list[str] = []
    if "figure_from" in figures:
        district = figures[figures["figure_from"] == "district"]
        if len(district):
            needs = district["figure_needs"].astype(str).mode()
            notes.append(
                f"{len(district)} of {len(figures)} divisions have no figure of their own: "
                "divisions_with_figures gives them their district's (figure_from = district, "
                "figure_area = the district), never summed into county totals. "
                + (f"Their own figures need {needs.iat[0]}." if len(needs) else "")
            )
    if scores is not None and missing_text(scores):
        notes.append(missing_text(scores))
    if scores is not None:
        notes += [f"Gap score: {n}." for n in (scores.attrs.get("notes") or {}).values()]
    return notes


def risk_tables(result: RiskResult) -> dict[str, pd.DataFrame]:
    """The risk index for the pack: ``risk_scores`` (rank, score, components, indicator scores
    and the counts behind them per division) and ``risk_weights`` (every weight in use, its
    share of the score, and each indicator's source, year and licence)."""
    scores = result.divisions.drop(columns=["x", "y"]).reset_index()
    weights = result.weights.merge(
        result.indicators.rename(columns={"Indicator": "label"})[
            ["label", "Source", "Year", "Licence"]
        ],
        on="label",
        how="left",
    )
    weights["small_areas"] = result.level
    weights["population_weight"] = result.weight_method
    return {"risk_scores": scores, "risk_weights": weights}


def readme_text(
    *,
    release: str,
    options: Mapping[str, object],
    sources: Sequence[str],
    synthetic: bool,
    notes: Sequence[str] = (),
) -> str:
    """README.txt: what the pack holds, the release and options used, notes on where the
    figures come from (:func:`figure_notes`), sources and licences."""
    lines = [
        "Broadband bid planner: evidence pack",
        f"Made {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    if synthetic:
        lines += [f"*** {SYNTHETIC_LABEL}: nothing in this pack is real. ***", ""]
    if notes:
        lines += ["About these figures:", *[f"  {n}" for n in notes], ""]
    lines += [f"Ofcom Connected Nations release: {release}", "", "Options:"]
    lines += [f"  {k}: {v}" for k, v in options.items()]
    lines += ["", f"{GPKG_NAME} layers (EPSG:27700, British National Grid metres):"]
    lines += [f"  {name}" for name in GPKG_LAYERS]
    lines += ["  <overlay>_by_area: each loaded overlay's figures per division"]
    lines += ["CSV files: cells that a spreadsheet could run as a formula start with '.", ""]
    lines += ["Sources:", *[f"  {s}" for s in sources], "", "Licences and attribution:"]
    lines += [f"  {line}" for line in ATTRIBUTION_LINES if line != OSM_LINE]
    return "\n".join(lines) + "\n"


def evidence_pack(
    *,
    divisions: gpd.GeoDataFrame,
    anchors: gpd.GeoDataFrame | None,
    reach_areas: gpd.GeoDataFrame | None,
    layer_tables: Mapping[str, pd.DataFrame],
    tables: Mapping[str, pd.DataFrame],
    map_png: bytes,
    readme: str,
) -> bytes:
    """Build the zip (bytes) described in the module docstring.

    Parameters
    ----------
    divisions
        Division polygons with their figures and gap scores (any CRS with one set).
    anchors, reach_areas
        Chosen anchor sites and their buffers, or ``None``.
    layer_tables
        Overlay key → its per-area table (index ``area_code``), each written on the division
        polygons as GeoPackage layer ``<key>_by_area``.
    tables
        File stem → table, each written as ``<stem>.csv`` after formula neutralising.
    """
    layers = {
        "divisions_with_figures": _spatial(divisions, name="divisions"),
        "anchor_sites": _spatial(anchors, name="anchor sites"),
        "reach_areas": _spatial(reach_areas, name="reach areas"),
        **{f"{key}_by_area": _spatial(on_divisions(divisions, table), name=key)
           for key, table in layer_tables.items()},
    }  # fmt: skip
    buf = io.BytesIO()
    with (
        tempfile.TemporaryDirectory() as tmp,
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf,
    ):
        gpkg = Path(tmp) / GPKG_NAME
        for name, frame in layers.items():
            pyogrio.write_dataframe(frame, gpkg, layer=name, driver="GPKG")
        zf.write(gpkg, GPKG_NAME)
        for stem, table in tables.items():
            plain = table.drop(columns="geometry", errors="ignore")
            zf.writestr(f"{stem}.csv", formula_safe_csv(plain))
        zf.writestr("gap_map.png", map_png)
        zf.writestr("README.txt", readme)
    return buf.getvalue()


__all__ = [
    "GPKG_LAYERS",
    "evidence_pack",
    "figure_notes",
    "gap_map_png",
    "on_divisions",
    "readme_text",
    "risk_tables",
]
