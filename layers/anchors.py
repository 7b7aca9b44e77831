"""Anchor sites: schools, GP practices, libraries, fire stations, council offices.

Three inputs are recognised from their headers:

* **DfE Get Information about Schools** (GIAS ``edubasealldata*.csv``, Windows-1252): ``URN``,
  ``EstablishmentName``, ``EstablishmentStatus (name)``, ``Postcode``, ``Easting``,
  ``Northing`` (EPSG:27700). Only establishments whose status is "Open" (or "Open, but
  proposed to close") are kept; a blank or 0 grid reference falls back to the postcode.
* **NHS ODS epraccur** (GP practices): the published file has **no header row**; its fields
  follow the epraccur specification (:data:`EPRACCUR_COLUMNS`). A header-ful extract with
  the same names in snake_case is accepted too. Only practices with status ``A`` (active)
  and prescribing setting ``4`` (GP practice) are kept; they are located by postcode.
* **A council CSV** of other buildings: ``site_type`` (school, gp, library, fire_station,
  council_office, other), ``name``, ``identifier``, ``fibre_status`` (full_fibre /
  gigabit / none / planned / unknown) and a location.

Rows left out by the status filters are counted in ``attrs["excluded"]``, never hidden.
"""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import pandas as pd

from geo.config import FIBRE_COLOURS, FIBRE_LABELS
from geo.geometry.aggregate import assign_areas, sum_by_area
from geo.reports.report import PointStyle
from geo.sources.postcodes import normalise_postcodes
from geo.sources.tabular import Table, check_duplicates, header_key, parse_choice, read_table
from layers import render
from layers._points import (
    LOCATION_ALIASES,
    add_markers,
    esc,
    feature_group,
    locate_rows,
    records_frame,
)
from layers.base import Layer, ReadContext, Section, register

KEY = "anchors"
TITLE = "Anchor sites"
SITE_TYPES = ("school", "gp", "library", "fire_station", "council_office", "other")
FIBRE_STATUSES = ("full_fibre", "gigabit", "none", "planned", "unknown")
GIAS_OPEN = ("Open", "Open, but proposed to close")
EPRACCUR_COLUMNS: tuple[str, ...] = (
    "organisation_code", "name", "national_grouping", "high_level_health_geography",
    "address_1", "address_2", "address_3", "address_4", "address_5", "postcode",
    "open_date", "close_date", "status_code", "organisation_subtype_code", "commissioner",
    "join_provider_date", "left_provider_date", "contact_telephone", "null_1", "null_2",
    "null_3", "amended_record_indicator", "null_4", "provider_purchaser", "null_5",
    "prescribing_setting", "null_6",
)  # fmt: skip
"""The 27 fields of the headerless epraccur.csv, in order (NHS ODS specification)."""
EPRACCUR_ACTIVE = "A"
EPRACCUR_GP_PRACTICE = "4"
BADGES: dict[str, tuple[str, str]] = {
    "school": ("S", "School"),
    "gp": ("G", "GP practice"),
    "library": ("L", "Library"),
    "fire_station": ("F", "Fire station"),
    "council_office": ("C", "Council office"),
    "other": ("O", "Other site"),
}
"""Badge letter and label per site type (the label is the marker's text alternative)."""
BADGE_PX = 24
"""Badge diameter in CSS pixels: at least the 24 × 24 px target of WCAG 2.5.8."""
COUNCIL_ALIASES: dict[str, tuple[str, ...]] = {
    "site_type": ("type", "site type", "category", "asset type", "building type"),
    "name": ("site name", "site", "building", "building name"),
    "identifier": ("id", "ref", "reference", "site id", "uprn", "asset id"),
    "fibre_status": ("fibre", "fibre status", "connectivity", "broadband"),
    **LOCATION_ALIASES,
}
GIAS_ALIASES: dict[str, tuple[str, ...]] = {
    "identifier": ("URN",),
    "name": ("EstablishmentName",),
    "establishment_status": ("EstablishmentStatus (name)",),
    "postcode": ("Postcode",),
    "easting": ("Easting",),
    "northing": ("Northing",),
}
_ODS_CODE = re.compile(r"^\"?[A-Z][0-9A-Z]\d{3,4}\"?$")
_SITE_SYNONYMS = {
    "gp surgery": "gp", "gp practice": "gp", "surgery": "gp", "doctors": "gp",
    "fire": "fire_station", "council": "council_office", "office": "council_office",
    "primary school": "school", "secondary school": "school",
}  # fmt: skip
_FIBRE_SYNONYMS = {"fttp": "full_fibre", "gigabit capable": "gigabit", "no": "none"}


