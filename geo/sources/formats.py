"""Every file format ``python -m geo import`` knows, as a registry: recognise, read, store.

Each :class:`Format` says how it recognises a file (its suffix, its header line or its field
names), how it reads it and where it stores it. :func:`import_path` loops over
:data:`FORMATS`; a zip (or a zip inside a zip, as Ofcom ships its postcode files) is opened
and each member is recognised the same way, then members of one kind and release are read
together: all-premises files before residential (``_res_``) ones, a postcode directory's
UK-wide CSV before its per-area parts. Adding a format is one :func:`register` call.

UK-wide files keep one county's rows when ``county`` is given (the CLI passes
``BROADBAND_COUNTY``): ONSPD/NSPL by their county/district columns, an Ofcom output-area file
by the OA codes of the county's loaded OA centroids or postcode directory, an Ofcom postcode
file by the loaded postcode directory's postcodes (and only the zip members of the county's
postcode areas are opened).
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from geo.config import MAX_CENTROID_FILE_BYTES, MEASURES
from geo.errors import DataError, Problem
from geo.geometry.boundaries import (
    READABLE_SUFFIXES,
    detect_level,
    normalise_boundaries,
    read_boundary_file,
)
from geo.sources import ofcom
from geo.sources.csvstream import Opener, opener_for, sniff_encoding
from geo.sources.zips import Member, zip_members

TABLE_SUFFIXES = (".csv", ".txt")
GEO_SUFFIXES = tuple(s for s in READABLE_SUFFIXES if s != ".zip")
_SNIFF_BYTES = 65_536


@dataclass
class Candidate:
    """One file to recognise: a file on disk or a zip member."""

    label: str
    """Where it is, for messages (``outer.zip/postcode_files/x.csv``)."""
    filename: str
    """Its own name (the readers name it in every problem)."""
    opener: Opener
    size: int | None = None
    path: Path | None = None
    """The file on disk, when it is one (GDAL and the IMD reader need a path)."""
    strict: bool = False
    """A zip member: only recognised formats are read; unknown files are skipped."""
    layer: str | None = None
    """The layer of a GeoPackage (or the shapefile of a zip) the person chose (``--layer``)."""
    _scratch: Path | None = None

    @property
    def suffix(self) -> str:
        """Lower-case suffix of :attr:`filename`."""
        return Path(self.filename).suffix.lower()

    @property
    def name(self) -> ofcom.OfcomName:
        """What the Ofcom naming convention says about the file."""
        return ofcom.parse_name(self.label)

    @cached_property
    def header(self) -> list[str] | None:
        """The first CSV record (stripped), or ``None`` for non-table files.

        Raises the encoding ``DataError`` of an unreadable top-level file; a zip member that
        is not text gives ``None``.
        """
        if self.suffix not in TABLE_SUFFIXES:
            return None
        with self.opener() as fh:
            head = fh.read(_SNIFF_BYTES)
        try:
            encoding = sniff_encoding(
                head, filename=self.filename, complete=len(head) < _SNIFF_BYTES
            )
        except DataError:
            if self.strict:
                return None
            raise
        text = head.decode(encoding, errors="replace")
        first = next(csv.reader(io.StringIO(text)), [])
        return [h.strip().lstrip("\ufeff") for h in first]

    @cached_property
    def geo(self) -> gpd.GeoDataFrame:
        """The file read as a boundary file (EPSG as declared)."""
        return read_boundary_file(self.local_path(), layer=self.layer)

    def local_path(self) -> Path:
        """A path on disk holding the bytes (a zip member is copied to a scratch folder)."""
        if self.path is not None:
            return self.path
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="bb-member-"))
        target = self._scratch / self.filename
        with self.opener() as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        self.path = target
        return target

    def cleanup(self) -> None:
        """Remove any scratch copy."""
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    @classmethod
    def file(cls, path: Path, *, layer: str | None = None) -> Candidate:
        """A file on disk (``layer``: the one to read from a file that holds several)."""
        opener, size = opener_for(path)
        return cls(path.name, path.name, opener, size, path, layer=layer)

    @classmethod
    def member(cls, m: Member) -> Candidate:
        """A zip member."""
        return cls(m.path, m.basename, m.opener, m.size, strict=True)


CoverageCheck = Callable[[pd.DataFrame, Any], None]
"""See :data:`geo.storage.catalog.CoverageCheck`."""


class Store(Protocol):
    """Where formats store what they read: :mod:`geo.storage.catalog` passes itself, so this
    module never imports the catalogue (which imports this one to loop over :data:`FORMATS`)."""

    COVERAGE_LAYER: str
    RESIDENTIAL_LAYER: str
    PERCENT_LAYER: str
    POSTCODES_LAYER: str
    OA_LAYER: str
    IMD_LAYER: str
    LSOA_LAYER: str

    def save_areas(self, path: Path, areas: gpd.GeoDataFrame, *, synthetic: bool = ...) -> str: ...
    def save_coverage(self, path: Path, coverage: pd.DataFrame, *, synthetic: bool = ...,
                      layer: str = ..., check: CoverageCheck | None = ...) -> str: ...  # fmt: skip
    def save_postcodes(self, path: Path, lookup: pd.DataFrame, *, source: str,
                       synthetic: bool = ...) -> str: ...  # fmt: skip
    def save_oa_centroids(self, path: Path, oas: gpd.GeoDataFrame, *, source: str,
                          kind: str | None = ..., synthetic: bool = ...) -> str: ...  # fmt: skip
    def save_imd(self, path: Path, imd: pd.DataFrame, *, source: str) -> str: ...
    def save_lsoa(self, path: Path, lsoa: gpd.GeoDataFrame, *, source: str) -> str: ...
    def load_layer(self, path: Path, layer: str) -> pd.DataFrame | None: ...
    def load_catalog(self, path: Path) -> Any: ...
    def save_census_age(self, path: Path, ages: pd.DataFrame, *, synthetic: bool = ...) -> str: ...
    def save_mobile(self, path: Path, mobile: pd.DataFrame, *, synthetic: bool = ...) -> str: ...
    def save_mobile_postcodes(self, path: Path, counts: pd.DataFrame, *,
                              synthetic: bool = ...) -> str: ...  # fmt: skip
    def save_indicators(self, path: Path, table: pd.DataFrame, *, synthetic: bool = ...) -> str: ...


@dataclass(frozen=True)
class Context:
    """What an import is for: where it stores and which county's rows it keeps."""

    store: Store
    catalog_path: Path
    synthetic: bool = False
    release: str | None = None
    county: str | None = None
    progress: bool = False
    check: CoverageCheck | None = None


