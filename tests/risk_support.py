"""A catalogue of the real Norfolk files plus SYNTHETIC ages, OA coverage and mobile coverage.

The real files (../shared/data) are read in place: divisions (CED 2025), 2011 OAs and LSOAs
and IMD 2019. Ages (Census 2021 TS007A), fixed coverage (202407 OA layout) and mobile coverage
(202507 LA layout) are generated in the published layouts for the real OA and district codes,
and imported through the same ``import_file`` as real downloads, marked synthetic. A few
SYNTHETIC support points go into the store through the pilots layer's own reader.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from geo.config import SHARED_DATA_DIR
from geo.sources import synthetic_risk as sr
from geo.storage import store
from geo.storage.catalog import import_file
from layers import registered

REAL = (
    "norfolk_ced_2025_simplified.geojson",
    "norfolk_oa_2011_bgc.geojson",
    "norfolk_lsoa_2011_bgc.geojson",
    "imd2019_norfolk_lsoa.csv",
)
NORWICH = (623_000.0, 308_500.0)
"""The synthetic figures worsen with distance from here (EPSG:27700)."""
PILOTS_CSV = """programme,site_name,kind,start_date,end_date,people_helped,easting,northing
Tech Skills (synthetic),Norwich Library (synthetic),training,2024-01-15,,420,622900,308400
Tech Skills (synthetic),King's Lynn Library (synthetic),training,2024-03-01,,160,562200,320000
Device Lending (synthetic),Thetford Hub (synthetic),device_lending,2023-06-01,,75,587000,283000
Free Wi-Fi (synthetic),Cromer Pier (synthetic),free_wifi,2022-05-01,2023-05-01,300,621900,342300
"""


def build_norfolk_risk_catalog(data_dir: Path) -> Path:
    """Write ``<data_dir>/broadband.gpkg`` (the real catalogue in force) and a store with
    SYNTHETIC pilots; returns the catalogue's path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / "broadband.gpkg"
    for name in REAL:
        import_file(SHARED_DATA_DIR / name, target)
    oa = gpd.read_file(SHARED_DATA_DIR / "norfolk_oa_2011_bgc.geojson").to_crs("EPSG:27700")
    pts = oa.geometry.representative_point()
    lads = gpd.read_file(SHARED_DATA_DIR / "norfolk_lad_boundaries_2013_bgc.geojson")
    made = {
        "census2021-ts007a-oa_synthetic.csv": sr.census_ts007a(
            oa["OA11CD"], pts.x, pts.y, town=NORWICH
        ),
        "202407_fixed_oa_coverage_synthetic.csv": sr.oa_fixed_coverage(
            oa["OA11CD"], pts.x, pts.y, town=NORWICH
        ),
        "202507_mobile_coverage_laua_synthetic.csv": sr.mobile_laua(
            lads["LAD13CD"], lads["LAD13NM"], premises=[60_000] * len(lads)
        ),
    }
    for name, data in made.items():
        path = data_dir / name
        path.write_bytes(data)
        import_file(path, target, synthetic=True)
        path.unlink()
    records = registered()["pilots"].read(PILOTS_CSV.encode(), filename="pilots_synthetic.csv")
    store.save(data_dir / "store.gpkg", "pilots", records, file_name="pilots_synthetic.csv",
               file_bytes=PILOTS_CSV.encode(), user="test")  # fmt: skip
    return target


__all__ = ["build_norfolk_risk_catalog"]
