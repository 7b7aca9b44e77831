"""A transparent digital-exclusion risk index by division, after Greater Manchester's DERI.

Method (``docs/formats-mobile-census.md`` records DERI's and where this differs):

1. **Indicators per small area**, at the finest level the loaded files allow: output areas
   when OA centroids are loaded, else LSOAs. A figure published for a coarser area (IMD per
   LSOA, coverage per postcode gathered into LSOAs) is given to each of its OAs. Deprivation is
   the IMD score when File 7 is loaded (as in DERI), else the national rank reversed (File 1);
   an IMD edition of another census year than the loaded LSOAs is left out, with a note. Shares are
   counts over counts (residents aged 75+ / residents; premises unable to get 10 Mbit/s /
   premises), never averages of percentages.
2. **Indicator scores**, 0–10 by min–max over the county's small areas (DERI's "local" option):
   ``10 × (value − min) / (max − min)``, reversed where a lower value is the risk; an indicator
   equal everywhere scores 0 everywhere.
3. **Component scores** = weighted mean of their indicator scores, and the **risk score** =
   weighted mean of the component scores: each weight divided by the sum of the weights in use
   (DERI v1.2). An indicator or component without data is left out and the others share its
   weight, so the score stays 0–10.
4. **Divisions**: the population-weighted mean of their small areas' scores (residents from
   Census 2021; a small area is in the division holding its centroid). Because every step is a
   weighted mean, the division's risk score is also the weighted mean of its component scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.coverage import published_only
from geo.analysis.gap import min_max, rank_desc
from geo.analysis.releases import decent_stand_in
from geo.config import (
    RISK_COMPONENT_WEIGHTS,
    RISK_COMPONENTS,
    RISK_INDICATORS,
    RISK_MAX_SCORE,
    RISK_NOT_AVAILABLE,
    Indicator,
)
from geo.geometry.aggregate import AREA_CODE, assign_areas_xy
from geo.geometry.crs import to_working
from geo.sources.imd import edition_of, lsoa_mismatch
from geo.storage.catalog import Catalog

UNIT = "unit_code"
COUNTS = ("residents", "aged_65_plus", "aged_75_plus", "premises", "n_below_uso", "n_unable_10")
"""Counts carried to divisions by summing (the shares shown beside scores come from these)."""
METHOD_CENSUS = "Census 2021 usual residents"
METHOD_PREMISES = "Ofcom 'All Premises' (no census ages loaded)"
METHOD_EQUAL = "each small area counts once (no census ages or OA coverage loaded)"


def _check_weights(weights: Mapping[str, float], known: Mapping[str, object], kind: str) -> None:
    unknown = set(weights) - set(known)
    if unknown:
        raise ValueError(f"unknown {kind} {sorted(unknown)}; use {list(known)}")
    negative = {k: w for k, w in weights.items() if w < 0}
    if negative:
        raise ValueError(f"{kind} weights must not be negative: {negative}")


def indicator_scores(values: pd.DataFrame) -> pd.DataFrame:
    """0–10 min–max score of every indicator column (keys of ``RISK_INDICATORS``).

    Examples
    --------
    Shares aged 65+ of 10, 20 and 40% score 0, 3.33 and 10.
    """
    out = pd.DataFrame(index=values.index)
    for key in values.columns:
        scaled = RISK_MAX_SCORE * min_max(values[key].astype(float))
        out[key] = scaled if RISK_INDICATORS[key].higher_is_risk else RISK_MAX_SCORE - scaled
    return out


def weighted_mean(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Row-wise Σ wᵢ sᵢ / Σ wᵢ over the columns present and not NaN in that row (NaN if none)."""
    used = {k: float(w) for k, w in weights.items() if k in scores.columns and w > 0}
    if not used:
        return pd.Series(np.nan, index=scores.index)
    frame = scores[list(used)].astype(float)
    w = pd.Series(used)
    present = frame.notna()
    total = present.mul(w, axis=1).sum(axis=1)
    summed = frame.fillna(0.0).mul(w, axis=1).sum(axis=1)
    return (summed / total).where(total > 0)


