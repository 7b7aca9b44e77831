"""Helper process for the crash and concurrency tests: imports one file into a catalogue, or
reads one upload with a layer and saves it into the store.

Usage::

    python tests/catalog_crash_importer.py FILE CATALOGUE [--pause-marker PATH] [--release R]
    python tests/catalog_crash_importer.py FILE STORE --upload LAYER [--go PATH] [--slow-swap S]

With ``--pause-marker`` the importer stops after writing its temporary copy and before
``os.replace`` swaps it in, writes the temporary file's path to PATH (the signal the test
waits for) and sleeps until killed. ``--go`` touches ``PATH.<pid>.ready``, then waits until
PATH exists before writing (a barrier, so the writers of one round really run at once);
``--slow-swap`` sleeps that long between writing the copy and swapping it in (a slow disk),
which widens the window in which an unlocked writer would lose another's change.

Exit status: 0 and one line on stdout (what was written) on success; 2 and one line on stderr
for a refused file (:class:`geo.errors.DataError`); anything else is a crash.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.errors import DataError  # noqa: E402
from geo.storage import catalog, store  # noqa: E402
from tests.crash_support import pause_at_swap  # noqa: E402


def _upload(file: Path, target: str, layer: str) -> str:
    from layers import registered
    from layers.base import ReadContext

    data = file.read_bytes()
    records = registered()[layer].read(data, filename=file.name, context=ReadContext())
    version = store.save(
        target, layer, records, file_name=file.name, file_bytes=data, user="concurrency"
    )
    return f"{layer} v{version}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file")
    parser.add_argument("catalogue")
    parser.add_argument("--pause-marker", type=Path)
    parser.add_argument("--release", help="the release of an undated Ofcom file")
    parser.add_argument("--upload", metavar="LAYER", help="save FILE into the store as LAYER")
    parser.add_argument("--go", type=Path, help="wait until this file exists before writing")
    parser.add_argument("--slow-swap", type=float, default=0.0)
    args = parser.parse_args(argv)
    if args.pause_marker is not None:
        catalog._before_swap = pause_at_swap(args.pause_marker)
    elif args.slow_swap:
        catalog._before_swap = store._before_swap = lambda _tmp: time.sleep(args.slow_swap)
    if args.upload:
        import layers  # noqa: F401  (registers the layers before the barrier)
    if args.go is not None:
        args.go.with_name(f"{args.go.name}.{os.getpid()}.ready").touch()
        while not args.go.exists():
            time.sleep(0.01)
    try:
        if args.upload:
            done = _upload(Path(args.file), args.catalogue, args.upload)
        else:
            done = catalog.import_file(args.file, args.catalogue, release=args.release)
    except DataError as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    print(done, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
