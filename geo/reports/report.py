"""Printable exports of a division profile: a one-page PDF and a PNG sheet.

Both are drawn from the data, never screenshots: the map is matplotlib drawing the
GeoDataFrames (EPSG:27700, metres), the chart is matplotlib, the PDF is fpdf2 writing plain
text cells (no HTML, so a name such as ``<script>`` is printed literally). The PDF uses the
DejaVu Sans font that ships inside matplotlib, so "≥", "£" and "©" print on any machine.
Individual voucher records are never drawn: they identify homes.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import matplotlib
import pandas as pd
from fpdf import FPDF
from matplotlib.figure import Figure

from geo.analysis.profile import DivisionProfile
from geo.analysis.risk import RiskResult
from geo.config import (
    ATTRIBUTION_LINES,
    DERI_LINE,
    HIGHLIGHT_COLOUR,
    NOT_PUBLISHED,
    OSM_LINE,
    RISK_COMPONENTS,
    SEQUENTIAL_PALETTE,
    SYNTHETIC_LABEL,
)
from geo.geometry.aggregate import AREA_CODE
from geo.geometry.crs import to_working
from geo.reports.text import plain_text

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
SERIES_COLOURS = (HIGHLIGHT_COLOUR, SEQUENTIAL_PALETTE[3], SEQUENTIAL_PALETTE[1])
SHEET_LINE_CHARS = 170
"""Characters per line of the PNG sheet's summary (8.5 pt DejaVu across A4 landscape)."""
MAX_LISTED = 8
"""Anchor sites and pilots listed by name on the one-page sheet; the rest are counted."""


@dataclass(frozen=True)
class PointStyle:
    """How a printed map marks one overlay's points (optionally coloured by a column)."""

    label: str
    colour: str
    marker: str = "o"
    size: float = 40
    colour_column: str | None = None
    colours: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


PointLayer = tuple[gpd.GeoDataFrame, PointStyle]
"""Records (any CRS) and how to mark them."""


def draw_points(ax: object, points: Sequence[PointLayer]) -> None:
    """Draw each overlay's points with its style (a legend entry per colour)."""
    for records, style in points:
        if records is None or not len(records):
            continue
        pts = to_working(records, source=style.label)
        groups = (
            pts.groupby(pts[style.colour_column].astype(str))
            if style.colour_column and style.colour_column in pts
            else [(None, pts)]
        )
        for value, group in groups:
            colour = style.colours.get(str(value), style.colour) if value else style.colour
            label = (f"{style.label}: {style.labels.get(str(value), str(value).replace('_', ' '))}"
                     if value else style.label)  # fmt: skip
            group.plot(ax=ax, color=colour, marker=style.marker, markersize=style.size,
                       edgecolor="black", linewidth=0.5, label=label, zorder=3)  # fmt: skip


def source_lines(profile: DivisionProfile) -> list[str]:
    """Sources and licence lines printed on every export (synthetic label first when synthetic)."""
    lines = [f"{SYNTHETIC_LABEL}: nothing here is real."] if profile.synthetic else []
    licences = [line for line in ATTRIBUTION_LINES if line != OSM_LINE]  # no basemap is drawn
    release = f"Ofcom Connected Nations release {profile.release}."
    unpublished = profile.published_note()
    return [*lines, f"{release} {unpublished}" if unpublished else release, *licences]


def _png(fig: Figure, *, dpi: int = 150) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


@plain_text
def draw_division_map(
    ax: object,
    areas: gpd.GeoDataFrame,
    code: str,
    *,
    points: Sequence[PointLayer] = (),
    reach: gpd.GeoDataFrame | None = None,
) -> None:
    """Draw the division (outlined), its neighbours (grey), reach buffers and point layers."""
    areas = to_working(areas, source="areas")
    mine = areas[areas[AREA_CODE].astype(str) == code]
    minx, miny, maxx, maxy = mine.total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.15 + 200
    areas.plot(ax=ax, color="#f0f0f0", edgecolor="#999999", linewidth=0.5)
    mine.plot(ax=ax, color="#fde0c5", edgecolor=HIGHLIGHT_COLOUR, linewidth=2)
    if reach is not None and len(reach):
        to_working(reach, source="reach").plot(
            ax=ax, color=SEQUENTIAL_PALETTE[2], alpha=0.2, edgecolor=SEQUENTIAL_PALETTE[2]
        )
    draw_points(ax, points)
    ax.set_xlim(minx - pad, maxx + pad)  # type: ignore[attr-defined]
    ax.set_ylim(miny - pad, maxy + pad)  # type: ignore[attr-defined]
    ax.set_aspect("equal")  # type: ignore[attr-defined]
    ax.set_xticks([])  # type: ignore[attr-defined]
    ax.set_xlabel("")  # type: ignore[attr-defined]
    ax.set_ylabel("")  # type: ignore[attr-defined]
    ax.set_yticks([])  # type: ignore[attr-defined]
    handles, _labels = ax.get_legend_handles_labels()  # type: ignore[attr-defined]
    if handles:
        ax.legend(loc="lower left", fontsize=7, framealpha=0.9)  # type: ignore[attr-defined]
    scale = 1000 if (maxx - minx) > 3000 else 500
    x0, y0 = minx - pad * 0.8, maxy + pad * 0.6
    ax.plot([x0, x0 + scale], [y0, y0], color="black", linewidth=2)  # type: ignore[attr-defined]
    ax.text(x0, y0 + pad * 0.1, f"{scale:,} m", fontsize=7)  # type: ignore[attr-defined]


