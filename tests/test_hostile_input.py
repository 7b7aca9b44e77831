"""The input half of the hostile corpus: every ``input/`` row of tests/data/hostile/EXPECTED.csv
goes in the way a person would put it in, into a fresh copy of the synthetic demo workspace.

* refused: a :class:`geo.errors.DataError` (never another exception: no traceback) whose
  message names the file and contains ``expected`` (row and column where relevant); the
  catalogue and the store are byte-identical afterwards and no temporary file is left. A
  catalogue file is also imported through ``python -m geo import`` (in-process): exit status 2,
  one line on stderr, nothing changed.
* accepted: stored, and ``expected`` is among the stored text values.

Table columns: tests/data/hostile/README.md. Rows with ``generated=1`` are written at test time
by tests/data/hostile/input/make_corpus.py (too big to commit).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from geo import __main__ as cli
from geo.errors import DataError
from tests.hostile_support import CATALOGUE_KINDS, HOSTILE, UPLOAD_KINDS, Row, load_rows

INPUT = HOSTILE / "input"
ROWS = [r for r in load_rows() if r.file.startswith("input/")]


def _corpus_module():
    spec = importlib.util.spec_from_file_location("hostile_input_corpus", INPUT / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs: its dataclasses resolve string annotations through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _param(row: Row) -> object:
    marks = [pytest.mark.slow] if row.options.get("generated") else []
    return pytest.param(row, id=row.file.removeprefix("input/"), marks=marks)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic demo catalogue and store, built once."""
    from geo.sources.demo_build import build_demo
    from geo.storage.workspace import DEMO_CATALOG, DEMO_STORE
    from layers.demo import save_demo_layers

    folder = tmp_path_factory.mktemp("hostile-input-demo")
    build_demo(folder)
    save_demo_layers(folder / DEMO_STORE, folder / DEMO_CATALOG)
    return folder


@pytest.fixture
def workspace(demo_template: Path) -> tuple[Path, Path]:
    from geo.storage.workspace import DEMO_CATALOG, DEMO_STORE

    data_dir = Path(os.environ["BROADBAND_DATA_DIR"])
    for item in demo_template.iterdir():
        if item.is_file():
            shutil.copy2(item, data_dir / item.name)
    return data_dir / DEMO_CATALOG, data_dir / DEMO_STORE


def _stored_texts(kind: str, layer: str, catalogue: Path, store_path: Path) -> list[str]:
    from geo.storage import store
    from geo.storage.catalog import load_catalog

    if kind in UPLOAD_KINDS:
        frame = store.load(store_path, kind)
    else:
        cat = load_catalog(catalogue)
        frames = {**{f"areas_{k}": v for k, v in cat.areas.items()}, "coverage": cat.coverage,
                  "imd": cat.imd, "lsoa": cat.lsoa, "postcodes": cat.postcodes}  # fmt: skip
        frame = frames.get(layer)
    assert frame is not None
    frame = pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore").reset_index()
    return [v for col in frame.columns for v in frame[col].tolist() if isinstance(v, str)]


def _ingest(row: Row, path: Path, catalogue: Path, store_path: Path) -> str:
    """Put the file in as the CLI / Data page would; returns the layer it became."""
    from geo.storage import store
    from geo.storage.catalog import import_file, load_catalog
    from geo.storage.workspace import read_context
    from layers.demo import DEMO_TODAY
    from layers.upload import check_upload

    options = {k: v for k, v in row.options.items() if k not in ("generated",)}
    if row.kind in CATALOGUE_KINDS:
        return import_file(path, catalogue, synthetic=True, **options)
    cat = load_catalog(catalogue)
    level = next(iter(cat.areas))
    data = path.read_bytes()
    check = check_upload(
        data, filename=path.name, layer=row.kind,
        context=read_context(cat.postcodes, dict(cat.areas), today=DEMO_TODAY),
        areas=cat.areas[level][["area_code", "area_name", "geometry"]],
    )  # fmt: skip
    if not check.ok:
        raise DataError(check.problems)
    assert check.records is not None
    store.save(store_path, row.kind, check.records, file_name=path.name, file_bytes=data,
               user="hostile corpus")  # fmt: skip
    return row.kind


@pytest.mark.parametrize("row", [_param(r) for r in ROWS])
def test_hostile_input(
    row: Row,
    workspace: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    catalogue, store_path = workspace
    path = row.path
    if row.options.get("generated"):
        path = _corpus_module().generate(path.name, tmp_path)
    before = {p.name: _sha(p) for p in catalogue.parent.iterdir()}
    try:
        layer = _ingest(row, path, catalogue, store_path)
        error = None
    except DataError as exc:  # anything else fails the test with its traceback
        error, layer = exc, ""
    if row.outcome == "refused":
        assert error is not None, f"{row.file} was accepted as {layer}"
        message = str(error)
        assert path.name in message and row.expected in message, message
        assert str(path.parent) not in message  # names the file, not the server's folders
        assert {p.name: _sha(p) for p in catalogue.parent.iterdir()} == before
        if row.kind in CATALOGUE_KINDS:
            _refused_by_the_cli(row, path, catalogue, monkeypatch, capsys)
        return
    assert error is None, f"{row.file} was refused: {error}"
    if row.expected:
        assert row.expected in _stored_texts(row.kind, layer, catalogue, store_path)


def _refused_by_the_cli(
    row: Row,
    path: Path,
    catalogue: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``python -m geo import FILE`` into a real-named copy: exit 2, one line, nothing changed."""
    real = catalogue.parent / "cli" / "broadband.gpkg"
    real.parent.mkdir()
    shutil.copy2(catalogue, real)
    monkeypatch.setenv("BROADBAND_DATA_DIR", str(real.parent))
    before = _sha(real)
    layer = row.options.get("layer")
    capsys.readouterr()
    status = cli.main(["import", str(path), "--synthetic", *(["--layer", layer] if layer else [])])
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert row.expected in err
    assert _sha(real) == before
    left = {p.name for p in real.parent.iterdir()}
    assert "broadband.gpkg" in left <= {"broadband.gpkg", "broadband.gpkg.lock"}  # no temp copy
