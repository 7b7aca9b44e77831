"""The command line: import real files, status, demo; errors exit 2 with a located message."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from geo.__main__ import main
from geo.analysis.coverage import best_figures
from geo.settings import load_settings
from geo.sources.demo_build import build_demo
from geo.storage.catalog import load_catalog, save_postcodes
from tests import test_arcgis
from tests.conftest import require_shared
from tests.httpreplay import ReplayServer, Reply


def test_demo_catalogue_is_synthetic_and_goes_through_the_real_readers() -> None:
    path = build_demo(load_settings().data_dir)
    cat = load_catalog(path)
    assert cat.synthetic
    # Built from OA rows in Ofcom's 2026-01 layout (was a 2025-01 postcode file with counts).
    assert len(cat.areas["ced"]) == 12 and cat.releases == ["2026-01"]
    assert cat.coverage is not None and set(cat.coverage["level"]) == {"oa"}
    assert cat.postcodes is not None and cat.postcodes.index.str.startswith("ZZ99").all()
    assert all("(synthetic)" in n for n in cat.areas["ced"]["area_name"])
    assert cat.oa_centroids is not None and set(cat.oa_centroids["kind"]) == {"synthetic"}
    assert len(cat.oa_centroids) == 96  # 6, 8 and 10 OAs in turn in the 12 divisions
    figs = best_figures(cat.coverage, cat.areas["ced"], release="2026-01",
                        oa_centroids=cat.oa_centroids)  # fmt: skip
    assert (figs["figure_from"] == "area").all() and figs["premises"].sum() == 17_415
    assert figs["method"].str.contains("synthetic OA centroids").all()
    assert "pct_full_fibre" not in figs and "pct_below_uso" not in figs  # not published


def test_demo_is_deterministic(tmp_path: Path) -> None:
    a = load_catalog(build_demo(tmp_path / "a"))
    b = load_catalog(build_demo(tmp_path / "b"))
    assert a.coverage is not None and b.coverage is not None
    assert a.coverage.equals(b.coverage)


def test_import_real_norfolk_files_then_status(capsys: pytest.CaptureFixture[str]) -> None:
    files = [require_shared(n) for n in (
        "norfolk_ced_2025_simplified.geojson",
        "norfolk_lad_boundaries_2013_bgc.geojson",
        "ofcom_fixed_coverage_norfolk_lad_2016_2021.csv",
    )]  # fmt: skip
    assert main(["import", *map(str, files)]) == 0
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "County electoral divisions: 84 areas" in out and "Districts: 7 areas" in out
    assert "2021-05" in out and "SYNTHETIC" not in out
    cat = load_catalog(load_settings().boundaries_path)
    assert set(cat.areas) == {"ced", "lad"} and not cat.synthetic


def test_bad_file_exits_2_with_location_and_keeps_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "202105_fixed_laua_coverage_r01.csv"
    good.write_text(
        "laua,All Premises,Number of premises with Gigabit availability\nE07000148,10,5\n"
    )
    assert main(["import", str(good)]) == 0
    catalogue = load_settings().boundaries_path
    before = catalogue.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text("laua,All Premises\nE07000148,lots\n")
    assert main(["import", str(bad)]) == 2
    assert "bad.csv row 2, column 'All Premises': is not a number" in capsys.readouterr().err
    assert catalogue.read_bytes() == before


portal, replay = test_arcgis.portal, test_arcgis.replay  # the loopback FeatureServer fixtures


def test_fetch_command_downloads_a_county_through_a_mirror(
    portal: test_arcgis.ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m geo fetch`` against a loopback FeatureServer replaying the ArcGIS format."""
    root = portal.url("/arcgis/rest/services")
    assert main(["fetch", "--county", "E10000020", "--service-root", root]) == 0
    out = capsys.readouterr().out
    assert "5 areas" in out
    cat = load_catalog(load_settings().boundaries_path)
    assert list(cat.areas["ced"]["area_code"])[:2] == ["E58000956", "E58000957"]
    assert cat.areas["ced"].crs.to_epsg() == 27700
    assert any(load_settings().cache_dir.iterdir())  # cached for the next run


def _mobile_body(postcode: str, indoor: list[dict[str, int]]) -> bytes:
    """A mobile API answer for ``postcode``: one UPRN per dict of non-zero ratings."""
    from geo.sources.mobile import API_FIELDS

    records = [
        {"UPRN": 100 + i, "PostCode": postcode, **dict.fromkeys(API_FIELDS, 0), **ratings}
        for i, ratings in enumerate(indoor)
    ]
    body = {"PostCode": postcode, "DBName": "MobileAvailability-202406041254",
            "Availability": records}  # fmt: skip
    return json.dumps(body).encode()


def test_fetch_mobile_asks_ofcom_for_every_live_loaded_postcode(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m geo fetch --mobile`` against a loopback server replaying Ofcom's mobile API."""
    settings = load_settings()
    lookup = pd.DataFrame(
        {"easting": [623_000.0, 624_000.0, 625_000.0], "northing": [308_500.0] * 3,
         "terminated": [False, False, True], "lad_code": ["E07000148"] * 3},
        index=pd.Index(["NR1 3QU", "ZZ99 1ZZ", "NR9 9ZZ"], name="postcode"),
    )  # fmt: skip
    save_postcodes(settings.boundaries_path, lookup, source="ONSPD_test.csv")
    monkeypatch.setenv("OFCOM_API_KEY", "secret-key")
    with ReplayServer() as api:
        api.add("/mobile/coverage/NR13QU",
                Reply(body=_mobile_body("NR13QU", [{"EEDataIndoor": 3, "VODataIndoor": 4},
                                                   {"EEDataIndoor": 3}, {}])))  # fmt: skip
        api.add(
            "/mobile/coverage/ZZ991ZZ",
            Reply.json({"PostCode": "ZZ991ZZ", "Error": "Post code not found"}, status=404),
        )
        url = api.url("/mobile/coverage")
        assert main(["fetch", "--mobile", "--mobile-api-url", url]) == 0
        asked = sorted(r.path for r in api.requests)
        keys = {r.headers.get("Ocp-Apim-Subscription-Key") for r in api.requests}
    assert asked == ["/mobile/coverage/NR13QU", "/mobile/coverage/ZZ991ZZ"]  # not the terminated
    assert keys == {"secret-key"}
    out = capsys.readouterr().out
    assert "1 postcodes not found: ZZ991ZZ" in out
    assert "1 postcodes, 3 premises, 2 with weak indoor 4G (release 2024-06)" in out
    cat = load_catalog(settings.boundaries_path)
    assert cat.areas == {}  # --mobile alone fetches no boundaries
    row = cat.mobile_postcodes.loc["NR1 3QU"]
    assert (row["premises"], row["n_weak_indoor_4g"], row["n_indoor_4g_ee"]) == (3, 2, 2)
    assert cat.meta["mobile_postcodes"]["release"] == "2024-06"
    assert not any(b"secret-key" in p.read_bytes() for p in settings.cache_dir.rglob("*")
                   if p.is_file())  # fmt: skip


def test_fetch_mobile_without_a_key_or_postcodes_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OFCOM_API_KEY", raising=False)
    assert main(["fetch", "--mobile"]) == 2
    assert "fetch --mobile needs OFCOM_API_KEY" in capsys.readouterr().err
    monkeypatch.setenv("OFCOM_API_KEY", "k")
    assert main(["fetch", "--mobile"]) == 2
    assert "run `python -m geo fetch --level postcodes` first" in capsys.readouterr().err
