"""Every area's figures as one file: ``python -m geo export OUT.csv|OUT.gpkg``.

One row per area with ``area_code``, ``area_name``, ``premises``, each measure's count
(``n_<m>``) and percentage (``pct_<m>``), then ``method``, ``weight``, ``source``,
``release``, ``licence`` and where the figure is from (``figure_from``, ``figure_area``,
``figure_area_name``, ``figure_needs``; see :func:`geo.analysis.coverage.best_figures`).
An area shown with its district's figure has that figure's percentages and no counts of its
own. When the catalogue holds what the digital-exclusion risk index needs (Census age, small
areas), each area also gets ``risk_rank``, ``risk_score`` and ``risk_<component>`` (default
weights, :func:`geo.analysis.risk.export_columns`). CSV cells that a spreadsheet would run as
a formula are neutralised; the GeoPackage keeps the polygons in EPSG:27700.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.analysis.coverage import best_figures
from geo.analysis.privacy import neutralise_frame
from geo.analysis.risk import division_risk, export_columns
from geo.config import LEVELS, MEASURES, OFCOM_LINE, SYNTHETIC_LABEL
from geo.geometry.aggregate import AREA_CODE
from geo.storage.catalog import Catalog

SUFFIXES = (".csv", ".gpkg")
TRAILING = ("method", "weight", "source", "release", "licence")
FIGURE_COLUMNS = ("figure_from", "figure_area", "figure_area_name", "figure_needs")


def figures_table(figures: gpd.GeoDataFrame, *, synthetic: bool = False) -> gpd.GeoDataFrame:
    """:func:`best_figures` output in the export's columns and order (geometry kept last).

    Measures the release does not publish have no columns.
    """
    measures = [k for k in MEASURES if f"n_{k}" in figures or f"pct_{k}" in figures]
    out = figures.copy()
    out["licence"] = OFCOM_LINE + (f" {SYNTHETIC_LABEL}." if synthetic else "")
    for col in ("source", "release", *FIGURE_COLUMNS):
        if col not in out:
            out[col] = ""
    columns = [AREA_CODE, "area_name", "premises"]
    for key in measures:
        for col in (f"n_{key}", f"pct_{key}"):
            if col not in out:
                out[col] = float("nan")
            columns.append(col)
    columns += [*TRAILING, *FIGURE_COLUMNS]
    return gpd.GeoDataFrame(out[[*columns, "geometry"]], geometry="geometry", crs=figures.crs)


@dataclass(frozen=True)
class Exported:
    """What :func:`export_figures` wrote."""

    path: Path
    areas: int
    risk_left_out: str = ""
    """Why the risk columns are missing ("" when they were written)."""


def with_risk(
    table: gpd.GeoDataFrame, cat: Catalog, level: str, release: str
) -> tuple[gpd.GeoDataFrame, str]:
    """``table`` with the risk index columns after the figures, or unchanged and why."""
    try:
        risk = export_columns(division_risk(cat, level, release=release))
    except ValueError as exc:
        return table, str(exc)
    joined = table.join(risk, on=AREA_CODE)
    geometry = joined.pop("geometry")
    return gpd.GeoDataFrame(joined.assign(geometry=geometry), crs=table.crs), ""


def export_figures(
    cat: Catalog, out: str | Path, *, level: str = "ced", release: str | None = None
) -> Exported:
    """Write one level's figures (latest release by default) to ``out`` (.csv or .gpkg).

    Raises
    ------
    ValueError
        If ``out`` is neither .csv nor .gpkg, or the catalogue lacks the level, the coverage
        or the release.
    """
    path = Path(out)
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"{path.name}: write a .csv or a .gpkg file")
    if level not in cat.areas or cat.coverage is None:
        raise ValueError(
            f"the catalogue has no {LEVELS[level].label.lower()} or no coverage: "
            "load them first (python -m geo fetch / import)"
        )
    if not cat.releases:
        raise ValueError("the catalogue holds no Ofcom release")
    release = release or cat.releases[-1]
    if release not in cat.releases:
        raise ValueError(f"no release {release!r}; the catalogue has {', '.join(cat.releases)}")
    figures = best_figures(
        cat.coverage, cat.areas[level], release=release,
        postcodes=cat.postcodes, oa_centroids=cat.oa_centroids,
    )  # fmt: skip
    table, risk_left_out = with_risk(
        figures_table(figures, synthetic=cat.synthetic), cat, level, release
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        plain = pd.DataFrame(table.drop(columns="geometry"))
        neutralise_frame(plain).to_csv(path, index=False)
    else:
        path.unlink(missing_ok=True)
        pyogrio.write_dataframe(table, path, layer=f"figures_{level}", driver="GPKG")
    return Exported(path, len(table), risk_left_out)


__all__ = ["Exported", "export_figures", "figures_table", "with_risk"]
