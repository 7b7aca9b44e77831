"""Write the input half of the hostile corpus and its table (run from the repo root).

    python tests/data/hostile/input/make_corpus.py

Every file is SYNTHETIC: made-up areas in the demo's grid (EPSG:27700, x 585–601 km, y 300–312
km), made-up records placed there, made-up LSOA ranks. Each case below is one file and one row
of the corpus table ``tests/data/hostile/EXPECTED.csv`` (columns: README there; this script
replaces the ``input/`` rows and keeps the others), so the table and the files never drift
apart. Cases marked ``generated`` (a 1M-vertex polygon, a 700,000-row upload, a file over the
size limit) are too big to commit: :func:`generate` writes them at test time and only their row
is kept in the table.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import Transformer

HERE = Path(__file__).resolve().parent
BNG = "urn:ogc:def:crs:EPSG::27700"
SITE = (595_000, 302_000)
"""A point inside the demo county (division X58000007's neighbourhood)."""
TO_LONLAT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
TO_MERCATOR = Transformer.from_crs("EPSG:27700", "EPSG:3857", always_xy=True)
IMD_HEADER = (
    "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
    "Index of Multiple Deprivation (IMD) Decile\n"
)


@dataclass(frozen=True)
class Case:
    """One file and its row: how it goes in, what must happen."""

    name: str
    kind: str
    attack: str
    outcome: str
    expected: str
    make: Callable[[Path], None]
    options: str = ""
    note: str = ""

    @property
    def generated(self) -> bool:
        return "generated=1" in self.options.split(";")


# --- Shapes -------------------------------------------------------------------------------------


def _ring(x: float, y: float, size: float = 2000.0) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def _feature(props: dict[str, object], ring: list[list[float]] | None) -> dict[str, object]:
    geometry = None if ring is None else {"type": "Polygon", "coordinates": [ring]}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _collection(features: list[dict[str, object]], crs: str | None = BNG) -> str:
    body: dict[str, object] = {"type": "FeatureCollection"}
    if crs is not None:
        body["crs"] = {"type": "name", "properties": {"name": crs}}
    body["features"] = features
    return json.dumps(body, indent=1, ensure_ascii=False) + "\n"


def _divisions(codes: list[object], *, field: str = "CED25CD") -> list[dict[str, object]]:
    names = [f"Hostile input {chr(65 + i)} (synthetic)" for i in range(len(codes))]
    return [
        _feature({field: code, field[:-2] + "NM": name}, _ring(589_000 + 2000 * i, 302_000))
        for i, (code, name) in enumerate(zip(codes, names, strict=True))
    ]


def _three(*replace: object, field: str = "CED25CD") -> list[dict[str, object]]:
    """Three divisions E58000901–903; ``replace`` overrides their codes in order."""
    codes: list[object] = ["E58000901", "E58000902", "E58000903"]
    codes[: len(replace)] = replace
    return _divisions(codes, field=field)


def text(content: str | bytes, *, encoding: str = "utf-8") -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))

    return write


def geojson(features: list[dict[str, object]], crs: str | None = BNG) -> Callable[[Path], None]:
    return text(_collection(features, crs))


def _transform(
    features: list[dict[str, object]], fn: Callable[[float, float], tuple[float, float]]
) -> list[dict[str, object]]:
    out = json.loads(json.dumps(features))
    for feat in out:
        ring = feat["geometry"]["coordinates"][0]
        feat["geometry"]["coordinates"][0] = [[round(c, 7) for c in fn(x, y)] for x, y in ring]
    return out


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return TO_LONLAT.transform(x, y)


def _frame(codes: list[str], field: str = "CED25CD") -> gpd.GeoDataFrame:
    feats = _divisions(list(codes), field=field)
    return gpd.GeoDataFrame.from_features(feats, crs="EPSG:27700")