def read(data: bytes, *, filename: str, context: ReadContext | None = None) -> gpd.GeoDataFrame:
    """Read GIAS, epraccur (with or without header) or a council sites CSV.

    Returns
    -------
    GeoDataFrame
        EPSG:27700 points; columns ``source_row``, ``site_type``, ``name``, ``identifier``,
        ``fibre_status``, ``postcode``, ``source`` (``gias`` / ``epraccur`` / ``council``).
        ``attrs["excluded"]``: rows left out by the status filters.

    Raises
    ------
    DataError
        Every problem, with row and column.
    """
    context = context or ReadContext()
    first = data[:4096].split(b"\n", 1)[0].decode("cp1252", "replace").lstrip("\ufeff")
    cells = first.strip().split(",")
    keys = {header_key(c.strip('"')) for c in cells}
    if {"urn", "establishmentname"} <= keys:
        return _read_gias(data, filename=filename, context=context)
    if {"organisationcode", "prescribingsetting"} <= keys:
        table = read_table(data, filename=filename, required=("organisation_code", "postcode"))
        return _read_epraccur(table, context=context)
    if len(cells) >= 21 and _ODS_CODE.match(cells[0].lstrip("\ufeff").strip()):
        table = read_table(data, filename=filename, header=False, names=EPRACCUR_COLUMNS)
        return _read_epraccur(table, context=context)
    return _read_council(data, filename=filename, context=context)


def _read_gias(data: bytes, *, filename: str, context: ReadContext) -> gpd.GeoDataFrame:
    table = read_table(
        data, filename=filename, aliases=GIAS_ALIASES,
        required=("identifier", "name", "establishment_status"),
    )  # fmt: skip
    keep = table.col("establishment_status").isin(GIAS_OPEN)
    excluded = int((~keep).sum())
    table.frame = table.frame[keep]
    for col in ("easting", "northing"):  # GIAS writes 0 (or blank) where it has no grid reference
        if table.has(col):
            table.frame[col] = table.col(col).replace("0", "")
    check_duplicates(table, "identifier")
    out = _finish(table, context, site_type="school", fibre=None, source="gias")
    out.attrs["excluded"] = excluded
    return out


def _read_epraccur(table: Table, *, context: ReadContext) -> gpd.GeoDataFrame:
    for col in ("status_code", "prescribing_setting", "name"):
        if not table.has(col):
            table.add(f"required column '{col}' is missing", row=None, column=None, value=None)
    table.finish()
    keep = (table.col("status_code") == EPRACCUR_ACTIVE) & (
        table.col("prescribing_setting") == EPRACCUR_GP_PRACTICE
    )
    excluded = int((~keep).sum())
    table.frame = table.frame[keep].rename(columns={"organisation_code": "identifier"})
    table.original["identifier"] = table.name("organisation_code")
    check_duplicates(table, "identifier")
    out = _finish(table, context, site_type="gp", fibre=None, source="epraccur")
    out.attrs["excluded"] = excluded
    return out


