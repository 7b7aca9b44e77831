"""Reconciliation: do figures built from output areas or postcodes add up to Ofcom's own?

For every OA- or postcode-level release, the areas' own figures are added up per district
(each area's ``lad_code``) and set beside the local-authority (LA) file of the same release:
the difference in premises and, per measure, in premises and in percentage points. A last
row does the same for the county (all districts), and the facts say whether the areas' total
equals both the file's rows placed in them and the LA file's county total.

:func:`refresh` recomputes every reconciliation in a catalogue and stores it (layer
``reconciliation`` and ``meta``) after an import; :func:`stored` and :func:`for_district`
read it back for the Sources page and the profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.coverage import (
    best_figures,
    coverage_by_area,
    measure_columns,
    published_only,
    with_percentages,
)
from geo.analysis.oa_vintage import centroid_set, check_unmatched, detect_oa_vintage
from geo.config import DEFAULT_LEVEL, MEASURES
from geo.errors import DataError
from geo.storage.catalog import Catalog, load_catalog, save_reconciliation

COUNTY_ROW = "county"
"""``district_code`` of the row that adds up every district."""
TOLERANCE = 0.5
"""Premises (counts are whole numbers): a difference smaller than this is none."""


@dataclass
class Reconciliation:
    """One release's finer figures against its LA file, per district and for the county."""

    release: str
    level: str
    file_level: str
    table: pd.DataFrame
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def agrees(self) -> bool:
        """True when every district and the county match the LA file (and one is loaded)."""
        return bool(self.facts.get("agrees"))

    def lines(self) -> list[str]:
        """Plain-text report, one line per district and the checks (for the command line)."""
        f = self.facts
        out = [
            f"Reconciliation, {self.file_level.upper()} release {self.release} → {self.level}: "
            + (
                "matches the LA file"
                if self.agrees
                else "no LA file of this release to compare"
                if not f.get("la_loaded")
                else "DIFFERS from the LA file"
            )
        ]
        for r in self.table.to_dict("records"):
            la = r.get("premises_la")
            code = "" if r["district_code"] == COUNTY_ROW else f" ({r['district_code']})"
            line = f"  {r['district_name']}{code}: {r['premises']:,.0f} premises"
            if la is not None and not pd.isna(la):
                line += f" vs {la:,.0f} in the LA file ({r['premises_diff']:+,.0f})"
                pps = [
                    f"{MEASURES[m].short} {r[f'pp_{m}']:+.2f} pp"
                    for m in _measures(self.table)
                    if not pd.isna(r.get(f"pp_{m}"))
                ]
                if pps:
                    line += "; " + ", ".join(pps)
            out.append(line)
        out.append(
            f"  {self.level} totals: {f['areas_premises']:,.0f} premises in areas, "
            f"{f['file_premises_placed']:,.0f} of the file's placed, "
            f"{f['file_premises_unplaced']:,.0f} not placed"
            + (" — add up" if f.get("areas_add_up") else " — DO NOT add up")
        )
        return out


def _measures(table: pd.DataFrame) -> list[str]:
    return [m for m in MEASURES if f"pp_{m}" in table]


