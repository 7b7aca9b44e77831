"""axe-core in Playwright: inject ``axe.min.js`` into a page or frame and run the WCAG rules.

axe-core is an npm package, installed at test time (never committed)::

    npm install --prefix tests/.node axe-core

:func:`require_axe` finds ``node_modules/axe-core/axe.min.js`` (``AXE_CORE_PATH`` overrides);
without it the test is skipped on a developer machine and fails under ``CI=true``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = (
    ROOT / "tests" / ".node" / "node_modules" / "axe-core" / "axe.min.js",
    ROOT / "node_modules" / "axe-core" / "axe.min.js",
)
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
"""WCAG 2.0, 2.1 and 2.2 level A and AA rules."""
BLOCKING = frozenset({"serious", "critical"})


def require_axe() -> Path:
    """Path to ``axe.min.js``; skip when missing locally, fail when ``CI=true``."""
    override = os.environ.get("AXE_CORE_PATH")
    for path in (Path(override),) if override else CANDIDATES:
        if path.exists():
            return path
    message = "axe-core not found; run: npm install --prefix tests/.node axe-core"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def run_axe(target: Any, *, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Inject axe into ``target`` (a Playwright Page or Frame) and return its violations.

    ``exclude`` lists CSS selectors left out of the check; each use must say why.
    """
    source = require_axe().read_text(encoding="utf-8")
    if not target.evaluate("() => typeof window.axe !== 'undefined'"):
        target.evaluate(source)  # evaluate, not a <script> tag: works under any CSP
    result = target.evaluate(
        """async ([tags, exclude]) => {
            const context = exclude.length ? {exclude: exclude.map(s => [s])} : document;
            return await axe.run(context, {runOnly: {type: 'tag', values: tags},
                                           resultTypes: ['violations']});
        }""",
        [list(WCAG_TAGS), list(exclude)],
    )
    return list(result["violations"])


def blocking(violations: list[dict[str, Any]]) -> list[str]:
    """Readable lines for the serious and critical violations (empty when there are none)."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in violations
        if v.get("impact") in BLOCKING
    ]


__all__ = ["BLOCKING", "WCAG_TAGS", "blocking", "require_axe", "run_axe"]
