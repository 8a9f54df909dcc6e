"""Reading a small file of typed rows that is not a scenario table (``events.csv``,
``actuals.csv``): CSV or an Excel sheet, each row parsed into a :class:`Record`, every bad
cell located (file, line, column)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from pydantic import ValidationError

from agrichain.errors import InputIssue, ScenarioError
from agrichain.io.table_files import CSV_SUFFIX, EXCEL_SUFFIXES, file_problem
from agrichain.io.table_readers import TableSource, read_csv_table
from agrichain.io.tables_excel import read_workbook
from agrichain.model import Record, validation_issues

R = TypeVar("R", bound=Record)


def refusal(file: str, message: str) -> ScenarioError:
    """A problem of the whole file."""
    return ScenarioError(InputIssue(file, None, None, message))


def text_cell(value: Any) -> Any:
    """Numbers and true/false of a spreadsheet as text, as CSV would give them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and pd.isna(value):
        return value
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else repr(value)
    return value


def workbook_sheet(name: str, sheets: Mapping[str, TableSource | None], sheet: str) -> TableSource:
    """The sheet named ``sheet`` (any case), else the only one, with its cells as text."""
    named = [s for s in sheets if s.strip().lower() == sheet]
    if named:
        chosen = named[0]
    elif len(sheets) == 1:
        chosen = next(iter(sheets))
    else:
        raise refusal(
            name, f"the workbook has {len(sheets)} sheets: name the one to read '{sheet}'"
        )
    source = sheets[chosen]
    if source is None:
        raise refusal(name, "the sheet is empty (no header row)")
    return TableSource(source.file, source.frame.map(text_cell), source.rows, source.header_row)


def record_source(path: Path, sheet: str) -> TableSource:
    """The file's table: CSV, or the sheet ``sheet`` of a workbook."""
    name = str(path)
    problem = file_problem(path)
    if problem is not None:
        raise refusal(name, problem)
    suffix = path.suffix.lower()
    if suffix not in (CSV_SUFFIX, *EXCEL_SUFFIXES):
        raise refusal(name, f"expected a file ending in {', '.join((CSV_SUFFIX, *EXCEL_SUFFIXES))}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise refusal(name, f"cannot read: {exc.strerror}") from None
    if suffix == CSV_SUFFIX:
        return read_csv_table(name, data)
    return workbook_sheet(name, read_workbook(name, data), sheet)


def header_issues(
    source: TableSource, columns: Sequence[str], required: Sequence[str]
) -> list[InputIssue]:
    """Columns given twice, unknown, or missing."""
    cols = [str(c).strip() for c in source.frame.columns]
    issues = []
    for c in sorted({c for c in cols if cols.count(c) > 1}):
        issues.append(InputIssue(source.file, source.header_row, c, "column appears twice"))
    for c in cols:
        if c not in columns:
            message = f"unknown column '{c}' (columns: {', '.join(columns)})"
            issues.append(InputIssue(source.file, source.header_row, c or None, message))
    for c in required:
        if c not in cols:
            message = f"required column '{c}' is missing"
            issues.append(InputIssue(source.file, source.header_row, c, message))
    return issues


def row_cells(values: Sequence[Any], cols: Sequence[str]) -> dict[str, Any]:
    """The row's non-empty cells by column (text stripped)."""
    out = {}
    for c, v in zip(cols, values, strict=True):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            continue  # empty: NaN, NaT, None
        if isinstance(v, str):
            v = v.strip()
            if not v:
                continue
        out[c] = v
    return out


def read_record_file(
    path: str | os.PathLike[str],
    row: type[R],
    columns: Sequence[str],
    required: Sequence[str],
    sheet: str,
) -> tuple[str, list[tuple[int, R]], list[InputIssue]]:
    """The file's name, its rows that parse as ``row`` with their line numbers, and the
    located issues of those that do not (a bad header raises at once)."""
    source = record_source(Path(path), sheet)
    issues = header_issues(source, columns, required)
    if issues:
        raise ScenarioError(issues)
    cols = [str(c).strip() for c in source.frame.columns]
    rows: list[tuple[int, R]] = []
    for line, values in zip(
        source.rows, source.frame.itertuples(index=False, name=None), strict=True
    ):
        try:
            rows.append((line, row(**row_cells(values, cols))))
        except ValidationError as exc:
            issues += validation_issues(exc, source.file, line)
    return source.file, rows, issues


__all__ = ["read_record_file", "record_source", "row_cells", "text_cell"]
