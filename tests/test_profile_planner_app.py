"""The Division profile and Bid planner pages, driven in-process (synthetic demo + seeded store)."""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from tests.planner_seed import seed_store
from views.text import as_shown, as_shown_frame

APP = Path(__file__).resolve().parent.parent / "app.py"
GREYFRIARS = "X58000007"


def _open(url_path: str, **params: str) -> AppTest:
    """Run the app once (registers the pages), then open the page at ``url_path``."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at._page_hash = calc_hash(url_path)  # AppTest.switch_page only knows file-based pages
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def test_profile_by_query_param_shows_figures_layers_and_downloads() -> None:
    seed_store(Path(os.environ["BROADBAND_DATA_DIR"]))
    at = _open("division", division=GREYFRIARS)
    assert not at.exception
    assert [as_shown(h.value) for h in at.header] == ["Greyfriars (synthetic)"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rank in the county: Gigabit"].endswith("of 12")
    table = at.dataframe[0].value
    assert list(table.columns) == ["Measure", "Division %", "Division premises", "County %"]
    anchors = next(as_shown_frame(d.value) for d in at.table if "Site" in d.value.columns)
    assert set(anchors["Site"]) == {
        "Greyfriars Primary (synthetic)",
        "Greyfriars Library (synthetic)",
    }
    pilots = next(d.value for d in at.table if "Programme" in d.value.columns)
    assert len(pilots) == 2
    assert any("Synthetic demo data" in w.value for w in at.warning)
    labels = {as_shown(b.proto.label) for b in at.get("download_button")}
    assert {"PDF (one page)", "PNG (map and figures)", "CSV (figures)", "JSON (figures)"} <= labels


def test_profile_postcode_search_picks_division_or_explains() -> None:
    at = _open("division")
    assert not at.exception
    assert any("Pick a division" in i.value for i in at.info)
    at.text_input(key="profile_postcode").set_value("zz99 1aa")
    at = at.button[0].click().run()  # the form's Find button
    assert not at.exception
    assert [as_shown(h.value) for h in at.header] == ["Ashby Marsh (synthetic)"]
    at.text_input(key="profile_postcode").set_value("NR1 3QU")
    at = at.button[0].click().run()
    assert any("not in the postcode directory loaded here" in w.value for w in at.warning)
    at.text_input(key="profile_postcode").set_value("not a postcode")
    at = at.button[0].click().run()
    assert any("does not look like a UK postcode" in w.value for w in at.warning)


def test_profile_target_input_changes_progress() -> None:
    at = _open("division", division=GREYFRIARS)
    at.number_input(key="target_gigabit").set_value(10.0)
    at = at.run()
    assert not at.exception
    texts = [as_shown(p.proto.text) for p in at.get("progress")]
    assert any("Gigabit-capable: target 10%" in t and "target met" in t for t in texts)


def test_planner_gap_reach_intervention_and_pack(tmp_path: Path) -> None:
    seed_store(Path(os.environ["BROADBAND_DATA_DIR"]))
    at = _open("planner")
    assert not at.exception
    assert [t.value for t in at.title] == ["Bid planner"]
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Anchor sites chosen"]) == 4  # the four "planned" sites
    assert int(metrics["Premises lacking gigabit within reach"].replace(",", "")) > 0
    frames = [d.value for d in at.dataframe]
    scores = next(f for f in frames if "score" in f.columns)
    assert len(scores) == 12 and scores["rank"].min() == 1
    assert scores["score"].is_monotonic_decreasing
    interventions = next(f for f in frames if "Grey/Black" in f.columns)
    assert interventions["Total in plans"].sum() == 180
    # The radius is in metres: a bigger radius reaches at least as many premises.
    small = int(metrics["Premises lacking gigabit within reach"].replace(",", ""))
    at.number_input(key="reach_radius").set_value(3000)
    at = at.run()
    big = {m.label: m.value for m in at.metric}["Premises lacking gigabit within reach"]
    assert int(big.replace(",", "")) > small
    # The demo's 2026-01 OA file publishes no "below the USO" column (as Ofcom's does not):
    # its "unable to get decent broadband" count is scored instead, under its own name.
    captions = " ".join(as_shown(c.value) for c in at.caption)  # as the browser shows it
    assert "'Unable to get decent broadband from fixed or FWA' is used where" in captions
    box = next(n for n in at.number_input if n.key == "weight_below_uso")
    assert as_shown(box.label) == "Premises without decent broadband (fixed or FWA)"
    # Weighting only voucher demand changes the order, to the order of voucher demand.
    before = list(scores.index)
    at.number_input(key="weight_no_gigabit").set_value(0.0)
    at.number_input(key="weight_below_uso").set_value(0.0)
    at = at.run()
    assert not at.exception
    after = next(d.value for d in at.dataframe if "score" in d.value.columns)
    assert list(after.index) != before
    demand = after["voucher_demand"]
    assert demand.is_monotonic_decreasing
    assert after["rank"].tolist() == demand.rank(ascending=False, method="min").astype(int).tolist()
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Download the evidence pack") for label in labels)