@plain_text
def map_png(
    areas: gpd.GeoDataFrame,
    code: str,
    *,
    points: Sequence[PointLayer] = (),
    title: str = "",
) -> bytes:
    """A PNG map of one division with the overlays' points (anchor sites, support points…)."""
    fig = Figure(figsize=(5, 5))
    ax = fig.add_subplot()
    draw_division_map(ax, areas, code, points=points)
    if title:
        ax.set_title(title, fontsize=10)
    return _png(fig)


@plain_text
def draw_figures_chart(ax: object, profile: DivisionProfile) -> None:
    """Horizontal bars: the division's % beside the county's (and England's when loaded)."""
    table = profile.figures[profile.figures["Published"].astype(bool)].iloc[::-1]  # no 0 bars
    own = f"District ({profile.figure_area_name})" if profile.district_figures else "Division"
    series = [(own, "Division %"), ("County", "County %"), ("England", "England %")]
    series = [(label, col) for label, col in series if table[col].notna().any()]
    height = 0.8 / max(1, len(series))
    ys = range(len(table))
    for i, (label, col) in enumerate(series):
        values = pd.to_numeric(table[col], errors="coerce").fillna(0).to_numpy()
        ax.barh([y + i * height for y in ys], values, height=height,  # type: ignore[attr-defined]
                color=SERIES_COLOURS[i], label=label)  # fmt: skip
    ax.set_yticks([y + height * (len(series) - 1) / 2 for y in ys])  # type: ignore[attr-defined]
    ax.set_yticklabels(table["Measure"], fontsize=7)  # type: ignore[attr-defined]
    ax.set_xlim(0, 100)  # type: ignore[attr-defined]
    ax.set_xlabel("% of premises", fontsize=8)  # type: ignore[attr-defined]
    ax.tick_params(axis="x", labelsize=7)  # type: ignore[attr-defined]
    ax.legend(fontsize=7, loc="lower right")  # type: ignore[attr-defined]


@plain_text
def chart_png(profile: DivisionProfile) -> bytes:
    """The figures bar chart alone, as PNG."""
    fig = Figure(figsize=(6, 3.2))
    draw_figures_chart(fig.add_subplot(), profile)
    fig.tight_layout()
    return _png(fig)


def _summary_lines(profile: DivisionProfile, *, with_note: bool = True) -> list[str]:
    short = profile.shortfalls
    note = profile.figures_note() if with_note else ""
    lines = [
        *([note] if note else []),
        f"Premises (Ofcom 'All Premises'): {_num(profile.premises)}",
        *_shortfall_lines(short),
        f"Rank in the county ({profile.measure.replace('_', ' ')}): "
        + ("no figure" if profile.rank is None else f"{profile.rank} of {profile.ranked_of}"),
    ]
    for t in profile.targets.to_dict("records"):
        now = "no figure" if t["Division %"] is None else f"{t['Division %']:.1f}%"
        to_go = "" if t["Premises to go"] is None else f", {t['Premises to go']:,} premises to go"
        lines.append(f"Target {t['Measure']} ≥ {t['Target %']:.0f}%: now {now}{to_go}")
    for section in profile.sections:
        items = section.lines()
        more = len(items) - MAX_LISTED
        shown = "; ".join(items[:MAX_LISTED]) + (f"; and {more} more" if more > 0 else "")
        lines.append(f"{section.title}: {shown or 'none in this division'}")
    return lines


