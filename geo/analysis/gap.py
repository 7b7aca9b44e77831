"""The bid planner's gap score: where a bid would reach most of the need.

Each component is a per-area quantity (bigger = more need):

=================  ==========================================================================
``no_gigabit``     premises without a gigabit-capable connection (``premises − n_gigabit``)
``below_uso``      premises below the Universal Service Obligation (``n_below_uso``)
``deprivation``    IMD 2019 deprivation, 0–100 (:func:`geo.sources.imd.imd_by_area`)
=================  ==========================================================================

Overlays add components of their own (the voucher layer adds ``voucher_demand``, live voucher
applications and connections): they arrive as the ``extra`` columns of :func:`gap_components`.

Each component is min–max normalised over the areas to 0–1 (the area with the least need gets
0, the most 1; a component equal everywhere gives 0 everywhere, since it tells areas apart no
more than a missing one). The score is the weighted mean of the normalised components times
100, so it runs 0–100 whatever the weights. Areas are ranked by score, highest first; ties share
the best rank (``method="min"``: 1, 2, 2, 4).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from geo.geometry.aggregate import AREA_CODE

COMPONENTS: dict[str, str] = {
    "no_gigabit": "Premises without gigabit",
    "below_uso": "Premises below the USO",
    "deprivation": "Deprivation (IMD 2019, 0–100)",
}
"""Gap score components of coverage and deprivation: key → label, in display order."""
DEFAULT_WEIGHTS: dict[str, float] = {
    "no_gigabit": 3.0,
    "below_uso": 2.0,
    "voucher_demand": 1.0,
    "deprivation": 1.0,
}
"""Default weights; a component without one starts at :data:`DEFAULT_WEIGHT`."""
DEFAULT_WEIGHT = 1.0


def rank_desc(values: pd.Series) -> pd.Series:
    """Rank, highest value first; ties share the best rank (1, 2, 2, 4); NaN stays unranked."""
    return values.rank(ascending=False, method="min").astype("Int64")


def gap_components(
    figures: pd.DataFrame,
    *,
    extra: pd.DataFrame | None = None,
    deprivation: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per-area need, one column per available component.

    Parameters
    ----------
    figures
        Coverage per area with ``area_code``, ``premises``, ``n_gigabit`` and ``n_below_uso``
        (from :func:`geo.analysis.coverage.best_figures`).
    extra
        Components from overlays, one column each, indexed by ``area_code`` (areas missing
        from it count 0), or ``None``.
    deprivation
        :func:`geo.sources.imd.imd_by_area` output (``deprivation`` column), or ``None``.

    Returns
    -------
    DataFrame
        Index ``area_code`` in the order of ``figures``. Components without data are absent.
    """
    index = pd.Index(figures[AREA_CODE].astype(str), name=AREA_CODE)
    out = pd.DataFrame(index=index)
    fig = figures.set_index(figures[AREA_CODE].astype(str))
    if {"premises", "n_gigabit"} <= set(fig.columns):
        out["no_gigabit"] = (fig["premises"] - fig["n_gigabit"]).to_numpy(dtype=float)
    if "n_below_uso" in fig.columns:
        out["below_uso"] = fig["n_below_uso"].to_numpy(dtype=float)
    if extra is not None:
        for col in extra.columns:
            out[col] = extra[col].reindex(index).astype(float).fillna(0.0)
    if deprivation is not None and "deprivation" in deprivation:
        out["deprivation"] = deprivation["deprivation"].reindex(index).astype(float)
    return out


def min_max(values: pd.Series) -> pd.Series:
    """Scale to 0–1 (min → 0, max → 1); constant input gives 0; NaN stays NaN."""
    lo, hi = values.min(), values.max()
    if pd.isna(lo) or hi == lo:
        return values.where(values.isna(), 0.0).astype(float)
    return (values - lo) / (hi - lo)


def gap_scores(components: pd.DataFrame, *, weights: Mapping[str, float]) -> pd.DataFrame:
    """Weighted gap score per area and its rank.

    Parameters
    ----------
    components
        From :func:`gap_components` (index ``area_code``).
    weights
        Component → weight ≥ 0. Components missing from ``components`` are ignored; an area
        with NaN in a weighted component gets no score.

    Returns
    -------
    DataFrame
        ``components`` plus ``<component>_norm`` (0–1), ``score`` (0–100) and ``rank``
        (1 = most need; ties share the best rank), sorted by rank.

    Raises
    ------
    ValueError
        A negative weight, an unknown component, or no positive weight on an available one.

    Examples
    --------
    Three areas without gigabit for 0, 50 and 100 premises, with equal weights on that and on
    deprivation 30, 10, 20: normalised (0, 0.5, 1) and (1, 0, 0.5), so scores 50, 25, 75.
    """
    unknown = set(weights) - set(components.columns)
    if unknown:
        raise ValueError(f"unknown gap components {sorted(unknown)}; use {list(components)}")
    if any(w < 0 for w in weights.values()):
        raise ValueError(f"weights must not be negative: {dict(weights)}")
    used = {k: float(w) for k, w in weights.items() if k in components and w > 0}
    if not used:
        raise ValueError(f"give a positive weight to at least one of {list(components.columns)}")
    out = components.copy()
    total = sum(used.values())
    score = pd.Series(0.0, index=out.index)
    for key in components.columns:
        out[f"{key}_norm"] = min_max(out[key].astype(float))
    for key, w in used.items():
        score = score + w * out[f"{key}_norm"]
    out["score"] = 100.0 * score / total
    out["rank"] = rank_desc(out["score"])
    out.attrs["weights"] = used
    return out.sort_values(["rank", "score"], na_position="last", kind="stable")


__all__ = [
    "COMPONENTS",
    "DEFAULT_WEIGHT",
    "DEFAULT_WEIGHTS",
    "gap_components",
    "gap_scores",
    "min_max",
    "rank_desc",
]
