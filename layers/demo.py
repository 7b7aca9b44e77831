"""SYNTHETIC voucher, anchor-site and pilot files for the demo divisions, and their first save.

Nothing here is real. The files use the real upload formats (a council voucher list, a council
sites CSV plus a few rows in the DfE GIAS layout, a pilots CSV), are located by the demo's
made-up ``ZZ99`` postcodes (from the demo NSPL) or by grid references inside the demo divisions,
and label every row and every file name as synthetic. :func:`save_demo_layers` sends them
through each layer's own reader, exactly as an upload travels, and saves them with user
``demo``.

The counts per division are fixed (:data:`VOUCHERS_PER_DIVISION`, :data:`SITES`,
:data:`PILOTS`) so tests know the answers; only the order of postcodes and the voucher
statuses and dates come from a seeded generator.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import SYNTHETIC_LABEL
from geo.sources.demo import demo_areas, demo_files
from geo.sources.demo_build import build_demo
from geo.storage import store
from geo.storage.atomic import swap_in, writer_lock
from geo.storage.catalog import load_catalog
from geo.storage.workspace import DEMO_STORE, Workspace, read_context
from layers.base import registered

SEED = 20261123
DEMO_USER = "demo"
DEMO_TODAY = date(2025, 6, 30)
"""Every synthetic date is on or before this day."""
DEMO_BUILD_WAIT_S = 300.0
"""How long a session waits for another that is building the demo (seconds, a loaded runner)."""

VOUCHERS_PER_DIVISION: tuple[int, ...] = (22, 15, 3, 0, 12, 9, 2, 7, 5, 0, 1, 6)
"""Vouchers in demo divisions 1–12 (``X58000001``…): some under 5, to show suppression."""
VOUCHER_STATUSES = ("applied", "approved", "connected", "cancelled")
VOUCHER_WEIGHTS = (0.2, 0.25, 0.45, 0.1)
VOUCHER_VALUES = {"residential": 1500, "business": 3500}

SITES: tuple[tuple[int, str, str, str], ...] = (
    (1, "library", "Ashby Marsh Library", "none"),
    (1, "fire_station", "Ashby Marsh Fire Station", "planned"),
    (2, "gp", "Brook Green Surgery", "none"),
    (3, "council_office", "Castle Fen Area Office", "gigabit"),
    (5, "library", "Elmstead Library", "full_fibre"),
    (6, "gp", "Fairholme Medical Centre", "unknown"),
    (7, "library", "Greyfriars Library", "full_fibre"),
    (7, "council_office", "Greyfriars County Hall", "full_fibre"),
    (8, "fire_station", "Hollow Heath Fire Station", "gigabit"),
    (10, "other", "Juniper Vale Village Hall", "none"),
    (11, "library", "Kingsmoor Library", "full_fibre"),
    (12, "gp", "Larkhill Health Centre", "planned"),
)
"""Council sites: (division number, site type, name, fibre status)."""
SCHOOLS: tuple[tuple[int, str, str], ...] = (
    (1, "Ashby Marsh Primary School", "Open"),
    (4, "Dunmere Church of England Primary School", "Open"),
    (7, "Greyfriars Academy", "Open, but proposed to close"),
    (9, "Ivy Common Infant School", "Closed"),
)
"""GIAS rows: (division number, name, status). The closed one is left out by the reader."""
PILOTS: tuple[tuple[int, str, str, str, str, str, int], ...] = (
    (1, "Tech Skills for Life", "Ashby Marsh Library", "training", "2024-01-08", "", 140),
    (2, "Device Lending Scheme", "Brook Green Hall", "device_lending", "2024-04-01", "", 35),
    (3, "Free Wi-Fi Pilot", "Castle Fen Green", "free_wifi", "2023-01-01", "2023-12-31", 600),
    (5, "Tech Skills for Life", "Elmstead Library", "training", "2024-02-01", "", 90),
    (5, "Library Digital Help", "Elmstead Library", "library_help", "2023-09-01", "", 3),
    (7, "Library Digital Help", "Greyfriars Library", "library_help", "2022-05-01", "", 410),
    (9, "Device Lending Scheme", "Ivy Common Hub", "device_lending", "2022-01-10", "2022-12-20",
     25),
    (11, "Free Wi-Fi Pilot", "Kingsmoor Market Place", "free_wifi", "2024-06-01", "", 220),
)  # fmt: skip
"""Pilots: (division, programme, site, kind, start, end (blank = running), people helped)."""

VOUCHERS_FILE = "vouchers_demo_SYNTHETIC.csv"
SITES_FILE = "anchor_sites_demo_SYNTHETIC.csv"
SCHOOLS_FILE = "gias_schools_demo_SYNTHETIC.csv"
PILOTS_FILE = "pilots_demo_SYNTHETIC.csv"


def _synthetic(name: str) -> str:
    return f"{name} (synthetic)"


def demo_postcodes() -> pd.DataFrame:
    """The demo NSPL's postcodes: ``pcds``, ``east1m``, ``north1m``, ``ced25cd`` (synthetic)."""
    nspl = pd.read_csv(io.BytesIO(demo_files()["nspl_demo_synthetic.csv"]), dtype=str)
    return nspl[["pcds", "east1m", "north1m", "ced25cd"]].reset_index(drop=True)


