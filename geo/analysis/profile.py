"""A councillor's division profile: one division's figures, beside the county's and England's.

Everything here is pure (no Streamlit) so the profile page, its PDF/PNG and its CSV/JSON
exports all show the same numbers. Figures are premises-weighted (see
:mod:`geo.analysis.coverage`); ranks put the best-served division first and ties share a rank.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.analysis.coverage import district_rows, totals
from geo.config import (
    ENGLAND_CODE,
    GIGABIT_TARGET_PCT,
    MEASURES,
    NOT_PUBLISHED,
    SFBB_BAND_CAVEAT,
    SFBB_BAND_YEARS,
    SUPERFAST_TARGET_PCT,
    WORKING_CRS,
)
from geo.geometry.aggregate import AREA_CODE, assign_areas
from geo.sources.postcodes import normalise_postcode


def trend_caveat(releases: list[str]) -> str | None:
    """The SFBB-band caveat when any release is from 2017–2019, else ``None``."""
    return SFBB_BAND_CAVEAT if any(str(r)[:4] in SFBB_BAND_YEARS for r in releases) else None


@dataclass(frozen=True)
class PostcodeMatch:
    """Where a postcode search led: a division code, or why there is none."""

    postcode: str | None
    area_code: str | None
    message: str


def find_postcode_division(
    text: str, postcodes: pd.DataFrame | None, areas: gpd.GeoDataFrame
) -> PostcodeMatch:
    """The division containing a postcode's centroid, or a message saying why not.

    ``postcodes`` is indexed by normalised postcode with ``easting``, ``northing`` and
    ``terminated`` (EPSG:27700), as :func:`geo.sources.postcodes.read_postcode_file` returns.
    """
    pc = normalise_postcode(text)
    if pc is None:
        return PostcodeMatch(None, None, f"'{text.strip()}' is not a valid UK postcode.")
    if postcodes is None or pc not in postcodes.index:
        return PostcodeMatch(pc, None, f"{pc} is not in the loaded postcode directory.")
    row = postcodes.loc[pc]
    if bool(row.get("terminated", False)):
        return PostcodeMatch(pc, None, f"{pc} has been terminated (it is no longer in use).")
    if pd.isna(row["easting"]) or pd.isna(row["northing"]):
        return PostcodeMatch(pc, None, f"{pc} has no grid reference in the postcode directory.")
    point = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([row["easting"]], [row["northing"]]), crs=WORKING_CRS
    )
    code = assign_areas(point, areas, points_name="postcode").iloc[0]
    if pd.isna(code):
        return PostcodeMatch(pc, None, f"{pc} is outside every division on this map.")
    return PostcodeMatch(pc, str(code), f"{pc} is in this division.")


def england_figures(coverage: pd.DataFrame | None, *, release: str) -> pd.Series | None:
    """England's premises-weighted figures from an LA-level file's national row, or ``None``."""
    if coverage is None:
        return None
    rows = district_rows(coverage, ENGLAND_CODE, release=release)
    return None if rows.empty else totals(rows)


def _pct(row: pd.Series | None, key: str) -> float | None:
    if row is None:
        return None
    v = row.get(f"pct_{key}")
    return None if v is None or pd.isna(v) else round(float(v), 1)


def figures_table(
    area: pd.Series, county: pd.Series, england: pd.Series | None = None
) -> pd.DataFrame:
    """One row per measure: ``key``, ``Measure``, ``Division %``, ``Division premises``,
    ``County %``, ``England %`` (None when not loaded), ``Difference (points)``, ``Published``.

    The one "area beside the county" table: the map panel, the profile and the public page
    all build theirs from it (relabelled or formatted for their readers). ``Published`` is
    False for a measure the release's file does not carry (``area`` has neither its ``n_`` nor
    its ``pct_`` column, see :func:`geo.analysis.coverage.published_only`): readers show
    :data:`geo.config.NOT_PUBLISHED` there, never a blank or a zero.

    Examples
    --------
    >>> area = pd.Series({"premises": 200, "n_gigabit": 50, "pct_gigabit": 25.0})
    >>> county = pd.Series({"pct_gigabit": 40.0})
    >>> t = figures_table(area, county).set_index("key")
    >>> row = t.loc["gigabit"]
    >>> float(row["Division %"]), float(row["Difference (points)"]), bool(row["Published"])
    (25.0, -15.0, True)
    >>> bool(t.loc["full_fibre", "Published"])
    False
    """
    rows = []
    for key, m in MEASURES.items():
        n = area.get(f"n_{key}")
        pct, cpct = _pct(area, key), _pct(county, key)
        rows.append({
            "key": key, "Measure": m.label, "Division %": pct,
            "Division premises": None if n is None or pd.isna(n) else int(n),
            "County %": cpct, "England %": _pct(england, key),
            "Difference (points)": None if pct is None or cpct is None else round(pct - cpct, 1),
            "Published": f"n_{key}" in area.index or f"pct_{key}" in area.index,
        })  # fmt: skip
    return pd.DataFrame(rows)


def unpublished_note(table: pd.DataFrame, release: str) -> str:
    """One line naming the measures of :func:`figures_table` that ``release`` does not publish.

    Examples
    --------
    >>> t = figures_table(pd.Series({"pct_gigabit": 25.0}), pd.Series(dtype=float))
    >>> unpublished_note(t[t["key"].isin(["gigabit", "full_fibre"])], "2026-01")
    'Full fibre (FTTP): not published in this release (2026-01).'
    """
    missing = table.loc[~table["Published"].astype(bool), "Measure"].tolist()
    return f"{', '.join(missing)}: {NOT_PUBLISHED} ({release})." if missing else ""


def rank_in_county(figures: pd.DataFrame, *, measure: str) -> pd.Series:
    """Rank of every area on ``pct_<measure>``: 1 = best served (highest where high is good,
    lowest for "below USO"); ties share the best rank; areas with no figure of their own
    (none, or their district's) get <NA>."""
    by_code = figures.set_index(figures[AREA_CODE].astype(str))
    values = by_code[f"pct_{measure}"].astype(float)
    if "figure_from" in by_code:  # a district's figure in an area's place is not the area's
        values = values.where(by_code["figure_from"] != "district")
    ascending = not MEASURES[measure].good_when_high
    return values.rank(ascending=ascending, method="min").astype("Int64")


def target_progress(
    area: pd.Series,
    *,
    superfast_target: float = SUPERFAST_TARGET_PCT,
    gigabit_target: float = GIGABIT_TARGET_PCT,
) -> pd.DataFrame:
    """Progress toward the targets: current %, target %, points to go and premises to go.

    ``Premises to go`` = ⌈target × premises / 100⌉ − covered premises, at least 0.
    """
    rows = []
    premises = area.get("premises")
    for key, target in (("sfbb", superfast_target), ("gigabit", gigabit_target)):
        pct, n = area.get(f"pct_{key}"), area.get(f"n_{key}")
        known = pct is not None and not pd.isna(pct) and premises and not pd.isna(premises)
        need = max(0, math.ceil(target * float(premises) / 100 - 1e-9) - int(n)) if known else None
        rows.append({
            "Measure": MEASURES[key].label, "Target %": float(target),
            "Division %": round(float(pct), 1) if known else None,
            "Points to go": round(max(0.0, target - float(pct)), 1) if known else None,
            "Premises to go": need, "Met": bool(known and float(pct) >= target),
        })  # fmt: skip
    return pd.DataFrame(rows)


def shortfalls(area: pd.Series) -> dict[str, int | None]:
    """Premises without superfast (``premises − n_sfbb``), below the USO (``n_below_uso``) and,
    where the release publishes it, unable to get decent broadband (``n_no_decent``, 2026-01+).

    A key is present only when the area's figures carry its measure, so a page can say "not
    published in this release" rather than "no figure".

    Examples
    --------
    >>> shortfalls(pd.Series({"premises": 100, "n_sfbb": 90, "n_no_decent": 3}))
    {'without_superfast': 10, 'no_decent': 3}
    """

    def num(v: object) -> float | None:
        return None if v is None or pd.isna(v) else float(v)  # type: ignore[arg-type]

    premises, sfbb = num(area.get("premises")), num(area.get("n_sfbb"))
    out: dict[str, int | None] = {}
    if "n_sfbb" in area.index:
        out["without_superfast"] = (
            None if premises is None or sfbb is None else int(premises - sfbb)
        )
    for key in ("below_uso", "no_decent"):
        if f"n_{key}" in area.index or f"pct_{key}" in area.index:
            v = num(area.get(f"n_{key}"))
            out[key] = None if v is None else int(v)
    return out


def records_in_area(
    records: gpd.GeoDataFrame | None, areas: gpd.GeoDataFrame, code: str, *, name: str
) -> gpd.GeoDataFrame | None:
    """The point records falling in area ``code`` (``None`` when no records are loaded)."""
    if records is None or len(records) == 0 or "geometry" not in records:
        return None
    codes = assign_areas(records, areas, points_name=name)
    return records[(codes == code).fillna(False).to_numpy()]


@dataclass(frozen=True)
class Section:
    """One titled table of an overlay's figures for one area, as plain text cells."""

    title: str
    table: pd.DataFrame
    note: str = ""

    def lines(self) -> list[str]:
        """The table's rows as ``"first: rest"`` text lines (for the PDF and the CSV)."""
        cols = list(self.table.columns)
        return [
            f"{r[cols[0]]}: " + ", ".join(str(r[c]) for c in cols[1:]) if len(cols) > 1
            else str(r[cols[0]])
            for r in self.table.to_dict("records")
        ]  # fmt: skip


@dataclass
class DivisionProfile:
    """Everything the profile page and its exports show for one division."""

    code: str
    name: str
    release: str
    measure: str
    figures: pd.DataFrame
    premises: float | None
    method: str
    county_how: str
    rank: int | None
    ranked_of: int
    targets: pd.DataFrame
    shortfalls: dict[str, int | None]
    trend: pd.DataFrame | None = None
    sections: list[Section] = field(default_factory=list)
    """The overlays' figures in this division (each layer's ``summarise``)."""
    synthetic: bool = False
    figure_from: str = "area"
    """``"area"`` (the division's own figures), ``"district"`` (its district's) or ``"none"``."""
    figure_area_name: str = ""
    figure_needs: str = ""
    """The file that would give the division its own figures ("" when it has them)."""

    @property
    def unpublished(self) -> list[str]:
        """Keys of the measures this release's file does not publish."""
        return self.figures.loc[~self.figures["Published"].astype(bool), "key"].tolist()

    def published_note(self) -> str:
        """ "<measures>: not published in this release (<release>)." or ""."""
        return unpublished_note(self.figures, self.release)

    @property
    def district_figures(self) -> bool:
        """True when the figures shown are the district's, not the division's own."""
        return self.figure_from == "district"

    def figures_note(self) -> str:
        """One line saying whose figures these are when they are not the division's own."""
        if self.figure_from == "district":
            return (
                "No figure of this division's own yet: the figures are "
                f"{self.figure_area_name}'s (the district's, Ofcom LA file {self.release}). "
                f"Its own needs {self.figure_needs}."
            )
        if self.figure_from == "none":
            return f"No figure for this division: needs {self.figure_needs}."
        return ""

    def figures_frame(self) -> pd.DataFrame:
        """The figures as one flat table (for CSV): one row per figure."""
        rows: list[dict[str, Any]] = [
            {"section": "division", "item": "code", "value": self.code},
            {"section": "division", "item": "name", "value": self.name},
            {"section": "division", "item": "release", "value": self.release},
            {"section": "division", "item": "premises", "value": self.premises},
            {"section": "division", "item": "figures from", "value": self.figure_from},
            {"section": "division", "item": "figures of", "value": self.figure_area_name},
            {"section": "division", "item": "own figures need", "value": self.figure_needs},
            {"section": "division", "item": f"rank ({self.measure})",
             "value": None if self.rank is None else f"{self.rank} of {self.ranked_of}"},
        ]  # fmt: skip
        for r in self.figures.to_dict("records"):
            for col in ("Division %", "Division premises", "County %", "England %"):
                value = r[col] if r["Published"] else NOT_PUBLISHED
                rows.append({"section": r["Measure"], "item": col, "value": value})
        for r in self.targets.to_dict("records"):
            for col in ("Target %", "Division %", "Premises to go"):
                rows.append({"section": f"target: {r['Measure']}", "item": col, "value": r[col]})
        for k, v in self.shortfalls.items():
            rows.append({"section": "shortfall", "item": k, "value": v})
        for section in self.sections:
            for r in section.table.astype(str).to_dict("records"):
                values = list(r.values())
                rows.append({"section": section.title, "item": values[0],
                             "value": ", ".join(values[1:])})  # fmt: skip
        return pd.DataFrame(rows)

    def as_dict(self) -> dict[str, Any]:
        """The profile as plain JSON-ready data."""

        def records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
            if frame is None:
                return None
            plain = frame.drop(columns="geometry", errors="ignore")
            return json.loads(plain.to_json(orient="records", date_format="iso"))

        return {
            "code": self.code, "name": self.name, "release": self.release,
            "synthetic": self.synthetic, "premises": self.premises, "method": self.method,
            "measure": self.measure, "rank": self.rank, "ranked_of": self.ranked_of,
            "county_figures_from": self.county_how,
            "figure_from": self.figure_from, "figure_area_name": self.figure_area_name,
            "figure_needs": self.figure_needs,
            "figures": records(self.figures), "targets": records(self.targets),
            "shortfalls": self.shortfalls,
            "trend": records(None if self.trend is None else self.trend.reset_index()),
            "sections": [{"title": s.title, "rows": records(s.table), "note": s.note}
                         for s in self.sections],
        }  # fmt: skip

    def to_json(self) -> str:
        """:meth:`as_dict` as indented JSON (UTF-8 text, non-ASCII kept)."""
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False, default=str)


