"""Gigabit broadband vouchers: a council's voucher list, or BDUK's "premises in plans" rows.

Council voucher CSV (headers matched ignoring case, spaces and punctuation; aliases below):
``reference``, a location (``postcode``, or ``easting``/``northing``, or ``latitude``/
``longitude``), ``premises_type`` (residential / business), ``status`` (applied / approved /
connected / cancelled), ``date``, ``value`` (£), ``supplier``.

BDUK "premises in BDUK plans" CSV (recognised by ``uprn`` + ``subsidy_control_status``):
``uprn``, ``postcode``, ``subsidy_control_status`` (Gigabit White / Grey/Black / Under
Review), ``current_gigabit``, ``bduk_vouchers``, ``bduk_vouchers_supplier`` ... Each row is one
premises; its status is ``connected`` (voucher-funded and gigabit now), ``approved``
(voucher-funded, not yet gigabit) or ``in_plan`` (in a BDUK plan without a voucher).

Records identify homes: ``personal_data=True``, so public views show suppressed counts only.
"""

from __future__ import annotations

from datetime import date

import folium
import geopandas as gpd
import pandas as pd

from geo.analysis.privacy import count_text, is_suppressed
from geo.config import MAX_VOUCHER_VALUE_GBP, OTHER_POINT_COLOUR, VOUCHER_STATUS_COLOURS
from geo.geometry.aggregate import assign_areas, sum_by_area
from geo.sources.postcodes import normalise_postcodes
from geo.sources.tabular import (
    Table,
    check_duplicates,
    header_key,
    parse_bools,
    parse_choice,
    parse_dates,
    parse_numbers,
    read_table,
)
from layers import render
from layers._points import (
    LOCATION_ALIASES,
    add_markers,
    feature_group,
    locate_rows,
    records_frame,
)
from layers.base import Layer, ReadContext, Section, register

KEY = "vouchers"
TITLE = "Broadband vouchers"
STATUSES = ("applied", "approved", "connected", "cancelled")
BDUK_STATUS = "in_plan"
ALL_STATUSES = (*STATUSES, BDUK_STATUS)
PREMISES_TYPES = ("residential", "business", "unknown")
SUBSIDY_STATUSES = ("white", "grey_black", "under_review")
SUBSIDY_LABELS = {"white": "White", "grey_black": "Grey/Black", "under_review": "Under Review"}
_SUBSIDY_SYNONYMS = {
    "Gigabit White": "white",
    "White": "white",
    "Gigabit Grey/Black": "grey_black",
    "Gigabit Grey": "grey_black",
    "Gigabit Black": "grey_black",
    "Grey/Black": "grey_black",
    "Grey": "grey_black",
    "Black": "grey_black",
    "Gigabit Under Review": "under_review",
    "Under Review": "under_review",
}
VOUCHER_ALIASES: dict[str, tuple[str, ...]] = {
    "reference": ("ref", "voucher ref", "voucher reference", "voucher id", "voucher number", "id"),
    "premises_type": ("premises type", "premises", "type", "property type", "customer type"),
    "status": ("voucher status", "state"),
    "date": ("status date", "date applied", "application date", "voucher date"),
    "value": ("voucher value", "amount", "value gbp", "voucher amount", "grant value"),
    "supplier": ("provider", "supplier name", "installer"),
    **LOCATION_ALIASES,
}
BDUK_ALIASES: dict[str, tuple[str, ...]] = {
    "reference": ("uprn",),
    "postcode": (),
    "subsidy_control_status": (),
    "current_gigabit": (),
    "bduk_vouchers": (),
    "supplier": ("bduk_vouchers_supplier",),
}
REQUIRED = ("reference", "status")


def read(data: bytes, *, filename: str, context: ReadContext | None = None) -> gpd.GeoDataFrame:
    """Read and validate a voucher CSV (council or BDUK format).

    Returns
    -------
    GeoDataFrame
        EPSG:27700 points; columns ``source_row``, ``reference``, ``premises_type``,
        ``status``, ``date`` (datetime64, NaT if none), ``value`` (£, NaN if none),
        ``supplier``, ``subsidy_control`` (``white``/``grey_black``/``under_review`` or
        NA), ``source`` (``council`` / ``bduk``), ``postcode``.

    Raises
    ------
    DataError
        Every problem: bad postcode, outside the county, unknown status, duplicate reference,
        future date, bad number, missing columns.
    """
    context = context or ReadContext()
    head = data[:4096].split(b"\n", 1)[0].decode("utf-8", "replace")
    keys = {header_key(h) for h in head.replace('"', "").split(",")}
    if {"uprn", "subsidycontrolstatus"} <= keys:
        return _read_bduk(data, filename=filename, context=context)
    table = read_table(data, filename=filename, aliases=VOUCHER_ALIASES, required=REQUIRED)
    _reject_blank(table, "reference")
    check_duplicates(table, "reference")
    status = parse_choice(table, "status", allowed=STATUSES)
    premises = parse_choice(
        table,
        "premises_type",
        allowed=PREMISES_TYPES,
        synonyms={
            "domestic": "residential",
            "home": "residential",
            "commercial": "business",
            "sme": "business",
        },
        blank="unknown",
    )
    when = parse_dates(table, "date", today=context.today)
    _reject_future(table, when, context.today)
    value = parse_numbers(table, "value", minimum=0, maximum=MAX_VOUCHER_VALUE_GBP)
    located = locate_rows(table, context=context)
    table.finish()
    return records_frame(
        table,
        {
            "reference": table.col("reference"),
            "premises_type": premises,
            "status": status,
            "date": when,
            "value": value,
            "supplier": table.col("supplier"),
            "subsidy_control": pd.Series(pd.NA, index=table.frame.index, dtype=object),
            "source": pd.Series("council", index=table.frame.index),
            "postcode": normalise_postcodes(table.col("postcode")),
        },
        located,
    )


