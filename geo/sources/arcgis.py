"""ONS Open Geography Portal client: ArcGIS FeatureServer queries, paged and cached.

Queries ask for Esri JSON (``f=json``), not GeoJSON: Esri JSON states its coordinate system
in ``spatialReference`` (``wkid``/``latestWkid``), so ``outSR=27700`` comes back in British
National Grid and labelled as such, whereas GeoJSON output has no CRS member to check.
Paging follows the REST API: ``resultOffset``/``resultRecordCount`` until the top-level
``exceededTransferLimit`` is false or absent. Polygons are Esri ``rings``: clockwise rings
are outer rings and counter-clockwise rings are holes.

Every page goes through :func:`geo.sources.download.fetch`, so each is cached under a key that
includes the whole query; a page that fails (an ``{"error": …}`` body sent with HTTP 200,
bad JSON, no ``features``, features without the asked-for fields) raises
:class:`~geo.errors.DownloadError` and removes every page of that query from the cache.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import requests
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import LinearRing, MultiPolygon, Point, Polygon
from tqdm import tqdm

from geo.config import BOUNDARY_SERVICES, LEVELS, WARD_CED_LOOKUP_SERVICE
from geo.errors import DataError, DownloadError, Problem
from geo.geometry.boundaries import normalise_boundaries
from geo.geometry.crs import require_same_crs
from geo.sources.download import display_url, fetch, fetch_json, read_json

MAX_PAGES = 500
"""A query that still says ``exceededTransferLimit`` after this many pages is an error."""
IN_CHUNK = 100
"""Codes per ``… IN (…)`` clause: keeps each query URL well under 2,000 characters."""
LOOKUP_COUNTY_FIELD = "CTY25CD"
"""The county code field of the ward → LAD → county → CED lookup (May 2025)."""

_GSS_CODE = re.compile(r"^[EKLMNSW]\d{8}$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def query_features(
    layer_url: str,
    *,
    where: str = "1=1",
    out_fields: str = "*",
    cache_dir: str | Path,
    page_size: int = 2000,
    out_sr: int = 27700,
    session: requests.Session | None = None,
    return_geometry: bool = True,
    distinct: bool = False,
    order_by: str | None = None,
    required_fields: Sequence[str] = (),
    envelope: tuple[float, float, float, float] | None = None,
    timeout: float = 30,
    retries: int = 4,
    progress: str | None = None,
) -> gpd.GeoDataFrame:
    """Every feature of a FeatureServer layer that matches ``where``, all pages assembled.

    Parameters
    ----------
    layer_url
        The layer, e.g. ``…/CED_MAY_2025_EN_BGC/FeatureServer/0`` (``/query`` is added).
    where, out_fields, order_by
        The SQL filter, comma-separated fields (``*`` for all) and ``orderByFields``.
    cache_dir
        Download cache; each page is cached with the full query in its key.
    page_size
        ``resultRecordCount`` per request (the service caps it at its ``maxRecordCount``).
    out_sr
        EPSG code to ask for; the returned ``spatialReference`` sets the CRS either way.
    return_geometry, distinct
        ``returnGeometry`` and ``returnDistinctValues`` (a lookup table needs no geometry).
    required_fields
        Fields every feature must have; defaults to ``out_fields`` unless that is ``*``.
        A missing field means the upstream schema changed.
    envelope
        ``(min x, min y, max x, max y)`` in ``out_sr``: only features intersecting this box
        (``geometryType=esriGeometryEnvelope``, ``spatialRel=esriSpatialRelIntersects``).
    progress
        A label for a tqdm bar counting the features received (no bar when ``None``).

    Returns
    -------
    GeoDataFrame
        One row per feature with its attributes, in the service's order, with a fresh
        RangeIndex; ``geometry`` in the returned spatial reference (all ``None`` and no CRS
        when ``return_geometry`` is false).

    Raises
    ------
    DownloadError
        Naming the query URL and what went wrong; nothing of this query stays cached.
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, not {page_size}")
    required = tuple(required_fields) or (
        () if out_fields.strip() == "*" else tuple(f.strip() for f in out_fields.split(","))
    )
    query_url = layer_url.rstrip("/") + "/query"
    base: dict[str, object] = {
        "where": where,
        "outFields": out_fields,
        "returnGeometry": return_geometry,
        "outSR": out_sr,
        "resultRecordCount": page_size,
        "f": "json",
    }
    if distinct:
        base["returnDistinctValues"] = True
    if order_by:
        base["orderByFields"] = order_by
    if envelope is not None:
        base.update(
            geometry=",".join(f"{v:.0f}" if out_sr == 27700 else f"{v:.6f}" for v in envelope),
            geometryType="esriGeometryEnvelope",
            inSR=out_sr,
            spatialRel="esriSpatialRelIntersects",
        )

    bar = tqdm(unit="feature", desc=progress, disable=progress is None)
    pages: list[Path] = []
    records: list[dict[str, Any]] = []
    geoms: list[shapely.Geometry | None] = []
    crs: CRS | None = None
    offset = 0
    try:
        for _ in range(MAX_PAGES):
            params = {**base, "resultOffset": offset}
            shown = display_url(query_url, params)

            def check(path: Path, shown: str = shown) -> None:
                _parse_page(read_json(path, url=shown), shown, required, return_geometry)

            path = fetch(
                query_url,
                params=params,
                cache_dir=cache_dir,
                session=session,
                validate=check,
                suffix=".json",
                timeout=timeout,
                retries=retries,
            )
            pages.append(path)
            page = _parse_page(read_json(path, url=shown), shown, required, return_geometry)
            if crs is not None and page.crs is not None and not page.crs.equals(crs):
                raise DownloadError(
                    f"{shown}: spatial reference changed between pages ({crs} then {page.crs})"
                )
            crs = crs or page.crs
            records += page.records
            geoms += page.geoms
            bar.update(len(page.records))
            if not page.exceeded:
                break
            offset += len(page.records) or page_size
        else:
            raise DownloadError(
                f"{display_url(query_url, base)}: still exceededTransferLimit after "
                f"{MAX_PAGES} pages of {page_size}; refusing to page further"
            )
    except BaseException:
        for path in pages:
            path.unlink(missing_ok=True)
        raise
    finally:
        bar.close()

    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=list(required))
    return gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries(geoms, index=frame.index, crs=crs), crs=crs
    )


