"""The digital-inclusion risk index's files in the import registry (:mod:`geo.sources.formats`).

Census 2021 age tables (TS007 / TS007A), Ofcom mobile coverage area CSVs and mobile API JSON,
and council-held indicator CSVs. They are tried before the Ofcom fixed-coverage catch-all (and
the API JSON before boundary files, which are JSON too).
"""

from __future__ import annotations

from geo.sources import census, indicators, mobile
from geo.sources.formats import Candidate, Context, Format, ImportResult, register

_SNIFF = 65_536


def _first(c: Candidate) -> str:
    return ",".join(c.header or []).lower()


def _is_mobile_api(c: Candidate) -> bool:
    if c.suffix != ".json":
        return False
    with c.opener() as fh:
        return b'"Availability"' in fh.read(_SNIFF)


def _load_census(cands: list[Candidate], ctx: Context) -> ImportResult:
    (c,) = cands
    ages = census.read_census_age(c.local_path(), filename=c.filename)
    layer = ctx.store.save_census_age(ctx.catalog_path, ages, synthetic=ctx.synthetic)
    return ImportResult(layer, len(ages))


def _load_mobile(cands: list[Candidate], ctx: Context) -> ImportResult:
    (c,) = cands
    table = mobile.read_mobile_coverage(c.local_path(), filename=c.filename)
    layer = ctx.store.save_mobile(ctx.catalog_path, table, synthetic=ctx.synthetic)
    return ImportResult(layer, len(table))


def _load_mobile_api(cands: list[Candidate], ctx: Context) -> ImportResult:
    (c,) = cands
    counts = mobile.mobile_by_postcode(mobile.read_mobile_api(c.local_path(), filename=c.filename))
    layer = ctx.store.save_mobile_postcodes(ctx.catalog_path, counts, synthetic=ctx.synthetic)
    return ImportResult(layer, len(counts))


def _load_indicators(cands: list[Candidate], ctx: Context) -> ImportResult:
    (c,) = cands
    table = indicators.read_indicators(c.local_path(), filename=c.filename)
    layer = ctx.store.save_indicators(ctx.catalog_path, table, synthetic=ctx.synthetic)
    return ImportResult(layer, len(table))


register(Format("mobile_api", "Ofcom mobile coverage API (JSON)", _is_mobile_api,
                _load_mobile_api), before="oa_areas")  # fmt: skip
for _fmt in (
    Format("census_age", "Census 2021 age (TS007 / TS007A)",
           lambda c: c.header is not None and census.is_census_age_header(_first(c)), _load_census),
    Format("mobile", "Ofcom mobile coverage by area",
           lambda c: c.header is not None and mobile.is_mobile_header(_first(c)), _load_mobile),
    Format("risk_indicators", "council indicators for the risk index",
           lambda c: c.header is not None and indicators.is_indicator_header(_first(c)),
           _load_indicators),
):  # fmt: skip
    register(_fmt, before="ofcom_percentages")

__all__: list[str] = []