SHORTFALL_LABELS = {
    "without_superfast": "Premises without superfast",
    "below_uso": "Premises below the USO",
    "no_decent": "Premises unable to get decent broadband (fixed or FWA)",
}


def _shortfall_lines(short: dict[str, int | None]) -> list[str]:
    """One line per shortfall the release publishes; the USO line says when it is not."""
    lines = [f"{label}: {_num(short[k])}" for k, label in SHORTFALL_LABELS.items() if k in short]
    if "below_uso" not in short:
        lines.append(f"Premises below the USO: {NOT_PUBLISHED}")
    return lines


def _num(v: float | int | None) -> str:
    return "no figure" if v is None or pd.isna(v) else f"{v:,.0f}"


@plain_text
def profile_png(
    profile: DivisionProfile,
    *,
    areas: gpd.GeoDataFrame,
    points: Sequence[PointLayer] = (),
) -> bytes:
    """A one-sheet PNG: title, map, chart, key figures, sources and licences."""
    fig = Figure(figsize=(11.7, 8.3))  # A4 landscape, inches
    title = f"{profile.name} ({profile.code})"
    if profile.district_figures:
        title += f" — figures are {profile.figure_area_name}'s (district)"
    if profile.synthetic:
        title += f" — {SYNTHETIC_LABEL}"
    fig.suptitle(title, fontsize=15, fontweight="bold")
    grid = fig.add_gridspec(2, 2, height_ratios=[3, 2], width_ratios=[1, 1.3])
    draw_division_map(fig.add_subplot(grid[0, 0]), areas, profile.code, points=points)
    draw_figures_chart(fig.add_subplot(grid[0, 1]), profile)
    text = fig.add_subplot(grid[1, :])
    text.axis("off")
    # Wrapped here, not with wrap=True: matplotlib's wrapping measures words as mathtext
    # whatever text.parse_math says (see geo.reports.text).
    body = "\n".join(textwrap.fill(line, SHEET_LINE_CHARS) for line in _summary_lines(profile))
    text.text(0, 1, body, fontsize=8.5, va="top")
    text.text(0, 0, "\n".join(source_lines(profile)), fontsize=7, va="bottom", color="#333333")
    return _png(fig, dpi=110)


