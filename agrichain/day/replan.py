"""Re-planning the rest of a day after what happened: breakdowns, farm shortfalls, new and
cancelled orders, vehicles added.

Stops made by ``now`` stay as they were (see :mod:`agrichain.day.replan_state`); each
vehicle goes on from where it is, delivering what it carries; locked routes stay as they
are. Two candidates are routed: the plan *repaired* (each vehicle keeps the order of its
remaining stops; displaced and new tasks are inserted where they cost least) and a
*fresh* route of all the work left by the default engine. The one with the lower
objective wins, the objective being route cost + drop penalties + ``change_cost`` for
every task that moves to another vehicle, so drivers' days change only where it pays.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from agrichain.allocation import Allocation, order_fates
from agrichain.clock import Deadline
from agrichain.day.replan_routes import CHANGES_CSV, change_rows, day_routes
from agrichain.day.replan_state import DayState, day_state
from agrichain.day.replan_tasks import WorkLeft, as_pickup, work_left
from agrichain.geo import TravelModel
from agrichain.io import plan_files
from agrichain.io.events import Events
from agrichain.io.plan_files import csv_bytes
from agrichain.model import Scenario, minutes_of_day
from agrichain.pipeline import (
    FINISH_RESERVE_MIN_S,
    FINISH_RESERVE_SHARE,
    plan_summary,
    road_paths,
    routing_params,
    unserved_items,
)
from agrichain.plan import Plan, PlanStatus, TaskOutcome
from agrichain.routing.causes import unserved_causes
from agrichain.routing.check import check_solution
from agrichain.routing.collection import (
    COST_UNITS_PER_CURRENCY,
    CollectionProblem,
    OnBoard,
    VehicleStart,
    build_collection_problem,
)
from agrichain.routing.collection_plan import routes_from_solution, task_outcomes
from agrichain.routing.engine import solve
from agrichain.routing.lns.reassign import schedule
from agrichain.routing.lns.search import improve
from agrichain.routing.problem import RoutingSolution, SolveParams, SolveStatus, VehicleRoute
from agrichain.routing.servable import unservable_reasons

#: Cost (currency) of a task moving to another vehicle than the plan's.
DEFAULT_CHANGE_COST = 30.0
#: Share of the time limit the repair may take (it inserts, it does not search).
REPAIR_SHARE = 0.2
#: Seconds the fresh route gets at least.
MIN_FRESH_S = 0.5


@dataclass(frozen=True)
class Replan:
    """The re-planned day: the scenario with the events applied, the new plan (stops made
    before ``now`` included) and what changes for each driver."""

    scenario: Scenario
    plan: Plan
    changes: pd.DataFrame

    def files(self) -> dict[str, bytes]:
        """The plan's files and ``changes.csv``."""
        return {**plan_files(self.plan), CHANGES_CSV: csv_bytes(self.changes)}


def with_events(scenario: Scenario, events: Events) -> Scenario:
    """``scenario`` with the new orders and vehicles, without the cancelled orders."""
    orders = [o for o in scenario.orders if o.order_id not in events.cancelled]
    vehicles = [*scenario.vehicles, *(v for v, _ in events.added_vehicles)]
    return scenario.with_tables(orders=[*orders, *events.new_orders], vehicles=vehicles)


def seconds_of(scenario: Scenario, when: dt.datetime) -> int:
    return int(
        (when - dt.datetime.combine(scenario.settings.planning_date, dt.time())).total_seconds()
    )


def vehicle_starts(
    scenario: Scenario, plan: Plan, state: DayState, events: Events, idle: set[str]
) -> dict[str, VehicleStart]:
    """Where and when each vehicle goes on, with what it carries (``idle`` vehicles, broken
    down or on a locked route, do not go on)."""
    tasks = {t.task_id: t for t in plan.tasks}
    available = {v.vehicle_id: when for v, when in events.added_vehicles}
    now_s = seconds_of(scenario, state.now)
    starts = {}
    for vehicle in scenario.vehicles:
        vid = vehicle.vehicle_id
        shift_s = minutes_of_day(vehicle.shift_start) * 60
        day = state.vehicles.get(vid)
        if vid in idle:
            continue
        if day is None or not day.made:
            ready = available.get(vid)
            at_s = max(now_s, shift_s, seconds_of(scenario, ready) if ready else 0)
            starts[vid] = VehicleStart(vehicle.home_logistics_point_id, at_s)
        else:
            carried = tuple(
                OnBoard(as_pickup(tasks[t]), seconds_of(scenario, state.picked_up[t]))
                for t in day.on_board
            )
            at_s = max(seconds_of(scenario, day.free_at), shift_s)
            starts[vid] = VehicleStart(day.place_id, at_s, carried)
    return starts


