"""Write the hand-made centroid layers used by tests/test_centroids.py (run from the repo root).

The shapes follow what the ONS Open Geography Portal FeatureServer returns for ``f=json``
(``objectIdFieldName``, ``geometryType`` ``esriGeometryPoint``, ``spatialReference``
``{wkid, latestWkid}``, ``fields``, ``features`` of ``{attributes, geometry: {x, y}}``), and, for
the postcode layer, the layer description (``?f=json``) with its field list. The OA codes are
in the real ranges but the points are SYNTHETIC (inside the square districts of
``lad_layer.json``); the postcodes are made up.

    python tests/data/arcgis/make_centroids.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
SR = {"wkid": 27700, "latestWkid": 27700}


def _field(name: str, kind: str = "esriFieldTypeString", length: int | None = 9) -> dict:
    out = {"name": name, "type": kind, "alias": name, "sqlType": "sqlTypeOther",
           "domain": None, "defaultValue": None}  # fmt: skip
    if kind == "esriFieldTypeString" and length:
        out["length"] = length
    return out


def _square(x: float, y: float, size: float = 10_000) -> dict:
    # Clockwise outer ring (Esri convention).
    return {"rings": [[[x, y], [x, y + size], [x + size, y + size], [x + size, y], [x, y]]]}


def lad_layer() -> dict:
    districts = [
        ("E07000143", "Breckland", 590_000, 290_000),
        ("E07000144", "Broadland", 610_000, 310_000),
        ("E07000245", "West Suffolk", 590_000, 260_000),
    ]
    return {
        "objectIdFieldName": "FID", "geometryType": "esriGeometryPolygon", "spatialReference": SR,
        "fields": [_field("FID", "esriFieldTypeOID"), _field("LAD25CD"), _field("LAD25NM", length=100)],
        "features": [
            {"attributes": {"FID": i + 1, "LAD25CD": c, "LAD25NM": n}, "geometry": _square(x, y)}
            for i, (c, n, x, y) in enumerate(districts)
        ],
    }  # fmt: skip


OA11 = [
    ("E00087001", 592_000.4, 292_000.6),  # Breckland
    ("E00087002", 598_000.0, 298_000.0),  # Breckland
    ("E00087003", 600_100.0, 295_000.0),  # 100 m outside Breckland's edge: kept
    ("E00095001", 612_000.0, 312_000.0),  # Broadland
    ("E00095002", 618_000.0, 318_000.0),  # Broadland
    ("E00152001", 605_000.0, 295_000.0),  # in the box around the county, in neither district
    ("E00152002", 595_000.0, 265_000.0),  # West Suffolk: outside the box
]
OA21 = [
    ("E00087001", 592_000.4, 292_000.6),
    ("E00176800", 597_000.0, 297_000.0),  # E00087002 was split for 2021
    ("E00176801", 599_000.0, 299_000.0),
    ("E00087003", 600_100.0, 295_000.0),
    ("E00095001", 612_000.0, 312_000.0),
    ("E00095002", 618_000.0, 318_000.0),
    ("E00152001", 605_000.0, 295_000.0),
    ("E00152002", 595_000.0, 265_000.0),
]


def pwc_layer(points: list[tuple[str, float, float]], code: str, oid: str) -> dict:
    return {
        "objectIdFieldName": oid, "uniqueIdField": {"name": oid, "isSystemMaintained": True},
        "globalIdFieldName": "GlobalID", "geometryType": "esriGeometryPoint",
        "spatialReference": SR,
        "fields": [_field(oid, "esriFieldTypeOID"), _field(code),
                   _field("GlobalID", "esriFieldTypeGlobalID", None)],
        "features": [
            {"attributes": {oid: i + 1, code: c, "GlobalID": f"{i:08d}-0000-0000-0000-000000000000"},
             "geometry": {"x": x, "y": y}}
            for i, (c, x, y) in enumerate(points)
        ],
    }  # fmt: skip


ONSPD_FIELDS = ["FID", "PCD7", "PCD8", "PCDS", "DOINTR", "DOTERM", "USRTYPIND", "EAST1M",
                "NORTH1M", "GRIDIND", "CTY25CD", "CED25CD", "LAD26CD", "WD26CD", "LAT", "LONG"]  # fmt: skip
POSTCODES = [
    # PCDS, LAD26CD, DOTERM, (x, y) or None for no grid reference
    ("IP24 1AA", "E07000143", None, (592_100, 292_100)),
    ("IP24 1AB", "E07000143", "202105", (592_200, 292_200)),  # terminated
    ("NR20 3ZZ", "E07000143", None, None),  # no grid reference
    ("NR7 0AA", "E07000144", None, (612_100, 312_100)),
    ("NR13 5AA", "E07000144", None, (618_100, 318_100)),
    ("CB8 7AA", "E07000245", None, (595_000, 265_000)),  # West Suffolk
]


def onspd_layer() -> dict:
    features = []
    for i, (pcds, lad, doterm, xy) in enumerate(POSTCODES):
        attrs = dict.fromkeys(ONSPD_FIELDS)
        attrs.update(FID=i + 1, PCD7=pcds.replace(" ", "").ljust(7), PCD8=pcds, PCDS=pcds,
                     DOINTR="198001", DOTERM=doterm, LAD26CD=lad, USRTYPIND=0)  # fmt: skip
        if xy:
            attrs.update(EAST1M=xy[0], NORTH1M=xy[1], GRIDIND=1)
        feature = {"attributes": attrs}
        if xy:
            feature["geometry"] = {"x": float(xy[0]), "y": float(xy[1])}
        features.append(feature)
    return {
        "objectIdFieldName": "FID", "geometryType": "esriGeometryPoint", "spatialReference": SR,
        "fields": [_field(f, "esriFieldTypeOID" if f == "FID" else "esriFieldTypeString")
                   for f in ONSPD_FIELDS],
        "features": features,
    }  # fmt: skip


def onspd_description() -> dict:
    layer = onspd_layer()
    return {
        "currentVersion": 11.5, "id": 0, "name": "ONSPD_LATEST_UK", "type": "Feature Layer",
        "geometryType": "esriGeometryPoint", "maxRecordCount": 2000,
        "objectIdField": "FID", "fields": layer["fields"],
        "extent": {"xmin": -116_000, "ymin": 5_000, "xmax": 655_000, "ymax": 1_220_000,
                   "spatialReference": SR},
    }  # fmt: skip


def main() -> None:
    files = {
        "lad_layer.json": lad_layer(),
        "oa11_pwc_layer.json": pwc_layer(OA11, "OA11CD", "OBJECTID"),
        "oa21_pwc_layer.json": pwc_layer(OA21, "OA21CD", "FID"),
        "onspd_layer.json": onspd_layer(),
        "onspd_description.json": onspd_description(),
    }
    for name, data in files.items():
        (HERE / name).write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()
