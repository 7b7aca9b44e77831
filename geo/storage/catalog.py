"""Processed open data on disk: one GeoPackage (``data/broadband.gpkg``) that opens in QGIS.

Layers
------
``areas_<level>``   boundaries (``area_code``, ``area_name``, ``lad_code``, geometry, EPSG:27700)
``coverage``        Ofcom rows in canonical columns, every release and file level imported
``postcodes``       postcode centroids (EPSG:27700 eastings/northings) from ONSPD / NSPL
``oa_centroids``    output-area centroids (from OA polygons or population-weighted centroids)
``imd``             IMD 2019 rank and decile per 2011 LSOA
``lsoa``            2011 LSOA polygons (``lsoa_code``, ``lsoa_name``, EPSG:27700)
``census_age``      Census 2021 residents and residents aged 65+ / 75+ per OA or LSOA
``mobile``          Ofcom mobile coverage per area (operator-count %), every release and level
``mobile_postcodes`` premises per postcode with indoor 4G per operator (Ofcom mobile API)
``risk_indicators`` council-held small-area indicators for the risk index (pension credit …)
``meta``            JSON facts per layer: source file, vintage, release, whether synthetic

Every import rewrites a copy of the file and swaps it in with :func:`os.replace`, so a failed
import leaves the previous catalogue as it was.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.config import LEVELS
from geo.errors import DataError
from geo.geometry.boundaries import detect_level, load_boundaries, read_boundary_file
from geo.geometry.crs import to_working
from geo.storage.atomic import swap_in, writer_lock

COVERAGE_LAYER = "coverage"
POSTCODES_LAYER = "postcodes"
OA_LAYER = "oa_centroids"
META_LAYER = "meta"
IMD_LAYER = "imd"
LSOA_LAYER = "lsoa"
CENSUS_LAYER = "census_age"
MOBILE_LAYER = "mobile"
MOBILE_PC_LAYER = "mobile_postcodes"
INDICATORS_LAYER = "risk_indicators"


@dataclass
class Catalog:
    """Everything imported so far, as loaded from the GeoPackage."""

    areas: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    coverage: pd.DataFrame | None = None
    postcodes: pd.DataFrame | None = None
    oa_centroids: pd.DataFrame | None = None
    imd: pd.DataFrame | None = None
    lsoa: gpd.GeoDataFrame | None = None
    census_age: pd.DataFrame | None = None
    mobile: pd.DataFrame | None = None
    mobile_postcodes: pd.DataFrame | None = None
    indicators: pd.DataFrame | None = None
    meta: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        """True when any loaded layer is synthetic demo data."""
        return any(bool(m.get("synthetic")) for m in self.meta.values())

    @property
    def releases(self) -> list[str]:
        """Ofcom releases imported, oldest first."""
        return [] if self.coverage is None else sorted(self.coverage["release"].unique())


def _areas_layer(level: str) -> str:
    return f"areas_{level}"


def load_catalog(path: str | Path) -> Catalog:
    """Read the catalogue; an absent file gives an empty :class:`Catalog`."""
    path = Path(path)
    cat = Catalog()
    if not path.exists():
        return cat
    layers = {name for name, _ in pyogrio.list_layers(path)}
    if META_LAYER in layers:
        meta = pyogrio.read_dataframe(path, layer=META_LAYER)
        cat.meta = {r.layer: json.loads(r.facts) for r in meta.itertuples()}
    for level in LEVELS:
        if _areas_layer(level) in layers:
            gdf = gpd.read_file(path, layer=_areas_layer(level), engine="pyogrio")
            gdf.attrs.update(cat.meta.get(_areas_layer(level), {}))
            cat.areas[level] = gdf
    if COVERAGE_LAYER in layers:
        cov = pyogrio.read_dataframe(path, layer=COVERAGE_LAYER)
        cov.attrs.update(cat.meta.get(COVERAGE_LAYER, {}))
        cat.coverage = cov
    if POSTCODES_LAYER in layers:
        cat.postcodes = pyogrio.read_dataframe(path, layer=POSTCODES_LAYER).set_index("postcode")
    if OA_LAYER in layers:
        cat.oa_centroids = pyogrio.read_dataframe(path, layer=OA_LAYER).set_index("oa_code")
    if IMD_LAYER in layers:
        cat.imd = pyogrio.read_dataframe(path, layer=IMD_LAYER)
    if LSOA_LAYER in layers:
        cat.lsoa = gpd.read_file(path, layer=LSOA_LAYER, engine="pyogrio")
    for layer, attr in _RISK_LAYERS.items():
        if layer in layers:
            frame = pyogrio.read_dataframe(path, layer=layer)
            frame.attrs.update(cat.meta.get(layer, {}))
            setattr(cat, attr, frame)
    if cat.mobile_postcodes is not None:
        cat.mobile_postcodes = cat.mobile_postcodes.set_index("postcode")
    return cat


_RISK_LAYERS = {
    CENSUS_LAYER: "census_age",
    MOBILE_LAYER: "mobile",
    MOBILE_PC_LAYER: "mobile_postcodes",
    INDICATORS_LAYER: "indicators",
}


_before_swap: Callable[[Path], None] | None = None
"""Tests only: called with the finished temporary copy just before it replaces the catalogue."""
_LOCK_TIMEOUT = 120.0


def _locked(
    path: Path, *, timeout: float = _LOCK_TIMEOUT
) -> contextlib.AbstractContextManager[None]:
    """Hold the catalogue's writer lock (``<catalogue>.lock``) and clear dead writers' copies.

    Imports read the catalogue, change a copy and swap it in; the lock makes concurrent imports
    take turns so none is lost.
    """
    return writer_lock(path, timeout=timeout)


def _write(
    path: Path, updates: dict[str, pd.DataFrame], meta: dict[str, dict[str, object]]
) -> None:
    """Write ``updates`` (layer → frame) and merged ``meta`` to a copy, then swap it in.

    Call only while holding :func:`_locked`. Readers see the old file or the new one, never a
    half-written one; a writer killed before the swap leaves the old file untouched.
    """

    def write(tmp: Path) -> None:
        for layer, frame in updates.items():
            if isinstance(frame, gpd.GeoDataFrame):
                frame.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio")
            else:
                pyogrio.write_dataframe(frame, tmp, layer=layer, driver="GPKG")
        old = load_catalog(path).meta if path.exists() else {}
        merged = {**old, **meta}
        facts = [json.dumps(v, default=str) for v in merged.values()]
        table = pd.DataFrame({"layer": list(merged), "facts": facts})
        pyogrio.write_dataframe(table, tmp, layer=META_LAYER, driver="GPKG")

    swap_in(path, write, before_swap=_before_swap)


def save_areas(path: str | Path, areas: gpd.GeoDataFrame, *, synthetic: bool = False) -> str:
    """Store normalised boundaries as ``areas_<level>``; returns the layer name."""
    level = str(areas.attrs.get("level"))
    if level not in LEVELS:
        raise ValueError(f"areas must have attrs['level'] in {sorted(LEVELS)}, not {level!r}")
    layer = _areas_layer(level)
    facts = {k: areas.attrs.get(k) for k in ("level", "vintage", "source", "repairs")}
    facts["synthetic"] = synthetic or bool(areas.attrs.get("synthetic"))
    with _locked(Path(path)):
        _write(Path(path), {layer: areas}, {layer: facts})
    return layer


def save_coverage(path: str | Path, coverage: pd.DataFrame, *, synthetic: bool = False) -> str:
    """Add one Ofcom file's rows to ``coverage``, replacing rows of the same release and level."""
    path = Path(path)
    with _locked(path):
        level = coverage.attrs["level"]
        new = coverage.assign(level=level, source=coverage.attrs.get("source", ""))
        old = load_catalog(path).coverage
        if old is not None:
            keep = ~(old["release"].isin(new["release"].unique()) & (old["level"] == level))
            new = pd.concat([old[keep], new], ignore_index=True)
        meta = load_catalog(path).meta.get(COVERAGE_LAYER, {}) if path.exists() else {}
        sources = dict(meta.get("count_source_by_file", {}))  # type: ignore[call-overload]
        sources[str(coverage.attrs.get("source"))] = coverage.attrs.get("count_source", {})
        facts = {
            "count_source_by_file": sources,
            "synthetic": synthetic or bool(meta.get("synthetic")),
        }
        _write(path, {COVERAGE_LAYER: new}, {COVERAGE_LAYER: facts})
    return COVERAGE_LAYER