@dataclass
class ImportResult:
    """What one format stored from one file or group of zip members."""

    layer: str
    rows: int
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Format:
    """One importable kind of file.

    ``recognise`` looks at a candidate (suffix, header, fields) without reading its rows;
    ``group`` says which zip members are read together (same kind, level and release);
    ``load`` reads a group and stores it.
    """

    key: str
    label: str
    recognise: Callable[[Candidate], bool]
    load: Callable[[list[Candidate], Context], ImportResult]
    group: Callable[[Candidate], tuple[object, ...]] = lambda c: (c.label,)


FORMATS: list[Format] = []
"""Every format, in the order they are tried (and, in a zip, imported)."""


def register(fmt: Format, *, before: str | None = None) -> Format:
    """Add ``fmt`` to :data:`FORMATS` (replacing one with the same key).

    ``before``: the key of a format to try after this one (a catch-all such as
    ``ofcom_coverage`` must come last); by default ``fmt`` is tried last.
    """
    rest = [f for f in FORMATS if f.key != fmt.key]
    at = next((i for i, f in enumerate(rest) if f.key == before), len(rest))
    FORMATS[:] = [*rest[:at], fmt, *rest[at:]]
    return fmt


def recognise(candidate: Candidate) -> Format | None:
    """The first format that recognises ``candidate``."""
    return next((f for f in FORMATS if f.recognise(candidate)), None)


# --- Boundary-like files ------------------------------------------------------------------


def _fields(c: Candidate) -> set[str]:
    return {str(col).upper() for col in c.geo.columns}


def _is_geo(c: Candidate) -> bool:
    return c.path is not None and c.suffix in (*GEO_SUFFIXES, ".zip")


