"""The hostile corpus: every file in, every map/export/page that shows it out; nothing runs.

One parametrised test per row of tests/data/hostile/EXPECTED.csv (README there): the file
goes in the way a person would put it in (import or upload into a copy of the demo
workspace); a refusal must be a DataError containing ``expected`` that leaves the catalogue and
the store byte-identical; an acceptance must store ``expected`` as typed and then every folium
map (officer, public, selection, upload preview, planner, static export), every export (profile
PDF and PNG, evidence map) and the Markdown it would be shown in are rendered in-process: no
marker directory appears, nothing is evaluated, and the text comes back exactly as stored.
``test_hostile_pages`` drives the real pages with Streamlit's AppTest for the accepted rows.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from tests.hostile_support import (
    HOSTILE,
    MARKER,
    OUTCOMES,
    Row,
    assert_not_evaluated,
    copy_workspace,
    ingest,
    load_rows,
    map_texts,
    page_html,
    prepare,
    sha256,
)

ROWS = load_rows()
RENDER_ROWS = [r for r in ROWS if r.file.startswith("render/")]
SITE = (595000, 302000)  # tests/data/hostile/render/make_corpus.py: inside the target division
DRAWN = ("mathtext", "unicode")
"""Attacks on drawing (matplotlib, fpdf2): the exports are drawn for these rows; other text
prints literally in the PDF (tests/test_profile_report.py) and never reaches mathtext."""
ACTIVE = re.compile(r"[!#$&()*+\-.:<=>@\[\]^_`{|}~]")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic demo catalogue and store, built once and copied into each test."""
    from geo.sources.demo_build import build_demo
    from geo.storage.workspace import DEMO_CATALOG, DEMO_STORE
    from layers.demo import save_demo_layers

    folder = tmp_path_factory.mktemp("hostile-demo")
    build_demo(folder)
    save_demo_layers(folder / DEMO_STORE, folder / DEMO_CATALOG)
    return folder


