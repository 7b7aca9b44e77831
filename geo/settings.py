"""Deployment settings, read from the environment (so one code base serves every council).

| variable | meaning | default |
| --- | --- | --- |
| ``BROADBAND_DATA_DIR`` | where processed data, the store and the cache live | ``data/`` |
| ``BROADBAND_COUNTY`` | GSS code of the county to map | ``E10000020`` (Norfolk) |
| ``BROADBAND_LEVEL`` | ``ced`` (divisions), ``ward`` or ``lad`` | ``ced`` |
| ``BROADBAND_PUBLIC_ONLY`` | ``1``: a public, read-only deployment | off |
| ``BROADBAND_SHOW_RECORDS`` | ``1``: authorised users may see individual voucher points | off |
| ``BROADBAND_PASSWORD_HASH`` | bcrypt hash that unlocks the Data and admin pages | none |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from geo.config import DEFAULT_DATA_DIR, DEFAULT_LEVEL, LEVELS, NORFOLK_CODE
from geo.errors import SetupError

CATALOG_FILE = "broadband.gpkg"
STORE_FILE = "store.gpkg"
DATA_DIR_EXPECTED = "a folder this app's user may write in (it is created when missing)"
"""What ``BROADBAND_DATA_DIR`` must name, as a page says it when it does not."""


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """The settings in force for one process."""

    data_dir: Path
    county_code: str
    level: str
    public_only: bool
    show_records: bool
    password_hash: str | None

    @property
    def cache_dir(self) -> Path:
        """HTTP download cache."""
        return self.data_dir / "cache"

    @property
    def boundaries_path(self) -> Path:
        """Processed boundaries and coverage (GeoPackage)."""
        return self.data_dir / CATALOG_FILE

    @property
    def store_path(self) -> Path:
        """The council's uploaded datasets, versioned, with an audit table (GeoPackage)."""
        return self.data_dir / STORE_FILE

    def require_writable(self) -> Path:
        """Create the data folder if needed and check this process may write in it.

        Raises
        ------
        SetupError
            If the folder cannot be created or is not writable.
        """
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SetupError(
                f"BROADBAND_DATA_DIR {self.data_dir} cannot be created ({exc.strerror})",
                setting="BROADBAND_DATA_DIR", expected=DATA_DIR_EXPECTED,
            ) from exc  # fmt: skip
        if not os.access(self.data_dir, os.W_OK | os.X_OK):
            raise SetupError(
                f"BROADBAND_DATA_DIR {self.data_dir} is not writable by this user; point it at "
                "a folder this user may write in",
                setting="BROADBAND_DATA_DIR", expected=DATA_DIR_EXPECTED,
            )  # fmt: skip
        return self.data_dir


def load_settings() -> Settings:
    """Read :class:`Settings` from the environment.

    Raises
    ------
    SetupError
        ``BROADBAND_LEVEL`` is not a known level, or ``BROADBAND_DATA_DIR`` is a file.
    """
    level = os.environ.get("BROADBAND_LEVEL", DEFAULT_LEVEL)
    if level not in LEVELS:
        raise SetupError(
            f"BROADBAND_LEVEL must be one of {sorted(LEVELS)}, not {level!r}",
            setting="BROADBAND_LEVEL", expected=f"one of {', '.join(sorted(LEVELS))}",
        )  # fmt: skip
    data_dir = Path(os.environ.get("BROADBAND_DATA_DIR", DEFAULT_DATA_DIR))
    if data_dir.exists() and not data_dir.is_dir():
        raise SetupError(
            f"BROADBAND_DATA_DIR {data_dir} is a file, not a folder; point it at a folder "
            "(it is created when missing)",
            setting="BROADBAND_DATA_DIR", expected=DATA_DIR_EXPECTED,
        )  # fmt: skip
    return Settings(
        data_dir=data_dir,
        county_code=os.environ.get("BROADBAND_COUNTY", NORFOLK_CODE),
        level=level,
        public_only=_flag("BROADBAND_PUBLIC_ONLY"),
        show_records=_flag("BROADBAND_SHOW_RECORDS"),
        password_hash=os.environ.get("BROADBAND_PASSWORD_HASH") or None,
    )
