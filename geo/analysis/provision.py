"""Need beside provision: digital-inclusion support points against the risk index.

For each division: the nearest support point (pilots layer) to the division's
population-weighted centre and its straight-line distance, the support points inside it and
the people they have helped, and whether it is high risk with no support within ``radius_km``.
Distances are in EPSG:27700 metres (:func:`geopandas.sjoin_nearest`), shown in km.
"""

from __future__ import annotations

import math
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import HIGH_RISK_SHARE, SUPPORT_RADIUS_KM, WORKING_CRS
from geo.geometry.aggregate import AREA_CODE, assign_areas
from geo.geometry.crs import to_working


def active_support(records: gpd.GeoDataFrame, on: date | None) -> gpd.GeoDataFrame:
    """Support points running on ``on`` (start ≤ day ≤ end, blank end = running); all if None."""
    if on is None or not len(records):
        return records
    day = pd.Timestamp(on)
    running = (records["start_date"] <= day) & (
        records["end_date"].isna() | (records["end_date"] >= day)
    )
    return records[running.to_numpy()]


def high_risk_threshold(scores: pd.Series, *, share: float = HIGH_RISK_SHARE) -> float:
    """The score at or above which the top ``share`` of areas lie (NaN scores ignored).

    Examples
    --------
    With scores 9, 7, 5, 3, 1 and share 0.4, the threshold is 7 (two of five areas).
    """
    known = scores.dropna().sort_values(ascending=False)
    if not len(known):
        return math.nan
    k = max(1, math.ceil(share * len(known)))
    return float(known.iloc[k - 1])


def need_beside_provision(
    divisions: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    support: gpd.GeoDataFrame | None,
    *,
    radius_km: float = SUPPORT_RADIUS_KM,
    high_risk_score: float | None = None,
    on: date | None = None,
) -> pd.DataFrame:
    """Nearest support point, distance and people helped per division.

    Parameters
    ----------
    divisions
        :attr:`geo.analysis.risk.RiskResult.divisions` (index ``area_code``; ``area_name``,
        ``score``, ``rank``, ``x``/``y`` population-weighted centre in EPSG:27700).
    areas
        Division polygons (``area_code``), to count support points inside each.
    support
        The pilots layer's records (EPSG:27700 points: ``site_name``, ``programme``,
        ``kind``, ``start_date``, ``end_date``, ``people_helped``), or ``None``.
    radius_km
        "No support within N km" uses this.
    high_risk_score
        Scores at or above this are high risk; default: the top fifth
        (:func:`high_risk_threshold`).
    on
        Count only support running on this day (``None``: every record).

    Returns
    -------
    DataFrame
        Index ``area_code``: ``area_name``, ``rank``, ``score``, ``nearest_site``,
        ``nearest_programme``, ``nearest_kind``, ``distance_km``, ``sites_inside``,
        ``people_helped`` (inside the division, blanks as 0), ``high_risk``,
        ``no_support_nearby`` (nearest farther than ``radius_km``, or none at all).
        ``attrs``: ``radius_km``, ``high_risk_score``, ``on``.
    """
    threshold = (
        high_risk_threshold(divisions["score"])
        if high_risk_score is None
        else float(high_risk_score)
    )
    out = divisions[["area_name", "rank", "score"]].copy()
    for col in ("nearest_site", "nearest_programme", "nearest_kind"):
        out[col] = None
    out["distance_km"] = np.nan
    out["sites_inside"] = 0
    out["people_helped"] = 0.0
    records = None if support is None else active_support(to_working(support), on)
    if records is not None and len(records):
        centres = gpd.GeoDataFrame(
            {AREA_CODE: out.index.astype(str)},
            geometry=gpd.points_from_xy(divisions["x"], divisions["y"]),
            crs=WORKING_CRS,
        )
        sites = records[["site_name", "programme", "kind", "geometry"]].reset_index(drop=True)
        nearest = gpd.sjoin_nearest(centres, sites, how="left", distance_col="_m")
        nearest = nearest.drop_duplicates(AREA_CODE).set_index(AREA_CODE)  # ties: first site
        out["nearest_site"] = nearest["site_name"].reindex(out.index)
        out["nearest_programme"] = nearest["programme"].reindex(out.index)
        out["nearest_kind"] = nearest["kind"].reindex(out.index)
        out["distance_km"] = (nearest["_m"] / 1000.0).reindex(out.index)
        inside = assign_areas(records, to_working(areas), points_name="support points")
        helped = records["people_helped"].fillna(0.0).groupby(inside.astype(object)).sum()
        counts = inside.value_counts()
        out["sites_inside"] = counts.reindex(out.index).fillna(0).astype(int).to_numpy()
        out["people_helped"] = helped.reindex(out.index).fillna(0.0).to_numpy()
    out["high_risk"] = (out["score"] >= threshold).fillna(False).astype(bool)
    out["no_support_nearby"] = ~(out["distance_km"] <= radius_km).fillna(False).astype(bool)
    out.attrs.update(radius_km=radius_km, high_risk_score=threshold,
                     on=None if on is None else on.isoformat())  # fmt: skip
    return out


def high_risk_without_support(table: pd.DataFrame) -> pd.DataFrame:
    """The programme managers' list: high-risk divisions with no support within the radius,
    highest score first."""
    picked = table[table["high_risk"] & table["no_support_nearby"]]
    out = picked.sort_values("score", ascending=False, kind="stable")
    out.attrs = dict(table.attrs)
    return out


__all__ = [
    "active_support",
    "high_risk_threshold",
    "high_risk_without_support",
    "need_beside_provision",
]
