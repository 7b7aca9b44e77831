"""SYNTHETIC anchor sites, BDUK premises-in-plans rows and pilots in the demo grid, stored
through the real readers and the real store, so the profile and planner pages have layers."""

from __future__ import annotations

from pathlib import Path

from geo.sources.demo_build import DEMO_CATALOG, build_demo
from geo.storage import store
from geo.storage.catalog import load_catalog
from geo.storage.workspace import DEMO_STORE
from layers import registered
from layers.base import ReadContext

ANCHORS_CSV = """site_type,name,identifier,fibre_status,easting,northing
school,Greyfriars Primary (synthetic),S1,planned,595000,302000
library,Greyfriars Library (synthetic),L1,none,595600,302400
gp,Ashby Marsh Surgery (synthetic),G1,planned,587000,302000
school,Castle Fen Academy (synthetic),S2,planned,587500,310000
fire_station,Dunmere Fire Station (synthetic),F1,full_fibre,591000,302000
council_office,Kingsmoor Hall (synthetic),C1,gigabit,599000,310000
school,Brook Green School (synthetic),S3,none,587200,306000
library,Hollow Heath Library (synthetic),L2,planned,591500,310000
"""
PILOTS_CSV = """programme,site_name,kind,start_date,end_date,people_helped,easting,northing
Tech Skills (synthetic),Greyfriars Library (synthetic),training,2024-01-15,,120,595600,302400
Devices (synthetic),Greyfriars Hub (synthetic),device_lending,2023-06-01,2024-03-31,45,594800,301500
Free Wi-Fi (synthetic),Ashby Marsh Hall (synthetic),free_wifi,2024-02-01,,,587000,302500
"""


def seed_store(data_dir: Path) -> Path:
    """Build the demo catalogue in ``data_dir``, store the synthetic layers; return the store."""
    catalog_path = Path(data_dir) / DEMO_CATALOG
    if not catalog_path.exists():
        build_demo(data_dir)
    cat = load_catalog(catalog_path)
    context = ReadContext(postcodes=cat.postcodes)
    statuses = ["Gigabit White", "Gigabit Grey/Black", "Gigabit Under Review"]
    lines = ["uprn,postcode,subsidy_control_status,current_gigabit,bduk_vouchers"]
    for i, pc in enumerate(cat.postcodes.index[::3]):
        lines.append(f"{100000 + i},{pc},{statuses[i % 3]},{'yes' if i % 4 == 0 else 'no'},"
                     f"{'yes' if i % 2 == 0 else 'no'}")  # fmt: skip
    files = {
        "anchors": ("anchors_synthetic.csv", ANCHORS_CSV.encode()),
        "vouchers": ("bduk_premises_synthetic.csv", ("\n".join(lines) + "\n").encode()),
        "pilots": ("pilots_synthetic.csv", PILOTS_CSV.encode()),
    }
    path = Path(data_dir) / DEMO_STORE  # the store in force beside the demo catalogue
    for key, (name, raw) in files.items():
        records = registered()[key].read(raw, filename=name, context=context)
        store.save(path, key, records, file_name=name, file_bytes=raw, user="test")
    return path
