"""Digital-inclusion pilots and support points (training, device lending, free Wi-Fi, help).

CSV columns (headers matched ignoring case, spaces and punctuation): ``programme`` (e.g.
"Tech Skills for Life"), ``site_name``, ``kind`` (training / device_lending / free_wifi /
library_help), a location (postcode, easting/northing or latitude/longitude),
``start_date``, ``end_date`` (blank = still running) and ``people_helped``.
"""

from __future__ import annotations

from datetime import date

import folium
import geopandas as gpd
import pandas as pd

from geo.analysis.privacy import count_text
from geo.config import (
    MAX_PEOPLE_HELPED,
    OTHER_POINT_COLOUR,
    SEQUENTIAL_PALETTE,
    SUPPORT_KIND_COLOURS,
)
from geo.geometry.aggregate import assign_areas, sum_by_area
from geo.reports.report import PointStyle
from geo.sources.postcodes import normalise_postcodes
from geo.sources.tabular import parse_choice, parse_dates, parse_numbers, read_table
from layers import render
from layers._points import (
    LOCATION_ALIASES,
    add_markers,
    feature_group,
    locate_rows,
    records_frame,
)
from layers.base import Layer, ReadContext, Section, register

KEY = "pilots"
TITLE = "Digital inclusion support"
KINDS = ("training", "device_lending", "free_wifi", "library_help")
PILOT_ALIASES: dict[str, tuple[str, ...]] = {
    "programme": ("program", "programme name", "scheme", "project"),
    "site_name": ("site", "name", "venue", "location name"),
    "kind": ("type", "support type", "kind of support", "service"),
    "start_date": ("start", "from", "date started", "start date"),
    "end_date": ("end", "to", "date ended", "end date"),
    "people_helped": ("people", "participants", "beneficiaries", "number helped", "helped"),
    **LOCATION_ALIASES,
}
REQUIRED = ("programme", "site_name", "kind", "start_date")
_KIND_SYNONYMS = {
    "wifi": "free_wifi", "free wi-fi": "free_wifi", "device loan": "device_lending",
    "device lending": "device_lending", "devices": "device_lending",
    "digital skills": "training", "library": "library_help", "help": "library_help",
}  # fmt: skip


def read(data: bytes, *, filename: str, context: ReadContext | None = None) -> gpd.GeoDataFrame:
    """Read and validate a pilots / support points CSV.

    Returns
    -------
    GeoDataFrame
        EPSG:27700 points; columns ``source_row``, ``programme``, ``site_name``, ``kind``,
        ``start_date``, ``end_date`` (NaT = running), ``people_helped`` (float, NaN when
        blank), ``postcode``.

    Raises
    ------
    DataError
        Unknown kind, bad or reversed dates, bad numbers, bad locations, missing columns.
    """
    context = context or ReadContext()
    table = read_table(data, filename=filename, aliases=PILOT_ALIASES, required=REQUIRED)
    for col in ("programme", "site_name"):
        blank = table.blank(col)
        for row in blank.index[blank]:
            table.add(f"{col} is blank", row=int(row), column=col, value="")
    kind = parse_choice(table, "kind", allowed=KINDS, synonyms=_KIND_SYNONYMS)
    start = parse_dates(table, "start_date", blank_ok=False, today=context.today)
    end = parse_dates(table, "end_date", today=context.today)
    for row in end.index[end < start]:
        table.add(
            "end date is before the start date",
            row=int(row),
            column="end_date",
            value=table.col("end_date")[row],
        )
    people = parse_numbers(
        table, "people_helped", minimum=0, maximum=MAX_PEOPLE_HELPED, integer=True
    )
    located = locate_rows(table, context=context)
    table.finish()
    return records_frame(
        table,
        {
            "programme": table.col("programme"),
            "site_name": table.col("site_name"),
            "kind": kind,
            "start_date": start,
            "end_date": end,
            "people_helped": people,
            "postcode": normalise_postcodes(table.col("postcode")),
        },
        located,
    )


def active_on(records: gpd.GeoDataFrame, when: date) -> pd.Series:
    """True for records running on ``when`` (started, and not yet ended; end date inclusive)."""
    day = pd.Timestamp(when)
    return (records["start_date"] <= day) & (
        records["end_date"].isna() | (records["end_date"] >= day)
    )


def aggregate(
    records: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, on: date | None = None
) -> pd.DataFrame:
    """Support per area.

    Parameters
    ----------
    on
        Count pilots active on this date; ``None`` counts every pilot in the file.

    Returns
    -------
    DataFrame
        Index ``area_code`` (every area); ``n_sites`` (all records), ``n_active``,
        ``n_<kind>`` (active, per kind), ``people_helped`` (all records, blanks as 0) and
        ``no_support`` (True where nothing is active).
    """
    active = (
        pd.Series(True, index=records.index) if on is None else active_on(records, on)
    ).astype(int)
    values = pd.DataFrame({"n_active": active}, index=records.index)
    for k in KINDS:
        values[f"n_{k}"] = ((records["kind"] == k).astype(int) * active).astype(int)
    values["people_helped"] = records["people_helped"].fillna(0.0)
    codes = assign_areas(records, areas, points_name=KEY)
    out = sum_by_area(values, codes, areas, columns=list(values.columns))
    out = out.rename(columns={"n_points": "n_sites"})
    counts = [c for c in out.columns if c.startswith("n_")]
    out[counts] = out[counts].astype(int)
    out["no_support"] = out["n_active"] == 0
    out.attrs["outside"] = int(codes.isna().sum())
    return out[["n_sites", "n_active", *[f"n_{k}" for k in KINDS], "people_helped", "no_support"]]