def _read_bduk(data: bytes, *, filename: str, context: ReadContext) -> gpd.GeoDataFrame:
    table = read_table(
        data,
        filename=filename,
        aliases=BDUK_ALIASES,
        required=("reference", "postcode", "subsidy_control_status", "bduk_vouchers"),
    )
    _reject_blank(table, "reference")
    check_duplicates(table, "reference")
    subsidy = parse_choice(
        table, "subsidy_control_status", allowed=SUBSIDY_STATUSES, synonyms=_SUBSIDY_SYNONYMS
    )
    gigabit = parse_bools(table, "current_gigabit")
    voucher = parse_bools(table, "bduk_vouchers")
    status = pd.Series(BDUK_STATUS, index=table.frame.index, dtype=object)
    status[voucher & gigabit] = "connected"
    status[voucher & ~gigabit] = "approved"
    located = locate_rows(table, context=context)
    table.finish()
    blank = pd.Series(pd.NA, index=table.frame.index, dtype=object)
    return records_frame(
        table,
        {
            "reference": table.col("reference"),
            "premises_type": pd.Series("unknown", index=table.frame.index),
            "status": status,
            "date": pd.Series(pd.NaT, index=table.frame.index, dtype="datetime64[ns]"),
            "value": pd.Series(float("nan"), index=table.frame.index),
            "supplier": table.col("supplier"),
            "subsidy_control": subsidy.where(subsidy.notna(), blank),
            "source": pd.Series("bduk", index=table.frame.index),
            "postcode": normalise_postcodes(table.col("postcode")),
        },
        located,
    )


def _reject_blank(table: Table, column: str) -> None:
    raw = table.col(column)
    for row in raw.index[raw == ""]:
        table.add(f"{column} is blank", row=int(row), column=column, value="")


def _reject_future(table: Table, when: pd.Series, today: date) -> None:
    future = when > pd.Timestamp(today)
    for row in when.index[future]:
        table.add(
            f"date is in the future (after {today:%d/%m/%Y})",
            row=int(row),
            column="date",
            value=table.col("date")[row],
        )


