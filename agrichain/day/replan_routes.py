"""The re-planned day's routes: the stops each vehicle made before ``now`` joined to its new
stops, and ``changes.csv``, what changes for each driver."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from agrichain.day.replan_state import DayState, VehicleDay
from agrichain.model import Scenario
from agrichain.plan import Route, Stop, TaskOutcome
from agrichain.routing.collection import CollectionProblem

CHANGES_CSV = "changes.csv"
CHANGE_COLUMNS = ["vehicle_id", "change", "task_id", "farm_id", "logistics_point_id",
                  "old_pickup", "new_pickup", "note"]  # fmt: skip
#: A stop whose pickup time moves by less than this is unchanged for its driver.
MOVED_MIN = 1.0


def renumbered(stops: Sequence[Stop]) -> tuple[Stop, ...]:
    """``stops`` with seq 0.. and trips counted afresh (a new trip after unloading)."""
    out, trip, prev = [], 1, "depot"
    for seq, s in enumerate(stops):
        if s.stop_kind == "farm" and prev == "logistics_point":
            trip += 1
        out.append(dataclasses.replace(s, seq=seq, trip=trip))
        prev = s.stop_kind
    return tuple(out)


def going_home(collection: CollectionProblem, v: int, day: VehicleDay) -> Stop:
    """The drive home of a vehicle with nothing left to do."""
    problem, sc = collection.problem, collection.scenario
    start, end = int(problem.vehicle_start_node[v]), int(problem.vehicle_end_node[v])
    last = day.made[-1]
    home = sc.logistics_point[sc.vehicles[v].home_logistics_point_id]
    back = day.free_at + dt.timedelta(seconds=problem.node_duration(start, end))
    km = last.cum_km + problem.node_distance(start, end) / 1000.0
    return Stop(last.vehicle_id, last.trip, 0, home.logistics_point_id, "depot", home.lat,
                home.lon, back, back, 0.0, km)  # fmt: skip


def new_part(route: Route, day: VehicleDay) -> list[Stop]:
    """The new route's stops after the place the vehicle goes on from, without the
    formal pickups of what it already carries."""
    carried = set(day.on_board)
    stops = list(route.stops if not day.made else route.stops[1:])
    out = []
    for s in stops:
        if s.stop_kind == "farm" and carried & set(s.task_ids):
            s = dataclasses.replace(s, task_ids=tuple(t for t in s.task_ids if t not in carried))
            if not s.task_ids:
                continue
        offset = day.made[-1].cum_km if day.made else 0.0
        out.append(dataclasses.replace(s, cum_km=s.cum_km + offset))
    return out


def joined_route(
    scenario: Scenario, day: VehicleDay | None, new: Route | None, going: Stop | None
) -> Route | None:
    """One vehicle's day: the stops made, then the new ones (or the drive home)."""
    made = list(day.made) if day else []
    rest = new_part(new, day) if new and day else list(new.stops) if new else []
    if not rest and going is not None:
        rest = [going]
    stops = renumbered(made + rest)
    if not stops:
        return None
    vehicle = scenario.vehicle[stops[0].vehicle_id]
    km = stops[-1].cum_km
    works = any(s.stop_kind != "depot" for s in stops)
    cost = vehicle.fixed_cost + vehicle.cost_per_km * km if works else 0.0
    return Route(vehicle.vehicle_id, vehicle.home_logistics_point_id, vehicle.refrigerated,
                 stops, km, cost)  # fmt: skip


def away(day: VehicleDay) -> bool:
    """True when the vehicle has left and is not back home."""
    back = len(day.made) > 1 and day.made[-1].stop_kind == "depot"
    return bool(day.made) and not back


def day_routes(
    scenario: Scenario,
    collection: CollectionProblem,
    state: DayState,
    new_routes: Sequence[Route],
    kept: Mapping[str, Route],
) -> list[Route]:
    """Every vehicle's route of the re-planned day, in the scenario's vehicle order.

    ``kept`` are the routes left as they were (locked)."""
    new = {r.vehicle_id: r for r in new_routes}
    out = []
    for v, vehicle in enumerate(scenario.vehicles):
        vid = vehicle.vehicle_id
        if vid in kept:
            out.append(kept[vid])
            continue
        day = state.vehicles.get(vid)
        if day is not None and day.broken:
            # a vehicle that broke down before its first stop did nothing
            worked = any(s.stop_kind != "depot" for s in day.made)
            route = joined_route(scenario, day, None, None) if worked else None
        else:
            going = going_home(collection, v, day) if day is not None and away(day) else None
            route = joined_route(scenario, day, new.get(vid), going)
        if route is not None:
            out.append(route)
    return out


def change_rows(
    before: Sequence[TaskOutcome], after: Sequence[TaskOutcome], notes: Mapping[str, str]
) -> pd.DataFrame:
    """Per driver, the tasks added to, removed from, or moved within their day."""
    old = {t.task_id: t for t in before}
    new = {t.task_id: t for t in after}
    rows = []

    def row(vehicle: str, change: str, t: TaskOutcome, o: TaskOutcome | None,
            n: TaskOutcome | None, note: str = "") -> None:  # fmt: skip
        rows.append([vehicle, change, t.task_id, t.farm_id, t.logistics_point_id,
                     o.pickup_time if o else None, n.pickup_time if n else None, note])  # fmt: skip

    for task_id in sorted(set(old) | set(new)):
        o, n = old.get(task_id), new.get(task_id)
        t = n or o
        assert t is not None
        was = o.vehicle_id if o else None
        now = n.vehicle_id if n else None
        if was is not None and was != now:
            row(was, "removed", t, o, n, notes.get(task_id, f"now on {now}" if now else ""))
        if now is not None and was != now:
            row(now, "added", t, o, n, f"was on {was}" if was else "new or unrouted before")
        if was is not None and was == now and o and n and o.pickup_time and n.pickup_time:
            shift_min = abs((n.pickup_time - o.pickup_time).total_seconds()) / 60
            if shift_min >= MOVED_MIN:
                later = "later" if n.pickup_time > o.pickup_time else "earlier"
                row(was, "moved", t, o, n, f"pickup {shift_min:.0f} min {later}")
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    return frame.sort_values(["vehicle_id", "change", "task_id"], kind="stable", ignore_index=True)


__all__ = ["CHANGES_CSV", "CHANGE_COLUMNS", "change_rows", "day_routes", "renumbered"]
