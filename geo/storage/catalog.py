"""Processed open data on disk: one GeoPackage (``data/broadband.gpkg``) that opens in QGIS.

Layers
------
``areas_<level>``   boundaries (``area_code``, ``area_name``, ``lad_code``, geometry, EPSG:27700)
``coverage``        Ofcom rows in canonical columns, every release and file level imported
``postcodes``       postcode centroids (EPSG:27700 eastings/northings) from ONSPD / NSPL
``oa_centroids``    output-area centroids (from OA polygons or population-weighted centroids)
``imd``             IMD 2019 rank and decile per 2011 LSOA
``lsoa``            2011 LSOA polygons (``lsoa_code``, ``lsoa_name``, EPSG:27700)
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


@dataclass
class Catalog:
    """Everything imported so far, as loaded from the GeoPackage."""

    areas: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    coverage: pd.DataFrame | None = None
    postcodes: pd.DataFrame | None = None
    oa_centroids: pd.DataFrame | None = None
    imd: pd.DataFrame | None = None
    lsoa: gpd.GeoDataFrame | None = None
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
    return cat


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


def _import_premises_or_uprn(
    path: Path, catalog_path: str | Path, *, synthetic: bool
) -> str | None:
    """BDUK premises CSVs / zips and OS Open UPRN releases (:mod:`geo.storage.premises`)."""
    from geo.sources.bduk import is_premises_file
    from geo.sources.uprn import is_uprn_file
    from geo.storage import premises

    if is_uprn_file(path):
        return premises.import_uprn(path, catalog_path)
    if is_premises_file(path):
        cat = load_catalog(catalog_path)
        premises.import_premises(
            [path], catalog_path, areas=cat.areas, postcodes=cat.postcodes, synthetic=synthetic
        )
        return premises.PREMISES_LAYER
    return None


def import_file(path: str | Path, catalog_path: str | Path, *, synthetic: bool = False) -> str:
    """Import one hand-downloaded file, recognised by its content; returns what it became.

    Boundaries (GeoJSON / GeoPackage / zipped shapefile with ONS field names), output areas
    (``OA11CD``/``OA21CD``), LSOA polygons (``LSOA11CD``), IMD 2019 File 1 CSVs
    (``LSOA code (2011)``), Ofcom coverage CSVs, ONSPD / NSPL postcode CSVs, OS Open UPRN
    releases and BDUK "premises in BDUK plans" CSVs (or zips) are recognised.
    """
    from geo.sources.ofcom import read_coverage
    from geo.sources.postcodes import read_postcode_file  # local: keeps start-up light

    path = Path(path)
    suffix = path.suffix.lower()
    premises = _import_premises_or_uprn(path, catalog_path, synthetic=synthetic)
    if premises is not None:
        return premises
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
        return save_coverage(catalog_path, read_coverage(path), synthetic=synthetic)
    raise DataError.single(
        path.name, "is not a file this tool can import (.geojson, .gpkg, .zip, .csv)"
    )


__all__ = [
    "Catalog",
    "import_file",
    "load_catalog",
    "save_areas",
    "save_coverage",
    "save_imd",
    "save_lsoa",
    "save_oa_centroids",
    "save_postcodes",
]
