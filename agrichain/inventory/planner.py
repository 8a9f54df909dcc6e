"""Plan the horizon: prepare → build → solve → extract (see :func:`plan_inventory`)."""

from __future__ import annotations

import dataclasses

from agrichain.geo import TravelModel
from agrichain.inventory.data import InventoryOptions, prepare
from agrichain.inventory.fixed_travel import portable_travel
from agrichain.inventory.inventory_plan import InventoryPlan
from agrichain.inventory.worker import run_job
from agrichain.model import Scenario

#: Seconds added to the solver's time limit before the caller gives up on the worker.
DEADLINE_SLACK_S = 300.0


def resolve_options(
    scenario: Scenario, options: InventoryOptions | None = None, **overrides: object
) -> InventoryOptions:
    """``options`` (default: ``scenario.toml``'s) with the non-None ``overrides`` applied."""
    if options is None:
        return InventoryOptions.from_settings(scenario.settings, **overrides)
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - {f.name for f in dataclasses.fields(InventoryOptions)}
    if unknown:
        raise ValueError(f"unknown inventory options: {', '.join(sorted(unknown))}")
    return dataclasses.replace(options, **given) if given else options  # type: ignore[arg-type]


def deadline_s(options: InventoryOptions) -> float:
    """How long the caller waits for a worker job (solver limit, CBC watchdog, slack)."""
    return 3.0 * options.time_limit_s + options.watchdog_grace_s + DEADLINE_SLACK_S


def plan_job(
    scenario: Scenario, options: InventoryOptions, travel: TravelModel | None
) -> InventoryPlan:
    """Build, solve and extract in this process (imports PuLP and highspy)."""
    from agrichain.inventory.milp import build_milp
    from agrichain.inventory.result import extract_plan
    from agrichain.inventory.solve import solve_with_fallback

    data = prepare(scenario, options, travel)
    milp = build_milp(data)
    report = solve_with_fallback(milp, options)
    return extract_plan(data, milp, report, milp.build_s)


def plan_inventory(
    scenario: Scenario,
    options: InventoryOptions | None = None,
    *,
    travel: TravelModel | None = None,
    isolate: bool = True,
    **overrides: object,
) -> InventoryPlan:
    """The cost-minimal multi-day harvest, stock and shipping plan of ``scenario``.

    Options come from ``scenario.toml`` unless ``options`` is given; keyword
    ``overrides`` (fields of :class:`InventoryOptions`, None = keep) win over both.
    Over-demand never makes it infeasible: unmet demand is lost sales. With
    ``isolate`` (default) the solver runs in a worker process (see
    :mod:`agrichain.inventory.worker` for why); ``isolate=False`` imports PuLP here.
    """
    opts = resolve_options(scenario, options, **overrides)
    if isolate:
        portable = portable_travel(scenario, travel)
        plan: InventoryPlan = run_job(
            plan_job, scenario, opts, portable, timeout_s=deadline_s(opts)
        )
        return plan
    return plan_job(scenario, opts, travel)
