"""The travel model of the app's scenario: ``[travel]`` of its ``scenario.toml``, with the
matrix or road extract read from the folder the scenario came from (a bundled instance's
folder, an unpacked upload, the copy kept for a reload)."""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path

from agrichain.geo import TravelModel
from agrichain.io.travel import travel_file_setting, travel_model
from agrichain.model import Scenario

#: Travel models kept in this process (a road network's matrices take a while to build).
KEPT_MODELS = 4

_MODELS: OrderedDict[str, TravelModel] = OrderedDict()
_LOCK = threading.Lock()


def travel_source_key(scenario: Scenario, folder: str | os.PathLike[str] | None) -> str:
    """What the travel model depends on beyond the scenario's content: the SHA-256 of the
    file ``[travel]`` names (empty for great circle; ``missing:<path>`` when unreadable)."""
    named = travel_file_setting(scenario.settings)
    if named is None:
        return ""
    path = (Path(named[1]) if folder is None else Path(folder) / named[1]).resolve()
    try:
        stat = path.stat()
        return _file_sha256(str(path), stat.st_size, stat.st_mtime_ns)
    except OSError:
        return f"missing:{path}"


@functools.lru_cache(maxsize=32)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _model_key(scenario: Scenario, folder: str | os.PathLike[str] | None) -> str:
    digest = hashlib.sha256(scenario.settings.travel.model_dump_json().encode("utf-8"))
    for farm in scenario.farms:
        digest.update(f"{farm.lat!r},{farm.lon!r};".encode())
    for point in scenario.logistics_points:
        digest.update(f"{point.lat!r},{point.lon!r};".encode())
    digest.update(f"{travel_source_key(scenario, folder)}:{folder}".encode())
    return digest.hexdigest()


def scenario_travel(scenario: Scenario, folder: str | os.PathLike[str] | None) -> TravelModel:
    """The scenario's travel model (made once per travel settings, places and file).

    Raises :class:`~agrichain.errors.ScenarioError` when ``[travel]`` names a file that
    cannot be read (or none can be found: a matrix or road mode without ``folder``)."""
    key = _model_key(scenario, folder)
    with _LOCK:
        if key in _MODELS:
            _MODELS.move_to_end(key)
            return _MODELS[key]
    model = travel_model(scenario, folder)
    with _LOCK:
        _MODELS[key] = model
        while len(_MODELS) > KEPT_MODELS:
            _MODELS.popitem(last=False)
    return model


__all__ = ["KEPT_MODELS", "scenario_travel", "travel_source_key"]
