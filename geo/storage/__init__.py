"""Storage: the catalogue of open data, the council's upload store, crash-safe writes."""

__all__: list[str] = []
