"""Shared helpers for the boundary and Ofcom bad-input corpora: a small catalogue to protect."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

from geo.storage import catalog

BAD = Path(__file__).resolve().parent / "data" / "bad"


def cases(folder: str) -> list[dict[str, str]]:
    """Rows of ``tests/data/bad/<folder>/EXPECTED.csv``."""
    with (BAD / folder / "EXPECTED.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seeded_catalogue(folder: Path) -> Path:
    """A catalogue holding two synthetic 1 km square divisions, so a failed import has
    something to damage."""
    areas = gpd.GeoDataFrame(
        {"area_code": ["X58000001", "X58000002"], "area_name": ["Synthetic A", "Synthetic B"]},
        geometry=[box(600_000, 300_000, 601_000, 301_000), box(601_000, 300_000, 602_000, 301_000)],
        crs="EPSG:27700",
    )
    areas.attrs.update(level="ced", vintage="2025", source="synthetic", repairs=[])
    path = folder / "broadband.gpkg"
    catalog.save_areas(path, areas, synthetic=True)
    return path


def copy_catalogue(template: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / template.name
    shutil.copyfile(template, path)
    return path
