"""Output areas the ONS way: which census's OA codes a file uses, and the centroids to match.

OA codes look alike across censuses (``E00…``): 2021 kept the code of every unchanged 2011 OA,
retired those it split or merged, and issued new codes above the last 2011 one
(:data:`geo.config.OA11_LAST_CODES`). An OA file is placed in areas by the ONS
population-weighted centroids (PWC) **of its own vintage**: 2011 centroids would silently drop
every new 2021 OA. OA polygons' representative points are a labelled fallback only.

The catalogue's ``oa_centroids`` table (see :func:`geo.storage.catalog.save_oa_centroids`)
holds one row per OA and vintage: ``oa_code`` (index), ``easting``, ``northing`` (EPSG:27700),
``vintage`` (``"2011"``/``"2021"``) and ``kind`` (a key of :data:`CENTROID_KINDS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from geo.config import OA11_LAST_CODES, OA_CODE_FIELDS, UNMATCHED_OA_MAX_SHARE
from geo.errors import DataError
from geo.settings import load_settings

VINTAGES = tuple(OA_CODE_FIELDS)
"""Census vintages of OA codes, oldest first."""
CENTROID_KINDS: dict[str, str] = {
    "pwc": "ONS population-weighted centroids",
    "points": "OA centroid points as supplied",
    "polygon": "OA polygons' representative points (fallback: not population-weighted)",
    "synthetic": "synthetic OA centroids",
}
"""How a set of OA centroids was made → the words a method line uses for it."""
_OA_CODE = re.compile(r"^([EW])00(\d{6})$")


@dataclass(frozen=True)
class OAVintage:
    """The census vintage of a file's OA codes and how it was decided."""

    vintage: str
    reason: str


def vintage_of_column(name: str | None) -> str | None:
    """``"2011"`` for an ``OA11CD``/``oa11`` column name, ``"2021"`` for ``OA21CD``/``oa21``."""
    if not name:
        return None
    match = re.fullmatch(r"oa(\d{2})(cd)?", str(name).strip().lower())
    return f"20{match.group(1)}" if match and f"20{match.group(1)}" in OA_CODE_FIELDS else None


def newer_than_2011(codes: Iterable[str]) -> list[str]:
    """The codes numbered above the last 2011 OA of their country: first issued in 2021."""
    out = []
    for code in codes:
        match = _OA_CODE.match(str(code))
        if match and int(match.group(2)) > OA11_LAST_CODES[match.group(1)]:
            out.append(str(code))
    return out


def detect_oa_vintage(
    codes: Iterable[str],
    *,
    id_column: str | None = None,
    centroids: pd.DataFrame | None = None,
) -> OAVintage:
    """Decide whether OA ``codes`` are 2011 or 2021 codes.

    In order: a vintaged code column (``oa11cd``/``oa21cd``) decides; any code above the last
    2011 code (E00176774, W00010265) means 2021; otherwise, with ``centroids`` of several
    vintages loaded, the vintage that knows the most codes (2021 on a tie); otherwise the one
    vintage loaded; otherwise 2011 (no code is new in 2021).

    Examples
    --------
    >>> detect_oa_vintage(["E00088001", "E00188003"]).vintage
    '2021'
    >>> detect_oa_vintage(["E00088001"], id_column="oa11cd").vintage
    '2011'
    """
    codes = [str(c) for c in codes]
    named = vintage_of_column(id_column)
    if named:
        return OAVintage(named, f"the code column is '{id_column}'")
    new = newer_than_2011(codes)
    if new:
        return OAVintage(
            "2021", f"{len(new):,} code(s) such as {new[0]} were first issued for the 2021 census"
        )
    loaded = loaded_vintages(centroids)
    if len(loaded) > 1:
        wanted = set(codes)
        known = {v: len(wanted & set(centroid_set(centroids, v).index)) for v in loaded}  # type: ignore[union-attr]
        best = max(loaded, key=lambda v: (known[v], v))
        counts = ", ".join(f"{v}: {known[v]:,}" for v in loaded)
        return OAVintage(best, f"the {best} centroids know the most of its codes ({counts})")
    if len(loaded) == 1:
        return OAVintage(loaded[0], f"no code is newer than 2011; {loaded[0]} centroids loaded")
    return OAVintage("2011", "no code is newer than the last 2011 OA code (E00176774)")


