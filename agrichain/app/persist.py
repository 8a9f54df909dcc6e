"""What survives a browser reload: the loaded scenario (its folder files), the options chosen
and the plan shown (its files), kept on disk and keyed by the scenario's content.

The state folder (``$AGRICHAIN_APP_STATE``, default ``~/.cache/agrichain/app``) holds::

    last.json                      {"scenario": <digest>}: the scenario a new session opens
    <digest>/scenario/             the loaded scenario (scenario.toml and the tables)
    <digest>/session.json          where it came from, the options, the plan shown (its id)
    <digest>/plans/<id>/plan/      the plan's files (as ``agrichain plan`` writes them)
    <digest>/plans/<id>/scenario/  the scenario as planned (options or events applied)
    <digest>/plans/<id>/result.json, changes.csv   how it was made; a re-plan's changes
    uploads/<digest>/              scenario zips as unpacked (their ``[travel]`` files)

A scenario's folder keeps the file its ``[travel]`` names (a matrix, a road extract).

Every file is written atomically; the session file is written last, so a reader finds the
old state or the new one. Nothing is shared between scenarios but ``last.json``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agrichain.app.jobs import PlanOptions, PlanResult
from agrichain.app.replan import changes_csv, read_changes
from agrichain.app.travel import travel_source_key
from agrichain.errors import AgrichainError
from agrichain.io import (
    atomic_write_bytes,
    atomic_write_text,
    load_scenario,
    plan_files,
    read_plan,
    save_scenario,
)
from agrichain.io.atomic import replace_folder
from agrichain.model import Scenario

#: Environment variable naming the state folder.
STATE_ENV = "AGRICHAIN_APP_STATE"
DEFAULT_STATE_DIR = Path("~/.cache/agrichain/app")
LAST_JSON = "last.json"
SESSION_JSON = "session.json"
RESULT_JSON = "result.json"
CHANGES_CSV = "changes.csv"
SCENARIO_DIR, PLANS_DIR, PLAN_DIR = "scenario", "plans", "plan"
#: Sub-folder of the state folder holding unpacked scenario uploads.
UPLOADS_DIR = "uploads"
#: Scenarios kept on disk (the least recently saved go first).
MAX_SCENARIOS = 8


def state_folder() -> Path:
    """The state folder: ``$AGRICHAIN_APP_STATE``, else ``~/.cache/agrichain/app``."""
    given = os.environ.get(STATE_ENV, "").strip()
    return Path(given).expanduser() if given else DEFAULT_STATE_DIR.expanduser()


def scenario_digest(scenario: Scenario, travel_source: str = "") -> str:
    """A digest of the scenario's content and its travel file (its
    :func:`~agrichain.app.travel.travel_source_key`): equal scenarios share their state."""
    digest = hashlib.sha256(scenario.model_dump_json().encode("utf-8"))
    digest.update(travel_source.encode("utf-8"))
    return digest.hexdigest()[:24]


@dataclass(frozen=True)
class Restored:
    """What a new session opens with."""

    scenario: Scenario
    source: str
    options: PlanOptions | None
    result: PlanResult | None
    plan_id: str | None = None
    """The id the plan is kept under (None without a plan)."""
    folder: Path | None = None
    """The scenario's folder as kept (its ``[travel]`` file with it)."""


def options_json(options: PlanOptions | None) -> dict[str, Any] | None:
    return None if options is None else dataclasses.asdict(options)


def options_of(data: Any) -> PlanOptions | None:
    """Options read back (fields the app no longer knows are left out); None if unreadable."""
    if not isinstance(data, dict):
        return None
    known = {f.name for f in dataclasses.fields(PlanOptions)}
    try:
        return PlanOptions(**{k: v for k, v in data.items() if k in known})
    except TypeError:
        return None


