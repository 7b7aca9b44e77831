"""Names never crash pages, no traceback reaches a person, every download is formula-safe."""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import os
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from geo.analysis.privacy import FORMULA_PREFIXES, formula_safe_csv
from geo.errors import DataError
from geo.sources.demo_build import DEMO_CATALOG, build_demo
from geo.storage.catalog import import_file, load_catalog, save_areas

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"


def _square(i: int) -> list[list[list[float]]]:
    x = 1.0 + i * 0.01
    return [[[x, 52.0], [x + 0.01, 52.0], [x + 0.01, 52.01], [x, 52.01], [x, 52.0]]]


def _boundary_file(path: Path, names: list[object]) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {"CED25CD": f"E5800000{i + 1}", "CED25NM": name},
            "geometry": {"type": "Polygon", "coordinates": _square(i)},
        }
        for i, name in enumerate(names)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.mark.parametrize(
    ("name", "reason"),
    [(None, "empty area name"), ("   ", "empty area name"), ("\u200b\u200d", "empty area name"),
     ("Diss\x1b[31m", "control character U+001B"), ("Diss\u202eevil", "U+202E")],
)  # fmt: skip
def test_a_division_without_a_usable_name_is_refused_at_import(
    tmp_path: Path, name: object, reason: str
) -> None:
    catalogue = tmp_path / "catalogue.gpkg"
    import_file(_boundary_file(tmp_path / "good.geojson", ["Alpha", "Bravo"]), catalogue)
    before = hashlib.sha256(catalogue.read_bytes()).hexdigest()
    bad = _boundary_file(tmp_path / "bad.geojson", ["Alpha", name])
    with pytest.raises(DataError) as err:
        import_file(bad, catalogue)
    problem = err.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("bad.geojson", 2, "CED25NM")
    assert reason in problem.reason
    assert hashlib.sha256(catalogue.read_bytes()).hexdigest() == before  # nothing lost


def _catalogue_with_a_nameless_division() -> None:
    """A catalogue written before names were checked: one division has no name."""
    data_dir = Path(os.environ["BROADBAND_DATA_DIR"])
    build_demo(data_dir)
    path = data_dir / DEMO_CATALOG
    areas = load_catalog(path).areas["ced"]
    areas.loc[0, "area_name"] = None
    save_areas(path, areas, synthetic=True)


def _open(url_path: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at._page_hash = calc_hash(url_path)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _texts(at: AppTest) -> str:
    return "\n".join(str(getattr(e, "value", "")) for e in at.main)  # type: ignore[attr-defined]


@pytest.mark.parametrize("url_path", ["", "division"])
def test_a_failing_page_shows_a_message_and_no_traceback(url_path: str) -> None:
    _catalogue_with_a_nameless_division()
    at = _open(url_path)
    assert not at.exception, "a traceback reached the page"
    errors = [e.value for e in at.error]
    assert any("could not be shown" in e and "reference" in e for e in errors), errors
    assert "Traceback" not in _texts(at) and 'File "' not in _texts(at)


@pytest.mark.parametrize(
    ("setting", "bad", "expected"),
    [("BROADBAND_LEVEL", "bogus", "must be one of ced, lad, ward"),
     ("BROADBAND_DATA_DIR", "a file", "must be a folder this app's user may write in")],
)  # fmt: skip
def test_a_bad_setting_shows_one_message_naming_it(
    setting: str,
    bad: str,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """App start-up with a bad setting: one plain paragraph naming it, the detail in the log."""
    from views.text import as_shown

    if bad == "a file":
        bad = str(tmp_path / "data.txt")
        Path(bad).write_text("not a folder")
    monkeypatch.setenv(setting, bad)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, "a traceback (or Streamlit's redacted error box) reached the page"
    assert len(at.error) == 1 and not at.markdown  # no page under it
    shown = as_shown(at.error[0].value)
    assert f"the setting {setting} {expected}" in shown and "reference" in shown, shown
    assert str(tmp_path) not in shown  # the server's folders stay in the log
    assert at.error[0].value.startswith("This app cannot start")  # through plain(): escaped
    logged = [r.getMessage() for r in caplog.records if r.name == "broadband_map.views"]
    assert any(setting in m and bad in m for m in logged), logged
    assert not any(r.exc_info for r in caplog.records if r.name == "broadband_map.views")


def test_a_data_error_says_what_is_wrong() -> None:
    def page() -> None:
        from geo.errors import DataError
        from views.guard import guarded

        guarded(lambda: (_ for _ in ()).throw(DataError.single("x.csv", "bad [link](http://h)")))()

    at = AppTest.from_function(page).run()
    assert not at.exception
    message = at.error[0].value
    assert "x\\.csv" in message and "\\[link\\]\\(http\u2060\\://h\\)" in message  # plain


def test_a_failed_download_drawing_is_shown_on_the_next_run() -> None:
    def page() -> None:
        import contextlib

        import streamlit as st

        from views.guard import deferred, show_deferred_failures

        show_deferred_failures()
        make = deferred(lambda: 1 / 0, what="The PDF")
        if st.session_state.get("clicked"):
            st.session_state["clicked"] = False
            with contextlib.suppress(ZeroDivisionError):
                make()  # what Streamlit does off the script thread when the button is clicked

    at = AppTest.from_function(page)
    at.session_state["clicked"] = True
    at.run()
    at.run()
    assert not at.exception
    assert next(e.value for e in at.error).startswith("The PDF could not be shown")


def test_streamlit_own_csv_export_and_error_details_are_off() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True
    assert config["client"]["showErrorDetails"] == "none"


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3",
                                  "@SUM(A1:A2)", "\t=1", "\r=1"])  # fmt: skip
def test_formula_safe_csv_neutralises_every_prefix(cell: str) -> None:
    assert cell.startswith(FORMULA_PREFIXES)
    frame = pd.DataFrame({"name": [cell, "Diss"], cell: ["x", "y"], "n": [-3, 4]})
    rows = list(csv.reader(io.StringIO(formula_safe_csv(frame), newline="")))
    assert rows[0] == ["name", "'" + cell, "n"]
    assert rows[1] == ["'" + cell, "x", "-3"] and rows[2] == ["Diss", "y", "4"]  # numbers stay


def test_views_write_csv_only_through_the_formula_safe_helper() -> None:
    for path in sorted((ROOT / "views").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("to_csv", "neutralise_frame"):
                pytest.fail(f"{path.name}:{node.lineno} writes CSV itself; use download_table")
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "download_button"
                and "text/csv" in ast.unparse(node)
                and path.name != "downloads.py"
            ):
                pytest.fail(f"{path.name}:{node.lineno} offers a CSV; use download_table")