def save_postcodes(
    path: str | Path, lookup: pd.DataFrame, *, source: str, synthetic: bool = False
) -> str:
    """Store a postcode lookup (index: postcode) as ``postcodes``."""
    frame = lookup.reset_index(names="postcode")
    facts = {POSTCODES_LAYER: {"source": source, "synthetic": synthetic}}
    with _locked(Path(path)):
        _write(Path(path), {POSTCODES_LAYER: frame}, facts)
    return POSTCODES_LAYER


def save_oa_centroids(path: str | Path, oas: gpd.GeoDataFrame, *, source: str) -> str:
    """Store OA centroids (a representative point for polygons) as ``oa_centroids``."""
    oas = to_working(oas, source=source)
    code_col = next((c for c in oas.columns if c.upper() in ("OA11CD", "OA21CD")), None)
    if code_col is None:
        raise DataError.single(source, "has no OA11CD or OA21CD column", column="OA11CD")
    polygons = (oas.geom_type != "Point").any()
    pts = oas.geometry.representative_point() if polygons else oas.geometry
    frame = pd.DataFrame(
        {"oa_code": oas[code_col].astype(str), "easting": pts.x, "northing": pts.y}
    )
    with _locked(Path(path)):
        _write(Path(path), {OA_LAYER: frame}, {OA_LAYER: {"source": source}})
    return OA_LAYER


