"""``scenario.toml``: read, validate and write the settings."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from agrichain.errors import InputIssue, ScenarioError
from agrichain.io.table_files import file_problem
from agrichain.model import Settings, validation_issues

SETTINGS_FILE = "scenario.toml"


def load_settings(path: str | os.PathLike[str]) -> Settings:
    """Read ``scenario.toml``; :class:`ScenarioError` names every wrong value."""
    p = Path(path)
    problem = file_problem(p)
    if problem is not None:
        raise ScenarioError(InputIssue(p.name, None, None, problem))
    try:
        data = tomllib.loads(p.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise ScenarioError(
            InputIssue(p.name, None, None, f"cannot read: {exc.strerror}")
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(InputIssue(p.name, None, None, f"not valid TOML: {exc}")) from None
    return settings_from_dict(data, p.name)


def settings_from_dict(data: Mapping[str, Any], file: str = SETTINGS_FILE) -> Settings:
    """Validate settings given as a (TOML-shaped) mapping."""
    flat = dict(data)
    if "scenario" in flat and isinstance(flat["scenario"], dict):
        flat = {**flat.pop("scenario"), **flat}
    try:
        return Settings(**flat)
    except ValidationError as exc:
        raise ScenarioError(validation_issues(exc, file, None)) from None


def settings_toml(settings: Settings) -> str:
    """``scenario.toml`` text for the settings."""
    data = settings.model_dump(mode="python", exclude_none=True)
    return tomli_w.dumps({key: value for key, value in data.items() if value != {}})


__all__ = ["SETTINGS_FILE", "load_settings", "settings_from_dict", "settings_toml"]
