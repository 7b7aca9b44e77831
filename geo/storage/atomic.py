"""Crash-safe writes of one file: a writer lock, and copy → change → fsync → rename.

Both GeoPackages the project writes (the open-data catalogue and the council's upload store)
change the same way: take an exclusive ``fcntl.flock`` on ``<file>.lock`` (the kernel releases
it when a writer dies, even by SIGKILL), delete any temporary copy a dead writer left behind,
change a fresh copy, flush it to disk and swap it in with :func:`os.replace`. Readers see the
old file or the new one, never a half-written one. POSIX only (``fcntl``).

:func:`swap_in` refuses to run unless the calling thread holds :func:`writer_lock` on the same
file, so no write path can skip the lock (a write that did would copy a file another writer is
about to replace, and lose that writer's change while both report success).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

_held = threading.local()
"""Per thread: the set of files whose writer lock this thread holds (flock is per descriptor,
so two threads of one process still exclude each other; this only records who holds what)."""


def _held_paths() -> set[Path]:
    paths: set[Path] | None = getattr(_held, "paths", None)
    if paths is None:
        paths = _held.paths = set()
    return paths


def holds_lock(path: Path) -> bool:
    """True when the calling thread holds :func:`writer_lock` on ``path``."""
    return Path(path).resolve() in _held_paths()


def temp_glob(path: Path) -> str:
    """Glob matching the temporary copies of ``path`` (and SQLite's side files of them)."""
    return f".{path.name}.*.tmp.gpkg*"


@contextlib.contextmanager
def writer_lock(
    path: Path, *, timeout: float, busy: Callable[[str], Exception] = TimeoutError
) -> Iterator[None]:
    """Hold ``<path>.lock`` exclusively, then clear temporary copies left by dead writers.

    Raises ``busy(message)`` when another writer (or another descriptor of this thread) holds
    the lock for longer than ``timeout`` s.
    """
    key = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise busy(
                        f"{path} is being written by another process; try again shortly"
                    ) from None
                time.sleep(0.05)
        for stray in path.parent.glob(temp_glob(path)):
            stray.unlink(missing_ok=True)
        _held_paths().add(key)
        try:
            yield
        finally:
            _held_paths().discard(key)
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def fsync(path: Path) -> None:
    """Flush a file (or a directory entry) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap_in(
    path: Path,
    write: Callable[[Path], None],
    *,
    before_swap: Callable[[Path], None] | None = None,
) -> None:
    """Copy ``path`` (if it exists), let ``write`` change the copy, then replace ``path``.

    Call while holding :func:`writer_lock`. Any failure, or a crash before the rename, leaves
    ``path`` byte for byte as it was. ``before_swap`` is a test hook called with the finished
    copy just before the rename.

    Raises
    ------
    RuntimeError
        If the calling thread does not hold :func:`writer_lock` on ``path``.
    """
    if not holds_lock(path):
        raise RuntimeError(f"swap_in({path}) called without writer_lock({path})")
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp.gpkg"
    try:
        if path.exists():
            shutil.copyfile(path, tmp)
        write(tmp)
        fsync(tmp)
        if before_swap is not None:
            before_swap(tmp)
        os.replace(tmp, path)
        fsync(path.parent)
    finally:
        for leftover in path.parent.glob(f"{tmp.name}*"):
            leftover.unlink(missing_ok=True)


__all__ = ["fsync", "holds_lock", "swap_in", "temp_glob", "writer_lock"]
