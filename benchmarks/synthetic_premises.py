"""SYNTHETIC BDUK premises files and OS Open UPRN releases, written in the published layouts.

Nothing here is real data. The writers produce byte layouts as published (see
``../shared/data/FORMATS.md``): BDUK's 28-column "premises in BDUK plans" CSV (one per
district, optionally zipped by region) and OS Open UPRN's ``osopenuprn_YYYYMM.csv`` (UTF-8 with
a byte-order mark, ``UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE``). Tests use them for
hand-made cases; benchmarks for national-size inputs generated at run time in a temp folder.

:func:`synthetic_country` makes a Great-Britain-sized set: postcodes scattered over the grid,
UPRNs around them (allocated in blocks per district, as councils allocate UPRNs), BDUK rows for
most UPRNs and a few UPRNs BDUK lists that the release lacks (they fall back to the postcode).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pyproj import Transformer

from geo.config import GB_GRID_MAX, WORKING_CRS
from geo.sources.bduk import SUBSIDY_LABELS, SUBSIDY_STATUSES

BDUK_HEADER: tuple[str, ...] = (
    "uprn", "struprn", "bduk_recognised_premises", "country", "postcode", "lot_id", "lot_name",
    "subsidy_control_status", "current_gigabit", "future_gigabit",
    "local_authority_district_ons_code", "local_authority_district_ons", "region_ons_code",
    "region_ons", "bduk_gis", "bduk_gis_contract_scope", "bduk_gis_final_coverage_date",
    "bduk_gis_contract_name", "bduk_gis_supplier", "bduk_vouchers",
    "bduk_vouchers_contract_name", "bduk_vouchers_supplier", "bduk_superfast",
    "bduk_superfast_contract_name", "bduk_superfast_supplier", "bduk_hubs",
    "bduk_hubs_contract_name", "bduk_hubs_supplier",
)  # fmt: skip
"""The published header, in order (FORMATS.md)."""
OPEN_UPRN_HEADER = ("UPRN", "X_COORDINATE", "Y_COORDINATE", "LATITUDE", "LONGITUDE")
GB_BOUNDS = (0.0, 0.0, GB_GRID_MAX[0], GB_GRID_MAX[1])
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TO_LONLAT = Transformer.from_crs(WORKING_CRS, "EPSG:4326", always_xy=True)


def _words(values: np.ndarray, words: Sequence[str]) -> pa.DictionaryArray:
    """A dictionary array: ``words[values[i]]`` per row (cheap for millions of rows)."""
    return pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(values, dtype=np.int32)), pa.array(list(words))
    )


def _const(n: int, word: str) -> pa.DictionaryArray:
    return _words(np.zeros(n, dtype=np.int32), [word])


def bduk_table(
    *,
    uprn: np.ndarray,
    postcode: Sequence[str] | pa.Array,
    status: np.ndarray,
    current: np.ndarray,
    future: np.ndarray,
    gis: np.ndarray,
    vouchers: np.ndarray,
    district: str,
    district_name: str = "Synthetic district",
    true_false: tuple[str, str] = ("False", "True"),
) -> pa.Table:
    """Rows in BDUK's layout. ``status`` indexes :data:`SUBSIDY_STATUSES`; flags are bools."""
    n = len(uprn)
    tf = list(true_false)
    gis = np.asarray(gis, dtype=bool)
    vouchers = np.asarray(vouchers, dtype=bool)
    labels = [SUBSIDY_LABELS[s] for s in SUBSIDY_STATUSES]
    uprn_text = pa.array(np.asarray(uprn, dtype=np.int64)).cast(pa.string())
    columns = {
        "uprn": uprn_text,
        "struprn": uprn_text,
        "bduk_recognised_premises": _const(n, tf[1]),
        "country": _const(n, "England"),
        "postcode": postcode if isinstance(postcode, pa.Array) else pa.array(list(postcode)),
        "lot_id": _const(n, "99"),
        "lot_name": _const(n, "Synthetic lot"),
        "subsidy_control_status": _words(np.asarray(status), labels),
        "current_gigabit": _words(np.asarray(current, dtype=np.int32), tf),
        "future_gigabit": _words(np.asarray(future, dtype=np.int32), tf),
        "local_authority_district_ons_code": _const(n, district),
        "local_authority_district_ons": _const(n, district_name),
        "region_ons_code": _const(n, "E12000006"),
        "region_ons": _const(n, "East of England"),
        "bduk_gis": _words(gis.astype(np.int32), tf),
        "bduk_gis_contract_scope": _words(gis.astype(np.int32), ["", "In Scope"]),
        "bduk_gis_final_coverage_date": _words(gis.astype(np.int32), ["", "2027-03-31"]),
        "bduk_gis_contract_name": _words(gis.astype(np.int32), ["", "Synthetic contract"]),
        "bduk_gis_supplier": _words(gis.astype(np.int32), ["", "Synthetic Fibre Ltd"]),
        "bduk_vouchers": _words(vouchers.astype(np.int32), tf),
        "bduk_vouchers_contract_name": _words(vouchers.astype(np.int32), ["", "Synthetic"]),
        "bduk_vouchers_supplier": _words(vouchers.astype(np.int32), ["", "Synthetic Net"]),
        "bduk_superfast": _const(n, tf[0]),
        "bduk_superfast_contract_name": _const(n, ""),
        "bduk_superfast_supplier": _const(n, ""),
        "bduk_hubs": _const(n, tf[0]),
        "bduk_hubs_contract_name": _const(n, ""),
        "bduk_hubs_supplier": _const(n, ""),
    }
    assert tuple(columns) == BDUK_HEADER
    return pa.table({k: v.cast(pa.string()) for k, v in columns.items()})


