"""``python -m geo export-html``: one self-contained file of the public map (synthetic demo)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from geo.__main__ import main
from geo.config import SYNTHETIC_LABEL
from geo.settings import load_settings
from geo.sources.demo_build import build_demo


def test_export_html_writes_one_self_contained_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "map.html"
    assert main(["export-html", str(out), "--measure", "sfbb"]) == 0
    printed = capsys.readouterr().out
    size = out.stat().st_size
    assert f"{size:,} bytes" in printed
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    # Nothing to fetch: no external script or stylesheet (only the optional tile URL remains).
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert "L.map(" in page and "/app/static/vendor/" not in page and ".leaflet-container" in page
    assert "<h1>Broadband coverage by division</h1>" in page
    assert SYNTHETIC_LABEL in page
    assert "<caption>Superfast (≥ 30 Mbit/s): % of premises per division" in page
    assert page.count("<tr data-area-code=") == 12
    assert "Ordnance Survey" in page or "OS data" in page
    assert "user-scalable=no" not in page  # people may zoom the page (WCAG 1.4.4)
    assert "bb-legend" in page


def test_export_refuses_personal_data_layers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export-html", str(tmp_path / "m.html"), "--layers", "vouchers"]) == 2
    assert "not public layers" in capsys.readouterr().err
    assert not (tmp_path / "m.html").exists()


def test_export_layer_not_uploaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A real catalogue (the demo's files imported as if real) and no uploads yet.
    settings = load_settings()
    shutil.copy(build_demo(tmp_path / "demo"), settings.boundaries_path)
    assert main(["export-html", str(tmp_path / "m.html"), "--layers", "pilots"]) == 2
    assert "no 'pilots' data" in capsys.readouterr().err