def county_area_codes(
    lookup_url: str,
    county_code: str,
    *,
    code_field: str = "CED25CD",
    county_field: str = LOOKUP_COUNTY_FIELD,
    cache_dir: str | Path,
    session: requests.Session | None = None,
    page_size: int = 2000,
) -> list[str]:
    """The sorted, distinct ``code_field`` values of one county in the ward→CED lookup.

    The lookup (:data:`geo.config.WARD_CED_LOOKUP_SERVICE`) has one row per ward with
    ``WD25CD``, ``LAD25CD``, ``CTY25CD`` and ``CED25CD`` (and names), so the county's
    divisions, wards or districts are its distinct ``CED25CD``, ``WD25CD`` or ``LAD25CD``.

    Raises
    ------
    ValueError
        If ``county_code`` is not a GSS code or a field name is not a plain identifier.
    DataError
        If the lookup has no rows for the county.
    DownloadError
        If the service fails or returns codes that are not GSS codes.
    """
    if not _GSS_CODE.match(county_code):
        raise ValueError(f"county_code must be a GSS code such as 'E10000020', not {county_code!r}")
    for name, value in (("code_field", code_field), ("county_field", county_field)):
        if not _FIELD.match(value):
            raise ValueError(f"{name} must be a field name such as 'CED25CD', not {value!r}")
    rows = query_features(
        lookup_url,
        where=f"{county_field} = '{county_code}'",
        out_fields=code_field,
        cache_dir=cache_dir,
        page_size=page_size,
        session=session,
        return_geometry=False,
        distinct=True,
        order_by=f"{code_field} ASC",
    )
    values = [str(v).strip() for v in rows[code_field] if pd.notna(v)] if len(rows) else []
    bad = sorted({v for v in values if not _GSS_CODE.match(v)})
    if bad:
        raise DownloadError(
            f"{layer_name(lookup_url)}: {code_field} holds values that are not GSS codes "
            f"({', '.join(map(repr, bad[:5]))}); the lookup's schema may have changed"
        )
    codes = sorted(set(values))
    if not codes:
        raise DataError.single(
            layer_name(lookup_url),
            f"has no {code_field} rows for this county; check it is a county code (E10…) "
            "that the lookup covers",
            column=county_field,
            value=county_code,
        )
    return codes


