"""A county's OA and postcode centroids from the ONS Open Geography Portal.

* OA population-weighted centroids (PWC), 2011 and 2021 (:data:`geo.config.OA_CENTROID_LAYERS`):
  the layers have no county field, so the county's districts are fetched first (ward → CED
  lookup, then the district boundaries) and the PWC layer is queried for the box around them;
  centroids inside the districts (or within :data:`geo.config.SNAP_TOLERANCE_M` of them) are kept.
* Postcode centroids (:data:`geo.config.POSTCODE_CENTROIDS_LAYER`, the ONS Postcode Directory):
  queried ``<district field> IN (…)`` for the county's districts. The directory renames its
  fields every year, so their names are read from the layer's own description.

Everything goes through :func:`geo.sources.arcgis.query_features` (paged, cached, checked).

* The portal's CSV download of a PWC layer (:func:`read_centroid_csv`), for ``python -m geo
  import``: the same points, with British National Grid or lon/lat told apart by their ranges.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import requests
import shapely

from geo.config import (
    DISPLAY_CRS,
    GB_GRID_MAX,
    GSS_COUNTRY_LETTERS,
    LEVELS,
    MAX_CENTROID_FILE_BYTES,
    OA_CENTROID_CSV_COLUMNS,
    OA_CENTROID_LAYERS,
    OA_CODE_FIELDS,
    ONS_ARCGIS_ROOT,
    POSTCODE_CENTROIDS_LAYER,
    SNAP_TOLERANCE_M,
    SYNTHETIC_CODE_LETTER,
    UK_LATITUDE,
    UK_LONGITUDE,
    WARD_CED_LOOKUP_SERVICE,
    WORKING_CRS,
)
from geo.errors import DataError, DownloadError
from geo.geometry.crs import to_working
from geo.sources.arcgis import (
    IN_CHUNK,
    county_area_codes,
    fetch_county_boundaries,
    layer_fields,
    layer_name,
    query_features,
)
from geo.sources.postcodes import normalise_postcode
from geo.sources.tabular import Table, check_duplicates, header_key, parse_numbers, read_table

_LAD_FIELD = re.compile(r"^lad(\d{2})cd$", re.IGNORECASE)


def oa_centroid_urls(root: str = ONS_ARCGIS_ROOT) -> dict[str, str]:
    """Full layer URLs of the OA PWC layers under a services root, per vintage."""
    return {v: f"{root.rstrip('/')}/{path}" for v, path in OA_CENTROID_LAYERS.items()}


def postcode_centroids_url(root: str = ONS_ARCGIS_ROOT) -> str:
    """Full layer URL of the postcode centroids under a services root."""
    return f"{root.rstrip('/')}/{POSTCODE_CENTROIDS_LAYER}"


def fetch_oa_centroids(
    county_code: str,
    *,
    vintage: str,
    cache_dir: str | Path,
    layer_url: str | None = None,
    districts: gpd.GeoDataFrame | None = None,
    base_urls: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """One county's OA population-weighted centroids of one census vintage.

    Parameters
    ----------
    vintage
        ``"2011"`` or ``"2021"``.
    layer_url
        The PWC layer (default: :data:`geo.config.OA_CENTROID_LAYERS` under the ONS root).
    districts
        The county's district polygons (any CRS with one set); fetched from the portal
        (``base_urls`` as for :func:`fetch_county_boundaries`) when omitted.

    Returns
    -------
    GeoDataFrame
        ``OA11CD`` or ``OA21CD`` and Point geometry in EPSG:27700, sorted by code; ``attrs``:
        ``vintage``, ``kind`` (``"pwc"``), ``source``, ``source_url``, ``county_code``.

    Raises
    ------
    DataError
        If no centroid lies in the county's districts.
    DownloadError
        If a query fails or the layer lacks the code field.
    """
    if vintage not in OA_CENTROID_LAYERS:
        raise ValueError(f"vintage must be one of {sorted(OA_CENTROID_LAYERS)}, not {vintage!r}")
    url = layer_url or oa_centroid_urls()[vintage]
    field = OA_CODE_FIELDS[vintage]
    if districts is None:
        districts = fetch_county_boundaries(
            county_code, level="lad", cache_dir=cache_dir, base_urls=base_urls, session=session
        )
    outline = shapely.union_all(to_working(districts, source="districts").geometry.to_numpy())
    keep_within = outline.buffer(SNAP_TOLERANCE_M)
    raw = query_features(
        url,
        out_fields=field,
        envelope=tuple(float(v) for v in keep_within.bounds),  # type: ignore[arg-type]
        cache_dir=cache_dir,
        session=session,
        order_by=f"{field} ASC",
        progress=f"{vintage} OA centroids" if progress else None,
    )
    source = layer_name(url)
    if len(raw) and raw.crs is not None:
        raw = to_working(raw, source=source)
    points = raw[raw.geometry.notna() & ~raw.geometry.is_empty] if len(raw) else raw
    xy = shapely.get_coordinates(points.geometry.to_numpy()) if len(points) else np.empty((0, 2))
    inside = shapely.contains_xy(keep_within, xy[:, 0], xy[:, 1]) if len(xy) else np.array([])
    out = points[inside.astype(bool)] if len(points) else points
    if len(out) == 0:
        raise DataError.single(
            source,
            "returned no OA centroid inside the county's districts; check the county code",
            column=field,
            value=county_code,
        )
    out = gpd.GeoDataFrame(
        {field: out[field].astype(str).to_numpy()}, geometry=out.geometry.to_numpy(), crs=out.crs
    ).sort_values(field, ignore_index=True)
    out.attrs.update(
        vintage=vintage, kind="pwc", source=source, source_url=url, county_code=county_code
    )
    return out


def _postcode_fields(fields: list[str], source: str) -> tuple[str, str, str | None]:
    """The postcode, newest district (``LADnnCD``) and ``DOTERM`` field names of a layer."""
    by_lower = {f.lower(): f for f in fields}
    pc_field = next((by_lower[n] for n in ("pcds", "pcd7", "pcd") if n in by_lower), None)
    years = sorted((int(m.group(1)), f) for f in fields if (m := _LAD_FIELD.match(f)))
    if pc_field is None or not years:
        raise DownloadError(
            f"{source}: upstream schema change: no postcode (PCDS) or district (LADnnCD) "
            f"field among {', '.join(fields) or 'none'}"
        )
    return pc_field, years[-1][1], by_lower.get("doterm")


def fetch_postcode_centroids(
    county_code: str,
    *,
    cache_dir: str | Path,
    layer_url: str | None = None,
    lookup_url: str | None = None,
    session: requests.Session | None = None,
    chunk_size: int = IN_CHUNK,
    progress: bool = False,
) -> pd.DataFrame:
    """One county's postcode centroids from the ONS Postcode Directory layer.

    Returns
    -------
    DataFrame
        As :func:`geo.sources.postcodes.read_postcode_file`: index normalised postcode;
        ``easting``, ``northing`` (EPSG:27700; NaN where the directory has no grid reference),
        ``terminated`` (``DOTERM`` set) and ``lad_code``. ``attrs``: ``source``,
        ``source_url``, ``county_code``, ``fields`` (the names the layer used).

    Raises
    ------
    DownloadError
        If the layer has no postcode or district field, a query fails, or a postcode is
        malformed (the upstream data changed).
    DataError
        If the lookup knows no such county.
    """
    url = layer_url or postcode_centroids_url()
    source = layer_name(url)
    fields = layer_fields(
        url, cache_dir=cache_dir, session=session, require=lambda f: _postcode_fields(f, source)
    )
    pc_field, lad_field, doterm = _postcode_fields(fields, source)
    lads = county_area_codes(
        lookup_url or WARD_CED_LOOKUP_SERVICE, county_code, code_field=LEVELS["lad"].code_fields[0],
        cache_dir=cache_dir, session=session,
    )  # fmt: skip
    wanted = [pc_field, lad_field, *([doterm] if doterm else [])]
    frames = []
    for start in range(0, len(lads), chunk_size):
        listed = ",".join(f"'{c}'" for c in lads[start : start + chunk_size])
        frames.append(
            query_features(
                url,
                where=f"{lad_field} IN ({listed})",
                out_fields=",".join(wanted),
                cache_dir=cache_dir,
                session=session,
                order_by=f"{pc_field} ASC",
                progress="postcode centroids" if progress else None,
            )
        )
    raw = pd.concat(frames, ignore_index=True)
    if len(raw) == 0:
        raise DataError.single(source, "returned no postcodes for the county's districts",
                               column=lad_field, value=", ".join(lads))  # fmt: skip
    frame = gpd.GeoDataFrame(raw, geometry="geometry", crs=frames[0].crs)
    if frame.crs is not None:
        frame = to_working(frame, source=source)
    postcode = frame[pc_field].map(normalise_postcode)
    if postcode.isna().any():
        bad = frame.loc[postcode.isna(), pc_field].iloc[0]
        raise DownloadError(f"{source}: upstream data change: {pc_field} {bad!r} is not a postcode")
    has_xy = frame.geometry.notna() & ~frame.geometry.is_empty
    x = np.full(len(frame), np.nan)
    y = np.full(len(frame), np.nan)
    if has_xy.any():
        xy = shapely.get_coordinates(frame.geometry[has_xy].to_numpy())
        x[has_xy.to_numpy()], y[has_xy.to_numpy()] = xy[:, 0], xy[:, 1]
    term = frame[doterm] if doterm else pd.Series(None, index=frame.index)
    out = pd.DataFrame(
        {
            "easting": x,
            "northing": y,
            "terminated": (term.notna() & (term.astype(str).str.strip() != "")).to_numpy(),
            "lad_code": frame[lad_field].astype(str).to_numpy(),
        },
        index=pd.Index(postcode.to_numpy(), name="postcode"),
    )
    out = out[~out.index.duplicated(keep="first")]
    out.attrs.update(
        source=f"{source} (county {county_code})", source_url=url, county_code=county_code,
        fields={"postcode": pc_field, "lad_code": lad_field, "doterm": doterm},
    )  # fmt: skip
    return out


# --- The portal's CSV download of a PWC layer -----------------------------------------------


@dataclass(frozen=True)
class _System:
    """A coordinate system a PWC CSV's numbers may be in, and the UK's range in it."""

    crs: str
    name: str
    ranges: tuple[tuple[float, float], tuple[float, float]]
    axes: tuple[str, str]
    unit: str

    def fits(self, x: pd.Series, y: pd.Series) -> pd.Series:
        """Which points lie in the UK's range of this system."""
        return x.between(*self.ranges[0]) & y.between(*self.ranges[1])

    def axis_fits(self, i: int, value: float) -> bool:
        """Whether ``value`` is in range on axis ``i`` (0: x, 1: y)."""
        low, high = self.ranges[i]
        return low <= value <= high

    def axis(self, i: int) -> str:
        """``"a longitude (-8.7 to 1.8°)"``: axis ``i`` and its range, for messages."""
        low, high = (f"{v:,.0f}" if float(v).is_integer() else f"{v:g}" for v in self.ranges[i])
        return f"a {self.axes[i]} ({low} to {high}{self.unit})"


