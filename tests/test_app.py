"""The app, driven in-process with Streamlit's AppTest (a fresh machine: synthetic demo)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo.config import SYNTHETIC_LABEL
from geo.sources.demo import demo_areas

APP = Path(__file__).resolve().parent.parent / "app.py"


def _app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    return at.run()


def test_fresh_machine_opens_synthetic_demo_labelled() -> None:
    at = _app()
    assert not at.exception
    assert any(SYNTHETIC_LABEL in w.value for w in at.warning)
    assert "python -m geo fetch" in " ".join(w.value for w in at.warning)
    # No stray text (e.g. a docstring in app.py, which Streamlit's magic would print).
    assert not any("render function" in m.value for m in at.markdown)


def test_pick_division_by_name_shows_its_figures_beside_county() -> None:
    at = _app()
    picker = at.selectbox(key="division")
    demo = demo_areas()
    code = demo.loc[demo["CED25NM"].str.startswith("Greyfriars"), "CED25CD"].item()
    assert any(o.startswith("Greyfriars") for o in picker.options)
    at = picker.set_value(code).run()
    assert not at.exception
    assert any(s.value.startswith("Greyfriars") for s in at.subheader)
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == ["Measure", "Area %", "Area premises"]
    gigabit = table[table["Measure"] == "Gigabit-capable"].iloc[0]
    assert 0 <= gigabit["Area %"] <= 100
    assert gigabit["County %"] != gigabit["Area %"]
    assert at.query_params["division"] == [code] or at.query_params["division"] == code
