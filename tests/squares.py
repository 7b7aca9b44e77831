"""Three 1 km squares side by side in EPSG:27700, for known-answer tests.

A: x 0–1000    B: x 1000–2000    C: x 2000–3000    (all y 0–1000, codes A < B < C)
"""

from __future__ import annotations

import geopandas as gpd
import shapely

from geo.config import WORKING_CRS

ORIGIN_X, ORIGIN_Y = 600_000.0, 300_000.0


def squares() -> gpd.GeoDataFrame:
    """The three squares, normalised like real boundaries."""
    gdf = gpd.GeoDataFrame(
        {
            "area_code": ["E58000001", "E58000002", "E58000003"],
            "area_name": ["Alpha", "Bravo", "Charlie"],
            "lad_code": ["E07000001", "E07000001", "E07000002"],
        },
        geometry=[
            shapely.box(ORIGIN_X + i * 1000, ORIGIN_Y, ORIGIN_X + (i + 1) * 1000, ORIGIN_Y + 1000)
            for i in range(3)
        ],
        crs=WORKING_CRS,
    )
    gdf.attrs.update(level="ced", vintage="2025", source="squares", repairs=[])
    return gdf


def at(x: float, y: float) -> tuple[float, float]:
    """A point given relative to the squares' origin."""
    return ORIGIN_X + x, ORIGIN_Y + y