def gpkg(layers: dict[str, gpd.GeoDataFrame]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.unlink(missing_ok=True)
        for name, frame in layers.items():
            frame.to_file(path, layer=name, driver="GPKG")

    return write


def shapefile_zip(members: dict[str, gpd.GeoDataFrame], *, prj: str | None = None):
    """A zip of shapefiles named by ``members`` keys (``a/x`` puts ``x.shp`` in folder ``a``)."""

    def write(path: Path) -> None:
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(path, "w") as zf:
            for member, frame in members.items():
                folder = Path(tmp) / member
                folder.parent.mkdir(parents=True, exist_ok=True)
                frame.to_file(folder.with_suffix(".shp"))
                if prj is not None:
                    folder.with_suffix(".prj").write_text(prj)
                for part in sorted(folder.parent.glob(folder.name + ".*")):
                    zf.write(part, str(part.relative_to(tmp)))

    return write


# --- Records ------------------------------------------------------------------------------------


def vouchers(rows: list[dict[str, object]], *, encoding: str = "utf-8") -> Callable[[Path], None]:
    """A council voucher CSV; rows default to an approved voucher at :data:`SITE`."""
    base = {"reference": "HV-1", "status": "approved", "easting": SITE[0], "northing": SITE[1]}
    return _csv([{**base, "reference": f"HV-{i + 1}", **r} for i, r in enumerate(rows)], encoding)


def pilots(rows: list[dict[str, object]], *, encoding: str = "utf-8") -> Callable[[Path], None]:
    base = {"programme": "Hostile input (synthetic)", "site_name": "Hall", "kind": "training",
            "start_date": "2024-01-15", "easting": SITE[0], "northing": SITE[1]}  # fmt: skip
    return _csv([{**base, "site_name": f"Hall {i + 1}", **r} for i, r in enumerate(rows)], encoding)


def _csv(rows: list[dict[str, object]], encoding: str) -> Callable[[Path], None]:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text(buf.getvalue(), encoding=encoding)


def imd(rows: list[str], *, encoding: str = "utf-8", header: str = IMD_HEADER):
    return text(header + "".join(r + "\n" for r in rows), encoding=encoding)


IMD_OK = ["E01099901,Hostile LSOA 1 (synthetic),X07000001,Demo,1000,1",
          "E01099902,Hostile LSOA 2 (synthetic),X07000001,Demo,30000,10"]  # fmt: skip


def _epraccur(status: str) -> str:
    fields = [""] * 27
    fields[0], fields[1], fields[9] = "D99001", "SYNTHETIC PRACTICE", "ZZ99 1AA"
    fields[12], fields[25] = status, "4"
    return ",".join(fields) + "\n"


# --- Generated at test time (not committed) -----------------------------------------------------


def _million_vertices(path: Path) -> None:
    # Point by point: shapely 2.2 caps buffer()'s quad_segs well below a million vertices.
    theta = np.linspace(0.0, 2 * np.pi, 1_000_000, endpoint=False)
    xy = np.column_stack([593_000 + 1500 * np.cos(theta), 306_000 + 1500 * np.sin(theta)])
    ring = np.round(np.vstack([xy, xy[:1]]), 2).tolist()  # closed: 1,000,001 vertices
    path.write_text(_collection([_feature({"CED25CD": "E58000901", "CED25NM": "Big"}, ring)]))


def _big_upload(path: Path) -> None:
    n = 700_000
    rng = np.random.default_rng(12)
    east = rng.integers(586_000, 600_000, n)
    north = rng.integers(301_000, 311_000, n)
    status = np.asarray(["applied", "approved", "connected", "cancelled"])[rng.integers(0, 4, n)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("reference,status,easting,northing\n")
        fh.writelines(f"V{i},{s},{e},{o}\n" for i, (s, e, o) in enumerate(zip(status, east, north)))


def _over_limit(path: Path) -> None:
    from geo.config import MAX_UPLOAD_BYTES

    row = f"HV-1,approved,{SITE[0]},{SITE[1]}\n".encode()
    with path.open("wb") as fh:
        fh.write(b"reference,status,easting,northing\n")
        fh.write(row * (MAX_UPLOAD_BYTES // len(row) + 1))


# --- The cases ----------------------------------------------------------------------------------

R2 = "row 2, column"
LONLAT_THREE = _transform(_three(), _lonlat)

CASES: list[Case] = [
    # Numbers in uploads ----------------------------------------------------------------------
    *[
        Case(f"vouchers_value_{tag}.csv", "vouchers", "number", "refused",
             f"{R2} 'value': {reason}", vouchers([{"value": cell, "date": "2024-05-01"}]),
             note=f"value {cell[:20]!r}")
        for tag, cell, reason in (
            ("inf", "inf", "is not a number"),
            ("minus_inf", "-inf", "is not a number"),
            ("infinity_word", "Infinity", "is not a number"),
            ("nan", "nan", "is not a number"),
            ("nan_upper", "NaN", "is not a number"),
            ("1e309", "1e309", "is not a number"),
            ("exponent", "1e3", "is not a number"),
            ("400_nines", "9" * 400, "is out of range: at most 100,000"),
            ("over_maximum", "250000", "is out of range: at most 100,000"),
            ("negative", "-1500", "must be at least 0"),
            ("comma_decimal", "1,2", "is not a number"),
            ("comma_decimal_55", "5,5", "is not a number"),
            ("hex", "0x10", "is not a number"),
            ("arabic_indic_digits", "١٥٠٠", "is not a number"),
            ("fullwidth_digits", "１５００", "is not a number"),
            ("two_points", "1.500.00", "is not a number"),
            ("trailing_minus", "1500-", "is not a number"),
        )
    ],
    Case("vouchers_value_thousands_pound.csv", "vouchers", "number", "accepted", "HV-1",
         vouchers([{"value": "£1,500.00"}]), note="£ and thousands separators are read"),
    Case("vouchers_value_spaces.csv", "vouchers", "number", "accepted", "HV-1",
         vouchers([{"value": "1 500"}]), note="spaces inside a number are ignored"),
    Case("vouchers_easting_inf.csv", "vouchers", "number", "refused",
         f"{R2} 'easting': is not a number", vouchers([{"easting": "inf"}])),
    Case("vouchers_easting_400_nines.csv", "vouchers", "number", "refused",
         f"{R2} 'easting': is out of range: at most 1,000,000,000,000",
         vouchers([{"easting": "9" * 400}])),
    Case("vouchers_northing_negative.csv", "vouchers", "number", "refused",
         f"{R2} 'northing': must be British National Grid metres",
         vouchers([{"northing": "-300000"}])),
    Case("vouchers_latitude_nan.csv", "vouchers", "number", "refused",
         f"{R2} 'latitude': is not a number",
         _csv([{"reference": "HV-1", "status": "approved", "latitude": "NaN",
                "longitude": "0.5"}], "utf-8")),  # fmt: skip
    *[
        Case(f"pilots_people_{tag}.csv", "pilots", "number", "refused",
             f"{R2} 'people_helped': {reason}", pilots([{"people_helped": cell}]))
        for tag, cell, reason in (
            ("400_nines", "9" * 400, "is out of range: at most 1,000,000"),
            ("over_maximum", "2000000", "is out of range: at most 1,000,000"),
            ("fraction", "2.5", "must be a whole number"),
            ("negative", "-3", "must be at least 0"),
            ("inf", "inf", "is not a number"),
        )
    ],
    # Dates -------------------------------------------------------------------------------------
    *[
        Case(f"vouchers_date_{tag}.csv", "vouchers", "date", "refused", f"{R2} 'date': {reason}",
             vouchers([{"date": cell}]))
        for tag, cell, reason in (
            ("year_0001", "0001-01-01", "is before 01/01/1990: not a plausible date"),
            ("year_1066", "14/10/1066", "is before 01/01/1990: not a plausible date"),
            ("year_2999", "2999-01-01", "is after 31/12/2035: not a plausible date"),
            ("year_9999", "9999-12-31", "is after 31/12/2035: not a plausible date"),
            ("feb_30", "30/02/2024", "is not a date"),
            ("us_order", "12/31/2023", "is not a date"),
            ("excel_serial", "45123", "is not a date"),
            ("month_13", "2024-13-01", "is not a date"),
            ("future", "2025-12-01", "date is in the future"),
        )
    ],
    Case("pilots_start_year_0001.csv", "pilots", "date", "refused",
         f"{R2} 'start_date': is before 01/01/1990", pilots([{"start_date": "0001-01-01"}])),
    Case("pilots_start_year_1066.csv", "pilots", "date", "refused",
         f"{R2} 'start_date': is before 01/01/1990", pilots([{"start_date": "1066-10-14"}])),
    Case("pilots_end_year_2999.csv", "pilots", "date", "refused",
         f"{R2} 'end_date': is after 31/12/2035", pilots([{"end_date": "2999-12-31"}])),
    Case("pilots_end_planned_2030.csv", "pilots", "date", "accepted", "Hall 1",
         pilots([{"end_date": "2030-03-31"}]), note="a planned end a few years ahead is fine"),
    # Codes -------------------------------------------------------------------------------------
    *[
        Case(f"boundary_code_{tag}.geojson", "boundaries", "code", "refused",
             f"row 2, column 'CED25CD': {reason}", geojson(_three("E58000901", code)),
             note=f"CED25CD {code!r}")
        for tag, code, reason in (
            ("lad_e07", "E07000148", "is a non-metropolitan district code (E07), not a division"),
            ("unitary_e06", "E06000031", "is a unitary authority code (E06), not a division"),
            ("metropolitan_e08", "E08000001", "is a metropolitan district code (E08)"),
            ("london_e09", "E09000001", "is a London borough code (E09)"),
            ("ward_e05", "E05005790", "is a ward code (E05), not a division code (E58)"),
            ("welsh_ward_w05", "W05000001", "is a ward code (W05), not a division code (E58)"),
            ("county_e10", "E10000020", "is a county code (E10), not a division code (E58)"),
            ("lsoa_e01", "E01026419", "is a LSOA code (E01), not a division code (E58)"),
            ("country_e92", "E92000001", "is a country code (E92)"),
            ("synthetic_ward_x05", "X05000001", "is a ward code (E05)"),
            ("digits_only", "58000902", "is not a GSS area code"),
            ("too_short", "E5800902", "is not a GSS area code"),
            ("too_long", "E580009020", "is not a GSS area code"),
            ("lower_case", "e58000902", "is not a GSS area code"),
            ("excel_formula", '="E58000902"', "is not a GSS area code (a letter E, W, S, N or K, "
             "then 8 digits, e.g. E58000001) (an Excel formula"),
            ("apostrophe", "'E58000902", "is not a GSS area code"),
            ("space_inside", "E58 000902", "is not a GSS area code"),
            ("zero_width_space", "E58000902\u200b", "is not a GSS area code"),
            ("fullwidth_digit", "E５8000902", "is not a GSS area code"),
            ("unknown_letter", "Q58000902", "is not a GSS area code"),
        )
    ],
    Case("boundary_code_json_number.geojson", "boundaries", "code", "refused",
         "row 2, column 'CED25CD': is not a GSS area code (a letter E",
         geojson(_three("E58000901", 58000902)), note="the code is a JSON number"),
    Case("boundary_code_case_duplicate.geojson", "boundaries", "code", "refused",
         "row 2, column 'CED25CD': duplicate area code: differs only in letter case from row 1",
         geojson(_divisions(["E58000901", "e58000901", "E58000903"]))),
    Case("boundary_code_exact_duplicate.geojson", "boundaries", "code", "refused",
         "row 3, column 'CED25CD': duplicate area code (value 'E58000901')",
         geojson(_divisions(["E58000901", "E58000902", "E58000901"]))),
    Case("boundary_ward_file_with_lad_code.geojson", "boundaries", "code", "refused",
         "row 1, column 'WD25CD': is a non-metropolitan district code (E07), not a ward code",
         geojson(_divisions(["E07000148", "E05000002", "E05000003"], field="WD25CD"))),
    Case("boundary_lad_file_with_ced_code.geojson", "boundaries", "code", "refused",
         "row 3, column 'LAD25CD': is a county electoral division code (E58), not a district",
         geojson(_divisions(["E07000148", "E07000149", "E58000003"], field="LAD25CD"))),
    Case("boundary_code_valid_e58.geojson", "boundaries", "code", "accepted",
         "Hostile input B (synthetic)", geojson(_three()), note="real-form E58 codes"),
    Case("vouchers_postcode_excel_formula.csv", "vouchers", "code", "refused",
         f"{R2} 'postcode': is not a valid UK postcode",
         _csv([{"reference": "HV-1", "status": "approved", "postcode": '="ZZ99 1AA"'}], "utf-8")),
    Case("vouchers_postcode_compact_lower.csv", "vouchers", "code", "accepted", "ZZ99 1AA",
         _csv([{"reference": "HV-1", "status": "approved", "postcode": "zz991aa"}], "utf-8"),
         note="normalised to 'ZZ99 1AA'"),
    Case("imd_lsoa_code_of_another_level.csv", "imd", "code", "refused",
         "row 3, column 'LSOA code (2011)': is not a 2011 LSOA code",
         imd([IMD_OK[0], "E07000148,Not an LSOA,X07000001,Demo,500,1"])),
    Case("imd_lsoa_code_excel_formula.csv", "imd", "code", "refused",
         "row 2, column 'LSOA code (2011)': is not a 2011 LSOA code",
         imd(['"=""E01099901""",Formula,X07000001,Demo,500,1'])),
    # CRS ---------------------------------------------------------------------------------------
    Case("boundary_crs_epsg_999999.geojson", "boundaries", "crs", "refused",
         "column 'crs': declares a coordinate reference system that does not exist",
         geojson(_three(), crs="urn:ogc:def:crs:EPSG::999999"), note="metre coordinates"),
    Case("boundary_crs_epsg_999999_lonlat.geojson", "boundaries", "crs", "refused",
         "column 'crs': declares a coordinate reference system that does not exist",
         geojson(LONLAT_THREE, crs="urn:ogc:def:crs:EPSG::999999"),
         note="lon/lat numbers: GDAL would silently read WGS84"),
    Case("boundary_crs_short_epsg_999999.geojson", "boundaries", "crs", "refused",
         "(value 'EPSG:999999')", geojson(LONLAT_THREE, crs="EPSG:999999")),
    Case("boundary_crs_garbage.geojson", "boundaries", "crs", "refused",
         "(value 'British National Grid, probably')",
         geojson(_three(), crs="British National Grid, probably")),
    Case("boundary_crs84.geojson", "boundaries", "crs", "accepted", "Hostile input A (synthetic)",
         geojson(LONLAT_THREE, crs="urn:ogc:def:crs:OGC:1.3:CRS84")),
    Case("boundary_crs_web_mercator.geojson", "boundaries", "crs", "accepted",
         "Hostile input C (synthetic)",
         geojson(_transform(_three(), TO_MERCATOR.transform), crs="urn:ogc:def:crs:EPSG::3857")),
    Case("boundary_crs_lonlat_labelled_27700.geojson", "boundaries", "crs", "refused",
         "row 1, column 'geometry': has coordinates such as", geojson(LONLAT_THREE),
         note="lon/lat numbers in a file that says EPSG:27700"),
    Case("boundary_crs_metres_without_crs.geojson", "boundaries", "crs", "refused",
         "that are not longitude/latitude", geojson(_three(), crs=None)),
    Case("boundary_crs_swapped_lat_lon.geojson", "boundaries", "crs", "refused",
         "latitude and longitude look swapped",
         geojson(_transform(_three(), lambda x, y: _lonlat(x, y)[::-1]), crs=None)),
    Case("boundary_crs_swapped_axes_27700.geojson", "boundaries", "crs", "accepted",
         "Hostile input A (synthetic)",
         geojson(_transform(_three(), lambda x, y: (y, x))),
         note="northing/easting swapped but still inside Great Britain: indistinguishable from "
         "a real place without knowing the county (a known limit)"),
    Case("boundary_nan_coordinate.geojson", "boundaries", "crs", "refused",
         "row 1, column 'geometry': has a coordinate that is not a finite number",
         text(_collection(_three()).replace("591000.0", "NaN", 1))),
    Case("boundary_infinity_coordinate.geojson", "boundaries", "crs", "refused",
         "row 2, column 'geometry': has a coordinate that is not a finite number",
         text(_collection(_three()).replace("593000.0", "Infinity", 1))),
    Case("boundary_huge_coordinate.geojson", "boundaries", "crs", "refused",
         "lies outside the UK in EPSG:27700",
         text(_collection(_three()).replace("591000.0", "1e300", 1))),
    Case("boundary_shapefile_bogus_prj.zip", "boundaries", "crs", "refused",
         "could not be read as a boundary file (missing CONVERSION node)",
         shapefile_zip({"ced": _frame(["E58000901", "E58000902", "E58000903"])},
                       prj='PROJCS["made up",UNIT["furlong",201.168]]')),
    Case("boundary_gpkg_without_crs.gpkg", "boundaries", "crs", "refused",
         "has no coordinate reference system",
         gpkg({"divisions": _frame(["E58000901", "E58000902"]).set_crs(None, allow_override=True)})),
    Case("vouchers_latlon_in_grid_columns.csv", "vouchers", "crs", "refused",
         f"{R2} 'easting': easting and northing look like longitude and latitude",
         vouchers([{"easting": "0.52", "northing": "52.4"}])),
    Case("lsoa_nan_coordinate.geojson", "lsoa", "crs", "refused",
         "row 1, column 'geometry': has a coordinate that is not a finite number",
         text(_collection([_feature({"LSOA11CD": "E01099901", "LSOA11NM": "Hostile LSOA"},
                                    [[589000, 302000], ["NaN", 302000], [590000, 303000],
                                     [589000, 302000]])]).replace('"NaN"', "NaN"))),  # fmt: skip
    # Layers ------------------------------------------------------------------------------------
    Case("boundary_gpkg_two_layers.gpkg", "boundaries", "layer", "refused",
         "holds 2 layers (divisions, districts); choose one with --layer NAME",
         gpkg({"divisions": _frame(["E58000901", "E58000902"]),
               "districts": _frame(["E07000148"], field="LAD25CD")})),  # fmt: skip
    Case("boundary_gpkg_two_layers_chosen.gpkg", "boundaries", "layer", "accepted",
         "Hostile input B (synthetic)",
         gpkg({"divisions": _frame(["E58000901", "E58000902"]),
               "districts": _frame(["E07000148"], field="LAD25CD")}),
         options="layer=divisions"),  # fmt: skip
    Case("boundary_gpkg_layer_missing.gpkg", "boundaries", "layer", "refused",
         "has no layer 'wards'; its layers are divisions, districts",
         gpkg({"divisions": _frame(["E58000901", "E58000902"]),
               "districts": _frame(["E07000148"], field="LAD25CD")}),
         options="layer=wards"),  # fmt: skip
    Case("boundary_gpkg_three_layers.gpkg", "boundaries", "layer", "refused",
         "holds 3 layers (a, b, c); choose one with --layer NAME",
         gpkg({k: _frame(["E58000901"]) for k in "abc"})),
    Case("boundary_zip_two_shapefiles.zip", "boundaries", "layer", "refused",
         "holds 2 shapefiles (ced, wards); choose one with --layer NAME",
         shapefile_zip({"ced": _frame(["E58000901", "E58000902"]),
                        "wards": _frame(["E05000001"], field="WD25CD")})),  # fmt: skip
    Case("boundary_zip_two_shapefiles_chosen.zip", "boundaries", "layer", "accepted",
         "Hostile input A (synthetic)",
         shapefile_zip({"ced": _frame(["E58000901", "E58000902"]),
                        "wards": _frame(["E05000001"], field="WD25CD")}),
         options="layer=ced"),  # fmt: skip
    Case("boundary_zip_same_name_in_two_folders.zip", "boundaries", "layer", "refused",
         "holds 2 shapefiles (areas, areas); choose one with --layer NAME",
         shapefile_zip({"2024/areas": _frame(["E58000901"]),
                        "2025/areas": _frame(["E58000902"])})),  # fmt: skip
    Case("lsoa_gpkg_two_layers.gpkg", "lsoa", "layer", "refused",
         "holds 2 layers (lsoa2011, lsoa2021); choose one with --layer NAME",
         gpkg({"lsoa2011": _frame(["E01099901"], field="LSOA11CD"),
               "lsoa2021": _frame(["E01099901"], field="LSOA21CD")})),  # fmt: skip
    # Sizes and empty files ---------------------------------------------------------------------
    Case("boundary_one_million_vertices.geojson", "boundaries", "size", "refused",
         "row 1, column 'geometry': has an area with 1,000,001 vertices; at most 250,000",
         _million_vertices, options="generated=1", note="written at test time (~40 MB)"),
    Case("vouchers_700k_rows_no_premises_type.csv", "vouchers", "size", "accepted", "V699999",
         _big_upload, options="generated=1",
         note="written at test time (~22 MB); parsed per distinct value, checked once"),
    Case("vouchers_over_size_limit.csv", "vouchers", "size", "refused",
         "is too large", _over_limit, options="generated=1", note="written at test time"),
    Case("vouchers_header_only.csv", "vouchers", "size", "refused",
         "row 1: has a header row but no records", text("reference,status,easting,northing\n")),
    Case("imd_header_only.csv", "imd", "size", "refused",
         "row 1: has a header row but no records", imd([])),
    Case("imd_blank_lines_only.csv", "imd", "size", "refused",
         "row 1: has a header row but no records", imd(["", "", ""])),
    Case("anchors_gias_all_closed.csv", "anchors", "size", "refused",
         "holds no usable records: every row was left out",
         text("URN,EstablishmentName,EstablishmentStatus (name),Postcode,Easting,Northing\n"
              f"900001,Closed School (synthetic),Closed,,{SITE[0]},{SITE[1]}\n"
              f"900002,Shut School (synthetic),Closed,,{SITE[0]},{SITE[1]}\n")),  # fmt: skip
    Case("anchors_epraccur_all_inactive.csv", "anchors", "size", "refused",
         "holds no usable records: every row was left out", text(_epraccur("C"))),
    # Encodings ---------------------------------------------------------------------------------
    Case("vouchers_utf16le_bom.csv", "vouchers", "encoding", "accepted", "HV-1",
         vouchers([{"supplier": "Café Fibre"}], encoding="utf-16")),
    Case("vouchers_utf16be_bom.csv", "vouchers", "encoding", "accepted", "Café Fibre",
         text(codecs.BOM_UTF16_BE + "reference,status,easting,northing,supplier\n"
              f"HV-1,approved,{SITE[0]},{SITE[1]},Café Fibre\n".encode("utf-16-be"))),
    Case("pilots_utf16_no_bom.csv", "pilots", "encoding", "refused",
         "wrong encoding: the file holds NUL bytes",
         pilots([{}], encoding="utf-16-le")),
    Case("vouchers_cp1252_pound.csv", "vouchers", "encoding", "accepted", "Œuvre Fibre",
         vouchers([{"value": "£1,500", "supplier": "Œuvre Fibre"}], encoding="cp1252")),
    Case("vouchers_cp1252_undefined_byte.csv", "vouchers", "encoding", "refused",
         "row 2: wrong encoding: the file is neither UTF-8 nor Windows-1252 (cp1252): byte "
         "b'\\x81' is undefined in both",
         text(b"reference,status,easting,northing,supplier\n"
              b"HV-1,approved,595000,302000,Caf\xe9 \x81\n")),  # fmt: skip
    Case("pilots_cp1252_undefined_byte_9d.csv", "pilots", "encoding", "refused",
         "row 3: wrong encoding: the file is neither UTF-8 nor Windows-1252",
         text(b"programme,site_name,kind,start_date,easting,northing\n"
              b"P,Hall 1,training,2024-01-15,595000,302000\n"
              b"P,Hall \x9d,training,2024-01-15,595000,302000\n")),  # fmt: skip
    Case("vouchers_bom_mid_file.csv", "vouchers", "encoding", "refused",
         "row 3: holds a byte-order mark (U+FEFF) in the middle of the file",
         text(codecs.BOM_UTF8 + b"reference,status,easting,northing\n"
              b"HV-1,approved,595000,302000\n"
              + codecs.BOM_UTF8 + b"reference,status,easting,northing\n"
              b"HV-2,approved,595000,302000\n"),
         note="two exports joined: the second BOM and header land mid-file"),  # fmt: skip
    Case("vouchers_nul_in_reference.csv", "vouchers", "encoding", "refused",
         "row 3: wrong encoding: the file holds a NUL byte",
         text(b"reference,status,easting,northing\nHV-1,approved,595000,302000\n"
              b"HV-\x002,approved,595000,302000\n")),  # fmt: skip
    Case("vouchers_escape_character.csv", "vouchers", "encoding", "refused",
         "row 2: wrong encoding: the file holds control character '\\x1b'",
         text(b"reference,status,easting,northing\nHV-\x1b[31m1,approved,595000,302000\n")),
    Case("imd_nul_in_name.csv", "imd", "encoding", "refused",
         "row 3: wrong encoding: the file holds a NUL byte",
         text(IMD_HEADER.encode() + IMD_OK[0].encode() + b"\n"
              b"E01099902,Hostile\x00 LSOA 2,X07000001,Demo,30000,10\n")),  # fmt: skip
    Case("imd_blank_line_then_bad_rank.csv", "imd", "encoding", "refused",
         "row 4, column 'Index of Multiple Deprivation (IMD) Rank': rank must be a whole number "
         "from 1 to 32,844 (value '99999')",
         imd([IMD_OK[0], "", "E01099902,Hostile LSOA 2,X07000001,Demo,99999,10"]),
         note="the blank line keeps its row number: the bad rank is on spreadsheet row 4"),
    Case("imd_rank_400_nines.csv", "imd", "number", "refused",
         "row 2, column 'Index of Multiple Deprivation (IMD) Rank': is out of range",
         imd([f"E01099901,Hostile LSOA 1,X07000001,Demo,{'9' * 400},1"])),
    Case("imd_rank_inf.csv", "imd", "number", "refused",
         "row 2, column 'Index of Multiple Deprivation (IMD) Rank': is not a number",
         imd(["E01099901,Hostile LSOA 1,X07000001,Demo,inf,1"])),
    Case("imd_decile_zero.csv", "imd", "number", "refused",
         "row 3, column 'Index of Multiple Deprivation (IMD) Decile': decile must be 1 to 10",
         imd([IMD_OK[0], "E01099902,Hostile LSOA 2,X07000001,Demo,30000,0"])),
    Case("imd_cp1252_name.csv", "imd", "encoding", "accepted", "Ynys Môn 001A (synthetic)",
         imd(["W01099901,Ynys Môn 001A (synthetic),X07000001,Demo,1000,1"], encoding="cp1252")),
    Case("imd_utf8_bom.csv", "imd", "encoding", "accepted", "Hostile LSOA 1 (synthetic)",
         imd(IMD_OK, encoding="utf-8-sig")),
    Case("imd_utf16_bom.csv", "imd", "encoding", "accepted", "Hostile LSOA 2 (synthetic)",
         imd(IMD_OK, encoding="utf-16")),
    Case("boundary_geojson_utf16.geojson", "boundaries", "encoding", "refused",
         "could not be read as a boundary file", text(_collection(_three()), encoding="utf-16")),
    Case("boundary_geojson_bom.geojson", "boundaries", "encoding", "accepted",
         "Hostile input A (synthetic)", text(_collection(_three()), encoding="utf-8-sig")),
]


def rows() -> list[dict[str, str]]:
    """The table, one dict per case (columns of tests/data/hostile/README.md)."""
    for c in CASES:
        assert c.expected.isprintable(), f"{c.name}: write non-printable characters as \\uXXXX"
    return [
        {"file": f"input/{c.name}", "kind": c.kind, "attack": c.attack, "outcome": c.outcome,
         "expected": c.expected, "options": c.options, "note": c.note}
        for c in CASES
    ]  # fmt: skip


def generate(name: str, folder: Path) -> Path:
    """Write the generated case ``name`` into ``folder``; its path."""
    case = next(c for c in CASES if c.name == name and c.generated)
    path = folder / case.name
    case.make(path)
    return path


def main() -> int:
    sys.path.insert(0, str(HERE.parents[3]))  # the repo root, for the table's writer
    from tests.hostile_support import write_rows

    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "duplicate file names"
    for stale in HERE.iterdir():
        if stale.name != "make_corpus.py" and stale.is_file():
            stale.unlink()
    for case in CASES:
        if not case.generated:
            case.make(HERE / case.name)
    write_rows("input", rows())
    print(f"{len(CASES)} cases ({sum(c.generated for c in CASES)} generated at test time)")
    return 0


if __name__ == "__main__":
    shutil.rmtree(HERE / "__pycache__", ignore_errors=True)
    sys.exit(main())
