"""The ONS portal's CSV download of OA population-weighted centroids (PWC), imported exactly as
the GeoJSON of the same points: each layout ArcGIS Hub writes, the vintage from the code field,
British National Grid or lon/lat told apart by their ranges, OA rows then placed in divisions,
and every bad file refused with its row and column, storing nothing. All points are made up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

import geo.sources.premises_formats
import geo.sources.risk_formats  # noqa: F401  (the registry as import_file sees it)
from geo.__main__ import main
from geo.analysis.coverage import best_figures
from geo.config import DISPLAY_CRS, OA_CODE_FIELDS, WORKING_CRS
from geo.errors import DataError
from geo.settings import load_settings
from geo.sources.formats import Candidate, recognise
from geo.storage.catalog import import_file, load_catalog, save_areas
from tests.conftest import require_shared
from tests.squares import at, squares
from tests.test_oa_division import OA_HEADER

BOM = b"\xef\xbb\xbf"
POINTS: dict[str, dict[str, tuple[float, float]]] = {
    "2011": {"E00000001": (500.4, 500.6), "E00000002": (1500.5, 250.25),
             "E00000003": (2999.9, 999.1)},
    "2021": {"E00180001": (300.3, 300.7), "E00180002": (1200.1, 700.2),
             "E00180003": (2100.0, 100.05)},
}  # fmt: skip
"""Per vintage, OA code → position relative to the squares' origin: one in Alpha, one in Bravo,
one in Charlie (:mod:`tests.squares`)."""
_TO_LONLAT = Transformer.from_crs(WORKING_CRS, DISPLAY_CRS, always_xy=True)


@dataclass(frozen=True)
class Layout:
    """A CSV as the portal hands it out: its header, its numbers, its byte-order mark."""

    key: str
    vintage: str
    header: str
    lonlat: bool = False
    bom: bool = False

    def xy(self, code: str) -> tuple[float, float]:
        """Where OA ``code`` is, in the file's own numbers."""
        x, y = at(*POINTS[self.vintage][code])
        return _TO_LONLAT.transform(x, y) if self.lonlat else (x, y)

    def write(self, path: Path, rows: list[dict[str, str]] | None = None) -> Path:
        """Write the layout's CSV of :data:`POINTS` (or of ``rows``: lower-case header → cell)."""
        if rows is None:
            rows = []
            for i, code in enumerate(POINTS[self.vintage], start=1):
                x, y = self.xy(code)
                rows.append({"x": repr(float(x)), "y": repr(float(y)), "fid": str(i),
                             "objectid": str(i), "oa11cd": code, "oa21cd": code,
                             "globalid": f"{{6C1D0A5E-0000-4000-8000-{i:012d}}}"})  # fmt: skip
        names = self.header.split(",")
        lines = [self.header, *(",".join(r.get(n.lower(), "") for n in names) for r in rows)]
        path.write_bytes((BOM if self.bom else b"") + ("\r\n".join(lines) + "\r\n").encode())
        return path


LAYOUTS = [
    Layout("pwc11_xy_first", "2011", "X,Y,FID,OA11CD,GlobalID", bom=True),
    Layout("pwc11_objectid", "2011", "OBJECTID,OA11CD,X,Y"),
    Layout("pwc11_lonlat", "2011", "OBJECTID,oa11cd,x,y", lonlat=True),
    Layout("pwc21_xy_last", "2021", "FID,OA21CD,GlobalID,x,y"),
    Layout("pwc21_xy_first", "2021", "X,Y,FID,OA21CD,GlobalID", bom=True),
]
BY_KEY = {layout.key: layout for layout in LAYOUTS}


def _same_points_as_geojson(layout: Layout, path: Path) -> Path:
    """The same points as a GeoJSON point file, in the CSV's own CRS."""
    codes = list(POINTS[layout.vintage])
    gdf = gpd.GeoDataFrame(
        {OA_CODE_FIELDS[layout.vintage]: codes},
        geometry=[shapely.Point(*layout.xy(c)) for c in codes],
        crs=DISPLAY_CRS if layout.lonlat else WORKING_CRS,
    )
    gdf.to_file(path, driver="GeoJSON")
    return path


