"""Which measures each Ofcom release publishes, so pages say "not published in this release".

Ofcom's files drift: the 2024+ output-area files have no Full Fibre column, 2026-01 replaces
"below the USO" with "unable to receive decent broadband from fixed or FWA", the 2016 LA file
has no counts. Every import records, per release and file level, the measures its file carries
(catalogue meta ``releases``, written by :func:`geo.storage.catalog.save_coverage`); these
functions read that back. A measure a release does not publish is shown as
:data:`geo.config.NOT_PUBLISHED`, never as a blank, a zero or another measure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from geo.config import MEASURES, NOT_PUBLISHED
from geo.sources.ofcom import release_caveats

COVERAGE_LAYERS = ("coverage", "coverage_pct", "coverage_residential")
"""Catalogue layers whose meta records ``releases``."""
PUBLISHED = "published"


def _levels(meta: Mapping[str, Mapping[str, Any]], release: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for layer in COVERAGE_LAYERS:
        releases: Mapping[str, Any] = meta.get(layer, {}).get("releases", {})
        for level, info in dict(releases.get(release, {})).items():
            out.setdefault(level, {"published": []})
            seen = [*out[level]["published"], *info.get("published", [])]
            out[level]["published"] = [m for m in MEASURES if m in seen]
    return out


def published_measures(
    meta: Mapping[str, Mapping[str, Any]],
    release: str,
    *,
    level: str | None = None,
    coverage: pd.DataFrame | None = None,
) -> tuple[str, ...]:
    """The measures (keys of :data:`geo.config.MEASURES`) ``release`` publishes.

    Parameters
    ----------
    meta
        The catalogue's ``meta`` (``Catalog.meta``).
    level
        ``lad``, ``oa`` or ``postcode`` (the level the figures come from); ``None``: any level.
    coverage
        The catalogue's coverage rows, used when the meta predates this record (a measure
        counts as published when any row of the release has a count for it).

    Examples
    --------
    >>> meta = {"coverage": {"releases": {"2026-01": {"oa": {"published": ["gigabit"]}}}}}
    >>> published_measures(meta, "2026-01")
    ('gigabit',)
    """
    levels = _levels(meta, release)
    if level is not None:
        levels = {k: v for k, v in levels.items() if k == level}
    if levels:
        found = {m for info in levels.values() for m in info["published"]}
        return tuple(m for m in MEASURES if m in found)
    if coverage is None or "release" not in coverage:
        return ()
    rows = coverage[coverage["release"] == release]
    if level is not None and "level" in rows:
        rows = rows[rows["level"] == level]
    return tuple(m for m in MEASURES if f"n_{m}" in rows and rows[f"n_{m}"].notna().any())


def measure_status(
    meta: Mapping[str, Mapping[str, Any]],
    release: str,
    *,
    level: str | None = None,
    coverage: pd.DataFrame | None = None,
) -> dict[str, str]:
    """Every measure → ``"published"`` or :data:`geo.config.NOT_PUBLISHED` for ``release``."""
    have = published_measures(meta, release, level=level, coverage=coverage)
    return {m: PUBLISHED if m in have else NOT_PUBLISHED for m in MEASURES}


def decent_stand_in(columns: Iterable[str]) -> str | None:
    """The note when "unable to get decent broadband" stands in for "below the USO", else None.

    2026-01 replaced Ofcom's "below the USO" count with "unable to receive decent broadband
    from fixed or FWA". Where a figure needs the USO count (gap score, switch-off and risk
    indicators) and only the new one is published, the new one is used under its own name and
    this note says so; it is never silently renamed.

    Examples
    --------
    >>> decent_stand_in(["premises", "n_below_uso", "n_no_decent"]) is None
    True
    >>> decent_stand_in(["premises", "n_no_decent"])[:45]
    "'Unable to get decent broadband from fixed or"
    """
    cols = set(columns)
    if "n_below_uso" in cols or "n_no_decent" not in cols:
        return None
    return (
        f"'{MEASURES['no_decent'].label}' is used where '{MEASURES['below_uso'].label}' is "
        "asked for: this release does not publish the USO measure"
    )


def release_notes(meta: Mapping[str, Mapping[str, Any]], release: str) -> list[str]:
    """What a reader must know about ``release``'s figures: caveats and unpublished measures."""
    notes = list(release_caveats(release))
    for level, info in sorted(_levels(meta, release).items()):
        missing = [MEASURES[m].label for m in MEASURES if m not in info["published"]]
        if missing:
            notes.append(f"{release} {level}-level file: {NOT_PUBLISHED}: {', '.join(missing)}")
    return notes


__all__ = ["PUBLISHED", "decent_stand_in", "measure_status", "published_measures", "release_notes"]
