"""Run the hostile corpus (tests/data/hostile/EXPECTED.csv): ingest, then render everything.

A row's file goes in the way a person would put it in: catalogue files through
:func:`geo.storage.catalog.import_file`, uploads through :func:`layers.upload.check_upload` and
:func:`geo.storage.store.save`, into a copy of the synthetic demo workspace. Then every map,
export and page that shows the text is rendered in-process. See tests/data/hostile/README.md.
"""

from __future__ import annotations

import csv
import hashlib
import html
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import folium
import pandas as pd

from geo.errors import DataError

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
MARKER = "HOSTILE_MARKER"
EVALUATED = ("qzqzqz", "qqqzzz")
TABLE = HOSTILE / "EXPECTED.csv"
"""The one table: a row per corpus file, ``file`` relative to :data:`HOSTILE` (README there)."""
COLUMNS = ("file", "kind", "attack", "outcome", "expected", "options", "note")
OUTCOMES = ("accepted", "refused")
CATALOGUE_KINDS = ("boundaries", "ofcom", "imd", "lsoa", "postcodes", "oa")
UPLOAD_KINDS = ("vouchers", "anchors", "pilots")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class Row:
    """One line of a table (columns: tests/data/hostile/README.md)."""

    file: str
    kind: str
    attack: str
    outcome: str
    expected: str
    options: dict[str, str] = field(default_factory=dict)
    note: str = ""

    @property
    def path(self) -> Path:
        return HOSTILE / self.file

    @property
    def id(self) -> str:
        return self.file


def decode(text: str) -> str:
    """A table cell with ``\\uXXXX`` standing for the character (README)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def load_rows(table: Path = TABLE) -> list[Row]:
    """Every row of the corpus table, cells decoded (README)."""
    rows = []
    with table.open(newline="", encoding="utf-8") as fh:
        for raw in csv.DictReader(fh):
            options = dict(part.split("=", 1) for part in raw["options"].split(";") if part)
            rows.append(Row(raw["file"], raw["kind"], raw["attack"], raw["outcome"],
                            decode(raw["expected"]), options, raw["note"]))  # fmt: skip
    return rows


def write_rows(folder: str, rows: list[dict[str, str]], table: Path = TABLE) -> None:
    """Replace the rows of corpus folder ``folder`` (``file`` starting ``folder/``) in ``table``.

    The corpus generators call this: each owns its folder's rows and keeps the others'. Rows
    are grouped by folder (alphabetically), each folder's in the order its generator wrote them.
    """
    assert all(r["file"].startswith(f"{folder}/") for r in rows), f"rows outside {folder}/"
    kept: list[dict[str, str]] = []
    if table.exists():
        with table.open(newline="", encoding="utf-8") as fh:
            kept = [r for r in csv.DictReader(fh) if not r["file"].startswith(f"{folder}/")]
    merged = sorted([*kept, *rows], key=lambda r: r["file"].split("/", 1)[0])
    with table.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(merged)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


@dataclass
class Ingested:
    """What happened when a row's file went in."""

    error: DataError | None
    stored: list[str]
    """Every text value of the layer the file became (empty when refused)."""
    layer: str = ""


def prepare(row: Row, *, catalogue: Path) -> None:
    """Import what the row needs first (``after=`` in its options)."""
    from geo.storage.catalog import import_file

    if "after" in row.options:
        import_file(HOSTILE / row.options["after"], catalogue, synthetic=True)


