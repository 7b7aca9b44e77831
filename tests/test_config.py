"""Facts kept in two files for two tools must agree (one value, checked here)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from geo.config import MAX_UPLOAD_BYTES

ROOT = Path(__file__).resolve().parent.parent


def test_streamlit_upload_limit_is_the_projects() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    # Streamlit counts maxUploadSize in MiB (size * 1024 * 1024 bytes).
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_UPLOAD_BYTES
