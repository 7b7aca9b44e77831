"""Sources and fetchers: official files read as published, and the HTTP clients."""

__all__: list[str] = []