def write_bduk_csv(path: str | Path, table: pa.Table) -> Path:
    """Write rows from :func:`bduk_table` as BDUK does (unquoted unless needed)."""
    path = Path(path)
    options = pacsv.WriteOptions(quoting_style="none")  # synthetic values hold no commas
    pacsv.write_csv(table, path, write_options=options)
    _unquote_header(path)
    return path


def _unquote_header(path: Path) -> None:
    """pyarrow quotes header names; BDUK's header is bare."""
    with path.open("r+b") as fh:
        first = fh.readline()
        bare = first.replace(b'"', b"")
        rest_at = len(first)
        if bare == first:
            return
        fh.seek(rest_at)
        rest = fh.read()
        fh.seek(0)
        fh.write(bare + rest)
        fh.truncate()


def write_open_uprn_csv(
    path: str | Path, uprn: np.ndarray, x: np.ndarray, y: np.ndarray, *, chunk: int = 2_000_000
) -> Path:
    """Write an OS Open UPRN CSV: BOM, header, X/Y to 2 decimals, lat/lon to 8 (in chunks)."""
    path = Path(path)
    with path.open("wb") as fh:
        fh.write(b"\xef\xbb\xbf" + ",".join(OPEN_UPRN_HEADER).encode() + b"\n")
        for start in range(0, len(uprn), chunk):
            part = slice(start, start + chunk)
            xs, ys = np.asarray(x[part], float), np.asarray(y[part], float)
            lon, lat = _TO_LONLAT.transform(xs, ys)
            table = pa.table(
                {
                    "UPRN": pa.array(np.asarray(uprn[part], dtype=np.int64)),
                    "X_COORDINATE": pa.array(np.round(xs, 2)),
                    "Y_COORDINATE": pa.array(np.round(ys, 2)),
                    "LATITUDE": pa.array(np.round(lat, 8)),
                    "LONGITUDE": pa.array(np.round(lon, 8)),
                }
            )
            pacsv.write_csv(table, fh, write_options=pacsv.WriteOptions(include_header=False))
    return path


def zip_files(path: str | Path, files: Sequence[Path]) -> Path:
    """A regional zip of district CSVs, as BDUK ships them."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for f in files:
            zf.write(f, f.name)
    return path


def synthetic_postcode_names(n: int) -> np.ndarray:
    """``n`` distinct, well-formed postcodes that no real one can be (no area starts with Q)."""
    if n > 26 * 90 * 6760:
        raise ValueError("too many synthetic postcodes")
    i = np.arange(n)
    L = _LETTERS
    out, inward = i // 6760, i % 6760
    return np.array(
        [
            f"Q{L[o // 90]}{10 + o % 90} {w // 676}{L[w // 26 % 26]}{L[w % 26]}"
            for o, w in zip(out.tolist(), inward.tolist(), strict=True)
        ],
        dtype=object,
    )


@dataclass(frozen=True)
class SyntheticCountry:
    """What :func:`synthetic_country` wrote (all SYNTHETIC)."""

    uprn_csv: Path
    bduk_files: tuple[Path, ...]
    postcodes: pd.DataFrame
    n_uprn: int
    n_bduk: int
    n_missing: int
    """BDUK rows whose UPRN the release lacks (placed by postcode)."""
    district_boxes: dict[str, tuple[float, float, float, float]]
    """Each BDUK file's name → the box its premises lie in (its grid cell, 60 m wider)."""


