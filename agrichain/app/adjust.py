"""The adjust step's logic: the routes of the plan shown as stop lines the planner edits
(move a task to another vehicle, reorder a vehicle's stops, lock routes), checked at once by
:func:`agrichain.day.check.check_routes`, and the plan they make when kept."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence

import pandas as pd

from agrichain.app.jobs import PlanResult
from agrichain.app.travel import scenario_travel
from agrichain.day.check import PlanCheck, check_routes, plan_stop_lines
from agrichain.io import StopLine
from agrichain.model import Scenario
from agrichain.plan import Plan, Route, TaskOutcome

#: :attr:`PlanResult.origin` of a plan adjusted by hand.
ADJUSTED = "adjusted"
FARM, POINT, DEPOT = "farm", "logistics_point", "depot"
#: Columns of :func:`route_comparison`.
COMPARISON_COLUMNS = ["vehicle_id", "locked", "stops", "distance_km", "distance_km_plan",
                      "cost", "cost_plan", "start", "end", "violations"]  # fmt: skip
#: Columns of :func:`stop_table`.
STOP_TABLE_COLUMNS = ["vehicle_id", "trip", "seq", "stop_id", "stop_kind", "arrival",
                      "departure", "load_kg", "cum_km", "task_ids"]  # fmt: skip


class AdjustError(ValueError):
    """An edit that cannot be made (unknown task or vehicle, a locked route, no such stop)."""


def by_vehicle(lines: Iterable[StopLine]) -> dict[str, list[StopLine]]:
    """The lines of each vehicle in their order, vehicles in order of first appearance."""
    out: dict[str, list[StopLine]] = {}
    for line in lines:
        out.setdefault(line.vehicle_id, []).append(line)
    return out


def flattened(vehicles: dict[str, list[StopLine]]) -> tuple[StopLine, ...]:
    """The vehicles' lines in one list, numbered as a ``routes.csv`` would number them
    (line 2 on), sequenced per vehicle with trips counted afresh (a new trip when a farm
    follows a delivery); vehicles left with depot stops only are dropped."""
    out: list[StopLine] = []
    for own in vehicles.values():
        if all(s.stop_kind == DEPOT and not s.task_ids for s in own):
            continue
        trip, before = 1, DEPOT
        for seq, s in enumerate(own):
            trip += s.stop_kind == FARM and before == POINT
            out.append(dataclasses.replace(s, line=len(out) + 2, seq=seq, trip=trip))
            before = s.stop_kind
    return tuple(out)


def start_lines(plan: Plan) -> tuple[StopLine, ...]:
    """The plan's routes as stop lines, the draft the planner edits."""
    return flattened(by_vehicle(plan_stop_lines(plan)))


def task_vehicle(lines: Iterable[StopLine], task_id: str) -> str | None:
    """The vehicle picking ``task_id`` up in ``lines`` (None: no vehicle)."""
    return next(
        (s.vehicle_id for s in lines if s.stop_kind == FARM and task_id in s.task_ids), None
    )


def without_task(own: list[StopLine], task_id: str, kinds: Collection[str]) -> list[StopLine]:
    """``own`` without ``task_id`` at stops of ``kinds``; stops left without a task go."""
    out = []
    for s in own:
        if s.stop_kind in kinds and task_id in s.task_ids:
            rest = tuple(t for t in s.task_ids if t != task_id)
            if not rest:
                continue
            s = dataclasses.replace(s, task_ids=rest)
        out.append(s)
    return out


def with_task(own: list[StopLine], task: TaskOutcome, delivery: bool) -> list[StopLine]:
    """``own`` with ``task`` picked up (and, with ``delivery``, delivered): both join the
    vehicle's first delivery at the task's logistics point (the pickup at that trip's stop at
    the farm, else a new stop just before); without such a delivery they go at the end of
    the last trip."""
    out = list(own)
    vehicle = out[0].vehicle_id
    at = next(
        (
            i
            for i, s in enumerate(out)
            if s.stop_kind == POINT and s.stop_id == task.logistics_point_id
        ),
        None,
    )
    if at is None:
        at = len(out) - 1 if out[-1].stop_kind == DEPOT else len(out)
        if delivery:
            out.insert(at, new_stop(vehicle, task.logistics_point_id, POINT, task.task_id))
    elif delivery:
        out[at] = dataclasses.replace(out[at], task_ids=(*out[at].task_ids, task.task_id))
    trip_start = max((i + 1 for i in range(at) if out[i].stop_kind == POINT), default=0)
    farm = next(
        (
            i
            for i in range(trip_start, at)
            if out[i].stop_kind == FARM and out[i].stop_id == task.farm_id
        ),
        None,
    )
    if farm is not None:
        out[farm] = dataclasses.replace(out[farm], task_ids=(*out[farm].task_ids, task.task_id))
    else:
        out.insert(at, new_stop(vehicle, task.farm_id, FARM, task.task_id))
    return out


