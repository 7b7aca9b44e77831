"""OS Open UPRN releases and BDUK "premises in BDUK plans" files in the import registry.

Both are recognised by their header (the OS Open UPRN GeoPackage by its field names, before any
boundary format reads it whole: it holds 41 million points). The BDUK CSVs of one zip are
read together, as one import (:func:`geo.storage.premises.import_premises`).
"""

from __future__ import annotations

from pathlib import Path

from geo.sources.bduk import is_premises_header
from geo.sources.formats import Candidate, Context, Format, ImportResult, register
from geo.sources.uprn import is_uprn_file, is_uprn_header


def _header(c: Candidate) -> str:
    return ",".join(c.header or [])


def _is_uprn(c: Candidate) -> bool:
    if c.suffix == ".gpkg":
        return c.path is not None and is_uprn_file(c.path)
    return c.header is not None and is_uprn_header(_header(c))


def _load_uprn(cands: list[Candidate], ctx: Context) -> ImportResult:
    from geo.storage.premises import import_uprn, uprn_in_force

    (c,) = cands
    layer = import_uprn(c.path or c.local_path(), ctx.catalog_path)
    dataset = uprn_in_force(ctx.catalog_path)
    rows = dataset.rows if dataset is not None else 0
    return ImportResult(layer, rows, [f"{c.label}: {rows:,} UPRNs, kept beside the catalogue"])


def _is_premises(c: Candidate) -> bool:
    return c.header is not None and is_premises_header(_header(c))


def _load_premises(cands: list[Candidate], ctx: Context) -> ImportResult:
    from geo.storage.premises import PREMISES_LAYER, import_premises

    cat = ctx.store.load_catalog(ctx.catalog_path)
    sources: list[tuple[str, Path]] = [(c.label, c.path or c.local_path()) for c in cands]
    counts = import_premises(
        sources, ctx.catalog_path, areas=cat.areas, postcodes=cat.postcodes,
        synthetic=ctx.synthetic,
    )  # fmt: skip
    t = counts.totals
    note = (
        f"{t['rows']:,} premises: {t['by_uprn']:,} placed by UPRN, {t['by_postcode']:,} by "
        f"postcode centroid (UPRN not in OS Open UPRN), {t['unlocated']:,} unlocated"
    )
    notes = [note, *(f"unlocated: {u['file']} row {u['row']} (UPRN {u['uprn']}): {u['reason']}"
                     for u in counts.unlocated[:10])]  # fmt: skip
    return ImportResult(PREMISES_LAYER, t["rows"], notes)


register(Format("os_open_uprn", "OS Open UPRN release", _is_uprn, _load_uprn), before="oa_areas")
register(
    Format(
        "bduk_premises", "BDUK premises in BDUK plans", _is_premises, _load_premises,
        lambda _c: ("bduk",),
    ),
    before="imd",
)  # fmt: skip

__all__: list[str] = []