def build_profile(
    figures: gpd.GeoDataFrame,
    code: str,
    *,
    county: pd.Series,
    county_how: str,
    release: str,
    measure: str,
    coverage: pd.DataFrame | None = None,
    superfast_target: float = SUPERFAST_TARGET_PCT,
    gigabit_target: float = GIGABIT_TARGET_PCT,
    sections: Sequence[Section] = (),
    trend: pd.DataFrame | None = None,
    synthetic: bool = False,
) -> DivisionProfile:
    """Assemble the profile of division ``code`` from the figures of every area.

    Parameters
    ----------
    figures
        :func:`geo.analysis.coverage.best_figures` output for every area (EPSG:27700).
    county, county_how
        :func:`geo.analysis.coverage.county_figures` output.
    coverage
        The catalogue's coverage rows (for England's row, when an LA-level file has one).
    sections
        The overlays' summaries of this division (from the layer registry, in the app layer).
    trend
        Premises-weighted figures per release for this division, or ``None``.
    """
    by_code = figures.set_index(figures[AREA_CODE].astype(str))
    if code not in by_code.index:
        raise KeyError(f"no area with code {code!r}")
    area = by_code.loc[code]
    ranks = rank_in_county(figures, measure=measure)
    rank = ranks.get(code)
    premises = area.get("premises")
    return DivisionProfile(
        code=code,
        name=str(area["area_name"]),
        release=release,
        measure=measure,
        figures=figures_table(area, county, england_figures(coverage, release=release)),
        premises=None if premises is None or pd.isna(premises) else float(premises),
        method=str(area.get("method", "")),
        county_how=county_how,
        rank=None if rank is None or pd.isna(rank) else int(rank),
        ranked_of=int(ranks.notna().sum()),
        targets=target_progress(
            area, superfast_target=superfast_target, gigabit_target=gigabit_target
        ),
        shortfalls=shortfalls(area),
        trend=trend,
        sections=list(sections),
        synthetic=synthetic,
        figure_from=str(area.get("figure_from", "area")),
        figure_area_name=str(area.get("figure_area_name", "") or ""),
        figure_needs=str(area.get("figure_needs", "") or ""),
    )


__all__ = [
    "DivisionProfile",
    "PostcodeMatch",
    "Section",
    "build_profile",
    "england_figures",
    "figures_table",
    "find_postcode_division",
    "rank_in_county",
    "records_in_area",
    "shortfalls",
    "target_progress",
    "trend_caveat",
    "unpublished_note",
]
