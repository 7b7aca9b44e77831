"""The bid planner's gap score: where a bid would reach most of the need.

Each component is a per-area quantity (bigger = more need):

=================  ==========================================================================
``no_gigabit``     premises without a gigabit-capable connection (``premises − n_gigabit``)
``below_uso``      premises below the Universal Service Obligation (``n_below_uso``)
``deprivation``    IMD deprivation, 0–100 (:func:`geo.sources.imd.imd_by_area`)
=================  ==========================================================================

Overlays add components of their own (the voucher layer adds ``voucher_demand``, live voucher
applications and connections): they arrive as the ``extra`` columns of :func:`gap_components`.

Each component is min–max normalised over the areas to 0–1 (the area with the least need gets
0, the most 1; a component equal everywhere gives 0 everywhere, since it tells areas apart no
more than a missing one). The score is the weighted mean of the normalised components times
100, so it runs 0–100 whatever the weights. Areas are ranked by score, highest first; ties share
the best rank (``method="min"``: 1, 2, 2, 4).

The score uses the components that exist. One with no data at all (no IMD, no division counts
yet because only district figures are loaded, a release that does not publish the measure) is
left out and named, with why, in ``attrs["missing"]``; an area lacking a component the others
have is scored on the rest (weights re-scaled) and its ``missing`` column names what was left
out.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from geo.analysis.releases import decent_stand_in
from geo.config import COLUMN_LABELS, SHORT_LABELS, imd_edition
from geo.geometry.aggregate import AREA_CODE

COMPONENTS: dict[str, str] = {
    k: COLUMN_LABELS[k] for k in ("no_gigabit", "below_uso", "deprivation")
}
"""Gap score components of coverage and deprivation: key → label, in display order."""
STAND_IN_LABEL = "Premises without decent broadband (fixed or FWA)"
"""The ``below_uso`` component's label when a 2026+ release's decent-broadband count fills it
(``attrs["labels"]`` of :func:`gap_components`)."""
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
    """Per-area need, one column per component that has data.

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
        Index ``area_code`` in the order of ``figures``. Components without data are absent
        and named in ``attrs["missing"]`` (component → why); ``attrs["notes"]`` says where one
        measure stands in for another (:func:`geo.analysis.releases.decent_stand_in`) and
        ``attrs["labels"]`` gives such a component its own label (``attrs["short_labels"]``
        its table heading, in place of :data:`geo.config.SHORT_LABELS`).
    """
    index = pd.Index(figures[AREA_CODE].astype(str), name=AREA_CODE)
    out = pd.DataFrame(index=index)
    missing: dict[str, str] = {}
    notes: dict[str, str] = {}
    labels: dict[str, str] = {}
    short: dict[str, str] = {}
    fig = figures.set_index(figures[AREA_CODE].astype(str))
    needs = _needs(fig)
    if {"premises", "n_gigabit"} <= set(fig.columns):
        out["no_gigabit"] = (fig["premises"] - fig["n_gigabit"]).to_numpy(dtype=float)
    else:
        missing["no_gigabit"] = "this release publishes no gigabit counts"
    stand_in = decent_stand_in(fig.columns)
    if "n_below_uso" in fig.columns:
        out["below_uso"] = fig["n_below_uso"].to_numpy(dtype=float)
    elif stand_in:
        out["below_uso"] = fig["n_no_decent"].to_numpy(dtype=float)
        notes["below_uso"] = stand_in
        labels["below_uso"] = STAND_IN_LABEL
        short["below_uso"] = SHORT_LABELS["no_decent"]
    else:
        missing["below_uso"] = "this release publishes no 'below the USO' counts"
    if extra is not None:
        for col in extra.columns:
            out[col] = extra[col].reindex(index).astype(float).fillna(0.0)
    if deprivation is not None and "deprivation" in deprivation:
        out["deprivation"] = deprivation["deprivation"].reindex(index).astype(float)
        labels["deprivation"] = deprivation_label(deprivation.attrs.get("vintage"))
    else:
        missing["deprivation"] = (
            "IMD (2019 or 2025) with LSOA boundaries of its census year not imported"
        )
    for key in [c for c in ("no_gigabit", "below_uso") if c in out and out[c].isna().all()]:
        missing[key] = f"no area has counts of its own (district figures only): needs {needs}"
        out = out.drop(columns=key)
    out.attrs["missing"] = missing
    out.attrs["notes"] = notes
    out.attrs["labels"] = labels
    out.attrs["short_labels"] = short
    return out


def _needs(fig: pd.DataFrame) -> str:
    if "figure_needs" in fig:
        told = fig["figure_needs"].dropna().astype(str)
        told = told[told != ""]
        if len(told):
            return str(told.mode().iat[0])
    return "an Ofcom output-area or postcode file with premises counts"


def deprivation_label(vintage: object = None) -> str:
    """The deprivation component's label, naming the IMD edition (``attrs["vintage"]`` of
    :func:`geo.sources.imd.imd_by_area`; IMD 2019 when none is recorded)."""
    return f"Deprivation ({imd_edition(vintage).name}, 0–100)"


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
        Component → weight ≥ 0. Components missing from ``components`` are left out (and
        named in ``attrs["missing"]``); an area with NaN in a weighted component is scored on
        the others, re-weighted, and the component is named in its ``missing`` column.

    Returns
    -------
    DataFrame
        ``components`` plus ``<component>_norm`` (0–1), ``score`` (0–100), ``rank``
        (1 = most need; ties share the best rank) and ``missing`` (labels of the weighted
        components the area lacks, "" when none), sorted by rank. ``attrs``: ``weights``
        used and ``missing`` (component → why it is not in the score).

    Raises
    ------
    ValueError
        A negative weight, an unknown component, or no positive weight on an available one.

    Examples
    --------
    Three areas without gigabit for 0, 50 and 100 premises, with equal weights on that and on
    deprivation 30, 10, 20: normalised (0, 0.5, 1) and (1, 0, 0.5), so scores 50, 25, 75.
    """
    missing = dict(components.attrs.get("missing", {}))
    unknown = set(weights) - set(components.columns) - set(missing)
    if unknown:
        raise ValueError(f"unknown gap components {sorted(unknown)}; use {list(components)}")
    if any(w < 0 for w in weights.values()):
        raise ValueError(f"weights must not be negative: {dict(weights)}")
    used = {k: float(w) for k, w in weights.items() if k in components and w > 0}
    if not used:
        raise ValueError(f"give a positive weight to at least one of {list(components.columns)}")
    out = components.copy()
    for key in components.columns:
        out[f"{key}_norm"] = min_max(out[key].astype(float))
    norms = pd.DataFrame({k: out[f"{k}_norm"] for k in used}, index=out.index)
    w = pd.Series(used)
    have = norms.notna()
    total = have.mul(w, axis=1).sum(axis=1)
    out["score"] = (100.0 * norms.fillna(0.0).mul(w, axis=1).sum(axis=1) / total).where(total > 0)
    out["rank"] = rank_desc(out["score"])
    keys = list(used)
    names = {**COMPONENTS, **(components.attrs.get("labels") or {})}
    out["missing"] = [
        ", ".join(names.get(k, k) for k, ok in zip(keys, row, strict=True) if not ok)
        for row in have[keys].itertuples(index=False)
    ]
    out.attrs["weights"] = used
    out.attrs["missing"] = missing
    out.attrs["notes"] = dict(components.attrs.get("notes", {}))
    return out.sort_values(["rank", "score"], na_position="last", kind="stable")


def _lower_first(label: str) -> str:
    """``"Deprivation (IMD 2019, 0–100)"`` → ``"deprivation (IMD 2019, 0–100)"`` (acronyms kept)."""
    return label[:1].lower() + label[1:]


def missing_text(scores: pd.DataFrame) -> str:
    """One sentence naming the components left out of the score and why ("" when none)."""
    missing = scores.attrs.get("missing") or {}
    if not missing:
        return ""
    parts = [f"{_lower_first(COMPONENTS.get(k, k))} ({why})" for k, why in missing.items()]
    return "Scored without " + "; ".join(parts) + "."


__all__ = [
    "COMPONENTS",
    "DEFAULT_WEIGHT",
    "DEFAULT_WEIGHTS",
    "deprivation_label",
    "gap_components",
    "gap_scores",
    "min_max",
    "missing_text",
    "rank_desc",
]
