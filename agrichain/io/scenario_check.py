"""From tables as read to a checked scenario, reporting every problem in one pass.

The rows of each table are parsed on their own; the checks between tables then run on
the rows that parsed (a reference to a row that did not parse is not reported again),
together with the settings' problems. Issues name file, row and column as read.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from agrichain.errors import InputIssue, ScenarioError, ScenarioWarning
from agrichain.io.schema import COLUMN_ALIASES, IGNORED_COLUMNS
from agrichain.io.table_readers import TableSource
from agrichain.model import (
    TABLES,
    Record,
    Scenario,
    Settings,
    Unread,
    cross_check_tables,
    plausibility_warnings,
    validation_issues,
)


@dataclass(frozen=True)
class ParsedTable:
    """The rows of one table that parsed, and what went wrong with the others."""

    file: str
    records: tuple[Record, ...] = ()
    rows: tuple[int, ...] = ()
    """The row number of each record, as issues give it."""
    issues: tuple[InputIssue, ...] = ()
    failed_ids: frozenset[str] = frozenset()
    """Ids of the rows that did not parse (where the id cell was readable)."""
    read: bool = True
    """False when the table could not be read at all (no row is known)."""

    @property
    def whole(self) -> bool:
        return self.read and not self.issues


@dataclass(frozen=True)
class ScenarioCheck:
    """A scenario's input checked: the scenario (None if it has errors), every error
    and every warning, each located."""

    scenario: Scenario | None
    errors: tuple[InputIssue, ...] = ()
    warnings: tuple[InputIssue, ...] = ()

    def scenario_or_raise(self) -> Scenario:
        """The scenario; :class:`ScenarioError` if there were errors. Each warning is
        emitted as a :class:`~agrichain.errors.ScenarioWarning`."""
        if self.scenario is None:
            raise ScenarioError(self.errors)
        for issue in self.warnings:
            warnings.warn(ScenarioWarning(issue), stacklevel=3)
        return self.scenario


def unread_table(file: str) -> ParsedTable:
    """A table that could not be read (its problem is reported where it was found)."""
    return ParsedTable(file, read=False)


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _header_issues(
    table: str, source: TableSource
) -> tuple[list[str], dict[str, str], list[InputIssue]]:
    """The column names as read (old names renamed), which old names were used, and the
    problems of the header."""
    file, header_row = source.file, source.header_row
    fields = TABLES[table].row.model_fields
    cols = [str(c).strip() for c in source.frame.columns]
    issues: list[InputIssue] = []
    for position, c in enumerate(cols):
        if not c and any(_cell(v) is not None for v in source.frame.iloc[:, position]):
            message = f"column {position + 1} has values but no name"
            issues.append(InputIssue(file, header_row, None, message))
    dupes = {c for c in cols if c and cols.count(c) > 1}
    for c in sorted(dupes):
        issues.append(InputIssue(file, header_row, c, "column appears twice"))
    aliases = COLUMN_ALIASES.get(table, {})
    as_read: dict[str, str] = {}  # current name -> old name used in the file
    for old, new in aliases.items():
        if old not in cols:
            continue
        if new in cols:
            message = f"'{old}' is the old name of '{new}'; give only one of the two columns"
            issues.append(InputIssue(file, header_row, old, message))
        elif old not in dupes:
            cols = [new if c == old else c for c in cols]
            as_read[new] = old
    known = fields.keys() | IGNORED_COLUMNS | aliases.keys()
    for c in cols:
        if c and c not in known:
            issues.append(InputIssue(file, header_row, c, f"unknown column '{c}'"))
    for name, info in fields.items():
        if info.is_required() and name not in cols:
            message = f"required column '{name}' is missing"
            issues.append(InputIssue(file, header_row, name, message))
    return cols, as_read, issues


def parse_table(table: str, source: TableSource) -> ParsedTable:
    """Parse every row of one table; issues carry file, row and column."""
    model = TABLES[table].row
    cols, as_read, issues = _header_issues(table, source)
    if issues:
        return ParsedTable(source.file, issues=tuple(issues), read=False)
    use = [i for i, c in enumerate(cols) if c in model.model_fields]
    id_column = TABLES[table].id_column
    records: list[Record] = []
    rows: list[int] = []
    failed: set[str] = set()
    for row_number, values in zip(
        source.rows, source.frame.itertuples(index=False, name=None), strict=True
    ):
        cells = {cols[i]: _cell(values[i]) for i in use}
        cells = {c: v for c, v in cells.items() if v is not None}
        try:
            records.append(model(**cells))
            rows.append(row_number)
        except ValidationError as exc:
            issues += [
                InputIssue(x.file, x.row, as_read.get(x.column or "", x.column), x.message)
                for x in validation_issues(exc, source.file, row_number)
            ]
            if id_column is not None and isinstance(cells.get(id_column), str):
                failed.add(cells[id_column])
    return ParsedTable(source.file, tuple(records), tuple(rows), tuple(issues), frozenset(failed))


def _located(issues: Sequence[InputIssue], parsed: Mapping[str, ParsedTable]) -> list[InputIssue]:
    """Issues of the model (``<table>``, 0-based record index) named as read."""
    out = []
    for issue in issues:
        file, row = issue.file, issue.row
        table = file[1:-1] if file and file.startswith("<") and file.endswith(">") else ""
        found = parsed.get(table)
        if found is not None:
            file = found.file
            if row is not None:
                row = found.rows[row] if row < len(found.rows) else None
        out.append(InputIssue(file, row, issue.column, issue.message))
    return out


def check_tables(
    settings: Settings | None,
    parsed: Mapping[str, ParsedTable],
    issues: Sequence[InputIssue] = (),
) -> ScenarioCheck:
    """Check parsed tables against each other and the settings.

    ``settings`` is None when they are invalid (their issues are among ``issues``, with
    every other problem found while reading); tables absent from ``parsed`` are empty.
    """
    errors = list(issues)
    for found in parsed.values():
        errors += found.issues
    tables = {t: p.records for t, p in parsed.items()}
    unread: Unread = {
        t: (p.failed_ids if p.read else None) for t, p in parsed.items() if not p.whole
    }
    errors += _located(cross_check_tables(settings, tables, unread), parsed)
    doubts = _located(plausibility_warnings(settings, tables, unread), parsed)
    if errors or settings is None:
        return ScenarioCheck(None, tuple(errors), tuple(doubts))
    try:
        scenario = Scenario(settings=settings, **tables)
    except ScenarioError as exc:  # the checks above already ran; kept as a guard
        return ScenarioCheck(None, tuple(_located(exc.issues, parsed)), tuple(doubts))
    return ScenarioCheck(scenario, (), tuple(doubts))


__all__ = ["ParsedTable", "ScenarioCheck", "check_tables", "parse_table", "unread_table"]
