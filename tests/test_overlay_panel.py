"""Layer summaries (the panel's and profile's tables): exact counts for officers, small ones
suppressed in public."""

from __future__ import annotations

import pandas as pd

from layers import anchors, pilots, vouchers
from layers.pilots import no_support_list


def voucher_table(row: pd.Series, *, statuses: tuple[str, ...], public: bool) -> pd.DataFrame:
    del statuses  # the layer shows the standard statuses, and in-plan ones where there are any
    return vouchers.summarise(row, pd.DataFrame(), public=public)[0].table


def pilot_table(row: pd.Series, *, kinds: tuple[str, ...], public: bool) -> pd.DataFrame:
    del kinds
    return pilots.summarise(row, pd.DataFrame(), public=public)[0].table


def site_list(recs: pd.DataFrame, code: str) -> pd.DataFrame:
    here = recs[recs["area_code"] == code]
    return anchors.summarise(pd.Series(dtype=float), here, public=False)[-1].table


STATUSES = ("applied", "approved", "connected", "cancelled")


def _row(applied: int, approved: int, connected: int, cancelled: int, premises: float) -> pd.Series:
    n = applied + approved + connected
    return pd.Series({
        "n_applied": applied, "n_approved": approved, "n_connected": connected,
        "n_cancelled": cancelled, "n_vouchers": n, "total_value": 1500.0 * n,
        "per_1000_premises": n * 1000 / premises,
    })  # fmt: skip


def _as_dict(table: pd.DataFrame) -> dict[str, str]:
    return dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))


def test_officer_sees_exact_counts_rate_and_value() -> None:
    got = _as_dict(voucher_table(_row(2, 1, 0, 3, 400), statuses=STATUSES, public=False))
    assert got == {
        "Applied": "2", "Approved": "1", "Connected": "0", "Cancelled": "3",
        "Vouchers (not cancelled)": "3", "Per 1,000 premises": "7.5",
        "Total value (not cancelled)": "£4,500",
    }  # fmt: skip


def test_public_small_counts_and_what_they_would_reveal_are_hidden() -> None:
    got = _as_dict(voucher_table(_row(2, 1, 0, 3, 400), statuses=STATUSES, public=True))
    assert got["Applied"] == got["Approved"] == got["Cancelled"] == "fewer than 5"
    assert got["Connected"] == "0"  # zero identifies nobody
    assert got["Vouchers (not cancelled)"] == "fewer than 5"
    assert got["Per 1,000 premises"] == "suppressed"
    assert got["Total value (not cancelled)"] == "suppressed"


def test_public_large_counts_shown() -> None:
    got = _as_dict(voucher_table(_row(5, 5, 10, 0, 1000), statuses=STATUSES, public=True))
    assert got["Vouchers (not cancelled)"] == "20" and got["Per 1,000 premises"] == "20.0"
    assert got["Total value (not cancelled)"] == "£30,000"


def test_pilot_table_lists_active_kinds_and_people() -> None:
    row = pd.Series({"n_active": 2, "n_training": 1, "n_free_wifi": 1, "n_device_lending": 0,
                     "people_helped": 3.0})  # fmt: skip
    kinds = ("training", "device_lending", "free_wifi")
    assert _as_dict(pilot_table(row, kinds=kinds, public=False)) == {
        "Active support points": "2", "· training": "1", "· free wifi": "1",
        "People helped (all pilots)": "3",
    }  # fmt: skip
    assert _as_dict(pilot_table(row, kinds=kinds, public=True))["People helped (all pilots)"] == (
        "fewer than 5"
    )


def test_no_support_list_by_name() -> None:
    agg = pd.DataFrame(
        {"n_sites": [0, 2, 1], "no_support": [True, False, True]},
        index=pd.Index(["E1", "E2", "E3"], name="area_code"),
    )
    out = no_support_list(agg, {"E1": "Zed", "E2": "Bee", "E3": "Ash"})
    assert out.to_dict("list") == {
        "Area": ["Ash", "Zed"],
        "Code": ["E3", "E1"],
        "Pilots ever": [1, 0],
    }


def test_site_list_keeps_names_as_text() -> None:
    recs = pd.DataFrame({
        "name": ["<script>alert(1)</script>", "Alpha", "Elsewhere"],
        "site_type": ["fire_station", "gp", "gp"],
        "fibre_status": ["none", "full_fibre", "none"],
        "area_code": ["E1", "E1", "E2"],
    })  # fmt: skip
    out = site_list(recs, "E1")
    assert out.to_dict("list") == {
        "Site": ["<script>alert(1)</script>", "Alpha"],
        "Type": ["Fire station", "GP practice"], "Fibre": ["no fibre", "full fibre"],
    }  # fmt: skip
