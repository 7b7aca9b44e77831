"""Electoral and administrative boundaries: read, validate, normalise.

Every boundary frame the rest of the project sees has the columns ``area_code``,
``area_name`` (and ``lad_code`` / ``lad_name`` when the source has them), ``geometry`` in
EPSG:27700, and ``attrs`` holding ``level``, ``vintage``, ``source`` and ``repairs``.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.config import (
    GB_EXTENT_27700,
    GSS_COUNTRY_LETTERS,
    GSS_ENTITIES,
    INVISIBLE,
    LEVELS,
    MAX_BOUNDARY_FILE_BYTES,
    MAX_VERTICES_PER_AREA,
    MAX_VERTICES_PER_FILE,
    SYNTHETIC_CODE_LETTER,
    UK_LATITUDE,
    UK_LONGITUDE,
)
from geo.errors import DataError, Problem, ProblemCollector
from geo.geometry.crs import to_working

MAX_UNZIPPED_BYTES = 500 * 1024 * 1024
"""A zipped shapefile that would unpack to more than this is refused (zip-bomb guard)."""
MAX_COMPRESSION_RATIO = 200
READABLE_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")

_VINTAGE = re.compile(r"^([A-Z]+)(\d{2})CD$", re.IGNORECASE)


def read_boundary_file(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoJSON, GeoPackage or zipped shapefile exactly as published.

    A GeoJSON file without a ``crs`` member is WGS84 longitude/latitude (RFC 7946); if its
    numbers are not longitudes and latitudes it is refused rather than guessed at. A ``crs``
    member naming a CRS that does not exist is refused (GDAL would silently read WGS84).

    Parameters
    ----------
    path
        The file.
    layer
        The layer of a GeoPackage, or the shapefile (its name, with or without ``.shp``) in a
        zip, when the file holds several: that is the person's choice, never guessed.

    Raises
    ------
    DataError
        If the file is missing, too large, unreadable, empty, holds several layers and none
        was chosen, has no or an unknown CRS, has coordinates that are not numbers or do not
        fit its CRS, has more vertices than the budget (:data:`MAX_VERTICES_PER_AREA`,
        :data:`MAX_VERTICES_PER_FILE`), or is a dangerous zip.
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise DataError.single(name, f"file not found at {path}")
    size = path.stat().st_size
    if size > MAX_BOUNDARY_FILE_BYTES:
        raise DataError.single(
            name,
            f"is {size / 1024**2:,.0f} MB; boundary files larger than "
            f"{MAX_BOUNDARY_FILE_BYTES / 1024**2:,.0f} MB are refused. Download the generalised "
            "(BGC) version or clip it to the county first",
        )
    suffix = path.suffix.lower()
    if suffix not in READABLE_SUFFIXES:
        raise DataError.single(
            name, f"is not a boundary file; expected one of {', '.join(READABLE_SUFFIXES)}"
        )
    source: str = str(path)
    if suffix == ".zip":
        source, layer = _zip_source(path, layer=layer)
    else:
        layer = _choose_layer(source, name, layer)
    try:
        with warnings.catch_warnings():
            # NaN/inf coordinates make shapely warn while decoding, and a code column holding
            # numbers among strings makes pyogrio warn: both are reported below as problems.
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            gdf = pyogrio.read_dataframe(source, layer=layer)
    except Exception as exc:  # pyogrio raises several GDAL error types
        detail = str(exc).replace(source, name).replace(str(path), name)
        raise DataError.single(name, f"could not be read as a boundary file ({detail})") from exc
    if len(gdf) == 0:
        raise DataError.single(name, "holds no features")
    if suffix in (".geojson", ".json"):
        _check_declared_crs(path, gdf)
    if gdf.crs is None:
        raise DataError.single(
            name,
            "has no coordinate reference system (no .prj or crs member); "
            "re-export it with one, such as EPSG:27700",
        )
    _check_vertex_budget(gdf, name)
    _check_coordinates_are_numbers(gdf, name)
    _check_numbers_fit_crs(gdf, name)
    return gdf


def _choose_layer(source: str, name: str, layer: str | None) -> str | None:
    """The layer to read: the only one, or the one the person chose (``--layer``)."""
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(source)]
    except Exception as exc:  # GDAL error types vary
        detail = str(exc).replace(source, name)
        raise DataError.single(name, f"could not be read as a boundary file ({detail})") from exc
    if layer is not None and layer not in names:
        raise DataError.single(
            name, f"has no layer {layer!r}; its layers are {', '.join(names)}", value=layer
        )
    if layer is None and len(names) > 1:
        raise DataError.single(
            name,
            f"holds {len(names)} layers ({', '.join(names)}); choose one with --layer NAME",
        )
    return layer


_GEOJSON_CRS = re.compile(
    rb'"crs"\s*:\s*\{\s*"type"\s*:\s*"name"\s*,\s*"properties"\s*:\s*\{\s*"name"\s*:\s*"([^"]*)"'
)
_CRS_HEAD_BYTES = 1 << 20


def _check_declared_crs(path: Path, gdf: gpd.GeoDataFrame) -> None:
    """Refuse a GeoJSON ``crs`` member GDAL could not honour (it falls back to WGS84 silently).

    Looks in the first MB, where every writer puts the member (after ``"type"``).
    """
    with path.open("rb") as fh:
        found = _GEOJSON_CRS.search(fh.read(_CRS_HEAD_BYTES))
    if found is None:
        return
    declared = found.group(1).decode("utf-8", "replace")
    try:
        crs = CRS.from_user_input(declared)
    except CRSError:
        crs = None
    if crs is None or gdf.crs is None or not crs.equals(gdf.crs, ignore_axis_order=True):
        raise DataError.single(
            path.name,
            "declares a coordinate reference system that does not exist or could not be read; "
            "re-export it with a real one such as EPSG:27700 or EPSG:4326",
            column="crs",
            value=declared,
        )


def _check_vertex_budget(gdf: gpd.GeoDataFrame, name: str) -> None:
    """Refuse geometry too large to validate in bounded time, before any GEOS work."""
    counts = shapely.get_num_coordinates(gdf.geometry.array)
    big = np.flatnonzero(counts > MAX_VERTICES_PER_AREA)
    if big.size:
        i = int(big[0])
        raise DataError.single(
            name,
            f"has an area with {int(counts[i]):,} vertices; at most {MAX_VERTICES_PER_AREA:,} "
            "per area are accepted. Download the generalised (BGC) version or simplify it first",
            row=i + 1,
            column="geometry",
        )
    total = int(counts.sum())
    if total > MAX_VERTICES_PER_FILE:
        raise DataError.single(
            name,
            f"has {total:,} vertices in all; at most {MAX_VERTICES_PER_FILE:,} per file are "
            "accepted. Download the generalised (BGC) version or clip it to the county first",
            column="geometry",
        )


def _check_coordinates_are_numbers(gdf: gpd.GeoDataFrame, name: str) -> None:
    """Refuse NaN or infinite coordinates, naming the first feature that has one."""
    coords, index = shapely.get_coordinates(gdf.geometry.array, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    if bad.any():
        rows = np.unique(index[bad])
        raise DataError(
            Problem(
                name,
                "has a coordinate that is not a finite number (NaN or infinity)",
                row=int(i) + 1,
                column="geometry",
            )
            for i in rows[:50]
        )


def _check_numbers_fit_crs(gdf: gpd.GeoDataFrame, name: str) -> None:
    """Refuse coordinates that cannot be in the file's CRS (metres labelled lon/lat, or back)."""
    bounds = shapely.bounds(gdf.geometry.array)
    with np.errstate(invalid="ignore"):
        lonlat_like = (np.abs(bounds[:, [0, 2]]) <= 180).all(axis=1) & (
            np.abs(bounds[:, [1, 3]]) <= 90
        ).all(axis=1)
    known = ~np.isnan(bounds).any(axis=1)
    crs = gdf.crs.to_string()
    if gdf.crs.is_geographic:
        wrong = known & ~lonlat_like
        reason = (
            f"are not longitude/latitude, but its CRS is {crs} (a GeoJSON file without a 'crs' "
            "member is WGS84 by RFC 7946); re-export it in WGS84, or with its real CRS such as "
            "EPSG:27700"
        )
    else:
        wrong = known & lonlat_like
        if not wrong.all():
            return  # a few small numbers near the grid origin can be real
        reason = (
            f"look like longitude/latitude, but its CRS is {crs} (metres); re-export it with "
            "its real CRS such as EPSG:4326"
        )
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise DataError.single(
            name,
            f"has coordinates such as ({bounds[i, 0]:.6g}, {bounds[i, 1]:.6g}) that {reason}",
            row=i + 1,
            column="geometry",
        )