class _Sheet(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font("DejaVu", "", str(FONT_REGULAR))
        self.add_font("DejaVu", "B", str(FONT_BOLD))
        self.set_auto_page_break(auto=False)
        self.set_margins(12, 12, 12)


def risk_section_lines(
    result: RiskResult, code: str, *, switchoff: pd.DataFrame | None = None
) -> list[str]:
    """The division's digital-exclusion risk as plain lines (profile page, PDF), or ``[]``.

    ``switchoff`` is :func:`geo.analysis.switchoff.switchoff_risk` output, or ``None``.
    """
    d = result.divisions
    if code not in d.index or pd.isna(d.loc[code, "score"]):
        return []
    row = d.loc[code]
    ranked = int(d["score"].notna().sum())
    lines = [f"Digital exclusion risk: {row['score']:.1f} / 10 (rank {int(row['rank'])} of "
             f"{ranked}; 10 = most need)"]  # fmt: skip
    comps = [f"{label} {row[f'comp_{k}']:.1f}" for k, label in RISK_COMPONENTS.items()
             if f"comp_{k}" in d and pd.notna(row[f"comp_{k}"])]  # fmt: skip
    lines.append("Components (0–10): " + ", ".join(comps))
    facts = []
    if "aged_75_plus" in d and pd.notna(row["aged_75_plus"]):
        facts.append(f"residents aged 75+: {row['aged_75_plus']:,.0f} of "
                     f"{row['residents']:,.0f} ({row['pct_75']:.1f}%)")  # fmt: skip
    if "n_below_uso" in d and pd.notna(row["n_below_uso"]):
        facts.append(f"premises unable to get decent broadband: {row['n_below_uso']:,.0f} "
                     f"({row['pct_below_uso']:.1f}%)")  # fmt: skip
    if facts:
        lines.append("; ".join(facts).capitalize())
    if switchoff is not None and code in switchoff.index:
        s = switchoff.loc[code]
        weak = "no figure" if pd.isna(s["pct_weak_indoor_4g"]) else (
            f"{s['pct_weak_indoor_4g']:.1f}% of premises ({s['mobile_from']})")  # fmt: skip
        flag = "yes" if bool(s["at_risk"]) else "no"
        lines.append(f"Landline/3G switch-off risk: {flag}; weak indoor 4G {weak}")
    cw = ", ".join(f"{RISK_COMPONENTS[k].lower()} {w:g}"
                   for k, w in _component_weights(result).items())  # fmt: skip
    lines.append(f"Weights: {cw}; small areas: {result.level.upper()}s weighted by "
                 f"{result.weight_method}. {DERI_LINE}")  # fmt: skip
    used = result.indicators[result.indicators["Used"] == "yes"]
    sources = dict.fromkeys(f"{r.Source} ({r.Year}, {r.Licence})" for r in used.itertuples())
    lines.append("Indicator sources: " + "; ".join(sources))
    return lines


def _component_weights(result: RiskResult) -> dict[str, float]:
    rows = result.weights[result.weights["kind"] == "component"]
    return dict(zip(rows["key"], rows["weight"], strict=True))


def profile_pdf(
    profile: DivisionProfile,
    *,
    map_image: bytes,
    chart_image: bytes,
    risk: list[str] | None = None,
) -> bytes:
    """A one-page A4 PDF: title, map and chart images, figures table, summary, risk, sources.

    All text is written as plain text cells, so names print exactly as stored. ``risk`` is
    :func:`risk_section_lines` output (a "Digital inclusion need" section when not empty).
    """
    pdf = _Sheet()
    pdf.add_page()
    pdf.set_title(f"Broadband profile: {profile.name}")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    if profile.synthetic:
        pdf.set_font("DejaVu", "B", 10)
        pdf.set_fill_color(255, 236, 179)
        pdf.cell(width, 7, f"{SYNTHETIC_LABEL}: nothing on this page is real.", fill=True,
                 new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(width, 7, profile.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8.5)
    pdf.multi_cell(width, 4.5, f"Division {profile.code} · Ofcom release {profile.release} · "
                   f"figures from {profile.method}; county: {profile.county_how}",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    if profile.figures_note():
        pdf.set_font("DejaVu", "B", 9)
        pdf.set_fill_color(222, 235, 247)
        pdf.multi_cell(width, 4.8, profile.figures_note(), fill=True, new_x="LMARGIN",
                       new_y="NEXT")  # fmt: skip
    top = pdf.get_y() + 1
    pdf.image(io.BytesIO(map_image), x=pdf.l_margin, y=top, w=80, h=80, keep_aspect_ratio=True)
    pdf.image(io.BytesIO(chart_image), x=pdf.l_margin + 82, y=top + 8, w=width - 82, h=64,
              keep_aspect_ratio=True)  # fmt: skip
    pdf.set_y(top + 82)
    pdf.set_font("DejaVu", "", 8)
    pdf.set_fill_color(235, 235, 235)
    own = "District %" if profile.district_figures else "Division %"
    headings = ("Measure", own, "Premises", "County %", "England %")
    with pdf.table(col_widths=(70, 25, 25, 25, 25), line_height=4.6,
                   text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")) as table:  # fmt: skip
        table.row(headings)
        for r in profile.figures.to_dict("records"):
            if not r["Published"]:
                row = table.row()
                row.cell(r["Measure"])
                row.cell(NOT_PUBLISHED, colspan=len(headings) - 1, align="LEFT")
                continue
            table.row([r["Measure"], _cell(r["Division %"], pct=True),
                       _cell(r["Division premises"]), _cell(r["County %"], pct=True),
                       _cell(r["England %"], pct=True)])  # fmt: skip
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 8.5)
    for line in _summary_lines(profile, with_note=False):  # the note heads the page
        pdf.multi_cell(width, 4.4, line, new_x="LMARGIN", new_y="NEXT")
    if risk:
        pdf.ln(1)
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(width, 5, "Digital inclusion need", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        for line in risk:
            pdf.multi_cell(width, 4.0, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(pdf.h - 12 - 3.6 * len(source_lines(profile)))
    pdf.set_font("DejaVu", "", 6.8)
    pdf.set_text_color(60, 60, 60)
    for line in source_lines(profile):
        pdf.multi_cell(width, 3.6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _cell(v: object, *, pct: bool = False) -> str:
    if v is None or pd.isna(v):  # type: ignore[arg-type]
        return "—"
    return f"{float(v):.1f}" if pct else f"{int(v):,}"  # type: ignore[arg-type, call-overload]


__all__ = [
    "FONT_REGULAR",
    "PointLayer",
    "PointStyle",
    "chart_png",
    "draw_division_map",
    "draw_figures_chart",
    "draw_points",
    "map_png",
    "profile_pdf",
    "profile_png",
    "risk_section_lines",
    "source_lines",
]
