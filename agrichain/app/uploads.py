"""Uploads: a zipped scenario folder, or one table as CSV or Excel, validated by the library."""

from __future__ import annotations

import io
import math
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from agrichain.errors import InputIssue, ScenarioError
from agrichain.io import columns, load_scenario, save_scenario, scenario_from_frames, table_frame
from agrichain.model import TABLES, Scenario

#: Largest uncompressed scenario zip accepted.
MAX_ZIP_BYTES = 256 * 1024 * 1024
#: Suffixes accepted for one uploaded table.
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
#: Table replaced by an upload whose file name names none.
DEFAULT_UPLOAD_TABLE = "orders"


def _renamed(exc: ScenarioError, names: Mapping[str, str]) -> ScenarioError:
    return ScenarioError(
        InputIssue(names.get(i.file or "", i.file), i.row, i.column, i.message) for i in exc.issues
    )


def _problem(name: str, message: str) -> ScenarioError:
    return ScenarioError(InputIssue(name, None, None, message))


# ----- a zipped scenario folder ---------------------------------------------------------


def _unpack(archive: zipfile.ZipFile, root: Path, name: str) -> None:
    """Write the archive's files under ``root``, refusing unsafe paths and zip bombs."""
    total = 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if not parts or parts[0] == "__MACOSX" or parts[-1].startswith("."):
            continue
        if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise _problem(name, f"unsafe path in the archive: {info.filename}")
        total += info.file_size
        if total > MAX_ZIP_BYTES:
            raise _problem(name, f"archive unpacks to more than {MAX_ZIP_BYTES} bytes")
        target = root.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.write_bytes(archive.read(info))
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
            raise _problem(name, f"cannot unpack {info.filename}: {exc}") from None


def _scenario_folder(root: Path, name: str) -> Path:
    """The one folder under ``root`` holding ``scenario.toml`` (the shallowest)."""
    folders = sorted({p.parent for p in root.rglob("scenario.toml")}, key=lambda p: len(p.parts))
    if not folders:
        raise _problem(name, "no scenario.toml in the archive")
    if len(folders) > 1 and len(folders[0].parts) == len(folders[1].parts):
        where = ", ".join(str(f.relative_to(root)) for f in folders[:3])
        raise _problem(name, f"several scenario folders in the archive ({where})")
    return folders[0]


