"""Check an uploaded file against a layer before anything is stored: report or preview.

:func:`check_upload` is the whole of the Data page's decision, as a pure function of the bytes:
either every problem (row, column, value, reason) and no records, or the validated records and
their per-area aggregate. Saving is a separate, explicit step (:func:`geo.storage.store.save`).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from geo.config import UPLOAD_CHECK_CACHE_SIZE
from geo.errors import DataError, Problem
from layers.base import ReadContext, registered

REPORT_COLUMNS = ("row", "column", "value", "reason")


@dataclass(frozen=True)
class UploadCheck:
    """The outcome of checking one file for one layer.

    Attributes
    ----------
    layer, filename, sha256
        What was checked.
    records
        Validated records (EPSG:27700), or ``None`` when the file has problems.
    problems
        Every problem found; empty when the file is good.
    aggregate
        ``records`` aggregated to ``areas`` (index ``area_code``), or ``None``.
    excluded, outside
        Rows the reader left out on purpose (e.g. closed schools); records in no area.
    """

    layer: str
    filename: str
    sha256: str
    records: gpd.GeoDataFrame | None
    problems: list[Problem] = field(default_factory=list)
    aggregate: pd.DataFrame | None = None
    excluded: int = 0
    outside: int = 0

    @property
    def ok(self) -> bool:
        """True when the file can be saved."""
        return self.records is not None and not self.problems

    def report(self) -> pd.DataFrame:
        """The validation report: one row per problem, columns :data:`REPORT_COLUMNS` (text).

        A problem with the whole file has a blank row and column.
        """
        rows = [
            {
                "row": "" if p.row is None else str(p.row),
                "column": p.column or "",
                "value": "" if p.value is None else str(p.value),
                "reason": p.reason,
            }
            for p in self.problems
        ]
        return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))


_CHECKS: OrderedDict[Hashable, UploadCheck] = OrderedDict()
"""Recent checks, newest last (at most :data:`~geo.config.UPLOAD_CHECK_CACHE_SIZE`)."""


def _fingerprint(context: ReadContext, areas: gpd.GeoDataFrame) -> Hashable:
    """A plain value that changes when anything a check depends on changes.

    ``context.stamp`` (e.g. the catalogue's file stamp) when the caller gives one; otherwise a
    hash of the postcode directory and the county outline. The areas count by their codes and
    bounds, ``today`` by its value.
    """
    if context.stamp is not None:
        source: Hashable = context.stamp
    else:
        pcs = context.postcodes
        pc_hash = None if pcs is None else int(pd.util.hash_pandas_object(pcs).sum())
        county = None if context.county is None else shapely.to_wkb(context.county)
        source = (pc_hash, None if county is None else hashlib.sha256(county).hexdigest())
    bounds = shapely.bounds(areas.geometry.array).round(3).tobytes()
    codes = "\x1f".join(map(str, areas["area_code"])).encode()
    return (source, context.today, hashlib.sha256(codes + bounds).hexdigest())


def check_upload(
    data: bytes,
    *,
    filename: str,
    layer: str,
    context: ReadContext,
    areas: gpd.GeoDataFrame,
) -> UploadCheck:
    """Read ``data`` with ``layer``'s reader and aggregate it to ``areas``; never raises DataError.

    A file is read and validated once: the outcome is remembered by the SHA-256 of its bytes,
    its name, the layer and a fingerprint of the context and areas, so a page rerun with the
    same upload costs a hash, not a second validation. Treat the returned check (and its
    frames) as read-only: it may be shared with later calls.

    Parameters
    ----------
    data, filename
        The uploaded file.
    layer
        A key of :func:`layers.base.registered`.
    context
        Postcodes, county outline and today's date for the reader.
    areas
        ``area_code``, ``area_name``, geometry (EPSG:27700).
    """
    layers = registered()
    if layer not in layers:
        raise ValueError(f"layer must be one of {sorted(layers)}, not {layer!r}")
    digest = hashlib.sha256(data).hexdigest()
    key = (digest, filename, layer, _fingerprint(context, areas))
    if key in _CHECKS:
        _CHECKS.move_to_end(key)
        return _CHECKS[key]
    check = _check(data, digest, filename=filename, layer=layer, context=context, areas=areas)
    _CHECKS[key] = check
    while len(_CHECKS) > UPLOAD_CHECK_CACHE_SIZE:
        _CHECKS.popitem(last=False)
    return check


def _check(
    data: bytes,
    digest: str,
    *,
    filename: str,
    layer: str,
    context: ReadContext,
    areas: gpd.GeoDataFrame,
) -> UploadCheck:
    spec = registered()[layer]
    try:
        records = spec.read(data, filename=filename, context=context)
    except DataError as err:
        return UploadCheck(layer, filename, digest, None, problems=list(err.problems))
    options = {"on": context.today} if layer == "pilots" else {}
    agg = spec.aggregate(records, areas, **options)
    return UploadCheck(
        layer, filename, digest, records, aggregate=agg,
        excluded=int(records.attrs.get("excluded", 0)), outside=int(agg.attrs.get("outside", 0)),
    )  # fmt: skip


__all__ = ["REPORT_COLUMNS", "UploadCheck", "check_upload"]