def _is_oa_geo(c: Candidate) -> bool:
    return _is_geo(c) and bool(_fields(c) & {"OA11CD", "OA21CD"})


def _is_lsoa_geo(c: Candidate) -> bool:
    return _is_geo(c) and bool(_fields(c) & {"LSOA11CD", "LSOA21CD"})


def _load_oa_geo(cands: list[Candidate], ctx: Context) -> ImportResult:
    (c,) = cands
    return _store_oa(c, c.geo, ctx)


def _store_oa(
    c: Candidate, oas: gpd.GeoDataFrame, ctx: Context, notes: Sequence[str] = ()
) -> ImportResult:
    """Store OA points or polygons of one file: the vintage from its code field, kind from
    its geometry (:func:`geo.storage.catalog.save_oa_centroids`)."""
    layer = ctx.store.save_oa_centroids(
        ctx.catalog_path, oas, source=c.filename, synthetic=ctx.synthetic,
        kind="synthetic" if ctx.synthetic else None,
    )  # fmt: skip
    return ImportResult(layer, len(oas), list(notes))


def _load_lsoa(cands: list[Candidate], ctx: Context) -> ImportResult:
    from geo.sources.imd import lsoa_polygons

    (c,) = cands
    lsoa = lsoa_polygons(c.geo, source=c.filename)
    layer = ctx.store.save_lsoa(ctx.catalog_path, lsoa, source=c.filename)
    imd = ctx.store.load_layer(ctx.catalog_path, ctx.store.IMD_LAYER)
    return ImportResult(layer, len(lsoa), _vintage_notes(imd, lsoa))


def _vintage_notes(imd: pd.DataFrame | None, lsoa: pd.DataFrame | None) -> list[str]:
    """A notice when the stored IMD and LSOA boundaries are of different census years (the
    import is kept: the matching file may be next; deprivation waits until they agree)."""
    from geo.sources.imd import lsoa_mismatch

    if imd is None or lsoa is None:
        return []
    problem = lsoa_mismatch(imd, lsoa)
    return [] if problem is None else [f"{problem}. Deprivation is left out until they match."]


def _load_boundaries(cands: list[Candidate], ctx: Context) -> ImportResult:
    (c,) = cands
    if detect_level(c.geo) is None:
        raise DataError.single(
            c.filename, "has no ONS area code field (CEDnnCD, WDnnCD, LADnnCD or OAnnCD)"
        )
    areas = normalise_boundaries(c.geo, source=c.filename, synthetic=ctx.synthetic)
    layer = ctx.store.save_areas(ctx.catalog_path, areas, synthetic=ctx.synthetic)
    return ImportResult(layer, len(areas))


# --- Tables --------------------------------------------------------------------------------


def _keys(c: Candidate) -> set[str]:
    return {h.lower() for h in c.header or []}


def _is_oa_csv(c: Candidate) -> bool:
    from geo.sources.centroids import is_centroid_csv_header

    return c.header is not None and is_centroid_csv_header(c.header)


def _load_oa_csv(cands: list[Candidate], ctx: Context) -> ImportResult:
    """The portal's CSV download of an OA PWC layer, stored as :func:`_load_oa_geo` stores the
    same points as GeoJSON."""
    from geo.sources.centroids import read_centroid_csv

    (c,) = cands
    with c.opener() as fh:  # one byte over the limit is enough for the reader to refuse it
        data = fh.read(MAX_CENTROID_FILE_BYTES + 1)
    oas = read_centroid_csv(data, filename=c.filename, synthetic=ctx.synthetic)
    return _store_oa(c, oas, ctx, [oas.attrs["coordinates"]])


def _is_imd(c: Candidate) -> bool:
    from geo.sources.imd import is_imd_header

    return c.header is not None and is_imd_header(",".join(c.header))


