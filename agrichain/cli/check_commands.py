"""The commands ``check`` (a given plan against its scenario) and ``replan``."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from agrichain.cli.shell import EXIT_OK, EXIT_PARTIAL, run_step, tell
from agrichain.errors import InputIssue, ScenarioError

#: Violations printed before "… and N more" (all are in violations.csv with --out).
SHOWN_VIOLATIONS = 50


def check_command(
    scenario_dir: Annotated[Path, typer.Argument(help="Scenario folder (scenario.toml + CSV).")],
    plan_dir: Annotated[Path, typer.Argument(help="Plan folder; routes.csv may be edited.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Folder for the recomputed routes.csv and tasks.csv, violations.csv and "
            "summary.json (replaced as a whole).",
        ),
    ] = None,
) -> None:
    """Check a plan, perhaps edited by hand: recompute ETAs, loads, km and cost, and list
    every violation with its code (window, cutoff, shift, capacity, cold_chain, transit,
    pairing, coverage, place, order_fate). Exit 0 when clean, 3 when not, 2 on bad input.
    """
    from agrichain.day.check import check_plan
    from agrichain.io import load_scenario
    from agrichain.io.plan_folder import claim_plan_folder
    from agrichain.io.travel import travel_model

    console = Console(highlight=False, soft_wrap=True)
    if out is None:
        scenario = run_step(lambda: load_scenario(scenario_dir))
        travel = run_step(lambda: travel_model(scenario, scenario_dir))
        checked = run_step(lambda: check_plan(scenario, plan_dir, travel))
    else:
        with run_step(lambda: claim_plan_folder(out)) as folder:
            scenario = run_step(lambda: load_scenario(scenario_dir))
            travel = run_step(lambda: travel_model(scenario, scenario_dir))
            checked = run_step(lambda: check_plan(scenario, plan_dir, travel))
            run_step(lambda: folder.write(checked.files()))
    for v in checked.violations[:SHOWN_VIOLATIONS]:
        console.print(f"{v.code.value}: {v.message}", markup=False)
    hidden = len(checked.violations) - SHOWN_VIOLATIONS
    if hidden > 0:
        console.print(f"… and {hidden} more", markup=False)
    s = checked.summary()
    verdict = "clean" if checked.is_clean() else f"{s['violations']} violations"
    console.print(
        f"{verdict}: {s['vehicles_used']} routes, {s['distance_km']:,.1f} km, "
        f"cost {s['cost_total']:,.2f} {scenario.settings.currency}, "
        f"{s['tasks_not_routed']} tasks on no route",
        markup=False,
    )
    raise typer.Exit(EXIT_OK if checked.is_clean() else EXIT_PARTIAL)


def replan_command(
    scenario_dir: Annotated[Path, typer.Argument(help="Scenario folder (scenario.toml + CSV).")],
    plan_dir: Annotated[
        Path, typer.Argument(help="The day's plan folder (routes.csv may lock routes).")
    ],
    events: Annotated[Path, typer.Option("--events", help="events.csv (or .xlsx): what happened.")],
    now: Annotated[
        str, typer.Option("--now", help="HH:MM (or YYYY-MM-DD HH:MM): stops made by then stay.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the new plan and changes.csv.")
    ],
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0.1, help="Wall-clock limit in seconds.")
    ] = None,
    solution_limit: Annotated[
        int | None,
        typer.Option("--solution-limit", min=1, help="Reproducible: stop after N solutions."),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    scenario_out: Annotated[
        Path | None,
        typer.Option(
            "--scenario-out",
            help="Also write the scenario with the events applied (new and cancelled orders, "
            "added vehicles): check, review or roll the new plan with it.",
        ),
    ] = None,
    change_cost: Annotated[
        float | None,
        typer.Option(
            "--change-cost", min=0.0, help="Cost per task moved to another vehicle (default 30)."
        ),
    ] = None,
) -> None:
    """Re-plan the rest of the day after breakdowns, farm shortfalls, new or cancelled
    orders and added vehicles: stops made by --now stay, vehicles go on from where they
    are, locked routes stay. Writes a complete plan folder plus changes.csv (per driver:
    tasks added, removed, moved). Exit 0 complete, 3 partial, 2 bad input.
    """
    started = time.monotonic()
    from agrichain.day.replan import DEFAULT_CHANGE_COST, replan_day
    from agrichain.io import load_scenario, read_plan
    from agrichain.io.events import moment, read_events
    from agrichain.io.plan_folder import claim_plan_folder
    from agrichain.io.scenario_folder import check_scenario_folder, write_scenario_folder
    from agrichain.io.travel import travel_model

    with run_step(lambda: claim_plan_folder(out)) as folder:
        if scenario_out is not None:
            run_step(lambda: check_scenario_folder(scenario_out))
        scenario = run_step(lambda: load_scenario(scenario_dir))
        travel = run_step(lambda: travel_model(scenario, scenario_dir))
        plan = run_step(lambda: read_plan(plan_dir, scenario))
        happened = run_step(lambda: read_events(events, scenario))
        at = run_step(lambda: when(now, scenario.settings.planning_date, moment))
        limit = None if time_limit is None else max(0.1, time_limit - (time.monotonic() - started))
        result = run_step(
            lambda: replan_day(
                scenario, plan, happened, at, time_limit_s=limit, solution_limit=solution_limit,
                seed=seed, change_cost=DEFAULT_CHANGE_COST if change_cost is None else change_cost,
                travel=travel,
            )
        )  # fmt: skip
        run_step(lambda: folder.write(result.files()))
        if scenario_out is not None:
            kept = result.scenario
            run_step(lambda: write_scenario_folder(kept, scenario_out, travel_from=scenario_dir))
    s = result.plan.summary
    tell(
        f"re-planned at {at:%H:%M}: {s['status']}, {s['vehicles_used']} routes, "
        f"{len(result.changes)} changes, cost {s['cost_total']:,.2f} {s['currency']} → {out}"
    )
    raise typer.Exit(EXIT_OK if result.plan.is_complete() else EXIT_PARTIAL)


def when(text: str, day: dt.date, parse: Callable[[str, dt.date], dt.datetime]) -> dt.datetime:
    """--now as a moment of the planning date; ScenarioError if it does not parse."""
    try:
        return parse(text, day)
    except ValueError:
        issue = InputIssue("--now", None, None, f"'{text}' is not HH:MM or YYYY-MM-DD HH:MM")
        raise ScenarioError([issue]) from None


__all__ = ["check_command", "replan_command"]
