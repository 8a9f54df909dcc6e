"""Writing a scenario folder (a rolled day, a re-planned day's scenario): the whole folder
at once, and never over other data.

The files are written in a hidden sibling folder and swapped in
(:func:`agrichain.io.atomic.replace_folder`), so a reader sees the old scenario or the
new one, never a mix. A folder that exists and is neither empty nor a scenario folder
(``scenario.toml`` and nothing but table files) is refused and left as it is.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from agrichain.errors import AgrichainError
from agrichain.io.atomic import replace_folder
from agrichain.io.output_folders import checked_output_folder, refusal_to_replace
from agrichain.io.scenario_files import save_scenario
from agrichain.io.settings_file import load_settings
from agrichain.io.table_files import SETTINGS_NAME, table_suffixes
from agrichain.io.travel import travel_files
from agrichain.model import TABLES, Scenario

#: The names a file of a scenario folder may have.
SCENARIO_FILE_NAMES = frozenset(
    {SETTINGS_NAME} | {f"{t}{s}" for t in TABLES for s in table_suffixes(t)}
)


class ScenarioFolderError(AgrichainError, ValueError):
    """The folder cannot take a scenario: a file is in the way, or it holds other data."""


def is_scenario_file(entry: Path) -> bool:
    """A scenario's file (or a temporary file of an interrupted writer)."""
    leftover = entry.name.startswith(".") and entry.suffix == ".tmp"
    plain = entry.is_file() and not entry.is_symlink()
    return plain and (entry.name in SCENARIO_FILE_NAMES or leftover)


def _travel_names(folder: Path) -> frozenset[str]:
    """The travel file the folder's own ``scenario.toml`` names beside it, if it can say."""
    try:
        return travel_files(load_settings(folder / SETTINGS_NAME))
    except (AgrichainError, OSError):
        return frozenset()


def not_a_scenario_folder(folder: str | os.PathLike[str]) -> str | None:
    """Why ``folder`` may not be replaced by a scenario; None when it may (or does not exist).
    The travel file its ``scenario.toml`` names beside the tables belongs to the scenario."""
    path = Path(folder)
    travel = _travel_names(path) if (path / SETTINGS_NAME).is_file() else frozenset()

    def belongs(entry: Path) -> bool:
        plain = entry.is_file() and not entry.is_symlink()
        return is_scenario_file(entry) or (plain and entry.name in travel)

    return refusal_to_replace(path, SETTINGS_NAME, "scenario file", belongs, "scenario")


def check_scenario_folder(folder: str | os.PathLike[str]) -> Path:
    """``folder`` (absolute) if a scenario may be written there; :class:`ScenarioFolderError`
    if not."""
    own = "a scenario needs a folder of its own"
    return checked_output_folder(
        folder, "scenario", not_a_scenario_folder, ScenarioFolderError, own
    )


def write_scenario_folder(
    scenario: Scenario,
    folder: str | os.PathLike[str],
    *,
    travel_from: str | os.PathLike[str] | None = None,
) -> Path:
    """Replace ``folder`` by the scenario's folder (``scenario.toml``, one CSV per table and
    the ``[travel]`` file carried from ``travel_from``, see :func:`save_scenario`) as a
    whole; :class:`ScenarioFolderError` if it holds data that is no scenario."""
    path = check_scenario_folder(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{path.name}.rolled-", dir=path.parent) as tmp:
        save_scenario(scenario, tmp, travel_from=travel_from)
        files = {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir())}
    check_scenario_folder(path)  # it may have changed meanwhile
    replace_folder(path, files)
    return path


__all__ = [
    "SCENARIO_FILE_NAMES",
    "ScenarioFolderError",
    "check_scenario_folder",
    "not_a_scenario_folder",
    "write_scenario_folder",
]
