"""The files inside a zip as Ofcom and ONS ship them: a zip of CSVs, or a zip inside a zip.

Members are never extracted by their own names (so ``../`` in a name cannot write anywhere);
an inner zip is copied to a temporary file of ours, because reading a zip needs seeking and
seeking backwards in a compressed member re-decompresses it from the start each time.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

from geo.errors import DataError
from geo.geometry.boundaries import MAX_COMPRESSION_RATIO
from geo.sources.csvstream import Opener

MAX_ZIP_DEPTH = 2
"""A zip inside a zip is read; a zip inside that is refused."""
MAX_ZIP_TOTAL_BYTES = 12 * 1024**3
"""All members together may unpack to at most this (ONSPD unpacks to about 2.5 GB)."""


@dataclass(frozen=True)
class Member:
    """One file inside a zip (or a zip inside it)."""

    path: str
    """Where it is, for messages: ``outer.zip/inner.zip/postcode_files/x.csv``."""
    name: str
    """Its name inside its own zip, with folders."""
    size: int
    opener: Opener

    @property
    def basename(self) -> str:
        """The file name without folders."""
        return self.name.rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        """Lower-case suffix, e.g. ``.csv``."""
        return Path(self.basename).suffix.lower()

    def head(self, n: int = 65_536) -> bytes:
        """The first ``n`` bytes."""
        with self.opener() as fh:
            return fh.read(n)


@contextlib.contextmanager
def zip_members(path: str | Path) -> Iterator[list[Member]]:
    """Every file in the zip at ``path``, with inner zips opened in turn (depth ≤ 2).

    The members can be opened while the context is open.

    Raises
    ------
    DataError
        Not a zip, a zip bomb (compression ratio or total size), or zips nested too deep.
    """
    path = Path(path)
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bb-zip-")))
        members: list[Member] = []
        total = [0]

        def walk(zip_path: Path, label: str, depth: int) -> None:
            try:
                zf = stack.enter_context(zipfile.ZipFile(zip_path))
            except zipfile.BadZipFile as exc:
                raise DataError.single(label, "is not a valid zip file") from exc
            for info in zf.infolist():
                if info.is_dir():
                    continue
                where = f"{label}/{info.filename}"
                total[0] += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > MAX_COMPRESSION_RATIO or total[0] > MAX_ZIP_TOTAL_BYTES:
                    raise DataError.single(
                        where,
                        f"possible zip bomb ({info.file_size:,} bytes unpacked, "
                        f"{ratio:.0f}:1; limits {MAX_ZIP_TOTAL_BYTES:,} bytes in all, "
                        f"{MAX_COMPRESSION_RATIO}:1)",
                    )
                if info.filename.lower().endswith(".zip"):
                    if depth + 1 >= MAX_ZIP_DEPTH:
                        raise DataError.single(where, "is a zip inside a zip inside a zip")
                    inner = tmp / f"inner{len(list(tmp.iterdir()))}.zip"
                    with zf.open(info) as src, inner.open("wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                    walk(inner, where, depth + 1)
                    continue
                opener: Opener = partial(_open, zf, info)
                members.append(Member(where, info.filename, info.file_size, opener))

        walk(path, path.name, 0)
        yield members


def _open(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> BinaryIO:
    return zf.open(info)  # type: ignore[return-value]


__all__ = ["MAX_ZIP_DEPTH", "Member", "zip_members"]
