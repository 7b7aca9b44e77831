"""Text in the exports' figures is plain text: matplotlib never reads it as mathtext or TeX.

Matplotlib treats a string with two ``$`` as mathtext, so a division called ``$x$`` would be
drawn as maths and ``$\\frac{}{}`` would stop the PDF and PNG from being drawn at all. Every
function in :mod:`geo.reports` that makes a figure is wrapped in :func:`plain_text`, which draws
it with ``text.parse_math`` and ``text.usetex`` off: each text object (titles, labels, tick
labels, legends, the sheet's paragraphs) is created, and the figure saved, under those settings,
so names print exactly as stored. A test fails if a function that makes a ``Figure`` is not
wrapped, or if text is drawn with ``wrap=True`` (matplotlib's wrapping measures words as
mathtext whatever ``text.parse_math`` says, so long text is wrapped with :mod:`textwrap`).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import matplotlib

PLAIN_TEXT_RC: dict[str, Any] = {"text.parse_math": False, "text.usetex": False}
"""Matplotlib settings in force while a figure is drawn."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


def plain_text(draw: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``draw`` with :data:`PLAIN_TEXT_RC` (a glyph the font lacks is drawn as a box)."""

    @functools.wraps(draw)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with matplotlib.rc_context(PLAIN_TEXT_RC), warnings.catch_warnings():  # type: ignore[arg-type]
            warnings.filterwarnings(
                "ignore", message=r"Glyph \d+ .*missing from", category=UserWarning
            )
            return draw(*args, **kwargs)

    return wrapper


__all__ = ["PLAIN_TEXT_RC", "plain_text"]