def _zip_source(path: Path, *, layer: str | None) -> tuple[str, None]:
    """Check a zipped shapefile for bombs and odd paths; return the GDAL path to read.

    A zip holding several shapefiles needs ``layer`` (the chosen ``.shp``, by name).
    """
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise DataError.single(name, "is not a valid zip file") from exc
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
        raise DataError.single(
            name,
            f"would unpack to {total:,} bytes (ratio {total / packed:.0f}:1); refused as a "
            f"possible zip bomb (limit {MAX_UNZIPPED_BYTES:,} bytes, {MAX_COMPRESSION_RATIO}:1)",
        )
    for info in infos:
        member = info.filename
        parts = member.replace("\\", "/").split("/")
        if member.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", member):
            raise DataError.single(name, "holds a path outside the archive", value=member)
    shps = [i.filename for i in infos if i.filename.lower().endswith(".shp")]
    if not shps:
        raise DataError.single(name, "holds no .shp file")
    stems = {Path(s).stem: s for s in shps} | {Path(s).name: s for s in shps} | {s: s for s in shps}
    if layer is not None and layer not in stems:
        listed = ", ".join(Path(s).stem for s in shps)
        raise DataError.single(
            name, f"has no shapefile {layer!r}; its shapefiles are {listed}", value=layer
        )
    if layer is None and len(shps) > 1:
        listed = ", ".join(Path(s).stem for s in shps)
        raise DataError.single(
            name, f"holds {len(shps)} shapefiles ({listed}); choose one with --layer NAME"
        )
    return f"/vsizip/{path}/{stems[layer] if layer else shps[0]}", None


