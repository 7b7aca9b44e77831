"""Sub-commands of ``python -m geo`` that need the layers: ``demo`` and ``export-html``.

Registered through the entry-point group ``broadband_map.commands`` (see ``pyproject.toml``),
the same way a plug-in would add a command, so :mod:`geo` never imports :mod:`layers`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from geo.config import DEFAULT_MEASURE, LEVELS, MEASURES
from geo.storage import store, workspace
from geo.storage.catalog import load_catalog
from layers.demo import ensure_demo
from layers.export import build_export, public_layer_keys


def _demo(_args: argparse.Namespace) -> int:
    ws = workspace.current()
    if not ws.demo:
        print(f"A real catalogue is in force ({ws.catalog_path}): the demo is not used.")
        return 0
    ensure_demo(ws)
    print(f"Synthetic demo data written to {ws.catalog_path} and {ws.store_path}")
    return 0


def _export_html(args: argparse.Namespace) -> int:
    ws = workspace.current()
    ensure_demo(ws)
    if ws.demo:
        print(f"No catalogue at {ws.settings.boundaries_path}: exporting the SYNTHETIC demo.")
    keys = [k.strip() for k in (args.layers or "").split(",") if k.strip()]
    unknown = sorted(set(keys) - set(public_layer_keys()))
    if unknown:
        print(f"error: not public layers: {unknown}; choose from {public_layer_keys()}",
              file=sys.stderr)  # fmt: skip
        return 2
    records = {}
    for key in keys:
        frame = store.load(ws.store_path, key) if ws.store_path.exists() else None
        if frame is None:
            print(f"error: no {key!r} data has been uploaded yet", file=sys.stderr)
            return 2
        records[key] = frame
    page = build_export(
        load_catalog(ws.catalog_path), level=args.level or ws.settings.level,
        measure=args.measure, layer_records=records, tiles=not args.no_tiles,
    )  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    print(f"{out}: {out.stat().st_size / 1024:,.0f} KB ({out.stat().st_size:,} bytes)")
    return 0


def add_commands(sub: Any) -> None:
    """Add ``demo`` and ``export-html`` to ``python -m geo``'s sub-parsers."""
    sub.add_parser("demo", help="write the synthetic demo catalogue and store").set_defaults(
        run=_demo
    )
    export = sub.add_parser("export-html", help="write the public map as one self-contained HTML")
    export.add_argument("out", help="the HTML file to write")
    export.add_argument("--measure", default=DEFAULT_MEASURE, choices=list(MEASURES))
    export.add_argument("--level", choices=sorted(LEVELS), help="default: BROADBAND_LEVEL or ced")
    export.add_argument("--layers", help="comma-separated public layers, e.g. anchors,pilots")
    export.add_argument("--no-tiles", action="store_true", help="no OpenStreetMap basemap")
    export.set_defaults(run=_export_html)


__all__ = ["add_commands"]
