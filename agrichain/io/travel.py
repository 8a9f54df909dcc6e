"""The scenario's travel model, chosen by ``[travel] mode`` of ``scenario.toml``.

* ``great_circle`` (default): great-circle distance × ``circuity`` at ``speed_kmh``;
* ``matrix``: the ``matrix`` file (default ``travel.csv``) of ``from_id,to_id,km,minutes``;
  pairs it lacks are great circle, with a :class:`~agrichain.errors.ScenarioWarning` and
  a warning in ``summary.json``;
* ``osm``: the fastest routes on the roads of the ``osm`` extract (``.osm.pbf``), at the
  speeds of ``[travel.speeds_kmh]``; a place more than :data:`SNAP_WARNING_KM` from a
  road is warned about.

Files are named relative to the scenario folder, or absolute.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from agrichain.errors import InputIssue, ScenarioError, ScenarioWarning
from agrichain.geo import GreatCircleTravel, TravelModel
from agrichain.io.road_network import SNAP_SPEED_KMH, RoadNetworkTravel, load_road_network
from agrichain.io.settings_file import SETTINGS_FILE
from agrichain.io.table_files import file_problem
from agrichain.io.travel_matrix import (
    MatrixTravel,
    missing_note,
    read_travel_matrix,
    scenario_places,
)
from agrichain.model import Scenario, Settings

#: The matrix file of ``mode = "matrix"`` unless ``matrix`` names another.
DEFAULT_MATRIX_FILE = "travel.csv"
#: Places farther than this from the nearest road (km) are named in a warning.
SNAP_WARNING_KM = 1.0
#: Places named in a warning (the rest are counted).
SHOWN_PLACES = 5


def great_circle(scenario: Scenario) -> GreatCircleTravel:
    """The scenario's great-circle model (``speed_kmh``, ``circuity`` of ``[travel]``)."""
    t = scenario.settings.travel
    return GreatCircleTravel(speed_kmh=t.speed_kmh, circuity=t.circuity)


def travel_file_setting(settings: Settings) -> tuple[str, str] | None:
    """The ``[travel]`` key naming the file the mode reads, and its value (None for
    great circle)."""
    t = settings.travel
    if t.mode == "matrix":
        return "travel.matrix", t.matrix or DEFAULT_MATRIX_FILE
    if t.mode == "osm" and t.osm:
        return "travel.osm", t.osm
    return None


def travel_files(settings: Settings) -> frozenset[str]:
    """Names of files directly in the scenario folder that ``[travel]`` reads (not tables)."""
    named = travel_file_setting(settings)
    if named is None or Path(named[1]).is_absolute() or len(Path(named[1]).parts) != 1:
        return frozenset()
    return frozenset({named[1]})


def carried_travel(
    settings: Settings, travel_from: str | os.PathLike[str] | None
) -> tuple[Settings, dict[str, bytes]]:
    """What a copy of a scenario loaded from ``travel_from`` needs to read its travel file
    in its new folder: the settings to write, and the file to write beside them.

    A plain file name in ``travel_from`` is copied; any other relative path (a sub-folder,
    ``../roads.osm.pbf``) becomes the absolute path of the file, so shared extracts are not
    copied; an absolute path, or no ``travel_from``, changes nothing. A file that cannot be
    read raises :class:`ScenarioError` naming ``scenario.toml`` and the key.
    """
    named = travel_file_setting(settings)
    if named is None or travel_from is None or Path(named[1]).is_absolute():
        return settings, {}
    key, value = named
    source = Path(travel_from) / value
    problem = file_problem(source)
    if problem is not None:
        raise ScenarioError(InputIssue(SETTINGS_FILE, None, key, f"{value}: {problem}"))
    if len(Path(value).parts) == 1:
        return settings, {value: source.read_bytes()}
    field = key.removeprefix("travel.")
    travel = settings.travel.model_copy(update={field: str(source.resolve())})
    return settings.model_copy(update={"travel": travel}), {}


