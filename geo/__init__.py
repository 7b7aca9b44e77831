"""Geometry, boundaries, CRS handling and aggregation. Never imports Streamlit."""

from geo.errors import CRSMismatchError, DataError, DownloadError, Problem

__all__ = ["CRSMismatchError", "DataError", "DownloadError", "Problem"]