def _read_council(data: bytes, *, filename: str, context: ReadContext) -> gpd.GeoDataFrame:
    table = read_table(
        data, filename=filename, aliases=COUNCIL_ALIASES, required=("site_type", "name")
    )
    site_type = parse_choice(table, "site_type", allowed=SITE_TYPES, synonyms=_SITE_SYNONYMS)
    fibre = parse_choice(
        table, "fibre_status", allowed=FIBRE_STATUSES, synonyms=_FIBRE_SYNONYMS, blank="unknown"
    )
    check_duplicates(table, "identifier")
    out = _finish(table, context, site_type=site_type, fibre=fibre, source="council")
    out.attrs["excluded"] = 0
    return out


def _finish(
    table: Table,
    context: ReadContext,
    *,
    site_type: str | pd.Series,
    fibre: pd.Series | None,
    source: str,
) -> gpd.GeoDataFrame:
    idx = table.frame.index
    names = table.col("name")
    for row in idx[table.blank("name")]:
        table.add("name is blank", row=int(row), column="name", value="")
    located = locate_rows(table, context=context)
    table.finish()
    kinds = site_type if isinstance(site_type, pd.Series) else pd.Series(site_type, index=idx)
    return records_frame(
        table,
        {
            "site_type": kinds,
            "name": names,
            "identifier": table.col("identifier"),
            "fibre_status": fibre if fibre is not None else pd.Series("unknown", index=idx),
            "postcode": normalise_postcodes(table.col("postcode")),
            "source": pd.Series(source, index=idx),
        },
        located,
    )