def new_stop(vehicle_id: str, place_id: str, kind: str, task_id: str = "") -> StopLine:
    """A stop line not yet numbered (see :func:`flattened`)."""
    return StopLine(0, vehicle_id, 1, 0, place_id, kind, (task_id,) if task_id else (), False)


def depot_ends(scenario: Scenario, vehicle_id: str) -> list[StopLine]:
    """The start and end at a vehicle's depot: the lines of a vehicle without a route."""
    home = scenario.vehicle[vehicle_id].home_logistics_point_id
    return [new_stop(vehicle_id, home, DEPOT) for _ in range(2)]


def move_task(
    scenario: Scenario,
    plan: Plan,
    lines: Sequence[StopLine],
    task_id: str,
    vehicle_id: str,
    *,
    delivery: bool = True,
    locked: Collection[str] = (),
) -> tuple[StopLine, ...]:
    """``lines`` with ``task_id`` moved to ``vehicle_id``: its pickup and, with ``delivery``,
    its delivery (see :func:`with_task` for where they go). Without its delivery the task is
    picked up by one vehicle and delivered by another, which the check reports (pairing)."""
    task = next((t for t in plan.tasks if t.task_id == task_id), None)
    if task is None:
        raise AdjustError(f"unknown task {task_id!r}")
    if vehicle_id not in scenario.vehicle:
        raise AdjustError(f"unknown vehicle {vehicle_id!r}")
    source = task_vehicle(lines, task_id)
    for v in (source, vehicle_id):
        if v is not None and v in locked:
            raise AdjustError(f"the route of {v} is locked: unlock it to change it")
    if source == vehicle_id:
        raise AdjustError(f"{vehicle_id} already picks up {task_id}")
    kinds = (FARM, POINT) if delivery else (FARM,)
    vehicles = {v: without_task(own, task_id, kinds) for v, own in by_vehicle(lines).items()}
    target = vehicles.get(vehicle_id) or depot_ends(scenario, vehicle_id)
    if not delivery and any(task_id in s.task_ids for s in target if s.stop_kind == POINT):
        delivery = False  # the target delivers it already: only the pickup joins
    vehicles[vehicle_id] = with_task(target, task, delivery)
    return flattened(vehicles)


def movable_stops(lines: Iterable[StopLine], vehicle_id: str) -> list[int]:
    """Positions (in the vehicle's own lines) of its stops that may be moved: all but the
    depot at either end."""
    own = by_vehicle(lines).get(vehicle_id, [])
    return [i for i, s in enumerate(own) if 0 < i < len(own) - 1 or s.stop_kind != DEPOT]


def shift_stop(
    lines: Sequence[StopLine],
    vehicle_id: str,
    position: int,
    by: int,
    locked: Collection[str] = (),
) -> tuple[StopLine, ...]:
    """``lines`` with the vehicle's stop at ``position`` moved ``by`` places (−1: one earlier),
    never past the depot at either end."""
    if vehicle_id in locked:
        raise AdjustError(f"the route of {vehicle_id} is locked: unlock it to change it")
    vehicles = by_vehicle(lines)
    own = vehicles.get(vehicle_id)
    if own is None or position not in movable_stops(lines, vehicle_id):
        raise AdjustError(f"{vehicle_id} has no stop {position} to move")
    to = position + by
    first = 1 if own[0].stop_kind == DEPOT else 0
    last = len(own) - 2 if own[-1].stop_kind == DEPOT else len(own) - 1
    if not first <= to <= last:
        raise AdjustError(f"stop {position} of {vehicle_id} cannot move further")
    stop = own.pop(position)
    own.insert(to, stop)
    return flattened(vehicles)


def stop_label(line: StopLine) -> str:
    """A stop in words for pickers: place, kind and its tasks."""
    what = "pick up" if line.stop_kind == FARM else "deliver"
    tasks = " ".join(line.task_ids)
    return (
        f"{line.seq} · {line.stop_id} ({what} {tasks})" if tasks else f"{line.seq} · {line.stop_id}"
    )


def task_label(plan: Plan, lines: Iterable[StopLine], task_id: str) -> str:
    """A task in words for pickers: farm → point, product and kg, and its vehicle now."""
    task = next(t for t in plan.tasks if t.task_id == task_id)
    vehicle = task_vehicle(lines, task_id) or "no vehicle"
    return (
        f"{task_id} · {task.farm_id} → {task.logistics_point_id} · {task.product_id} "
        f"{task.kg:,.0f} kg · on {vehicle}"
    )


def check_lines(result: PlanResult, lines: Sequence[StopLine]) -> PlanCheck:
    """The check of the edited routes against the scenario the plan was made for."""
    travel = scenario_travel(result.scenario, result.scenario_folder)
    return check_routes(result.scenario, result.plan, list(lines), travel)


