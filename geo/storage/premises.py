"""BDUK premises figures and the OS Open UPRN release in the catalogue.

``python -m geo import osopenuprn_YYYYMM.csv`` (or its zip, or the GeoPackage) checks the
release and keeps it beside the catalogue as spatially partitioned Parquet
(``<catalogue folder>/uprn/<release>/``, too large for the GeoPackage); the catalogue's meta
layer records which release is in force. ``python -m geo import`` of BDUK "premises in BDUK
plans" CSVs (or the regional zips) then places every premises with that release (postcode
centroids from the catalogue for UPRNs it lacks), counts them per area of every level loaded,
and stores the counts in the ``bduk_premises`` layer, one row per (level, area, district).

Importing a district again replaces only that district's rows, so districts can be imported
one file at a time. A file with any problem stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pandas as pd
import pyogrio

from geo.analysis.bduk import COUNT_COLUMNS, METHOD, Engine, PremisesCounts, count_premises
from geo.config import BDUK_LINE, BDUK_PREMISES_URL, OS_OPEN_UPRN_LINE, OS_OPEN_UPRN_URL
from geo.errors import DataError
from geo.sources.bduk import read_premises
from geo.sources.uprn import UprnDataset, open_dataset, prepare_uprn, release_of
from geo.storage.catalog import _locked, _write, load_catalog

PREMISES_LAYER = "bduk_premises"
UPRN_META = "os_open_uprn"
"""Meta entry naming the OS Open UPRN release in force (the data is beside the catalogue)."""


def uprn_folder(catalog_path: str | Path, source_name: str) -> Path:
    """Where a release's prepared dataset lives: ``<catalogue folder>/uprn/<file stem>``."""
    stem = Path(source_name).name.split(".")[0]
    return Path(catalog_path).parent / "uprn" / stem


def import_uprn(path: str | Path, catalog_path: str | Path) -> str:
    """Check an OS Open UPRN release, store it beside the catalogue, make it the one in force."""
    path, catalog_path = Path(path), Path(catalog_path)
    dataset = prepare_uprn(path, uprn_folder(catalog_path, path.name))
    facts: dict[str, object] = {
        "source": path.name,
        "release": dataset.release or release_of(path.name),
        "rows": dataset.rows,
        "folder": str(dataset.path.relative_to(catalog_path.parent)),
        "licence": OS_OPEN_UPRN_LINE,
        "url": OS_OPEN_UPRN_URL,
    }
    with _locked(catalog_path):
        _write(catalog_path, {}, {UPRN_META: facts})
    return UPRN_META


def uprn_in_force(catalog_path: str | Path) -> UprnDataset | None:
    """The OS Open UPRN dataset recorded in the catalogue, or ``None``."""
    catalog_path = Path(catalog_path)
    facts = load_catalog(catalog_path).meta.get(UPRN_META)
    if not facts:
        return None
    return open_dataset(catalog_path.parent / str(facts["folder"]))


def load_premises(catalog_path: str | Path) -> pd.DataFrame | None:
    """The stored counts (see :class:`geo.analysis.bduk.PremisesCounts`), or ``None``.

    ``attrs`` holds the layer's facts: districts imported, how premises were placed, the
    OS Open UPRN release, method and licence.
    """
    catalog_path = Path(catalog_path)
    if not catalog_path.exists():
        return None
    if PREMISES_LAYER not in {name for name, _ in pyogrio.list_layers(catalog_path)}:
        return None
    table = pyogrio.read_dataframe(catalog_path, layer=PREMISES_LAYER)
    table = table.astype({c: "int64" for c in COUNT_COLUMNS})
    table.attrs.update(load_catalog(catalog_path).meta.get(PREMISES_LAYER, {}))
    return table


def import_premises(
    paths: Iterable[str | Path],
    catalog_path: str | Path,
    *,
    engine: Engine = "single",
    uprn: UprnDataset | str | Path | None = None,
    synthetic: bool = False,
) -> PremisesCounts:
    """Read, place, count and store BDUK premises files (CSVs or zips of them).

    Parameters
    ----------
    uprn
        OS Open UPRN to place premises with; the catalogue's release in force when omitted.
    engine
        ``"single"`` or ``"dask"`` (on the current dask scheduler; see
        :mod:`geo.analysis.bduk`).

    Raises
    ------
    DataError
        Any problem in any file (nothing is stored), no boundaries or no OS Open UPRN release
        loaded, or no premises falling in any area.
    """
    catalog_path = Path(catalog_path)
    files = [Path(p) for p in paths]
    rows = read_premises(files)
    name = files[0].name if len(files) == 1 else f"{len(files)} BDUK files"
    cat = load_catalog(catalog_path)
    if not cat.areas:
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
    if engine == "dask" and not isinstance(dataset, UprnDataset):
        dataset = open_dataset(dataset)
    areas = {level: a[["area_code", "geometry"]] for level, a in cat.areas.items()}
    counts = count_premises(rows, areas, uprn=dataset, postcodes=cat.postcodes, engine=engine)
    if counts.table.empty:
        raise DataError.single(
            name, "has no premises in any loaded area: check the county and the boundaries"
        )
    _save(catalog_path, counts, rows.files, dataset, synthetic=synthetic)
    return counts


def _save(
    catalog_path: Path,
    counts: PremisesCounts,
    files: tuple[str, ...],
    dataset: UprnDataset | str | Path,
    *,
    synthetic: bool,
) -> None:
    new_districts = set(counts.located.index)
    release = dataset.release if isinstance(dataset, UprnDataset) else release_of(str(dataset))
    with _locked(catalog_path):
        old = load_premises(catalog_path)
        table = counts.table
        facts: dict[str, object] = dict(old.attrs) if old is not None else {}
        if old is not None:
            keep = old[~old["district"].isin(new_districts)]
            table = pd.concat([keep, table], ignore_index=True)
        districts = dict(facts.get("districts", {}))  # type: ignore[call-overload]
        outside = counts.outside.groupby("district")
        for district, located in counts.located.iterrows():
            per_level = {}
            if district in outside.groups:
                part = outside.get_group(district)
                per_level = dict(zip(part["level"], part["n_premises"].astype(int), strict=True))
            districts[str(district)] = {
                **{k: int(v) for k, v in located.items()},
                "outside": per_level,
                "files": list(files),
                "uprn_release": release,
                "imported": date.today().isoformat(),
            }
        facts.update(
            {
                "districts": districts,
                "source": sorted({f for d in districts.values() for f in d["files"]}),
                "method": METHOD,
                "licence": f"{BDUK_LINE} {OS_OPEN_UPRN_LINE}",
                "url": BDUK_PREMISES_URL,
                "synthetic": synthetic or bool(facts.get("synthetic")),
                "unlocated_sample": counts.unlocated[:20],
            }
        )
        table = table.sort_values(["level", "area_code", "district"], ignore_index=True)
        _write(catalog_path, {PREMISES_LAYER: table}, {PREMISES_LAYER: facts})


__all__ = [
    "PREMISES_LAYER",
    "UPRN_META",
    "import_premises",
    "import_uprn",
    "load_premises",
    "uprn_folder",
    "uprn_in_force",
]
