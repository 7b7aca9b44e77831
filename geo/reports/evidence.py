"""The bid planner's evidence pack: one zip a programme manager can attach to a bid.

Contents
--------
``evidence.gpkg``        GeoPackage (EPSG:27700) with the layers :data:`GPKG_LAYERS`; a layer
                         with no data is still present, empty, so every pack has the same shape.
``<name>.csv``           each table given, every cell formula-neutralised for spreadsheets;
                         ``reach_areas.csv`` is the per-division reach table shown on the page
                         (with the risk index loaded: ``risk_scores.csv``, ``risk_weights.csv``).
``sources.csv``          every input: what it is, its file, release or vintage, version and
                         SHA-256 for uploads, licence (:func:`catalogue_sources`,
                         :func:`upload_sources`).
``gap_map.png``          the gap score map with title, release, weights, scale bar, attribution
                         and, for generated data, the synthetic label (:func:`gap_map_png`).
``README.txt``           what is in the pack: sources, Ofcom release, weights, options, licences.
"""

from __future__ import annotations

import io
import tempfile
import textwrap
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from matplotlib.figure import Figure

from geo.analysis.gap import missing_text
from geo.analysis.privacy import formula_safe_csv
from geo.analysis.reach import Reach
from geo.analysis.risk import RiskResult
from geo.config import (
    BOUNDARY_COLOUR,
    HIGHLIGHT_COLOUR,
    LEVELS,
    NO_DATA_COLOUR,
    OFCOM_LINE,
    ONS_LINE,
    OS_LINE,
    POSTCODE_LINE,
    SEQUENTIAL_PALETTE,
    SYNTHETIC_LABEL,
    WORKING_CRS,
    imd_edition,
)
from geo.geometry.aggregate import AREA_CODE
from geo.geometry.crs import to_working
from geo.reports.readable import add_scale_bar, date_text, label
from geo.reports.text import plain_text
from geo.storage.catalog import IMD_LAYER, LSOA_LAYER, OA_LAYER, POSTCODES_LAYER

GPKG_NAME = "evidence.gpkg"
GPKG_LAYERS = ("divisions_with_figures", "anchor_sites", "reach_areas", "reach_buffers")
"""Layers every pack has (``reach_areas``: the part of each division within reach, with the
reach table's columns; ``reach_buffers``: one circle per chosen anchor site); each overlay with
data adds ``<layer>_by_area``."""
GAP_BINS = (0, 20, 40, 60, 80, 100)
"""Gap score classes, one colour of :data:`geo.config.SEQUENTIAL_PALETTE` each (as on screen)."""
COVERAGE_LEVEL_WORDS = {"lad": "local-authority", "oa": "output-area", "postcode": "postcode"}
UPLOAD_LICENCE = "Council data, uploaded to this tool; licence as agreed with its supplier."


@dataclass(frozen=True)
class Source:
    """One input of the pack: what it is, the file it came from and how to find that again."""

    what: str
    file: str
    detail: str
    licence: str

    def line(self) -> str:
        """One line for the README."""
        return f"{self.what}: {self.file} ({self.detail}). {self.licence}"