def save_imd(path: str | Path, imd: pd.DataFrame, *, source: str) -> str:
    """Store IMD 2019 ranks per LSOA (from :func:`geo.sources.imd.read_imd`) as ``imd``."""
    _write(Path(path), {IMD_LAYER: imd}, {IMD_LAYER: {"source": source, "vintage": "IoD2019"}})
    return IMD_LAYER


def save_lsoa(path: str | Path, lsoa: gpd.GeoDataFrame, *, source: str) -> str:
    """Store LSOA polygons (from :func:`geo.sources.imd.lsoa_polygons`) as ``lsoa``."""
    _write(Path(path), {LSOA_LAYER: lsoa}, {LSOA_LAYER: {"source": source}})
    return LSOA_LAYER


def save_census_age(path: str | Path, ages: pd.DataFrame, *, synthetic: bool = False) -> str:
    """Store Census 2021 ages (:func:`geo.sources.census.read_census_age`) as ``census_age``."""
    facts = {k: ages.attrs.get(k) for k in ("source", "table", "layout", "vintage")}
    facts["synthetic"] = synthetic
    with _locked(Path(path)):
        _write(Path(path), {CENSUS_LAYER: ages}, {CENSUS_LAYER: facts})
    return CENSUS_LAYER


def save_mobile(path: str | Path, mobile: pd.DataFrame, *, synthetic: bool = False) -> str:
    """Add one Ofcom mobile area file (:func:`geo.sources.mobile.read_mobile_coverage`) to
    ``mobile``, replacing rows of the same release and level."""
    path = Path(path)
    with _locked(path):
        level = mobile.attrs["level"]
        new = mobile.assign(level=level, source=mobile.attrs.get("source", ""))
        old = load_catalog(path).mobile
        if old is not None:
            keep = ~(old["release"].isin(new["release"].unique()) & (old["level"] == level))
            new = pd.concat([old[keep], new], ignore_index=True)
        meta = load_catalog(path).meta.get(MOBILE_LAYER, {}) if path.exists() else {}
        facts = {"synthetic": synthetic or bool(meta.get("synthetic")),
                 "source": mobile.attrs.get("source")}  # fmt: skip
        _write(path, {MOBILE_LAYER: new}, {MOBILE_LAYER: facts})
    return MOBILE_LAYER


def save_mobile_postcodes(
    path: str | Path, counts: pd.DataFrame, *, synthetic: bool = False
) -> str:
    """Store premises per postcode from the mobile API (:func:`geo.sources.mobile.
    mobile_by_postcode`) as ``mobile_postcodes``; postcodes already stored are replaced."""
    path = Path(path)
    with _locked(path):
        old = load_catalog(path).mobile_postcodes
        kept = None if old is None else old.drop(counts.index, errors="ignore")
        new = counts if kept is None else pd.concat([kept, counts])
        facts = {k: counts.attrs.get(k) for k in ("source", "release")}
        facts["synthetic"] = synthetic
        frame = new.reset_index(names="postcode")
        _write(path, {MOBILE_PC_LAYER: frame}, {MOBILE_PC_LAYER: facts})
    return MOBILE_PC_LAYER