def reconcile(
    figures: gpd.GeoDataFrame, coverage: pd.DataFrame, *, release: str, level: str
) -> Reconciliation | None:
    """Reconcile one level's figures (:func:`best_figures` output) with the LA rows.

    Returns ``None`` unless the figures come from OA- or postcode-level rows.

    Returns
    -------
    Reconciliation
        ``table``: one row per district then :data:`COUNTY_ROW`, with ``district_code``,
        ``district_name``, ``areas`` (areas with own figures), ``premises``, ``n_<m>``,
        ``pct_<m>``, and with an LA file ``premises_la``, ``premises_diff``, ``n_<m>_la``,
        ``n_<m>_diff``, ``pct_<m>_la`` and ``pp_<m>`` (percentage points, finer − LA).
    """
    file_level = figures.attrs.get("coverage_level")
    if file_level not in ("oa", "postcode"):
        return None
    own = figures[figures["figure_from"] == "area"] if "figure_from" in figures else figures
    if "lad_code" in own:
        districts = own["lad_code"].astype("string").fillna("unknown")
    else:
        districts = pd.Series("unknown", index=own.index)
    cols = ["premises", *measure_columns(own)]
    grouped = own[cols].groupby(districts.to_numpy()).sum(min_count=1)
    grouped["areas"] = own.groupby(districts.to_numpy()).size()
    lad = _la_rows(coverage, release)
    names = lad.set_index("area_id")["area_name"] if "area_name" in lad else pd.Series(dtype=str)
    grouped.loc[COUNTY_ROW] = grouped.sum(numeric_only=True)
    table = with_percentages(grouped)
    table.index.name = "district_code"
    table = table.reset_index()
    table.insert(
        1,
        "district_name",
        [
            "County (all districts)" if c == COUNTY_ROW else str(names.get(c, c))
            for c in table["district_code"]
        ],
    )
    la_loaded = not lad.empty
    if la_loaded:
        la = lad.drop_duplicates("area_id").set_index("area_id")
        in_table = [c for c in table["district_code"] if c in la.index]
        la_cols = ["premises", *[c for c in measure_columns(la) if c in table]]
        la_rows = la.loc[in_table, la_cols]
        la_rows.loc[COUNTY_ROW] = la_rows.sum(min_count=1)
        la_rows = with_percentages(la_rows).reindex(table["district_code"])
        table["premises_la"] = la_rows["premises"].to_numpy()
        table["premises_diff"] = table["premises"] - table["premises_la"]
        for col in la_cols[1:]:
            key = col[2:]
            table[f"{col}_la"] = la_rows[col].to_numpy()
            table[f"{col}_diff"] = table[col] - table[f"{col}_la"]
            table[f"pct_{key}_la"] = la_rows[f"pct_{key}"].to_numpy()
            table[f"pp_{key}"] = table[f"pct_{key}"] - table[f"pct_{key}_la"]
    placement = dict(figures.attrs.get("placement") or {})
    areas_premises = float(own["premises"].sum())
    placed = float(placement.get("premises_placed", areas_premises))  # type: ignore[arg-type]
    unplaced = float(placement.get("premises_no_location", 0.0)) + float(  # type: ignore[arg-type]
        placement.get("premises_outside", 0.0)  # type: ignore[arg-type]
    )
    diffs = [c for c in table.columns if c.endswith("_diff")]
    matches = la_loaded and bool(
        (table[diffs].abs().fillna(np.inf) < TOLERANCE).all().all() if diffs else False
    )
    facts: dict[str, object] = {
        "release": release,
        "level": level,
        "file_level": file_level,
        "la_loaded": la_loaded,
        "areas_premises": areas_premises,
        "file_premises_placed": placed,
        "file_premises_unplaced": unplaced,
        "areas_add_up": abs(areas_premises - placed) < TOLERANCE,
        "agrees": matches and abs(areas_premises - placed) < TOLERANCE,
        "placement": placement,
        "method": str(own["method"].iloc[0]) if len(own) else "",
    }
    return Reconciliation(release, level, str(file_level), table, facts)


def check_import(coverage: pd.DataFrame, cat: Catalog) -> None:
    """Refuse an OA-level import whose OAs the catalogue's centroids cannot place.

    With centroids of the file's vintage loaded, OAs without one must hold no more than
    :data:`geo.config.UNMATCHED_OA_MAX_SHARE` of the premises (of the county's, when the
    catalogue has areas). Without centroids of that vintage the import goes ahead: the
    figures name the centroids to load. For :func:`geo.storage.catalog.import_file`'s
    ``check``.

    Raises
    ------
    DataError
        Naming the file, the vintage and the centroids to load.
    """
    if coverage.attrs.get("level") != "oa":
        return
    vintage = detect_oa_vintage(
        coverage["area_id"], id_column=coverage.attrs.get("id_column"), centroids=cat.oa_centroids
    )
    located = centroid_set(cat.oa_centroids, vintage.vintage)
    if located is None:
        return
    source = str(coverage.attrs.get("source", "coverage file"))
    level = DEFAULT_LEVEL if DEFAULT_LEVEL in cat.areas else next(iter(cat.areas), None)
    if level is None:
        known = coverage["area_id"].isin(located.index).to_numpy()
        premises = coverage["premises"].fillna(0)
        stats = {
            "premises_placed": float(premises[known].sum()),
            "premises_no_location": float(premises[~known].sum()),
            "n_no_location": int((~known).sum()),
            "no_location_examples": coverage.loc[~known, "area_id"].head(5).tolist(),
        }
    else:
        stats = coverage_by_area(coverage, cat.areas[level], locations=located).attrs["placement"]
    check_unmatched(stats, vintage=vintage, source=source)