def _pick(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand.lower() in lower:
            return lower[cand.lower()]
    return None


def detect_level(gdf: gpd.GeoDataFrame) -> str | None:
    """Guess the level (``ced``/``ward``/``lad``) from the ONS field names, or ``None``."""
    for key, level in LEVELS.items():
        if _pick(list(gdf.columns), level.code_fields):
            return key
    return None


def normalise_boundaries(
    gdf: gpd.GeoDataFrame,
    *,
    source: str,
    level: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    synthetic: bool = False,
) -> gpd.GeoDataFrame:
    """Validate and normalise raw boundaries to ``area_code``, ``area_name``, ``geometry``.

    Invalid geometries are repaired with :func:`shapely.make_valid` and listed in
    ``attrs["repairs"]``; duplicate codes (also when they differ only in letter case), codes
    that are not GSS codes or are of another level (a ward or district code in ``CED25CD``),
    missing fields and non-polygon geometries are errors.

    Parameters
    ----------
    gdf
        Raw boundaries in any CRS (it must be set).
    source
        File or service name for messages and ``attrs["source"]``.
    level
        ``ced``, ``ward`` or ``lad``; detected from the ONS field names when omitted.
    code_field, name_field
        Override the fields holding the GSS code and the name.
    synthetic
        Made-up data: codes may use the synthetic country letter ``X`` (``X58000001``).
        Also true when ``gdf.attrs["synthetic"]`` is.

    Returns
    -------
    GeoDataFrame
        EPSG:27700, sorted by ``area_code``, with a fresh RangeIndex.
    """
    problems = ProblemCollector(source)
    level = level or detect_level(gdf)
    if level is not None and level not in LEVELS:
        raise ValueError(f"level must be one of {sorted(LEVELS)}, not {level!r}")
    cols = list(gdf.columns)
    code_field = code_field or (_pick(cols, LEVELS[level].code_fields) if level else None)
    name_field = name_field or (_pick(cols, LEVELS[level].name_fields) if level else None)
    if code_field is None or code_field not in cols:
        expected = (
            ", ".join(LEVELS[level].code_fields) if level else "a GSS code field (e.g. CED25CD)"
        )
        problems.add(f"no area code column; expected one of {expected}", column=code_field)
    if name_field is None or name_field not in cols:
        expected = ", ".join(LEVELS[level].name_fields) if level else "a name field (e.g. CED25NM)"
        guess = code_field[:-2] + "NM" if code_field and code_field.upper().endswith("CD") else None
        problems.add(f"no area name column; expected one of {expected}", column=name_field or guess)
    problems.raise_if_any()
    assert code_field is not None and name_field is not None

    synthetic = synthetic or bool(gdf.attrs.get("synthetic"))
    swapped = _looks_swapped(gdf)
    gdf = to_working(gdf, source=source).reset_index(drop=True)
    codes = gdf[code_field].astype("string").str.strip()
    _check_codes(codes, level=level, column=code_field, synthetic=synthetic, problems=problems)
    names = gdf[name_field].astype("string").str.strip()
    _check_names(names, codes, name_field, problems)
    geoms = gdf.geometry.array
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            problems.add("empty geometry", row=i + 1, column="geometry")
        elif geom.geom_type == "GeometryCollection" and not _polygonal(geom).is_empty:
            pass  # polygon parts plus stray lines/points: repaired below, and reported
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.add(
                f"geometry is a {geom.geom_type}; boundaries must be polygons",
                row=i + 1,
                column="geometry",
                value=codes.iloc[i],
            )
    if not problems.problems:
        _check_extent(geoms, codes, problems, swapped=swapped)
    problems.raise_if_any()

    repairs: list[str] = []
    collections = shapely.get_type_id(geoms) == shapely.GeometryType.GEOMETRYCOLLECTION
    if collections.any():
        geoms = geoms.copy()
        for i in np.flatnonzero(collections).tolist():
            geoms[i] = _polygonal(geoms[i])
            repairs.append(f"{codes.iloc[i]}: kept the polygon parts of a geometry collection")
    valid = shapely.is_valid(geoms)
    if not valid.all():
        fixed = shapely.make_valid(geoms[~valid])
        fixed = [_polygonal(g) for g in fixed]
        for code, reason in zip(codes[~valid], shapely.is_valid_reason(geoms[~valid]), strict=True):
            repairs.append(f"{code}: repaired invalid geometry ({reason})")
        geoms = geoms.copy()
        geoms[~valid] = fixed
    for i in np.flatnonzero(shapely.is_empty(geoms)).tolist():
        problems.add(
            "geometry has no area left after repair (a degenerate or zero-area polygon)",
            row=int(i) + 1,
            column="geometry",
            value=codes.iloc[i],
        )
    problems.raise_if_any()

    out = gpd.GeoDataFrame(
        {"area_code": codes.astype(str), "area_name": names.astype(str)},
        geometry=gpd.GeoSeries(geoms, crs=gdf.crs).values,
        crs=gdf.crs,
    )
    for extra in ("LAD25CD", "LAD24CD", "LAD23CD", "LAD13CD", "LAD11CD"):
        if extra in gdf.columns and level != "lad":
            out["lad_code"] = gdf[extra].astype(str).values
            break
    out = out.sort_values("area_code").reset_index(drop=True)
    out.attrs.update(
        level=level or "custom",
        vintage=_vintage(code_field),
        source=source,
        repairs=repairs,
    )
    return out


def _looks_swapped(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Per feature: lon/lat whose numbers fit the UK only with the axes swapped."""
    if gdf.crs is None or not gdf.crs.is_geographic:
        return np.zeros(len(gdf), dtype=bool)
    b = shapely.bounds(gdf.geometry.array)
    with np.errstate(invalid="ignore"):
        return (
            (b[:, 0] >= UK_LATITUDE[0]) & (b[:, 2] <= UK_LATITUDE[1])
            & (b[:, 1] >= UK_LONGITUDE[0]) & (b[:, 3] <= UK_LONGITUDE[1])
        )  # fmt: skip


def _check_codes(
    codes: pd.Series,
    *,
    level: str | None,
    column: str,
    synthetic: bool,
    problems: ProblemCollector,
) -> None:
    """Record empty, non-GSS, wrong-level and duplicate (also case-only) area codes."""
    blank = codes.isna() | (codes == "")
    for i in np.flatnonzero(blank.to_numpy()):
        problems.add("empty area code", row=int(i) + 1, column=column)
    letters = GSS_COUNTRY_LETTERS + (SYNTHETIC_CODE_LETTER if synthetic else "")
    gss = codes.str.fullmatch(rf"[{letters}][0-9]{{8}}").fillna(False).to_numpy(dtype=bool)
    for i in np.flatnonzero(~gss & ~blank.to_numpy()):
        code = str(codes.iat[i])
        hint = (
            " (an Excel formula: format the column as text before saving)"
            if code.startswith("=")
            else ""
        )
        problems.add(
            "is not a GSS area code (a letter E, W, S, N or K, then 8 digits, e.g. E58000001)"
            + hint,
            row=int(i) + 1,
            column=column,
            value=code,
        )
    if level is not None:
        allowed = LEVELS[level].code_prefixes
        entity = ("E" + codes.str[1:3]).where(codes.str[0] == SYNTHETIC_CODE_LETTER, codes.str[:3])
        wrong = gss & ~entity.isin(allowed).to_numpy(dtype=bool)
        for i in np.flatnonzero(wrong):
            code, kind = str(codes.iat[i]), str(entity.iat[i])
            problems.add(
                f"is a {GSS_ENTITIES.get(kind, 'different kind of')} code ({kind}), not a "
                f"{LEVELS[level].singular} code ({', '.join(allowed)})",
                row=int(i) + 1,
                column=column,
                value=code,
            )
    upper = codes.str.upper()
    seen: dict[str, int] = {}
    for i in np.flatnonzero((upper.duplicated(keep=False) & ~blank).to_numpy()):
        code, key = str(codes.iat[i]), str(upper.iat[i])
        first = seen.setdefault(key, int(i))
        if first == i:
            continue
        same = str(codes.iat[first]) == code
        reason = (
            "duplicate area code"
            if same
            else f"duplicate area code: differs only in letter case from row {first + 1}"
        )
        problems.add(reason, row=int(i) + 1, column=column, value=code)


FORBIDDEN_IN_NAMES = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters (NUL, line breaks, …) and bidirectional overrides/isolates: no real place
name holds one, and an override would re-order the text shown after it (spoofing)."""


def _check_names(
    names: pd.Series, codes: pd.Series, column: str, problems: ProblemCollector
) -> None:
    """Record every blank name and every name holding a control or bidi-override character."""
    text = names.fillna("")
    blank = text.str.replace(INVISIBLE, "", regex=True) == ""
    for i in np.flatnonzero(blank.to_numpy(dtype=bool)).tolist():
        problems.add(
            f"empty area name (area {codes.iloc[i]}); every area needs the name people know",
            row=int(i) + 1, column=column,
        )  # fmt: skip
    bad = ~blank & text.str.contains(FORBIDDEN_IN_NAMES, regex=True)
    for i in np.flatnonzero(bad.to_numpy(dtype=bool)).tolist():
        char = FORBIDDEN_IN_NAMES.search(str(text.iloc[i]))
        assert char is not None
        problems.add(
            f"area name holds the control character U+{ord(char.group(0)):04X}; names must be "
            "plain text (no NUL, line breaks or direction overrides)",
            row=int(i) + 1, column=column, value=text.iloc[i],
        )  # fmt: skip


def _check_extent(
    geoms: np.ndarray,
    codes: pd.Series,
    problems: ProblemCollector,
    *,
    swapped: np.ndarray,
) -> None:
    """Record every area (EPSG:27700) that is not finite or lies outside the UK."""
    min_x, min_y, max_x, max_y = GB_EXTENT_27700
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        inside = (
            (bounds[:, 0] >= min_x) & (bounds[:, 1] >= min_y)
            & (bounds[:, 2] <= max_x) & (bounds[:, 3] <= max_y)
        )  # fmt: skip
    for i in np.flatnonzero(~inside):
        cause = (
            "latitude and longitude look swapped (GeoJSON puts longitude first)"
            if swapped[i]
            else "the file's CRS is probably wrong"
        )
        problems.add(
            f"lies outside the UK in EPSG:27700 (bounds {np.round(bounds[i]).tolist()}); {cause}",
            row=int(i) + 1,
            column="geometry",
            value=codes.iloc[i],
        )


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygon parts of a repaired geometry (make_valid may add slivers of lines)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _vintage(code_field: str) -> str:
    match = _VINTAGE.match(code_field)
    return f"20{match.group(2)}" if match else "unknown"


def load_boundaries(
    path: str | Path,
    *,
    level: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    layer: str | None = None,
    synthetic: bool = False,
) -> gpd.GeoDataFrame:
    """Read and normalise a local boundary file (GeoJSON, GeoPackage or zipped shapefile)."""
    path = Path(path)
    raw = read_boundary_file(path, layer=layer)
    return normalise_boundaries(
        raw,
        source=path.name,
        level=level,
        code_field=code_field,
        name_field=name_field,
        synthetic=synthetic,
    )


def filter_to_codes(areas: gpd.GeoDataFrame, codes: set[str]) -> gpd.GeoDataFrame:
    """Keep the areas whose code is in ``codes`` (e.g. a county's divisions from the lookup)."""
    out = areas[areas["area_code"].isin(codes)].reset_index(drop=True)
    out.attrs = dict(areas.attrs)
    return out


__all__ = [
    "detect_level",
    "filter_to_codes",
    "load_boundaries",
    "normalise_boundaries",
    "read_boundary_file",
]
