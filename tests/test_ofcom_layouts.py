"""Every Ofcom fixed-coverage layout in FORMATS.md imports with known answers.

Files are generated in exactly the published headers (tests/ofcom_layouts.py); all figures
are synthetic and worked out by hand there: two areas, 4,000 premises, 2,500 with gigabit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.analysis.releases import measure_status, published_measures, release_notes
from geo.config import MEASURES, NOT_PUBLISHED, SFBB_BAND_CAVEAT
from geo.sources.ofcom import parse_name, read_coverage
from geo.storage.catalog import import_file as import_one
from geo.storage.catalog import load_catalog
from tests.ofcom_layouts import BY_KEY, FIGURES, LAYOUTS, Layout, build, pct

COUNTED = [lay for lay in LAYOUTS if lay.counts]
PERCENT_ONLY = [lay for lay in LAYOUTS if not lay.counts]


def _write(tmp_path: Path, layout: Layout, **kw: object) -> Path:
    path = tmp_path / layout.filename
    path.write_bytes(build(layout, **kw))  # type: ignore[arg-type]
    return path


@pytest.mark.parametrize("layout", COUNTED, ids=[lay.key for lay in COUNTED])
def test_layout_with_counts_imports_premises_weighted(layout: Layout, tmp_path: Path) -> None:
    cat_path = tmp_path / "cat.gpkg"
    layer = import_one(_write(tmp_path, layout), cat_path)
    residential = "_res_" in layout.filename
    assert layer == ("coverage_residential" if residential else "coverage")
    cat = load_catalog(cat_path)
    rows = cat.coverage_residential if residential else cat.coverage
    assert rows is not None and (cat.coverage is None) == residential
    assert rows["level"].unique().tolist() == [layout.level]
    assert rows["premises"].tolist() == [1000, 3000]
    for key in MEASURES:
        if key in layout.published:
            assert rows[f"n_{key}"].tolist() == [f[key] for f in FIGURES], key
        else:
            assert f"n_{key}" not in rows, key  # never a silent zero or a renamed measure
    release = parse_name(layout.filename).release
    assert release is not None and rows["release"].unique().tolist() == [release]
    assert published_measures(cat.meta, release, level=layout.level) == layout.published
    status = measure_status(cat.meta, release)
    assert [k for k, v in status.items() if v == NOT_PUBLISHED] == [
        k for k in MEASURES if k not in layout.published
    ]


@pytest.mark.parametrize("layout", PERCENT_ONLY, ids=[lay.key for lay in PERCENT_ONLY])
def test_layout_without_counts_is_stored_as_its_own_percentages(
    layout: Layout, tmp_path: Path
) -> None:
    cat_path = tmp_path / "cat.gpkg"
    assert import_one(_write(tmp_path, layout), cat_path) == "coverage_pct"
    cat = load_catalog(cat_path)
    assert cat.coverage is None  # never area figures
    rows = cat.coverage_pct
    assert rows is not None and rows["level"].unique().tolist() == [layout.level]
    for key in MEASURES:
        expected = [pct(f[key], f["premises"]) for f in FIGURES]
        if key in layout.published:
            assert rows[f"pct_{key}"].tolist() == pytest.approx(expected), key
        else:
            assert f"pct_{key}" not in rows, key


@pytest.mark.parametrize(
    ("name", "release", "level", "residential", "revision", "area"),
    [
        ("202105_fixed_laua_coverage_r01.csv", "2021-05", "lad", False, 1, None),
        ("202601_fixed_laua_coverage_r1.csv", "2026-01", "lad", False, 1, None),
        ("202601_fixed_pc_coverage_r2_NR.csv", "2026-01", "postcode", False, 2, "NR"),
        ("202407_fixed_oa_res_coverage_r01.csv", "2024-07", "oa", True, 1, None),
        ("x.zip/postcode_res_files/202507_fixed_pc_coverage_r01_IP.csv", "2025-07", "postcode",
         True, 1, "IP"),
        ("202309_fixed_postcode_coverage_r01.zip", "2023-09", "postcode", False, 1, None),
        ("2016_fixed_laua_coverage_r01.csv", "2016", "lad", False, 1, None),
    ],
)  # fmt: skip
def test_file_names_say_release_level_revision_and_area(
    name: str, release: str, level: str, residential: bool, revision: int, area: str | None
) -> None:
    got = parse_name(name)
    assert (got.release, got.level, got.residential, got.revision, got.area) == (
        release, level, residential, revision, area,
    )  # fmt: skip


def test_sfbb_band_caveat_is_recorded_for_2017_to_2019(tmp_path: Path) -> None:
    cat_path = tmp_path / "cat.gpkg"
    for key in ("la2018", "la202105"):
        import_one(_write(tmp_path, BY_KEY[key]), cat_path)
    cat = load_catalog(cat_path)
    assert cat.meta["coverage"]["releases"]["2018-09"]["lad"]["caveats"] == [SFBB_BAND_CAVEAT]
    assert cat.meta["coverage"]["releases"]["2021-05"]["lad"]["caveats"] == []
    assert SFBB_BAND_CAVEAT in release_notes(cat.meta, "2018-09")
    assert any("Gigabit-capable" in n for n in release_notes(cat.meta, "2018-09"))


@pytest.mark.parametrize(
    ("layout_key", "encoding", "name"),
    [
        ("la202601", "latin-1", "Ynys Môn"),
        ("la202209", "cp1252", "King’s Lynn and West Norfolk"),
        ("la202109", "utf-8-sig", "Ynys Môn"),
        ("la202305", "utf-8", "King’s Lynn and West Norfolk"),
    ],
)
def test_encodings_as_shipped(layout_key: str, encoding: str, name: str) -> None:
    layout = BY_KEY[layout_key]
    assert layout.encoding == encoding
    data = build(layout, ids=(("W06000001", name), ("E07000148", "Norwich")))
    table = read_coverage(data, filename=layout.filename)
    assert table["area_name"].tolist() == [name, "Norwich"]
    assert table["n_gigabit"].sum() == 2500


def test_2026_oa_file_has_decent_broadband_not_the_uso(tmp_path: Path) -> None:
    layout = BY_KEY["oa202601"]
    table = read_coverage(build(layout), filename=layout.filename)
    assert table["n_no_decent"].tolist() == [15, 4]
    assert "n_below_uso" not in table and "n_full_fibre" not in table
    assert table.attrs["published"] == {"2026-01": list(layout.published)}


def test_premises_weighted_over_both_areas_not_averaged() -> None:
    from geo.analysis.coverage import totals

    layout = BY_KEY["oa202407"]
    got = totals(read_coverage(build(layout), filename=layout.filename))
    assert got["premises"] == 4000 and got["pct_gigabit"] == pytest.approx(62.5)
    assert got["pct_gigabit"] != pytest.approx((40.0 + 70.0) / 2)


def test_shared_real_la_file_records_what_it_publishes(tmp_path: Path) -> None:
    from tests.conftest import require_shared

    path = require_shared("ofcom_202105_fixed_laua_coverage_r01_uk.csv")
    cat_path = tmp_path / "cat.gpkg"
    assert import_one(path, cat_path) == "coverage"
    cat = load_catalog(cat_path)
    assert cat.coverage is not None and len(cat.coverage) == 374
    assert published_measures(cat.meta, "2021-05") == (
        "sfbb", "ufbb", "gigabit", "full_fibre", "unable_10", "below_uso",
    )  # fmt: skip
    assert measure_status(cat.meta, "2021-05")["no_decent"] == NOT_PUBLISHED


test_shared_real_la_file_records_what_it_publishes = pytest.mark.shared(
    test_shared_real_la_file_records_what_it_publishes
)