def catalogue_sources(
    meta: Mapping[str, Mapping[str, object]],
    coverage: pd.DataFrame | None,
    *,
    level: str,
    release: str,
    deprivation: str | None = None,
    postcodes: bool = False,
) -> list[Source]:
    """The open-data inputs behind one level and release, from the catalogue's records.

    Parameters
    ----------
    meta
        :attr:`geo.storage.catalog.Catalog.meta` (layer → facts: source file, vintage …).
    coverage
        The catalogue's coverage rows (``release``, ``level``, ``source``), or ``None``.
    level, release
        The areas and the Ofcom release the pack is about.
    deprivation
        The IMD method used (``"centroid"`` or ``"area"``), or ``None`` when IMD was not used.
    postcodes
        Whether the postcode directory was used (postcode-level figures or anchor reach).
    """
    out: list[Source] = []
    if coverage is not None and len(coverage):
        rows = coverage[coverage["release"].astype(str) == str(release)]
        files = rows.get("source", pd.Series("", index=rows.index)).fillna("").astype(str)
        levels = rows.get("level", pd.Series("", index=rows.index)).astype(str)
        for (file, lvl), n in rows.groupby([files, levels]).size().items():
            words = COVERAGE_LEVEL_WORDS.get(str(lvl), str(lvl))
            out.append(Source("Ofcom Connected Nations fixed coverage", file or "file not recorded",
                              f"release {release}, {n:,} {words} rows", OFCOM_LINE))  # fmt: skip
    areas = meta.get(f"areas_{level}", {})
    vintage = areas.get("vintage")
    out.append(Source(f"Boundaries: {LEVELS[level].label}", str(areas.get("source") or "unknown"),
                      f"vintage {vintage}" if vintage else "vintage not recorded",
                      f"ONS Open Geography Portal. {ONS_LINE} {OS_LINE}"))  # fmt: skip
    if postcodes and POSTCODES_LAYER in meta:
        out.append(Source("Postcode directory", str(meta[POSTCODES_LAYER].get("source")),
                          "postcode centroids", POSTCODE_LINE))  # fmt: skip
    in_release = (
        coverage.loc[coverage["release"].astype(str) == str(release)]
        if coverage is not None
        else pd.DataFrame()
    )
    if OA_LAYER in meta and (in_release.get("level", pd.Series(dtype=str)) == "oa").any():
        out.append(Source("Output-area centroids", str(meta[OA_LAYER].get("source")),
                          "places output-area coverage", f"{ONS_LINE} {OS_LINE}"))  # fmt: skip
    if deprivation:
        imd, lsoa = meta.get(IMD_LAYER, {}), meta.get(LSOA_LAYER, {})
        edition = imd_edition(imd.get("vintage"))
        out.append(Source(f"{edition.title} ({edition.name})", str(imd.get("source")),
                          f"by {edition.lsoa_vintage} LSOA, to divisions by {deprivation}",
                          edition.line))  # fmt: skip
        out.append(Source("LSOA boundaries", str(lsoa.get("source")),
                          f"LSOA {lsoa.get('vintage') or edition.lsoa_vintage}",
                          f"{ONS_LINE} {OS_LINE}"))  # fmt: skip
    return out


def upload_sources(versions: Mapping[str, pd.DataFrame]) -> list[Source]:
    """The current version of each uploaded dataset used, from the store's audit.

    ``versions`` maps a dataset (``"vouchers"`` …) to :func:`geo.storage.store.versions` of it.
    """
    out: list[Source] = []
    for dataset, frame in versions.items():
        current = frame[frame["current"].astype(bool)] if len(frame) else frame
        if current.empty:
            continue
        row = current.iloc[-1]
        detail = f"version {int(row['version'])}, SHA-256 {row['sha256']}, saved "
        detail += date_text(row["saved_at"]) + " UTC"
        if row.get("action") == "restore" and pd.notna(row.get("source_version")):
            detail += f" (restored from version {int(row['source_version'])})"
        out.append(Source(f"Upload: {dataset}", str(row["file_name"]), detail, UPLOAD_LICENCE))
    return out


def sources_frame(sources: Sequence[Source]) -> pd.DataFrame:
    """``sources.csv``: one row per input, labelled columns."""
    names = {"what": "Input", "file": "File", "detail": "Release, vintage or version",
             "licence": "Licence and attribution"}  # fmt: skip
    return pd.DataFrame([asdict(s) for s in sources], columns=list(names)).rename(columns=names)


def weights_text(weights: Mapping[str, float], labels: Mapping[str, str]) -> str:
    """``"Premises without gigabit 3, Premises below the USO 2"`` (zero weights left out)."""
    used = [f"{labels.get(k, k)} {w:g}" for k, w in weights.items() if w > 0]
    return ", ".join(used) if used else "none above 0"


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


def reach_layer(divisions: gpd.GeoDataFrame, reach: Reach | None) -> gpd.GeoDataFrame:
    """The part of each division within reach (EPSG:27700), with the reach table's columns."""
    if reach is None or reach.union.is_empty or reach.areas.empty:
        return _empty([AREA_CODE, "area_name", "reach_km2", "lacking_gigabit"])
    shapes = to_working(divisions, source="divisions").set_index(AREA_CODE).geometry
    table = reach.areas.copy()
    parts = shapes.reindex(table[AREA_CODE]).intersection(reach.union).to_numpy()
    return gpd.GeoDataFrame(table, geometry=parts, crs=WORKING_CRS)


