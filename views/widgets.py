"""Widgets the pages share: the picked area (one state, one owner) and the postcode box.

The picked area has exactly one owner, :data:`PICKED` in the session. Four things may change
it, and the last action wins:

* opening or changing a link's ``?division=<code>`` (a value the page did not write itself);
* a click on the map (a new click position, placed in the polygon under the cursor);
* the name picker (its ``on_change`` callback);
* the postcode box.

After every run the picker shows :data:`PICKED` and ``?division=`` is written from it, so the
URL is always a link to what is on screen. An unknown code in the URL is explained and cleared.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.analysis.lookup import find_area
from geo.analysis.postcode_figures import postcode_answer
from geo.config import DEFAULT_MEASURE, MEASURES, NOT_PUBLISHED
from geo.errors import DataError
from layers.choropleth import clicked_point_area
from views.text import plain

PICKED = "picked_area"
"""Session key of the picked area's code (``None`` when nothing is picked)."""
_URL_SEEN = "_picked_url_seen"
_CLICK_SEEN = "_picked_click_seen"
PARAM = "division"


def _adopt_url(names: dict[str, str]) -> None:
    """A ``?division=`` the page did not write (a link, the back button) becomes the pick."""
    url = st.query_params.get(PARAM)
    if url == st.session_state.get(_URL_SEEN):
        return
    st.session_state[_URL_SEEN] = url
    if url is None:
        return
    if url in names:
        st.session_state[PICKED] = url
    else:
        st.warning(
            plain(
                f"There is no area with the code in this link ({url!r}); pick one by name, "
                "postcode or on the map."
            ),
            icon="🔗",
        )
        st.session_state[PICKED] = None


def _adopt_click(map_key: str, areas: gpd.GeoDataFrame | None) -> None:
    """A new click on the map picks the polygon under the cursor (clicks on nothing: no change)."""
    if areas is None:
        return
    result: dict[str, Any] | None = st.session_state.get(map_key)
    click = (result or {}).get("last_clicked")
    if not click or click == st.session_state.get(_CLICK_SEEN):
        return
    st.session_state[_CLICK_SEEN] = click
    code = clicked_point_area(click, areas)
    if code is not None:
        st.session_state[PICKED] = code


def choose(code: str | None) -> None:
    """Make ``code`` the picked area (the picker and ``?division=`` follow on this run)."""
    st.session_state[PICKED] = code


def _from_picker(widget_key: str) -> None:
    st.session_state[PICKED] = st.session_state.get(widget_key)


def picked_area(
    names: dict[str, str],
    *,
    label: str = "Find an area by name",
    map_key: str | None = None,
    areas: gpd.GeoDataFrame | None = None,
    widget_key: str = "division",
) -> str | None:
    """Draw the name picker and return the picked area's code (see the module docstring).

    Parameters
    ----------
    names
        Area code → name of every area that may be picked.
    map_key
        The ``st_folium`` key of this page's map, whose clicks pick areas, and ``areas`` the
        EPSG:4326 polygons drawn on it (what the person clicked on).
    """
    _adopt_url(names)
    if map_key is not None:
        _adopt_click(map_key, areas)
    if st.session_state.get(PICKED) not in names:
        st.session_state[PICKED] = None
    st.session_state[widget_key] = st.session_state[PICKED]
    codes = sorted(names, key=lambda c: (names[c].casefold(), c))
    st.selectbox(
        plain(label), options=[None, *codes], key=widget_key,
        format_func=lambda c: "Choose an area…" if c is None else names[c],
        on_change=_from_picker, args=(widget_key,),
    )  # fmt: skip
    picked = st.session_state[PICKED]
    if picked:
        st.query_params[PARAM] = picked
    elif PARAM in st.query_params:
        del st.query_params[PARAM]
    st.session_state[_URL_SEEN] = picked
    return picked


def postcode_box(
    postcodes: pd.DataFrame | None,
    areas: gpd.GeoDataFrame,
    names: dict[str, str],
    *,
    label: str = "Find your area by postcode",
    key: str = "postcode",
    percentages: pd.DataFrame | None = None,
    coverage: pd.DataFrame | None = None,
    release: str | None = None,
) -> None:
    """A postcode form: a postcode in the directory picks its area; anything else says why not.

    When a loaded Ofcom postcode file has the postcode (``percentages`` = the catalogue's
    ``coverage_pct``, ``coverage`` its rows with counts), its own figures are shown too,
    labelled as a postcode figure with source, release, method and licence
    (:func:`geo.analysis.postcode_figures.postcode_answer`). Call before :func:`picked_area`
    so that the pick shows on the same run.
    """
    with st.form(f"{key}_form", border=False):
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        example = _example(postcodes)
        text = c1.text_input(plain(label), key=key, autocomplete="postal-code",
                             placeholder=f"for example {example}" if example else "")  # fmt: skip
        go = c2.form_submit_button("Find")
    if not go or not text.strip():
        return
    result = find_area(text, postcodes=postcodes, areas=areas)
    if result.status == "found" and result.area_code in names:
        choose(str(result.area_code))
        st.success(plain(f"{result.postcode} is in {names[str(result.area_code)]}."))
    else:
        st.warning(plain(result.message))
    _postcode_figures(text, percentages=percentages, coverage=coverage, release=release)


def _postcode_figures(
    text: str,
    *,
    percentages: pd.DataFrame | None,
    coverage: pd.DataFrame | None,
    release: str | None,
) -> None:
    """The postcode's own Ofcom figures, when a loaded postcode file has them."""
    try:
        answer = postcode_answer(text, percentages=percentages, coverage=coverage, release=release)
    except DataError:  # not a postcode: find_area has said so
        return
    if answer is None:
        return
    st.markdown(f"**{plain(f'At {answer.postcode} itself')}**")
    st.dataframe(answer.table(), hide_index=True, width="stretch")
    lines = [
        f"A {answer.kind}: {answer.method}, from {answer.source or 'the Ofcom postcode file'} "
        f"(Ofcom Connected Nations {answer.release}). {answer.licence}",
        *answer.caveats,
    ]
    st.caption(plain(" ".join(lines)))


def _example(postcodes: pd.DataFrame | None) -> str | None:
    """A postcode from the loaded directory to suggest (so the demo suggests a demo one)."""
    if postcodes is None or postcodes.empty:
        return None
    live = postcodes.index
    if "terminated" in postcodes:
        live = live[~postcodes["terminated"].astype(bool).to_numpy()]
    return str(live[len(live) // 2]) if len(live) else None


def measure_box(where: Any, figures: pd.DataFrame, release: str, *, label: str, key: str) -> str:
    """A measure picker listing only the measures ``figures`` carry for ``release``.

    A measure the release's file does not publish (no ``pct_<m>`` column, see
    :func:`geo.analysis.coverage.published_only`) is not offered, and is named beneath as
    "not published in this release"; a choice kept from another release falls back to the
    default.
    """
    have = [m for m in MEASURES if f"pct_{m}" in figures]
    if not have:
        have = list(MEASURES)
    if st.session_state.get(key) not in have:
        st.session_state.pop(key, None)
    default = DEFAULT_MEASURE if DEFAULT_MEASURE in have else have[0]
    choice = where.selectbox(
        plain(label),
        have,
        index=have.index(default),
        format_func=lambda m: MEASURES[m].label,
        key=key,
    )
    missing = [MEASURES[m].label for m in MEASURES if m not in have]
    if missing:
        where.caption(plain(f"{', '.join(missing)}: {NOT_PUBLISHED} ({release})."))
    return str(choice)


__all__ = ["PICKED", "choose", "measure_box", "picked_area", "postcode_box"]