def _stored(catalog: Path) -> pd.DataFrame:
    cat = load_catalog(catalog)
    assert cat.oa_centroids is not None
    return cat.oa_centroids.sort_index()


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda lay: lay.key)
def test_each_layout_is_stored_as_the_geojson_of_the_same_points(
    layout: Layout, tmp_path: Path
) -> None:
    csv = layout.write(tmp_path / f"{layout.key}.csv")
    fmt = recognise(Candidate.file(csv))
    assert fmt is not None and fmt.key == "oa_centroids_csv"

    lines: list[str] = []
    assert import_file(csv, tmp_path / "csv.gpkg", report=lines.append) == "oa_centroids"
    geojson = _same_points_as_geojson(layout, tmp_path / f"{layout.key}.geojson")
    assert import_file(geojson, tmp_path / "geojson.gpkg") == "oa_centroids"

    from_csv, from_geojson = _stored(tmp_path / "csv.gpkg"), _stored(tmp_path / "geojson.gpkg")
    assert list(from_csv.index) == list(from_geojson.index) == sorted(POINTS[layout.vintage])
    assert set(from_csv["vintage"]) == set(from_geojson["vintage"]) == {layout.vintage}
    assert set(from_csv["kind"]) == set(from_geojson["kind"]) == {"pwc"}
    xy = ["easting", "northing"]
    np.testing.assert_allclose(from_csv[xy], from_geojson[xy], rtol=0, atol=0.01)
    known = [at(*POINTS[layout.vintage][c]) for c in from_csv.index]
    np.testing.assert_allclose(from_csv[xy].to_numpy(), known, rtol=0, atol=0.01)

    facts = load_catalog(tmp_path / "csv.gpkg").meta["oa_centroids"]["vintages"]
    assert facts[layout.vintage]["source"] == csv.name and facts[layout.vintage]["count"] == 3
    crs_words = "lon/lat degrees (WGS84)" if layout.lonlat else "British National Grid metres"
    assert len(lines) == 1 and crs_words in lines[0] and csv.name in lines[0]
    assert ("converted to British National Grid" in lines[0]) == layout.lonlat


def test_other_csvs_with_oa_codes_are_not_taken_for_centroids(tmp_path: Path) -> None:
    onspd = tmp_path / "ONSPD_FEB_2026_UK.csv"  # oa11cd, lat and long, but no x or y
    onspd.write_text("pcds,east1m,north1m,oa11cd,lat,long\nNR1 1AA,600500,300500,E00000001,52,1\n")
    ofcom = tmp_path / "202105_fixed_oa_coverage_r01.csv"
    ofcom.write_text(OA_HEADER + "E00000001,100,50\n")
    keys = [getattr(recognise(Candidate.file(p)), "key", None) for p in (onspd, ofcom)]
    assert keys == ["postcode_directory", "ofcom_coverage"]