def reach_table(reach: Reach, *, area_label: str = "Division") -> pd.DataFrame:
    """The per-division reach table as shown on the page (labelled columns, km² to 2 places)."""
    table = reach.areas[[AREA_CODE, "area_name", "reach_km2", "lacking_gigabit"]].copy()
    table["reach_km2"] = table["reach_km2"].round(2)
    return table.rename(columns={c: label(c, area_label=area_label) for c in table.columns})


@plain_text
def gap_map_png(
    divisions: gpd.GeoDataFrame,
    *,
    release: str,
    weights: str,
    synthetic: bool,
    attribution: Sequence[str],
    column: str = "score",
    reach: gpd.GeoDataFrame | None = None,
    anchors: gpd.GeoDataFrame | None = None,
    title: str = "Gap score by division (higher = more need)",
) -> bytes:
    """The gap score map as a PNG: a sheet that still says what it is when printed alone.

    Title (with :data:`geo.config.SYNTHETIC_LABEL` for generated data), a line with the Ofcom
    release and the weights, the score in the on-screen classes with a legend, reach circles
    and anchor sites, a scale bar in metres (drawn in EPSG:27700) and the attribution lines.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig = Figure(figsize=(8.27, 8.6))  # A4 width, inches
    head = title + (f" — {SYNTHETIC_LABEL}" if synthetic else "")
    fig.text(0.03, 0.985, head, ha="left", va="top", fontsize=13, fontweight="bold",
             color="#8a1c00" if synthetic else "black")  # fmt: skip
    subtitle = textwrap.fill(f"Ofcom Connected Nations release {release}. Weights: {weights}.", 110)
    fig.text(0.03, 0.945, subtitle, fontsize=9, va="top")
    ax = fig.add_axes((0.03, 0.2, 0.94, 0.68))
    shown = to_working(divisions, source="divisions")
    cmap = ListedColormap(list(SEQUENTIAL_PALETTE))
    norm = BoundaryNorm(GAP_BINS, cmap.N)
    shown.plot(ax=ax, column=column, cmap=cmap, norm=norm, edgecolor=BOUNDARY_COLOUR,
               linewidth=0.4, missing_kwds={"color": NO_DATA_COLOUR})  # fmt: skip
    handles: list = [
        Patch(facecolor=c, edgecolor=BOUNDARY_COLOUR, label=f"{lo}–{hi}")
        for c, lo, hi in zip(SEQUENTIAL_PALETTE, GAP_BINS[:-1], GAP_BINS[1:], strict=True)
    ]
    handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor=BOUNDARY_COLOUR, label="No score"))
    if reach is not None and len(reach):
        to_working(reach, source="reach").boundary.plot(ax=ax, color=HIGHLIGHT_COLOUR, linewidth=1)
        handles.append(Line2D([], [], color=HIGHLIGHT_COLOUR, label="Anchor-site reach"))
    if anchors is not None and len(anchors):
        to_working(anchors, source="anchors").plot(ax=ax, color=HIGHLIGHT_COLOUR, marker="s",
                                                   markersize=14, edgecolor="black")  # fmt: skip
        handles.append(Line2D([], [], color=HIGHLIGHT_COLOUR, marker="s", linestyle="",
                              markeredgecolor="black", label="Chosen anchor site"))  # fmt: skip
    ax.set_axis_off()
    ax.legend(handles=handles, title="Gap score (0–100)", loc="upper center", ncol=4,
              bbox_to_anchor=(0.5, 0.0), fontsize=8, title_fontsize=8, frameon=False)  # fmt: skip
    add_scale_bar(ax)
    footer = "\n".join(textwrap.fill(line, 140) for line in attribution)
    fig.text(0.03, 0.01, footer, fontsize=7, color="#333333", va="bottom")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, facecolor="white", bbox_inches="tight",
                pad_inches=0.15)  # fmt: skip
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
    sources: Sequence[Source | str],
    synthetic: bool,
    notes: Sequence[str] = (),
    weights: str = "",
    attribution: Sequence[str] = (),
) -> str:
    """README.txt: what the pack holds, the release, weights and options, notes on where the
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
    lines += [f"Ofcom Connected Nations release: {release}", ""]
    if weights:
        lines += [f"Gap score weights: {weights}.", ""]
    lines += ["Options:", *[f"  {k}: {v}" for k, v in options.items()]]
    lines += ["", f"{GPKG_NAME} layers (EPSG:27700, British National Grid metres):"]
    lines += [f"  {name}" for name in GPKG_LAYERS]
    lines += ["  <overlay>_by_area: each loaded overlay's figures per division"]
    lines += ["CSV files: cells that a spreadsheet could run as a formula start with '.",
              "sources.csv lists every input below, one per row.", ""]  # fmt: skip
    lines += ["Sources (file, release or vintage; uploads with version and SHA-256):"]
    lines += [f"  {s.line() if isinstance(s, Source) else s}" for s in sources]
    lines += ["", "Licences and attribution:"]
    lines += [f"  {line}" for line in attribution or (OFCOM_LINE, ONS_LINE, OS_LINE)]
    return "\n".join(lines) + "\n"


