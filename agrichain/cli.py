"""The ``agrichain`` command line: a thin shell over the library.

Exit codes (documented in README):

* 0 — success: the plan covers every order
* 1 — internal error (a bug or a solver fault)
* 2 — input error: bad scenario files or bad options; nothing was written
* 3 — partial plan: files written, some orders or tasks are unserved (see unserved.csv)
"""

from __future__ import annotations

import enum
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from agrichain.errors import AgrichainError, ScenarioError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2
EXIT_PARTIAL = 3

app = typer.Typer(
    name="agrichain",
    help="Plan the collection of fresh produce sold in live-streaming sessions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")


def _err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _interactive() -> bool:
    return sys.stderr.isatty()


def _fail(message: str, code: int) -> typer.Exit:
    _err_console().print(f"agrichain: error: {message}", markup=False)
    return typer.Exit(code)


def _run(action: Callable[[], T]) -> T:
    """Run ``action``, turning exceptions into one error line and an exit code."""
    try:
        return action()
    except ScenarioError as exc:
        raise _fail(str(exc), EXIT_INPUT) from None
    except (ValueError, FileNotFoundError) as exc:
        raise _fail(str(exc), EXIT_INPUT) from None
    except AgrichainError as exc:
        raise _fail(str(exc), EXIT_INTERNAL) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise _fail(f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL) from None


@contextmanager
def _progress(time_limit_s: float) -> Iterator[Callable[[str, float], None]]:
    """A progress callback for the library: a live bar on a terminal, silent otherwise."""
    if not _interactive():
        yield lambda stage, fraction: None
        return
    labels = {"allocate": "allocating supply", "route": "routing the fleet", "done": "done"}
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=_err_console(),
        transient=True,
    )
    task = bar.add_task("loading", total=1.0)
    stage_now: list[str] = [""]
    since: list[float] = [time.monotonic()]
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.2):
            if stage_now[0] == "route":
                elapsed = time.monotonic() - since[0]
                bar.update(task, completed=min(0.99, elapsed / max(time_limit_s, 1e-9)))

    def report(stage: str, fraction: float) -> None:
        stage_now[0] = stage
        since[0] = time.monotonic()
        bar.update(task, description=labels.get(stage, stage), completed=fraction)

    with bar:
        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield report
        finally:
            stop.set()
            ticker.join()


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
) -> None:
    """Plan the planning date: allocation, collection routes, and the output files."""
    started = time.monotonic()  # the time limit bounds the whole command
    from agrichain.io import load_scenario
    from agrichain.pipeline import make_allocator, plan_day, routing_params

    scenario = _run(lambda: load_scenario(scenario_dir))
    inventory_options = {
        "solver": inv_solver,
        "time_limit_s": inv_time_limit,
        "mip_gap": inv_gap,
        "threads": inv_threads,
    }
    if allocation is AllocationMethod.nearest:
        inventory_options = {}
    allocator = _run(lambda: make_allocator(allocation.value, **inventory_options))
    shown_limit_s = _run(lambda: routing_params(scenario, time_limit).time_limit_s)
    with _progress(shown_limit_s) as report:
        result = _run(
            lambda: plan_day(
                scenario,
                time_limit_s=time_limit,
                seed=seed,
                solution_limit=solution_limit,
                engine=engine,
                workers=workers,
                allocator=allocator,
                progress=report,
                started_s=started,
            )
        )
    _run(lambda: result.write(out))
    s = result.summary
    if _interactive():
        Console(highlight=False).print(
            f"{s['status']}: {s['vehicles_used']} vehicles, {s['distance_km']:.1f} km, "
            f"cost {s['cost_total']:.2f} {s['currency']}, {s['kg_collected']:.1f} kg collected, "
            f"{s['kg_unserved']:.1f} kg unserved → {out}",
            markup=False,
        )
    raise typer.Exit(EXIT_OK if result.is_complete() else EXIT_PARTIAL)


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
    from agrichain.io import atomic_write_text, load_scenario

    scenario = _run(lambda: load_scenario(scenario_dir))
    overrides: dict[str, Any] = {"solver": inv_solver, "time_limit_s": inv_time_limit}
    frame = _run(lambda: available_to_promise(scenario, **overrides))
    if out is not None:
        _run(lambda: atomic_write_text(out, frame.to_csv(index=False, lineterminator="\n")))
    else:
        typer.echo(frame.to_string(index=False))


@app.command()
def validate(
    scenario_dir: Annotated[Path, typer.Argument(help="Scenario folder to check.")],
) -> None:
    """Check a scenario folder and list every problem (file, row, column)."""
    from agrichain.io import load_scenario

    try:
        scenario = load_scenario(scenario_dir)
    except ScenarioError as exc:
        console = _err_console()
        for issue in exc.issues:
            console.print(f"agrichain: error: {issue}", markup=False)
        raise typer.Exit(EXIT_INPUT) from None
    if _interactive():
        Console(highlight=False).print(
            f"ok: {len(scenario.farms)} farms, {len(scenario.logistics_points)} logistics points, "
            f"{len(scenario.products)} products, {len(scenario.orders)} orders, "
            f"{len(scenario.vehicles)} vehicles",
            markup=False,
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

    folder = _run(
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
    if _interactive():
        Console(highlight=False).print(f"scenario written to {folder}", markup=False)


bench_app = typer.Typer(
    help="Benchmarks: print a table of measured figures (never part of the tests).",
    no_args_is_help=True,
)
app.add_typer(bench_app, name="bench")


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
        if _interactive():
            _err_console().print(
                f"[{done}/{total}] {row['instance']}: cost {row['cost']}", markup=False
            )

    frame = _run(
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
        if _interactive():
            _err_console().print(f"[{done}/{total}] {row.get('scenario', '')}", markup=False)

    frame = _run(
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
    frame = _run(lambda: run_inventory_bench(**kwargs))
    Console(highlight=False).print(format_inventory_table(frame), markup=False, soft_wrap=True)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
