"""Where the day stands at a moment: each vehicle's stops already made, where and when it
can go on, what it carries; the tasks done, on board, lost, and still to do.

A stop is made (fixed) when the vehicle has reached it by ``now`` or is driving to it
then (a driver on the road goes on to the stop ahead). A vehicle that broke down makes
only the stops it left before the breakdown; what it carries then is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from agrichain.plan import Plan, Route, Stop, TaskOutcome


@dataclass(frozen=True)
class VehicleDay:
    """One vehicle's day up to ``now``."""

    vehicle_id: str
    made: tuple[Stop, ...]
    """Stops made (the first is the depot it left), in order; empty if it has not left."""
    place_id: str
    """Where it goes on from."""
    free_at: dt.datetime
    """When it can go on (not before ``now``)."""
    on_board: tuple[str, ...] = ()
    """Tasks picked up and not yet delivered."""
    broken: bool = False
    locked: bool = False


@dataclass(frozen=True)
class DayState:
    """The plan's day at ``now``."""

    now: dt.datetime
    vehicles: dict[str, VehicleDay] = field(default_factory=dict)
    picked_up: dict[str, dt.datetime] = field(default_factory=dict)
    """Task → when it was picked up (tasks picked up by ``now``; the plan's pickup time)."""
    delivered: frozenset[str] = frozenset()
    """Tasks delivered by ``now``."""
    lost: dict[str, str] = field(default_factory=dict)
    """Task → the vehicle that carried it when it broke down."""

    def to_do(self, tasks: tuple[TaskOutcome, ...]) -> list[TaskOutcome]:
        """Tasks not yet picked up (including those the plan left unrouted)."""
        return [t for t in tasks if t.task_id not in self.picked_up]


def made_count(route: Route, until: dt.datetime, broken: bool) -> int:
    """How many of the route's stops are made by ``until``."""
    stops = route.stops
    if broken:
        return sum(1 for s in stops if s.departure <= until)
    reached = sum(1 for s in stops if s.arrival <= until)
    if 0 < reached < len(stops) and stops[reached - 1].departure <= until:
        reached += 1  # on the road to the next stop
    elif reached == 0 and stops and stops[0].departure <= until:
        reached = 1
    return reached


def vehicle_day(
    route: Route, now: dt.datetime, broken_at: dt.datetime | None
) -> tuple[VehicleDay, dict[str, dt.datetime], set[str]]:
    """The vehicle's day, the tasks it picked up (and when) and those it delivered."""
    until = now if broken_at is None else min(now, broken_at)
    made = route.stops[: made_count(route, until, broken_at is not None)]
    picked: dict[str, dt.datetime] = {}
    delivered: set[str] = set()
    for s in made:
        if s.stop_kind == "farm":
            picked.update({t: s.departure for t in s.task_ids})
        elif s.stop_kind == "logistics_point":
            delivered.update(s.task_ids)
    on_board = tuple(t for t in picked if t not in delivered)
    last = made[-1] if made else route.stops[0]
    day = VehicleDay(
        vehicle_id=route.vehicle_id,
        made=tuple(made),
        place_id=last.stop_id,
        free_at=max(now, last.departure) if made else now,
        on_board=on_board,
        broken=broken_at is not None,
        locked=route.locked,
    )
    return day, picked, delivered


def day_state(plan: Plan, now: dt.datetime, breakdowns: Mapping[str, dt.datetime]) -> DayState:
    """Where ``plan``'s day stands at ``now`` given the vehicles that broke down."""
    vehicles: dict[str, VehicleDay] = {}
    picked_up: dict[str, dt.datetime] = {}
    delivered: set[str] = set()
    lost: dict[str, str] = {}
    for route in plan.routes:
        day, picked, dropped_off = vehicle_day(route, now, breakdowns.get(route.vehicle_id))
        vehicles[route.vehicle_id] = day
        picked_up.update(picked)
        delivered |= dropped_off
        if day.broken:
            lost.update({t: route.vehicle_id for t in day.on_board})
    service = {t.task_id: t.pickup_time for t in plan.tasks if t.pickup_time is not None}
    picked_up = {t: service.get(t, left) for t, left in picked_up.items()}
    return DayState(now, vehicles, picked_up, frozenset(delivered), lost)


__all__ = ["DayState", "VehicleDay", "day_state"]
