"""Shared by the point overlays: locate rows (postcode or coordinates) and draw markers safely."""

from __future__ import annotations

from collections.abc import Callable

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.plugins import MarkerCluster

from geo.config import DISPLAY_CRS, MARKER_CLUSTER_MIN, UK_LATITUDE, UK_LONGITUDE, WORKING_CRS
from geo.errors import DataError
from geo.geometry.crs import to_display
from geo.sources.postcodes import locate_postcodes
from geo.sources.tabular import Table, parse_numbers
from layers import render
from layers.base import ReadContext
from layers.render import PlainPopup, popup_html
from layers.text import esc  # re-exported: the point layers import it from here

LOCATION_ALIASES: dict[str, tuple[str, ...]] = {
    "postcode": ("post code", "postal code", "pcode", "pcds"),
    "easting": ("eastings", "x", "os easting", "grid easting"),
    "northing": ("northings", "y", "os northing", "grid northing"),
    "latitude": ("lat",),
    "longitude": ("lon", "long", "lng"),
}
"""Accepted headers for a record's location (compared ignoring case, spaces and punctuation)."""

UK_LAT = UK_LATITUDE
UK_LON = UK_LONGITUDE
BNG_EASTING = (0.0, 700_000.0)
BNG_NORTHING = (0.0, 1_300_000.0)


def locate_rows(table: Table, *, context: ReadContext) -> gpd.GeoSeries:
    """Place every record: easting/northing, else latitude/longitude, else postcode.

    Problems (no location, bad or swapped coordinates, unknown or terminated postcodes,
    outside the county) are added to ``table``.

    Returns
    -------
    GeoSeries
        EPSG:27700, indexed by spreadsheet row, holding only the rows that were located.
    """
    idx = table.frame.index
    east = parse_numbers(table, "easting")
    north = parse_numbers(table, "northing")
    lat = parse_numbers(table, "latitude")
    lon = parse_numbers(table, "longitude")
    postcode = table.col("postcode")
    has_en = (table.col("easting") != "") | (table.col("northing") != "")
    has_ll = ~has_en & ((table.col("latitude") != "") | (table.col("longitude") != ""))
    has_pc = ~has_en & ~has_ll & (postcode != "")
    for row in idx[~has_en & ~has_ll & ~has_pc]:
        column = "postcode" if table.has("postcode") else None
        table.add(
            "has no location: give a postcode, easting/northing or latitude/longitude",
            row=int(row),
            column=column,
            value=None,
        )
    geoms = pd.Series(None, index=idx, dtype=object)
    en_ok = _check_en(table, east, north, has_en)
    geoms[en_ok] = shapely.points(east[en_ok].to_numpy(), north[en_ok].to_numpy())
    ll_ok = _check_ll(table, lat, lon, has_ll)
    if ll_ok.any():
        pts = gpd.GeoSeries(
            gpd.points_from_xy(lon[ll_ok], lat[ll_ok]), index=idx[ll_ok], crs=DISPLAY_CRS
        ).to_crs(WORKING_CRS)
        geoms[ll_ok] = pts.to_numpy()
    if has_pc.any():
        if context.postcodes is None:
            table.add(
                "postcodes need a postcode directory (ONSPD or NSPL): load one, or give "
                "easting/northing for every record",
                row=None,
                column="postcode",
                value=None,
            )
        else:
            located, problems = locate_postcodes(
                postcode[has_pc],
                context.postcodes,
                filename=table.filename,
                column=table.name("postcode"),
            )
            table.problems.problems.extend(problems)
            geoms[located.index] = located.geometry.to_numpy()
    out = gpd.GeoSeries(geoms[geoms.notna()], crs=WORKING_CRS)
    if context.county is not None and len(out):
        inside = shapely.covers(context.county, out.to_numpy())
        for row in out.index[~inside]:
            column = "postcode" if has_pc[row] else ("easting" if has_en[row] else "latitude")
            value = table.col(column)[row]
            table.add("is outside the county", row=int(row), column=column, value=value)
        out = out[inside]
    return out


def _check_en(table: Table, east: pd.Series, north: pd.Series, has: pd.Series) -> pd.Series:
    ok = has & east.notna() & north.notna()
    lonlat = ok & (east.abs() <= 180) & (north.abs() <= 90)  # no record sits at the grid origin
    for row in east.index[lonlat]:
        table.add(
            "easting and northing look like longitude and latitude; put them in longitude and "
            "latitude columns, or give British National Grid metres",
            row=int(row),
            column="easting",
            value=f"{table.col('easting')[row]}, {table.col('northing')[row]}",
        )
    ok &= ~lonlat
    for col, values, (lo, hi) in (
        ("easting", east, BNG_EASTING),
        ("northing", north, BNG_NORTHING),
    ):
        blank = has & (table.col(col) == "")
        for row in values.index[blank]:
            table.add(
                "is blank but the other grid coordinate is given",
                row=int(row),
                column=col,
                value="",
            )
        outside = has & values.notna() & ((values < lo) | (values > hi))
        for row in values.index[outside]:
            hint = " (it looks like a latitude/longitude)" if abs(values[row]) <= 90 else ""
            table.add(
                f"must be British National Grid metres, {lo:,.0f} to {hi:,.0f}{hint}",
                row=int(row),
                column=col,
                value=table.col(col)[row],
            )
        ok &= ~outside
    return ok


