"""No traceback ever reaches a person: a failing page, callback or download shows a message.

:func:`guarded` wraps every page's ``render`` (``app.py``) and every widget callback; what it
catches is logged with its traceback under a short reference, and the person sees one plain
sentence with that reference (a :class:`~geo.errors.DataError` also shows its own message, which
names file, row and column). Streamlit's control-flow exceptions (``st.rerun``, ``st.stop``)
derive from ``BaseException`` and pass through. ``client.showErrorDetails = "none"`` in
``.streamlit/config.toml`` is the second line: even an error outside a page shows no details.

Drawings made when a download button is clicked run off the script thread, where nothing can
be shown; :func:`deferred` logs their failure, the button says the file could not be made, and
the next run of the page shows the message (:func:`show_deferred_failures`).
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import streamlit as st

from geo.errors import DataError, SetupError
from views.text import plain

LOG = logging.getLogger("broadband_map.views")
FAILURES = "_draw_failures"

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _reference() -> str:
    return secrets.token_hex(4)


def failure_text(exc: BaseException, *, what: str, reference: str) -> str:
    """What a person reads when ``what`` failed (shown through :func:`views.text.plain`)."""
    if isinstance(exc, DataError):
        return f"{what} could not be shown: {exc}"
    return (
        f"{what} could not be shown because of an error (reference {reference}). "
        "The details are in the server's log."
    )


def show_failure(exc: Exception, *, what: str = "This page") -> None:
    """Log ``exc`` with its traceback and show one message instead."""
    reference = _reference()
    LOG.error("%s failed (reference %s)", what, reference, exc_info=exc)
    st.error(plain(failure_text(exc, what=what, reference=reference)), icon="⚠️")


def setup_text(exc: SetupError, *, reference: str) -> str:
    """What a person reads when the app cannot start because of its configuration.

    Names the setting and what it must be, never its value (a server path) or a traceback.
    """
    if exc.setting:
        what = f"the setting {exc.setting} must be {exc.expected or 'changed'}"
    else:
        what = "one of its settings is wrong"
    return (
        f"This app cannot start because {what}. Whoever runs this service needs to fix it and "
        f"restart the app; the details are in the server's log (reference {reference})."
    )


def show_setup_failure(exc: SetupError) -> None:
    """Log ``exc`` and show :func:`setup_text` instead of any page (then stop this run)."""
    reference = _reference()
    LOG.error("the app cannot start (reference %s): %s", reference, exc)
    st.error(plain(setup_text(exc, reference=reference)), icon="⚠️")
    st.stop()


def guarded(render: Callable[_P, None], *, what: str = "This page") -> Callable[_P, None]:
    """``render`` with any exception shown as a message (for pages and widget callbacks)."""

    @functools.wraps(render)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> None:
        try:
            render(*args, **kwargs)
        except Exception as exc:  # the whole point: nothing escapes to Streamlit's traceback
            show_failure(exc, what=what)

    return run


def deferred(draw: Callable[[], _R], *, what: str) -> Callable[[], _R]:
    """``draw`` for ``st.download_button(data=…)``: a failure is logged and kept for the page.

    The failure is re-raised, so the button shows that the file could not be made.
    """
    failures: dict[str, str] = st.session_state.setdefault(FAILURES, {})

    def make() -> _R:
        try:
            return draw()
        except Exception as exc:
            reference = _reference()
            LOG.error("%s failed (reference %s)", what, reference, exc_info=exc)
            failures[what] = failure_text(exc, what=what, reference=reference)
            raise

    return make


def show_deferred_failures() -> None:
    """Show (once) every download drawing that failed since the last run."""
    failures: dict[str, str] = st.session_state.get(FAILURES, {})
    for what in list(failures):
        st.error(plain(failures.pop(what)), icon="⚠️")


__all__ = [
    "LOG",
    "deferred",
    "failure_text",
    "guarded",
    "setup_text",
    "show_deferred_failures",
    "show_failure",
    "show_setup_failure",
]
