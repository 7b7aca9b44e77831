"""A county's OA and postcode centroids from the ONS Open Geography Portal.

* OA population-weighted centroids (PWC), 2011 and 2021 (:data:`geo.config.OA_CENTROID_LAYERS`):
  the layers have no county field, so the county's districts are fetched first (ward → CED
  lookup, then the district boundaries) and the PWC layer is queried for the box around them;
  centroids inside the districts (or within :data:`geo.config.SNAP_TOLERANCE_M` of them) are kept.
* Postcode centroids (:data:`geo.config.POSTCODE_CENTROIDS_LAYER`, the ONS Postcode Directory):
  queried ``<district field> IN (…)`` for the county's districts. The directory renames its
  fields every year, so their names are read from the layer's own description.

Everything goes through :func:`geo.sources.arcgis.query_features` (paged, cached, checked).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import requests
import shapely

from geo.config import (
    LEVELS,
    OA_CENTROID_LAYERS,
    OA_CODE_FIELDS,
    ONS_ARCGIS_ROOT,
    POSTCODE_CENTROIDS_LAYER,
    SNAP_TOLERANCE_M,
    WARD_CED_LOOKUP_SERVICE,
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


__all__ = [
    "fetch_oa_centroids",
    "fetch_postcode_centroids",
    "oa_centroid_urls",
    "postcode_centroids_url",
]