def _load_imd(cands: list[Candidate], ctx: Context) -> ImportResult:
    from geo.sources.imd import edition_of, read_imd

    (c,) = cands
    imd = read_imd(c.local_path(), filename=c.filename)
    layer = ctx.store.save_imd(ctx.catalog_path, imd, source=c.filename)
    edition = edition_of(imd)
    kind = "File 7 (with the IMD score)" if "imd_score" in imd else "File 1 (ranks)"
    notes = [f"{edition.name} {kind}, {edition.lsoa_vintage} LSOAs"]
    lsoa = ctx.store.load_layer(ctx.catalog_path, ctx.store.LSOA_LAYER)
    return ImportResult(layer, len(imd), notes + _vintage_notes(imd, lsoa))


def _is_directory(c: Candidate) -> bool:
    return bool(_keys(c) & {"east1m", "oseast1m"})


def _directory_group(c: Candidate) -> tuple[object, ...]:
    return ("parts" if "multi_csv" in c.label.lower() else "whole",)


def _load_directory(cands: list[Candidate], ctx: Context) -> ImportResult:
    from geo.sources.postcodes import read_postcode_file

    parts = [
        read_postcode_file(
            c.opener,
            filename=c.filename,
            county=ctx.county,
            progress=ctx.progress,
            require_rows=len(cands) == 1,
        )
        for c in cands
    ]
    lookup = pd.concat(parts) if len(parts) > 1 else parts[0]
    if lookup.empty:
        raise DataError.single(cands[0].label, f"has no postcode in {ctx.county}")
    twice = lookup.index[lookup.index.duplicated()]
    if len(twice):
        raise DataError.single(
            cands[0].label, "postcode is listed in more than one file", value=twice[0]
        )
    read = sum(int(p.attrs.get("rows_read", len(p))) for p in parts)
    source = _files_label(cands)
    layer = ctx.store.save_postcodes(
        ctx.catalog_path, lookup, source=source, synthetic=ctx.synthetic
    )
    where = f" in {ctx.county}" if ctx.county else ""
    return ImportResult(
        layer, len(lookup), [f"{source}: kept {len(lookup):,} of {read:,} postcodes{where}"]
    )


def _is_ofcom(c: Candidate, *, counts: bool) -> bool:
    layout = ofcom.sniff_layout(c.header) if c.header is not None else None
    return layout is not None and layout.has_counts == counts


def _ofcom_group(c: Candidate) -> tuple[object, ...]:
    layout = ofcom.sniff_layout(c.header or [])
    return (layout.level if layout else None, c.name.release, c.name.residential)


def _release_for(cands: Sequence[Candidate], ctx: Context) -> str | None:
    named = cands[0].name.release
    if ctx.release is not None:
        wanted = ofcom.normalise_release(ctx.release)
        if named is not None and named != wanted:
            raise DataError.single(
                cands[0].label, f"its name says release {named} but --release says {wanted}"
            )
        return wanted
    return named


def _county_keep(level: str, cands: Sequence[Candidate], ctx: Context) -> ofcom.Keep | None:
    """Which identifiers are the county's, from what is loaded (``None``: keep every row)."""
    if ctx.county is None or level == "lad":
        return None
    label = cands[0].label
    postcodes = ctx.store.load_layer(ctx.catalog_path, ctx.store.POSTCODES_LAYER)
    if level == "postcode":
        if postcodes is None:
            raise DataError.single(
                label,
                "is an Ofcom postcode file for the whole UK: load the county's postcode "
                "directory first (python -m geo import ONSPD_….zip or NSPL_….zip), so the "
                "county's postcodes can be picked from it",
            )
        return frozenset(postcodes["postcode"]).__contains__
    codes: set[str] = set()
    centroids = ctx.store.load_layer(ctx.catalog_path, ctx.store.OA_LAYER)
    if centroids is not None:
        codes |= set(centroids["oa_code"].astype(str))
    for col in ("oa_code", "oa11_code"):
        if postcodes is not None and col in postcodes:
            codes |= set(postcodes[col].dropna().astype(str))
    if not codes:
        raise DataError.single(
            label,
            "is an Ofcom output-area file, which has no local-authority column: load the "
            f"county's OA centroids first (python -m geo fetch --county {ctx.county} --level "
            "oa, or import the ONS OA population-weighted centroids or OA boundaries) or its "
            "postcode directory (ONSPD/NSPL), so the county's output areas can be picked",
        )
    return frozenset(codes).__contains__


