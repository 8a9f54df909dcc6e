"""The multi-day planner as an :class:`~agrichain.allocation.Allocator` for the pipeline."""

from __future__ import annotations

import copy
import dataclasses
import time

from agrichain.allocation import Allocation
from agrichain.geo import TravelModel
from agrichain.inventory.data import InventoryOptions, SolverName
from agrichain.inventory.fixed_travel import portable_travel
from agrichain.inventory.planner import deadline_s, plan_job, resolve_options
from agrichain.inventory.worker import run_job
from agrichain.model import Scenario


def allocate_job(
    scenario: Scenario, options: InventoryOptions, with_atp: bool, travel: TravelModel | None
) -> Allocation:
    """Plan (and ATP) in this process; the allocation of :class:`InventoryAllocator`."""
    from agrichain.inventory.atp import atp_from_plan

    plan = plan_job(scenario, options, travel)
    tables = dict(plan.tables)
    summary = dict(plan.summary)
    if with_atp:
        t0 = time.perf_counter()
        tables["atp"] = atp_from_plan(plan)
        summary["atp_s"] = round(time.perf_counter() - t0, 3)
    return Allocation(
        tasks=plan.tasks,
        shortfalls=plan.shortfalls,
        method="inventory",
        status=plan.status,
        order_sources=plan.order_sources,
        summary=summary,
        tables=tables,
    )


class InventoryAllocator:
    """Plan the whole horizon with :func:`~agrichain.inventory.plan_inventory`; day 0's
    flows become today's pickup tasks, the later days are the plan ahead (tables).

    Arguments left as None keep ``scenario.toml``'s ``[inventory]`` values (or, if
    ``options`` is given, its values). ``with_atp`` adds the ``atp`` table. The
    solver runs in a worker process unless ``isolate=False`` (see
    :mod:`agrichain.inventory.worker`: PuLP/highspy and OR-Tools cannot share a process).
    """

    def __init__(
        self,
        *,
        solver: SolverName | None = None,
        time_limit_s: float | None = None,
        mip_gap: float | None = None,
        threads: int | None = None,
        transport_cost_per_kg_km: float | None = None,
        link_fixed_cost: float | None = None,
        integer_days: int | None = None,
        trips_per_shift: float | None = None,
        options: InventoryOptions | None = None,
        with_atp: bool = True,
        travel: TravelModel | None = None,
        isolate: bool = True,
    ) -> None:
        self.overrides: dict[str, object] = {
            "solver": solver,
            "time_limit_s": time_limit_s,
            "mip_gap": mip_gap,
            "threads": threads,
            "transport_cost_per_kg_km": transport_cost_per_kg_km,
            "link_fixed_cost": link_fixed_cost,
            "integer_days": integer_days,
            "trips_per_shift": trips_per_shift,
        }
        self.options = options
        self.with_atp = with_atp
        self.travel = travel
        self.isolate = isolate
        #: Upper bound on the solver's time limit (set by :meth:`within`).
        self.cap_s: float | None = None

    def within(self, seconds: float) -> InventoryAllocator:
        """This allocator with its solver time limit capped at ``seconds``."""
        bounded = copy.copy(self)
        bounded.cap_s = seconds if self.cap_s is None else min(self.cap_s, seconds)
        return bounded

    def options_for(self, scenario: Scenario) -> InventoryOptions:
        """The options used for ``scenario``."""
        opts = resolve_options(scenario, self.options, **self.overrides)
        if self.cap_s is not None and opts.time_limit_s > self.cap_s:
            opts = dataclasses.replace(opts, time_limit_s=max(0.1, self.cap_s))
        return opts

    def allocate(self, scenario: Scenario) -> Allocation:
        """Today's pickup tasks, order shortfalls and the multi-day plan tables."""
        opts = self.options_for(scenario)
        if self.isolate:  # the worker gets the travel matrices, never the model
            travel = portable_travel(scenario, self.travel)
            allocation: Allocation = run_job(
                allocate_job, scenario, opts, self.with_atp, travel, timeout_s=deadline_s(opts)
            )
            return allocation
        return allocate_job(scenario, opts, self.with_atp, self.travel)
