"""The commands ``plan``, ``atp``, ``validate`` and ``generate``, and the ``agrichain`` app."""

from __future__ import annotations

import enum
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from agrichain.cli.bench import bench_app
from agrichain.cli.check_commands import check_command, replan_command
from agrichain.cli.day_commands import roll_command, simulate_command
from agrichain.cli.geo_commands import coverage_command, site_command
from agrichain.cli.handover_commands import sheets_command
from agrichain.cli.review_commands import review_command
from agrichain.cli.shell import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_PARTIAL,
    OneLineErrors,
    err_console,
    print_issues,
    progress_bar,
    run_step,
    tell,
)

app = typer.Typer(
    name="agrichain",
    help="Plan the collection of fresh produce sold in live-streaming sessions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=OneLineErrors,
)

app.add_typer(bench_app, name="bench")


class AllocationMethod(enum.StrEnum):
    nearest = "nearest"
    inventory = "inventory"


@app.command()
def plan(
    scenario_dir: Annotated[Path, typer.Argument(help="Scenario folder (scenario.toml + CSV).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the plan files.")] = Path(
        "plan"
    ),
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.1, help="Routing wall-clock limit in seconds."),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    solution_limit: Annotated[
        int | None,
        typer.Option(
            "--solution-limit", min=1, help="Stop routing after N solutions (reproducible)."
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="Routing engine: auto (default design), lns, portfolio, ortools, pyvrp.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Processes the routing search may use."),
    ] = None,
    allocation: Annotated[
        AllocationMethod,
        typer.Option(
            "--allocation",
            help="inventory: the multi-day PuLP planner; nearest: the simple greedy rule.",
        ),
    ] = AllocationMethod.inventory,
    inv_solver: Annotated[
        str | None, typer.Option("--inv-solver", help="Inventory MILP solver: highs or cbc.")
    ] = None,
    inv_time_limit: Annotated[
        float | None, typer.Option("--inv-time-limit", min=0.1, help="Inventory solver limit (s).")
    ] = None,
    inv_gap: Annotated[
        float | None, typer.Option("--inv-gap", min=0.0, max=1.0, help="Relative MIP gap.")
    ] = None,
    inv_threads: Annotated[
        int | None, typer.Option("--inv-threads", min=1, help="Inventory solver threads.")
    ] = None,
    sheets: Annotated[
        bool,
        typer.Option("--sheets", help="Also write route sheets and map.html into <out>/sheets."),
    ] = False,
) -> None:
    """Plan the planning date: allocation, collection routes, and the output files.

    The --out folder is checked and locked before the solve and replaced as a whole
    after it. SIGINT (Ctrl-C) or SIGTERM stops the command: no plan is written, the
    old one stays, and the exit code is 130 or 143.
    """
    started = time.monotonic()  # the time limit bounds the whole command
    from agrichain.clock import Interrupted, stop_on_signals
    from agrichain.io import load_scenario, plan_files
    from agrichain.io.plan_folder import claim_plan_folder
    from agrichain.io.travel import travel_model
    from agrichain.pipeline import make_allocator, plan_day, routing_params

    with stop_on_signals() as stop:
        try:
            with run_step(lambda: claim_plan_folder(out)) as folder:
                scenario = run_step(lambda: load_scenario(scenario_dir))
                travel = run_step(lambda: travel_model(scenario, scenario_dir))
                inventory_options = {
                    "solver": inv_solver,
                    "time_limit_s": inv_time_limit,
                    "mip_gap": inv_gap,
                    "threads": inv_threads,
                }
                if allocation is AllocationMethod.nearest:
                    inventory_options = {}
                allocator = run_step(lambda: make_allocator(allocation.value, **inventory_options))
                shown_limit_s = run_step(lambda: routing_params(scenario, time_limit).time_limit_s)
                with progress_bar(shown_limit_s) as report:
                    result = run_step(
                        lambda: plan_day(
                            scenario,
                            time_limit_s=time_limit,
                            seed=seed,
                            solution_limit=solution_limit,
                            engine=engine,
                            workers=workers,
                            allocator=allocator,
                            travel=travel,
                            progress=report,
                            started_s=started,
                        )
                    )
                files = run_step(lambda: plan_files(result))
                if sheets:
                    from agrichain.handover import SHEETS_FOLDER, sheet_files

                    files |= run_step(lambda: sheet_files(result, scenario, SHEETS_FOLDER))
                with stop.held():  # once begun, the swap finishes (it takes milliseconds)
                    run_step(lambda: folder.write(files))
        except Interrupted as stopped:
            err_console().print("agrichain: interrupted; no plan written", markup=False)
            raise typer.Exit(stopped.exit_code) from None
    if stop.received is not None:
        err_console().print(f"agrichain: interrupted; the plan was written to {out}", markup=False)
        raise typer.Exit(Interrupted(stop.received).exit_code)
    _print_summary(result.summary, out)
    raise typer.Exit(EXIT_OK if result.is_complete() else EXIT_PARTIAL)