def write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def save_plan(
    folder: Path, scenario: Scenario, result: PlanResult, scenario_folder: str | None = None
) -> str:
    """Write ``result`` under the state of ``scenario`` (loaded from ``scenario_folder``);
    its id (for :func:`save_session`)."""
    plan_id = uuid.uuid4().hex[:12]
    home = folder / scenario_digest(scenario, travel_source_key(scenario, scenario_folder))
    home = home / PLANS_DIR / plan_id
    save_scenario(result.scenario, home / SCENARIO_DIR, travel_from=result.scenario_folder)
    replace_folder(home / PLAN_DIR, plan_files(result.plan))
    if result.changes is not None:
        atomic_write_bytes(home / CHANGES_CSV, changes_csv(result.changes))
    meta = {
        "key": result.key,
        "options": options_json(result.options),
        "wall_s": result.wall_s,
        "origin": result.origin,
    }
    write_json(home / RESULT_JSON, meta)
    return plan_id


def save_session(
    folder: Path,
    scenario: Scenario,
    source: str,
    options: PlanOptions | None,
    plan_id: str | None,
    scenario_folder: str | None = None,
) -> Path:
    """Keep the scenario (once per content, with the ``[travel]`` file of
    ``scenario_folder``), the options and the plan shown (by the id :func:`save_plan`
    gave), and make it the one a new session opens; the scenario's folder."""
    home = folder / scenario_digest(scenario, travel_source_key(scenario, scenario_folder))
    if not (home / SCENARIO_DIR).is_dir():
        save_scenario(scenario, home / SCENARIO_DIR, travel_from=scenario_folder)
    write_json(
        home / SESSION_JSON,
        {"source": source, "options": options_json(options), "plan": plan_id},
    )
    write_json(folder / LAST_JSON, {"scenario": home.name})
    prune(folder, home, plan_id)
    return home


def prune(folder: Path, home: Path, plan_id: str | None) -> None:
    """Remove the scenario's other plans, and the scenarios saved longest ago beyond
    :data:`MAX_SCENARIOS`."""
    plans = home / PLANS_DIR
    if plans.is_dir():
        for other in plans.iterdir():
            if other.name != plan_id:
                shutil.rmtree(other, ignore_errors=True)
    homes = [p for p in folder.iterdir() if (p / SESSION_JSON).is_file()]
    homes.sort(key=lambda p: (p / SESSION_JSON).stat().st_mtime, reverse=True)
    for old in homes[MAX_SCENARIOS:]:
        if old != home:
            shutil.rmtree(old, ignore_errors=True)


def restored_result(home: Path, plan_id: str) -> PlanResult | None:
    """The plan kept under ``home`` with that id, or None if it cannot be read."""
    where = home / PLANS_DIR / plan_id
    try:
        meta = read_json(where / RESULT_JSON)
        planned = load_scenario(where / SCENARIO_DIR)
        plan = read_plan(where / PLAN_DIR, planned)
        options = options_of(meta.get("options"))
        changes_file = where / CHANGES_CSV
        changes = read_changes(changes_file.read_bytes()) if changes_file.is_file() else None
    except (OSError, ValueError, AgrichainError, AttributeError):
        return None
    if options is None:
        return None
    return PlanResult(
        plan=plan,
        scenario=planned,
        options=options,
        key=str(meta.get("key", "")),
        wall_s=float(meta.get("wall_s", 0.0)),
        origin=str(meta.get("origin", "planned")),
        changes=changes,
        scenario_folder=str(where / SCENARIO_DIR),
    )


def restore(folder: Path) -> Restored | None:
    """The scenario, options and plan the last session kept; None if there is none or it
    cannot be read (a plan that cannot be read is left out)."""
    try:
        digest = str(read_json(folder / LAST_JSON)["scenario"])
        home = folder / digest
        session = read_json(home / SESSION_JSON)
        scenario = load_scenario(home / SCENARIO_DIR)
    except (OSError, ValueError, KeyError, TypeError, AgrichainError):
        return None
    plan_id = session.get("plan")
    result = restored_result(home, str(plan_id)) if plan_id else None
    return Restored(
        scenario=scenario,
        source=str(session.get("source", "")),
        options=options_of(session.get("options")),
        result=result,
        plan_id=str(plan_id) if result is not None else None,
        folder=home / SCENARIO_DIR,
    )


__all__ = [
    "DEFAULT_STATE_DIR",
    "MAX_SCENARIOS",
    "STATE_ENV",
    "Restored",
    "restore",
    "save_plan",
    "save_session",
    "scenario_digest",
    "state_folder",
]
