"""A postcode's own figures: "at your postcode, X% of premises can get gigabit".

Ofcom's postcode files since 2024 carry percentages and no premises counts, so they are
stored as each postcode's own figures (catalogue layer ``coverage_pct``) and never summed or
averaged into an area. :func:`postcode_answer` gives them, labelled as a postcode figure, with
source, release, method and licence. A postcode file *with* counts (older releases, the
synthetic demo) answers too, as count ÷ premises of that postcode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from geo.config import MEASURES, NOT_PUBLISHED, OFCOM_LINE
from geo.errors import DataError
from geo.sources.ofcom import release_caveats
from geo.sources.postcodes import normalise_postcode

POSTCODE_FIGURE = "postcode figure"
METHOD_PUBLISHED = "Ofcom's published percentage for this postcode"
METHOD_COUNTS = "Ofcom's premises counts for this postcode (count ÷ premises)"


@dataclass(frozen=True)
class PostcodeAnswer:
    """One postcode's figures in one release."""

    postcode: str
    release: str
    figures: dict[str, float | None]
    """Measure → % of the postcode's premises; ``None`` when the release does not publish it."""
    source: str
    method: str
    premises: float | None = None
    caveats: list[str] = field(default_factory=list)
    kind: str = POSTCODE_FIGURE
    licence: str = OFCOM_LINE

    def sentence(self, measure: str) -> str:
        """E.g. "At NR1 1AA, 87% of premises: Gigabit-capable (a postcode figure, …)"."""
        pct = self.figures.get(measure)
        label = MEASURES[measure].label
        where = f"(a {self.kind}, Ofcom Connected Nations {self.release})"
        if pct is None:
            return f"At {self.postcode}: {label}: {NOT_PUBLISHED} {where}"
        return f"At {self.postcode}, {pct:.0f}% of premises: {label} {where}"

    def table(self) -> pd.DataFrame:
        """One row per measure: ``Measure`` and ``At this postcode`` (text)."""
        rows = [
            {"Measure": m.label,
             "At this postcode": NOT_PUBLISHED if self.figures.get(k) is None
             else f"{self.figures[k]:.1f}%"}
            for k, m in MEASURES.items()
        ]  # fmt: skip
        return pd.DataFrame(rows)


def postcode_answer(
    postcode: str,
    *,
    percentages: pd.DataFrame | None,
    coverage: pd.DataFrame | None = None,
    release: str | None = None,
) -> PostcodeAnswer | None:
    """The figures Ofcom publishes for ``postcode`` (newest release unless ``release``).

    Parameters
    ----------
    postcode
        As a person types it (``nr1 3qu``).
    percentages
        ``Catalog.coverage_pct`` (rows with ``level`` = ``postcode`` are used).
    coverage
        ``Catalog.coverage``: postcode-level rows with premises counts, used when the
        percentages have nothing for the postcode.

    Returns
    -------
    PostcodeAnswer or None
        ``None`` when no loaded file has the postcode.

    Raises
    ------
    DataError
        ``postcode`` is not a valid UK postcode.
    """
    pc = normalise_postcode(postcode)
    if pc is None:
        raise DataError.single("postcode", "is not a valid UK postcode", value=postcode)
    for table, method in ((percentages, METHOD_PUBLISHED), (coverage, METHOD_COUNTS)):
        rows = _rows(table, pc, release)
        if rows.empty:
            continue
        row = rows.sort_values("release").iloc[-1]
        if method == METHOD_PUBLISHED:
            figures = {m: _num(row.get(f"pct_{m}")) for m in MEASURES}
            premises = None
        else:
            premises = _num(row.get("premises"))
            figures = {
                m: None if premises in (None, 0) or _num(row.get(f"n_{m}")) is None
                else 100.0 * float(row[f"n_{m}"]) / float(premises)
                for m in MEASURES
            }  # fmt: skip
        return PostcodeAnswer(
            postcode=pc, release=str(row["release"]), figures=figures,
            source=str(row.get("source", "")), method=method, premises=premises,
            caveats=release_caveats(str(row["release"])),
        )  # fmt: skip
    return None


def _rows(table: pd.DataFrame | None, pc: str, release: str | None) -> pd.DataFrame:
    if table is None or table.empty:
        return pd.DataFrame()
    rows = table[table["area_id"] == pc]
    if "level" in rows:
        rows = rows[rows["level"] == "postcode"]
    if release is not None:
        rows = rows[rows["release"] == release]
    return rows


def _num(value: object) -> float | None:
    out = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if pd.isna(out) else float(out)


__all__ = ["POSTCODE_FIGURE", "PostcodeAnswer", "postcode_answer"]
