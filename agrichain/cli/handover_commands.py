"""The command ``sheets``: a written plan's route sheets, index and offline map."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agrichain.cli.shell import run_step, tell


def sheets_command(
    scenario_dir: Annotated[Path, typer.Argument(help="Scenario folder the plan was made for.")],
    plan_dir: Annotated[Path, typer.Argument(help="Plan folder (written by agrichain plan).")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Folder for the sheets; replaced as a whole (it may hold only route sheets).",
        ),
    ],
) -> None:
    """Write each driver's printable route sheet (HTML, CSV), index.html and map.html.

    The sheets name driver, plate, stops in order with times, what to load and unload,
    each farm's contact and a navigation link per stop; map.html draws the routes
    offline. --out is replaced as a whole: a reader sees the old sheets or the new ones.
    """
    from agrichain.handover import check_sheets_folder, sheet_files, write_sheets_folder
    from agrichain.io import load_scenario, read_plan

    run_step(lambda: check_sheets_folder(out))  # before any reading: fail fast
    scenario = run_step(lambda: load_scenario(scenario_dir))
    plan = run_step(lambda: read_plan(plan_dir, scenario))
    files = run_step(lambda: sheet_files(plan, scenario))
    run_step(lambda: write_sheets_folder(out, files))
    n = len(plan.routes)
    tell(f"{n} route sheet{'' if n == 1 else 's'}, index.html and map.html → {out}")


__all__ = ["sheets_command"]