def _county_members(cands: list[Candidate], ctx: Context, notes: list[str]) -> list[Candidate]:
    """Only the postcode-area files (``…_NR.csv``) of the county's postcode areas."""
    areas = {c.name.area for c in cands}
    if ctx.county is None or None in areas or len(cands) == 1:
        return cands
    postcodes = ctx.store.load_layer(ctx.catalog_path, ctx.store.POSTCODES_LAYER)
    if postcodes is None:
        return cands
    mine = set(postcodes["postcode"].str.extract(r"^([A-Z]{1,2})", expand=False).dropna())
    chosen = [c for c in cands if c.name.area in mine]
    notes.append(
        f"read {len(chosen)} of {len(cands)} postcode-area files "
        f"({', '.join(sorted(mine & areas))}): the county's postcode areas"
    )
    return chosen


def _read_group(
    cands: list[Candidate],
    ctx: Context,
    reader: Callable[..., pd.DataFrame],
    notes: list[str],
) -> pd.DataFrame:
    layout = ofcom.sniff_layout(cands[0].header or [])
    level = layout.level if layout is not None else "lad"
    keep = _county_keep(level, cands, ctx)
    if level == "postcode":
        cands = _county_members(cands, ctx, notes)
    release = _release_for(cands, ctx)
    frames = [
        reader(c.opener, filename=c.filename, release=release, keep=keep, progress=ctx.progress)
        for c in cands
    ]
    table = _concat(frames, cands)
    unknown = table["release"] == "unknown"
    if unknown.any():
        raise DataError.single(
            cands[0].label,
            "has no release: its name has no date (YYYYMM_fixed_…) and it has no release "
            "column; say which release it is with --release YYYY-MM",
        )
    read = int(table.attrs["rows_read"])
    if keep is not None:
        notes.append(
            f"kept {len(table):,} of {read:,} rows: the county's "
            f"{'postcodes' if level == 'postcode' else 'output areas'}"
        )
        if table.empty:
            raise DataError.single(
                cands[0].label,
                f"has none of the county's {'postcodes' if level == 'postcode' else 'output areas'}"
                f" among its {read:,} rows: check BROADBAND_COUNTY, and that the loaded OA "
                "centroids or postcode directory are of the same vintage as the file",
            )
    notes.extend(table.attrs.get("notes", []))
    return table


def _files_label(cands: Sequence[Candidate]) -> str:
    return cands[0].label if len(cands) == 1 else f"{len(cands)} files like {cands[0].label}"


def _concat(frames: list[pd.DataFrame], cands: list[Candidate]) -> pd.DataFrame:
    """One table from several members, with merged ``attrs``; a repeated area is an error."""
    if len(frames) == 1:
        return frames[0]
    table = pd.concat(frames, ignore_index=True)
    dupes = table.duplicated(["area_id", "release"])
    if dupes.any():
        raise DataError.single(
            cands[0].label, "area is listed in more than one file",
            value=table.loc[dupes, "area_id"].iat[0],
        )  # fmt: skip
    attrs = dict(frames[0].attrs)
    published: dict[str, list[str]] = {}
    for f in frames:
        for rel, ms in f.attrs.get("published", {}).items():
            published[rel] = [m for m in MEASURES if m in {*published.get(rel, []), *ms}]
    attrs.update(
        source=_files_label(cands),
        published=published,
        caveats={rel: ofcom.release_caveats(rel) for rel in published},
        rows_read=sum(int(f.attrs.get("rows_read", 0)) for f in frames),
        notes=[n for f in frames for n in f.attrs.get("notes", [])],
    )
    table.attrs = attrs
    return table


def _load_ofcom_counts(cands: list[Candidate], ctx: Context) -> ImportResult:
    notes: list[str] = []
    table = _read_group(cands, ctx, ofcom.read_coverage, notes)
    counts = [f"n_{m}" for m in MEASURES if f"n_{m}" in table]
    premises = table["premises"].fillna(0) > 0
    if not premises.any():
        raise DataError.single(
            cands[0].label,
            "yields no usable figure: 'All Premises' is blank or zero in every row, so its "
            "figures cannot be weighted by premises",
        )
    if not counts or table.loc[premises, counts].isna().all().all():
        raise DataError.single(
            cands[0].label,
            "yields no usable figure: it has premises but no value for any measure ("
            + ", ".join(MEASURES)
            + ")",
        )
    layer = (
        ctx.store.RESIDENTIAL_LAYER if table.attrs.get("residential") else ctx.store.COVERAGE_LAYER
    )
    ctx.store.save_coverage(
        ctx.catalog_path, table, synthetic=ctx.synthetic, layer=layer, check=ctx.check
    )
    notes.extend(_published_notes(table))
    return ImportResult(layer, len(table), notes)


