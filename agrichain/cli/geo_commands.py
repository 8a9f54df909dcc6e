"""The commands ``coverage`` (farms and villages beyond a travel-time threshold of every
logistics point) and ``site`` (where to open the next points, and the day re-planned)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from agrichain.cli.shell import EXIT_OK, run_step, tell


class ObjectiveName(enum.StrEnum):
    cost = "cost"
    coverage = "coverage"


def coverage_command(
    scenario_dir: Annotated[Path, typer.Argument(help="Scenario folder (scenario.toml + CSV).")],
    within: Annotated[
        float,
        typer.Option("--within", help="Threshold in travel minutes."),
    ] = 60.0,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder for the coverage files; replaced as a whole."),
    ] = Path("coverage"),
) -> None:
    """Per farm (and village) the nearest logistics point by travel time and whether it is
    within --within minutes; per point the farms and kg of supply it gathers.

    Writes coverage.csv (farms), points.csv, villages.csv, coverage.geojson (farms, points
    and a line from each farm to its nearest point) and summary.json, all or nothing.
    """
    from agrichain.io import load_scenario, travel_model
    from agrichain.siting import coverage, coverage_files
    from agrichain.siting.files import COVERAGE_CSV, check_output_folder, write_output_folder

    run_step(lambda: check_output_folder(out, COVERAGE_CSV, "coverage"))  # fail fast
    scenario = run_step(lambda: load_scenario(scenario_dir))
    travel = run_step(lambda: travel_model(scenario, scenario_dir))
    cov = run_step(lambda: coverage(scenario, within, travel))
    files = run_step(lambda: coverage_files(cov))
    run_step(lambda: write_output_folder(out, files, COVERAGE_CSV, "coverage"))
    s = cov.summary()
    tell(
        f"{s['farms_covered']} of {s['farms']} farms within {within:g} min of a logistics point "
        f"({s['kg_covered']:,.1f} of {s['supply_kg']:,.1f} kg); {s['farms_outside']} farms in "
        f"{s['villages_outside']} villages beyond → {out}"
    )
    raise typer.Exit(EXIT_OK)


def site_command(
    scenario_dir: Annotated[Path, typer.Argument(help="Scenario folder (scenario.toml + CSV).")],
    candidates: Annotated[
        Path,
        typer.Option("--candidates", help="candidates.csv: sites, opening cost, capacity."),
    ],
    open_k: Annotated[
        int, typer.Option("--open", min=0, help="Open at most this many new points.")
    ],
    objective: Annotated[
        ObjectiveName,
        typer.Option(
            "--objective",
            help="cost: least transport + opening cost; coverage: most kg within --within.",
        ),
    ] = ObjectiveName.cost,
    within: Annotated[
        float,
        typer.Option("--within", help="Coverage threshold (minutes)."),
    ] = 60.0,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder for the siting files; replaced as a whole."),
    ] = Path("siting"),
    move_orders: Annotated[
        bool,
        typer.Option(
            "--move-orders/--keep-order-points",
            help="In the re-plan, move orders whose farms are nearer to a new point to it "
            "(default), or keep every order at its point.",
        ),
    ] = True,
    solution_limit: Annotated[
        int | None,
        typer.Option("--solution-limit", min=1, help="Routing solutions per plan (default 50)."),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.1, help="Seconds per plan (routing and allocation)."),
    ] = None,
) -> None:
    """Recommend at most --open new logistics points among the candidates (capacitated
    facility location, PuLP + HiGHS), re-plan the day with them and report the change in
    km, cost, transit minutes and kg covered against today's plan.

    Writes recommendation.csv (every place: open, load, capacity), assignment.csv (each
    farm's place), change.csv, siting.geojson and summary.json, all or nothing.
    """
    from agrichain.day.siting import RECOMMENDATION_CSV, site_points, siting_files
    from agrichain.io import load_scenario, travel_model
    from agrichain.siting import read_candidates
    from agrichain.siting.files import check_output_folder, write_output_folder

    run_step(lambda: check_output_folder(out, RECOMMENDATION_CSV, "siting"))  # fail fast
    scenario = run_step(lambda: load_scenario(scenario_dir))
    sites = run_step(lambda: read_candidates(candidates, scenario))
    travel = run_step(lambda: travel_model(scenario, scenario_dir))
    siting = run_step(
        lambda: site_points(
            scenario,
            sites,
            open_k,
            objective=objective.value,
            within_min=within,
            travel=travel,
            move_orders=move_orders,
            solution_limit=solution_limit,
            seed=seed,
            time_limit_s=time_limit,
        )
    )
    files = run_step(lambda: siting_files(siting))
    run_step(lambda: write_output_folder(out, files, RECOMMENDATION_CSV, "siting"))
    opened = ", ".join(c.candidate_id for c in siting.facility.opened) or "none"
    change = siting.change_frame().set_index("measure")["change"]
    tell(
        f"open {opened}: {change['distance_km']:+,.1f} km, cost {change['cost']:+,.2f} "
        f"{scenario.settings.currency}, transit {change['mean_transit_min']:+,.1f} min, "
        f"{change['kg_covered']:+,.1f} kg within {within:g} min → {out}"
    )
    raise typer.Exit(EXIT_OK)


__all__ = ["ObjectiveName", "coverage_command", "site_command"]
