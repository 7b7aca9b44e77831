"""The import contract: views → layers → geo, nothing upward, no cycles, pages independent.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and ``.ci/run`` runs
``lint-imports``; these tests run the same contracts, show that a deliberate upward import
breaks them, and check that no module imports itself through others (no cycles).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("geo", "layers", "views")
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(root), "PATH": str(LINT.parent)},
    )  # fmt: skip


def test_the_contracts_hold_on_this_tree() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" not in done.stdout.replace("0 broken", "")


def test_a_deliberate_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    for name in (*PACKAGES, "pyproject.toml"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, tmp_path / name)
    (tmp_path / "geo" / "upward.py").write_text("import layers.choropleth  # geo must not\n")
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert "geo.upward -> layers.choropleth" in done.stdout
    assert "views → layers → geo, nothing upward BROKEN" in done.stdout


def test_no_import_cycles() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    modules = sorted(graph.modules)
    cycles = []
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                chain = graph.find_shortest_chain(importer=imported, imported=module)
                cycles.append(" → ".join([module, *(chain or ())]))
    assert cycles == []