def locked_vehicles(plan: Plan) -> frozenset[str]:
    return frozenset(r.vehicle_id for r in plan.routes if r.locked)


def is_changed(plan: Plan, lines: Sequence[StopLine], locked: Collection[str]) -> bool:
    """True when the edited routes or the locks differ from the plan's."""
    return tuple(lines) != start_lines(plan) or frozenset(locked) != locked_vehicles(plan)


def route_comparison(plan: Plan, check: PlanCheck, locked: Collection[str]) -> pd.DataFrame:
    """One row per vehicle with a route, in the plan or now: stops, km and cost now and in
    the plan, the recomputed start and end, and its violations."""
    before = {r.vehicle_id: r for r in plan.routes}
    after: dict[str, Route] = {r.vehicle_id: r for r in check.routes}
    found = pd.Series([v.vehicle_id for v in check.violations], dtype=object).value_counts()
    rows = []
    for vid in [*before, *(v for v in after if v not in before)]:
        now, was = after.get(vid), before.get(vid)
        rows.append([
            vid, vid in locked, len(now.stops) - 2 if now else 0,
            round(now.distance_km, 3) if now else 0.0, round(was.distance_km, 3) if was else 0.0,
            round(now.cost, 2) if now else 0.0, round(was.cost, 2) if was else 0.0,
            now.start if now else None, now.end if now else None, int(found.get(vid, 0)),
        ])  # fmt: skip
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def figures_line(plan: Plan, check: PlanCheck) -> str:
    """The adjusted routes' km, cost and violations against the plan's, in one line of
    Markdown."""
    km, cost = check.distance_km(), check.cost()
    plan_km = sum(r.distance_km for r in plan.routes)
    currency = str(plan.summary.get("currency", "")).strip()
    money = f" {currency}" if currency else ""
    return (
        f"**Adjusted routes:** {km:,.1f} km ({km - plan_km:+,.1f} km against the plan) · "
        f"cost {cost:,.2f}{money} ({cost - plan.cost():+,.2f}) · "
        f"{len(check.violations)} violations"
    )


def stop_table(check: PlanCheck, vehicles: Collection[str] = ()) -> pd.DataFrame:
    """The recomputed stops (ETAs, loads, km) of ``vehicles`` (all when empty)."""
    rows = [
        [s.vehicle_id, s.trip, s.seq, s.stop_id, s.stop_kind, s.arrival, s.departure,
         round(s.load_kg, 1), round(s.cum_km, 2), " ".join(s.task_ids)]
        for r in check.routes if not vehicles or r.vehicle_id in vehicles
        for s in r.stops
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=STOP_TABLE_COLUMNS)


def violation_table(check: PlanCheck) -> pd.DataFrame:
    """Each violation: code, vehicle, stop, task and what is wrong."""
    return check.violations_frame()


def adjusted_plan(
    scenario: Scenario, plan: Plan, check: PlanCheck, locked: Collection[str]
) -> Plan:
    """``plan`` with the checked routes (recomputed times, loads, km and cost) and task
    outcomes, ``locked`` routes marked, and the summary's fleet figures updated."""
    routes = tuple(dataclasses.replace(r, locked=r.vehicle_id in locked) for r in check.routes)
    cost = check.cost()
    fixed = sum(scenario.vehicle[r.vehicle_id].fixed_cost for r in routes)
    summary = {
        **plan.summary,
        "vehicles_used": len(routes),
        "distance_km": round(check.distance_km(), 3),
        "cost_total": round(cost, 2),
        "cost_fixed": round(fixed, 2),
        "cost_distance": round(cost - fixed, 2),
        "tasks_unserved": sum(1 for t in check.tasks if t.vehicle_id is None),
        "adjusted": {"violations": len(check.violations), "violations_by_code": check.counts()},
    }
    return dataclasses.replace(plan, routes=routes, tasks=check.tasks, summary=summary)


def adjusted_result(result: PlanResult, check: PlanCheck, locked: Collection[str]) -> PlanResult:
    """The plan shown after the edits are kept (a new result: its downloads are made anew)."""
    return PlanResult(
        plan=adjusted_plan(result.scenario, result.plan, check, locked),
        scenario=result.scenario,
        options=result.options,
        key=result.key,
        wall_s=result.wall_s,
        origin=ADJUSTED,
        scenario_folder=result.scenario_folder,
    )


__all__ = [
    "ADJUSTED",
    "COMPARISON_COLUMNS",
    "STOP_TABLE_COLUMNS",
    "AdjustError",
    "adjusted_plan",
    "adjusted_result",
    "check_lines",
    "figures_line",
    "is_changed",
    "locked_vehicles",
    "movable_stops",
    "move_task",
    "route_comparison",
    "shift_stop",
    "start_lines",
    "stop_label",
    "stop_table",
    "task_label",
    "task_vehicle",
    "violation_table",
]
