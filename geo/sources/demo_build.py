"""Write the synthetic demo catalogue through the same import path as real files."""

from __future__ import annotations

import tempfile
from pathlib import Path

from geo.sources.demo import demo_files
from geo.storage.catalog import import_file
from geo.storage.workspace import DEMO_CATALOG


def build_demo(data_dir: str | Path) -> Path:
    """Generate the demo files and import them into ``<data_dir>/demo_synthetic.gpkg``.

    Returns the catalogue's path.
    """
    target = Path(data_dir) / DEMO_CATALOG
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in demo_files().items():
            path = Path(tmp) / name
            path.write_bytes(content)
            import_file(path, target, synthetic=True)
    return target


__all__ = ["DEMO_CATALOG", "build_demo"]
