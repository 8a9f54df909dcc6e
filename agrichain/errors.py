"""Exceptions raised by agrichain.

Infeasibility is never an exception: a plan carries its status and unserved list.
Exceptions are for bad input (:class:`ScenarioError`) and internal faults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class InputIssue:
    """One thing wrong with the input, located as precisely as possible.

    ``row`` is the 1-based line number in a CSV file (the header is row 1), the
    1-based feature number in a GeoJSON/GeoPackage layer, or the 0-based index
    in a table built from Python objects (then ``file`` names the table).
    """

    file: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class AgrichainError(Exception):
    """Base class of every exception agrichain raises on purpose."""


class ScenarioError(AgrichainError):
    """The scenario input is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[InputIssue] | InputIssue | str) -> None:
        if isinstance(issues, str):
            issues = [InputIssue(None, None, None, issues)]
        elif isinstance(issues, InputIssue):
            issues = [issues]
        self.issues: tuple[InputIssue, ...] = tuple(issues)
        if not self.issues:
            raise ValueError("ScenarioError needs at least one issue")
        first = str(self.issues[0])
        more = len(self.issues) - 1
        super().__init__(first + (f" (and {more} more)" if more else ""))

    @property
    def first(self) -> InputIssue:
        return self.issues[0]


class ScenarioWarning(UserWarning):
    """A doubtful but valid input value (the scenario loads); ``issue`` locates it."""

    def __init__(self, issue: InputIssue) -> None:
        self.issue = issue
        super().__init__(str(issue))


class SolverError(AgrichainError):
    """A solver failed in a way that is not the input's fault (an internal error)."""
