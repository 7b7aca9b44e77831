"""Text for people: column labels, counts with thousands separators, plain dates, scale bars.

Tables on screen, in PDFs and PNGs, and CSVs meant for reading use these, so a column is
called the same everywhere (labels from :data:`geo.config.COLUMN_LABELS`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from geo.config import COLUMN_LABELS


def label(column: str, *, area_label: str = "Area") -> str:
    """The human label of ``column`` (``area_name`` becomes ``area_label``, e.g. "Division").

    Columns without a label keep their name with underscores as spaces, first letter capital.
    """
    if column == "area_name":
        return area_label
    if column == "area_code":
        return f"{area_label} code" if area_label != "Area" else COLUMN_LABELS[column]
    found = COLUMN_LABELS.get(column)
    return found if found else column.replace("_", " ").capitalize()


def labelled(frame: pd.DataFrame, *, area_label: str = "Area") -> pd.DataFrame:
    """``frame`` with every column renamed by :func:`label` (values unchanged)."""
    return frame.rename(columns={c: label(str(c), area_label=area_label) for c in frame.columns})


def count_text(value: Any, *, missing: str = "no figure") -> str:
    """A whole number with thousands separators ("12,345"), or ``missing``."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return missing
    return f"{float(value):,.0f}"


def pct_text(value: Any, *, missing: str = "no figure") -> str:
    """A percentage to one decimal place ("62.5%"), or ``missing``."""
    if value is None or pd.isna(value):
        return missing
    return f"{float(value):.1f}%"


def date_text(value: Any, *, missing: str = "") -> str:
    """A plain date ("15 March 2024"), dropping a midnight time; ``missing`` when there is none."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return missing
    stamp = pd.Timestamp(value)
    if stamp.hour or stamp.minute:
        return f"{stamp.day} {stamp:%B %Y, %H:%M}"
    return f"{stamp.day} {stamp:%B %Y}"


def add_scale_bar(ax: Any) -> None:
    """A scale bar in metres on an axes drawn in EPSG:27700 (British National Grid)."""
    from matplotlib_scalebar.scalebar import ScaleBar

    ax.add_artist(
        ScaleBar(1, units="m", location="lower right", box_alpha=0.85, font_properties={"size": 8})
    )


__all__ = ["add_scale_bar", "count_text", "date_text", "label", "labelled", "pct_text"]
