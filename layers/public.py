"""What the public sees: figures per area with small counts suppressed, as a map and a table.

The public map and the table under it are built from one frame (:func:`public_figures`), so
the value in a division's tooltip is, character for character, the value in its table row.
Small counts follow :mod:`geo.analysis.privacy`: a count from 1 to 4 is shown as "fewer than 5" and
any percentage worked out from it is "suppressed" (else the count could be worked back).
The map uses :data:`geo.config.ACCESSIBLE_PALETTE`, opaque (see :mod:`geo.analysis.colour`): three
classes, each ≥ 3:1 against its neighbour, and every value also written out in text.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.privacy import is_suppressed, suppress_small
from geo.analysis.profile import figures_table
from geo.config import ACCESSIBLE_PALETTE, MEASURES, NOT_PUBLISHED, SMALL_COUNT_THRESHOLD
from layers import render
from layers.webmap import coverage_map

PUBLIC_FILL_OPACITY = 1.0
"""Opaque fills: a translucent fill mixes with what lies under it and loses the 3:1 contrast."""
NO_FIGURE = "no figure"
SUPPRESSED = "suppressed"
SORTS: dict[str, str] = {
    "name": "Name (A to Z)",
    "high": "Highest % first",
    "low": "Lowest % first",
}
"""How the public table can be sorted (keys for :func:`sort_public`)."""


def _pct_text(pct: float, hidden: bool) -> str:
    if hidden:
        return SUPPRESSED
    return NO_FIGURE if pd.isna(pct) else f"{pct:.1f}%"


def public_figures(
    figures: pd.DataFrame, *, measure: str, threshold: int = SMALL_COUNT_THRESHOLD
) -> pd.DataFrame:
    """One row per area with the figures the public may see, as numbers and as text.

    Parameters
    ----------
    figures
        Areas with ``area_code``, ``area_name``, ``premises``, ``n_<measure>`` and
        ``pct_<measure>`` (from :func:`geo.analysis.coverage.best_figures`; any CRS,
        geometry unused).
    measure
        A key of :data:`geo.config.MEASURES`.

    Returns
    -------
    DataFrame
        Same index and order as ``figures``; columns ``area_code``, ``area_name``, ``pct``
        (float; NaN where there is no figure or it is suppressed), ``pct_text`` (a district's
        figure shown in an area's place says so: "61.2% (district figure: Breckland)"),
        ``premises_text``, ``n_text`` and ``figure_from`` ("area" or "district").
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {sorted(MEASURES)}, not {measure!r}")
    premises = pd.to_numeric(figures.get("premises"), errors="coerce")
    count = pd.to_numeric(figures.get(f"n_{measure}"), errors="coerce")
    pct = pd.to_numeric(figures.get(f"pct_{measure}"), errors="coerce")
    hidden = is_suppressed(premises, threshold=threshold)
    hidden |= is_suppressed(count, threshold=threshold)
    district = (
        (figures["figure_from"] == "district").to_numpy()
        if "figure_from" in figures
        else np.zeros(len(figures), dtype=bool)
    )
    names = figures["figure_area_name"] if "figure_area_name" in figures else figures["area_name"]
    texts = [_pct_text(p, h) for p, h in zip(pct, hidden, strict=True)]
    texts = [
        f"{t} (district figure: {name})" if d and not pd.isna(p) else t
        for t, d, p, name in zip(texts, district, pct, names, strict=True)
    ]
    return pd.DataFrame(
        {
            "area_code": figures["area_code"].astype(str),
            "area_name": figures["area_name"].astype(str),
            "pct": pct.where(~hidden).round(1),
            "pct_text": texts,
            "premises_text": suppress_small(premises, threshold=threshold),
            "n_text": suppress_small(count, threshold=threshold),
            "figure_from": np.where(district, "district", "area"),
        },
        index=figures.index,
    )


def sort_public(table: pd.DataFrame, *, by: str = "name") -> pd.DataFrame:
    """``table`` from :func:`public_figures` sorted by a key of :data:`SORTS` (no figure last)."""
    if by not in SORTS:
        raise ValueError(f"by must be one of {sorted(SORTS)}, not {by!r}")
    if by == "name":
        return table.sort_values("area_name", key=lambda s: s.str.casefold(), kind="stable")
    ordered = table.sort_values("area_name", key=lambda s: s.str.casefold(), kind="stable")
    return ordered.sort_values("pct", ascending=by == "low", na_position="last", kind="stable")


def table_html(
    table: pd.DataFrame, *, measure: str, caption: str, area_label: str = "Division"
) -> str:
    """An accessible HTML table of :func:`public_figures`: ``<caption>``, ``<th scope>``.

    Every cell is escaped. The ``<table>`` has class ``bb-table`` and each row
    ``data-area-code`` so tests (and people with scripts) can find a division's row.
    """
    m = MEASURES[measure]
    head = (
        f'<th scope="col">{render.text(area_label)}</th><th scope="col">Code</th>'
        f'<th scope="col">{render.text(m.label)}: % of premises</th>'
        f'<th scope="col">Premises</th><th scope="col">Premises with {render.text(m.short)}</th>'
    )
    rows = "".join(
        f'<tr data-area-code="{render.text(r.area_code)}">'
        f'<th scope="row">{render.text(r.area_name)}</th><td>{render.text(r.area_code)}</td>'
        f'<td class="bb-pct">{render.text(r.pct_text)}</td>'
        f"<td>{render.text(str(r.premises_text))}</td><td>{render.text(str(r.n_text))}</td></tr>"
        for r in table.itertuples()
    )
    return (
        f'<table class="bb-table"><caption>{render.text(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


TABLE_CSS = """
.bb-table { border-collapse: collapse; font: 15px/1.4 sans-serif; color: #111; width: 100%; }
.bb-table caption { text-align: left; font-weight: bold; padding: 6px 0; }
.bb-table th, .bb-table td { border: 1px solid #767676; padding: 4px 8px; text-align: left; }
.bb-table thead th { background: #f0f0f0; }
.bb-table td.bb-pct { text-align: right; font-variant-numeric: tabular-nums; }
"""
"""Styles for :func:`table_html` (text #111 on white or #f0f0f0: well above 4.5:1)."""


def compare_table(
    area: pd.Series, county: pd.Series, *, threshold: int = SMALL_COUNT_THRESHOLD
) -> pd.DataFrame:
    """One row per measure: the area's % beside the county's, as display text.

    A percentage from a small count (1 to ``threshold - 1`` premises) is "suppressed".
    """
    rows = []
    premises = pd.to_numeric(pd.Series([area.get("premises")]), errors="coerce")
    for r in figures_table(area, county).to_dict("records"):
        n = pd.to_numeric(pd.Series([r["Division premises"]]), errors="coerce")
        small = is_suppressed(n, threshold=threshold) | is_suppressed(premises, threshold=threshold)
        hidden = bool(small.iloc[0])
        pct = float("nan") if r["Division %"] is None else r["Division %"]
        cpct = float("nan") if r["County %"] is None else r["County %"]
        diff = r["Difference (points)"]
        if not r["Published"]:
            rows.append({"Measure": r["Measure"], "This area": NOT_PUBLISHED,
                         "County": NOT_PUBLISHED, "Difference": ""})  # fmt: skip
            continue
        rows.append({
            "Measure": r["Measure"],
            "This area": _pct_text(pct, hidden),
            "County": _pct_text(cpct, False),
            "Difference": "" if hidden or diff is None else f"{diff:+.1f} points",
        })  # fmt: skip
    return pd.DataFrame(rows)


def public_map(
    areas: gpd.GeoDataFrame,
    table: pd.DataFrame,
    *,
    measure: str,
    selected: str | None = None,
    overlays: Sequence[folium.FeatureGroup] = (),
    tiles: bool = True,
    legend_note: str = "",
) -> folium.Map:
    """The public choropleth: accessible palette, opaque fills, tooltips = the table's text.

    Parameters
    ----------
    areas
        EPSG:4326 areas from :func:`geo.geometry.simplify.simplify_for_web` (same index as
        ``table``).
    table
        :func:`public_figures` of the same areas.
    """
    shown = areas[["area_code", "area_name", "geometry"]].copy()
    shown[f"pct_{measure}"] = table["pct"].reindex(areas.index).to_numpy(dtype=float)
    shown["figure_from"] = table["figure_from"].reindex(areas.index).to_numpy()
    text = table["pct_text"].reindex(areas.index)
    return coverage_map(
        shown, measure=measure, selected=selected, overlays=overlays, tiles=tiles,
        legend_note=legend_note, palette=ACCESSIBLE_PALETTE, text=text,
        fill_opacity=PUBLIC_FILL_OPACITY,
    )  # fmt: skip


def feature_values(fmap: folium.Map) -> dict[str, str]:
    """``area_code`` → tooltip ``value`` of the choropleth features in ``fmap`` (for tests)."""
    out: dict[str, str] = {}
    for child in fmap._children.values():
        data = getattr(child, "data", None)
        if isinstance(data, dict):
            for feature in data.get("features", []):
                props = feature.get("properties", {})
                if "area_code" in props:
                    out[str(props["area_code"])] = str(props.get("value"))
    return out


def frame_html(frame: pd.DataFrame, *, caption: str) -> str:
    """Any small frame of display text as an accessible table (first column = row headers)."""
    cols = list(frame.columns)
    head = "".join(f'<th scope="col">{render.text(str(c))}</th>' for c in cols)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{render.text(str(row[0]))}</th>'
        + "".join(f"<td>{render.text(str(v))}</td>" for v in row[1:])
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (
        f'<table class="bb-table"><caption>{render.text(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


__all__ = [
    "NO_FIGURE",
    "PUBLIC_FILL_OPACITY",
    "SORTS",
    "SUPPRESSED",
    "TABLE_CSS",
    "compare_table",
    "feature_values",
    "frame_html",
    "public_figures",
    "public_map",
    "sort_public",
    "table_html",
]
