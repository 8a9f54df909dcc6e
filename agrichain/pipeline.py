"""The nightly plan: allocation → collection routing → :class:`~agrichain.plan.Plan`."""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from agrichain.allocation import (
    NOT_ALLOCATED,
    Allocation,
    Allocator,
    BoundedAllocator,
    order_fates,
)
from agrichain.clock import Deadline
from agrichain.geo import TravelModel
from agrichain.inventory import InventoryAllocator, NearestFarmAllocator
from agrichain.io.travel import travel_model, travel_summary
from agrichain.model import Scenario
from agrichain.plan import Fate, OrderFate, Plan, PlanStatus, Route, TaskOutcome, Unserved
from agrichain.routing.causes import unserved_causes
from agrichain.routing.check import check_solution
from agrichain.routing.collection import CollectionProblem, build_collection_problem
from agrichain.routing.collection_plan import explain_unserved, routes_from_solution, task_outcomes
from agrichain.routing.engine import solve
from agrichain.routing.problem import SolveParams
from agrichain.routing.rules import Cause

#: Seconds plus a share of the time limit kept after the routing search for building
#: the plan from its routes and writing it (about 1 s on 1,300 tasks).
FINISH_RESERVE_MIN_S = 0.6
FINISH_RESERVE_SHARE = 0.01
#: Share of the time limit the allocation (the inventory solver) may take at most.
ALLOCATION_SHARE = 0.3
#: The routing search always gets at least this long (a plan needs its construction).
MIN_SEARCH_S = 0.1

#: ``progress(stage, fraction_done)``; stages: "allocate", "route", "done".
ProgressCallback = Callable[[str, float], None]


def _noop(stage: str, fraction: float) -> None:
    return None


#: Allocation methods by name: the multi-day planner and the nearest-farm rule.
ALLOCATION_METHODS = ("inventory", "nearest")
#: The allocation of the library, the CLI and the app unless one is chosen.
DEFAULT_ALLOCATION = "inventory"
#: Solvers the inventory planner may use.
INVENTORY_SOLVERS = ("highs", "cbc")


def make_allocator(method: str | None = None, **inventory_options: Any) -> Allocator:
    """The allocator called ``method`` (None: :data:`DEFAULT_ALLOCATION`);
    ``inventory_options`` go to the inventory planner.

    ``inventory``: :class:`~agrichain.inventory.InventoryAllocator` (options such as
    ``solver``, ``time_limit_s``, ``mip_gap``, ``threads``; None keeps ``scenario.toml``);
    ``nearest``: :class:`~agrichain.inventory.NearestFarmAllocator` (takes no options).
    """
    method = method or DEFAULT_ALLOCATION
    if method == "nearest":
        if any(v is not None for v in inventory_options.values()):
            raise ValueError("the nearest-farm allocation takes no inventory options")
        return NearestFarmAllocator()
    if method != "inventory":
        raise ValueError(
            f"unknown allocation method {method!r}; choose {' or '.join(ALLOCATION_METHODS)}"
        )
    solver = inventory_options.get("solver")
    if solver is not None and solver not in INVENTORY_SOLVERS:
        raise ValueError(
            f"unknown inventory solver {solver!r}; choose {' or '.join(INVENTORY_SOLVERS)}"
        )
    return InventoryAllocator(**inventory_options)


def routing_params(
    scenario: Scenario,
    time_limit_s: float | None = None,
    seed: int | None = None,
    solution_limit: int | None = None,
    engine: str | None = None,
    workers: int | None = None,
) -> SolveParams:
    """Routing limits: explicit arguments override ``scenario.toml``."""
    r = scenario.settings.routing
    return SolveParams(
        time_limit_s=float(time_limit_s if time_limit_s is not None else r.time_limit_s),
        solution_limit=solution_limit if solution_limit is not None else r.solution_limit,
        seed=int(seed if seed is not None else r.seed),
        engine=engine or r.engine,
        num_workers=int(workers if workers is not None else r.workers),
    )