def aggregate(
    records: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    premises: pd.Series | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Vouchers per area: counts by status, per 1,000 premises and total value (£).

    Parameters
    ----------
    records
        From :func:`read` (EPSG:27700).
    areas
        ``area_code``, ``area_name``, ``geometry`` in EPSG:27700.
    premises
        All premises per area (index ``area_code``) for ``per_1000_premises``.
    start, end
        Keep vouchers dated within ``[start, end]``; undated records are left out when
        either is given.

    Returns
    -------
    DataFrame
        Index ``area_code`` (every area); ``n_<status>`` for each status, ``n_vouchers``
        (every status except cancelled and in_plan), ``total_value``,
        ``n_subsidy_<white|grey_black|under_review>``, ``per_1000_premises`` (NaN without
        ``premises``). ``attrs["outside"]`` counts records in no area.
    """
    recs = records
    if start is not None or end is not None:
        keep = recs["date"].notna()
        if start is not None:
            keep &= recs["date"] >= pd.Timestamp(start)
        if end is not None:
            keep &= recs["date"] <= pd.Timestamp(end)
        recs = recs[keep]
    values = pd.DataFrame(index=recs.index)
    for s in ALL_STATUSES:
        values[f"n_{s}"] = (recs["status"] == s).astype(int)
    values["n_vouchers"] = recs["status"].isin(["applied", "approved", "connected"]).astype(int)
    values["total_value"] = recs["value"].where(recs["status"] != "cancelled").fillna(0.0)
    for s in SUBSIDY_STATUSES:
        values[f"n_subsidy_{s}"] = (recs["subsidy_control"] == s).fillna(False).astype(int)
    codes = assign_areas(recs, areas, points_name=KEY)
    out = sum_by_area(values, codes, areas, columns=list(values.columns)).drop(columns="n_points")
    counts = [c for c in out.columns if c.startswith("n_")]
    out[counts] = out[counts].astype(int)
    if premises is not None:
        prem = pd.to_numeric(premises.reindex(out.index), errors="coerce")
        out["per_1000_premises"] = (out["n_vouchers"] * 1000 / prem.where(prem > 0)).astype(float)
    else:
        out["per_1000_premises"] = float("nan")
    out.attrs["outside"] = int(codes.isna().sum())
    return out


def draw(records: gpd.GeoDataFrame, *, public: bool, show: bool = True) -> folium.FeatureGroup:
    """Voucher points (authorised views only). ``public=True`` draws no individual point."""
    group = feature_group(LAYER.title, show=show)
    if public:
        return group

    def make(rec: pd.Series, lat: float, lon: float) -> folium.CircleMarker:
        colour = VOUCHER_STATUS_COLOURS.get(rec["status"], OTHER_POINT_COLOUR)
        when = "" if pd.isna(rec["date"]) else f"{rec['date']:%d/%m/%Y}"
        value = "" if pd.isna(rec["value"]) else f"£{rec['value']:,.0f}"
        return render.circle(
            (lat, lon),
            label=f"{rec['reference']}: {rec['status']}",
            popup_title=f"Voucher {rec['reference']}",
            popup_fields=[
                ("Status", rec["status"]),
                ("Premises", rec["premises_type"]),
                ("Date", when),
                ("Value", value),
                ("Supplier", rec["supplier"]),
                ("Postcode", rec["postcode"]),
            ],
            radius=5, color="#ffffff", weight=1.5, fill=True, fill_color=colour, fill_opacity=0.95,
        )  # fmt: skip

    add_markers(group, records, make=make)
    return group


def summarise(row: pd.Series, here: pd.DataFrame, *, public: bool) -> list[Section]:
    """One area's vouchers: counts by status, per 1,000 premises and total value.

    In public views counts of 1–4 read "fewer than 5", and the rate and value behind a small
    number of vouchers read "suppressed" (either would give the count away). Statuses with no
    voucher anywhere in ``here``'s file are left out.
    """
    del here  # counts come from the aggregate; records are never listed (personal data)
    statuses = [s for s in ALL_STATUSES if f"n_{s}" in row and (row[f"n_{s}"] or s in STATUSES)]
    items = [(s.replace("_", " ").capitalize(), count_text(row[f"n_{s}"], public=public))
             for s in statuses]  # fmt: skip
    hidden = public and bool(is_suppressed(pd.Series([row["n_vouchers"]])).iloc[0])
    items.append(("Vouchers (not cancelled)", count_text(row["n_vouchers"], public=public)))
    rate = row["per_1000_premises"]
    items.append(("Per 1,000 premises", "suppressed" if hidden else
                  "no data" if pd.isna(rate) else f"{rate:,.1f}"))  # fmt: skip
    items.append(("Total value (not cancelled)",
                  "suppressed" if hidden else f"£{row['total_value']:,.0f}"))  # fmt: skip
    table = pd.DataFrame(items, columns=["Vouchers", "Count"])
    return [Section(TITLE, table)]


def intervention_counts(agg: pd.DataFrame) -> pd.DataFrame:
    """BDUK subsidy-control status counts per area: White, Grey/Black, Under Review, total."""
    out = pd.DataFrame(
        {label: agg[f"n_subsidy_{s}"].astype(int) for s, label in SUBSIDY_LABELS.items()},
        index=agg.index,
    )
    out["Total in plans"] = out.sum(axis=1)
    return out


def overview(agg: pd.DataFrame, names: dict[str, str]) -> list[Section]:
    """County-wide: BDUK intervention-area status per area, when premises-in-plans rows exist."""
    counts = intervention_counts(agg)
    counts = counts[counts["Total in plans"] > 0]
    if counts.empty:
        return []
    counts.insert(0, "Area", [names.get(c, c) for c in counts.index])
    note = "From BDUK's 'premises in plans' rows: premises by subsidy-control status."
    return [Section("Intervention areas (BDUK premises in plans)", counts.reset_index(drop=True),
                    note)]  # fmt: skip


def evidence(agg: pd.DataFrame) -> pd.DataFrame:
    """Per-area voucher columns for the evidence pack and the gap score's voucher demand."""
    out = pd.DataFrame(index=agg.index)
    out["voucher_demand"] = agg["n_vouchers"].astype(int)
    out["vouchers_per_1000_premises"] = agg["per_1000_premises"].round(2)
    for s in SUBSIDY_STATUSES:
        out[f"bduk_{s}"] = agg[f"n_subsidy_{s}"].astype(int)
    return out


LAYER = register(
    Layer(
        key=KEY,
        title=TITLE,
        description="Gigabit voucher applications and connections, or BDUK premises in plans",
        required_columns=REQUIRED,
        read=read,
        aggregate=aggregate,
        draw=draw,
        summarise=summarise,
        options=("premises", "start", "end"),
        date_column="date",
        evidence=evidence,
        overview=overview,
        components={"voucher_demand": "Voucher demand (live vouchers)"},
        personal_data=True,
        extra={"statuses": ALL_STATUSES, "aliases": VOUCHER_ALIASES},
    )
)

__all__ = ["ALL_STATUSES", "LAYER", "STATUSES", "aggregate", "draw", "read"]