def synthetic_country(
    folder: str | Path,
    *,
    n_uprn: int,
    n_bduk: int,
    n_districts: int = 300,
    missing_share: float = 0.005,
    bounds: tuple[float, float, float, float] = GB_BOUNDS,
    per_postcode: int = 24,
    seed: int = 0,
) -> SyntheticCountry:
    """Write a synthetic OS Open UPRN release and BDUK district files into ``folder``.

    Districts are the cells of a grid over ``bounds``; UPRNs are allocated in one block per
    district (as councils allocate them), scattered within 60 m of a postcode centroid. BDUK
    lists ``n_bduk`` of the UPRNs plus ``missing_share`` of that many that the release lacks.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = bounds
    n_pc = max(1, n_uprn // per_postcode)
    pc_x = rng.uniform(minx + 100, maxx - 100, n_pc).round()
    pc_y = rng.uniform(miny + 100, maxy - 100, n_pc).round()
    cols = max(1, round(np.sqrt(n_districts * (maxx - minx) / (maxy - miny))))
    rows = max(1, int(np.ceil(n_districts / cols)))
    pc_district = np.minimum(
        ((pc_x - minx) / (maxx - minx) * cols).astype(int), cols - 1
    ) * rows + np.minimum(((pc_y - miny) / (maxy - miny) * rows).astype(int), rows - 1)
    pc_names = synthetic_postcode_names(n_pc)
    postcodes = pd.DataFrame(
        {"easting": pc_x, "northing": pc_y, "terminated": False},
        index=pd.Index(pc_names, name="postcode"),
    )
    pc_array = pa.array(pc_names.tolist())
    n_missing = int(n_bduk * missing_share)
    total = n_uprn + n_missing
    home = rng.integers(0, n_pc, total)
    home_d = pc_district[home]
    order = np.argsort(home_d, kind="stable")  # UPRNs allocated in blocks per district
    home, home_d = home[order], home_d[order]
    uprn = 10_000_000_000 + np.arange(total, dtype=np.int64) * 7 + rng.integers(0, 7, total)
    x = np.clip(pc_x[home] + rng.uniform(-60, 60, total), minx, maxx).round(2)
    y = np.clip(pc_y[home] + rng.uniform(-60, 60, total), miny, maxy).round(2)
    in_release = np.ones(total, dtype=bool)
    in_release[rng.choice(total, n_missing, replace=False)] = False
    write_open_uprn_csv(
        folder / "osopenuprn_202507.csv", uprn[in_release], x[in_release], y[in_release]
    )
    listed = np.flatnonzero(in_release)
    listed = np.sort(
        np.concatenate([rng.choice(listed, n_bduk, replace=False), np.flatnonzero(~in_release)])
    )
    files = []
    boxes: dict[str, tuple[float, float, float, float]] = {}
    cell_w, cell_h = (maxx - minx) / cols, (maxy - miny) / rows
    starts = np.searchsorted(home_d[listed], np.arange(cols * rows + 1))
    for d in range(cols * rows):
        part = listed[starts[d] : starts[d + 1]]
        if len(part) == 0:
            continue
        m = len(part)
        table = bduk_table(
            uprn=uprn[part],
            postcode=pc_array.take(pa.array(home[part])),
            status=rng.choice(3, m, p=[0.2, 0.75, 0.05]),
            current=rng.random(m) < 0.7,
            future=rng.random(m) < 0.85,
            gis=rng.random(m) < 0.15,
            vouchers=rng.random(m) < 0.02,
            district=f"S97{d:06d}",
            district_name=f"Synthetic district {d}",
        )
        files.append(write_bduk_csv(folder / f"S97{d:06d}.csv", table))
        cx, cy = minx + (d // rows) * cell_w, miny + (d % rows) * cell_h
        boxes[files[-1].name] = (cx - 60, cy - 60, cx + cell_w + 60, cy + cell_h + 60)
    return SyntheticCountry(
        uprn_csv=folder / "osopenuprn_202507.csv",
        bduk_files=tuple(files),
        postcodes=postcodes,
        n_uprn=int(in_release.sum()),
        n_bduk=len(listed),
        n_missing=n_missing,
        district_boxes=boxes,
    )


__all__ = [
    "BDUK_HEADER",
    "GB_BOUNDS",
    "OPEN_UPRN_HEADER",
    "SyntheticCountry",
    "bduk_table",
    "synthetic_country",
    "synthetic_postcode_names",
    "write_bduk_csv",
    "write_open_uprn_csv",
    "zip_files",
]
