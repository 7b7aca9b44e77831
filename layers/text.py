"""Text that reaches a map: escaped once, in one place.

Folium renders a map's scripts and then compiles the result again as a Jinja template, so
any ``{{ … }}`` or ``{% … %}`` in a name would be *evaluated on the server* (template
injection: a site called ``{{ 7*7 }}`` shows 49). Popups and tooltips also end up inside
JavaScript template literals. :func:`esc` therefore escapes, as HTML entities, ``<>&"'``,
the braces Jinja needs, and `` ` ``, ``$`` and ``\\``. Browsers show all of them as typed.
"""

from __future__ import annotations

import html

import pandas as pd

_EXTRA = str.maketrans({"{": "&#123;", "}": "&#125;", "`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def esc(value: object) -> str:
    """Escaped text for a map's HTML (blank for missing values)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True).translate(_EXTRA)


__all__ = ["esc"]