def old_sequences(
    collection: CollectionProblem, plan: Plan, state: DayState, idle: set[str]
) -> dict[int, list[int]]:
    """Each working vehicle's stops still ahead, in the plan's order, as visit nodes: what
    it carries first, then the plan's remaining pickups and deliveries."""
    problem = collection.problem
    index = {v.vehicle_id: i for i, v in enumerate(collection.scenario.vehicles)}
    piece = {t.task_id: k for k, t in enumerate(collection.tasks) if k not in collection.on_board}
    carried: dict[int, dict[str, int]] = {}
    for k in sorted(collection.on_board):
        only = problem.node_allowed_vehicles[collection.pickup_node[k]] or frozenset()
        for v in only:
            carried.setdefault(v, {})[collection.tasks[k].task_id] = k
    out: dict[int, list[int]] = {}
    for route in plan.routes:
        if route.vehicle_id in idle or route.vehicle_id not in index:
            continue
        v = index[route.vehicle_id]
        aboard = carried.get(v, {})
        nodes = [collection.pickup_node[k] for k in aboard.values()]
        picked = set(aboard)
        day = state.vehicles.get(route.vehicle_id)
        for stop in route.stops[len(day.made) if day else 0 :]:
            for t in stop.task_ids:
                if stop.stop_kind == "farm" and t in piece:
                    nodes.append(collection.pickup_node[piece[t]])
                    picked.add(t)
                elif stop.stop_kind == "logistics_point" and t in picked:
                    found = aboard.get(t, piece.get(t))
                    if found is not None:
                        nodes.append(collection.delivery_node[found])
        out[v] = nodes
    return out


def solution_of(
    collection: CollectionProblem, routes: list[VehicleRoute], wall_s: float, engine: str
) -> RoutingSolution:
    problem = collection.problem
    routed = {n for r in routes for n in r.customer_nodes()}
    dropped = tuple(int(n) for n in problem.visit_nodes() if int(n) not in routed)
    cost = sum(r.cost(problem) for r in routes) + int(
        sum(max(0, int(problem.node_drop_penalty[n])) for n in dropped)
    )
    status = SolveStatus.PARTIAL if dropped else SolveStatus.FEASIBLE
    return RoutingSolution(tuple(routes), dropped, status, cost, wall_s, engine)


def repaired(
    collection: CollectionProblem, sequences: dict[int, list[int]], end: float, seed: int
) -> RoutingSolution:
    """The plan's remaining sequences kept where they still work; what is displaced or
    new inserted where it costs least."""
    t0 = time.monotonic()
    problem = collection.problem
    carried = {collection.pickup_node[k] for k in collection.on_board}
    carried |= {collection.delivery_node[k] for k in collection.on_board}
    routes = []
    for v, nodes in sorted(sequences.items()):
        visits = schedule(problem, v, nodes)
        if visits is None:  # the events broke it: keep only what it carries
            visits = schedule(problem, v, [n for n in nodes if n in carried])
        if visits is not None and len(visits) > 2:
            routes.append(VehicleRoute(v, visits))
    servable = set(problem.visit_nodes().tolist()) - set(unservable_reasons(problem))
    visits_all = np.array(sorted(servable), dtype=np.int64)
    found = improve(problem, visits_all, routes, end, iterations=0, seed=seed)
    routes = [r for r in found.routes if len(r.visits) > 2]
    return solution_of(collection, routes, time.monotonic() - t0, "repair")


def changed_vehicle(collection: CollectionProblem, solution: RoutingSolution, plan: Plan) -> int:
    """Task pieces on another vehicle than the plan had them on."""
    was = {t.task_id: t.vehicle_id for t in plan.tasks}
    vehicles = collection.scenario.vehicles
    node_piece = {p: k for k, p in enumerate(collection.pickup_node)}
    moved = 0
    for r in solution.routes:
        for n in r.customer_nodes():
            k = node_piece.get(n)
            if k is None:
                continue
            before = was.get(collection.tasks[k].parent_id)
            moved += int(before is not None and before != vehicles[r.vehicle].vehicle_id)
    return moved


def objective(
    collection: CollectionProblem, solution: RoutingSolution, plan: Plan, change_cost: float
) -> tuple[int, int]:
    """(route cost + drop penalties + change cost, in cost units; tasks moved)."""
    problem = collection.problem
    penalty = sum(max(0, int(problem.node_drop_penalty[n])) for n in solution.dropped)
    moved = changed_vehicle(collection, solution, plan)
    change_units = round(change_cost * COST_UNITS_PER_CURRENCY) * moved
    return solution.cost(problem) + penalty + change_units, moved


def routed(
    collection: CollectionProblem,
    plan: Plan,
    state: DayState,
    idle: set[str],
    params: SolveParams,
    change_cost: float,
    deadline: Deadline,
) -> tuple[RoutingSolution, dict[str, Any]]:
    """The better of the repaired plan and a fresh route, by :func:`objective`."""
    end = time.monotonic() + REPAIR_SHARE * deadline.remaining()
    sequences = old_sequences(collection, plan, state, idle)
    candidates = {"repair": repaired(collection, sequences, end, params.seed)}
    if check_solution(collection.problem, candidates["repair"]):
        del candidates["repair"]  # never returned: a rule broken
    reserve_s = FINISH_RESERVE_MIN_S + FINISH_RESERVE_SHARE * deadline.limit_s
    fresh = replace(params, time_limit_s=max(MIN_FRESH_S, deadline.remaining() - reserve_s))
    candidates["fresh"] = solve(collection.problem, fresh)
    scored = {
        name: objective(collection, sol, plan, change_cost) for name, sol in candidates.items()
    }
    chosen = min(scored, key=lambda name: (scored[name][0], name))
    note = {
        "chosen": chosen,
        "objective": {
            name: round(score / COST_UNITS_PER_CURRENCY, 2) for name, (score, _) in scored.items()
        },
        "tasks_changing_vehicle": scored[chosen][1],
        "change_cost": change_cost,
    }
    return candidates[chosen], note