def scenario_from_zip(data: bytes, name: str = "scenario.zip") -> Scenario:
    """Load a zipped scenario folder (``scenario.toml`` at the top or in one sub-folder).

    Raises :class:`ScenarioError` for a bad archive or invalid content.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _problem(name, "not a zip archive") from None
    with archive, tempfile.TemporaryDirectory(prefix="agrichain-upload-") as tmp:
        root = Path(tmp)
        _unpack(archive, root, name)
        folder = _scenario_folder(root, name)
        try:
            return load_scenario(folder)
        except ScenarioError as exc:
            raise _renamed(exc, {str(folder): name}) from None


# ----- one table ------------------------------------------------------------------------


def guess_table(filename: str) -> str | None:
    """The scenario table a file name refers to (``orders_0620.csv`` → ``orders``), if any."""
    stem = Path(filename).stem.strip().lower().replace("-", "_").replace(" ", "_")
    if stem in TABLES:
        return stem
    for table in sorted(TABLES, key=len, reverse=True):
        if table in stem:
            return table
    return None


def upload_table(filename: str, chosen: str | None) -> str:
    """The table an upload replaces: ``chosen``, else the one its name names, else orders."""
    return chosen or guess_table(filename) or DEFAULT_UPLOAD_TABLE


def scenario_with_table_file(
    scenario: Scenario, table: str, filename: str, data: bytes
) -> Scenario:
    """``scenario`` with one table replaced by an uploaded CSV or Excel file.

    Validated like a scenario folder; issues name the uploaded file, with CSV line
    numbers or Excel row numbers (header = row 1). An Excel workbook whose sheets are
    named like tables replaces each of those tables.
    """
    if table not in TABLES:
        raise _problem(filename, f"unknown table '{table}'")
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return _with_csv(scenario, table, filename, data)
    if suffix in (".xlsx", ".xlsm"):
        return _with_excel(scenario, table, filename, data)
    raise _problem(filename, f"expected a file ending in {', '.join(TABLE_SUFFIXES)}")


def uploaded_scenario(
    current: Scenario | None, source: str, filename: str, data: bytes, table: str | None = None
) -> tuple[Scenario, str]:
    """The scenario an upload gives, and a label of where it came from.

    A ``.zip`` is a whole scenario folder; a table file replaces ``table`` (default: the
    one its name names, else orders) of ``current``. Raises :class:`ScenarioError` when
    the upload is invalid or there is no scenario to replace a table of.
    """
    if Path(filename).suffix.lower() == ".zip":
        return scenario_from_zip(data, filename), filename
    if current is None:
        raise _problem(filename, "load a scenario first")
    chosen = upload_table(filename, table)
    updated = scenario_with_table_file(current, chosen, filename, data)
    return updated, f"{source} + {filename} ({chosen})"


def _with_csv(scenario: Scenario, table: str, filename: str, data: bytes) -> Scenario:
    with tempfile.TemporaryDirectory(prefix="agrichain-upload-") as tmp:
        save_scenario(scenario, tmp)
        (Path(tmp) / f"{table}.csv").write_bytes(data)
        try:
            return load_scenario(tmp)
        except ScenarioError as exc:
            raise _renamed(exc, {f"{table}.csv": filename, tmp: filename}) from None


def _excel_cell(value: Any, text: bool) -> Any:
    """A cell as the library reads it: blanks are None, numbers in text columns are text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    if text and isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _cleaned_sheet(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A sheet with trimmed headers, library cells and no blank rows (index = sheet row)."""
    text = {c.name for c in columns(table) if c.type == "text"}
    frame = frame.rename(columns=lambda c: str(c).strip())
    cleaned = pd.DataFrame(
        {c: [_excel_cell(v, c in text) for v in frame[c]] for c in frame.columns},
        index=frame.index,
        dtype=object,
    )
    blank = cleaned.apply(lambda r: all(v is None or v == "" for v in r), axis=1)
    return cleaned.loc[~blank] if len(cleaned) else cleaned


def _chosen_sheets(
    sheets: Mapping[Any, pd.DataFrame], table: str, filename: str
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The sheets used per table and how issues name them: sheets named like tables,
    else the first sheet as ``table``."""
    named = {str(s).strip().lower(): (str(s), f) for s, f in sheets.items()}
    named = {t: sf for t, sf in named.items() if t in TABLES}
    if named:
        chosen = {t: f for t, (_, f) in named.items()}
        return chosen, {t: f"{filename} [{s}]" for t, (s, _) in named.items()}
    if sheets:
        return {table: next(iter(sheets.values()))}, {table: filename}
    raise _problem(filename, "the workbook has no sheets")


def _with_excel(scenario: Scenario, table: str, filename: str, data: bytes) -> Scenario:
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=object)
    except Exception as exc:  # openpyxl raises many types; all mean "unreadable"
        raise _problem(filename, f"cannot read the workbook: {exc}") from None
    chosen, labels = _chosen_sheets(sheets, table, filename)
    frames = {t: table_frame(scenario, t) for t in TABLES}
    excel_rows: dict[str, list[int]] = {}
    for t, frame in chosen.items():
        cleaned = _cleaned_sheet(t, frame)
        excel_rows[t] = [int(i) + 2 for i in cleaned.index]
        frames[t] = cleaned.reset_index(drop=True)
    try:
        return scenario_from_frames(scenario.settings, **frames)
    except ScenarioError as exc:
        out = []
        for i in exc.issues:
            if i.file in chosen:
                rows = excel_rows[i.file]
                row = rows[i.row] if i.row is not None and i.row < len(rows) else i.row
                out.append(InputIssue(labels[i.file], row, i.column, i.message))
            else:
                out.append(i)
        raise ScenarioError(out) from None


__all__ = [
    "DEFAULT_UPLOAD_TABLE",
    "MAX_ZIP_BYTES",
    "TABLE_SUFFIXES",
    "guess_table",
    "scenario_from_zip",
    "scenario_with_table_file",
    "upload_table",
    "uploaded_scenario",
]