def plan_day(
    scenario: Scenario,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    solution_limit: int | None = None,
    engine: str | None = None,
    workers: int | None = None,
    allocator: Allocator | None = None,
    travel: TravelModel | None = None,
    scenario_folder: str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
    started_s: float | None = None,
) -> Plan:
    """Plan the planning date of ``scenario``: who supplies what, and the collection routes.

    ``allocator`` defaults to :data:`DEFAULT_ALLOCATION` (the inventory planner); pass
    :class:`~agrichain.inventory.NearestFarmAllocator` for the simple greedy rule.

    Infeasibility is not an exception: what cannot be planned is listed in
    ``Plan.unserved`` with a reason, and ``Plan.status`` is then ``partial``.

    The time limit bounds the whole call: routing searches for what is left after
    allocation and model building, less :data:`FINISH_RESERVE_MIN_S` plus
    :data:`FINISH_RESERVE_SHARE` of the limit kept for turning the routes into the
    plan. ``started_s`` (a :func:`time.monotonic` reading) lets a caller start the
    clock earlier (the CLI starts it before its imports and reading the scenario).

    ``travel`` is the travel model of routing and of the inventory planner's transport
    costs (given to an :class:`~agrichain.inventory.InventoryAllocator` without one).
    None: the model ``[travel]`` of ``scenario.toml`` chooses
    (:func:`agrichain.io.travel.travel_model`); great circle needs nothing more, a
    ``matrix`` or ``osm`` mode reads its file relative to ``scenario_folder`` and raises
    :class:`~agrichain.errors.ScenarioError` without it. When the model gives road
    paths (``path(a, b)``), each route's :attr:`~agrichain.plan.Route.path` follows them.
    """
    report = progress or _noop
    t0 = time.monotonic()
    params = routing_params(scenario, time_limit_s, seed, solution_limit, engine, workers)
    deadline = Deadline(params.time_limit_s, t0 if started_s is None else started_s)
    if travel is None:
        travel = travel_model(scenario, scenario_folder)
    report("allocate", 0.0)
    chosen = with_travel(allocator or make_allocator(), travel)
    if isinstance(chosen, BoundedAllocator):  # the allocation may take its share at most
        chosen = chosen.within(max(MIN_SEARCH_S, ALLOCATION_SHARE * deadline.remaining()))
    allocation = chosen.allocate(scenario)
    t_alloc = time.monotonic() - t0
    report("route", 0.0)
    t1 = time.monotonic()
    collection = build_collection_problem(scenario, allocation.tasks, travel)
    t_build = time.monotonic() - t1
    reserve_s = FINISH_RESERVE_MIN_S + FINISH_RESERVE_SHARE * deadline.limit_s
    search_s = max(MIN_SEARCH_S, min(params.time_limit_s, deadline.remaining() - reserve_s))
    params = replace(params, time_limit_s=search_s)
    solution = solve(collection.problem, params)
    violations = check_solution(collection.problem, solution)
    routes = road_paths(routes_from_solution(collection, solution), travel)
    outcomes = task_outcomes(collection, solution)
    causes = unserved_causes(collection.problem, solution)
    unserved = unserved_items(allocation, collection, outcomes, causes)
    pieces: dict[str, list[tuple[str, float]]] = {}
    for piece in collection.tasks:
        pieces.setdefault(piece.parent_id, []).append((piece.task_id, piece.kg))
    fates = order_fates(scenario, allocation, unserved, pieces)
    report("done", 1.0)
    summary = plan_summary(
        scenario,
        allocation,
        routes_cost=sum(r.cost for r in routes),
        outcomes=outcomes,
        unserved=unserved,
        fates=fates,
        routes=routes,
        solution=solution,
        params=params,
        timings={
            "allocation_s": t_alloc,
            "routing_build_s": t_build,
            "routing_solve_s": solution.wall_time_s,
            "wall_time_s": time.monotonic() - t0,
            "time_limit_s": deadline.limit_s,
        },
    )
    # Complete only when everything is served and the independent checker agrees.
    complete = not unserved and not violations and solution.is_feasible()
    status = PlanStatus.COMPLETE if complete else PlanStatus.PARTIAL
    summary["status"] = status.value
    summary["routing"]["violations"] = len(violations)
    summary["travel"] = travel_summary(travel)
    return Plan(
        scenario_name=scenario.settings.name,
        planning_date=scenario.settings.planning_date,
        status=status,
        routes=tuple(routes),
        tasks=tuple(outcomes),
        unserved=tuple(unserved),
        summary=summary,
        tables=dict(allocation.tables),
        orders=fates,
    )


def with_travel(allocator: Allocator, travel: TravelModel) -> Allocator:
    """``allocator`` planning its transport costs with ``travel`` unless it has a model."""
    if isinstance(allocator, InventoryAllocator) and allocator.travel is None:
        allocator = copy.copy(allocator)
        allocator.travel = travel
    return allocator


def road_paths(routes: Sequence[Route], travel: TravelModel) -> list[Route]:
    """The routes with their road geometry, when ``travel`` has ``path(a, b)`` (a list of
    (lat, lon) points from place a to place b); else as they are."""
    path = getattr(travel, "path", None)
    if not callable(path):
        return list(routes)
    out = []
    for route in routes:
        points: list[tuple[float, float]] = []
        for a, b in zip(route.stops, route.stops[1:], strict=False):
            for point in path((a.lat, a.lon), (b.lat, b.lon)):
                if not points or points[-1] != point:
                    points.append((float(point[0]), float(point[1])))
        out.append(replace(route, path=tuple(points)) if len(points) > 1 else route)
    return out


def _stopped_by(solution: Any, params: SolveParams) -> str:
    """Which limit ended the search: "solution_limit" or "time_limit"."""
    said = solution.stats.get("stopped_by")
    if said in ("solution_limit", "time_limit"):
        return str(said)
    if params.solution_limit is not None and solution.wall_time_s < 0.9 * params.time_limit_s:
        return "solution_limit"
    return "time_limit"