def save_indicators(path: str | Path, table: pd.DataFrame, *, synthetic: bool = False) -> str:
    """Store council-held indicators (:func:`geo.sources.indicators.read_indicators`) as
    ``risk_indicators``."""
    facts = {"source": table.attrs.get("source"), "synthetic": synthetic,
             "indicators": table.attrs.get("indicators")}  # fmt: skip
    with _locked(Path(path)):
        _write(Path(path), {INDICATORS_LAYER: table}, {INDICATORS_LAYER: facts})
    return INDICATORS_LAYER


def import_file(path: str | Path, catalog_path: str | Path, *, synthetic: bool = False) -> str:
    """Import one hand-downloaded file, recognised by its content; returns what it became.

    Boundaries (GeoJSON / GeoPackage / zipped shapefile with ONS field names), output areas
    (``OA11CD``/``OA21CD``), LSOA polygons (``LSOA11CD``), IMD 2019 File 1 CSVs
    (``LSOA code (2011)``), Ofcom coverage CSVs and ONSPD / NSPL postcode CSVs are recognised;
    so are Census 2021 TS007 / TS007A age tables, Ofcom mobile coverage area CSVs and mobile
    API JSON, and council indicator CSVs for the risk index.
    """
    from geo.sources.ofcom import read_coverage
    from geo.sources.postcodes import read_postcode_file  # local: keeps start-up light

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json" and b'"Availability"' in path.read_bytes()[:65536]:
        from geo.sources.mobile import mobile_by_postcode, read_mobile_api

        counts = mobile_by_postcode(read_mobile_api(path))
        return save_mobile_postcodes(catalog_path, counts, synthetic=synthetic)
    if suffix in (".geojson", ".json", ".gpkg", ".zip", ".shp"):
        raw = read_boundary_file(path)
        if any(c.upper() in ("OA11CD", "OA21CD") for c in raw.columns):
            return save_oa_centroids(catalog_path, raw, source=path.name)
        if any(c.upper() in ("LSOA11CD", "LSOA21CD") for c in raw.columns):
            from geo.sources.imd import lsoa_polygons

            return save_lsoa(catalog_path, lsoa_polygons(raw, source=path.name), source=path.name)
        if detect_level(raw) is None:
            raise DataError.single(
                path.name, "has no ONS area code field (CEDnnCD, WDnnCD, LADnnCD or OAnnCD)"
            )
        return save_areas(catalog_path, load_boundaries(path), synthetic=synthetic)
    if suffix in (".csv", ".txt"):
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8-sig", errors="replace").lower()
        first = head.splitlines()[0] if head else ""
        if any(k in first for k in ("east1m", "oseast1m")):
            lookup = read_postcode_file(path, filename=path.name)
            return save_postcodes(catalog_path, lookup, source=path.name, synthetic=synthetic)
        from geo.sources.imd import is_imd_header, read_imd

        if is_imd_header(first):
            return save_imd(catalog_path, read_imd(path), source=path.name)
        risk = _import_risk_csv(path, first, catalog_path, synthetic=synthetic)
        if risk is not None:
            return risk
        return save_coverage(catalog_path, read_coverage(path), synthetic=synthetic)
    raise DataError.single(
        path.name, "is not a file this tool can import (.geojson, .gpkg, .zip, .csv)"
    )


def _import_risk_csv(
    path: Path, first: str, catalog_path: str | Path, *, synthetic: bool
) -> str | None:
    """Census ages, Ofcom mobile area files and council indicators; ``None`` for other CSVs."""
    from geo.sources.census import is_census_age_header, read_census_age
    from geo.sources.indicators import is_indicator_header, read_indicators
    from geo.sources.mobile import is_mobile_header, read_mobile_coverage

    if is_census_age_header(first):
        return save_census_age(catalog_path, read_census_age(path), synthetic=synthetic)
    if is_mobile_header(first):
        return save_mobile(catalog_path, read_mobile_coverage(path), synthetic=synthetic)
    if is_indicator_header(first):
        return save_indicators(catalog_path, read_indicators(path), synthetic=synthetic)
    return None


__all__ = [
    "Catalog",
    "import_file",
    "load_catalog",
    "save_areas",
    "save_census_age",
    "save_coverage",
    "save_imd",
    "save_indicators",
    "save_lsoa",
    "save_mobile",
    "save_mobile_postcodes",
    "save_oa_centroids",
    "save_postcodes",
]
