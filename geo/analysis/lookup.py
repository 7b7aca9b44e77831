""" "What is coverage like here?": a postcode typed by a person → the area it lies in.

The postcode is normalised (:func:`geo.sources.postcodes.normalise_postcode`), looked up in the
catalogue's postcode directory (ONSPD / NSPL centroids, EPSG:27700) and the centroid is placed
in an area with :func:`geo.geometry.aggregate.assign_areas` (a point on a shared border goes to the
lower code, as everywhere else). Every way it can fail has its own status and message, so the
page can tell the person what to do instead of showing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import pandas as pd
import shapely

from geo.config import WORKING_CRS
from geo.geometry.aggregate import assign_areas
from geo.sources.postcodes import normalise_postcode

Status = Literal[
    "found", "invalid", "no_directory", "unknown", "terminated", "no_location", "outside"
]


@dataclass(frozen=True)
class PostcodeResult:
    """The outcome of :func:`find_area`: ``area_code`` is set only when ``status == "found"``."""

    status: Status
    postcode: str | None
    area_code: str | None = None

    @property
    def message(self) -> str:
        """A sentence for the person who typed the postcode."""
        pc = self.postcode or ""
        return {
            "found": f"{pc} is in this area.",
            "invalid": "That does not look like a UK postcode (for example NR1 3QU).",
            "no_directory": "Postcode search needs a postcode directory, and none is loaded.",
            "unknown": f"{pc} is not in the postcode directory loaded here.",
            "terminated": f"{pc} is no longer in use (terminated), so it has no area.",
            "no_location": f"{pc} has no grid reference in the postcode directory.",
            "outside": f"{pc} is outside the areas on this map.",
        }[self.status]


def find_area(
    text: str,
    *,
    postcodes: pd.DataFrame | None,
    areas: gpd.GeoDataFrame,
) -> PostcodeResult:
    """The area containing the centroid of postcode ``text``.

    Parameters
    ----------
    text
        What the person typed, in any case and spacing (``" nr1  3qu"``).
    postcodes
        Postcode directory from :func:`geo.sources.postcodes.read_postcode_file` (index: normalised
        postcode; columns ``easting``, ``northing``, ``terminated``), or ``None``.
    areas
        EPSG:27700 polygons with ``area_code``.

    Examples
    --------
    >>> find_area("not a postcode", postcodes=None, areas=gpd.GeoDataFrame()).status
    'invalid'
    """
    postcode = normalise_postcode(text)
    if postcode is None:
        return PostcodeResult("invalid", None)
    if postcodes is None or postcodes.empty:
        return PostcodeResult("no_directory", postcode)
    if postcode not in postcodes.index:
        return PostcodeResult("unknown", postcode)
    row = postcodes.loc[postcode]
    if isinstance(row, pd.DataFrame):  # a directory should not repeat a postcode; take the first
        row = row.iloc[0]
    if bool(row.get("terminated", False)):
        return PostcodeResult("terminated", postcode)
    east, north = row.get("easting"), row.get("northing")
    if pd.isna(east) or pd.isna(north):
        return PostcodeResult("no_location", postcode)
    point = gpd.GeoDataFrame(geometry=[shapely.Point(float(east), float(north))], crs=WORKING_CRS)
    code = assign_areas(point, areas, points_name="postcode", areas_name="areas").iloc[0]
    if pd.isna(code):
        return PostcodeResult("outside", postcode)
    return PostcodeResult("found", postcode, str(code))


__all__ = ["PostcodeResult", "find_area"]
