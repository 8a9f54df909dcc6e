"""Readers and writers: scenario folders, DataFrames, geodata, plan files, atomic output."""

from agrichain.io.atomic import atomic_write_bytes, atomic_write_files, atomic_write_text
from agrichain.io.plan_files import plan_files, plan_geojson, write_plan
from agrichain.io.scenario_files import (
    load_scenario,
    load_settings,
    places_gdf,
    save_scenario,
    scenario_from_frames,
    settings_from_dict,
    settings_toml,
    table_frame,
)
from agrichain.io.schema import columns, format_markdown

__all__ = [
    "atomic_write_bytes",
    "atomic_write_files",
    "atomic_write_text",
    "columns",
    "format_markdown",
    "load_scenario",
    "load_settings",
    "places_gdf",
    "plan_files",
    "plan_geojson",
    "save_scenario",
    "scenario_from_frames",
    "settings_from_dict",
    "settings_toml",
    "table_frame",
    "write_plan",
]
