"""Readers and writers: scenario folders, DataFrames, geodata, Excel, plan files, atomic output."""

from agrichain.io.actuals import Actuals, read_actuals
from agrichain.io.atomic import atomic_write_bytes, atomic_write_files, atomic_write_text
from agrichain.io.plan_files import plan_files, plan_geojson
from agrichain.io.plan_folder import (
    PlanFolderError,
    claim_plan_folder,
    write_plan,
    write_plan_folder,
)
from agrichain.io.plan_reading import StopLine, read_plan, stop_lines
from agrichain.io.scenario_check import ScenarioCheck
from agrichain.io.scenario_files import (
    check_scenario,
    load_scenario,
    places_gdf,
    read_table_file,
    replace_tables,
    save_scenario,
    scenario_from_frames,
    scenario_from_tables,
    table_frame,
)
from agrichain.io.schema import columns, format_markdown
from agrichain.io.settings_file import load_settings, settings_from_dict, settings_toml
from agrichain.io.table_readers import TableSource
from agrichain.io.travel import travel_model, travel_summary

__all__ = [
    "Actuals",
    "PlanFolderError",
    "ScenarioCheck",
    "StopLine",
    "TableSource",
    "atomic_write_bytes",
    "atomic_write_files",
    "atomic_write_text",
    "check_scenario",
    "claim_plan_folder",
    "columns",
    "format_markdown",
    "load_scenario",
    "load_settings",
    "places_gdf",
    "plan_files",
    "plan_geojson",
    "read_actuals",
    "read_plan",
    "read_table_file",
    "replace_tables",
    "save_scenario",
    "scenario_from_frames",
    "scenario_from_tables",
    "settings_from_dict",
    "settings_toml",
    "stop_lines",
    "table_frame",
    "travel_model",
    "travel_summary",
    "write_plan",
    "write_plan_folder",
]
