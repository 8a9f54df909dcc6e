"""The command ``review``: the post-live review of a written plan, as CSV and printable HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agrichain.cli.shell import EXIT_OK, run_step, tell


def review_command(
    scenario_dir: Annotated[Path, typer.Argument(help="Scenario folder the plan was made for.")],
    plan_dir: Annotated[Path, typer.Argument(help="Plan folder (written by agrichain plan).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for review.csv and review.html.")
    ],
    actuals: Annotated[
        Path | None,
        typer.Option("--actuals", help="actuals.csv: what really happened (else the plan)."),
    ] = None,
) -> None:
    """Post-live review: per live session and product, kg sold, shipped on time, late,
    spoiled and lost (with reasons), and the revenue at risk.

    Writes review.csv and review.html into --out (both files or neither); other files
    there stay. Without --actuals, what happened is the plan.
    """
    from agrichain.day.review import review_plan
    from agrichain.day.review_report import review_files
    from agrichain.io import load_scenario
    from agrichain.io.actuals import read_actuals
    from agrichain.io.plan_reading import read_plan

    scenario = run_step(lambda: load_scenario(scenario_dir))
    plan = run_step(lambda: read_plan(plan_dir, scenario))
    facts = None if actuals is None else run_step(lambda: read_actuals(actuals, scenario))
    review = run_step(lambda: review_plan(scenario, plan, facts))
    files = run_step(lambda: review_files(review))
    run_step(lambda: write_review_folder(out, files))
    kg_sold = sum(s.kg_sold for s in review.sessions)
    kg_on_time = sum(s.kg_on_time for s in review.sessions)
    at_risk = sum(s.revenue_at_risk for s in review.sessions)
    tell(
        f"reviewed {len(review.orders)} orders: {kg_on_time:,.1f} of {kg_sold:,.1f} kg "
        f"on time, {at_risk:,.2f} {review.currency} at risk → {out}"
    )
    raise typer.Exit(EXIT_OK)


def write_review_folder(out: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into ``out`` all or nothing (an input error when it cannot)."""
    from agrichain.io import atomic_write_files

    blocker = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise ValueError(f"cannot write the review to {out}: {blocker} is a file, not a folder")
    try:
        atomic_write_files(out, files)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ValueError(f"cannot write the review to {out}: {reason}") from None


__all__ = ["review_command", "write_review_folder"]
