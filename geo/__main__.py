"""Command line: ``python -m geo {fetch,import,demo,status,export-html}``.

Examples
--------
Download and cache Norfolk's divisions (and wards and districts) from the ONS portal::

    python -m geo fetch --county E10000020 --level ced --level lad

Import files downloaded by hand (boundaries, Ofcom CSVs or zips, ONSPD/NSPL CSVs or zips);
UK-wide files keep only ``BROADBAND_COUNTY``'s rows::

    python -m geo import CED_MAY_2025_EN_BGC.geojson 202105_fixed_laua_coverage_r01.csv
    python -m geo import ONSPD_FEB_2026_UK.zip 202601_fixed_pc_coverage_r2.zip

BDUK premises in plans, placed with OS Open UPRN (imported once per release)::

    python -m geo import osopenuprn_202507_csv.zip
    python -m geo import east_of_england.zip --dask      # or --dask tcp://scheduler:8786

Write the public map as one self-contained HTML file (opens from file://, no server)::

    python -m geo export-html norfolk.html --measure gigabit --layers anchors,pilots
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from geo.config import (
    BOUNDARY_LAYERS,
    LEVELS,
    ONS_ARCGIS_ROOT,
)
from geo.errors import DataError, DownloadError
from geo.settings import load_settings
from geo.storage.catalog import import_file, load_catalog, save_areas


def _fetch(args: argparse.Namespace) -> int:
    from geo.sources.arcgis import fetch_county_boundaries  # network code only when asked for
    from geo.sources.download import fetch

    settings = load_settings()
    root = (args.service_root or ONS_ARCGIS_ROOT).rstrip("/")
    mirror = {k: f"{root}/{v}" for k, v in BOUNDARY_LAYERS.items()}
    county = args.county or settings.county_code
    for level in args.level or ["ced"]:
        print(f"Fetching {LEVELS[level].label} for {county} from {mirror[level]} …")
        areas = fetch_county_boundaries(
            county, level=level, cache_dir=settings.cache_dir, base_urls=mirror, progress=True
        )
        layer = save_areas(settings.boundaries_path, areas)
        print(f"  {len(areas)} areas → {settings.boundaries_path} (layer {layer})")
    for url in args.file_url or []:
        path = fetch(url, cache_dir=settings.cache_dir, progress=True)
        print(f"  {url} → {path}")
        print(f"  imported as {import_file(path, settings.boundaries_path)}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from geo.sources.bduk import is_premises_file

    settings = load_settings()
    premises = [Path(p) for p in args.paths if is_premises_file(p)]
    for name in args.paths:
        if Path(name) in premises:
            continue
        what = import_file(
            Path(name),
            settings.boundaries_path,
            synthetic=args.synthetic,
            release=args.release,
            county=None if args.all_rows else settings.county_code,
            progress=True,
            report=lambda line: print(f"  {line}"),
        )
        print(f"{name} → {settings.boundaries_path} (layer {what})")
    if premises:  # all BDUK files together: OS Open UPRN is read once for them
        _import_premises(premises, settings.boundaries_path, args)
    return 0


def _import_premises(paths: list[Path], catalog: Path, args: argparse.Namespace) -> None:
    from functools import partial

    from geo.storage.premises import PREMISES_LAYER, import_premises
    from geo.storage.workspace import store_beside

    if args.dask:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise DataError.single(
                "--dask", "needs dask: pip install -e '.[scale]' (or run without --dask)"
            ) from None
    cat = load_catalog(catalog)
    run = partial(import_premises, paths, catalog, areas=cat.areas, postcodes=cat.postcodes,
                  synthetic=args.synthetic)  # fmt: skip

    if args.dask and args.dask != "local":
        from distributed import Client

        with Client(args.dask):  # a running cluster: python -m geo import … --dask tcp://host:8786
            counts = run(engine="dask")
    elif args.dask:
        from distributed import Client, LocalCluster

        with LocalCluster(processes=False, dashboard_address=":0") as cluster, Client(cluster):
            counts = run(engine="dask")
    else:
        counts = run()
    t = counts.totals
    print(
        f"{len(paths)} BDUK file(s) → {store_beside(catalog)} (dataset {PREMISES_LAYER}): "
        f"{t['rows']:,} premises; "
        f"{t['by_uprn']:,} placed by UPRN, {t['by_postcode']:,} by postcode centroid "
        f"(UPRN not in OS Open UPRN), {t['unlocated']:,} unlocated"
    )
    for item in counts.unlocated[:10]:
        print(
            f"  unlocated: {item['file']} row {item['row']} (UPRN {item['uprn']}): {item['reason']}"
        )
    outside = counts.outside.groupby("level")["n_premises"].sum()
    for level, n in outside.items():
        if n:
            print(f"  {n:,} placed premises are outside every area at level {level}")


def _status(_args: argparse.Namespace) -> int:
    settings = load_settings()
    cat = load_catalog(settings.boundaries_path)
    print(
        f"Catalogue: {settings.boundaries_path}{' (SYNTHETIC DEMO DATA)' if cat.synthetic else ''}"
    )
    for level, areas in cat.areas.items():
        print(f"  {LEVELS[level].label}: {len(areas)} areas, vintage {areas.attrs.get('vintage')}")
    print(f"  Ofcom releases: {', '.join(cat.releases) or 'none'}")
    print(f"  Postcodes: {0 if cat.postcodes is None else len(cat.postcodes):,}")
    from geo.storage.premises import load_premises, uprn_in_force
    from geo.storage.workspace import store_beside

    uprn = uprn_in_force(settings.boundaries_path)
    print(f"  OS Open UPRN: {f'{uprn.source} ({uprn.rows:,} UPRNs)' if uprn else 'none'}")
    premises = load_premises(store_beside(settings.boundaries_path))
    if premises is not None:
        districts = premises.drop_duplicates("district")
        print(f"  BDUK premises in plans: {int(districts['district_rows'].sum()):,} premises "
              f"from {len(districts)} district(s)")  # fmt: skip
    return 0


def _plugins() -> list[Callable[[Any], None]]:
    """Commands contributed by other packages (entry-point group ``broadband_map.commands``).

    ``layers`` adds ``demo`` and ``export-html`` this way, so ``geo`` never imports ``layers``:
    each entry point is a function that adds its sub-commands to the parser's sub-parsers.
    """
    return [ep.load() for ep in entry_points(group="broadband_map.commands")]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser(
        "fetch", help="download a county's boundaries (and files) and cache them"
    )
    fetch.add_argument("--county", help="county GSS code (default: BROADBAND_COUNTY or Norfolk)")
    fetch.add_argument("--level", action="append", choices=sorted(LEVELS))
    fetch.add_argument("--file-url", action="append", help="an Ofcom or ONSPD/NSPL file URL")
    fetch.add_argument(
        "--service-root",
        help=f"ArcGIS services root (an ONS portal mirror or proxy), default {ONS_ARCGIS_ROOT}",
    )
    fetch.set_defaults(run=_fetch)
    imp = sub.add_parser("import", help="import files downloaded by hand")
    imp.add_argument("paths", nargs="+")
    imp.add_argument("--synthetic", action="store_true", help="label the data as synthetic")
    imp.add_argument(
        "--dask",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="place BDUK premises on dask: a local cluster, or a scheduler such as tcp://host:8786",
    )
    imp.add_argument(
        "--release",
        help="Ofcom release (YYYY-MM) of a file whose name and columns carry no date",
    )
    imp.add_argument(
        "--all-rows",
        action="store_true",
        help="keep every row of a UK-wide file, not only BROADBAND_COUNTY's",
    )
    imp.set_defaults(run=_import)
    sub.add_parser("status", help="what has been imported").set_defaults(run=_status)
    for add_commands in _plugins():
        add_commands(sub)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (DataError, DownloadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
