"""Run a writer script as a subprocess and wait until it pauses just before its swap."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(script: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``python script args…`` from the project root."""
    return subprocess.Popen(
        [sys.executable, str(script), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def pause_at_swap(marker: Path) -> Callable[[Path], None]:
    """A ``_before_swap`` hook for a writer process: it writes the temporary file's path to
    ``marker`` (the signal :func:`wait_for_pause` waits for), then sleeps until killed."""

    def pause(tmp: Path) -> None:
        marker.write_text(str(tmp))
        time.sleep(3600)  # the test kills us here

    return pause


def wait_for_pause(marker: Path, proc: subprocess.Popen[str], *, timeout: float = 60) -> None:
    """Block until ``proc`` writes ``marker`` (it is between write and swap), or fail."""
    deadline = time.monotonic() + timeout
    while not (marker.exists() and marker.read_text()):
        if proc.poll() is not None:
            raise AssertionError(f"{Path(proc.args[1]).name} exited early: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"{Path(proc.args[1]).name} never reached the swap")
        time.sleep(0.05)