def risk_scores(
    values: pd.DataFrame,
    *,
    indicator_weights: Mapping[str, float] | None = None,
    component_weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Indicator, component and risk scores per small area.

    Parameters
    ----------
    values
        Raw indicators (any index), one column per ``RISK_INDICATORS`` key that has data.
    indicator_weights, component_weights
        Overrides of the DERI v1.2 defaults (``RISK_INDICATORS[k].weight``,
        ``RISK_COMPONENT_WEIGHTS``); weights ≥ 0, divided by the sum of those in use.

    Returns
    -------
    DataFrame
        Same index; ``score_<indicator>``, ``comp_<component>`` and ``score`` (all 0–10).
        ``attrs``: ``indicator_weights`` and ``component_weights`` actually used.

    Examples
    --------
    Three areas with 65+ shares 10, 20, 40% and 75+ shares 5, 15, 10% score (0, 3.33, 10) and
    (0, 10, 5); equal weights give an age component of 0, 6.67 and 7.5.
    """
    values = values[[k for k in RISK_INDICATORS if k in values.columns]]
    iw = {k: i.weight for k, i in RISK_INDICATORS.items()} | dict(indicator_weights or {})
    cw = dict(RISK_COMPONENT_WEIGHTS) | dict(component_weights or {})
    _check_weights(iw, RISK_INDICATORS, "indicator")
    _check_weights(cw, RISK_COMPONENTS, "component")
    scores = indicator_scores(values)
    out = scores.add_prefix("score_")
    used_cw: dict[str, float] = {}
    for comp in RISK_COMPONENTS:
        members = {k: iw[k] for k in scores.columns if RISK_INDICATORS[k].component == comp}
        if members and any(w > 0 for w in members.values()):
            out[f"comp_{comp}"] = weighted_mean(scores, members)
            used_cw[comp] = cw[comp]
    comps = out[[f"comp_{c}" for c in used_cw]].rename(columns=lambda c: c[5:])
    out["score"] = weighted_mean(comps, used_cw)
    out.attrs["indicator_weights"] = {k: iw[k] for k in scores.columns}
    out.attrs["component_weights"] = used_cw
    return out


def aggregate_scores(
    scores: pd.DataFrame, area_codes: pd.Series, weights: pd.Series, *, areas: pd.Index
) -> pd.DataFrame:
    """Weighted mean of every score column per area (NaN scores and zero weights left out).

    Parameters
    ----------
    scores
        :func:`risk_scores` output (index: small areas).
    area_codes, weights
        Per small area (same index): the area holding it (``<NA>`` = none) and its
        population.
    areas
        Every area code, in output order.

    Returns
    -------
    DataFrame
        Index ``area_code`` (= ``areas``); the score columns and ``population`` (sum of the
        weights of the small areas counted).

    Examples
    --------
    Small areas scoring 0 (200 residents) and 6 (100 residents) give their division 2.
    """
    w = weights.astype(float).fillna(0.0)
    out = pd.DataFrame(index=pd.Index(areas, name=AREA_CODE))
    codes = area_codes.astype(object).where(area_codes.notna())
    for col in scores.columns:
        known = scores[col].notna() & (w > 0) & codes.notna()
        num = (scores[col].where(known, 0.0) * w.where(known, 0.0)).groupby(codes).sum()
        den = w.where(known, 0.0).groupby(codes).sum()
        out[col] = (num / den.where(den > 0)).reindex(out.index)
    out["population"] = w.where(codes.notna(), 0.0).groupby(codes).sum().reindex(out.index)
    out["population"] = out["population"].fillna(0.0)
    return out


# --- Small areas from the catalogue ----------------------------------------------------------


@dataclass
class SmallAreas:
    """Small areas with raw indicators, counts, division and weight (see the module docstring)."""

    table: pd.DataFrame
    """Index ``unit_code``; ``x``, ``y`` (EPSG:27700), ``area_code``, ``lsoa_code``, the
    ``COUNTS`` present, ``weight`` and one column per indicator with data."""
    level: str
    weight_method: str
    notes: list[str] = field(default_factory=list)
    """What was left out or approximated, for the page."""


def _units(cat: Catalog) -> tuple[pd.DataFrame, str]:
    if cat.oa_centroids is not None and len(cat.oa_centroids):
        frame = pd.DataFrame({"x": cat.oa_centroids["easting"], "y": cat.oa_centroids["northing"]})
        return frame.rename_axis(UNIT), "oa"
    if cat.lsoa is not None and len(cat.lsoa):
        lsoa = to_working(cat.lsoa, source="lsoa")
        pts = lsoa.geometry.representative_point()
        frame = pd.DataFrame({"x": pts.x.to_numpy(), "y": pts.y.to_numpy()},
                             index=pd.Index(lsoa["lsoa_code"].astype(str), name=UNIT))  # fmt: skip
        return frame, "lsoa"
    raise ValueError(
        "the risk index needs small areas: import output areas (OA11CD/OA21CD polygons) or "
        "LSOA boundaries (LSOA11CD/LSOA21CD)"
    )


def _lsoa_of(units: pd.DataFrame, level: str, lsoa: gpd.GeoDataFrame | None) -> pd.Series:
    if level == "lsoa":
        return pd.Series(units.index, index=units.index, dtype="string")
    if lsoa is None:
        return pd.Series(pd.NA, index=units.index, dtype="string")
    polys = to_working(lsoa, source="lsoa").rename(columns={"lsoa_code": AREA_CODE})
    return assign_areas_xy(units["x"], units["y"], polys, index=units.index)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return 100.0 * num.astype(float) / den.astype(float).where(den > 0)


def small_areas(cat: Catalog, areas: gpd.GeoDataFrame, *, release: str | None = None) -> SmallAreas:
    """Raw indicators per small area from whatever the catalogue holds.

    Parameters
    ----------
    cat
        The catalogue (OA centroids or LSOA polygons are required; census ages, IMD, coverage
        and council indicators are used when loaded).
    areas
        Divisions (``area_code``, geometry, EPSG:27700).
    release
        Ofcom fixed release for the broadband indicators (latest when ``None``).

    Raises
    ------
    ValueError
        Neither OA centroids nor LSOA boundaries are loaded.
    """
    units, level = _units(cat)
    notes: list[str] = []
    table = units.copy()
    table[AREA_CODE] = assign_areas_xy(units["x"], units["y"], to_working(areas), index=units.index)
    table["lsoa_code"] = _lsoa_of(units, level, cat.lsoa)
    _add_census(table, cat.census_age, level, notes)
    _add_imd(table, cat.imd, cat.lsoa, notes)
    _add_coverage(table, cat, level, release or (cat.releases[-1] if cat.releases else None), notes)
    _add_council(table, cat.indicators, level, notes)
    if "residents" in table:
        table["weight"] = table["residents"].astype(float)
        method = METHOD_CENSUS
    elif "premises" in table:
        table["weight"] = table["premises"].astype(float)
        method = METHOD_PREMISES
    else:
        table["weight"] = 1.0
        method = METHOD_EQUAL
    outside = int(table[AREA_CODE].isna().sum())
    if outside:
        notes.append(f"{outside:,} small areas lie outside every division and are left out.")
    return SmallAreas(table=table, level=level, weight_method=method, notes=notes)


def _add_census(
    table: pd.DataFrame, ages: pd.DataFrame | None, level: str, notes: list[str]
) -> None:
    if ages is None or not len(ages):
        notes.append("No Census 2021 ages loaded: the age component is left out.")
        return
    counts = ages.set_index("area_code")[["residents", "aged_65_plus", "aged_75_plus"]]
    census_level = str(ages["level"].iloc[0])
    if census_level == level:
        joined = counts.reindex(table.index)
    elif census_level == "lsoa":  # OA units inherit their LSOA's shares; residents split evenly
        joined = counts.reindex(table["lsoa_code"].astype(object)).set_axis(table.index)
        per_lsoa = table.groupby("lsoa_code")["x"].transform("size")
        joined = joined.div(per_lsoa.to_numpy(), axis=0)
        notes.append("Census ages are per LSOA: each OA gets its LSOA's shares and an equal "
                     "part of its residents.")  # fmt: skip
    else:  # OA-level census, LSOA units: not reached (OA centroids would make OA units)
        joined = counts.reindex(table.index)
    missing = int(joined["residents"].isna().sum())
    if missing:
        notes.append(f"{missing:,} small areas have no Census 2021 row (OA codes changed in "
                     "2021?) and carry no weight.")  # fmt: skip
    for col in joined.columns:
        table[col] = joined[col].to_numpy()
    table["age_65"] = _ratio(table["aged_65_plus"], table["residents"])
    table["age_75"] = _ratio(table["aged_75_plus"], table["residents"])


def imd_indicator(imd: pd.DataFrame | None) -> Indicator:
    """The deprivation indicator as loaded: its edition, and File 7's IMD score (DERI's own
    indicator) or File 1's national rank reversed (``N + 1 − rank``, N the LSOAs ranked)."""
    base = RISK_INDICATORS["imd"]
    if imd is None:
        return base
    ed = edition_of(imd)
    if "imd_score" in imd:
        return replace(base, label=f"Deprivation ({ed.name} IMD score)",
                       source=f"MHCLG {ed.title}, File 7", year=ed.year,
                       deri="IMD score, as DERI uses it")  # fmt: skip
    return replace(base, label=f"Deprivation ({ed.name} national rank, reversed)",
                   source=f"MHCLG {ed.title}, File 1", year=ed.year,
                   deri=f"IMD score; File 1 has ranks, so {ed.lsoas + 1:,} − rank stands in "
                        "for it")  # fmt: skip


