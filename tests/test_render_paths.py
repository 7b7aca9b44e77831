"""Closed by construction: only layers/render.py builds folium objects that carry text.

Read the source of layers/ and views/ (AST, no import) and fail on any folium element built
elsewhere that could carry text from data, any ``tooltip=``/``popup=`` argument, and any plain
``Element`` made from something other than a module constant. views/ build no folium object.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RENDER = ROOT / "layers" / "render.py"
TEXT_CARRIERS = {
    "GeoJson", "GeoJsonTooltip", "GeoJsonPopup", "TopoJson", "Tooltip", "Popup", "Marker",
    "CircleMarker", "Circle", "PolyLine", "Polygon", "Rectangle", "DivIcon", "Choropleth", "Html",
    "IFrame", "FeatureGroup", "Icon",
}  # fmt: skip
"""folium constructors whose arguments reach a template."""


def _sources(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).glob("*.py") if p != RENDER)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if name in TEXT_CARRIERS:
            found.append(f"{where}: builds folium.{name}; use layers.render")
        for kw in node.keywords:
            if kw.arg in ("tooltip", "popup"):
                found.append(f"{where}: passes {kw.arg}=; use layers.render")
        if name == "Element" and not all(
            isinstance(a, ast.Name) and a.id.isupper() for a in node.args
        ):
            found.append(f"{where}: Element() from something other than a module constant")
    return found


@pytest.mark.parametrize("folder", ["layers", "views"])
def test_only_the_render_module_builds_text_carrying_map_objects(folder: str) -> None:
    problems = [p for path in _sources(folder) for p in _problems(path)]
    assert problems == []


def test_views_build_no_map_objects_and_call_st_folium_with_built_maps() -> None:
    for path in _sources("views"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                assert not (isinstance(owner, ast.Name) and owner.id == "folium"), (
                    f"{path.name}:{node.lineno} calls folium.{node.func.attr}; maps are built "
                    "in layers/ (through layers.render)"
                )


def test_every_map_builder_in_layers_ends_in_the_check() -> None:
    """A function in layers/ that makes a ``folium.Map`` returns it through ``finish``/``checked``
    (base_map, which makes the empty map, and localise, which edits one in place, aside)."""
    for path in _sources("layers"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            returns = fn.returns
            if not (isinstance(returns, ast.Attribute) and returns.attr == "Map"):
                continue
            if fn.name in ("base_map", "localise"):  # the empty map; an in-place transform
                continue
            finals = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
            for ret in finals:
                call = ret.value
                ok = isinstance(call, ast.Call) and _name(call.func) in (
                    "finish", "checked", "coverage_map", "public_map", "preview_map", "gap_map"
                )  # fmt: skip
                assert ok, f"{path.name}:{fn.name} returns a map without layers.render.checked"
