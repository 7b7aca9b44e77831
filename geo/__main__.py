"""Command line: ``python -m geo {fetch,import,export,demo,status,reports,export-html}``.

Examples
--------
Download and cache Norfolk's divisions (and wards and districts) from the ONS portal::

    python -m geo fetch --county E10000020 --level ced --level lad

…its output-area population-weighted centroids (2011 and 2021) and postcode centroids::

    python -m geo fetch --county E10000020 --level oa --level postcodes

…and mobile coverage per premises from Ofcom's API for the loaded postcodes (key in
``OFCOM_API_KEY``)::

    OFCOM_API_KEY=… python -m geo fetch --mobile

Import files downloaded by hand (boundaries, Ofcom CSVs or zips, ONSPD/NSPL CSVs or zips);
UK-wide files keep only ``BROADBAND_COUNTY``'s rows::

    python -m geo import CED_MAY_2025_EN_BGC.geojson 202105_fixed_laua_coverage_r01.csv
    python -m geo import ONSPD_FEB_2026_UK.zip 202601_fixed_pc_coverage_r2.zip

BDUK premises in plans, placed with OS Open UPRN (imported once per release)::

    python -m geo import osopenuprn_202507_csv.zip
    python -m geo import east_of_england.zip --dask      # or --dask tcp://scheduler:8786

Write every division's figures (count, %, method, source, release) to CSV or GeoPackage::

    python -m geo export norfolk_divisions.csv --level ced --release 2021-05

Write the public map as one self-contained HTML file (opens from file://, no server)::

    python -m geo export-html norfolk.html --measure gigabit --layers anchors,pilots
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from geo.config import (
    BOUNDARY_LAYERS,
    DEFAULT_LEVEL,
    LEVELS,
    OFCOM_API_KEY_ENV,
    OFCOM_MOBILE_API_URL,
    ONS_ARCGIS_ROOT,
)
from geo.errors import DataError, DownloadError, SetupError
from geo.settings import load_settings
from geo.storage.catalog import (
    import_file,
    load_catalog,
    save_areas,
    save_mobile_postcodes,
    save_oa_centroids,
    save_postcodes,
)

CENTROID_LEVELS = ("oa", "postcodes")
"""``fetch --level`` values that are centroids, not boundaries."""


def _fetch(args: argparse.Namespace) -> int:
    from geo.sources.arcgis import fetch_county_boundaries  # network code only when asked for
    from geo.sources.download import fetch

    settings = load_settings()
    settings.require_writable()
    root = (args.service_root or ONS_ARCGIS_ROOT).rstrip("/")
    mirror = {k: f"{root}/{v}" for k, v in BOUNDARY_LAYERS.items()}
    county = args.county or settings.county_code
    levels = args.level or ([] if args.mobile else ["ced"])
    for level in [lv for lv in levels if lv not in CENTROID_LEVELS]:
        print(f"Fetching {LEVELS[level].label} for {county} from {mirror[level]} …")
        areas = fetch_county_boundaries(
            county, level=level, cache_dir=settings.cache_dir, base_urls=mirror, progress=True
        )
        layer = save_areas(settings.boundaries_path, areas)
        print(f"  {len(areas)} areas → {settings.boundaries_path} (layer {layer})")
    if "oa" in levels:
        _fetch_oa_centroids(county, root=root, mirror=mirror)
    if "postcodes" in levels:
        _fetch_postcodes(county, root=root, mirror=mirror)
    if args.mobile:
        _fetch_mobile(args.postcode, api_url=args.mobile_api_url or OFCOM_MOBILE_API_URL)
    for url in args.file_url or []:
        path = fetch(url, cache_dir=settings.cache_dir, progress=True)
        print(f"  {url} → {path}")
        what = import_file(path, settings.boundaries_path, check=_check_import())
        print(f"  imported as {what}")
    _print_reconciliation(settings.boundaries_path)
    return 0


def _fetch_oa_centroids(county: str, *, root: str, mirror: dict[str, str]) -> None:
    from geo.sources.arcgis import fetch_county_boundaries
    from geo.sources.centroids import fetch_oa_centroids, oa_centroid_urls

    settings = load_settings()
    print(f"Fetching the districts of {county} to find their output areas …")
    districts = fetch_county_boundaries(
        county, level="lad", cache_dir=settings.cache_dir, base_urls=mirror, progress=True
    )
    for vintage, url in oa_centroid_urls(root).items():
        print(f"Fetching {vintage} OA population-weighted centroids from {url} …")
        points = fetch_oa_centroids(
            county, vintage=vintage, cache_dir=settings.cache_dir, layer_url=url,
            districts=districts, progress=True,
        )  # fmt: skip
        save_oa_centroids(
            settings.boundaries_path, points, source=points.attrs["source"], vintage=vintage,
            kind="pwc", county_code=county,
        )  # fmt: skip
        print(f"  {len(points):,} {vintage} OA centroids → {settings.boundaries_path}")


def _fetch_postcodes(county: str, *, root: str, mirror: dict[str, str]) -> None:
    from geo.sources.centroids import fetch_postcode_centroids, postcode_centroids_url

    settings = load_settings()
    url = postcode_centroids_url(root)
    print(f"Fetching postcode centroids for {county} from {url} …")
    lookup = fetch_postcode_centroids(
        county, cache_dir=settings.cache_dir, layer_url=url, lookup_url=mirror["lookup"],
        progress=True,
    )  # fmt: skip
    save_postcodes(settings.boundaries_path, lookup, source=lookup.attrs["source"])
    live = int((~lookup["terminated"]).sum())
    print(f"  {len(lookup):,} postcodes ({live:,} live) → {settings.boundaries_path}")


def _fetch_mobile(postcodes: list[str] | None, *, api_url: str) -> None:
    """Ask Ofcom's mobile API for each postcode (default: every live postcode of the loaded
    directory) and store premises with indoor 4G per operator as ``mobile_postcodes``."""
    from geo.sources.mobile import fetch_mobile_api, mobile_by_postcode

    settings = load_settings()
    key = os.environ.get(OFCOM_API_KEY_ENV, "").strip()
    if not key:
        raise SetupError(
            f"fetch --mobile needs {OFCOM_API_KEY_ENV}: set it to your Ofcom API subscription "
            "key (api.ofcom.org.uk)"
        )
    if not postcodes:
        lookup = load_catalog(settings.boundaries_path).postcodes
        if lookup is None:
            raise SetupError(
                "fetch --mobile asks for the loaded postcodes and none are loaded: run "
                "`python -m geo fetch --level postcodes` first, or name them with --postcode"
            )
        postcodes = list(lookup.index[~lookup["terminated"].astype(bool)])
    print(f"Asking Ofcom's mobile API at {api_url} for {len(postcodes):,} postcodes …")
    uprns, missing = fetch_mobile_api(
        postcodes, key=key, cache_dir=settings.cache_dir, api_url=api_url
    )
    if missing:
        print(f"  {len(missing):,} postcodes not found: {', '.join(missing[:10])}")
    if uprns.empty:
        print("  no postcode was found: nothing stored")
        return
    counts = mobile_by_postcode(uprns)
    layer = save_mobile_postcodes(settings.boundaries_path, counts)
    print(
        f"  {len(counts):,} postcodes, {int(counts['premises'].sum()):,} premises, "
        f"{int(counts['n_weak_indoor_4g'].sum()):,} with weak indoor 4G (release "
        f"{counts.attrs.get('release')}) → {settings.boundaries_path} (layer {layer})"
    )


def _check_import() -> Callable[[Any, Any], None]:
    from geo.analysis.reconcile import check_import

    return check_import


def _print_reconciliation(catalog_path: Path) -> None:
    """Recompute, store and print every OA/postcode reconciliation the catalogue allows."""
    if not catalog_path.exists():
        return
    from geo.analysis.reconcile import refresh

    done, problems = refresh(catalog_path)
    for rec in done:
        print("\n".join(rec.lines()))
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)


def _import(args: argparse.Namespace) -> int:
    from geo.sources.bduk import is_premises_file

    settings = load_settings()
    settings.require_writable()
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
            layer=args.layer,
            check=_check_import(),
        )
        print(f"{name} → {settings.boundaries_path} (layer {what})")
    if premises:  # all BDUK files together: OS Open UPRN is read once for them
        _import_premises(premises, settings.boundaries_path, args)
    _print_reconciliation(settings.boundaries_path)
    return 0


def _export(args: argparse.Namespace) -> int:
    from geo.reports.figures_file import export_figures

    settings = load_settings()
    cat = load_catalog(settings.boundaries_path)
    try:
        done = export_figures(cat, args.out, level=args.level, release=args.release)
    except ValueError as exc:
        if isinstance(exc, DataError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    note = " (SYNTHETIC DEMO DATA)" if cat.synthetic else ""
    print(f"{done.areas} {LEVELS[args.level].label.lower()} → {done.path}{note}")
    if done.risk_left_out:
        print(f"risk index left out: {done.risk_left_out}")
    else:
        print("with the digital-exclusion risk index (risk_rank, risk_score, risk_<component>)")
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
    vintages: dict[str, dict[str, Any]] = cat.meta.get("oa_centroids", {}).get("vintages", {})  # type: ignore[assignment]
    shown = [f"{v} ({f['count']:,}, {f['kind']}, {f['source']})" for v, f in vintages.items()]
    print(f"  OA centroids: {'; '.join(shown) or 'none'}")
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


def _reports(args: argparse.Namespace) -> int:
    """Residents' reports in the store in force: counts by status; delete those past retention."""
    from geo.config import REPORT_RETENTION_DAYS
    from geo.storage.reports import apply_retention, load_reports
    from geo.storage.workspace import current

    path = current().store_path
    if args.delete_expired:
        gone = apply_retention(path, days=REPORT_RETENTION_DAYS)
        print(f"Deleted {len(gone)} report(s) made more than {REPORT_RETENTION_DAYS} days ago"
              + (f": {', '.join(gone)}" if gone else ""))  # fmt: skip
    counts = load_reports(path)["status"].value_counts()
    shown = ", ".join(f"{n:,} {status}" for status, n in counts.items()) or "none"
    print(f"Residents' reports in {path}: {shown}")
    return 0


