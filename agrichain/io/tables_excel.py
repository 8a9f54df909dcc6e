"""Excel workbooks (``.xlsx``, ``.xlsm``): the one reader of the CLI, the library and the app.

Which sheet holds which table: sheets named like a table (case and spaces around the
name do not matter) hold that table; a workbook without such a sheet must have exactly
one sheet. Rows are sheet rows (the header is usually row 1). Cells keep their values
(numbers, dates, times); numbers in text columns become text (``101`` → ``"101"``) and
true/false cells become text, so they are never read as 1 and 0.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from agrichain.errors import InputIssue, ScenarioError
from agrichain.io.schema import columns
from agrichain.io.table_readers import TableSource
from agrichain.model import TABLES


def _problem(name: str, message: str) -> ScenarioError:
    return ScenarioError(InputIssue(name, None, None, message))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_table(label: str, values: Sequence[Sequence[Any]]) -> TableSource | None:
    """One sheet's rows as a table (None for a sheet without a header row)."""
    header: list[str] | None = None
    header_row = 0
    cells: list[list[Any]] = []
    rows: list[int] = []
    for number, row in enumerate(values, start=1):
        if all(_blank(v) for v in row):
            continue
        if header is None:
            header = ["" if v is None else str(v).strip() for v in row]
            header_row = number
            continue
        cells.append([row[i] if i < len(row) else None for i in range(len(header))])
        rows.append(number)
    if header is None:
        return None
    return TableSource(
        label, pd.DataFrame(cells, columns=header, dtype=object), tuple(rows), header_row
    )


def read_workbook(name: str, data: bytes) -> dict[str, TableSource | None]:
    """Every sheet of a workbook by its name (None for an empty sheet), cells as read.

    Formulas give their last computed value. Raises :class:`ScenarioError` when the
    bytes are not a readable workbook.
    """
    import openpyxl  # type: ignore[import-untyped]  # (no stubs installed)

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise _problem(name, f"cannot read the workbook: {exc}") from None
    except Exception as exc:  # openpyxl raises many types on a broken file
        raise _problem(name, f"cannot read the workbook: {type(exc).__name__}: {exc}") from None
    sheets: dict[str, TableSource | None] = {}
    for sheet in book.worksheets:
        values = list(sheet.iter_rows(min_row=1, min_col=1, values_only=True))
        sheets[sheet.title] = _sheet_table(f"{name} [{sheet.title}]", values)
    book.close()
    return sheets


def _cell(value: Any, text: bool) -> Any:
    """A cell as the rows are read: blanks are None, booleans and numbers in text columns
    are text."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if text and isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else repr(value)
    return value


def _for_table(table: str, source: TableSource, label: str) -> TableSource:
    text = {c.name for c in columns(table) if c.type == "text"}
    names = list(source.frame.columns)
    cells = [
        [_cell(v, names[j] in text) for j, v in enumerate(row)]
        for row in source.frame.to_numpy(dtype=object).tolist()
    ]
    cleaned = pd.DataFrame(cells, columns=names, dtype=object)
    return TableSource(label, cleaned, source.rows, source.header_row)


def _named_sheets(sheets: Mapping[str, TableSource | None]) -> dict[str, str]:
    """Table → the sheet named like it."""
    return {s.strip().lower(): s for s in sheets if s.strip().lower() in TABLES}


def workbook_tables(
    name: str, data: bytes, table: str, *, only_table: bool = False
) -> dict[str, TableSource]:
    """The tables a workbook holds: its sheets named like tables, else its one sheet as
    ``table``. With ``only_table`` (``<table>.xlsx`` in a scenario folder) the workbook
    holds ``table`` alone: a sheet named like another table is an error, other sheets
    (notes) are not read."""
    sheets = read_workbook(name, data)
    named = _named_sheets(sheets)
    if only_table:
        others = [s for t, s in named.items() if t != table]
        if others:
            listed = ", ".join(f"'{s}'" for s in others)
            raise _problem(name, f"sheet {listed} is not read: this file holds table {table}")
        named = {table: named[table]} if table in named else {}
    if named:
        chosen = {t: (s, f"{name} [{s}]") for t, s in named.items()}
    elif len(sheets) == 1:
        chosen = {table: (next(iter(sheets)), name)}
    elif not sheets:
        raise _problem(name, "the workbook has no sheets")
    else:
        raise _problem(
            name,
            f"the workbook has {len(sheets)} sheets and none is named like a table: "
            f"name the sheet to read '{table}'",
        )
    out: dict[str, TableSource] = {}
    for t, (sheet, label) in chosen.items():
        source = sheets[sheet]
        if source is None:
            raise _problem(label, "the sheet is empty (no header row)")
        out[t] = _for_table(t, source, label)
    return out


__all__ = ["read_workbook", "workbook_tables"]