def _print_summary(s: dict[str, Any], out: Path) -> None:
    """The plan's one-line summary, for a person at a terminal."""
    tell(
        f"{s['status']}: {s['vehicles_used']} vehicles, {s['distance_km']:.1f} km, "
        f"cost {s['cost_total']:.2f} {s['currency']}, {s['kg_collected']:.1f} kg collected, "
        f"{s['kg_unserved']:.1f} kg unserved → {out}"
    )


@app.command()
def atp(
    scenario_dir: Annotated[Path, typer.Argument(help="Scenario folder.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the table as CSV (atomically).")
    ] = None,
    inv_solver: Annotated[str | None, typer.Option("--inv-solver")] = None,
    inv_time_limit: Annotated[float | None, typer.Option("--inv-time-limit", min=0.1)] = None,
) -> None:
    """Available to promise: per upcoming session and product, the most kg still sellable fresh."""
    from agrichain.inventory import available_to_promise
    from agrichain.inventory.fixed_travel import portable_travel
    from agrichain.io import atomic_write_text, load_scenario
    from agrichain.io.travel import travel_model

    scenario = run_step(lambda: load_scenario(scenario_dir))
    travel = run_step(lambda: portable_travel(scenario, travel_model(scenario, scenario_dir)))
    overrides: dict[str, Any] = {
        "solver": inv_solver,
        "time_limit_s": inv_time_limit,
        "travel": travel,
    }
    frame = run_step(lambda: available_to_promise(scenario, **overrides))
    if out is not None:
        run_step(lambda: atomic_write_text(out, frame.to_csv(index=False, lineterminator="\n")))
    else:
        typer.echo(frame.to_string(index=False))


@app.command()
def validate(
    scenario_dir: Annotated[Path, typer.Argument(help="Scenario folder to check.")],
) -> None:
    """Check a scenario folder and list every problem (file, row, column) and warning,
    the file ``[travel]`` names (matrix or road extract) included."""
    from agrichain.io import check_scenario
    from agrichain.io.travel import travel_file_setting

    check = run_step(lambda: check_scenario(scenario_dir))
    print_issues(check.errors, check.warnings)
    scenario = check.scenario
    if scenario is None:
        raise typer.Exit(EXIT_INPUT)
    named = travel_file_setting(scenario.settings)
    tell(
        f"ok: {len(scenario.farms)} farms, {len(scenario.logistics_points)} logistics points, "
        f"{len(scenario.products)} products, {len(scenario.orders)} orders, "
        f"{len(scenario.vehicles)} vehicles; travel {scenario.settings.travel.mode}"
        + (f" ({named[1]})" if named else "")
    )


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the scenario into.")],
    preset: Annotated[
        str | None, typer.Option(help="Start from a preset: small, county, ...")
    ] = None,
    farms: Annotated[int | None, typer.Option(min=1, help="Number of farms.")] = None,
    logistics_points: Annotated[
        int | None, typer.Option(min=1, help="Number of logistics points.")
    ] = None,
    products: Annotated[int | None, typer.Option(min=1, help="Number of products.")] = None,
    sessions: Annotated[int | None, typer.Option(min=1, help="Number of live sessions.")] = None,
    orders: Annotated[int | None, typer.Option(min=1, help="Approximate number of orders.")] = None,
    vehicles: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Number of vehicles (default: the smallest fleet that plausibly carries the day).",
        ),
    ] = None,
    refrigerated_share: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Share of refrigerated vehicles.")
    ] = None,
    horizon_days: Annotated[int | None, typer.Option(min=1, help="Planning horizon.")] = None,
    county: Annotated[
        str | None, typer.Option(help="County seat to centre on (xianju, lanxi, anji, ...).")
    ] = None,
    radius_km: Annotated[float | None, typer.Option(help="Radius of the county.")] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (same seed, same scenario).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Scenario name.")] = None,
) -> None:
    """Generate a plausible county scenario (seeded, reproducible) as a scenario folder."""
    from agrichain.generate import generate_to_folder

    folder = run_step(
        lambda: generate_to_folder(
            out_dir,
            preset=preset,
            farms=farms,
            logistics_points=logistics_points,
            products=products,
            sessions=sessions,
            orders=orders,
            vehicles=vehicles,
            refrigerated_share=refrigerated_share,
            horizon_days=horizon_days,
            county=county,
            radius_km=radius_km,
            seed=seed,
            name=name,
        )
    )
    tell(f"scenario written to {folder}")


app.command(name="check")(check_command)
app.command(name="replan")(replan_command)
app.command(name="review")(review_command)
app.command(name="sheets")(sheets_command)
app.command(name="roll")(roll_command)
app.command(name="simulate")(simulate_command)
app.command(name="coverage")(coverage_command)
app.command(name="site")(site_command)


def main() -> None:
    """Console-script entry point."""
    app()