def _plugins() -> list[Callable[[Any], None]]:
    """Commands contributed by other packages (entry-point group ``broadband_map.commands``).

    ``layers`` adds ``demo`` and ``export-html`` this way, so ``geo`` never imports ``layers``:
    each entry point is a function that adds its sub-commands to the parser's sub-parsers.
    """
    return [ep.load() for ep in entry_points(group="broadband_map.commands")]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser(
        "fetch", help="download a county's boundaries (and files) and cache them"
    )
    fetch.add_argument("--county", help="county GSS code (default: BROADBAND_COUNTY or Norfolk)")
    fetch.add_argument(
        "--level",
        action="append",
        choices=[*sorted(LEVELS), *CENTROID_LEVELS],
        help="boundaries (ced, lad, ward), OA centroids (oa) or postcode centroids (postcodes)",
    )
    fetch.add_argument("--file-url", action="append", help="an Ofcom or ONSPD/NSPL file URL")
    fetch.add_argument(
        "--mobile",
        action="store_true",
        help=f"mobile coverage per premises from Ofcom's API (key in {OFCOM_API_KEY_ENV}) for "
        "the loaded postcodes; boundaries only when --level is given too",
    )
    fetch.add_argument(
        "--postcode", action="append", help="with --mobile: ask for this postcode only"
    )
    fetch.add_argument(
        "--mobile-api-url",
        help=f"with --mobile: the API (a proxy or mirror), default {OFCOM_MOBILE_API_URL}",
    )
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
    imp.add_argument(
        "--layer",
        metavar="NAME",
        help="the layer to import from a GeoPackage (or the .shp in a zip) that holds several",
    )
    imp.set_defaults(run=_import)
    export = sub.add_parser("export", help="write every area's figures to a CSV or GeoPackage")
    export.add_argument("out", help="OUT.csv or OUT.gpkg")
    export.add_argument("--level", default=DEFAULT_LEVEL, choices=sorted(LEVELS))
    export.add_argument("--release", help="an Ofcom release such as 2021-05 (default: latest)")
    export.set_defaults(run=_export)
    sub.add_parser("status", help="what has been imported").set_defaults(run=_status)
    reports = sub.add_parser("reports", help="residents' reports: counts; delete expired ones")
    reports.add_argument(
        "--delete-expired", action="store_true",
        help="delete the reports past their retention period (e.g. from a daily cron job)",
    )  # fmt: skip
    reports.set_defaults(run=_reports)
    for add_commands in _plugins():
        add_commands(sub)
    return parser


