"""Shared fixtures: the real Norfolk files (skipped on a fresh machine, required in CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geo.config import SHARED_DATA_DIR

IN_CI = os.environ.get("CI", "").lower() == "true"
collect_ignore = ["data"]
"""The fixture generators under tests/data (two are called make_corpus.py) are scripts, not
test modules: --doctest-modules must not import them (their basenames collide)."""


def require_shared(name: str = "") -> Path:
    """Path to ``../shared/data/<name>``; skip the test when absent, fail when ``CI=true``."""
    path = SHARED_DATA_DIR / name if name else SHARED_DATA_DIR
    if not path.exists():
        message = f"real data not found at {path}"
        if IN_CI:
            pytest.fail(f"{message}; CI must run the tests that need ../shared/data")
        pytest.skip(message)
    return path


@pytest.fixture
def shared_data() -> Path:
    """The ``../shared/data`` folder of real Norfolk open data."""
    return require_shared()


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own empty data directory: tests never touch ``data/``."""
    monkeypatch.setenv("BROADBAND_DATA_DIR", str(tmp_path_factory.mktemp("data")))


# The corpus generators under tests/data are scripts, not tests: --doctest-modules would import
# them all as "make_corpus" and stop at the second one.
collect_ignore_glob = ["data/*/make_corpus.py", "data/*/*/make_corpus.py"]