def draw(records: gpd.GeoDataFrame, *, public: bool, show: bool = True) -> folium.FeatureGroup:
    """One circle per support point, coloured by kind. Venues are public places, so
    ``public`` does not hide them."""
    del public
    group = feature_group(LAYER.title, show=show)

    def make(rec: pd.Series, lat: float, lon: float) -> folium.CircleMarker:
        end = "running" if pd.isna(rec["end_date"]) else f"{rec['end_date']:%d/%m/%Y}"
        start = "" if pd.isna(rec["start_date"]) else f"{rec['start_date']:%d/%m/%Y}"
        helped = "" if pd.isna(rec["people_helped"]) else f"{rec['people_helped']:,.0f}"
        return render.circle(
            (lat, lon),
            label=f"{rec['site_name']} ({rec['programme']})",
            popup_title=rec["site_name"],
            popup_fields=[("Programme", rec["programme"]),
                          ("Kind", str(rec["kind"]).replace("_", " ")),
                          ("From", start), ("Until", end), ("People helped", helped)],
            radius=7, color="#ffffff", weight=2, fill=True,
            fill_color=SUPPORT_KIND_COLOURS.get(rec["kind"], OTHER_POINT_COLOUR), fill_opacity=0.95,
        )  # fmt: skip

    add_markers(group, records, make=make)
    return group


def summarise(row: pd.Series, here: pd.DataFrame, *, public: bool) -> list[Section]:
    """Active support points (by kind), people helped, and the pilots here by name."""
    items = [("Active support points", str(int(row["n_active"])))]
    items += [(f"· {k.replace('_', ' ')}", str(int(row[f"n_{k}"]))) for k in KINDS
              if int(row.get(f"n_{k}", 0))]  # fmt: skip
    items.append(("People helped (all pilots)", count_text(row["people_helped"], public=public)))
    listing = pd.DataFrame(columns=["Site", "Programme", "Kind", "Running"])
    if len(here):
        mine = here.sort_values(["site_name", "programme"])
        running = active_on(mine, date.today()) if "start_date" in mine else False
        listing = pd.DataFrame({
            "Site": mine["site_name"].astype(str).to_numpy(),
            "Programme": mine["programme"].astype(str).to_numpy(),
            "Kind": mine["kind"].astype(str).str.replace("_", " ").to_numpy(),
            "Running": pd.Series(running, index=mine.index).map({True: "yes", False: "ended"})
            .to_numpy(),
        })  # fmt: skip
    return [
        Section(TITLE, pd.DataFrame(items, columns=["Support", "Count"])),
        Section(f"{TITLE}: sites", listing),
    ]


def no_support_list(agg: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Areas with no active support point, by name, with how many pilots they ever had."""
    gone = agg[agg["no_support"]]
    out = pd.DataFrame({
        "Area": [names.get(c, c) for c in gone.index],
        "Code": list(gone.index),
        "Pilots ever": gone["n_sites"].astype(int).to_numpy(),
    })  # fmt: skip
    return out.sort_values("Area").reset_index(drop=True)


def overview(agg: pd.DataFrame, names: dict[str, str]) -> list[Section]:
    """County-wide: the areas with no active digital-inclusion support point today."""
    table = no_support_list(agg, names)
    note = ("No support point (training, device lending, free Wi-Fi, library help) is running "
            "in these areas today.")  # fmt: skip
    return [Section(f"Areas with no digital-inclusion support today ({len(table)})", table, note)]


def evidence(agg: pd.DataFrame) -> pd.DataFrame:
    """Per-area support for the evidence pack: active points, people helped, none today."""
    return pd.DataFrame({
        "support_points_active": agg["n_active"].astype(int),
        "people_helped": agg["people_helped"].astype(float),
        "no_support_today": agg["no_support"].astype(bool),
    }, index=agg.index)  # fmt: skip


LAYER = register(
    Layer(
        key=KEY,
        title=TITLE,
        description="Pilots and support points: training, device lending, free Wi-Fi, help",
        required_columns=REQUIRED,
        read=read,
        aggregate=aggregate,
        draw=draw,
        summarise=summarise,
        options=("on",),
        overview=overview,
        evidence=evidence,
        map_style=PointStyle(
            "Digital inclusion support", SEQUENTIAL_PALETTE[3], marker="^", size=50
        ),
        personal_data=False,
        roles=frozenset({"support_points"}),
        extra={"kinds": KINDS, "colours": SUPPORT_KIND_COLOURS},
    )
)

__all__ = ["KINDS", "LAYER", "active_on", "aggregate", "draw", "no_support_list", "read"]