def indicators_for(imd: pd.DataFrame | None) -> dict[str, Indicator]:
    """:data:`~geo.config.RISK_INDICATORS` with the IMD indicator of the edition loaded."""
    return {**RISK_INDICATORS, "imd": imd_indicator(imd)}


def _add_imd(
    table: pd.DataFrame,
    imd: pd.DataFrame | None,
    lsoa: pd.DataFrame | None,
    notes: list[str],
) -> None:
    if imd is None or lsoa is None or table["lsoa_code"].isna().all():
        notes.append("No IMD (IMD 2019 or IoD 2025) with LSOA boundaries loaded: deprivation "
                     "has no IMD indicator.")  # fmt: skip
        return
    problem = lsoa_mismatch(imd, lsoa)
    if problem:
        notes.append(f"Deprivation left out: {problem}.")
        return
    by_code = imd.set_index("lsoa_code")
    if "imd_score" in by_code:
        value = by_code["imd_score"].astype(float)
    else:
        value = (edition_of(imd).lsoas + 1) - by_code["imd_rank"].astype(float)
    table["imd"] = value.reindex(table["lsoa_code"].astype(object)).to_numpy()
    notes.append(f"Deprivation: {imd_indicator(imd).label}.")


def _count_columns(rows: pd.DataFrame) -> list[str]:
    return [c for c in ("premises", "n_below_uso", "n_unable_10") if c in rows.columns]