def ingest(row: Row, *, catalogue: Path, store_path: Path) -> Ingested:
    """Put ``row``'s file in; a DataError is caught and returned, anything else propagates.

    Options other than ``after`` go to the importer as keyword arguments (README).
    """
    from geo.storage import store
    from geo.storage.catalog import import_file, load_catalog

    options = {k: v for k, v in row.options.items() if k != "after"}
    try:
        if row.kind in CATALOGUE_KINDS:
            layer = import_file(row.path, catalogue, synthetic=True, **options)  # type: ignore[arg-type]
            cat = load_catalog(catalogue)
            frames = {**{f"areas_{k}": v for k, v in cat.areas.items()}, "coverage": cat.coverage,
                      "imd": cat.imd, "lsoa": cat.lsoa, "postcodes": cat.postcodes}  # fmt: skip
            return Ingested(None, _texts(frames.get(layer)), layer)
        if row.kind in UPLOAD_KINDS:
            assert not options, f"{row.file}: uploads take no options ({options})"
            check = upload_check(row, catalogue=catalogue)
            if not check.ok:
                raise DataError(check.problems)
            assert check.records is not None
            store.save(store_path, row.kind, check.records, file_name=row.path.name,
                       file_bytes=row.path.read_bytes(), user="hostile corpus")  # fmt: skip
            return Ingested(None, _texts(check.records), row.kind)
    except DataError as err:
        return Ingested(err, [])
    raise AssertionError(f"{row.file}: unknown kind {row.kind!r}; the runner knows "
                         f"{CATALOGUE_KINDS + UPLOAD_KINDS}")  # fmt: skip


def upload_check(row: Row, *, catalogue: Path):  # type: ignore[no-untyped-def]
    """:func:`layers.upload.check_upload` as the Data page calls it."""
    from geo.storage.catalog import load_catalog
    from geo.storage.workspace import read_context
    from layers.demo import DEMO_TODAY
    from layers.upload import check_upload

    cat = load_catalog(catalogue)
    level = next(iter(cat.areas))
    return check_upload(
        row.path.read_bytes(), filename=row.path.name, layer=row.kind,
        context=read_context(cat.postcodes, dict(cat.areas), today=DEMO_TODAY),
        areas=cat.areas[level][["area_code", "area_name", "geometry"]],
    )  # fmt: skip


def _texts(frame: pd.DataFrame | None) -> list[str]:
    if frame is None:
        return []
    values = frame.drop(columns=[c for c in frame.columns if c == "geometry"])
    return [str(v) for col in values.columns for v in values[col].tolist() if isinstance(v, str)]


# --- Rendering checks ---------------------------------------------------------------------------


def assert_not_evaluated(page: str, *, cwd: Path) -> None:
    """No marker directory, nothing a template evaluated, no Jinja tag left in ``page``."""
    assert not (cwd / MARKER).exists(), "a template ran Python on the server"
    assert not any(e in page for e in EVALUATED), "a template expression was evaluated"


def map_texts(fmap: folium.Map) -> list[str]:
    """Every text property of every GeoJSON-like layer in ``fmap``, unescaped as a browser shows."""
    out = []
    for element in _walk(fmap):
        data = getattr(element, "data", None)
        if isinstance(data, dict):
            for feature in data.get("features", []):
                for value in (feature.get("properties") or {}).values():
                    if isinstance(value, str):
                        out.append(html.unescape(value))
        for attr in ("text", "layer_name"):
            value = getattr(element, attr, None)
            if isinstance(value, str):
                out.append(html.unescape(value))
        if isinstance(element, folium.Popup):
            for child in element.html._children.values():
                out.append(html.unescape(str(getattr(child, "data", ""))))
    return out


def _walk(element: object) -> Iterator[object]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def page_html(fmap: folium.Map) -> str:
    """Render as st_folium and the export do (both Jinja passes)."""
    return fmap.get_root().render()


def copy_workspace(template: Path, data_dir: Path) -> None:
    """The demo workspace (catalogue and store) copied into ``data_dir``."""
    for item in template.iterdir():
        if item.is_file():
            shutil.copy2(item, data_dir / item.name)


__all__ = [
    "CATALOGUE_KINDS",
    "COLUMNS",
    "MARKER",
    "OUTCOMES",
    "TABLE",
    "UPLOAD_KINDS",
    "Ingested",
    "Row",
    "assert_not_evaluated",
    "copy_workspace",
    "decode",
    "ingest",
    "load_rows",
    "map_texts",
    "page_html",
    "prepare",
    "sha256",
    "upload_check",
    "write_rows",
]
