"""Reports: the profile PDF/PNG and the bid planner's evidence pack."""

__all__: list[str] = []
