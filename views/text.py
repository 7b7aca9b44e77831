"""Plain text in Streamlit: names and data values are shown as typed, never as Markdown or HTML.

Most Streamlit text elements (titles, headers, captions, alerts, metric labels, table cells of
``st.table``, progress text) read their string as GitHub-flavoured Markdown, so a division
called ``![x](http://host/beacon.png)`` would make every visitor's browser fetch that image,
and ``$x$`` would be typeset as maths. :func:`plain` backslash-escapes every ASCII punctuation
character that can mean anything (CommonMark lets any of them be escaped, and an escaped
character is always literal), which also disarms Streamlit's own directives (``:red[…]``,
``:material/…:``, emoji shortcodes) and its ``$`` maths; line breaks and other control
characters become spaces, so the text is one line and no block syntax can start; and an
invisible word joiner inside ``http://`` and ``www.`` stops GFM's web autolinks.
Every view passes
data through it; ``tests/test_views_plain.py`` fails on a Markdown-rendering call whose text is
built from anything but literals, constants, numbers and :func:`plain`.
"""

from __future__ import annotations

import re

import pandas as pd

_PUNCTUATION = re.compile(r"([!#$&()*+\-.:<=>@\[\\\]^_`{|}~])")
"""ASCII punctuation that Markdown, GFM or Streamlit can give a meaning; ``, % ' " ; ? /`` never
have one on a single line and are left as they are, so ordinary text and numbers read clean."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


_AUTOLINK = re.compile(r"(?i)(?<=https)(?=://)|(?<=http)(?=://)|(?<=www)(?=\.)")
WORD_JOINER = "\u2060"
"""Invisible, and neither a letter, a space nor punctuation: placed inside ``http://`` and
``www.`` it stops GFM's web autolinks, which are made from the text after escapes are resolved
(so a backslash cannot stop them). E-mail addresses are left to become ``mailto:`` links: the
joiner would break searching the page for them, and such a link fetches nothing."""


def _line(value: object) -> str:
    """``value`` as one line with web autolinks broken (blank for missing values)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    return _AUTOLINK.sub(WORD_JOINER, _CONTROL.sub(" ", str(value)))


def plain(value: object) -> str:
    """``value`` as Markdown that displays exactly as typed (blank for missing values)."""
    return _PUNCTUATION.sub(r"\\\1", _line(value))


_INLINE = re.compile(r"([\\`*_\[\]<>!$:~|&{}])")
"""What Markdown, GFM or Streamlit reads in the middle of a line."""


def inline_plain(value: object) -> str:
    r"""``value`` as Markdown that displays as typed *after other text on the same line*, with as
    few backslashes as that allows: for the end of a widget label.

    Streamlit also puts a label's source in the input's ``aria-label``, so every escape there is
    a backslash a screen reader reads out. Block syntax (``1.``, ``- ``, ``#``) cannot start
    mid-line, so ``. ( ) - # +`` are left alone; links, emphasis, code, HTML, maths, directives
    and autolinks (a word joiner before ``@`` and inside ``http://``) are disarmed as
    :func:`plain` does.

    Examples
    --------
    >>> inline_plain("Enter a postcode, for example NR1 3QU.")
    'Enter a postcode, for example NR1 3QU.'
    >>> print(inline_plain("*b* [x](y) $m$ <i>"))
    \*b\* \[x\](y) \$m\$ \<i\>
    """
    return _INLINE.sub(r"\\\1", _line(value).replace("@", WORD_JOINER + "@"))


def as_shown(markdown: str) -> str:
    """What a browser shows for text made by :func:`plain` (tests read pages through this)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")


def as_shown_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`as_shown` of every text cell and header of a frame made by :func:`plain_frame`."""
    out = frame.map(lambda v: as_shown(v) if isinstance(v, str) else v)
    out.columns = [as_shown(str(c)) for c in frame.columns]
    return out


def code(value: object) -> str:
    """``value`` as a Markdown code span that shows it literally (CommonMark: a fence of more
    backticks than any run inside it, padded with spaces)."""
    text = _CONTROL.sub(" ", str(value))
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell and header through :func:`plain` (for ``st.table``)."""
    out = frame.map(lambda v: plain(v) if isinstance(v, str) else v)
    out.columns = [plain(c) for c in frame.columns]
    if not isinstance(frame.index, pd.RangeIndex):
        out.index = [plain(i) for i in frame.index]
    return out


__all__ = [
    "WORD_JOINER",
    "as_shown",
    "as_shown_frame",
    "code",
    "inline_plain",
    "plain",
    "plain_frame",
]