def outcomes_of(
    collection: CollectionProblem, solution: RoutingSolution, state: DayState, work: WorkLeft
) -> tuple[list[TaskOutcome], list[TaskOutcome]]:
    """The routed pieces' outcomes (in problem order) and every task outcome of the day:
    kept, routed (what was on board keeps its real pickup time) and lost."""
    routed_out = task_outcomes(collection, solution)
    day = []
    for k, t in enumerate(routed_out):
        picked = state.picked_up.get(t.task_id) if k in collection.on_board else None
        if picked is not None:
            transit = (
                None if t.delivery_time is None else (t.delivery_time - picked).total_seconds() / 60
            )
            t = replace(t, pickup_time=picked if t.delivery_time else None, transit_min=transit)
        day.append(t)
    day += work.kept + work.lost_tasks
    return routed_out, sorted(day, key=lambda t: t.task_id)


def piece_map(collection: CollectionProblem) -> dict[str, list[tuple[str, float]]]:
    """Task id → the pieces (id, kg) routing split it into."""
    pieces: dict[str, list[tuple[str, float]]] = {}
    for piece in collection.tasks:
        pieces.setdefault(piece.parent_id, []).append((piece.task_id, piece.kg))
    return pieces


def replan_day(
    scenario: Scenario,
    plan: Plan,
    events: Events,
    now: dt.datetime,
    *,
    time_limit_s: float | None = None,
    solution_limit: int | None = None,
    seed: int | None = None,
    change_cost: float = DEFAULT_CHANGE_COST,
    travel: TravelModel | None = None,
) -> Replan:
    """Re-plan the rest of ``plan``'s day at ``now`` after ``events`` (see the module notes).

    The time limit bounds the whole call; with a solution limit the result is reproducible.
    """
    t0 = time.monotonic()
    day_scenario = with_events(scenario, events)
    params = routing_params(day_scenario, time_limit_s, seed, solution_limit, None, None)
    deadline = Deadline(params.time_limit_s, t0)
    state = day_state(plan, now, events.breakdowns)
    locked = {r.vehicle_id for r in plan.routes if r.locked}
    idle = locked | set(events.breakdowns)
    work = work_left(
        day_scenario, plan, events, set(state.picked_up), set(state.delivered), state.lost, locked
    )
    starts = vehicle_starts(day_scenario, plan, state, events, idle)
    collection = build_collection_problem(day_scenario, work.to_route, travel, starts, idle)
    solution, note = routed(collection, plan, state, idle, params, change_cost, deadline)
    routed_out, outcomes = outcomes_of(collection, solution, state, work)
    allocation = Allocation(
        tasks=tuple(work.to_route), shortfalls=tuple(work.shortfalls), method="replan",
        order_sources=tuple(work.sources), tables=dict(plan.tables),
    )  # fmt: skip
    causes = unserved_causes(collection.problem, solution)
    unserved = unserved_items(allocation, collection, routed_out, causes) + work.lost
    fates = order_fates(day_scenario, allocation, unserved, piece_map(collection))
    kept_routes = {r.vehicle_id: r for r in plan.routes if r.vehicle_id in locked}
    new_routes = routes_from_solution(collection, solution)
    if travel is not None:
        new_routes = road_paths(new_routes, travel)
    routes = day_routes(day_scenario, collection, state, new_routes, kept_routes)
    violations = check_solution(collection.problem, solution)
    summary = plan_summary(
        day_scenario, allocation, routes_cost=sum(r.cost for r in routes), outcomes=outcomes,
        unserved=unserved, fates=fates, routes=routes, solution=solution, params=params,
        timings={"wall_time_s": time.monotonic() - t0, "time_limit_s": deadline.limit_s},
    )  # fmt: skip
    complete = not unserved and not violations and solution.is_feasible()
    status = PlanStatus.COMPLETE if complete else PlanStatus.PARTIAL
    summary["status"] = status.value
    summary["routing"]["violations"] = len(violations)
    summary["replan"] = {"now": now, "broken_down": sorted(events.breakdowns),
                         "locked": sorted(locked), **note}  # fmt: skip
    new_plan = Plan(
        scenario_name=day_scenario.settings.name, planning_date=plan.planning_date,
        status=status, routes=tuple(routes), tasks=tuple(outcomes), unserved=tuple(unserved),
        summary=summary, tables=dict(plan.tables), orders=fates,
    )  # fmt: skip
    notes = {u.item_id: u.reason for u in work.lost}
    return Replan(day_scenario, new_plan, change_rows(plan.tasks, outcomes, notes))


__all__ = ["DEFAULT_CHANGE_COST", "Replan", "replan_day", "with_events"]