def loaded_vintages(centroids: pd.DataFrame | None) -> list[str]:
    """Vintages present in a centroid table, oldest first (a table without ``vintage``: none)."""
    if centroids is None or "vintage" not in centroids:
        return []
    present = set(centroids["vintage"].astype(str))
    return [v for v in VINTAGES if v in present]


def centroid_set(centroids: pd.DataFrame | None, vintage: str) -> pd.DataFrame | None:
    """One vintage's centroids (index ``oa_code``, ``easting``, ``northing``), or ``None``.

    A table saved before vintages were recorded (no ``vintage`` column) is used as it is.
    ``attrs`` carry ``vintage`` and ``kind`` (the commonest kind in the set).
    """
    if centroids is None or len(centroids) == 0:
        return None
    if "vintage" not in centroids:
        out = centroids[["easting", "northing"]].copy()
        out.attrs.update(vintage=vintage, kind="points")
        return out
    rows = centroids[centroids["vintage"].astype(str) == vintage]
    if rows.empty:
        return None
    out = rows[["easting", "northing"]].copy()
    kind = str(rows["kind"].mode().iat[0]) if "kind" in rows else "points"
    out.attrs.update(vintage=vintage, kind=kind)
    return out


def method_text(vintage: str, kind: str) -> str:
    """The ``method`` of figures from OA rows placed by one centroid set."""
    return f"output areas ({vintage} codes) placed by {CENTROID_KINDS.get(kind, kind)}"


def fetch_hint(vintage: str, *, county: str | None = None) -> str:
    """What to run (or import) to load one vintage's population-weighted centroids.

    ``county`` defaults to the county in force (``BROADBAND_COUNTY``).
    """
    county = county or load_settings().county_code
    return (
        f"load the {vintage} OA population-weighted centroids: python -m geo fetch --county "
        f"{county} --level oa (or import the ONS '{OA_CODE_FIELDS[vintage]}' PWC file)"
    )


def check_unmatched(
    stats: Mapping[str, object],
    *,
    vintage: OAVintage,
    source: str,
    max_share: float = UNMATCHED_OA_MAX_SHARE,
) -> None:
    """Fail when OAs that could not be placed hold more than ``max_share`` of the premises.

    Parameters
    ----------
    stats
        The ``placement`` facts of :func:`geo.analysis.coverage.coverage_by_area`: premises
        placed and premises (and count) of OAs with no centroid of this vintage.

    Raises
    ------
    DataError
        Naming the file, the vintage, how many OAs and what share of premises, and the
        centroids to load.
    """
    placed = float(stats.get("premises_placed", 0.0))  # type: ignore[arg-type]
    missing = float(stats.get("premises_no_location", 0.0))  # type: ignore[arg-type]
    total = placed + missing
    share = missing / total if total > 0 else 0.0
    if share <= max_share:
        return
    n = int(stats.get("n_no_location", 0))  # type: ignore[call-overload]
    examples = list(stats.get("no_location_examples", []))  # type: ignore[call-overload]
    raise DataError.single(
        source,
        f"{n:,} output area(s) ({share:.1%} of the county's premises, more than the "
        f"{max_share:.1%} allowed) have no {vintage.vintage} centroid, so their premises "
        f"would be left out of every division ({vintage.vintage} codes because "
        f"{vintage.reason}); {fetch_hint(vintage.vintage)}",
        column="output_area",
        value=", ".join(map(str, examples[:3])) or None,
    )


__all__ = [
    "CENTROID_KINDS",
    "VINTAGES",
    "OAVintage",
    "centroid_set",
    "check_unmatched",
    "detect_oa_vintage",
    "fetch_hint",
    "loaded_vintages",
    "method_text",
    "newer_than_2011",
    "vintage_of_column",
]
