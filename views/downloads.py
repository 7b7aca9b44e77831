"""Every table the app offers for download is formula-safe.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula (``=HYPERLINK(…)`` sends data away; ``+cmd|…`` has run programs). Our download
buttons write CSV only through :func:`geo.analysis.privacy.formula_safe_csv`, and Streamlit's
own "Download as CSV" on tables and charts (which keeps such cells) is switched off for the
whole app with ``client.disableDataExport = true`` in ``.streamlit/config.toml``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from geo.analysis.privacy import formula_safe_csv
from views.text import plain


def download_table(
    label: str, frame: pd.DataFrame, file_name: str, *, key: str, where: Any = st
) -> None:
    """A download button for ``frame`` as formula-safe CSV (UTF-8, no index)."""
    where.download_button(plain(label), formula_safe_csv(frame), file_name, "text/csv", key=key)


__all__ = ["download_table"]
