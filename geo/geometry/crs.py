"""The working CRS (British National Grid) and the one conversion to lon/lat for display."""

from __future__ import annotations

import geopandas as gpd
from pyproj import CRS

from geo.config import DISPLAY_CRS, WORKING_CRS
from geo.errors import CRSMismatchError, DataError


def to_working(gdf: gpd.GeoDataFrame, *, source: str = "input") -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:27700; a frame with no CRS is an error, never a guess.

    Parameters
    ----------
    gdf
        Any GeoDataFrame with a CRS set.
    source
        Name of the file or layer, used in the error message.
    """
    if gdf.crs is None:
        raise DataError.single(
            source,
            "has no coordinate reference system; save it with one (e.g. EPSG:27700 or EPSG:4326)",
        )
    if CRS.from_user_input(gdf.crs) == CRS.from_user_input(WORKING_CRS):
        return gdf
    return gdf.to_crs(WORKING_CRS)


def to_display(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326 for drawing; the only place the project converts to lon/lat."""
    return gdf.to_crs(DISPLAY_CRS)


def require_same_crs(*frames: gpd.GeoDataFrame, names: tuple[str, ...] = ()) -> None:
    """Raise :class:`CRSMismatchError` unless every frame has the same, set CRS."""
    labels = names or tuple(f"frame {i + 1}" for i in range(len(frames)))
    crss = [f.crs for f in frames]
    if any(c is None for c in crss) or any(
        not CRS.from_user_input(c).equals(crss[0]) for c in crss
    ):
        listed = ", ".join(f"{n}: {c}" for n, c in zip(labels, crss, strict=True))
        raise CRSMismatchError.single(
            labels[0], f"CRS mismatch ({listed}); convert with geo.geometry.crs.to_working first"
        )


__all__ = ["require_same_crs", "to_display", "to_working"]