def aggregate(records: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Sites per area: ``n_sites``, ``n_<site_type>`` and ``n_fibre_<fibre_status>``.

    Index ``area_code`` (every area, zeros where none); ``attrs["outside"]`` counts sites in
    no area.
    """
    values = pd.DataFrame(index=records.index)
    for t in SITE_TYPES:
        values[f"n_{t}"] = (records["site_type"] == t).astype(int)
    for f in FIBRE_STATUSES:
        values[f"n_fibre_{f}"] = (records["fibre_status"] == f).astype(int)
    codes = assign_areas(records, areas, points_name=KEY)
    out = sum_by_area(values, codes, areas, columns=list(values.columns))
    out = out.rename(columns={"n_points": "n_sites"}).astype(int)
    out.attrs["outside"] = int(codes.isna().sum())
    return out[["n_sites", *values.columns]]


def badge_html(site_type: str, fibre_status: str, name: object) -> str:
    """A round SVG badge: the site type's letter on its fibre status colour.

    Plain Leaflet (a ``DivIcon``), no icon font. ``role="img"`` with an ``aria-label`` and a
    ``title`` give the text alternative ("School, full fibre: <name>"); the name is escaped.
    """
    letter, label = BADGES.get(site_type, BADGES["other"])
    colour = FIBRE_COLOURS.get(fibre_status, FIBRE_COLOURS["unknown"])
    alt = esc(f"{label}, {FIBRE_LABELS.get(fibre_status, FIBRE_LABELS['unknown'])}: {name}")
    r = BADGE_PX / 2
    return (
        f'<div class="bb-site bb-site-{esc(site_type)}" role="img" aria-label="{alt}" '
        f'title="{alt}"><svg xmlns="http://www.w3.org/2000/svg" width="{BADGE_PX}" '
        f'height="{BADGE_PX}" viewBox="0 0 {BADGE_PX} {BADGE_PX}" aria-hidden="true" '
        f'style="display:block">'
        f'<circle cx="{r}" cy="{r}" r="{r - 1.5}" fill="{colour}" stroke="#ffffff" '
        f'stroke-width="2"/><text x="{r}" y="{r + 4}" text-anchor="middle" font-size="12" '
        f'font-weight="700" font-family="sans-serif" fill="#ffffff">{letter}</text></svg></div>'
    )


def draw(records: gpd.GeoDataFrame, *, public: bool, show: bool = True) -> folium.FeatureGroup:
    """One lettered badge per site (type letter, fibre colour); clustered when there are many.

    Sites are public buildings, so ``public`` does not hide them.
    """
    del public
    group = feature_group(LAYER.title, show=show)

    def make(rec: pd.Series, lat: float, lon: float) -> folium.Marker:
        return render.marker(
            (lat, lon),
            label=rec["name"],
            icon_html=badge_html(str(rec["site_type"]), str(rec["fibre_status"]), rec["name"]),
            icon_size=(BADGE_PX, BADGE_PX),
            class_name="bb-site-icon",
            popup_title=rec["name"],
            popup_fields=[
                ("Type", BADGES.get(rec["site_type"], BADGES["other"])[1]),
                ("ID", rec["identifier"]),
                ("Fibre", FIBRE_LABELS.get(rec["fibre_status"], rec["fibre_status"])),
                ("Postcode", rec["postcode"]),
            ],
        )

    add_markers(group, records, make=make)
    return group


def summarise(row: pd.Series, here: pd.DataFrame, *, public: bool) -> list[Section]:
    """One area's anchor sites: counts by type and by fibre status, and the sites by name.

    Sites are public buildings, so ``public`` hides nothing; names stay plain text cells.
    """
    del public
    kinds = {k: v[1] for k, v in BADGES.items()}
    by_type = [(label, int(row[f"n_{k}"])) for k, label in kinds.items()
               if int(row.get(f"n_{k}", 0))]  # fmt: skip
    by_fibre = [(FIBRE_LABELS[f].capitalize(), int(row[f"n_fibre_{f}"])) for f in FIBRE_STATUSES
                if int(row.get(f"n_fibre_{f}", 0))]  # fmt: skip
    mine = here.sort_values("name")
    sites = pd.DataFrame({
        "Site": mine["name"].astype(str).to_numpy(),
        "Type": mine["site_type"].map(lambda t: kinds.get(t, str(t).replace("_", " "))).to_numpy(),
        "Fibre": mine["fibre_status"].map(lambda f: FIBRE_LABELS.get(f, f)).to_numpy(),
    })  # fmt: skip
    return [
        Section(f"{TITLE} by type", pd.DataFrame(by_type, columns=["Type", "Sites"])),
        Section(f"{TITLE} by fibre", pd.DataFrame(by_fibre, columns=["Fibre", "Sites"])),
        Section(TITLE, sites),
    ]


def evidence(agg: pd.DataFrame) -> pd.DataFrame:
    """Per-area site counts for the evidence pack: all sites and those without fibre."""
    return pd.DataFrame({
        "anchor_sites": agg["n_sites"].astype(int),
        "anchor_sites_without_fibre": (agg["n_fibre_none"] + agg["n_fibre_unknown"]).astype(int),
        "anchor_sites_fibre_planned": agg["n_fibre_planned"].astype(int),
    }, index=agg.index)  # fmt: skip


LAYER = register(
    Layer(
        key=KEY,
        title=TITLE,
        description="Schools, GP practices, libraries, fire stations and council buildings",
        required_columns=("site_type", "name"),
        read=read,
        aggregate=aggregate,
        draw=draw,
        summarise=summarise,
        evidence=evidence,
        roles=frozenset({"anchor_sites"}),
        map_style=PointStyle(
            "Anchor site",
            FIBRE_COLOURS["unknown"],
            marker="s",
            colour_column="fibre_status",
            colours=FIBRE_COLOURS,
            labels=FIBRE_LABELS,
        ),
        personal_data=False,
        extra={
            "site_types": SITE_TYPES,
            "fibre_statuses": FIBRE_STATUSES,
            "badges": BADGES,
            "fibre_colours": FIBRE_COLOURS,
            "fibre_labels": FIBRE_LABELS,
        },
    )
)

__all__ = [
    "BADGES",
    "EPRACCUR_COLUMNS",
    "FIBRE_COLOURS",
    "FIBRE_LABELS",
    "FIBRE_STATUSES",
    "LAYER",
    "SITE_TYPES",
    "aggregate",
    "badge_html",
    "draw",
    "read",
]
