"""Processed open data on disk: one GeoPackage (``data/broadband.gpkg``) that opens in QGIS.

Layers
------
``areas_<level>``   boundaries (``area_code``, ``area_name``, ``lad_code``, geometry, EPSG:27700)
``coverage``        Ofcom rows in canonical columns, every release and file level imported
``coverage_residential``  the same from Ofcom's ``_res_`` files (residential premises only)
``coverage_pct``    Ofcom percentages from files without premises counts (postcode files since
                    2024, the 2016 LA file): each row is that postcode's or district's own
                    figure, never summed or averaged into an area
``postcodes``       postcode centroids (EPSG:27700 eastings/northings) from ONSPD / NSPL
``oa_centroids``    output-area centroids per census vintage (``vintage``) and kind (``kind``:
                    ONS population-weighted centroids, or OA polygons' representative points)
``imd``             IMD rank and decile (IMD 2019 per 2011 LSOA or IoD 2025 per 2021 LSOA)
``lsoa``            2011 or 2021 LSOA polygons (``lsoa_code``, ``lsoa_name``, EPSG:27700)
``census_age``      Census 2021 residents and residents aged 65+ / 75+ per OA or LSOA
``mobile``          Ofcom mobile coverage per area (operator-count %), every release and level
``mobile_postcodes`` premises per postcode with indoor 4G per operator (Ofcom mobile API)
``risk_indicators`` council-held small-area indicators for the risk index (pension credit …)
``reconciliation``  OA/postcode figures per district against the LA file of the same release
                    (see :mod:`geo.analysis.reconcile`)
``meta``            JSON facts per layer: source file, vintage, release, whether synthetic;
                    for the coverage layers, per release and level which measures the file
                    publishes and its caveats (``releases``)

Every import takes the catalogue's writer lock, rewrites a copy of the file and swaps it in
with :func:`os.replace`, so concurrent imports take turns and a failed import leaves the
previous catalogue as it was. An import that yields no rows is a :class:`DataError` and never
replaces a stored layer.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.config import IMD_DEFAULT_EDITION, LEVELS, OA_CODE_FIELDS
from geo.errors import DataError
from geo.geometry.crs import to_working
from geo.storage.atomic import swap_in, writer_lock

COVERAGE_LAYER = "coverage"
RESIDENTIAL_LAYER = "coverage_residential"
PERCENT_LAYER = "coverage_pct"
POSTCODES_LAYER = "postcodes"
OA_LAYER = "oa_centroids"
META_LAYER = "meta"
IMD_LAYER = "imd"
LSOA_LAYER = "lsoa"
RECONCILIATION_LAYER = "reconciliation"
CoverageCheck = Callable[[pd.DataFrame, "Catalog"], None]
"""Called with an import's coverage rows and the catalogue before they are stored; raises
:class:`~geo.errors.DataError` to refuse them."""
CENSUS_LAYER = "census_age"
MOBILE_LAYER = "mobile"
MOBILE_PC_LAYER = "mobile_postcodes"
INDICATORS_LAYER = "risk_indicators"


@dataclass
class Catalog:
    """Everything imported so far, as loaded from the GeoPackage."""

    areas: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    coverage: pd.DataFrame | None = None
    coverage_residential: pd.DataFrame | None = None
    coverage_pct: pd.DataFrame | None = None
    """Percentages as published, per postcode (or district), release and level."""
    postcodes: pd.DataFrame | None = None
    oa_centroids: pd.DataFrame | None = None
    imd: pd.DataFrame | None = None
    lsoa: gpd.GeoDataFrame | None = None
    census_age: pd.DataFrame | None = None
    mobile: pd.DataFrame | None = None
    mobile_postcodes: pd.DataFrame | None = None
    indicators: pd.DataFrame | None = None
    reconciliation: pd.DataFrame | None = None
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
    for name, attr in (
        (COVERAGE_LAYER, "coverage"),
        (RESIDENTIAL_LAYER, "coverage_residential"),
        (PERCENT_LAYER, "coverage_pct"),
    ):
        if name in layers:
            cov = pyogrio.read_dataframe(path, layer=name)
            cov.attrs.update(cat.meta.get(name, {}))
            setattr(cat, attr, cov)
    if POSTCODES_LAYER in layers:
        cat.postcodes = pyogrio.read_dataframe(path, layer=POSTCODES_LAYER).set_index("postcode")
    if OA_LAYER in layers:
        cat.oa_centroids = pyogrio.read_dataframe(path, layer=OA_LAYER).set_index("oa_code")
    if IMD_LAYER in layers:
        cat.imd = pyogrio.read_dataframe(path, layer=IMD_LAYER)
        cat.imd.attrs.update(cat.meta.get(IMD_LAYER, {}))
    if LSOA_LAYER in layers:
        cat.lsoa = gpd.read_file(path, layer=LSOA_LAYER, engine="pyogrio")
        cat.lsoa.attrs.update(cat.meta.get(LSOA_LAYER, {}))
    if RECONCILIATION_LAYER in layers:
        cat.reconciliation = pyogrio.read_dataframe(path, layer=RECONCILIATION_LAYER)
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


def _require_rows(frame: pd.DataFrame, *, source: object, layer: str) -> None:
    """Refuse an import that yields nothing: it must never replace what is stored."""
    if len(frame) == 0:
        raise DataError.single(
            str(source or "input"),
            f"yields no usable rows; nothing was imported and the stored '{layer}' layer is "
            "kept as it was",
        )


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
    _require_rows(areas, source=areas.attrs.get("source"), layer=layer)
    facts = {k: areas.attrs.get(k) for k in ("level", "vintage", "source", "repairs")}
    facts["synthetic"] = synthetic or bool(areas.attrs.get("synthetic"))
    with _locked(Path(path)):
        _write(Path(path), {layer: areas}, {layer: facts})
    return layer


def save_coverage(
    path: str | Path,
    coverage: pd.DataFrame,
    *,
    synthetic: bool = False,
    layer: str = COVERAGE_LAYER,
    check: CoverageCheck | None = None,
) -> str:
    """Add one Ofcom file's rows to ``layer``, replacing rows of the same release and level.

    ``coverage`` is :func:`geo.sources.ofcom.read_coverage` output (or
    :func:`~geo.sources.ofcom.read_percentages` output with ``layer`` = ``coverage_pct``); its
    ``attrs`` (level, source, published measures and caveats per release) go to the meta.
    ``check`` (if given) sees the rows and the catalogue first and may refuse them.
    """
    path = Path(path)
    _require_rows(coverage, source=coverage.attrs.get("source"), layer=layer)
    with _locked(path):
        if check is not None:
            check(coverage, load_catalog(path))
        level = coverage.attrs["level"]
        new = coverage.assign(level=level, source=coverage.attrs.get("source", ""))
        old_cat = load_catalog(path)
        old = getattr(old_cat, _ATTR[layer])
        if old is not None:
            keep = ~(old["release"].isin(new["release"].unique()) & (old["level"] == level))
            new = pd.concat([old[keep], new], ignore_index=True)
        meta = dict(old_cat.meta.get(layer, {}))
        sources = dict(meta.get("count_source_by_file", {}))  # type: ignore[call-overload]
        if "count_source" in coverage.attrs:
            sources[str(coverage.attrs.get("source"))] = coverage.attrs["count_source"]
        releases = {k: dict(v) for k, v in dict(meta.get("releases", {})).items()}  # type: ignore[call-overload]
        for release, measures in dict(coverage.attrs.get("published", {})).items():
            releases.setdefault(str(release), {})[level] = {
                "published": list(measures),
                "caveats": list(dict(coverage.attrs.get("caveats", {})).get(release, [])),
                "source": coverage.attrs.get("source"),
                "residential": bool(coverage.attrs.get("residential")),
                "count_source": coverage.attrs.get("count_source"),
            }
        facts = {
            "count_source_by_file": sources,
            "releases": releases,
            "synthetic": synthetic or bool(meta.get("synthetic")),
        }
        _write(path, {layer: new}, {layer: facts})
    return layer


_ATTR = {
    COVERAGE_LAYER: "coverage",
    RESIDENTIAL_LAYER: "coverage_residential",
    PERCENT_LAYER: "coverage_pct",
}


def load_layer(path: str | Path, layer: str) -> pd.DataFrame | None:
    """One layer of the catalogue (``None`` when absent), without the others; its meta facts
    are its ``attrs``."""
    path = Path(path)
    layers = {n for n, _ in pyogrio.list_layers(path)} if path.exists() else set()
    if layer not in layers:
        return None
    frame = pyogrio.read_dataframe(path, layer=layer)
    if META_LAYER in layers:
        meta = pyogrio.read_dataframe(path, layer=META_LAYER, where=f"layer = '{layer}'")
        for facts in meta["facts"]:
            frame.attrs.update(json.loads(facts))
    return frame


def save_postcodes(
    path: str | Path, lookup: pd.DataFrame, *, source: str, synthetic: bool = False
) -> str:
    """Store a postcode lookup (index: postcode) as ``postcodes``."""
    _require_rows(lookup, source=source, layer=POSTCODES_LAYER)
    frame = lookup.reset_index(names="postcode")
    facts = {POSTCODES_LAYER: {"source": source, "synthetic": synthetic}}
    with _locked(Path(path)):
        _write(Path(path), {POSTCODES_LAYER: frame}, facts)
    return POSTCODES_LAYER


def save_oa_centroids(
    path: str | Path,
    oas: gpd.GeoDataFrame,
    *,
    source: str,
    vintage: str | None = None,
    kind: str | None = None,
    county_code: str | None = None,
    synthetic: bool = False,
) -> str:
    """Store one census vintage's OA centroids in ``oa_centroids``, replacing that vintage.

    Parameters
    ----------
    oas
        OA points or polygons (any CRS with one set) with an ``OA11CD`` or ``OA21CD`` column.
        Polygons are stored as representative points: the labelled fallback when ONS
        population-weighted centroids (PWC) are not to hand.
    vintage
        ``"2011"`` or ``"2021"``; default from the code column.
    kind
        A key of :data:`geo.analysis.oa_vintage.CENTROID_KINDS`; default ``"polygon"`` for
        polygons, ``"pwc"`` for points (the ONS PWC files are the OA point files published).
    county_code
        The county the centroids were fetched for, when they were.

    The vintage, kind, source and count are recorded in ``meta`` under ``oa_centroids`` →
    ``vintages``.
    """
    _require_rows(oas, source=source, layer=OA_LAYER)
    oas = to_working(oas, source=source)
    code_col = next((c for c in oas.columns if c.upper() in ("OA11CD", "OA21CD")), None)
    if code_col is None:
        raise DataError.single(source, "has no OA11CD or OA21CD column", column="OA11CD")
    vintage = vintage or f"20{code_col[2:4]}"
    if vintage not in OA_CODE_FIELDS:
        raise ValueError(f"vintage must be one of {sorted(OA_CODE_FIELDS)}, not {vintage!r}")
    polygons = (oas.geom_type != "Point").any()
    kind = kind or ("polygon" if polygons else "pwc")
    pts = oas.geometry.representative_point() if polygons else oas.geometry
    frame = pd.DataFrame(
        {
            "oa_code": oas[code_col].astype(str).str.strip().to_numpy(),
            "easting": pts.x.to_numpy(),
            "northing": pts.y.to_numpy(),
            "vintage": vintage,
            "kind": kind,
        }
    )
    dupes = frame["oa_code"].duplicated()
    if dupes.any():
        raise DataError.single(
            source,
            "lists an OA code twice",
            column=code_col,
            value=frame.loc[dupes, "oa_code"].iat[0],
        )
    path = Path(path)
    with _locked(path):
        cat = load_catalog(path)
        old = cat.oa_centroids
        if old is not None:
            kept = old.reset_index()
            if "vintage" in kept:
                frame = pd.concat([kept[kept["vintage"] != vintage], frame], ignore_index=True)
        facts = dict(cat.meta.get(OA_LAYER, {}))
        vintages = dict(facts.get("vintages", {}))  # type: ignore[call-overload]
        vintages[vintage] = {
            "source": source, "kind": kind, "count": int((frame["vintage"] == vintage).sum()),
            "county_code": county_code, "synthetic": synthetic,
        }  # fmt: skip
        facts.update(
            source="; ".join(str(v["source"]) for v in vintages.values()),
            vintages=vintages,
            synthetic=any(bool(v.get("synthetic")) for v in vintages.values()),
        )
        _write(path, {OA_LAYER: frame}, {OA_LAYER: facts})
    return OA_LAYER


def save_reconciliation(
    path: str | Path, table: pd.DataFrame, *, facts: Mapping[str, object]
) -> str:
    """Replace the ``reconciliation`` table (one row per district and release/level) and its
    facts (keyed ``"<release>/<level>"``)."""
    with _locked(Path(path)):
        if table.empty:
            table = pd.DataFrame({c: pd.Series(dtype=str) for c in ("release", "level")})
        _write(Path(path), {RECONCILIATION_LAYER: table}, {RECONCILIATION_LAYER: dict(facts)})
    return RECONCILIATION_LAYER


def save_imd(path: str | Path, imd: pd.DataFrame, *, source: str) -> str:
    """Store IMD ranks (and File 7's score) per LSOA (from :func:`geo.sources.imd.read_imd`)
    as ``imd``; its edition (``attrs["vintage"]``, IoD2019 when absent) goes to the meta."""
    _require_rows(imd, source=source, layer=IMD_LAYER)
    facts = {"source": source, "vintage": imd.attrs.get("vintage") or IMD_DEFAULT_EDITION}
    with _locked(Path(path)):
        _write(Path(path), {IMD_LAYER: imd}, {IMD_LAYER: facts})
    return IMD_LAYER


def save_lsoa(path: str | Path, lsoa: gpd.GeoDataFrame, *, source: str) -> str:
    """Store LSOA polygons (from :func:`geo.sources.imd.lsoa_polygons`) as ``lsoa``; the census
    year of their codes (``attrs["vintage"]``) goes to the meta when known."""
    _require_rows(lsoa, source=source, layer=LSOA_LAYER)
    facts = {"source": source, **({"vintage": v} if (v := lsoa.attrs.get("vintage")) else {})}
    with _locked(Path(path)):
        _write(Path(path), {LSOA_LAYER: lsoa}, {LSOA_LAYER: facts})
    return LSOA_LAYER


def save_census_age(path: str | Path, ages: pd.DataFrame, *, synthetic: bool = False) -> str:
    """Store Census 2021 ages (:func:`geo.sources.census.read_census_age`) as ``census_age``."""
    _require_rows(ages, source=ages.attrs.get("source"), layer=CENSUS_LAYER)
    facts = {k: ages.attrs.get(k) for k in ("source", "table", "layout", "vintage")}
    facts["synthetic"] = synthetic
    with _locked(Path(path)):
        _write(Path(path), {CENSUS_LAYER: ages}, {CENSUS_LAYER: facts})
    return CENSUS_LAYER


def save_mobile(path: str | Path, mobile: pd.DataFrame, *, synthetic: bool = False) -> str:
    """Add one Ofcom mobile area file (:func:`geo.sources.mobile.read_mobile_coverage`) to
    ``mobile``, replacing rows of the same release and level."""
    path = Path(path)
    _require_rows(mobile, source=mobile.attrs.get("source"), layer=MOBILE_LAYER)
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
    _require_rows(counts, source=counts.attrs.get("source"), layer=MOBILE_PC_LAYER)
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
    _require_rows(table, source=table.attrs.get("source"), layer=INDICATORS_LAYER)
    facts = {"source": table.attrs.get("source"), "synthetic": synthetic,
             "indicators": table.attrs.get("indicators")}  # fmt: skip
    with _locked(Path(path)):
        _write(Path(path), {INDICATORS_LAYER: table}, {INDICATORS_LAYER: facts})
    return INDICATORS_LAYER


def import_file(
    path: str | Path,
    catalog_path: str | Path,
    *,
    synthetic: bool = False,
    release: str | None = None,
    county: str | None = None,
    progress: bool = False,
    report: Callable[[str], None] | None = None,
    check: CoverageCheck | None = None,
    layer: str | None = None,
) -> str:
    """Import one hand-downloaded file (or zip), recognised by its content; returns the layer(s).

    Every format in :data:`geo.sources.formats.FORMATS` is tried in turn: boundaries (GeoJSON /
    GeoPackage / zipped shapefile with ONS field names), output areas (``OA11CD``/``OA21CD``;
    the ONS portal's PWC CSV download too), LSOA polygons (``LSOA11CD``/``LSOA21CD``), IMD
    2019 / IoD 2025 File 1 or File 7 CSVs, ONSPD / NSPL postcode directories, Ofcom coverage
    files of every release (zips of them too, a zip inside a zip included), OS Open UPRN
    releases and BDUK "premises in BDUK plans" CSVs (:mod:`geo.storage.premises`).

    Parameters
    ----------
    release
        The Ofcom release (``YYYY-MM``) of a file whose name and columns carry none.
    county
        GSS code: UK-wide output-area, postcode and postcode-directory files keep only this
        county's rows (found through the loaded OA centroids / postcode directory).
    progress
        Progress bars on stderr while big files stream.
    report
        Called with each line that says what was read, used and skipped.
    check
        Passed to :func:`save_coverage` for premises-count coverage rows.
    layer
        The layer of a GeoPackage, or the shapefile of a zip, that holds several (a choice
        the person makes: ``--layer``); never guessed.

    Returns
    -------
    str
        The layer written (several, comma-separated, for a zip of several kinds).
    """
    import geo.sources.premises_formats  # registers BDUK premises and OS Open UPRN
    import geo.sources.risk_formats  # noqa: F401  (registers the risk index's formats)
    from geo.sources.formats import import_path  # local: keeps start-up light

    results = import_path(
        path, catalog_path, synthetic=synthetic, release=release, county=county,
        progress=progress, check=check, store=sys.modules[__name__], layer=layer,
    )  # fmt: skip
    for result in results:
        for line in result.notes:
            (report or (lambda _line: None))(line)
    return ", ".join(dict.fromkeys(r.layer for r in results))


__all__ = [
    "PERCENT_LAYER",
    "RESIDENTIAL_LAYER",
    "Catalog",
    "import_file",
    "load_catalog",
    "load_layer",
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
    "save_reconciliation",
]