def evidence_pack(
    *,
    divisions: gpd.GeoDataFrame,
    anchors: gpd.GeoDataFrame | None,
    reach: Reach | None,
    layer_tables: Mapping[str, pd.DataFrame],
    tables: Mapping[str, pd.DataFrame],
    map_png: bytes,
    readme: str,
    sources: Sequence[Source] = (),
) -> bytes:
    """Build the zip (bytes) described in the module docstring.

    Parameters
    ----------
    divisions
        Division polygons with their figures and gap scores (any CRS with one set).
    anchors
        Chosen anchor sites, or ``None``.
    reach
        :func:`geo.analysis.reach.anchor_reach` of those sites, or ``None``: its per-division
        table becomes ``reach_areas.csv`` and the ``reach_areas`` layer, its circles
        ``reach_buffers``.
    layer_tables
        Overlay key → its per-area table (index ``area_code``), each written on the division
        polygons as GeoPackage layer ``<key>_by_area``.
    tables
        File stem → table, each written as ``<stem>.csv`` after formula neutralising.
    sources
        Every input (:func:`catalogue_sources` + :func:`upload_sources`), written as
        ``sources.csv``.
    """
    layers = {
        "divisions_with_figures": _spatial(divisions, name="divisions"),
        "anchor_sites": _spatial(anchors, name="anchor sites"),
        "reach_areas": _spatial(reach_layer(divisions, reach), name="reach areas"),
        "reach_buffers": _spatial(None if reach is None else reach.buffers, name="reach buffers"),
        **{f"{key}_by_area": _spatial(on_divisions(divisions, table), name=key)
           for key, table in layer_tables.items()},
    }  # fmt: skip
    csvs = dict(tables)
    if reach is not None:
        csvs["reach_areas"] = reach_table(reach)
    csvs["sources"] = sources_frame(sources)
    buf = io.BytesIO()
    with (
        tempfile.TemporaryDirectory() as tmp,
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf,
    ):
        gpkg = Path(tmp) / GPKG_NAME
        for name, frame in layers.items():
            pyogrio.write_dataframe(frame, gpkg, layer=name, driver="GPKG")
        zf.write(gpkg, GPKG_NAME)
        for stem, table in csvs.items():
            plain = table.drop(columns="geometry", errors="ignore")
            zf.writestr(f"{stem}.csv", formula_safe_csv(plain))
        zf.writestr("gap_map.png", map_png)
        zf.writestr("README.txt", readme)
    return buf.getvalue()


__all__ = [
    "GPKG_LAYERS",
    "Source",
    "catalogue_sources",
    "evidence_pack",
    "figure_notes",
    "gap_map_png",
    "on_divisions",
    "reach_layer",
    "reach_table",
    "readme_text",
    "risk_tables",
    "sources_frame",
    "upload_sources",
    "weights_text",
]