def _load_ofcom_percentages(cands: list[Candidate], ctx: Context) -> ImportResult:
    notes: list[str] = []
    table = _read_group(cands, ctx, ofcom.read_percentages, notes)
    pcts = [c for c in table.columns if c.startswith("pct_")]
    if not pcts or table[pcts].isna().all().all():
        raise DataError.single(cands[0].label, "yields no usable figure: every percentage is blank")
    if table.attrs.get("residential"):
        # One layer holds every release's percentages; residential rows get their own level.
        table.attrs["level"] = f"{table.attrs['level']}_res"
    ctx.store.save_coverage(
        ctx.catalog_path, table, synthetic=ctx.synthetic, layer=ctx.store.PERCENT_LAYER
    )
    kind = "postcode" if table.attrs["level"].startswith("postcode") else "area"
    notes.append(
        f"no premises counts: stored as each {kind}'s own percentages (layer "
        f"{ctx.store.PERCENT_LAYER}), never summed into areas"
    )
    notes.extend(_published_notes(table))
    return ImportResult(ctx.store.PERCENT_LAYER, len(table), notes)


def _published_notes(table: pd.DataFrame) -> list[str]:
    lines = []
    for rel, measures in table.attrs.get("published", {}).items():
        missing = [MEASURES[m].short for m in MEASURES if m not in measures]
        line = f"release {rel}: publishes {', '.join(MEASURES[m].short for m in measures)}"
        lines.append(line + (f"; not published: {', '.join(missing)}" if missing else ""))
        lines.extend(f"release {rel}: {c}" for c in table.attrs.get("caveats", {}).get(rel, []))
    return lines


register(Format("oa_areas", "output-area boundaries or centroids", _is_oa_geo, _load_oa_geo))
register(Format("lsoa", "LSOA polygons (IMD areas)", _is_lsoa_geo, _load_lsoa))
register(
    Format("boundaries", "boundaries (divisions, wards, districts)", _is_geo, _load_boundaries)
)
register(Format("oa_centroids_csv", "ONS OA population-weighted centroids (CSV download)",
                _is_oa_csv, _load_oa_csv))  # fmt: skip
register(Format("imd", "IMD 2019 / IoD 2025 File 1 or File 7", _is_imd, _load_imd))
register(
    Format(
        "postcode_directory", "ONS postcode directory (ONSPD / NSPL)",
        _is_directory, _load_directory, _directory_group,
    )
)  # fmt: skip
register(
    Format(
        "ofcom_percentages", "Ofcom coverage without premises counts (percentages only)",
        lambda c: _is_ofcom(c, counts=False), _load_ofcom_percentages, _ofcom_group,
    )
)  # fmt: skip
register(
    Format(
        "ofcom_coverage", "Ofcom coverage with premises counts",
        lambda c: _is_ofcom(c, counts=True) or (not c.strict and c.header is not None),
        _load_ofcom_counts, _ofcom_group,
    )
)  # fmt: skip
"""Any other top-level CSV is read as Ofcom coverage, whose reader says what it lacks."""


# --- The loop ------------------------------------------------------------------------------


