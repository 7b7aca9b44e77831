"""The digital-inclusion risk index's files in the import registry (:mod:`geo.sources.formats`).

Census 2021 age tables (TS007 / TS007A), Ofcom mobile coverage area CSVs and mobile API JSON,
and council-held indicator CSVs. They are tried before the Ofcom fixed-coverage catch-all (and
the API JSON before boundary files, which are JSON too).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

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


def _loader(read: Callable[..., pd.DataFrame], save: str) -> Callable[..., ImportResult]:
    """A ``load`` that reads one file with ``read`` and stores it with the catalogue's ``save``."""

    def load(cands: list[Candidate], ctx: Context) -> ImportResult:
        (c,) = cands
        table = read(c.local_path(), filename=c.filename)
        layer = getattr(ctx.store, save)(ctx.catalog_path, table, synthetic=ctx.synthetic)
        return ImportResult(layer, len(table))

    return load


def _read_mobile_api(path: object, *, filename: str) -> pd.DataFrame:
    return mobile.mobile_by_postcode(mobile.read_mobile_api(path, filename=filename))  # type: ignore[arg-type]


_load_census = _loader(census.read_census_age, "save_census_age")
_load_mobile = _loader(mobile.read_mobile_coverage, "save_mobile")
_load_mobile_api = _loader(_read_mobile_api, "save_mobile_postcodes")
_load_indicators = _loader(indicators.read_indicators, "save_indicators")


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
