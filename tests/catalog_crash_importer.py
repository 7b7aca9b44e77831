"""Helper process for tests/test_catalog_crash.py: imports one file into a catalogue.

Usage::

    python tests/catalog_crash_importer.py FILE CATALOGUE [--pause-marker PATH] [--release R]

With ``--pause-marker`` the importer stops after writing its temporary copy and before
``os.replace`` swaps it in, writes the temporary file's path to PATH (the signal the test
waits for) and sleeps until killed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.storage import catalog  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file")
    parser.add_argument("catalogue")
    parser.add_argument("--pause-marker", type=Path)
    parser.add_argument("--release", help="the release of an undated Ofcom file")
    args = parser.parse_args(argv)
    if args.pause_marker is not None:
        marker: Path = args.pause_marker

        def pause(tmp: Path) -> None:
            marker.write_text(str(tmp))
            time.sleep(3600)  # the test kills us here

        catalog._before_swap = pause
    print(catalog.import_file(args.file, args.catalogue, release=args.release), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
