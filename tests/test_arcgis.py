"""geo.sources.arcgis against recorded Esri JSON pages and a FeatureServer emulator on loopback."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pyproj import CRS

import geo.sources.download as download
from geo.errors import DataError, DownloadError
from geo.sources.arcgis import county_area_codes, fetch_county_boundaries, query_features
from tests import httpreplay
from tests.httpreplay import ReplayServer, Reply, Request

replay = httpreplay.replay

DATA = Path(__file__).parent / "data" / "arcgis"
ROOT = "/arcgis/rest/services"
CED = f"{ROOT}/CED_MAY_2025_EN_BGC/FeatureServer/0"
LOOKUP = f"{ROOT}/WD25_LAD25_CTY25_CED25_EN_LU/FeatureServer/0"
LAD = f"{ROOT}/LAD_MAY_2025_UK_BGC/FeatureServer/0"
NORFOLK = "E10000020"
SUFFOLK = "E10000029"
NORFOLK_CEDS = ["E58000956", "E58000957", "E58000958", "E58000959", "E58000960"]
NORFOLK_AREAS_KM2 = [1.0, 3.0, 2.0, 2.25, 0.25]  # squares, one holed, one in two parts


def load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "_sleep", lambda s: None)


def cached(cache: Path) -> list[Path]:
    return sorted(cache.iterdir()) if cache.exists() else []


# --- a FeatureServer emulator: filters, projects, de-duplicates and pages a layer file ----------

_EQ = re.compile(r"^(\w+) = '([^']*)'$")
_IN = re.compile(r"^(\w+) IN \((.*)\)$")


def _error(message: str) -> Reply:
    return Reply.json({"error": {"code": 400, "message": message, "details": []}})


def _in_box(geometry: dict[str, Any] | None, box: list[float]) -> bool:
    """Whether an Esri point or polygon's bounding box meets ``box`` (esriSpatialRelIntersects
    on envelopes, as the server does for points)."""
    if not geometry:
        return False
    coords = (
        [(geometry["x"], geometry["y"])]
        if "x" in geometry
        else [tuple(p) for ring in geometry["rings"] for p in ring]
    )
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    return min(xs) <= box[2] and max(xs) >= box[0] and min(ys) <= box[3] and max(ys) >= box[1]


def feature_server(layer: dict[str, Any], *, max_record_count: int = 1000) -> Callable:
    """A responder answering ``…/query`` like ArcGIS does for the few clauses the client sends."""

    def respond(request: Request) -> Reply:
        q = request.query
        if q.get("f") != "json":
            return _error("Only f=json is scripted")
        where = q.get("where", "1=1")
        feats = layer["features"]
        if where != "1=1":
            if m := _EQ.match(where):
                feats = [f for f in feats if f["attributes"].get(m[1]) == m[2]]
            elif m := _IN.match(where):
                wanted = set(re.findall(r"'([^']*)'", m[2]))
                feats = [f for f in feats if f["attributes"].get(m[1]) in wanted]
            else:
                return _error("'where' parameter is invalid")
        if "geometry" in q:
            if q.get("geometryType") != "esriGeometryEnvelope" or q.get("inSR") != "27700":
                return _error("only envelopes in EPSG:27700 are scripted")
            box = [float(v) for v in q["geometry"].split(",")]
            feats = [f for f in feats if _in_box(f.get("geometry"), box)]
        names = [f["name"] for f in layer["fields"]]
        out = q.get("outFields", "*")
        keep = names if out == "*" else [s.strip() for s in out.split(",")]
        if unknown := [k for k in keep if k not in names]:
            return _error(f"Invalid field: {unknown[0]}")
        with_geometry = q.get("returnGeometry", "true") == "true"
        rows = []
        for f in feats:
            row: dict[str, Any] = {"attributes": {k: f["attributes"][k] for k in keep}}
            if with_geometry and "geometry" in f:
                row["geometry"] = f["geometry"]
            rows.append(row)
        if q.get("returnDistinctValues") == "true":
            seen, unique = set(), []
            for r in rows:
                key = json.dumps(r["attributes"], sort_keys=True)
                if key not in seen:
                    seen.add(key)
                    unique.append(r)
            rows = unique
        if order := q.get("orderByFields"):
            field = order.split()[0]
            rows.sort(key=lambda r: r["attributes"][field])
        offset = int(q.get("resultOffset", 0))
        count = min(int(q.get("resultRecordCount", max_record_count)), max_record_count)
        page = {k: v for k, v in layer.items() if k != "features"}
        if not with_geometry:
            page.pop("geometryType", None)
            page.pop("spatialReference", None)
        if offset + count < len(rows):
            page["exceededTransferLimit"] = True
        page["features"] = rows[offset : offset + count]
        return Reply.json(page)

    return respond


@pytest.fixture
def portal(replay: ReplayServer) -> ReplayServer:
    """The CED boundary layer and the ward→CED lookup, served by the emulator."""
    replay.add(f"{CED}/query", responder=feature_server(load("ced_layer.json")))
    replay.add(f"{LOOKUP}/query", responder=feature_server(load("ward_ced_lookup.json")))
    return replay


def urls(server: ReplayServer, **paths: str) -> dict[str, str]:
    base = {"lookup": LOOKUP, "ced": CED, "lad": LAD} | paths
    return {k: server.url(v) for k, v in base.items()}


# --- paging over recorded pages -------------------------------------------------------------------


def serve_pages(server: ReplayServer, pages: list[Reply]) -> None:
    for i, reply in enumerate(pages):
        server.add(f"{CED}/query", reply, query={"resultOffset": str(2 * i)})


def recorded_pages() -> list[Reply]:
    return [Reply.json(load(f"ced_page{n}.json")) for n in (1, 2, 3)]


def test_three_pages_assembled_in_order_with_crs_and_areas(
    replay: ReplayServer, tmp_path: Path
) -> None:
    serve_pages(replay, recorded_pages())
    gdf = query_features(replay.url(CED), cache_dir=tmp_path, page_size=2)
    assert list(gdf["CED25CD"]) == NORFOLK_CEDS
    assert list(gdf["CED25NM"])[:2] == ["Acle ED", "Attleborough ED"]
    assert CRS.from_user_input(gdf.crs).to_epsg() == 27700
    assert [round(a / 1e6, 2) for a in gdf.area] == NORFOLK_AREAS_KM2
    assert list(gdf.geometry.geom_type) == [
        "Polygon",
        "Polygon",
        "MultiPolygon",
        "Polygon",
        "Polygon",
    ]
    assert len(gdf.geometry.iloc[1].interiors) == 1  # the counter-clockwise ring is a hole
    sent = replay.requests_to(f"{CED}/query")
    assert [r.query["resultOffset"] for r in sent] == ["0", "2", "4"]
    assert {(r.query["f"], r.query["outSR"], r.query["resultRecordCount"]) for r in sent} == {
        ("json", "27700", "2")
    }


def test_second_query_is_served_from_cache(replay: ReplayServer, tmp_path: Path) -> None:
    serve_pages(replay, recorded_pages())
    first = query_features(replay.url(CED), cache_dir=tmp_path, page_size=2)
    second = query_features(replay.url(CED), cache_dir=tmp_path, page_size=2)
    assert len(replay.requests_to(f"{CED}/query")) == 3
    assert list(second["CED25CD"]) == list(first["CED25CD"])
    assert len(cached(tmp_path)) == 3


def test_exceeded_false_stops_paging(replay: ReplayServer, tmp_path: Path) -> None:
    last = load("ced_page1.json") | {"exceededTransferLimit": False}
    serve_pages(replay, [Reply.json(last)])
    gdf = query_features(replay.url(CED), cache_dir=tmp_path, page_size=2)
    assert len(gdf) == 2
    assert len(replay.requests_to(f"{CED}/query")) == 1


def test_different_where_has_its_own_cache_entry(portal: ReplayServer, tmp_path: Path) -> None:
    one = query_features(portal.url(CED), where="CED25CD = 'E58000956'", cache_dir=tmp_path)
    everything = query_features(portal.url(CED), cache_dir=tmp_path)
    assert list(one["CED25CD"]) == ["E58000956"]
    assert len(everything) == 7
    assert len(portal.requests_to(f"{CED}/query")) == 2
    assert len(cached(tmp_path)) == 2


def test_503_on_a_page_is_retried(replay: ReplayServer, tmp_path: Path) -> None:
    page1, page2, page3 = recorded_pages()
    serve_pages(replay, [page1, [Reply(status=503), page2], page3])  # type: ignore[list-item]
    gdf = query_features(replay.url(CED), cache_dir=tmp_path, page_size=2)
    assert len(gdf) == 5
    assert len(replay.requests_to(f"{CED}/query")) == 4


# --- malformed pages: a clear error and nothing cached for the query -----------------------------


def _page2(mutate: Callable[[dict[str, Any]], object]) -> Reply:
    page = copy.deepcopy(load("ced_page2.json"))
    mutate(page)
    return Reply.json(page)


MALFORMED = {
    "bad json": (Reply(body=b'{"features": [', headers={}), r"not valid JSON"),
    "html": (Reply(body=b"<html>Service busy</html>"), r"not valid JSON"),
    "error object with HTTP 200": (
        Reply.json(load("error_400.json")),
        r"ArcGIS error 400: Cannot perform query\. Invalid query parameters",
    ),
    "no features": (_page2(lambda p: p.pop("features")), r"upstream schema change: no 'features'"),
    "renamed field": (
        _page2(lambda p: p["features"][1]["attributes"].pop("CED25NM")),
        r"upstream schema change: features lack the expected field\(s\) 'CED25NM' "
        r"\(first missing at feature 2\)",
    ),
    "no spatial reference": (
        _page2(lambda p: p.pop("spatialReference")),
        r"no spatialReference.*refusing to guess",
    ),
    "broken ring": (
        _page2(lambda p: p["features"][0].update(geometry={"rings": [[[1, 2]]]})),
        r"feature 1 has a malformed esriGeometryPolygon geometry",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_page_is_a_clear_error_and_removes_the_whole_query(
    replay: ReplayServer, tmp_path: Path, case: str
) -> None:
    bad, message = MALFORMED[case]
    page1, _, page3 = recorded_pages()
    serve_pages(replay, [page1, bad, page3])
    with pytest.raises(DownloadError, match=message) as err:
        query_features(
            replay.url(CED), cache_dir=tmp_path, page_size=2, out_fields="CED25CD,CED25NM"
        )
    assert f"{CED}/query" in str(err.value) and "resultOffset=2" in str(err.value)
    assert cached(tmp_path) == []  # page 1 was good, and it is gone too
    assert len(replay.requests_to(f"{CED}/query")) == 2  # not retried: a schema change stays


def test_error_object_on_single_page(replay: ReplayServer, tmp_path: Path) -> None:
    replay.add(f"{CED}/query", Reply.json(load("error_400.json")))
    with pytest.raises(DownloadError, match=r"ArcGIS error 400.*Unable to perform query"):
        query_features(replay.url(CED), cache_dir=tmp_path)
    assert cached(tmp_path) == []


def test_unknown_field_reported_by_the_service(portal: ReplayServer, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="ArcGIS error 400: Invalid field: CED26CD"):
        query_features(portal.url(CED), out_fields="CED26CD", cache_dir=tmp_path)
    assert cached(tmp_path) == []


def test_wrongly_wound_and_point_geometries(replay: ReplayServer, tmp_path: Path) -> None:
    page = load("ced_page3.json")
    ring = page["features"][0]["geometry"]["rings"][0]
    page["features"][0]["geometry"]["rings"] = [ring[::-1]]  # counter-clockwise, no shell
    replay.add(f"{CED}/query", Reply.json(page))
    gdf = query_features(replay.url(CED), cache_dir=tmp_path)
    assert gdf.area.tolist() == [250000.0]


@pytest.mark.parametrize(
    ("spatial_reference", "epsg"),
    [
        ({"wkid": 27700, "latestWkid": 27700}, 27700),
        ({"wkid": 102100, "latestWkid": 3857}, 3857),
        ({"wkid": 4326}, 4326),
    ],
)
def test_crs_comes_from_the_page(
    replay: ReplayServer, tmp_path: Path, spatial_reference: dict[str, int], epsg: int
) -> None:
    page = load("ced_page3.json") | {"spatialReference": spatial_reference}
    replay.add(f"{CED}/query", Reply.json(page))
    gdf = query_features(replay.url(CED), cache_dir=tmp_path)
    assert CRS.from_user_input(gdf.crs).to_epsg() == epsg


def test_boundaries_served_in_lon_lat_come_back_in_bng(
    portal: ReplayServer, tmp_path: Path
) -> None:
    """A layer answering in EPSG:4326 is reprojected, not mislabelled."""
    layer = load("ced_layer.json")
    layer["spatialReference"] = {"wkid": 4326, "latestWkid": 4326}
    for f in layer["features"]:  # a 0.01° square near Norwich for every division
        f["geometry"] = {
            "rings": [[[1.3, 52.6], [1.3, 52.61], [1.31, 52.61], [1.31, 52.6], [1.3, 52.6]]]
        }
    portal.add(f"{CED}/query", responder=feature_server(layer))
    out = fetch_county_boundaries(NORFOLK, cache_dir=tmp_path, base_urls=urls(portal))
    assert CRS.from_user_input(out.crs).to_epsg() == 27700
    x, y = out.geometry.iloc[0].centroid.coords[0]
    assert 620_000 < x < 640_000 and 300_000 < y < 320_000  # Norwich in metres
    assert 700_000 < out.area.iloc[0] < 1_300_000  # about 680 m x 1110 m


# --- county lookups -------------------------------------------------------------------------------


def test_county_area_codes_returns_only_that_county(portal: ReplayServer, tmp_path: Path) -> None:
    lookup = portal.url(LOOKUP)
    assert county_area_codes(lookup, NORFOLK, cache_dir=tmp_path) == NORFOLK_CEDS
    assert county_area_codes(lookup, SUFFOLK, cache_dir=tmp_path) == ["E58090001", "E58090002"]
    wards = county_area_codes(lookup, NORFOLK, code_field="WD25CD", cache_dir=tmp_path)
    assert wards == [f"E0590000{i}" for i in range(1, 8)]
    sent = portal.requests_to(f"{LOOKUP}/query")[0].query
    assert sent["where"] == "CTY25CD = 'E10000020'"
    assert (sent["returnDistinctValues"], sent["returnGeometry"], sent["outFields"]) == (
        "true",
        "false",
        "CED25CD",
    )


def test_unknown_county_is_a_data_error(portal: ReplayServer, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no CED25CD rows.*'E10000099'"):
        county_area_codes(portal.url(LOOKUP), "E10000099", cache_dir=tmp_path)


@pytest.mark.parametrize("code", ["Norfolk", "E1000002", "E10000020' OR '1'='1"])
def test_county_code_must_be_a_gss_code(portal: ReplayServer, tmp_path: Path, code: str) -> None:
    with pytest.raises(ValueError, match="county_code must be a GSS code"):
        county_area_codes(portal.url(LOOKUP), code, cache_dir=tmp_path)
    assert portal.requests == []


def test_fetch_county_boundaries_ced(portal: ReplayServer, tmp_path: Path) -> None:
    out = fetch_county_boundaries(NORFOLK, cache_dir=tmp_path, base_urls=urls(portal))
    assert list(out["area_code"]) == NORFOLK_CEDS
    assert list(out["area_name"]) == [
        "Acle ED",
        "Attleborough ED",
        "Aylsham ED",
        "Blofield and Brundall ED",
        "Breckland ED",
    ]
    assert list(out.columns) == ["area_code", "area_name", "geometry"]
    assert CRS.from_user_input(out.crs).to_epsg() == 27700
    assert [round(a / 1e6, 2) for a in out.area] == NORFOLK_AREAS_KM2
    assert out.attrs["level"] == "ced"
    assert out.attrs["vintage"] == "2025"
    assert out.attrs["county_code"] == NORFOLK
    [boundary_query] = portal.requests_to(f"{CED}/query")
    assert boundary_query.query["where"] == "CED25CD IN ({})".format(
        ",".join(f"'{c}'" for c in NORFOLK_CEDS)
    )
    assert boundary_query.query["outFields"] == "CED25CD,CED25NM"


def test_long_code_lists_are_chunked(portal: ReplayServer, tmp_path: Path) -> None:
    out = fetch_county_boundaries(NORFOLK, cache_dir=tmp_path, base_urls=urls(portal), chunk_size=2)
    assert list(out["area_code"]) == NORFOLK_CEDS
    assert len(portal.requests_to(f"{CED}/query")) == 3  # 2 + 2 + 1 codes


def test_second_county_fetch_makes_no_request(portal: ReplayServer, tmp_path: Path) -> None:
    fetch_county_boundaries(NORFOLK, cache_dir=tmp_path, base_urls=urls(portal))
    before = len(portal.requests)
    again = fetch_county_boundaries(NORFOLK, cache_dir=tmp_path, base_urls=urls(portal))
    assert len(portal.requests) == before == 2
    assert len(again) == 5


def test_division_missing_from_boundary_layer_is_named(
    replay: ReplayServer, tmp_path: Path
) -> None:
    layer = load("ced_layer.json")
    layer["features"] = [f for f in layer["features"] if f["attributes"]["CED25CD"] != "E58000958"]
    replay.add(f"{CED}/query", responder=feature_server(layer))
    replay.add(f"{LOOKUP}/query", responder=feature_server(load("ward_ced_lookup.json")))
    with pytest.raises(DataError, match=r"no polygon for it \(value 'E58000958'\)"):
        fetch_county_boundaries(NORFOLK, cache_dir=tmp_path, base_urls=urls(replay))


def test_fetch_county_boundaries_lad(portal: ReplayServer, tmp_path: Path) -> None:
    lad_layer = {
        "objectIdFieldName": "FID",
        "geometryType": "esriGeometryPolygon",
        "spatialReference": {"wkid": 27700, "latestWkid": 27700},
        "fields": [{"name": n, "type": "esriFieldTypeString"} for n in ("LAD25CD", "LAD25NM")],
        "features": [
            {
                "attributes": {"LAD25CD": code, "LAD25NM": name},
                "geometry": {"rings": [[[x, 0], [x, 10], [x + 10, 10], [x + 10, 0], [x, 0]]]},
            }
            for code, name, x in [
                ("E07000143", "Breckland", 0),
                ("E07000144", "Broadland", 10),
                ("E07000245", "West Suffolk", 20),
            ]
        ],
    }
    portal.add(f"{LAD}/query", responder=feature_server(lad_layer))
    out = fetch_county_boundaries(NORFOLK, level="lad", cache_dir=tmp_path, base_urls=urls(portal))
    assert list(out["area_code"]) == ["E07000143", "E07000144"]
    assert list(out["area_name"]) == ["Breckland", "Broadland"]
    assert out.area.tolist() == [100.0, 100.0]
    assert out.attrs["level"] == "lad"


def test_unknown_level_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"level must be one of \['ced', 'lad', 'ward'\]"):
        fetch_county_boundaries(NORFOLK, level="parish", cache_dir=tmp_path)