@pytest.mark.parametrize("key", ["pwc11_xy_first", "pwc11_lonlat", "pwc21_xy_last"])
def test_an_ofcom_oa_file_is_then_placed_in_divisions_by_those_centroids(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = BY_KEY[key]
    catalog = load_settings().boundaries_path
    save_areas(catalog, squares())
    csv = layout.write(tmp_path / f"{layout.key}.csv")
    alpha, bravo, charlie = POINTS[layout.vintage]
    coverage = tmp_path / "202105_fixed_oa_coverage_r01.csv"
    coverage.write_text(OA_HEADER + f"{alpha},100,50\n{bravo},200,50\n{charlie},400,400\n")

    assert main(["import", str(csv), str(coverage)]) == 0
    assert "kept 3 of 3 rows: the county's output areas" in capsys.readouterr().out
    cat = load_catalog(catalog)
    assert cat.coverage is not None
    figs = best_figures(cat.coverage, cat.areas["ced"], release="2021-05",
                        oa_centroids=cat.oa_centroids).set_index("area_code")  # fmt: skip
    assert figs["premises"].tolist() == [100, 200, 400]
    assert figs["n_gigabit"].tolist() == [50, 50, 400]
    assert figs["pct_gigabit"].tolist() == pytest.approx([50.0, 25.0, 100.0])
    assert (figs["figure_from"] == "area").all()
    assert figs["method"].str.contains(f"({layout.vintage} codes)", regex=False).all()
    assert figs["method"].str.contains("ONS population-weighted centroids").all()


# --- bad files: every problem named, nothing stored ------------------------------------------

GOOD = BY_KEY["pwc11_xy_first"]
_GRID_ROW = {"fid": "1", "globalid": "{A}"}


def _rows(*cells: tuple[str, str, str]) -> list[dict[str, str]]:
    """Rows of (x, y, OA11CD) cells, numbered as FID."""
    return [{**_GRID_ROW, "x": x, "y": y, "oa11cd": code, "fid": str(i)}
            for i, (x, y, code) in enumerate(cells, start=1)]  # fmt: skip


BAD: dict[str, tuple[str, list[dict[str, str]], tuple[int, str | None, str]]] = {
    "empty_code": (GOOD.header, _rows(("600500.5", "300500.5", "E00000001"),
                                      ("601500.5", "300500.5", "")),
                   (3, "OA11CD", "is blank; an OA code is required")),
    "not_an_oa_code": (GOOD.header, _rows(("600500.5", "300500.5", "E01000001")),
                       (2, "OA11CD", "is not an output-area code")),
    "duplicate_code": (GOOD.header, _rows(("600500.5", "300500.5", "E00000001"),
                                          ("601500.5", "300500.5", "E00000001")),
                       (3, "OA11CD", "duplicate OA11CD: already used on row 2")),
    "non_numeric": (GOOD.header, _rows(("600500.5", "n/a", "E00000001")),
                    (2, "Y", "is not a number")),
    "blank_coordinate": (GOOD.header, _rows(("", "300500.5", "E00000001")),
                         (2, "X", "is blank; a number is required")),
    "fits_no_crs": (GOOD.header, _rows(("5000000", "300500.5", "E00000001")),
                    (2, "X", "is neither a longitude (-8.7 to 1.8°) nor a British National "
                             "Grid easting (0 to 700,000 m)")),
    "numbers_of_two_crs": (GOOD.header, _rows(("-1.5", "300500.5", "E00000001")),
                           (2, "X", "is neither lon/lat degrees (WGS84) nor British National "
                                    "Grid metres")),
    "outside_the_files_crs": (GOOD.header, _rows(("600500.5", "300500.5", "E00000001"),
                                                 ("800000", "300500.5", "E00000002")),
                              (3, "X", "is not a British National Grid easting (0 to 700,000 "
                                       "m), as the file's other points are")),
    "mixed_crs": (GOOD.header, _rows(("600500.5", "300500.5", "E00000001"),
                                     ("601500.5", "300500.5", "E00000002"),
                                     ("1.3", "52.6", "E00000003")),
                  (4, "X", "(1.3, 52.6) is in lon/lat degrees (WGS84) but the file's other "
                           "points are in British National Grid metres")),
    "two_vintages": ("FID,OA11CD,OA21CD,x,y",
                     [{"fid": "1", "oa11cd": "E00000001", "oa21cd": "E00000001",
                       "x": "600500", "y": "300500"}],
                     (1, None, "needs one OA code column, OA11CD or OA21CD")),
    "header_only": (GOOD.header, [], (1, None, "has a header row but no records")),
}  # fmt: skip
"""Each bad file: its header, its rows, and the (row, column, reason) it must be refused with."""


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_file_is_refused_naming_row_and_column_and_nothing_is_stored(
    case: str, tmp_path: Path
) -> None:
    catalog = tmp_path / "c.gpkg"
    GOOD.write(tmp_path / "pwc11_good.csv")
    import_file(tmp_path / "pwc11_good.csv", catalog)
    before = _stored(catalog)
    header, rows, (row, column, reason) = BAD[case]
    bad = Layout(case, "2011", header).write(tmp_path / f"{case}.csv", rows)

    with pytest.raises(DataError) as err:
        import_file(bad, catalog)
    found = [(p.row, p.column) for p in err.value.problems if reason in p.reason]
    assert found == [(row, column)], str(err.value)
    assert all(p.file == bad.name for p in err.value.problems)
    pd.testing.assert_frame_equal(_stored(catalog), before)
    facts = load_catalog(catalog).meta["oa_centroids"]["vintages"]
    assert facts["2011"]["source"] == "pwc11_good.csv"


def test_every_problem_of_a_file_is_reported_together(tmp_path: Path) -> None:
    rows = _rows(("600500.5", "300500.5", "E00000001"), ("601500.5", "", "E00000001"),
                 ("5000000", "300500.5", ""))  # fmt: skip
    bad = GOOD.write(tmp_path / "pwc.csv", rows)
    with pytest.raises(DataError) as err:
        import_file(bad, tmp_path / "c.gpkg")
    assert [(p.row, p.column) for p in err.value.problems] == [
        (3, "OA11CD"), (3, "Y"), (4, "OA11CD"), (4, "X"),
    ]  # fmt: skip
    assert not (tmp_path / "c.gpkg").exists()


# --- the real Norfolk output areas -------------------------------------------------------------


@pytest.mark.shared
def test_every_norfolk_oa_imports_from_a_pwc_csv_as_from_the_geojson(tmp_path: Path) -> None:
    source = require_shared("norfolk_oa_2011_bgc.geojson")
    oas = gpd.read_file(source, columns=["OA11CD"]).to_crs(WORKING_CRS)
    points = oas.geometry.representative_point()
    rows = [
        {"x": repr(float(p.x)), "y": repr(float(p.y)), "fid": str(i), "oa11cd": code,
         "globalid": f"{{{i:08d}-0000-4000-8000-000000000000}}"}
        for i, (code, p) in enumerate(zip(oas["OA11CD"], points, strict=True), start=1)
    ]  # fmt: skip
    csv = GOOD.write(tmp_path / "Output_Areas_Dec_2011_PWC_2022.csv", rows)  # in tmp, never kept

    import_file(csv, tmp_path / "csv.gpkg")
    import_file(source, tmp_path / "geojson.gpkg")
    from_csv, from_geojson = _stored(tmp_path / "csv.gpkg"), _stored(tmp_path / "geojson.gpkg")
    assert len(from_csv) == 2_931 and list(from_csv.index) == list(from_geojson.index)
    assert set(from_csv["vintage"]) == {"2011"} and set(from_csv["kind"]) == {"pwc"}
    assert set(from_geojson["kind"]) == {"polygon"}  # the labelled fallback, same points
    xy = ["easting", "northing"]
    np.testing.assert_allclose(from_csv[xy], from_geojson[xy], rtol=0, atol=0.01)