def _check_ll(table: Table, lat: pd.Series, lon: pd.Series, has: pd.Series) -> pd.Series:
    ok = has & lat.notna() & lon.notna()
    for col in ("latitude", "longitude"):
        for row in lat.index[has & (table.col(col) == "")]:
            table.add(
                "is blank but the other coordinate is given", row=int(row), column=col, value=""
            )
    in_lat = lat.between(*UK_LAT)
    in_lon = lon.between(*UK_LON)
    swapped = ok & lat.between(*UK_LON) & lon.between(*UK_LAT)
    grid = ok & ~swapped & ((lat.abs() > 180) | (lon.abs() > 180))
    outside = ok & ~swapped & ~grid & ~(in_lat & in_lon)
    lat_text, lon_text = table.col("latitude"), table.col("longitude")
    checks = (  # mask, reason, whether to show both coordinates
        (swapped, "latitude and longitude look swapped (latitude should be about 50–61, "
                  "longitude about -8 to 2)", False),
        (grid, "looks like an easting/northing in the latitude/longitude columns; "
               "put grid references in easting and northing", False),
        (outside, "latitude/longitude is not in the United Kingdom", True),
    )  # fmt: skip
    for mask, reason, both in checks:
        for row in lat.index[mask]:
            value = f"{lat_text[row]}, {lon_text[row]}" if both else lat_text[row]
            table.add(reason, row=int(row), column="latitude", value=value)
    return ok & ~swapped & ~grid & ~outside


def records_frame(
    table: Table, columns: dict[str, pd.Series], located: gpd.GeoSeries
) -> gpd.GeoDataFrame:
    """Build the output records (EPSG:27700) from parsed columns for the located rows.

    ``source_row`` keeps the spreadsheet row; the index is a fresh RangeIndex.

    Raises
    ------
    DataError
        When no record is left (every row was left out by a status filter): a file that
        yields nothing is an error, never an empty "success".
    """
    if len(located) == 0:
        raise DataError.single(
            table.filename,
            "holds no usable records: every row was left out (for example closed schools or "
            "inactive GP practices), so there is nothing to store",
        )
    rows = located.index
    data = {name: series.reindex(rows).to_numpy() for name, series in columns.items()}
    gdf = gpd.GeoDataFrame(
        {"source_row": np.asarray(rows, dtype=int), **data},
        geometry=located.to_numpy(),
        crs=WORKING_CRS,
    )
    gdf.attrs["source"] = table.filename
    return gdf


# --- Drawing ---


def feature_group(title: str, *, show: bool) -> folium.FeatureGroup:
    """The layer's group, named for the layer in the layer control (escaped)."""
    return render.group(title, show=show)


CLUSTER_ICON_JS = """
function (cluster) {
    var n = cluster.getChildCount();
    return L.divIcon({
        html: '<div role="img" aria-label="' + n + ' records" style="width:30px;height:30px;'
            + 'border-radius:50%;background:#ffffff;border:2px solid #333333;'
            + 'box-sizing:border-box;line-height:26px;text-align:center;'
            + 'font:700 12px sans-serif;color:#222222">' + n + '</div>',
        className: "bb-cluster-icon",
        iconSize: L.point(30, 30)
    });
}
"""
"""Clusters drawn as neutral white discs with the count, so they never read as choropleth
colours (markercluster's default green/yellow/orange bubbles do)."""


def add_markers(
    group: folium.FeatureGroup,
    records: gpd.GeoDataFrame,
    *,
    make: Callable[[pd.Series, float, float], folium.Marker | folium.CircleMarker],
) -> None:
    """Add one marker per record (in a MarkerCluster when there are many)."""
    if len(records) == 0:
        return
    shown = to_display(records)
    parent: folium.FeatureGroup | MarkerCluster = group
    if len(shown) >= MARKER_CLUSTER_MIN:
        parent = MarkerCluster(
            name=group.layer_name, control=False, icon_create_function=CLUSTER_ICON_JS
        )
        parent.add_to(group)
    for (_, rec), geom in zip(shown.iterrows(), shown.geometry, strict=True):
        make(rec, geom.y, geom.x).add_to(parent)


__all__ = [
    "CLUSTER_ICON_JS",
    "LOCATION_ALIASES",
    "PlainPopup",
    "add_markers",
    "esc",
    "feature_group",
    "locate_rows",
    "popup_html",
    "records_frame",
]
