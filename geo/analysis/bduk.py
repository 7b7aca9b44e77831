"""BDUK premises per division: place every premises, then count its statuses per area.

Placing
    Each premises is placed at its UPRN's OS Open UPRN coordinates. A UPRN missing from the
    release falls back to its postcode's centroid from the postcode directory; such premises
    are counted (``n_by_postcode``) and labelled. A premises with neither is *unlocated*:
    counted per district and listed by file and row, never dropped silently.
Counting
    Every premises carries one small key: its district (by position in the rows' categories)
    times :data:`N_KEYS`, plus its status flags (:mod:`geo.sources.bduk`) and
    :data:`BY_POSTCODE`. Points are counted per (area, key) with
    :func:`geo.geometry.aggregate.count_by_area_xy`; the measures (:data:`MEASURES`) are sums
    over keys, so every figure is a count of premises and every percentage is
    ``100 × n / n_premises`` of summed counts.
Engines
    ``"single"`` streams any form of OS Open UPRN once on this machine (a county).
    ``"dask"`` reads a prepared dataset (:func:`geo.sources.uprn.prepare_uprn`) lazily,
    partition by partition, on the current dask scheduler (a local cluster or
    ``distributed.Client("tcp://host:8786")``): each spatial partition is joined with the BDUK
    rows by UPRN and tested only against the areas touching it
    (:func:`geo.geometry.partitioned.count_by_area`). Both give the same counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.geometry.aggregate import AREA_CODE, add_counts, count_by_area_xy
from geo.sources.bduk import (
    BDUK_GIS,
    BDUK_VOUCHERS,
    CURRENT_GIGABIT,
    FUTURE_GIGABIT,
    N_FLAGS,
    STATUS_MASK,
    SUBSIDY_LABELS,
    SUBSIDY_STATUSES,
    PremisesRows,
)
from geo.sources.uprn import (
    UprnDataset,
    lookup_uprn,
    open_dataset,
    partition_regions,
    read_partition,
)

BY_POSTCODE = N_FLAGS
"""Key bit: the premises was placed at its postcode centroid (its UPRN is not in the release)."""
N_KEYS = 2 * N_FLAGS
"""Keys per district: the status flags and :data:`BY_POSTCODE`."""
Engine = Literal["single", "dask"]


@dataclass(frozen=True)
class PremisesMeasure:
    """A count of premises per area, as a test on each premises' key bits."""

    key: str
    label: str
    test: Callable[[np.ndarray], np.ndarray]


def _status(index: int) -> Callable[[np.ndarray], np.ndarray]:
    return lambda flags: (flags & STATUS_MASK) == index


def _bit(bit: int) -> Callable[[np.ndarray], np.ndarray]:
    return lambda flags: (flags & bit) != 0


MEASURES: dict[str, PremisesMeasure] = {
    m.key: m
    for m in (
        PremisesMeasure("premises", "Premises in BDUK plans", lambda f: np.ones(len(f), bool)),
        *(
            PremisesMeasure(s, SUBSIDY_LABELS[s], _status(i))
            for i, s in enumerate(SUBSIDY_STATUSES)
        ),
        PremisesMeasure("current_gigabit", "Gigabit-capable now", _bit(CURRENT_GIGABIT)),
        PremisesMeasure("future_gigabit", "Gigabit planned", _bit(FUTURE_GIGABIT)),
        PremisesMeasure("bduk_gis", "In a BDUK contract (GIS)", _bit(BDUK_GIS)),
        PremisesMeasure("bduk_vouchers", "In the voucher scheme", _bit(BDUK_VOUCHERS)),
        PremisesMeasure(
            "in_scheme", "In a BDUK contract or voucher scheme", _bit(BDUK_GIS | BDUK_VOUCHERS)
        ),
        PremisesMeasure(
            "white_unserved",
            "White with no gigabit, none planned and no BDUK scheme",
            lambda f: (
                ((f & STATUS_MASK) == 0)
                & ((f & (CURRENT_GIGABIT | FUTURE_GIGABIT | BDUK_GIS | BDUK_VOUCHERS)) == 0)
            ),
        ),
        PremisesMeasure("by_postcode", "Placed by postcode centroid", _bit(BY_POSTCODE)),
    )
}
"""The per-area counts, in display order: column ``n_<key>`` and ``pct_<key>`` of premises."""
COUNT_COLUMNS: tuple[str, ...] = tuple(f"n_{k}" for k in MEASURES)
METHOD = (
    "Each premises in BDUK's file is placed at its UPRN's OS Open UPRN coordinates, or at its "
    "postcode's centroid when the UPRN is not in that release, and counted in the area holding "
    "it (a premises on a shared border counts once, in the lower area code). Percentages are "
    "of the premises counted in the area."
)
MAX_UNLOCATED_LISTED = 100