def import_path(
    path: str | Path,
    catalog_path: str | Path,
    *,
    synthetic: bool = False,
    release: str | None = None,
    county: str | None = None,
    progress: bool = False,
    check: CoverageCheck | None = None,
    store: Store,
    layer: str | None = None,
) -> list[ImportResult]:
    """Import a file or a zip of files through :data:`FORMATS`; see
    :func:`geo.storage.catalog.import_file`.

    Raises
    ------
    DataError
        A file no format recognises, or one its reader refuses; nothing is stored from a file
        that fails (earlier groups of the same zip stay stored, and the message says so).
    """
    path = Path(path)
    ctx = Context(store, Path(catalog_path), synthetic, release, county, progress, check)
    if not path.exists():
        raise DataError.single(path.name, f"file not found at {path}")
    if path.suffix.lower() == ".zip" and not _holds_shapefile(path):
        with zip_members(path) as members:
            return _import_members(path.name, members, ctx)
    if path.suffix.lower() not in (*TABLE_SUFFIXES, *GEO_SUFFIXES, ".zip"):
        raise DataError.single(
            path.name, "is not a file this tool can import (.geojson, .gpkg, .zip, .csv)"
        )
    candidate = Candidate.file(path, layer=layer)
    fmt = recognise(candidate)
    if fmt is None:
        raise DataError.single(path.name, "is not a file this tool can import")
    return [fmt.load([candidate], ctx)]


def _holds_shapefile(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.lower().endswith(".shp") for n in zf.namelist())
    except zipfile.BadZipFile as exc:
        raise DataError.single(path.name, "is not a valid zip file") from exc


def _import_members(name: str, members: Iterable[Member], ctx: Context) -> list[ImportResult]:
    cands = [Candidate.member(m) for m in members]
    groups: dict[_GroupKey, list[Candidate]] = {}
    skipped: list[str] = []
    for c in cands:
        fmt = recognise(c) if c.suffix in TABLE_SUFFIXES else None
        if fmt is None:
            skipped.append(c.label)
            continue
        groups.setdefault((FORMATS.index(fmt), fmt.group(c)), []).append(c)
    if not groups:
        raise DataError.single(
            name,
            "holds no .shp file and no other file this tool imports from a zip (Ofcom "
            "coverage, ONSPD/NSPL or IMD CSVs); found " + (", ".join(skipped[:5]) or "nothing"),
        )
    chosen, notes = _choose(groups)
    results: list[ImportResult] = []
    try:
        for key in sorted(chosen, key=lambda k: (k[0], str(k[1]))):
            fmt = FORMATS[key[0]]
            group = sorted(chosen[key], key=lambda c: c.label)
            result = fmt.load(group, ctx)
            used = (
                group[0].label if len(group) == 1 else f"{len(group)} files like {group[0].label}"
            )
            result.notes.insert(0, f"{name}: used {used} ({fmt.label})")
            results.append(result)
    except DataError as exc:
        if not results:
            raise
        done = ", ".join(r.layer for r in results)
        raise DataError([*exc.problems, Problem(name, f"already stored from it: {done}")]) from exc
    finally:
        for c in cands:
            c.cleanup()
    if results:
        results[0].notes.extend(notes)
        if skipped:
            results[0].notes.append(
                f"{name}: skipped {len(skipped)} other file(s), e.g. {skipped[0]}"
            )
    return results


_GroupKey = tuple[int, tuple[object, ...]]
"""(index of the format in :data:`FORMATS`, the format's ``group`` of a member)."""


def _choose(
    groups: dict[_GroupKey, list[Candidate]],
) -> tuple[dict[_GroupKey, list[Candidate]], list[str]]:
    """All-premises files before residential ones; a directory's whole CSV before its parts."""
    chosen = dict(groups)
    notes: list[str] = []
    for (index, group_key), group in groups.items():
        fmt = FORMATS[index]
        if fmt.key.startswith("ofcom") and group_key[-1] is True:
            twin = (*group_key[:-1], False)
            if any(k[1] == twin for k in groups):
                del chosen[(index, group_key)]
                notes.append(
                    f"skipped {len(group)} residential file(s) like {group[0].label}: "
                    "the all-premises files were used"
                )
            else:
                notes.append(f"only residential files found: {group[0].label} and the like")
        whole = (index, ("whole",))
        if fmt.key == "postcode_directory" and group_key == ("parts",) and whole in groups:
            del chosen[(index, group_key)]
            notes.append(f"skipped {len(group)} per-area parts: the UK-wide CSV was used")
    return chosen, notes


__all__ = [
    "FORMATS",
    "Candidate",
    "Context",
    "Format",
    "ImportResult",
    "import_path",
    "recognise",
    "register",
]
