"""The app, driven in-process with Streamlit's AppTest (a fresh machine: synthetic demo)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo.config import SYNTHETIC_LABEL
from geo.sources.demo import demo_areas
from views.text import as_shown

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


def test_demo_release_says_which_measures_it_does_not_publish() -> None:
    # The demo ships in Ofcom's 2026-01 OA layout: no Full Fibre, no "below the USO".
    at = _app()
    measure = at.selectbox(key="measure")
    assert measure.options == [
        "Superfast (≥ 30 Mbit/s)", "Ultrafast (≥ 300 Mbit/s)", "Gigabit-capable",
        "Unable to get 10 Mbit/s", "Unable to get decent broadband from fixed or FWA",
    ]  # fmt: skip
    assert measure.value == "gigabit"
    demo = demo_areas()
    code = demo.loc[demo["CED25NM"].str.startswith("Greyfriars"), "CED25CD"].item()
    at = at.selectbox(key="division").set_value(code).run()
    table = at.dataframe[0].value
    assert "Full fibre (FTTP)" not in set(table["Measure"])
    captions = [as_shown(c.value) for c in at.caption]
    note = (
        "Full fibre (FTTP), Below the Universal Service Obligation: not published in this release"
    )
    assert sum(c.startswith(note) for c in captions) >= 2  # beside the measure and the panel