def unserved_items(
    allocation: Allocation,
    collection: CollectionProblem,
    outcomes: list[TaskOutcome],
    causes: dict[int, Cause],
) -> list[Unserved]:
    """The allocation's shortfalls and the task pieces routing left out, each with its
    cause and reason (``outcomes`` in the order of ``collection.tasks``)."""
    out = [
        Unserved(
            kind="order",
            item_id=s.order_id,
            product_id=s.product_id,
            logistics_point_id=s.logistics_point_id,
            kg=s.kg,
            reason=s.reason,
            order_ids=(s.order_id,),
            cause=NOT_ALLOCATED,
        )
        for s in allocation.shortfalls
    ]
    for i, t in enumerate(outcomes):
        if not t.served:
            cause = causes.get(collection.pickup_node[i], Cause.SEARCH_STOPPED)
            out.append(
                Unserved(
                    kind="task",
                    item_id=t.task_id,
                    product_id=t.product_id,
                    logistics_point_id=t.logistics_point_id,
                    kg=t.kg,
                    reason=explain_unserved(collection, i, cause),
                    order_ids=t.order_ids,
                    cause=cause.code,
                )
            )
    return out


def _kg_totals(
    fates: tuple[OrderFate, ...], outcomes: list[TaskOutcome], unserved: list[Unserved]
) -> dict[str, float]:
    """The kg totals of ``summary.json``, for the whole plan or one product.

    The ordered kg split as ``orders.csv`` splits them: kg_ordered = kg_collected +
    kg_covered_otherwise (= kg_from_stock + kg_later_day) + kg_unserved. The pickup
    tasks' own kg (which may also build stock for forecast sales) are kg_tasks_served
    and kg_tasks_unserved.
    """
    from_stock = sum(f.kg_from_stock for f in fates)
    later_day = sum(f.kg_later_day for f in fates)
    totals = {
        "kg_ordered": sum(f.kg for f in fates),
        "kg_collected": sum(f.kg_collected for f in fates),
        "kg_covered_otherwise": from_stock + later_day,
        "kg_unserved": sum(f.kg_unserved for f in fates),
        "kg_from_stock": from_stock,
        "kg_later_day": later_day,
        "kg_tasks_served": sum(t.kg for t in outcomes if t.served),
        "kg_tasks_unserved": sum(u.kg for u in unserved if u.kind == "task"),
    }
    return {k: round(v, 3) for k, v in totals.items()}


def plan_summary(
    scenario: Scenario,
    allocation: Allocation,
    *,
    routes_cost: float,
    outcomes: list[TaskOutcome],
    unserved: list[Unserved],
    fates: tuple[OrderFate, ...],
    routes: list[Any],
    solution: Any,
    params: SolveParams,
    timings: dict[str, float],
) -> dict[str, Any]:
    """The content of ``summary.json`` (its ``status`` left empty for the caller)."""
    distance = sum(r.distance_km for r in routes)
    fixed = sum(scenario.vehicle[r.vehicle_id].fixed_cost for r in routes)
    by_product = {
        pid: _kg_totals(
            tuple(f for f in fates if f.product_id == pid),
            [t for t in outcomes if t.product_id == pid],
            [u for u in unserved if u.product_id == pid],
        )
        for pid in (p.product_id for p in scenario.products)
    }
    return {
        "scenario": scenario.settings.name,
        "planning_date": scenario.settings.planning_date.isoformat(),
        "status": "",
        "currency": scenario.settings.currency,
        "vehicles_used": len(routes),
        "vehicles_available": len(scenario.vehicles),
        "distance_km": round(distance, 3),
        "cost_total": round(routes_cost, 2),
        "cost_fixed": round(fixed, 2),
        "cost_distance": round(routes_cost - fixed, 2),
        "orders_total": len(scenario.orders),
        "orders_unserved": sum(1 for f in fates if f.fate is Fate.UNSERVED),
        "orders_by_fate": {fate.value: sum(1 for f in fates if f.fate is fate) for fate in Fate},
        "tasks_total": len(outcomes),
        "tasks_unserved": sum(1 for t in outcomes if not t.served),
        **_kg_totals(fates, outcomes, unserved),
        "by_product": by_product,
        "allocation": {
            "method": allocation.method,
            "status": allocation.status,
            **allocation.summary,
        },
        "routing": {
            "engine": solution.engine,
            "solver_status": solution.status.value,
            "objective": int(solution.objective),
            "time_limit_s": timings["time_limit_s"],
            "search_time_limit_s": round(params.time_limit_s, 3),
            "stopped_by": _stopped_by(solution, params),
            "solution_limit": params.solution_limit,
            "seed": params.seed,
            "workers": params.num_workers,
            "processes": int(solution.stats.get("processes", 1)),
        },
        "timings_s": {k: round(v, 3) for k, v in timings.items() if k != "time_limit_s"},
        "wall_time_s": round(timings["wall_time_s"], 3),
    }


__all__ = [
    "ALLOCATION_METHODS",
    "DEFAULT_ALLOCATION",
    "ProgressCallback",
    "make_allocator",
    "plan_day",
    "plan_summary",
    "road_paths",
    "routing_params",
    "unserved_items",
    "with_travel",
]
