"""Which files of a scenario folder hold which table: the one rule, and its refusals.

Each table is read from ``<table>.csv``, ``<table>.xlsx`` or ``<table>.xlsm`` (``farms``
and ``logistics_points`` also ``.geojson`` / ``.gpkg``), the name written exactly so, at
most one file per table. Every other entry that looks like a table file is an error,
never ignored: a table's name in another case (``Orders.CSV``) or with another ending
(``orders.txt``, ``orders.xls``, ``orders.csv.bak``), any other file ending like a table
(``order.csv``, ``orders_old.xlsx``), and a table's file name that is not a regular file
(a folder, a broken or looping symbolic link). Hidden entries (``.…``), Office lock files
(``~$…``), other sub-folders and other files (``README.md``) are not read.
"""

from __future__ import annotations

import difflib
import errno
import os
import stat
from pathlib import Path
from typing import NamedTuple

from agrichain.errors import InputIssue
from agrichain.model import TABLES

CSV_SUFFIX = ".csv"
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
GEO_SUFFIXES = (".geojson", ".gpkg")
#: Endings of files that look like a table (read or refused, never ignored).
TABLE_LIKE_SUFFIXES = frozenset(
    {CSV_SUFFIX, *EXCEL_SUFFIXES, *GEO_SUFFIXES, ".tsv", ".xls", ".ods", ".parquet"}
)
#: The settings file of a scenario folder.
SETTINGS_NAME = "scenario.toml"


def table_suffixes(table: str) -> tuple[str, ...]:
    """The endings a file of ``table`` may have, in order of preference."""
    geo = GEO_SUFFIXES if TABLES[table].geo else ()
    return (CSV_SUFFIX, *EXCEL_SUFFIXES, *geo)


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (missing, a folder, a broken link …), if so."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "broken symbolic link" if path.is_symlink() else "file not found"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        return f"cannot read: {exc.strerror}"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None


def _stem_and_ending(name: str) -> tuple[str, str]:
    stem, dot, rest = name.partition(".")
    return stem, dot + rest


def _refusal(name: str) -> str | None:
    """Why a folder entry that is not a table file under the rule is refused, if it is."""
    stem, ending = _stem_and_ending(name)
    if stem.lower() in TABLES:
        table = stem.lower()
        endings = ", ".join(table_suffixes(table))
        if ending.lower() in table_suffixes(table):
            return f"write the name in lower case, as {table}{ending.lower()}"
        return f"not read: a file of table {table} ends in {endings}"
    if name.lower() == SETTINGS_NAME:
        return f"write the name in lower case, as {SETTINGS_NAME}"
    if Path(name).suffix.lower() in TABLE_LIKE_SUFFIXES:
        close = difflib.get_close_matches(stem.lower(), TABLES, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"not a scenario table (tables: {', '.join(TABLES)}){hint}"
    return None


def _ignored(name: str) -> bool:
    return name.startswith((".", "~$"))


class FolderTables(NamedTuple):
    """What a scenario folder holds under the rule."""

    files: dict[str, Path]
    """The file of each table found."""
    refused: frozenset[str]
    """Tables with a refused file (their name in another case or ending, not a file)."""
    issues: list[InputIssue]
    """One issue per refused entry."""


def table_files(root: Path, not_tables: frozenset[str] = frozenset()) -> FolderTables:
    """The file of each table found in ``root``, and the entries refused by the rule;
    ``not_tables`` are other files the scenario reads (a travel matrix), passed over."""
    wanted = {f"{t}{s}": t for t in TABLES for s in table_suffixes(t)}
    found: dict[str, list[Path]] = {}
    refused: set[str] = set()
    issues: list[InputIssue] = []
    try:
        names = sorted(os.listdir(root))
    except OSError as exc:
        unlisted = InputIssue(str(root), None, None, f"cannot list: {exc.strerror}")
        return FolderTables({}, frozenset(TABLES), [unlisted])
    for name in names:
        if _ignored(name) or name == SETTINGS_NAME or name in not_tables:
            continue
        path = root / name
        problem = file_problem(path) if name in wanted else _refusal(name)
        if name in wanted and problem is None:
            found.setdefault(wanted[name], []).append(path)
        elif problem is not None and not (path.is_dir() and Path(name).suffix == ""):
            issues.append(InputIssue(name, None, None, problem))
            refused.add(_stem_and_ending(name)[0].lower())
    chosen: dict[str, Path] = {}
    for table, paths in found.items():
        paths.sort(key=lambda p: table_suffixes(table).index(p.name[len(table) :]))
        if len(paths) > 1:
            names_given = ", ".join(p.name for p in paths)
            message = f"give only one of {names_given} (one file per table)"
            issues.append(InputIssue(paths[1].name, None, None, message))
        chosen[table] = paths[0]
    return FolderTables(chosen, frozenset(refused & TABLES.keys()), issues)


__all__ = [
    "CSV_SUFFIX",
    "EXCEL_SUFFIXES",
    "GEO_SUFFIXES",
    "SETTINGS_NAME",
    "TABLE_LIKE_SUFFIXES",
    "FolderTables",
    "file_problem",
    "table_files",
    "table_suffixes",
]