def _la_rows(coverage: pd.DataFrame, release: str) -> pd.DataFrame:
    rows = coverage[coverage["release"] == release]
    return published_only(rows[rows["level"] == "lad"] if "level" in rows else rows.iloc[0:0])


def for_catalog(cat: Catalog) -> tuple[list[Reconciliation], list[str]]:
    """Every reconciliation the catalogue allows, and why any could not be made."""
    out: list[Reconciliation] = []
    problems: list[str] = []
    if cat.coverage is None or "level" not in cat.coverage:
        return out, problems
    finer = cat.coverage[cat.coverage["level"].isin(["oa", "postcode"])]
    for release in sorted(finer["release"].unique()):
        for level, areas in cat.areas.items():
            try:
                figures = best_figures(
                    cat.coverage, areas, release=release,
                    postcodes=cat.postcodes, oa_centroids=cat.oa_centroids,
                )  # fmt: skip
            except DataError as exc:
                problems.append(f"{release} → {level}: {exc}")
                continue
            done = reconcile(figures, cat.coverage, release=release, level=level)
            if done is not None:
                out.append(done)
    return out, problems


def refresh(catalog_path: str | Path) -> tuple[list[Reconciliation], list[str]]:
    """Recompute every reconciliation and store them in the catalogue (replacing the old)."""
    done, problems = for_catalog(load_catalog(catalog_path))
    tables = [r.table.assign(release=r.release, level=r.level) for r in done]
    facts = {f"{r.release}/{r.level}": r.facts for r in done}
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    if Path(catalog_path).exists():
        save_reconciliation(catalog_path, table, facts=facts)
    return done, problems


def stored(cat: Catalog) -> pd.DataFrame | None:
    """The stored reconciliation table (``release``, ``level``, district rows), or ``None``."""
    return cat.reconciliation


def for_district(
    cat: Catalog, *, release: str, level: str, lad_code: str | None
) -> pd.Series | None:
    """The stored reconciliation row of one district (or the county row when ``None``)."""
    table = cat.reconciliation
    if table is None or table.empty:
        return None
    code = lad_code or COUNTY_ROW
    hit = table[
        (table["release"] == release) & (table["level"] == level) & (table["district_code"] == code)
    ]
    return None if hit.empty else hit.iloc[0]


def display_table(table: pd.DataFrame, *, measure: str) -> pd.DataFrame:
    """A reconciliation table for people: district, premises both ways, one measure in pp."""
    m = MEASURES[measure]
    out = pd.DataFrame(
        {
            "Release": table.get("release", ""),
            "Areas": table.get("level", ""),
            "District": table["district_name"],
            "Premises (finer file)": table["premises"].round(0),
            "Premises (LA file)": table.get("premises_la", pd.Series(np.nan, index=table.index)),
            "Difference": table.get("premises_diff", pd.Series(np.nan, index=table.index)),
            f"{m.short} % (finer)": table.get(f"pct_{measure}", np.nan),
            f"{m.short} % (LA)": table.get(f"pct_{measure}_la", np.nan),
            f"{m.short} difference (pp)": table.get(f"pp_{measure}", np.nan),
        }
    )
    return out.round(2)


__all__ = [
    "COUNTY_ROW",
    "Reconciliation",
    "check_import",
    "display_table",
    "for_catalog",
    "for_district",
    "reconcile",
    "refresh",
    "stored",
]
