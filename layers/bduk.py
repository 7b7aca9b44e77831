"""BDUK premises in plans, premises by premises: subsidy status and gigabit plans per area.

The records are counts, not premises: one per (level, area, BDUK district), placed at a point
inside the area, made by :mod:`geo.storage.premises` from BDUK's "premises in BDUK plans" CSVs,
each premises placed by its UPRN (OS Open UPRN) or, when the release lacks it, by its postcode
centroid. ``python -m geo import`` makes them for a county or the whole country; a district CSV
uploaded on the Data page is placed and counted the same way and replaces that district's
records. (The vouchers layer reads the same file as voucher rows located by postcode.)
"""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from geo.analysis.bduk import COUNT_COLUMNS, MEASURES, METHOD, with_percentages
from geo.analysis.privacy import count_text
from geo.config import BDUK_LINE, BDUK_PREMISES_COLOUR, LEVELS, OS_OPEN_UPRN_LINE
from geo.geometry.aggregate import AREA_CODE
from geo.sources.bduk import COLUMNS
from geo.storage.catalog import load_catalog
from geo.storage.premises import DISTRICT_COLUMNS, PREMISES_LAYER, records_from_upload
from geo.storage.workspace import current
from layers import render
from layers._points import add_markers, feature_group
from layers.base import Layer, ReadContext, Section, register

TITLE = "BDUK premises in plans"
SHOWN = ("white", "grey_black", "under_review", "current_gigabit", "future_gigabit",
         "bduk_gis", "bduk_vouchers", "in_scheme", "white_unserved")  # fmt: skip
"""Measures in the panel, after the premises count."""


def read(data: bytes, *, filename: str, context: ReadContext | None = None) -> gpd.GeoDataFrame:
    """A BDUK district CSV from the Data page, placed and counted (see the module docstring).

    The areas of every level, the OS Open UPRN release and the records already saved are the
    workspace's in force (its catalogue and store).

    Raises
    ------
    DataError
        Every problem in the file by row and column; or no boundaries / no OS Open UPRN release
        loaded, or no premises in any area.
    """
    context = context or ReadContext()
    ws = current()
    cat = load_catalog(ws.catalog_path)
    return records_from_upload(data, filename=filename, catalog_path=ws.catalog_path,
                               areas=cat.areas, postcodes=context.postcodes)  # fmt: skip


