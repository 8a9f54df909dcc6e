"""The commands ``roll`` (tomorrow's scenario folder) and ``simulate`` (a week of nights)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agrichain.cli.shell import EXIT_OK, run_step, tell


def roll_command(
    scenario_dir: Annotated[Path, typer.Argument(help="Today's scenario folder.")],
    plan_dir: Annotated[Path, typer.Argument(help="Today's plan folder (agrichain plan).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for tomorrow's scenario.")],
    actuals: Annotated[
        Path | None,
        typer.Option("--actuals", help="actuals.csv: what really happened (else the plan)."),
    ] = None,
) -> None:
    """Roll forward: write tomorrow's scenario folder.

    Stock aged a day (what reached its shelf life removed), open orders carried with
    their ship-by (late ones flagged), actual harvest, deliveries, shipments and
    discards where given, past sessions, forecasts and supply dropped. The --out folder
    is replaced as a whole; a folder holding anything but a scenario is refused.
    """
    from agrichain.day import roll_day
    from agrichain.io import load_scenario, read_actuals, read_plan
    from agrichain.io.scenario_folder import check_scenario_folder, write_scenario_folder

    run_step(lambda: check_scenario_folder(out))
    scenario = run_step(lambda: load_scenario(scenario_dir))
    plan = run_step(lambda: read_plan(plan_dir, scenario))
    facts = None if actuals is None else run_step(lambda: read_actuals(actuals, scenario))
    rolled = run_step(lambda: roll_day(scenario, plan, facts))
    run_step(lambda: write_scenario_folder(rolled.scenario, out, travel_from=scenario_dir))
    r = rolled.report
    tell(
        f"{rolled.scenario.settings.planning_date}: {len(rolled.scenario.orders)} open orders "
        f"({r.kg_carried:,.1f} kg, {r.kg_carried_late:,.1f} kg late), "
        f"{sum(s.kg for s in rolled.scenario.stock):,.1f} kg in stock, "
        f"{r.kg_spoiled:,.1f} kg spoiled → {out}"
    )
    raise typer.Exit(EXIT_OK)


def simulate_command(
    scenario_dir: Annotated[Path, typer.Argument(help="Scenario folder of the first day.")],
    days: Annotated[int, typer.Option("--days", min=1, max=60, help="Nights to simulate.")] = 7,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the draws and solvers.")] = 0,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Write the table as CSV (atomically).")
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.1, help="Seconds per day's plan (each policy)."),
    ] = None,
    solution_limit: Annotated[
        int | None,
        typer.Option("--solution-limit", min=1, help="Routing solutions per plan (reproducible)."),
    ] = None,
    inv_time_limit: Annotated[
        float | None, typer.Option("--inv-time-limit", min=0.1, help="Inventory solver limit (s).")
    ] = None,
) -> None:
    """Simulate nights of planning: the default planner against the nearest-farm rule.

    Per day: seeded disruptions (harvest, a breakdown, the evening's orders), both
    policies planned on the same draws, each rolled forward; prints cost, kg on time,
    late, spoiled and lost per day and policy, and their totals.
    """
    from agrichain.day.simulate import SimulationLimits, simulate
    from agrichain.io import load_scenario
    from agrichain.io.travel import travel_model

    scenario = run_step(lambda: load_scenario(scenario_dir))
    travel = run_step(lambda: travel_model(scenario, scenario_dir))
    limits = SimulationLimits(
        time_limit_s=time_limit,
        solution_limit=solution_limit,
        inventory_time_limit_s=inv_time_limit,
    )
    result = run_step(
        lambda: simulate(
            scenario,
            days=days,
            seed=seed,
            limits=limits,
            progress=lambda policy, day: tell(f"{policy}: planning day {day}"),
            travel=travel,
        )
    )
    if csv is not None:
        text = result.table.to_csv(index=False, lineterminator="\n")
        run_step(lambda: _write_csv(csv, text))
    typer.echo(result.table.to_string(index=False))
    typer.echo("")
    typer.echo(result.totals().to_string(index=False))
    raise typer.Exit(EXIT_OK)


def _write_csv(path: Path, text: str) -> None:
    """Write the table atomically (an input error when the path cannot take it)."""
    from agrichain.io import atomic_write_text

    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise ValueError(f"cannot write {path}: {exc.strerror or exc}") from None


__all__ = ["roll_command", "simulate_command"]
