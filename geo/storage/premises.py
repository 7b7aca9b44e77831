"""BDUK premises figures in the store, and the OS Open UPRN release beside the catalogue.

``python -m geo import osopenuprn_YYYYMM.csv`` (or its zip, or the GeoPackage) checks the
release and keeps it beside the catalogue as spatially partitioned Parquet
(``<catalogue folder>/uprn/<file stem>/``, too large for the GeoPackage);
``<catalogue folder>/uprn/in_force.json`` names the release in force.

``python -m geo import`` of BDUK "premises in BDUK plans" CSVs (or the regional zips) places
every premises with that release (postcode centroids from the catalogue for UPRNs it lacks),
counts them per area of every level loaded and saves the counts as a new version of the
``bduk_premises`` dataset in the store beside the catalogue (versioned and audited like an
upload: :mod:`geo.storage.store`). Each record is one (level, area, district) with its counts,
placed at a point inside the area, so the pages show it as they show any layer. Importing a
district again replaces only that district's records. A file with any problem stores nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.bduk import COUNT_COLUMNS, Engine, PremisesCounts, count_premises
from geo.config import OS_OPEN_UPRN_LINE, OS_OPEN_UPRN_URL, WORKING_CRS
from geo.errors import DataError
from geo.geometry.aggregate import AREA_CODE
from geo.sources.bduk import Source, premises_sources, read_premises, read_premises_file
from geo.sources.uprn import UprnDataset, open_dataset, prepare_uprn, release_of
from geo.storage import store
from geo.storage.atomic import fsync
from geo.storage.workspace import store_beside

PREMISES_LAYER = "bduk_premises"
"""The store dataset of BDUK premises counts (and the key of its layer)."""
UPRN_LAYER = "os_open_uprn"
"""What :func:`import_uprn` says it made (the data is beside the catalogue, not in it)."""
IN_FORCE = "in_force.json"
DISTRICT_COLUMNS: tuple[str, ...] = (
    "district_rows",
    "district_by_uprn",
    "district_by_postcode",
    "district_unlocated",
)
"""Per record, its district's totals: rows read and how they were placed."""


def uprn_folder(catalog_path: str | Path, source_name: str) -> Path:
    """Where a release's prepared dataset lives: ``<catalogue folder>/uprn/<file stem>``."""
    stem = Path(source_name).name.split(".")[0]
    return Path(catalog_path).parent / "uprn" / stem


def import_uprn(path: str | Path, catalog_path: str | Path) -> str:
    """Check an OS Open UPRN release, keep it beside the catalogue, make it the one in force.

    The release is read and written to a temporary folder first; swapping it in and writing
    :data:`IN_FORCE` happen under the catalogue's writer lock, as every catalogue write does.
    """
    path, catalog_path = Path(path), Path(catalog_path)

    def in_force(dataset: UprnDataset) -> None:
        facts = {
            "source": path.name,
            "release": dataset.release or release_of(path.name),
            "rows": dataset.rows,
            "folder": dataset.path.name,
            "licence": OS_OPEN_UPRN_LINE,
            "url": OS_OPEN_UPRN_URL,
        }
        folder = dataset.path.parent
        fd, tmp = tempfile.mkstemp(prefix=".in_force-", suffix=".json", dir=folder)
        with os.fdopen(fd, "w") as fh:
            json.dump(facts, fh, indent=1)
        fsync(Path(tmp))
        os.replace(tmp, folder / IN_FORCE)

    prepare_uprn(path, uprn_folder(catalog_path, path.name), lock=catalog_path, installed=in_force)
    return UPRN_LAYER


def uprn_in_force(catalog_path: str | Path) -> UprnDataset | None:
    """The OS Open UPRN dataset in force beside the catalogue, or ``None``."""
    marker = Path(catalog_path).parent / "uprn" / IN_FORCE
    if not marker.exists():
        return None
    facts = json.loads(marker.read_text())
    return open_dataset(marker.parent / str(facts["folder"]))


def premises_records(
    counts: PremisesCounts, areas: Mapping[str, gpd.GeoDataFrame], *, release: str | None
) -> gpd.GeoDataFrame:
    """Counts as records: one per (level, area, district), at a point inside the area.

    Columns ``level``, ``area_code``, ``area_name``, ``district``,
    :data:`~geo.analysis.bduk.COUNT_COLUMNS`,
    :data:`DISTRICT_COLUMNS`, ``uprn_release``; EPSG:27700.
    """
    table = counts.table.copy()
    points, names = [], []
    for level, frame in areas.items():
        indexed = frame.set_index(AREA_CODE)
        rows = table["level"] == level
        codes = table.loc[rows, AREA_CODE]
        inside = indexed.geometry.representative_point().reindex(codes)
        points.append(pd.Series(inside.to_numpy(), index=table.index[rows]))
        if "area_name" in indexed:
            names.append(pd.Series(indexed["area_name"].reindex(codes).to_numpy(),
                                   index=table.index[rows]))  # fmt: skip
    geometry = pd.concat(points).reindex(table.index) if points else pd.Series(dtype=object)
    table.insert(2, "area_name", pd.concat(names).reindex(table.index) if names else "")
    table["area_name"] = table["area_name"].fillna(table[AREA_CODE])
    located = counts.located.rename(columns=lambda c: f"district_{c}")
    table = table.join(located[list(DISTRICT_COLUMNS)], on="district")
    table["uprn_release"] = release or ""
    return gpd.GeoDataFrame(table, geometry=geometry.to_numpy(), crs=WORKING_CRS)


