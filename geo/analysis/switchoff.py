"""Landline (PSTN) and 3G switch-off risk: older residents, weak indoor 4G, no decent broadband.

When the copper phone network and 3G close, a home without decent fixed broadband relies on
mobile for calls; a resident aged 75+ in such a home, where indoor 4G is weak, is the case the
council papers worry about. A division is flagged when all three hold:

* at least ``pct_75`` % of its residents are aged 75 or over (Census 2021);
* at least ``weak_4g_pct`` % of premises get indoor 4G from at most
  ``SWITCHOFF_MAX_INDOOR_4G_OPERATORS`` of the four networks (Ofcom mobile coverage);
* at least ``no_decent_pct`` % of premises cannot get decent broadband (the USO; Ofcom fixed).

Indoor 4G comes from the finest mobile data loaded: premises counts per postcode from the
Ofcom mobile API (summed over the postcodes in the division), else the district's figure from
Ofcom's local-authority file — every division in the district shares it, and the table says so.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import (
    SWITCHOFF_MAX_INDOOR_4G_OPERATORS,
    SWITCHOFF_NO_DECENT_PCT,
    SWITCHOFF_PCT_75,
    SWITCHOFF_WEAK_4G_PCT,
)
from geo.geometry.aggregate import AREA_CODE, aggregate_xy

FROM_POSTCODES = "postcodes (Ofcom mobile API)"
FROM_DISTRICT = "district figure (Ofcom local-authority file)"


def weak_4g_from_districts(
    mobile: pd.DataFrame,
    areas: pd.DataFrame,
    *,
    max_operators: int = SWITCHOFF_MAX_INDOOR_4G_OPERATORS,
) -> pd.DataFrame:
    """The district's share of premises with weak indoor 4G, for every area in it.

    Parameters
    ----------
    mobile
        :func:`geo.sources.mobile.read_mobile_coverage` rows at ``lad`` level (the latest
        release is used) with ``pct_4g_prem_in_0`` … ``_4``.
    areas
        ``area_code`` and ``lad_code`` per area.

    Returns
    -------
    DataFrame
        Index ``area_code``; ``pct_weak_indoor_4g`` (NaN where the district has no row),
        ``n_weak_indoor_4g`` (always NaN: a district share is not spread into counts),
        ``mobile_from``, ``mobile_release``.
    """
    index = pd.Index(areas[AREA_CODE].astype(str), name=AREA_CODE)
    rows = mobile[mobile["level"] == "lad"] if "level" in mobile else mobile
    if not len(rows) or "pct_4g_prem_in_0" not in rows:
        return _empty(index)
    release = str(sorted(rows["release"].unique())[-1])
    rows = rows[rows["release"] == release].set_index("area_id")
    weak = sum(rows[f"pct_4g_prem_in_{n}"] for n in range(max_operators + 1))
    lad = pd.Series(areas["lad_code"].astype(str).to_numpy(), index=index)
    pct = weak.reindex(lad.to_numpy()).to_numpy()
    out = pd.DataFrame({"pct_weak_indoor_4g": pct, "n_weak_indoor_4g": np.nan}, index=index)
    out["mobile_from"] = pd.Series(FROM_DISTRICT, index=index).where(~np.isnan(pct))
    out["mobile_release"] = release
    out.attrs["max_operators"] = max_operators
    return out


def weak_4g_from_postcodes(
    counts: pd.DataFrame, postcodes: pd.DataFrame, areas: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Premises with weak indoor 4G per area from postcode counts located by centroid.

    Parameters
    ----------
    counts
        :func:`geo.sources.mobile.mobile_by_postcode` output (index postcode).
    postcodes
        Postcode centroids (``easting``, ``northing``, EPSG:27700), index postcode.
    areas
        Polygons with ``area_code`` (EPSG:27700).
    """
    index = pd.Index(areas[AREA_CODE].astype(str), name=AREA_CODE)
    located = counts.join(postcodes[["easting", "northing"]], how="inner").dropna(
        subset=["easting", "northing"]
    )
    if not len(located):
        return _empty(index)
    cols = [c for c in counts.columns if c.startswith("n_") or c == "premises"]
    totals, _outside = aggregate_xy(located, areas, columns=cols, x="easting", y="northing")
    premises = totals["premises"].astype(float).where(totals["premises"] > 0)
    out = pd.DataFrame(index=index)
    out["mobile_premises"] = totals["premises"].to_numpy()
    out["n_weak_indoor_4g"] = totals["n_weak_indoor_4g"].where(premises.notna()).to_numpy()
    out["pct_weak_indoor_4g"] = (100.0 * totals["n_weak_indoor_4g"] / premises).to_numpy()
    for col in cols:
        if col.startswith("n_indoor_4g_"):
            out[f"pct_{col[2:]}"] = (100.0 * totals[col] / premises).to_numpy()
    out["mobile_from"] = pd.Series(FROM_POSTCODES, index=index).where(premises.notna().to_numpy())
    out["mobile_release"] = str(counts.attrs.get("release", "unknown"))
    out.attrs["max_operators"] = counts.attrs.get(
        "max_operators", SWITCHOFF_MAX_INDOOR_4G_OPERATORS
    )
    return out