def fetch_county_boundaries(
    county_code: str,
    *,
    level: str = "ced",
    cache_dir: str | Path,
    base_urls: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
    chunk_size: int = IN_CHUNK,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """One county's divisions (or wards, or districts) from the ONS Open Geography Portal.

    The boundary layers have no county field, so the county's codes come from the ward→CED
    lookup first; the boundary layer is then queried ``<code field> IN (…)`` in chunks.

    Parameters
    ----------
    county_code
        GSS county code, e.g. ``E10000020`` (Norfolk).
    level
        ``ced`` (county electoral divisions, default), ``ward`` or ``lad``.
    base_urls
        Overrides for the layer URLs, keyed ``lookup``, ``ced``, ``ward``, ``lad``
        (defaults: :data:`geo.config.WARD_CED_LOOKUP_SERVICE`, :data:`BOUNDARY_SERVICES`).

    Returns
    -------
    GeoDataFrame
        As :func:`geo.geometry.boundaries.normalise_boundaries`: ``area_code``, ``area_name``,
        ``geometry`` in EPSG:27700, sorted by code; ``attrs`` holds ``level``, ``vintage``,
        ``source``, ``repairs``, ``county_code`` and ``source_url``.

    Raises
    ------
    DataError
        If the lookup knows no such county, or the boundary layer lacks some of its codes.
    DownloadError
        If a query fails (see :func:`query_features`).
    """
    if level not in LEVELS or level not in BOUNDARY_SERVICES:
        raise ValueError(f"level must be one of {sorted(BOUNDARY_SERVICES)}, not {level!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    urls = {"lookup": WARD_CED_LOOKUP_SERVICE, **BOUNDARY_SERVICES, **(base_urls or {})}
    code_field, name_field = LEVELS[level].code_fields[0], LEVELS[level].name_fields[0]
    codes = county_area_codes(
        urls["lookup"], county_code, code_field=code_field, cache_dir=cache_dir, session=session
    )
    frames = []
    bar = tqdm(total=len(codes), unit="area", desc=f"{level} boundaries", disable=not progress)
    for start in range(0, len(codes), chunk_size):
        chunk = codes[start : start + chunk_size]
        listed = ",".join(f"'{c}'" for c in chunk)
        frames.append(
            query_features(
                urls[level],
                where=f"{code_field} IN ({listed})",
                out_fields=f"{code_field},{name_field}",
                cache_dir=cache_dir,
                session=session,
                order_by=f"{code_field} ASC",
            )
        )
        bar.update(len(chunk))
    bar.close()
    require_same_crs(
        *frames, names=tuple(f"{urls[level]} chunk {i + 1}" for i in range(len(frames)))
    )
    raw = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    source = layer_name(urls[level])
    got = set(raw[code_field].astype(str))
    problems = [
        Problem(
            source,
            f"the lookup lists this {LEVELS[level].singular} but the boundary "
            "layer returned no polygon for it",
            column=code_field,
            value=code,
        )
        for code in codes
        if code not in got
    ] + [
        Problem(source, "returned a code that was not asked for", column=code_field, value=code)
        for code in sorted(got - set(codes))
    ]
    if problems:
        raise DataError(problems)
    out = normalise_boundaries(
        raw, source=source, level=level, code_field=code_field, name_field=name_field
    )
    out.attrs.update(county_code=county_code, source_url=urls[level])
    return out


def layer_fields(
    layer_url: str,
    *,
    cache_dir: str | Path,
    session: requests.Session | None = None,
    require: Callable[[list[str]], object] | None = None,
) -> list[str]:
    """The field names of a FeatureServer layer, from its own description (``?f=json``).

    Services whose field names carry a boundary year (the ONS Postcode Directory's
    ``LAD25CD`` became ``LAD26CD``) are queried with the names they have today.

    ``require(names)`` may reject the fields (raising :class:`DownloadError`); a rejected
    description is not cached.

    Raises
    ------
    DownloadError
        If the description is an ArcGIS error or lists no fields.
    """
    url = layer_url.rstrip("/")
    shown = display_url(url, {"f": "json"})

    def check(data: Any) -> None:
        if not isinstance(data, dict):
            raise DownloadError(f"{shown}: expected a JSON object, got {type(data).__name__}")
        if "error" in data:
            _parse_page(data, shown, (), False)  # raises the ArcGIS error
        fields = data.get("fields")
        if not isinstance(fields, list) or not all(isinstance(f, dict) for f in fields):
            raise DownloadError(
                f"{shown}: upstream schema change: the layer description has no 'fields' list"
            )
        if require is not None:
            require([str(f.get("name")) for f in fields])

    data = fetch_json(url, params={"f": "json"}, cache_dir=cache_dir, session=session,
                      validate=check)  # fmt: skip
    return [str(f.get("name")) for f in data["fields"]]


def layer_name(layer_url: str) -> str:
    """A short name for a layer in messages: ``<service>/FeatureServer/<n>``."""
    parts = [p for p in layer_url.rstrip("/").split("/") if p]
    return "/".join(parts[-3:]) if len(parts) >= 3 else layer_url


# --- one page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Page:
    records: list[dict[str, Any]]
    geoms: list[shapely.Geometry | None]
    crs: CRS | None
    exceeded: bool


def _parse_page(data: Any, shown: str, required: Sequence[str], with_geometry: bool) -> _Page:
    """Check one Esri JSON query page and turn it into records and shapely geometries."""
    if not isinstance(data, dict):
        raise DownloadError(f"{shown}: expected a JSON object, got {type(data).__name__}")
    if "error" in data:
        err = data["error"] if isinstance(data["error"], dict) else {"message": data["error"]}
        details = "; ".join(str(d) for d in err.get("details") or [] if d)
        raise DownloadError(
            f"{shown}: ArcGIS error {err.get('code', '?')}: {err.get('message', 'no message')}"
            + (f" ({details})" if details else "")
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise DownloadError(
            f"{shown}: upstream schema change: no 'features' list in the response "
            f"(keys: {', '.join(sorted(data)) or 'none'})"
        )
    crs = _crs(data.get("spatialReference"), shown) if with_geometry and features else None
    geometry_type = data.get("geometryType")
    records: list[dict[str, Any]] = []
    geoms: list[shapely.Geometry | None] = []
    missing: dict[str, int] = {}
    for i, feature in enumerate(features):
        attrs = feature.get("attributes") if isinstance(feature, dict) else None
        if not isinstance(attrs, dict):
            raise DownloadError(
                f"{shown}: upstream schema change: feature {i + 1} has no 'attributes' object"
            )
        for name in required:
            if name not in attrs:
                missing.setdefault(name, i + 1)
        records.append(attrs)
        if with_geometry:
            try:
                geoms.append(_geometry(feature.get("geometry"), geometry_type))
            except (TypeError, ValueError, KeyError, IndexError) as exc:
                raise DownloadError(
                    f"{shown}: feature {i + 1} has a malformed {geometry_type} geometry ({exc})"
                ) from exc
        else:
            geoms.append(None)
    if missing:
        listed = ", ".join(f"'{k}' (first missing at feature {n})" for k, n in missing.items())
        raise DownloadError(
            f"{shown}: upstream schema change: features lack the expected field(s) {listed}; "
            f"fields present: {', '.join(records[0]) if records else 'none'}"
        )
    return _Page(records, geoms, crs, bool(data.get("exceededTransferLimit", False)))


def _crs(spatial_reference: Any, shown: str) -> CRS:
    """The CRS of a page from ``spatialReference``; none is an error, never a guess."""
    sr = spatial_reference if isinstance(spatial_reference, dict) else {}
    try:
        if sr.get("latestWkid"):
            return CRS.from_epsg(int(sr["latestWkid"]))
        if sr.get("wkid"):
            wkid = int(sr["wkid"])
            try:
                return CRS.from_epsg(wkid)
            except CRSError:
                return CRS.from_user_input(f"ESRI:{wkid}")
        if sr.get("wkt"):
            return CRS.from_wkt(str(sr["wkt"]))
    except (CRSError, TypeError, ValueError) as exc:
        raise DownloadError(f"{shown}: unknown spatialReference {sr!r} ({exc})") from exc
    raise DownloadError(
        f"{shown}: upstream schema change: no spatialReference with features; "
        "refusing to guess the coordinate system"
    )


def _geometry(geom: Any, geometry_type: str | None) -> shapely.Geometry | None:
    """Esri JSON geometry → shapely (``None`` stays ``None``)."""
    if not geom:
        return None
    if "rings" in geom:
        return _polygon(geom["rings"])
    if "x" in geom:
        if geom["x"] is None or geom["x"] == "NaN":
            return None
        return Point(float(geom["x"]), float(geom["y"]))
    raise ValueError(
        f"unsupported geometry with keys {sorted(geom)} (geometryType {geometry_type})"
    )


def _polygon(rings: list[list[list[float]]]) -> Polygon | MultiPolygon | None:
    """Esri rings → (Multi)Polygon: clockwise rings are shells, counter-clockwise are holes.

    A counter-clockwise ring inside no shell is taken as a shell (wrongly wound data).
    """
    shells: list[LinearRing] = []
    holes: list[LinearRing] = []
    for ring in rings:
        lr = LinearRing([(float(p[0]), float(p[1])) for p in ring])
        (holes if lr.is_ccw else shells).append(lr)
    groups: list[tuple[Polygon, list[LinearRing]]] = [(Polygon(s), []) for s in shells]
    for hole in holes:
        inside = [
            (g.area, j)
            for j, (g, _) in enumerate(groups)
            if g.contains(Polygon(hole).representative_point())
        ]
        if inside:
            groups[min(inside)[1]][1].append(hole)
        else:
            groups.append((Polygon(hole), []))
    polys = [Polygon(shell.exterior, inner) for shell, inner in groups]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


__all__ = [
    "IN_CHUNK",
    "LOOKUP_COUNTY_FIELD",
    "MAX_PAGES",
    "county_area_codes",
    "fetch_county_boundaries",
    "layer_fields",
    "layer_name",
    "query_features",
]