@pytest.fixture
def workspace(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """(catalogue, store) of a fresh demo workspace; the working directory is ``tmp_path``."""
    from geo.storage.workspace import DEMO_CATALOG, DEMO_STORE

    data_dir = Path(os.environ["BROADBAND_DATA_DIR"])
    copy_workspace(demo_template, data_dir)
    monkeypatch.chdir(tmp_path)  # a relative makedirs('HOSTILE_MARKER') would land here
    return data_dir / DEMO_CATALOG, data_dir / DEMO_STORE


def test_one_table_lists_every_corpus_file_exactly_once() -> None:
    """tests/data/hostile/EXPECTED.csv: ≥ 200 rows, one per committed file, each file there."""
    listed = [r.file for r in ROWS]
    assert len(listed) >= 200
    assert len(listed) == len(set(listed)), "a file has two rows"
    assert not list(HOSTILE.glob("*/EXPECTED.csv")), "one table, not one per folder"
    generated = {r.file for r in ROWS if r.options.get("generated")}
    for row in ROWS:
        assert row.path.exists() != (row.file in generated), row.file  # big ones: at test time
        assert row.outcome in OUTCOMES, row.file
        assert row.outcome != "refused" or row.expected, f"{row.file}: a refusal needs a message"
    committed = {
        p.relative_to(HOSTILE).as_posix()
        for p in HOSTILE.glob("*/**/*")
        if p.is_file() and p.name != "make_corpus.py" and "__pycache__" not in p.parts
    }
    assert committed == set(listed) - generated, "a corpus file without a row, or a row without"
    attacks = {r.attack for r in ROWS}
    assert {"ssti", "markdown", "html", "mathtext", "formula", "unicode", "number", "date",
            "code", "crs", "layer", "size", "encoding"} <= attacks  # fmt: skip


RUN_HERE = [r for r in ROWS if not r.options.get("generated")]
"""Rows whose file is generated at test time are run by tests/test_hostile_input.py, which
writes them; this runner takes every committed file."""


@pytest.mark.parametrize("row", RUN_HERE, ids=[r.id for r in RUN_HERE])
def test_hostile_file(row: Row, workspace: tuple[Path, Path], tmp_path: Path) -> None:
    catalogue, store_path = workspace
    prepare(row, catalogue=catalogue)
    fingerprint = (sha256(catalogue), sha256(store_path))
    got = ingest(row, catalogue=catalogue, store_path=store_path)
    if row.outcome == "refused":
        assert got.error is not None, f"{row.file} was accepted"
        assert row.expected in str(got.error)
        assert (sha256(catalogue), sha256(store_path)) == fingerprint, "a refusal changed bytes"
        return
    assert got.error is None, f"{row.file} was refused: {got.error}"
    if row.expected:
        assert any(row.expected in text for text in got.stored), "not stored as typed"
    _render_everything(row, catalogue, store_path, cwd=tmp_path)
    assert not (tmp_path / MARKER).exists()


def _target(figs) -> str:  # type: ignore[no-untyped-def]
    import shapely

    inside = figs[figs.geometry.covers(shapely.Point(*SITE))]
    return str((inside if len(inside) else figs)["area_code"].iloc[0])  # a file moved the areas


_BASE: dict[str, tuple] = {}


def _base(catalogue: Path) -> tuple:
    """Catalogue, figures, web figures and county figures (memoised on the file's bytes)."""
    from geo.analysis.coverage import best_figures, county_figures
    from geo.geometry.simplify import simplify_for_web
    from geo.storage.catalog import load_catalog

    key = sha256(catalogue)
    if key not in _BASE:
        cat = load_catalog(catalogue)
        assert cat.coverage is not None
        release = cat.releases[-1]
        figs = best_figures(cat.coverage, cat.areas["ced"], release=release,
                            postcodes=cat.postcodes, oa_centroids=cat.oa_centroids)  # fmt: skip
        lads = figs["lad_code"] if "lad_code" in figs else figs["area_code"]  # as views.state does
        county, how = county_figures(figs, cat.coverage, release=release,
                                     lad_codes=sorted(lads.dropna().unique()))  # fmt: skip
        _BASE.clear()
        _BASE[key] = (cat, figs, simplify_for_web(figs), county, how)
    return _BASE[key]


def _render_everything(row: Row, catalogue: Path, store_path: Path, *, cwd: Path) -> None:
    from geo.analysis.gap import gap_components, gap_scores
    from geo.sources.imd import imd_by_area
    from geo.storage import store
    from layers import registered
    from layers.choropleth import selection_layer
    from layers.export import export_page
    from layers.gapmap import gap_map
    from layers.public import public_figures, public_map
    from layers.webmap import coverage_map, preview_map
    from views.text import WORD_JOINER, as_shown, plain

    cat, figs, web, county, how = _base(catalogue)
    code = _target(figs)
    stored = {k: store.load(store_path, k) for k in ("anchors", "pilots", "vouchers")}
    records = stored.get(row.kind) if row.kind in stored else None
    overlays = (
        [registered()[row.kind].draw(records, public=False, show=True)]
        if records is not None
        else []
    )
    deprivation = None
    if cat.imd is not None and cat.lsoa is not None:
        deprivation = imd_by_area(cat.imd, cat.lsoa, cat.areas["ced"], method="centroid")
    from geo.analysis.gap import DEFAULT_WEIGHTS

    comps = gap_components(figs, deprivation=deprivation)
    scores = gap_scores(comps, weights={k: DEFAULT_WEIGHTS[k] for k in comps.columns})

    officer = coverage_map(web, measure="gigabit", selected=code, overlays=overlays)
    selection_layer(web, code).add_to(officer)  # as st_folium adds it
    maps = [
        officer,
        public_map(web, public_figures(figs, measure="gigabit"), measure="gigabit", selected=code),
        preview_map(figs, overlays=[registered()[row.kind].draw(records, public=False)]
                    if records is not None else [], tiles=False),
        gap_map(web, scores, anchors=stored["anchors"] if row.kind == "anchors" else None),
    ]  # fmt: skip
    texts = []
    for fmap in maps:
        assert_not_evaluated(page_html(fmap), cwd=cwd)
        texts += map_texts(fmap)
    assert_not_evaluated(export_page(web, figs, measure="gigabit", title="Export", tiles=False),
                         cwd=cwd)  # fmt: skip
    if row.expected and row.kind in ("boundaries", "anchors", "pilots", "vouchers"):
        assert any(row.expected in t for t in texts), "the map does not show the text as stored"

    if row.attack in DRAWN:
        _exports(row, figs, code, county, how, cat.releases[-1], stored, scores)

    if row.expected:  # what the pages show in Markdown: every active character escaped
        shown = plain(row.expected)
        assert not ACTIVE.search(re.sub(r"\\.", "", shown)), shown
        typed = re.sub(r"[\x00-\x1f\x7f-\x9f]+", " ", row.expected)
        assert as_shown(shown) == typed.replace(WORD_JOINER, "")  # U+2060 shows as nothing


def _exports(row, figs, code, county, how, release, stored, scores) -> None:  # type: ignore[no-untyped-def]
    """Profile PDF and PNG and the evidence map, drawn with the text in them."""
    from datetime import date

    import pandas as pd

    from geo.analysis.profile import build_profile
    from geo.geometry.aggregate import assign_areas
    from geo.reports.evidence import gap_map_png
    from geo.reports.report import chart_png, map_png, profile_pdf, profile_png
    from layers import registered
    from layers.base import AreaInputs, aggregate

    sections, points = [], []
    areas = figs[["area_code", "area_name", "geometry"]]
    for key, recs in stored.items():
        if recs is None:
            continue
        spec = registered()[key]
        premises = figs.set_index("area_code")["premises"]
        agg = aggregate(spec, recs, areas, AreaInputs(premises=premises, on=date.today()))
        codes = assign_areas(recs, areas, points_name=key)
        here = pd.DataFrame(recs.drop(columns="geometry"))[codes.to_numpy() == code]
        sections += spec.summarise(agg.loc[code], here.reset_index(drop=True), public=False)
        if spec.map_style is not None:
            points.append((recs, spec.map_style))
    profile = build_profile(figs, code, county=county, county_how=how, release=release,
                            measure="gigabit", sections=sections, synthetic=True)  # fmt: skip
    pdf = profile_pdf(profile, map_image=map_png(figs, code, points=points),
                      chart_image=chart_png(profile))  # fmt: skip
    png = profile_png(profile, areas=figs, points=points)
    assert png[:4] == b"\x89PNG"
    listed = row.kind in ("boundaries", "anchors", "pilots")
    if row.expected and row.attack == "mathtext" and listed:
        text = pdfium.PdfDocument(io.BytesIO(pdf))[0].get_textpage().get_text_range()
        assert row.expected in re.sub(r"\s+", " ", text), "the PDF does not print it as stored"
    divisions = figs.merge(scores[["score"]], left_on="area_code", right_index=True, how="left")
    text = row.expected or "Gap score"
    png = gap_map_png(divisions, title=text, release="2024", weights=text, synthetic=False,
                      attribution=[text])  # fmt: skip
    assert png[:4] == b"\x89PNG"


# --- The pages, in-process (Streamlit AppTest) ----------------------------------------------------

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGE_ROWS = [r for r in RENDER_ROWS if r.kind == "boundaries" and r.outcome == "accepted"]
UPLOADS = ("anchors", "pilots", "vouchers")


def _open(url_path: str = "", at=None, **params: str):  # type: ignore[no-untyped-def]
    """Run the app at ``url_path`` (reusing ``at``, whose first run registered the pages)."""
    from streamlit.testing.v1 import AppTest
    from streamlit.util import calc_hash

    if at is None:
        at = AppTest.from_file(str(APP), default_timeout=120)
        if url_path:
            at.run()
    at._page_hash = calc_hash(url_path) if url_path else None
    for key in list(at.query_params):
        del at.query_params[key]
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _markdown_values(at) -> list[str]:  # type: ignore[no-untyped-def]
    """Every string a page handed to Streamlit's Markdown (headers, alerts, metrics, tables …)."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "success", "info",
                 "warning", "error", "toast"):  # fmt: skip
        out += [str(e.value) for e in getattr(at, kind)]
    for metric in at.metric:
        out += [str(metric.label), str(metric.value)]
    for table in at.table:
        frame = table.value
        out += [str(v) for v in [*frame.columns, *frame.to_numpy().ravel().tolist()]]
    return out


def _check_page(at, texts: list[str], *, cwd: Path, shown: bool) -> None:  # type: ignore[no-untyped-def]
    """No traceback, nothing run, every text escaped where Markdown shows it (and shown)."""
    from views.text import plain

    assert not at.exception, at.exception
    values = _markdown_values(at)
    assert not any("Traceback" in v for v in values)
    assert not (cwd / MARKER).exists(), "a template ran Python on the server"
    for text in texts:
        if ACTIVE.search(text):
            assert not any(text in v for v in values), f"{text!r} reached Markdown unescaped"
        if shown:
            assert any(plain(text) in v for v in values), f"{text!r} is not on the page"


@pytest.mark.slow
@pytest.mark.parametrize("row", PAGE_ROWS, ids=[r.id for r in PAGE_ROWS])
def test_hostile_division_name_on_every_page(
    row: Row, workspace: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.storage.catalog import import_file

    catalogue, _store = workspace
    import_file(row.path, catalogue, synthetic=True)
    code = "X58000007"
    texts = [row.expected]
    at = _open(division=code)  # the map page: the panel names the division
    _check_page(at, texts, cwd=tmp_path, shown=True)
    _check_page(_open("division", at, division=code), texts, cwd=tmp_path, shown=True)
    _check_page(_open("planner", at), texts, cwd=tmp_path, shown=False)
    monkeypatch.setenv("BROADBAND_PUBLIC_ONLY", "1")
    public = _open(at=at, division=code)
    assert any("Broadband coverage by" in t.value for t in public.title)  # the public page
    _check_page(public, texts, cwd=tmp_path, shown=True)


@pytest.mark.slow
@pytest.mark.parametrize("kind", UPLOADS)
def test_hostile_uploads_on_every_page(
    kind: str, workspace: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every accepted upload of ``kind`` stored at once (one version), then every page."""
    import pandas as pd

    from geo.storage import store
    from tests.hostile_support import upload_check

    catalogue, store_path = workspace
    rows = [r for r in RENDER_ROWS if r.kind == kind and r.outcome == "accepted"]
    checks = [upload_check(r, catalogue=catalogue) for r in rows]
    assert all(c.ok for c in checks)
    records = pd.concat([c.records for c in checks], ignore_index=True)
    store.save(store_path, kind, records, file_name=f"{kind}_hostile.csv", file_bytes=b"",
               user="hostile corpus")  # fmt: skip
    texts = [r.expected for r in rows]
    code = "X58000007"
    monkeypatch.setenv("BROADBAND_SHOW_RECORDS", "1")
    at = _open(division=code)
    at = at.multiselect(key="overlays").set_value([kind]).run()
    _check_page(at, texts, cwd=tmp_path, shown=kind == "anchors")  # the panel lists sites
    _check_page(_open("division", at, division=code), texts, cwd=tmp_path, shown=False)
    _check_page(_open("planner", at), texts, cwd=tmp_path, shown=False)
    data = _open("data", at)  # the upload preview: one file of each attack, through the widget
    firsts = {r.attack: r for r in reversed(rows)}
    for row in firsts.values():
        data.selectbox(key="upload_dataset").set_value(kind).run()
        upload = (row.path.name, row.path.read_bytes(), "text/csv")
        data = data.file_uploader(key="upload_file").set_value(upload).run()
        _check_page(data, [row.expected], cwd=tmp_path, shown=False)
        assert any("no problems found" in s.value for s in data.success), row.file
    monkeypatch.setenv("BROADBAND_PUBLIC_ONLY", "1")
    _check_page(_open(at=data, division=code), texts, cwd=tmp_path, shown=False)