EXPECTED_ERRORS = (DataError, DownloadError, SetupError, OSError)
"""Failures a person can fix (a bad file, a failed download, a setting, a disk or permission
problem): one line on stderr, exit status 2."""


def one_line(exc: BaseException) -> str:
    """An error as one line: every problem of a :class:`DataError`, joined (at most 10)."""
    if isinstance(exc, DataError) and len(exc.problems) > 1:
        shown = "; ".join(str(p) for p in exc.problems[:10])
        more = len(exc.problems) - 10
        return f"{len(exc.problems)} problems: {shown}" + (
            f"; … and {more} more" if more > 0 else ""
        )
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return " ".join(str(exc).split()) or type(exc).__name__


def _log_unexpected(exc: BaseException) -> Path:
    """Write the traceback to a log file (for whoever maintains the deployment); its path."""
    folder = Path(tempfile.gettempdir()) / "broadband-map"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="cli-", suffix=".log", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"python -m geo {' '.join(sys.argv[1:])}\n")
        fh.write("".join(traceback.format_exception(exc)))
    return Path(name)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    No traceback reaches the person running it: an expected failure (:data:`EXPECTED_ERRORS`)
    prints one line and returns 2; anything else prints one line naming a log file that holds
    the traceback, and returns 1.
    """
    try:
        args = _parser().parse_args(argv)
        return int(args.run(args))
    except EXPECTED_ERRORS as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except Exception as exc:
        log = _log_unexpected(exc)
        print(
            f"error: unexpected {type(exc).__name__}: {one_line(exc)} (details in {log})",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