@dataclass
class PremisesCounts:
    """What :func:`count_premises` found.

    Attributes
    ----------
    table
        One row per (``level``, ``area_code``, ``district``) with any premises:
        :data:`COUNT_COLUMNS` (int64).
    outside
        Per (``level``, ``district``): premises placed but in no area of that level
        (``n_premises``, ``n_by_postcode``).
    located
        Per ``district``: ``rows``, ``by_uprn``, ``by_postcode``, ``unlocated``.
    unlocated
        Up to :data:`MAX_UNLOCATED_LISTED` unlocated premises: file, row, UPRN, postcode and why.
    """

    table: pd.DataFrame
    outside: pd.DataFrame
    located: pd.DataFrame
    unlocated: list[dict[str, object]] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        """Rows read and how they were placed, over every district."""
        return {k: int(self.located[k].sum()) for k in self.located.columns}


def _base_keys(rows: PremisesRows) -> np.ndarray:
    """district × N_KEYS + flags, as int32 (4 bytes a premises: 30 million fit in 120 MB)."""
    codes = np.asarray(rows.district.codes, dtype=np.int32)
    return codes * np.int32(N_KEYS) + rows.flags.astype(np.int32)


def _postcode_points(
    rows: PremisesRows, need: np.ndarray, postcodes: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y (NaN when unusable) and a reason code for the rows at positions ``need``.

    Reason codes: 0 placed, 1 blank postcode, 2 no postcode directory loaded, 3 postcode not
    in the directory, 4 postcode without a grid reference.
    """
    codes = np.asarray(rows.postcode.codes, dtype=np.int64)[need]
    x = np.full(len(need), np.nan)
    y = np.full(len(need), np.nan)
    reason = np.where(codes < 0, 1, 0)
    if postcodes is None:
        reason[codes >= 0] = 2
        return x, y, reason
    found = postcodes.index.get_indexer(pd.Index(rows.postcode.categories))
    where = np.where(codes >= 0, found[np.maximum(codes, 0)], -1)
    reason[(codes >= 0) & (where < 0)] = 3
    ok = where >= 0
    east = postcodes["easting"].to_numpy(dtype=float)
    north = postcodes["northing"].to_numpy(dtype=float)
    x[ok], y[ok] = east[where[ok]], north[where[ok]]
    reason[ok & np.isnan(x)] = 4
    return x, y, reason


_REASONS = {
    1: "UPRN not in OS Open UPRN and the postcode is blank",
    2: "UPRN not in OS Open UPRN and no postcode directory is loaded",
    3: "UPRN not in OS Open UPRN and the postcode is not in the postcode directory",
    4: "UPRN not in OS Open UPRN and the postcode has no grid reference",
}


def _count_levels(
    x: np.ndarray, y: np.ndarray, keys: np.ndarray, areas: Mapping[str, gpd.GeoDataFrame]
) -> dict[str, tuple[pd.DataFrame, pd.Series]]:
    return {level: count_by_area_xy(x, y, keys, a) for level, a in areas.items()}


def count_premises(
    rows: PremisesRows,
    areas: Mapping[str, gpd.GeoDataFrame],
    *,
    uprn: str | Path | UprnDataset,
    postcodes: pd.DataFrame | None = None,
    engine: Engine = "single",
) -> PremisesCounts:
    """Place BDUK premises and count their statuses per area, for every level in ``areas``.

    Parameters
    ----------
    rows
        From :func:`geo.sources.bduk.read_premises`.
    areas
        Level key (``"ced"`` …) → polygons with ``area_code`` in EPSG:27700.
    uprn
        OS Open UPRN: a published file or a prepared dataset (``engine="single"``), or a
        prepared dataset (``engine="dask"``).
    postcodes
        The postcode directory (index: normalised postcode; ``easting``, ``northing``) for
        UPRNs the release lacks; ``None`` leaves them unlocated.
    engine
        ``"single"`` or ``"dask"`` (see the module docstring); the counts are the same.

    Returns
    -------
    PremisesCounts
    """
    keys = _base_keys(rows)
    order = rows.order if rows.order is not None else np.argsort(rows.uprn, kind="stable")
    sorted_uprn, sorted_keys = rows.uprn[order], keys[order]
    if engine == "single":
        dataset = _as_dataset(uprn)
        if dataset is None:  # a published file: stream it once
            xs, ys = lookup_uprn(uprn, sorted_uprn)  # type: ignore[arg-type]
            by_uprn_sorted = ~np.isnan(xs)
            hit = order[by_uprn_sorted]
            results = _count_levels(xs[by_uprn_sorted], ys[by_uprn_sorted], keys[hit], areas)
        else:
            parts = [_read_join(f, sorted_uprn, sorted_keys) for f in dataset.files]
            joined = pd.concat(parts, ignore_index=True)
            x, y, k = (joined[c].to_numpy() for c in ("x", "y", "key"))
            results = _count_levels(x, y, k, areas)
            by_uprn_sorted = np.zeros(len(rows), dtype=bool)
            by_uprn_sorted[joined["pos"].to_numpy()] = True
    elif engine == "dask":
        dataset = _as_dataset(uprn)
        if dataset is None:
            raise TypeError("engine='dask' needs a prepared dataset (see prepare_uprn)")
        results, by_uprn_sorted = _count_partitioned(dataset, sorted_uprn, sorted_keys, areas)
    else:
        raise ValueError(f"engine must be 'single' or 'dask', not {engine!r}")
    by_uprn = np.zeros(len(rows), dtype=bool)
    by_uprn[order[by_uprn_sorted]] = True
    need = np.flatnonzero(~by_uprn)
    px, py, reason = _postcode_points(rows, need, postcodes)
    placed = reason == 0
    fallback = _count_levels(px[placed], py[placed], keys[need[placed]] | BY_POSTCODE, areas)
    results = {level: add_counts(results[level], fallback[level]) for level in areas}
    return _assemble(rows, results, by_uprn, need, placed, reason)


def _as_dataset(uprn: str | Path | UprnDataset) -> UprnDataset | None:
    if isinstance(uprn, UprnDataset):
        return uprn
    return open_dataset(uprn) if Path(uprn).is_dir() else None


_CHUNK = 1 << 16


def _find(sorted_uprn: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Position of each of ``u`` in ``sorted_uprn``, or -1.

    ``u`` is searched in sorted chunks, each within the slice of ``sorted_uprn`` its range
    spans: a prepared file's UPRNs are sorted and clustered, so the slices stay small and the
    search stays in cache (one binary search over 30 million UPRNs per point would not).
    """
    out = np.full(len(u), -1, dtype=np.int64)
    if len(sorted_uprn) == 0 or len(u) == 0:
        return out
    order = None if np.all(u[1:] >= u[:-1]) else np.argsort(u, kind="stable")
    q = u if order is None else u[order]
    found = np.empty(len(q), dtype=np.int64)
    for start in range(0, len(q), _CHUNK):
        chunk = q[start : start + _CHUNK]
        lo = int(np.searchsorted(sorted_uprn, chunk[0], side="left"))
        hi = int(np.searchsorted(sorted_uprn, chunk[-1], side="right"))
        window = sorted_uprn[lo:hi]
        if len(window) == 0:
            found[start : start + len(chunk)] = -1
            continue
        pos = np.minimum(np.searchsorted(window, chunk), len(window) - 1)
        found[start : start + len(chunk)] = np.where(window[pos] == chunk, pos + lo, -1)
    if order is None:
        return found
    out[order] = found
    return out


def _read_join(file: Path, sorted_uprn: np.ndarray, sorted_keys: np.ndarray) -> pd.DataFrame:
    """One prepared file, joined (see :func:`_join_partition`); unneeded row groups unread."""
    return _join_partition(read_partition(file, wanted=sorted_uprn), sorted_uprn, sorted_keys)


def _join_partition(part: pd.DataFrame, sorted_uprn: np.ndarray, sorted_keys: np.ndarray):
    """The UPRNs of one partition that BDUK lists: x, y, key, and position in the sorted rows."""
    found = _find(sorted_uprn, part["uprn"].to_numpy())
    hit = found >= 0
    pos = found[hit]
    return pd.DataFrame(
        {
            "x": part["x"].to_numpy()[hit],
            "y": part["y"].to_numpy()[hit],
            "key": sorted_keys[pos].astype(np.int64),
            "pos": pos,
        }
    )


def _positions(part: pd.DataFrame) -> np.ndarray:
    return part["pos"].to_numpy()


def _shared(value: object) -> object:
    """``value`` sent to every worker once (a cluster) or wrapped for the local scheduler."""
    import dask
    from distributed import get_client  # only the dask engine needs dask (extra "scale")

    try:
        return get_client().scatter(value, broadcast=True, hash=False)
    except ValueError:
        return dask.delayed(value, pure=True)


def _count_partitioned(
    dataset: UprnDataset,
    sorted_uprn: np.ndarray,
    sorted_keys: np.ndarray,
    areas: Mapping[str, gpd.GeoDataFrame],
) -> tuple[dict[str, tuple[pd.DataFrame, pd.Series]], np.ndarray]:
    import dask
    import dask.dataframe as dd

    from geo.geometry.partitioned import count_by_area_tasks

    regions = partition_regions(dataset)
    meta = pd.DataFrame(
        {
            "x": pd.Series(dtype=float),
            "y": pd.Series(dtype=float),
            "key": pd.Series(dtype=np.int64),
            "pos": pd.Series(dtype=np.int64),
        }
    )
    shared_uprn, shared_keys = _shared(sorted_uprn), _shared(sorted_keys)
    joined = dd.from_delayed(
        [dask.delayed(_read_join)(f, shared_uprn, shared_keys) for f in dataset.files],
        meta=meta,
        verify_meta=False,
    )
    tasks = {
        level: count_by_area_tasks(joined, a, key="key", xy=("x", "y"), regions=regions)
        for level, a in areas.items()
    }
    matched = [dask.delayed(_positions)(p) for p in joined.to_delayed()]
    results, positions = dask.compute(tasks, matched)
    by_uprn = np.zeros(len(sorted_uprn), dtype=bool)
    for p in positions:
        by_uprn[p] = True
    return results, by_uprn


def _decode(keys: np.ndarray, rows: PremisesRows) -> tuple[np.ndarray, np.ndarray]:
    """District codes (as written) and flags of each key."""
    districts = np.asarray(rows.district.categories, dtype=object)
    return districts[keys // N_KEYS], keys % N_KEYS


def _measure_columns(flags: np.ndarray, n: np.ndarray) -> dict[str, np.ndarray]:
    return {f"n_{k}": np.where(m.test(flags), n, 0).astype(np.int64) for k, m in MEASURES.items()}


def _assemble(
    rows: PremisesRows,
    results: dict[str, tuple[pd.DataFrame, pd.Series]],
    by_uprn: np.ndarray,
    need: np.ndarray,
    placed: np.ndarray,
    reason: np.ndarray,
) -> PremisesCounts:
    tables, outside = [], []
    for level, (counts, out) in results.items():
        district, flags = _decode(counts["key"].to_numpy(), rows)
        frame = pd.DataFrame(
            {"level": level, AREA_CODE: counts[AREA_CODE].to_numpy(), "district": district}
        )
        frame = frame.assign(**_measure_columns(flags, counts["n"].to_numpy()))
        tables.append(frame.groupby(["level", AREA_CODE, "district"], as_index=False).sum())
        o_district, o_flags = _decode(out.index.to_numpy(), rows)
        o = pd.DataFrame({"level": level, "district": o_district})
        o = o.assign(**_measure_columns(o_flags, out.to_numpy()))
        outside.append(o.groupby(["level", "district"], as_index=False)[list(COUNT_COLUMNS)].sum())
    table = pd.concat(tables, ignore_index=True) if tables else _empty_table()
    district = np.asarray(rows.district.codes)
    n_districts = len(rows.district.categories)
    by_postcode = np.zeros(len(rows), dtype=bool)
    by_postcode[need[placed]] = True
    unlocated = np.zeros(len(rows), dtype=bool)
    unlocated[need[~placed]] = True
    located = pd.DataFrame(
        {
            "rows": np.bincount(district, minlength=n_districts),
            "by_uprn": np.bincount(district[by_uprn], minlength=n_districts),
            "by_postcode": np.bincount(district[by_postcode], minlength=n_districts),
            "unlocated": np.bincount(district[unlocated], minlength=n_districts),
        },
        index=pd.Index(rows.district.categories, name="district"),
    ).astype(np.int64)
    listed = need[~placed][:MAX_UNLOCATED_LISTED]
    why = reason[~placed][:MAX_UNLOCATED_LISTED]
    postcodes = np.asarray(rows.postcode[listed], dtype=object)
    sample = [
        {
            "file": f,
            "row": r,
            "uprn": int(rows.uprn[p]),
            "postcode": "" if pd.isna(pc) else str(pc),
            "reason": _REASONS[int(w)],
        }
        for (f, r), p, pc, w in zip(
            rows.locate(listed), listed.tolist(), postcodes, why.tolist(), strict=True
        )
    ]
    return PremisesCounts(
        table=table.sort_values(["level", AREA_CODE, "district"], ignore_index=True),
        outside=pd.concat(outside, ignore_index=True) if outside else pd.DataFrame(),
        located=located,
        unlocated=sample,
    )


def _empty_table() -> pd.DataFrame:
    cols = {c: pd.Series(dtype=np.int64) for c in COUNT_COLUMNS}
    return pd.DataFrame({"level": [], AREA_CODE: [], "district": [], **cols})


def premises_figures(
    table: pd.DataFrame, areas: gpd.GeoDataFrame | pd.DataFrame, *, level: str
) -> pd.DataFrame:
    """Counts and percentages per area of one level, every area of ``areas`` included.

    Parameters
    ----------
    table
        :attr:`PremisesCounts.table` (or the catalogue's stored copy of it).
    areas
        The level's areas (``area_code``); areas without premises get 0 and NaN percentages.

    Returns
    -------
    DataFrame
        Index ``area_code`` in the order of ``areas``; :data:`COUNT_COLUMNS` (int64, summed
        over districts) and ``pct_<key>`` = ``100 × n_<key> / n_premises`` (NaN where no
        premises) for every measure except ``premises``.
    """
    rows = table[table["level"] == level]
    summed = rows.groupby(AREA_CODE)[list(COUNT_COLUMNS)].sum()
    index = pd.Index(areas[AREA_CODE].astype(str), name=AREA_CODE)
    out = summed.reindex(index).fillna(0).astype(np.int64)
    return with_percentages(out)


def with_percentages(counts: pd.DataFrame) -> pd.DataFrame:
    """Add ``pct_<key>`` beside each ``n_<key>`` of premises (NaN where ``n_premises`` is 0)."""
    out = counts.copy()
    base = out["n_premises"].where(out["n_premises"] > 0).astype(float)
    for key in MEASURES:
        if key != "premises":
            out[f"pct_{key}"] = 100.0 * out[f"n_{key}"] / base
    return out


def premises_totals(
    table: pd.DataFrame, *, level: str, codes: Sequence[str] | None = None
) -> pd.Series:
    """Counts and percentages summed over the areas of one level (all, or ``codes``)."""
    rows = table[table["level"] == level]
    if codes is not None:
        rows = rows[rows[AREA_CODE].isin(list(codes))]
    summed = rows[list(COUNT_COLUMNS)].sum().astype(np.int64).to_frame().T
    return with_percentages(summed).iloc[0]


__all__ = [
    "BY_POSTCODE",
    "COUNT_COLUMNS",
    "MEASURES",
    "METHOD",
    "N_KEYS",
    "PremisesCounts",
    "PremisesMeasure",
    "count_premises",
    "premises_figures",
    "premises_totals",
    "with_percentages",
]
