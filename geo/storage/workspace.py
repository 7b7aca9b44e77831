"""Where state lives: which catalogue and store are in force, their stamps, the read context.

One module decides, for the pages, the command line and the demo builder alike:

* the **catalogue** in force is the real one (``<data>/broadband.gpkg``) once anything has been
  imported, else the synthetic demo's (``<data>/demo_synthetic.gpkg``);
* the **store** in force is the real one beside a real catalogue, else the demo's own, so
  synthetic records never mix with a council's uploads;
* a **stamp** is a plain value that changes whenever the file is replaced (every write swaps in a
  new file: new inode, new mtime), so caches keyed on it never serve stale data, whichever
  process or session wrote the file.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import shapely

from geo.settings import STORE_FILE, Settings, load_settings

DEMO_CATALOG = "demo_synthetic.gpkg"
"""The demo's catalogue, in the data directory."""
DEMO_STORE = "store_demo_synthetic.gpkg"
"""The demo's store, beside the demo catalogue: synthetic records never mix with a real store."""

Stamp = tuple[int, int, int]
"""(mtime in ns, size, inode) of a file; ``(0, 0, 0)`` when it does not exist."""


def file_stamp(path: str | os.PathLike[str]) -> Stamp:
    """A plain value that changes whenever ``path`` is written or replaced."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return (0, 0, 0)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


@dataclass(frozen=True)
class ReadContext:
    """What a reader needs besides the file itself to validate records.

    Attributes
    ----------
    postcodes
        Postcode centroids from :func:`geo.sources.postcodes.read_postcode_file` (index:
        normalised postcode; columns ``easting``, ``northing``, ``terminated``), or ``None``.
    county
        The county's outline in EPSG:27700; records outside it are problems. ``None``: no check.
    today
        Dates after this are problems.
    stamp
        A plain value that changes whenever ``postcodes`` or ``county`` do (such as the
        catalogue's :func:`file_stamp`), so checks can be remembered cheaply; ``None``: the
        checker fingerprints the content itself.
    """

    postcodes: pd.DataFrame | None = None
    county: shapely.Geometry | None = None
    today: date = field(default_factory=date.today)
    stamp: Hashable | None = None


@dataclass(frozen=True)
class Workspace:
    """The files in force for one deployment (see the module docstring)."""

    settings: Settings

    @property
    def demo(self) -> bool:
        """True while no real catalogue exists: pages draw the synthetic demo."""
        return not self.settings.boundaries_path.exists()

    @property
    def catalog_path(self) -> Path:
        """The catalogue in force."""
        return self.settings.data_dir / DEMO_CATALOG if self.demo else self.settings.boundaries_path

    @property
    def store_path(self) -> Path:
        """The upload store in force."""
        return self.settings.data_dir / DEMO_STORE if self.demo else self.settings.store_path

    def catalog_stamp(self) -> Stamp:
        """Stamp of the catalogue in force (changes with every import)."""
        return file_stamp(self.catalog_path)

    def store_stamp(self) -> Stamp:
        """Stamp of the store in force (changes with every save or restore)."""
        return file_stamp(self.store_path)


def store_beside(catalog_path: str | os.PathLike[str]) -> Path:
    """The store that goes with a catalogue: the demo's beside the demo catalogue, else the real."""
    catalog = Path(catalog_path)
    return catalog.parent / (DEMO_STORE if catalog.name == DEMO_CATALOG else STORE_FILE)


def current(settings: Settings | None = None) -> Workspace:
    """The workspace for ``settings`` (read from the environment when ``None``)."""
    return Workspace(settings or load_settings())


def read_context(
    postcodes: pd.DataFrame | None,
    areas: dict[str, object],
    *,
    today: date | None = None,
    stamp: Hashable | None = None,
) -> ReadContext:
    """The context uploads are checked against: the postcode directory and the county outline.

    ``stamp``: the catalogue's :func:`file_stamp`, when the caller knows it.
    """
    frames = [a for a in areas.values() if hasattr(a, "union_all")]
    outline = pd.concat(frames).union_all() if frames else None  # type: ignore[call-overload]
    return ReadContext(
        postcodes=postcodes, county=outline, today=today or date.today(), stamp=stamp
    )


__all__ = [
    "DEMO_CATALOG",
    "DEMO_STORE",
    "ReadContext",
    "Stamp",
    "Workspace",
    "current",
    "file_stamp",
    "read_context",
    "store_beside",
]