_LONLAT = _System(DISPLAY_CRS, "lon/lat degrees (WGS84)", (UK_LONGITUDE, UK_LATITUDE),
                  ("longitude", "latitude"), "°")  # fmt: skip
_GRID = _System(
    WORKING_CRS, "British National Grid metres (EPSG:27700)",
    ((0.0, GB_GRID_MAX[0]), (0.0, GB_GRID_MAX[1])),
    ("British National Grid easting", "British National Grid northing"), " m",
)  # fmt: skip
_SYSTEMS = (_LONLAT, _GRID)
"""Lon/lat first: a point that fits both lies within 2 m × 61 m of the grid's false origin, at
sea south-west of Scilly, where no output area is; so it is read as degrees."""


def _keys(canonical: str) -> set[str]:
    return {header_key(a) for a in (canonical, *OA_CENTROID_CSV_COLUMNS[canonical])}


def is_centroid_csv_header(headers: Sequence[str]) -> bool:
    """True when a CSV header has an OA code field (``OA11CD``/``OA21CD``) and ``x``, ``y``."""
    keys = {header_key(h) for h in headers}
    has_code = any(_keys(field) & keys for field in OA_CODE_FIELDS.values())
    return has_code and all(_keys(axis) & keys for axis in ("x", "y"))


def read_centroid_csv(data: bytes, *, filename: str, synthetic: bool = False) -> gpd.GeoDataFrame:
    """Read the ONS portal's CSV download of an OA population-weighted centroid layer.

    Parameters
    ----------
    data
        The CSV's bytes (UTF-8 with or without BOM): ``OA11CD`` or ``OA21CD`` and the point as
        ``x``, ``y`` (any case; :data:`geo.config.OA_CENTROID_CSV_COLUMNS`), other fields
        (``FID``, ``GlobalID``) ignored.
    synthetic
        Accept the made-up ``X00…`` codes of the demo.

    Returns
    -------
    GeoDataFrame
        The code field as ``OA11CD`` or ``OA21CD`` (stripped) and Point geometry in the CRS
        the numbers are in: EPSG:27700 when every point is a British National Grid easting
        and northing, EPSG:4326 when every point is a UK longitude and latitude. In file
        order, index 0…n-1; ``attrs``: ``source``, ``coordinates`` (a line saying which).

    Raises
    ------
    DataError
        Every problem, with its row and column: no or two code fields, a blank or malformed
        OA code, a code listed twice, a blank or non-numeric coordinate, a point that fits
        neither system, or points in both.
    """
    table = read_table(data, filename=filename, aliases=OA_CENTROID_CSV_COLUMNS,
                       required=("x", "y"), max_bytes=MAX_CENTROID_FILE_BYTES)  # fmt: skip
    fields = [f for f in OA_CODE_FIELDS.values() if table.has(f)]
    if len(fields) != 1:
        found = " and ".join(table.name(f) for f in fields) or "neither"
        raise DataError.single(filename, "needs one OA code column, OA11CD or OA21CD (one census "
                               f"vintage a file); found {found}", row=1)  # fmt: skip
    (field,) = fields
    codes = table.col(field)
    letters = GSS_COUNTRY_LETTERS + (SYNTHETIC_CODE_LETTER if synthetic else "")
    malformed = ~codes.str.fullmatch(rf"[{letters}]00\d{{6}}")
    for row in codes.index[malformed]:
        table.add("is blank; an OA code is required" if codes[row] == "" else
                  "is not an output-area code (a country letter, 00, then 6 digits: E00095530)",
                  row=int(row), column=field, value=codes[row])  # fmt: skip
    check_duplicates(table, field)
    x = parse_numbers(table, "x", blank_ok=False)
    y = parse_numbers(table, "y", blank_ok=False)
    system = _coordinate_system(table, x, y)
    table.finish()
    assert system is not None  # no point fitted any system: problems were raised
    out = gpd.GeoDataFrame(
        {field: codes.to_numpy()},
        geometry=gpd.points_from_xy(x.to_numpy(), y.to_numpy()),
        crs=system.crs,
    )
    converted = "" if system.crs == WORKING_CRS else "; converted to British National Grid"
    out.attrs.update(
        source=filename,
        coordinates=f"{filename}: {table.name('x')}, {table.name('y')} read as {system.name}: "
        f"every point has {system.axis(0)} and {system.axis(1)}{converted}",
    )
    return out


