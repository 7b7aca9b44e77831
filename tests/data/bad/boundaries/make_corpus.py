"""Rebuild the boundary files of the bad-input corpus (synthetic shapes; run from the repo root).

    python tests/data/bad/boundaries/make_corpus.py

Every shape is a made-up 1 km square near Norwich in EPSG:27700 (or its WGS84 equivalent);
codes are real-looking GSS codes but the areas are synthetic. The zip bomb and the oversized
file are not here: tests/test_bad_boundaries.py makes them at test time.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Polygon

HERE = Path(__file__).resolve().parent
BNG = "urn:ogc:def:crs:EPSG::27700"


def _square(x: float, y: float, size: float = 1000.0) -> dict[str, object]:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(code: str | None, name: str | None, geometry: object) -> dict[str, object]:
    props = {k: v for k, v in (("CED25CD", code), ("CED25NM", name)) if v is not None}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _collection(features: list[dict[str, object]], crs: str | None = BNG) -> str:
    body: dict[str, object] = {"type": "FeatureCollection"}
    if crs is not None:
        body["crs"] = {"type": "name", "properties": {"name": crs}}
    body["features"] = features
    return json.dumps(body, indent=1) + "\n"


def _three(**replace: dict[str, object]) -> list[dict[str, object]]:
    feats = [
        _feature("E58000901", "Synthetic North", _square(623000, 310000)),
        _feature("E58000902", "Synthetic Middle", _square(624000, 310000)),
        _feature("E58000903", "Synthetic South", _square(625000, 310000)),
    ]
    for index, feat in replace.items():
        feats[int(index[1:])] = feat
    return feats


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[624000, 310000], [625000, 311000], [625000, 310000], [624000, 311000],
                     [624000, 310000]]],
}  # fmt: skip
LONLAT_SQUARE = {
    "type": "Polygon",
    "coordinates": [[[1.29, 52.62], [1.30, 52.62], [1.30, 52.63], [1.29, 52.63], [1.29, 52.62]]],
}
POINT = {"type": "Point", "coordinates": [624500, 310500]}
FLAT = {
    "type": "Polygon",
    "coordinates": [[[623000, 310000], [623500, 310000], [624000, 310000], [623000, 310000]]],
}  # a zero-area "polygon": three points on one line

GEOJSON: dict[str, str] = {
    "geojson_no_crs_metres.geojson": _collection(_three(), crs=None),
    "geojson_lonlat_labelled_bng.geojson": _collection(
        [_feature("E58000901", "Synthetic North", LONLAT_SQUARE)]
    ),
    "mixed_point_among_polygons.geojson": _collection(
        _three(r1=_feature("E58000902", "Synthetic Middle", POINT))
    ),
    "duplicate_area_code.geojson": _collection(
        _three(r2=_feature("E58000901", "Synthetic Again", _square(625000, 310000)))
    ),
    "missing_code_column.geojson": _collection(
        [_feature(None, "Synthetic North", _square(623000, 310000))]
    ),
    "missing_name_column.geojson": _collection(
        [_feature("E58000901", None, _square(623000, 310000))]
    ),
    "empty_area_code.geojson": _collection(
        _three(r1=_feature(" ", "Synthetic Middle", _square(624000, 310000)))
    ),
    "null_geometry.geojson": _collection(_three(r2=_feature("E58000903", "Synthetic South", None))),
    "degenerate_polygon.geojson": _collection(
        _three(r0=_feature("E58000901", "Synthetic Flat", FLAT))
    ),
    "empty_feature_collection.geojson": _collection([]),
    "not_geojson.geojson": "CED25CD,CED25NM\nE58000901,Synthetic North\n",
    # Accepted or repaired, not refused (see EXPECTED.csv):
    "ok_no_crs_lonlat.geojson": _collection(
        [_feature("E58000901", "Synthetic North", LONLAT_SQUARE)], crs=None
    ),
    "repaired_self_intersection.geojson": _collection(
        _three(r1=_feature("E58000902", "Synthetic Bowtie", BOWTIE))
    ),
}


def _shapefile_parts(tmp: Path) -> dict[str, bytes]:
    gdf = gpd.GeoDataFrame(
        {"CED25CD": ["E58000901"], "CED25NM": ["Synthetic North"]},
        geometry=[Polygon([(623000, 310000), (624000, 310000), (624000, 311000)])],
        crs="EPSG:27700",
    )
    gdf.to_file(tmp / "areas.shp", engine="pyogrio")
    return {p.suffix: p.read_bytes() for p in tmp.iterdir()}


def _zip(name: str, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(HERE / name, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            info = zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0))
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def main() -> None:
    for name, text in GEOJSON.items():
        (HERE / name).write_text(text, encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        parts = _shapefile_parts(Path(tmp))
    core = {k: parts[k] for k in (".shp", ".shx", ".dbf")}
    _zip("shapefile_no_prj.zip", {f"areas{k}": v for k, v in core.items()})
    _zip("shapefile_parent_path.zip", {f"../evil{k}": v for k, v in parts.items()})
    _zip("shapefile_backslash_path.zip", {f"..\\evil{k}": v for k, v in parts.items()})
    _zip("shapefile_absolute_path.zip", {f"/tmp/evil{k}": v for k, v in parts.items()})
    _zip("zip_without_shp.zip", {"readme.txt": b"synthetic: no shapefile here\n"})
    (HERE / "not_a_zip.zip").write_bytes(b"synthetic: this is plain text, not a zip archive\n")


if __name__ == "__main__":
    main()
