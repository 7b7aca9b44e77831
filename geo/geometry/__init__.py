"""Geometry and aggregation: CRS, boundaries, point-in-area sums, simplification."""

__all__: list[str] = []