def _located_file(
    settings: Settings, folder: str | os.PathLike[str] | None
) -> tuple[Path, str] | None:
    """The file the travel mode reads and the name issues give it."""
    named = travel_file_setting(settings)
    if named is None:
        return None
    key, value = named
    if folder is None and not Path(value).is_absolute():
        message = (
            f'mode "{settings.travel.mode}" reads {value} in the scenario folder: give the '
            "folder (plan_day(..., scenario_folder=FOLDER)) or the travel model "
            "(travel=agrichain.io.travel.travel_model(scenario, FOLDER))"
        )
        raise ScenarioError(InputIssue(SETTINGS_FILE, None, "travel.mode", message))
    path = Path(value) if folder is None else Path(folder) / value
    problem = file_problem(path)
    if problem is not None:
        raise ScenarioError(InputIssue(SETTINGS_FILE, None, key, f"{value}: {problem}"))
    return path, value


def _warn(notes: dict[str, Any], file: str, message: str) -> None:
    notes.setdefault("warnings", []).append(message)
    warnings.warn(ScenarioWarning(InputIssue(file, None, None, message)), stacklevel=3)


def _matrix_travel(scenario: Scenario, path: Path, name: str) -> MatrixTravel:
    travel = read_travel_matrix(path, scenario, great_circle(scenario), file_name=name)
    count, examples = missing_note(travel)
    n = len(travel.ids)
    travel.notes.update(
        mode="matrix", file=name, pairs_given=n * (n - 1) - count, pairs_missing=count,
        missing_examples=examples,
    )  # fmt: skip
    if count:
        shown = ", ".join(examples) + (", …" if count > len(examples) else "")
        message = (
            f"{count} of {n * (n - 1)} place pairs are not in the matrix ({shown}): "
            "they are great-circle distance × circuity at the average speed"
        )
        _warn(travel.notes, name, message)
    return travel


def _road_travel(
    scenario: Scenario, path: Path, name: str, cache_dir: str | os.PathLike[str] | None
) -> RoadNetworkTravel:
    speeds = scenario.settings.travel.speeds_kmh.given()
    network = load_road_network(path, speeds, cache_dir)
    travel = RoadNetworkTravel(network)
    ids, lat, lon = scenario_places(scenario)
    _, snap_km = travel.snap(lat, lon)
    snapped = zip(snap_km.tolist(), ids, strict=True)
    far = sorted(((km, place) for km, place in snapped if km > SNAP_WARNING_KM), reverse=True)
    travel.notes.update(
        mode="osm", file=name, road_nodes=network.nodes, road_segments=len(network.tail),
        from_cache=network.from_cache, snap_speed_kmh=SNAP_SPEED_KMH,
        snap_km_max=round(float(snap_km.max(initial=0.0)), 3), places_off_road=len(far),
    )  # fmt: skip
    if far:
        shown = ", ".join(f"{p} {km:.1f} km" for km, p in far[:SHOWN_PLACES])
        message = (
            f"{len(far)} places lie more than {SNAP_WARNING_KM:g} km from the nearest road "
            f"({shown}{', …' if len(far) > SHOWN_PLACES else ''}): that distance is driven "
            f"at {SNAP_SPEED_KMH:g} km/h"
        )
        _warn(travel.notes, name, message)
    return travel


def travel_model(
    scenario: Scenario,
    scenario_folder: str | os.PathLike[str] | None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> TravelModel:
    """The travel model ``[travel]`` chooses; files relative to ``scenario_folder``
    (which may be None for great circle). Road networks are cached in ``cache_dir``
    (default: ``$AGRICHAIN_CACHE/roads`` or ``~/.cache/agrichain/roads``).

    Bad files raise :class:`ScenarioError` naming file, line and column; doubtful ones
    (missing pairs, places far from a road) emit :class:`ScenarioWarning`.
    """
    located = _located_file(scenario.settings, scenario_folder)
    if located is None:
        return great_circle(scenario)
    path, name = located
    if scenario.settings.travel.mode == "matrix":
        return _matrix_travel(scenario, path, name)
    return _road_travel(scenario, path, name, cache_dir)


def travel_summary(travel: TravelModel) -> dict[str, Any]:
    """What ``summary.json`` says about a travel model (``travel``)."""
    notes = getattr(travel, "notes", None)
    if isinstance(notes, dict) and notes:
        return dict(notes)
    if isinstance(travel, GreatCircleTravel):
        return {"mode": "great_circle", "speed_kmh": travel.speed_kmh, "circuity": travel.circuity}
    return {"mode": "custom", "model": type(travel).__name__}


__all__ = [
    "DEFAULT_MATRIX_FILE",
    "SNAP_WARNING_KM",
    "carried_travel",
    "great_circle",
    "travel_file_setting",
    "travel_files",
    "travel_model",
    "travel_summary",
]