def _decent_named(rows: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """``rows`` with "unable to get decent broadband" as the USO count when only it is published."""
    stand_in = decent_stand_in(rows.columns)
    if stand_in is None:
        return rows
    notes.append(f"Broadband: {stand_in}.")
    return rows.rename(columns={"n_no_decent": "n_below_uso"})


def _add_coverage(
    table: pd.DataFrame, cat: Catalog, level: str, release: str | None, notes: list[str]
) -> None:
    cov = cat.coverage
    if cov is None or release is None:
        notes.append("No Ofcom coverage loaded: the broadband component is left out.")
        return
    rows = cov[cov["release"] == release]
    by_level = {lv: published_only(rows[rows["level"] == lv]) for lv in ("oa", "postcode")}
    if len(by_level["oa"]) and level == "oa":
        oa = _decent_named(by_level["oa"], notes)
        cols = _count_columns(oa)
        counts = oa.groupby("area_id")[cols].sum(min_count=1).reindex(table.index)
        how = "output-area rows"
    elif len(by_level["postcode"]) and cat.postcodes is not None and cat.lsoa is not None:
        pcs = _decent_named(by_level["postcode"], notes)
        cols = _count_columns(pcs)
        pcs = pcs.join(cat.postcodes[["easting", "northing"]], on="area_id")
        pcs = pcs.dropna(subset=["easting", "northing"])
        polys = to_working(cat.lsoa, source="lsoa").rename(columns={"lsoa_code": AREA_CODE})
        lsoa = assign_areas_xy(pcs["easting"], pcs["northing"], polys, index=pcs.index)
        per_lsoa = pcs[cols].groupby(lsoa.astype(object)).sum(min_count=1)
        counts = per_lsoa.reindex(table["lsoa_code"].astype(object)).set_axis(table.index)
        how = "postcode rows gathered into LSOAs"
    else:
        notes.append(
            f"Ofcom release {release} has no output-area or postcode rows: the broadband "
            "component is left out (a district figure is never spread over divisions)."
        )
        return
    for key in ("below_uso", "unable_10"):
        if f"n_{key}" in counts and "premises" in counts:
            table[key] = _ratio(counts[f"n_{key}"], counts["premises"]).to_numpy()
    inherited = level == "oa" and how.startswith("postcode")
    for col in cols:  # an OA given its LSOA's shares gets none of the LSOA's counts
        if not inherited:
            table[col] = counts[col].to_numpy()
    notes.append(f"Broadband from Ofcom release {release}, {how}.")


def _add_council(
    table: pd.DataFrame, extra: pd.DataFrame | None, level: str, notes: list[str]
) -> None:
    if extra is None or not len(extra):
        return
    keys = [k for k in RISK_INDICATORS if k in extra.columns]
    values = extra.set_index("area_code")[keys]
    if str(extra["level"].iloc[0]) == level:
        joined = values.reindex(table.index)
    else:
        joined = values.reindex(table["lsoa_code"].astype(object)).set_axis(table.index)
    for key in keys:
        table[key] = joined[key].to_numpy()
    notes.append(f"Council indicators: {', '.join(RISK_INDICATORS[k].label for k in keys)}.")


# --- Divisions -------------------------------------------------------------------------------


@dataclass
class RiskResult:
    """Everything the risk page, the profile section and the exports show."""

    divisions: pd.DataFrame
    """Index ``area_code``: ``area_name``, ``rank`` (1 = highest risk), ``score``,
    ``comp_<component>``, ``score_<indicator>``, ``population``, the summed ``COUNTS`` and
    ``pct_65``, ``pct_75``, ``pct_below_uso``, ``pct_unable_10`` from them, ``n_small_areas``,
    ``x``/``y`` (population-weighted centre, EPSG:27700)."""
    units: pd.DataFrame
    weights: pd.DataFrame
    indicators: pd.DataFrame
    level: str
    weight_method: str
    notes: list[str]

    def table(self) -> pd.DataFrame:
        """The ranking as people read it: one row per division, names first."""
        cols = ["rank", "area_name", "score", *[c for c in self.divisions if c.startswith("comp_")]]
        out = self.divisions[cols].rename(
            columns={f"comp_{k}": f"{v} (0–10)" for k, v in RISK_COMPONENTS.items()}
        )
        return out.rename(columns={"rank": "Rank", "area_name": "Division",
                                   "score": "Risk score (0–10)"})  # fmt: skip


def weights_table(
    scores: pd.DataFrame, *, indicators: Mapping[str, Indicator] = RISK_INDICATORS
) -> pd.DataFrame:
    """The weights in use (from :func:`risk_scores` attrs) with their share of the score;
    labels from ``indicators`` (:func:`indicators_for` names the IMD edition loaded)."""
    cw = scores.attrs["component_weights"]
    iw = scores.attrs["indicator_weights"]
    ctotal = sum(cw.values()) or 1.0
    rows = []
    for comp, w in cw.items():
        rows.append({"kind": "component", "key": comp, "label": RISK_COMPONENTS[comp],
                     "component": comp, "weight": w,
                     "share_of_score_pct": 100 * w / ctotal})  # fmt: skip
        members = {k: v for k, v in iw.items() if RISK_INDICATORS[k].component == comp}
        mtotal = sum(members.values()) or 1.0
        for key, v in members.items():
            rows.append({"kind": "indicator", "key": key, "label": indicators[key].label,
                         "component": comp, "weight": v,
                         "share_of_score_pct": 100 * (w / ctotal) * (v / mtotal)})  # fmt: skip
    return pd.DataFrame(rows)


def indicator_sources(
    used: list[str], *, indicators: Mapping[str, Indicator] = RISK_INDICATORS
) -> pd.DataFrame:
    """Every indicator with its source, year, licence, DERI counterpart and whether it is used
    (``indicators``: :func:`indicators_for` names the IMD edition loaded)."""
    rows = [{"Indicator": i.label, "Component": RISK_COMPONENTS[i.component],
             "Source": i.source, "Year": i.year, "Licence": i.licence,
             "DERI indicator": i.deri, "Used": "yes" if i.key in used else "no data loaded"}
            for i in indicators.values()]  # fmt: skip
    rows += [{"Indicator": k, "Component": "Broadband", "Source": "—", "Year": "—",
              "Licence": "—", "DERI indicator": k, "Used": f"not available: {why}"}
             for k, why in RISK_NOT_AVAILABLE.items()]  # fmt: skip
    return pd.DataFrame(rows)


def division_risk(
    cat: Catalog,
    level: str,
    *,
    release: str | None = None,
    indicator_weights: Mapping[str, float] | None = None,
    component_weights: Mapping[str, float] | None = None,
) -> RiskResult:
    """The risk index for every area at ``level`` (see the module docstring).

    Raises
    ------
    ValueError
        No areas at ``level``, no small areas, no indicator with data, or bad weights.
    """
    if level not in cat.areas:
        raise ValueError(f"no {level} boundaries loaded")
    areas = to_working(cat.areas[level], source="areas")
    small = small_areas(cat, areas, release=release)
    values = small.table[[k for k in RISK_INDICATORS if k in small.table.columns]]
    if values.empty or values.isna().all().all():
        raise ValueError(
            "no indicator has data: load Census 2021 ages, IMD (2019 or 2025) or OA coverage"
        )
    scores = risk_scores(values, indicator_weights=indicator_weights,
                         component_weights=component_weights)  # fmt: skip
    index = pd.Index(areas[AREA_CODE].astype(str), name=AREA_CODE)
    t = small.table
    out = aggregate_scores(scores, t[AREA_CODE], t["weight"], areas=index)
    counts = [c for c in COUNTS if c in t.columns]
    grouped = t.assign(n_small_areas=1).groupby(t[AREA_CODE].astype(object))
    summed = grouped[[*counts, "n_small_areas"]].sum(min_count=1).reindex(index)
    out = out.join(summed)
    out["n_small_areas"] = out["n_small_areas"].fillna(0).astype(int)
    for key, num, den in (("pct_65", "aged_65_plus", "residents"),
                          ("pct_75", "aged_75_plus", "residents"),
                          ("pct_below_uso", "n_below_uso", "premises"),
                          ("pct_unable_10", "n_unable_10", "premises")):  # fmt: skip
        if num in out and den in out:
            out[key] = _ratio(out[num], out[den])
    centre = _centres(t, areas, index)
    out = out.join(centre)
    names = areas.set_index(areas[AREA_CODE].astype(str))["area_name"]
    out.insert(0, "area_name", names.reindex(index).to_numpy())
    out.insert(1, "rank", rank_desc(out["score"]))
    out = out.sort_values(["rank", "area_name"], na_position="last", kind="stable")
    unit_scores = t.join(scores)
    specs = indicators_for(cat.imd)
    return RiskResult(
        divisions=out, units=unit_scores, weights=weights_table(scores, indicators=specs),
        indicators=indicator_sources(list(values.columns[values.notna().any()]),
                                     indicators=specs),
        level=small.level, weight_method=small.weight_method, notes=small.notes,
    )  # fmt: skip


def _centres(t: pd.DataFrame, areas: gpd.GeoDataFrame, index: pd.Index) -> pd.DataFrame:
    """Population-weighted centre of each division (its representative point if it has none)."""
    w = t["weight"].fillna(0.0)
    codes = t[AREA_CODE].astype(object)
    den = w.groupby(codes).sum()
    xy = pd.DataFrame({"x": (t["x"] * w).groupby(codes).sum() / den,
                       "y": (t["y"] * w).groupby(codes).sum() / den}).reindex(index)  # fmt: skip
    rep = areas.set_index(areas[AREA_CODE].astype(str)).geometry.representative_point()
    rep = rep.reindex(index)
    xy["x"] = xy["x"].fillna(pd.Series(rep.x.to_numpy(), index=index))
    xy["y"] = xy["y"].fillna(pd.Series(rep.y.to_numpy(), index=index))
    return xy


def export_columns(result: RiskResult) -> pd.DataFrame:
    """Score, rank and components per division for ``python -m geo export`` (index
    ``area_code``): ``risk_rank``, ``risk_score``, ``risk_<component>``."""
    d = result.divisions
    cols = {"rank": "risk_rank", "score": "risk_score"}
    cols |= {c: f"risk_{c[5:]}" for c in d.columns if c.startswith("comp_")}
    return d[list(cols)].rename(columns=cols)


__all__ = [
    "COUNTS",
    "RiskResult",
    "SmallAreas",
    "aggregate_scores",
    "division_risk",
    "export_columns",
    "imd_indicator",
    "indicator_scores",
    "indicator_sources",
    "indicators_for",
    "risk_scores",
    "small_areas",
    "weighted_mean",
    "weights_table",
]
