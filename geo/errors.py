"""Typed errors that say where a problem is: file, row, column, value and what was expected."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``row`` is the 1-based data row as a spreadsheet shows it (the header is row 1, so the
    first record is row 2); ``None`` when the problem is with the whole file or a column.
    """

    file: str
    reason: str
    row: int | None = None
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.reason}{value}"

    def as_dict(self) -> dict[str, object]:
        """The problem as a table row."""
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "reason": self.reason,
        }


class DataError(ValueError):
    """Input data that cannot be used. Holds every problem found, not just the first."""

    def __init__(self, problems: Problem | Iterable[Problem]):
        self.problems: list[Problem] = (
            [problems] if isinstance(problems, Problem) else list(problems)
        )
        if not self.problems:
            raise ValueError("DataError needs at least one problem")
        shown = "\n".join(f"- {p}" for p in self.problems[:50])
        more = len(self.problems) - 50
        if more > 0:
            shown += f"\n- … and {more} more"
        head = f"{len(self.problems)} problem(s) in {self.problems[0].file}"
        super().__init__(f"{head}:\n{shown}" if len(self.problems) > 1 else str(self.problems[0]))

    @classmethod
    def single(
        cls,
        file: str,
        reason: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> DataError:
        """An error with one problem."""
        return cls(Problem(file, reason, row=row, column=column, value=value))


class CRSMismatchError(DataError):
    """Two inputs in different coordinate reference systems were combined."""


class DownloadError(RuntimeError):
    """A download failed; nothing from it was cached."""


class SetupError(ValueError):
    """The deployment cannot do what was asked: a bad setting (``BROADBAND_*``), a data folder
    that is a file or not writable, or data that has not been loaded yet.

    ``str(exc)`` is the detail for the log and the CLI (it may name server paths); ``setting``
    and ``expected`` say which setting is wrong and what it must be, for a page to show.
    """

    def __init__(self, message: str, *, setting: str | None = None, expected: str | None = None):
        super().__init__(message)
        self.setting = setting
        self.expected = expected


class ProblemCollector:
    """Collects problems while a file is checked, then raises them together."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(
        self,
        reason: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        """Record one problem."""
        self.problems.append(Problem(self.file, reason, row=row, column=column, value=value))

    def raise_if_any(self) -> None:
        """Raise a :class:`DataError` holding every problem recorded so far."""
        if self.problems:
            raise DataError(self.problems)


__all__ = [
    "CRSMismatchError",
    "DataError",
    "DownloadError",
    "Problem",
    "ProblemCollector",
    "SetupError",
]