def merge_records(old: pd.DataFrame | None, new: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``old`` records with the districts in ``new`` replaced by ``new``'s."""
    if old is None or len(old) == 0:
        merged = new
    else:
        keep = old[~old["district"].isin(set(new["district"]))]
        merged = pd.concat([keep, new], ignore_index=True)
    merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=WORKING_CRS)
    ints = {c: np.int64 for c in (*COUNT_COLUMNS, *DISTRICT_COLUMNS)}
    return merged.astype(ints).sort_values(["level", AREA_CODE, "district"], ignore_index=True)


def load_premises(store_path: str | Path) -> gpd.GeoDataFrame | None:
    """The current version of the premises records in a store, or ``None``."""
    found = store.load(store_path, PREMISES_LAYER)
    return found if isinstance(found, gpd.GeoDataFrame) and len(found) else None


def _places(
    areas: Mapping[str, gpd.GeoDataFrame],
    catalog_path: Path,
    name: str,
    uprn: UprnDataset | str | Path | None,
) -> tuple[dict[str, gpd.GeoDataFrame], UprnDataset | str | Path]:
    """The areas of every level (codes, names, shapes) and the OS Open UPRN release to use."""
    if not areas:
        raise DataError.single(
            name, "cannot be placed in areas: import boundaries first (python -m geo fetch)"
        )
    dataset = uprn if uprn is not None else uprn_in_force(catalog_path)
    if dataset is None:
        raise DataError.single(
            name,
            "has no coordinates: import OS Open UPRN first "
            "(python -m geo import osopenuprn_YYYYMM.csv)",
        )
    keep = [AREA_CODE, "area_name", "geometry"]
    return {level: a[[c for c in keep if c in a]] for level, a in areas.items()}, dataset


def _release(dataset: UprnDataset | str | Path) -> str | None:
    return dataset.release if isinstance(dataset, UprnDataset) else release_of(str(dataset))


def _check_any(counts: PremisesCounts, name: str) -> None:
    if counts.table.empty:
        raise DataError.single(
            name, "has no premises in any loaded area: check the county and the boundaries"
        )


def import_premises(
    paths: Iterable[Source],
    catalog_path: str | Path,
    *,
    areas: Mapping[str, gpd.GeoDataFrame],
    postcodes: pd.DataFrame | None,
    store_path: str | Path | None = None,
    user: str = "python -m geo import",
    engine: Engine = "single",
    uprn: UprnDataset | str | Path | None = None,
    synthetic: bool = False,
) -> PremisesCounts:
    """Read, place and count BDUK premises files (CSVs or zips of them); save a new version.

    Parameters
    ----------
    catalog_path
        The catalogue the ``areas`` and ``postcodes`` come from; the OS Open UPRN release in
        force and the store are beside it.
    areas, postcodes
        The catalogue's areas per level and its postcode directory (``None``: UPRNs missing
        from the release stay unlocated).
    store_path
        The store to save in; the one beside the catalogue when omitted.
    uprn
        OS Open UPRN to place premises with; the catalogue's release in force when omitted.
    engine
        ``"single"`` or ``"dask"`` (on the current dask scheduler; see
        :mod:`geo.analysis.bduk`).
    synthetic
        Label the saved version as synthetic (its file name says so, as pages look for).

    Raises
    ------
    DataError
        Any problem in any file (nothing is stored), no boundaries or no OS Open UPRN release
        loaded, or no premises falling in any area.
    """
    catalog_path = Path(catalog_path)
    files = list(premises_sources(paths))
    rows = read_premises(files)
    name = files[0][0] if len(files) == 1 else f"{len(files)} BDUK files"
    areas, dataset = _places(areas, catalog_path, name, uprn)
    if engine == "dask" and not isinstance(dataset, UprnDataset):
        dataset = open_dataset(dataset)
    counts = count_premises(rows, areas, uprn=dataset, postcodes=postcodes, engine=engine)
    _check_any(counts, name)
    target = Path(store_path) if store_path is not None else store_beside(catalog_path)
    records = premises_records(counts, areas, release=_release(dataset))
    manifest = "".join(f"{n}\t{_size(s)}\t{_sha256(s)}\n" for n, s in files)
    store.save(
        target, PREMISES_LAYER, merge_records(load_premises(target), records),
        file_name=", ".join(n for n, _ in files) + (" (synthetic)" if synthetic else ""),
        file_bytes=manifest.encode(), user=user,
    )  # fmt: skip
    return counts


def _size(source: Path | bytes) -> int:
    return len(source) if isinstance(source, bytes) else source.stat().st_size


def _sha256(source: Path | bytes) -> str:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    with source.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def records_from_upload(
    data: bytes,
    *,
    filename: str,
    catalog_path: str | Path,
    areas: Mapping[str, gpd.GeoDataFrame],
    postcodes: pd.DataFrame | None,
) -> gpd.GeoDataFrame:
    """One uploaded BDUK CSV (the Data page) as the new records: placed, counted, merged.

    The OS Open UPRN release in force and the records already saved (the store) are those
    beside ``catalog_path``; the file's districts replace theirs, the others are kept.
    """
    catalog_path = Path(catalog_path)
    rows = read_premises_file(data, filename=filename)
    levels, dataset = _places(areas, catalog_path, filename, None)
    counts = count_premises(rows, levels, uprn=dataset, postcodes=postcodes)
    _check_any(counts, filename)
    records = premises_records(counts, levels, release=_release(dataset))
    return merge_records(load_premises(store_beside(catalog_path)), records)


__all__ = [
    "DISTRICT_COLUMNS",
    "PREMISES_LAYER",
    "UPRN_LAYER",
    "import_premises",
    "import_uprn",
    "load_premises",
    "merge_records",
    "premises_records",
    "records_from_upload",
    "uprn_folder",
    "uprn_in_force",
]
