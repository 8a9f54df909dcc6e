"""Uploads: a zipped scenario folder, or one table as CSV or Excel, validated by the library."""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from agrichain.errors import InputIssue, ScenarioError
from agrichain.io import load_scenario, read_table_file, replace_tables
from agrichain.model import TABLES, Scenario

#: Largest uncompressed scenario zip accepted.
MAX_ZIP_BYTES = 256 * 1024 * 1024
#: Suffixes accepted for one uploaded table.
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
#: Unpacked scenario uploads kept on disk (the least recently used go first).
KEPT_UPLOADS = 8
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


def _load_unpacked(data: bytes, name: str, root: Path) -> tuple[Scenario, Path]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _problem(name, "not a zip archive") from None
    with archive:
        _unpack(archive, root, name)
    folder = _scenario_folder(root, name)
    try:
        return load_scenario(folder), folder
    except ScenarioError as exc:
        raise _renamed(exc, {str(folder): name}) from None


def scenario_from_zip(data: bytes, name: str = "scenario.zip") -> Scenario:
    """Load a zipped scenario folder (``scenario.toml`` at the top or in one sub-folder).

    Raises :class:`ScenarioError` for a bad archive or invalid content.
    """
    with tempfile.TemporaryDirectory(prefix="agrichain-upload-") as tmp:
        return _load_unpacked(data, name, Path(tmp))[0]


def kept_scenario_from_zip(data: bytes, name: str, keep_in: Path) -> tuple[Scenario, Path]:
    """Load a zipped scenario folder unpacked for good under ``keep_in`` (once per content;
    the :data:`KEPT_UPLOADS` used last stay): the scenario and its folder, where the
    files ``[travel]`` names are read from."""
    home = keep_in / hashlib.sha256(data).hexdigest()[:24]
    if home.is_dir():
        home.touch()
        folder = _scenario_folder(home, name)
        try:
            loaded = load_scenario(folder), folder
        except ScenarioError as exc:
            raise _renamed(exc, {str(folder): name}) from None
    else:
        keep_in.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".unpacking-", dir=keep_in) as tmp:
            scenario, folder = _load_unpacked(data, name, Path(tmp))  # only valid ones kept
            with contextlib.suppress(OSError):  # another session may have kept it meanwhile
                Path(tmp).rename(home)
            loaded = scenario, home / folder.relative_to(tmp)
    kept = [p for p in keep_in.iterdir() if p.is_dir() and not p.name.startswith(".")]
    kept.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEPT_UPLOADS:]:
        if old != home:
            shutil.rmtree(old, ignore_errors=True)
    return loaded


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
    scenario: Scenario, table: str, filename: str, data: bytes, coordinates: str = "wgs84"
) -> Scenario:
    """``scenario`` with one table replaced by an uploaded CSV or Excel file, its places
    read in ``coordinates`` (``wgs84``, ``gcj02`` or ``bd09``) and held in WGS-84.

    Read and validated by the library like a table file of a scenario folder; issues
    name the uploaded file, with CSV line numbers or Excel row numbers (header = row 1),
    and the tables kept by their 1-based rows. An Excel workbook whose sheets are named
    like tables replaces each of those tables.
    """
    if table not in TABLES:
        raise _problem(filename, f"unknown table '{table}'")
    return replace_tables(scenario, read_table_file(table, filename, data), coordinates)


class Upload(NamedTuple):
    """A scenario loaded from an upload."""

    scenario: Scenario
    source: str
    """Where it came from, for the caption."""
    folder: Path | None
    """The folder ``[travel]`` files are read from (None: there is none)."""


def uploaded_scenario(
    current: Scenario | None,
    source: str,
    filename: str,
    data: bytes,
    table: str | None = None,
    *,
    folder: Path | None = None,
    keep_in: Path | None = None,
    coordinates: str = "wgs84",
) -> Upload:
    """The scenario an upload gives, a label of where it came from, and its folder.

    A ``.zip`` is a whole scenario folder (unpacked for good under ``keep_in`` when given,
    so the files ``[travel]`` names can be read later); a table file replaces ``table``
    (default: the one its name names, else orders) of ``current``, whose ``folder`` stays;
    its places are in ``coordinates``.
    Raises :class:`ScenarioError` when the upload is invalid or there is no scenario to
    replace a table of.
    """
    if Path(filename).suffix.lower() == ".zip":
        if keep_in is None:
            return Upload(scenario_from_zip(data, filename), filename, None)
        scenario, kept = kept_scenario_from_zip(data, filename, keep_in)
        return Upload(scenario, filename, kept)
    if current is None:
        raise _problem(filename, "load a scenario first")
    chosen = upload_table(filename, table)
    updated = scenario_with_table_file(current, chosen, filename, data, coordinates)
    return Upload(updated, f"{source} + {filename} ({chosen})", folder)


__all__ = [
    "DEFAULT_UPLOAD_TABLE",
    "MAX_ZIP_BYTES",
    "TABLE_SUFFIXES",
    "Upload",
    "guess_table",
    "kept_scenario_from_zip",
    "scenario_from_zip",
    "scenario_with_table_file",
    "upload_table",
    "uploaded_scenario",
]