def _empty(index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame({"pct_weak_indoor_4g": np.nan, "n_weak_indoor_4g": np.nan,
                         "mobile_from": None, "mobile_release": None}, index=index)  # fmt: skip


def switchoff_risk(
    divisions: pd.DataFrame,
    mobile: pd.DataFrame,
    *,
    pct_75: float = SWITCHOFF_PCT_75,
    weak_4g_pct: float = SWITCHOFF_WEAK_4G_PCT,
    no_decent_pct: float = SWITCHOFF_NO_DECENT_PCT,
) -> pd.DataFrame:
    """Which divisions are at switch-off risk, with the counts behind each flag.

    Parameters
    ----------
    divisions
        :attr:`geo.analysis.risk.RiskResult.divisions` (index ``area_code``; ``area_name``,
        ``residents``, ``aged_75_plus``, ``premises``, ``n_below_uso`` when loaded).
    mobile
        :func:`weak_4g_from_postcodes` or :func:`weak_4g_from_districts` output.

    Returns
    -------
    DataFrame
        Index ``area_code``; the counts and shares, one boolean per condition (``older``,
        ``weak_indoor_4g``, ``no_decent_broadband``; False where a figure is missing) and
        ``at_risk`` (all three). Flagged divisions first, most residents aged 75+ first.
        ``attrs["thresholds"]`` holds the thresholds used.

    Examples
    --------
    A division with 1,200 of 8,000 residents aged 75+ (15%), 12% of premises with weak indoor
    4G and 300 of 4,000 premises below the USO (7.5%) is at risk with the default thresholds.
    """
    cols = ["area_name", "residents", "aged_75_plus", "premises", "n_below_uso"]
    out = divisions.reindex(columns=cols).copy()
    out["pct_75"] = 100.0 * out["aged_75_plus"] / out["residents"].where(out["residents"] > 0)
    out["pct_below_uso"] = 100.0 * out["n_below_uso"] / out["premises"].where(out["premises"] > 0)
    out = out.join(mobile.reindex(out.index))
    out["older"] = (out["pct_75"] >= pct_75).fillna(False).astype(bool)
    out["weak_indoor_4g"] = (out["pct_weak_indoor_4g"] >= weak_4g_pct).fillna(False).astype(bool)
    out["no_decent_broadband"] = (out["pct_below_uso"] >= no_decent_pct).fillna(False).astype(bool)
    out["at_risk"] = out["older"] & out["weak_indoor_4g"] & out["no_decent_broadband"]
    out = out.sort_values(["at_risk", "aged_75_plus"], ascending=[False, False], kind="stable")
    out.attrs["thresholds"] = {
        "pct_75": pct_75,
        "weak_4g_pct": weak_4g_pct,
        "no_decent_pct": no_decent_pct,
        "max_indoor_4g_operators": mobile.attrs.get(
            "max_operators", SWITCHOFF_MAX_INDOOR_4G_OPERATORS
        ),
    }
    return out


__all__ = [
    "FROM_DISTRICT",
    "FROM_POSTCODES",
    "switchoff_risk",
    "weak_4g_from_districts",
    "weak_4g_from_postcodes",
]
