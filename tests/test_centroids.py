"""OA population-weighted centroids and postcode centroids of a county, from a loopback
FeatureServer replaying the ArcGIS JSON the ONS portal sends, several pages per query."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import geo.sources.download as download
from geo.__main__ import main
from geo.config import OA_CENTROID_LAYERS, POSTCODE_CENTROIDS_LAYER
from geo.errors import DownloadError
from geo.settings import load_settings
from geo.sources.centroids import fetch_oa_centroids, fetch_postcode_centroids
from geo.storage.catalog import load_catalog
from tests import httpreplay
from tests.httpreplay import ReplayServer
from tests.test_arcgis import LAD, LOOKUP, NORFOLK, ROOT, feature_server, load

replay = httpreplay.replay

PWC = {v: f"{ROOT}/{path}" for v, path in OA_CENTROID_LAYERS.items()}
ONSPD = f"{ROOT}/{POSTCODE_CENTROIDS_LAYER}"
PAGE = 2
"""The emulated services hand out 2 features a page, so every query here takes ≥ 3 pages."""


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "_sleep", lambda s: None)


@pytest.fixture
def portal(replay: ReplayServer) -> ReplayServer:
    """Lookup, district boundaries, both PWC layers and the postcode directory, 2 a page."""
    replay.add(f"{LOOKUP}/query", responder=feature_server(load("ward_ced_lookup.json")))
    replay.add(f"{LAD}/query", responder=feature_server(load("lad_layer.json")))
    replay.add(
        f"{PWC['2011']}/query",
        responder=feature_server(load("oa11_pwc_layer.json"), max_record_count=PAGE),
    )
    replay.add(
        f"{PWC['2021']}/query",
        responder=feature_server(load("oa21_pwc_layer.json"), max_record_count=PAGE),
    )
    replay.add(
        f"{ONSPD}/query", responder=feature_server(load("onspd_layer.json"), max_record_count=PAGE)
    )
    replay.add(ONSPD, httpreplay.Reply.json(load("onspd_description.json")), query={"f": "json"})
    return replay  # fmt: skip


def _base(server: ReplayServer) -> dict[str, str]:
    return {"lookup": server.url(LOOKUP), "lad": server.url(LAD)}


def test_oa_centroids_of_the_county_in_pages_kept_within_its_districts(
    portal: ReplayServer, tmp_path: Path
) -> None:
    out = fetch_oa_centroids(
        NORFOLK, vintage="2011", cache_dir=tmp_path, layer_url=portal.url(PWC["2011"]),
        base_urls=_base(portal),
    )  # fmt: skip
    # Five in or just beside Breckland and Broadland; the one between them and the Suffolk one
    # (outside the box around the county, never sent) are not the county's.
    assert list(out["OA11CD"]) == ["E00087001", "E00087002", "E00087003", "E00095001", "E00095002"]
    assert out.crs.to_epsg() == 27700
    assert (out.geometry.x.iloc[0], out.geometry.y.iloc[0]) == (592_000.4, 292_000.6)
    assert out.attrs["vintage"] == "2011" and out.attrs["kind"] == "pwc"
    assert out.attrs["source"] == "Output_Areas_Dec_2011_PWC_2022/FeatureServer/0"
    sent = portal.requests_to(f"{PWC['2011']}/query")
    assert [r.query["resultOffset"] for r in sent] == ["0", "2", "4"]  # 6 features in the box
    box = [float(v) for v in sent[0].query["geometry"].split(",")]
    assert box == [589_750.0, 289_750.0, 620_250.0, 320_250.0]  # districts + 250 m
    assert sent[0].query["geometryType"] == "esriGeometryEnvelope"


def test_fetch_oa_level_stores_both_vintages_as_pwc_then_a_second_run_is_cached(
    portal: ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    root = portal.url(ROOT)
    assert main(["fetch", "--county", NORFOLK, "--level", "oa", "--service-root", root]) == 0
    out = capsys.readouterr().out
    assert "5 2011 OA centroids" in out and "6 2021 OA centroids" in out
    cat = load_catalog(load_settings().boundaries_path)
    assert cat.oa_centroids is not None
    by_vintage = cat.oa_centroids.groupby("vintage").size().to_dict()
    assert by_vintage == {"2011": 5, "2021": 6}
    assert set(cat.oa_centroids["kind"]) == {"pwc"}
    facts = cat.meta["oa_centroids"]["vintages"]
    assert facts["2021"]["source"] == "OA_December_2021_EW_PWC_V4/FeatureServer/0"
    assert facts["2021"]["county_code"] == NORFOLK
    asked = len(portal.requests)
    assert main(["fetch", "--county", NORFOLK, "--level", "oa", "--service-root", root]) == 0
    assert len(portal.requests) == asked  # every page came from the cache


def test_postcode_centroids_use_the_layers_own_field_names(
    portal: ReplayServer, tmp_path: Path
) -> None:
    lookup = fetch_postcode_centroids(
        NORFOLK, cache_dir=tmp_path, layer_url=portal.url(ONSPD),
        lookup_url=portal.url(LOOKUP),
    )  # fmt: skip
    assert list(lookup.index) == ["IP24 1AA", "IP24 1AB", "NR13 5AA", "NR20 3ZZ", "NR7 0AA"]
    assert lookup.loc["IP24 1AA", ["easting", "northing"]].tolist() == [592_100.0, 292_100.0]
    assert bool(lookup.loc["IP24 1AB", "terminated"]) and not lookup.loc["NR7 0AA", "terminated"]
    assert np.isnan(lookup.loc["NR20 3ZZ", "easting"])  # no grid reference: kept, unplaced
    assert set(lookup["lad_code"]) == {"E07000143", "E07000144"}
    assert lookup.attrs["fields"] == {"postcode": "PCDS", "lad_code": "LAD26CD", "doterm": "DOTERM"}
    sent = portal.requests_to(f"{ONSPD}/query")
    assert [r.query["resultOffset"] for r in sent] == ["0", "2", "4"]
    assert sent[0].query["where"] == "LAD26CD IN ('E07000143','E07000144')"
    assert sent[0].query["outFields"] == "PCDS,LAD26CD,DOTERM"


def test_fetch_postcodes_fills_the_catalogues_postcode_directory(
    portal: ReplayServer, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["fetch", "--county", NORFOLK, "--level", "postcodes",
            "--service-root", portal.url(ROOT)]  # fmt: skip
    assert main(args) == 0
    assert "5 postcodes (4 live)" in capsys.readouterr().out
    cat = load_catalog(load_settings().boundaries_path)
    assert cat.postcodes is not None and len(cat.postcodes) == 5
    assert "ONSPD_LATEST_UK" in cat.meta["postcodes"]["source"]


def test_a_directory_without_a_district_field_is_an_upstream_schema_change(
    replay: ReplayServer, tmp_path: Path
) -> None:
    description = load("onspd_description.json")
    description["fields"] = [f for f in description["fields"] if f["name"] != "LAD26CD"]
    replay.add(ONSPD, httpreplay.Reply.json(description), query={"f": "json"})
    with pytest.raises(DownloadError, match=r"no postcode \(PCDS\) or district \(LADnnCD\)"):
        fetch_postcode_centroids(NORFOLK, cache_dir=tmp_path, layer_url=replay.url(ONSPD))
    assert not any(tmp_path.rglob("*.json"))  # nothing cached from a rejected description