def _division_codes() -> list[str]:
    return demo_areas()["CED25CD"].tolist()


def _postcodes_in(pcs: pd.DataFrame, division: int) -> pd.DataFrame:
    code = _division_codes()[division - 1]
    return pcs[pcs["ced25cd"] == code].reset_index(drop=True)


def demo_layer_files() -> dict[str, dict[str, bytes]]:
    """The demo's overlay files, in the real upload formats.

    Returns
    -------
    dict
        Layer key (``vouchers``, ``anchors``, ``pilots``) → {file name: CSV bytes}. Every file
        name contains ``SYNTHETIC`` and every row carries :data:`geo.config.SYNTHETIC_LABEL`.
    """
    rng = np.random.default_rng(SEED)
    pcs = demo_postcodes()
    return {
        "vouchers": {VOUCHERS_FILE: _csv(_vouchers(pcs, rng))},
        "anchors": {SITES_FILE: _csv(_sites(pcs)), SCHOOLS_FILE: _csv(_schools(pcs))},
        "pilots": {PILOTS_FILE: _csv(_pilots(pcs))},
    }


def _vouchers(pcs: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    first, last = pd.Timestamp("2022-01-01"), pd.Timestamp(DEMO_TODAY)
    for division, n in enumerate(VOUCHERS_PER_DIVISION, start=1):
        here = _postcodes_in(pcs, division)
        for k in range(n):
            pc = here.iloc[int(rng.integers(len(here)))]
            premises = "business" if rng.random() < 0.2 else "residential"
            when = first + pd.Timedelta(days=int(rng.integers((last - first).days + 1)))
            by_grid = k % 5 == 4  # every fifth located by its grid reference instead
            rows.append({
                "Voucher Ref": f"SYNTHETIC-V{len(rows) + 1:04d}",
                "Postcode": "" if by_grid else pc["pcds"],
                "Easting": pc["east1m"] if by_grid else "",
                "Northing": pc["north1m"] if by_grid else "",
                "Premises Type": premises,
                "Status": str(rng.choice(VOUCHER_STATUSES, p=VOUCHER_WEIGHTS)),
                "Status Date": f"{when:%d/%m/%Y}",
                "Voucher Value (£)": VOUCHER_VALUES[premises],
                "Supplier": "Synthetic Fibre Ltd",
                "Note": SYNTHETIC_LABEL,
            })  # fmt: skip
    return pd.DataFrame(rows)


def _sites(pcs: pd.DataFrame) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for k, (division, kind, name, fibre) in enumerate(SITES, start=1):
        pc = _postcodes_in(pcs, division).iloc[k % 7]
        rows.append({
            "Site Type": kind, "Site Name": _synthetic(name), "Site ID": f"SYNTHETIC-S{k:03d}",
            "Fibre Status": fibre, "Postcode": pc["pcds"], "Label": SYNTHETIC_LABEL,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _schools(pcs: pd.DataFrame) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for k, (division, name, status) in enumerate(SCHOOLS, start=1):
        pc = _postcodes_in(pcs, division).iloc[k + 2]
        rows.append({
            "URN": f"99{k:04d}", "LA (code)": "999", "LA (name)": "Demo county (synthetic)",
            "EstablishmentName": _synthetic(name),
            "TypeOfEstablishment (name)": "Community school",
            "EstablishmentStatus (name)": status, "Postcode": pc["pcds"],
            "Easting": pc["east1m"], "Northing": pc["north1m"], "Label": SYNTHETIC_LABEL,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _pilots(pcs: pd.DataFrame) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for k, (division, programme, site, kind, start, end, helped) in enumerate(PILOTS):
        pc = _postcodes_in(pcs, division).iloc[k % 5 + 1]
        rows.append({
            "Programme": _synthetic(programme), "Site Name": _synthetic(site), "Kind": kind,
            "Postcode": pc["pcds"], "Start Date": start, "End Date": end,
            "People Helped": helped, "Label": SYNTHETIC_LABEL,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


def save_demo_layers(
    store_path: str | Path, catalog_path: str | Path, *, today: date | None = None
) -> dict[str, int]:
    """Read the demo files with each layer's reader and save them (user ``demo``).

    A dataset that already has a version in the store is left alone, so this is safe to call
    twice. Postcodes and the county outline come from the demo catalogue at ``catalog_path``.

    Returns
    -------
    dict
        Layer key → version saved (only the datasets saved by this call).
    """
    cat = load_catalog(catalog_path)
    context = read_context(cat.postcodes, dict(cat.areas), today=today or DEMO_TODAY)
    layers = registered()
    saved: dict[str, int] = {}
    for key, files in demo_layer_files().items():
        if key not in layers or store.current_version(store_path, key) is not None:
            continue
        read = layers[key].read
        parts = [read(raw, filename=name, context=context) for name, raw in files.items()]
        records = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)
        saved[key] = store.save(
            store_path, key, records, file_name=", ".join(files),
            file_bytes=b"".join(files.values()), user=DEMO_USER,
        )  # fmt: skip
    return saved


def _copy_of(source: Path) -> Callable[[Path], None]:
    """A :func:`swap_in` writer that makes the copy a copy of ``source``."""

    def write(copy: Path) -> None:
        shutil.copyfile(source, copy)

    return write


def ensure_demo(ws: Workspace) -> None:
    """Build the synthetic demo catalogue and store when the workspace draws the demo.

    Does nothing once a real catalogue exists, or when both demo files are already there.
    Sessions start in parallel (a sign-in redirect opens a second one while the first still
    runs): the first builds both files in a temporary folder under both writer locks and swaps
    them in, store then catalogue; the others wait for the locks and find both there. A
    session never sees a half-built demo, and no dataset is saved twice.
    """
    if not ws.demo or (ws.catalog_path.exists() and ws.store_path.exists()):
        return
    data_dir = ws.settings.data_dir
    with (
        writer_lock(ws.catalog_path, timeout=DEMO_BUILD_WAIT_S),
        writer_lock(ws.store_path, timeout=DEMO_BUILD_WAIT_S),
        tempfile.TemporaryDirectory(dir=data_dir, prefix=".demo-build-") as tmp,
    ):
        catalog = ws.catalog_path if ws.catalog_path.exists() else build_demo(tmp)
        if not ws.store_path.exists():
            built = Path(tmp) / DEMO_STORE
            save_demo_layers(built, catalog)
            swap_in(ws.store_path, _copy_of(built))
        if catalog != ws.catalog_path:
            swap_in(ws.catalog_path, _copy_of(catalog))


__all__ = [
    "DEMO_STORE",
    "DEMO_TODAY",
    "DEMO_USER",
    "PILOTS",
    "SCHOOLS",
    "SITES",
    "VOUCHERS_PER_DIVISION",
    "demo_layer_files",
    "demo_postcodes",
    "ensure_demo",
    "save_demo_layers",
]
