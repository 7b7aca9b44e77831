"""Placeholder."""


def render() -> None:
    """The Bid planner page."""