def _coordinate_system(table: Table, x: pd.Series, y: pd.Series) -> _System | None:
    """The system the most points fit; each point that does not fit it is a problem."""
    fits = [s.fits(x, y) for s in _SYSTEMS]
    fits[1] &= ~fits[0]
    counts = [int(f.sum()) for f in fits]
    chosen = _SYSTEMS[int(counts[1] >= counts[0])] if any(counts) else None
    ok = fits[_SYSTEMS.index(chosen)] if chosen else pd.Series(False, index=x.index)
    for row in x.index[x.notna() & y.notna() & ~ok]:
        other = next((s for s, f in zip(_SYSTEMS, fits, strict=True) if f[row]), None)
        _misfit(table, int(row), (float(x[row]), float(y[row])), chosen, other)
    return chosen


def _misfit(
    table: Table, row: int, xy: tuple[float, float], chosen: _System | None, other: _System | None
) -> None:
    """Record why the point on ``row`` fits no system, or not the file's (``chosen``)."""
    raw = (table.col("x")[row], table.col("y")[row])
    if chosen is not None and other is not None:
        table.add(f"({raw[0]}, {raw[1]}) is in {other.name} but the file's other points are in "
                  f"{chosen.name}: one file uses one coordinate system",
                  row=row, column="x", value=raw[0])  # fmt: skip
        return
    systems = (chosen,) if chosen else _SYSTEMS
    bad = [i for i in (0, 1) if not any(s.axis_fits(i, xy[i]) for s in systems)]
    for i in bad:
        what = " nor ".join(s.axis(i) for s in systems)
        table.add(f"is not {what}, as the file's other points are" if chosen
                  else f"is neither {what}", row=row, column="xy"[i], value=raw[i])  # fmt: skip
    if not bad:  # each number fits a system, but not the same one
        table.add(f"({raw[0]}, {raw[1]}) is neither " + " nor ".join(s.name for s in systems),
                  row=row, column="x", value=raw[0])  # fmt: skip


__all__ = [
    "fetch_oa_centroids",
    "fetch_postcode_centroids",
    "is_centroid_csv_header",
    "oa_centroid_urls",
    "postcode_centroids_url",
    "read_centroid_csv",
]
