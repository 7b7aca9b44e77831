"""Helper process for tests/test_reports_crash.py: submits residents' reports into a store.

Usage::

    python tests/reports_crash_writer.py STORE [--repeat K] [--pause-marker PATH]

With ``--pause-marker`` the writer stops between writing its temporary file and swapping it in,
writes the temporary file's path to PATH (the signal the test waits for) and sleeps until killed.
The reports are the hand-made ones of tests/reports_support.py (synthetic ``ZZ99`` postcodes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.storage import store  # noqa: E402
from geo.storage.reports import submit_report  # noqa: E402
from tests.crash_support import pause_at_swap  # noqa: E402
from tests.reports_support import NOW, valid  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("store")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pause-marker", type=Path)
    args = parser.parse_args(argv)
    if args.pause_marker is not None:
        store._before_swap = pause_at_swap(args.pause_marker)
    for _ in range(args.repeat):
        print(submit_report(args.store, valid(), payload=b"crash", now=NOW), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
