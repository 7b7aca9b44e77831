"""Analysis: coverage figures, profiles, gap scores, reach, lookups, privacy."""

__all__: list[str] = []