def aggregate(records: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Counts and percentages per area of ``areas`` (index ``area_code``, every area).

    Records of other levels are left out by their codes; the counts of an area's districts are
    added up, and percentages are of those summed counts.
    """
    codes = pd.Index(areas[AREA_CODE].astype(str), name=AREA_CODE)
    mine = records[records[AREA_CODE].isin(codes)]
    summed = mine.groupby(AREA_CODE)[list(COUNT_COLUMNS)].sum()
    out = with_percentages(summed.reindex(codes).fillna(0).astype("int64"))
    out.attrs["outside"] = 0
    return out


def _finest(records: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The records of the finest level they hold (divisions before wards before districts)."""
    for level in LEVELS:
        rows = records[records["level"] == level]
        if len(rows):
            return rows
    return records.iloc[:0]


def draw(records: gpd.GeoDataFrame, *, public: bool, show: bool = True) -> folium.FeatureGroup:
    """One marker per area (the finest level held) with its counts in the tooltip."""
    group = feature_group(TITLE, show=show)
    rows = _finest(records)
    if not len(rows):
        return group
    per_area = rows.dissolve(AREA_CODE, aggfunc={**{c: "sum" for c in COUNT_COLUMNS},
                                                 "area_name": "first"})  # fmt: skip
    per_area = gpd.GeoDataFrame(per_area, geometry=per_area.geometry.representative_point())

    def make(rec: pd.Series, lat: float, lon: float) -> folium.CircleMarker:
        counts = ", ".join(
            f"{MEASURES[k].label} {count_text(rec[f'n_{k}'], public=public)}"
            for k in ("white", "grey_black", "under_review")
        )
        text = (
            f"{rec['area_name']}: {count_text(rec['n_premises'], public=public)} premises; {counts}"
        )
        return render.circle(
            (lat, lon), label=text, radius=6, color="#ffffff", weight=1.5, fill=True,
            fill_color=BDUK_PREMISES_COLOUR, fill_opacity=0.9,
        )  # fmt: skip

    add_markers(group, per_area.reset_index(), make=make)
    return group


def _note(here: pd.DataFrame, row: pd.Series) -> str:
    releases = sorted({str(r) for r in here.get("uprn_release", pd.Series(dtype=str)) if r})
    placed = f"{int(row['n_by_postcode']):,} placed by postcode centroid (UPRN not in OS Open UPRN)"
    release = f" {', '.join(releases)}" if releases else ""
    return f"{placed}{release}. {METHOD} {BDUK_LINE} {OS_OPEN_UPRN_LINE}"


def summarise(row: pd.Series, here: pd.DataFrame, *, public: bool) -> list[Section]:
    """One area's premises in BDUK plans: counts and % of them, with how they were placed."""
    if int(row["n_premises"]) == 0:
        table = pd.DataFrame([(MEASURES["premises"].label, "0", "")],
                             columns=["BDUK premises", "Count", "% of premises"])  # fmt: skip
        return [Section(TITLE, table, "No premises from BDUK's files fall in this area.")]
    items = [(MEASURES["premises"].label, count_text(row["n_premises"], public=public), "100%")]
    for key in SHOWN:
        pct = row[f"pct_{key}"]
        small = public and count_text(row[f"n_{key}"], public=True) == "fewer than 5"
        items.append(
            (MEASURES[key].label, count_text(row[f"n_{key}"], public=public),
             "suppressed" if small else f"{pct:.1f}%")
        )  # fmt: skip
    table = pd.DataFrame(items, columns=["BDUK premises", "Count", "% of premises"])
    return [Section(TITLE, table, _note(here, row))]


def evidence(agg: pd.DataFrame) -> pd.DataFrame:
    """Per-area columns for the evidence pack and the planner's gap score."""
    out = pd.DataFrame(index=agg.index)
    for key in ("premises", *SHOWN, "by_postcode"):
        out[f"bduk_plans_{key}"] = agg[f"n_{key}"].astype(int)
    for key in SHOWN:
        out[f"bduk_plans_pct_{key}"] = agg[f"pct_{key}"].round(1)
    return out


def overview(agg: pd.DataFrame, names: dict[str, str]) -> list[Section]:
    """County-wide: areas by White premises with nothing planned, most first."""
    rows = agg[agg["n_premises"] > 0]
    if rows.empty:
        return []
    table = pd.DataFrame(
        {
            "Area": [names.get(c, c) for c in rows.index],
            "Premises in BDUK plans": rows["n_premises"].astype(int).to_numpy(),
            **{MEASURES[k].label: rows[f"n_{k}"].astype(int).to_numpy()
               for k in ("white", "grey_black", "under_review", "white_unserved")},
        }
    ).sort_values(MEASURES["white_unserved"].label, ascending=False, kind="stable")  # fmt: skip
    return [Section("BDUK premises in plans by area", table.reset_index(drop=True),
                    f"{METHOD} {BDUK_LINE} {OS_OPEN_UPRN_LINE}")]  # fmt: skip


LAYER = register(
    Layer(
        key=PREMISES_LAYER,
        title=TITLE,
        description=(
            "BDUK's premises in plans, placed by UPRN (OS Open UPRN) and counted per area: "
            "White / Grey-Black / Under Review, gigabit now and planned, BDUK contract or "
            "voucher scheme. A district's file replaces that district's figures"
        ),
        required_columns=tuple(COLUMNS),
        read=read,
        aggregate=aggregate,
        draw=draw,
        summarise=summarise,
        evidence=evidence,
        overview=overview,
        components={"bduk_plans_white_unserved": MEASURES["white_unserved"].label + " (BDUK)"},
        extra={"district_columns": DISTRICT_COLUMNS},
    )
)

__all__ = ["LAYER", "aggregate", "draw", "evidence", "overview", "read", "summarise"]
