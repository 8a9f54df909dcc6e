"""Checking given routes (a plan's, perhaps edited by hand) against the collection problem.

The stops of each vehicle become a visit sequence; times, loads and distances are
recomputed (the earliest schedule that keeps every rule when there is one, else the
earliest times as driven), and every broken rule is reported by
:func:`agrichain.routing.check.check_solution`, then worded in the domain's terms with a
:class:`CheckCode`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agrichain.io import StopLine
from agrichain.plan import Route, TaskOutcome
from agrichain.routing.check import check_solution
from agrichain.routing.collection import LOAD_UNITS_PER_KG, CollectionProblem
from agrichain.routing.collection_plan import routes_from_solution, task_outcomes
from agrichain.routing.lns.reassign import schedule
from agrichain.routing.problem import (
    RoutingSolution,
    SolveStatus,
    VehicleRoute,
    Visit,
    schedule_route,
)
from agrichain.routing.rules import Rule, Violation


class CheckCode(enum.StrEnum):
    """What a checked plan breaks, in the planner's words (the ``code`` of a violation)."""

    WINDOW = "window"
    """A farm visited outside its pickup window."""
    CUTOFF = "cutoff"
    """A delivery to a logistics point after its cut-off (or before it opens)."""
    SHIFT = "shift"
    """A vehicle leaves before or returns after its shift."""
    CAPACITY = "capacity"
    """More on board than the vehicle carries."""
    COLD_CHAIN = "cold_chain"
    """A cold-chain product on a vehicle that is not refrigerated."""
    TRANSIT = "transit"
    """Longer from pickup to delivery than the product's maximum transit."""
    PAIRING = "pairing"
    """A task picked up and not delivered (or the other way round), by two vehicles, in the
    wrong order, or carried past its logistics point."""
    COVERAGE = "coverage"
    """A task picked up or delivered twice."""
    PLACE = "place"
    """A stop that names an unknown vehicle or task, or a task at a place that is not its own."""
    ORDER_FATE = "order_fate"
    """``orders.csv`` disagrees with the routes or the scenario's orders."""


#: The domain code of each routing rule (window and cut-off are told apart by the node).
RULE_CODES: dict[Rule, CheckCode] = {
    Rule.WINDOW: CheckCode.WINDOW,
    Rule.SHIFT: CheckCode.SHIFT,
    Rule.CAPACITY: CheckCode.CAPACITY,
    Rule.NOT_ALLOWED: CheckCode.COLD_CHAIN,
    Rule.TRANSIT: CheckCode.TRANSIT,
    Rule.PAIRING: CheckCode.PAIRING,
    Rule.FIRST_VISIT: CheckCode.PAIRING,
    Rule.COVERAGE: CheckCode.COVERAGE,
}


@dataclass(frozen=True)
class PlanViolation:
    """One broken rule of a checked plan: its code, where, and a sentence saying what."""

    code: CheckCode
    vehicle_id: str
    stop_id: str
    task_id: str
    message: str


@dataclass(frozen=True)
class CheckedRoutes:
    """Given routes recomputed: domain routes with fresh times, loads, km and cost; task
    outcomes; and every violation."""

    routes: tuple[Route, ...]
    tasks: tuple[TaskOutcome, ...]
    violations: tuple[PlanViolation, ...]
    solution: RoutingSolution


class Sequencer:
    """Turns stop lines into visit sequences, noting stops it cannot place."""

    def __init__(self, collection: CollectionProblem, lost: frozenset[str] = frozenset()) -> None:
        self.collection = collection
        self.lost = lost
        self.vehicle = {v.vehicle_id: i for i, v in enumerate(collection.scenario.vehicles)}
        self.piece = {t.task_id: k for k, t in enumerate(collection.tasks)}
        self.placed: set[int] = set()
        self.violations: list[PlanViolation] = []

    def refuse(self, code: CheckCode, line: StopLine, task_id: str, message: str) -> None:
        where = f"routes.csv line {line.line}"
        self.violations.append(
            PlanViolation(code, line.vehicle_id, line.stop_id, task_id, f"{where}: {message}")
        )

    def node(self, line: StopLine, task_id: str) -> int | None:
        """The visit node of ``task_id`` at this stop, or None (with a violation)."""
        k = self.piece.get(task_id)
        if k is None:
            self.refuse(CheckCode.PLACE, line, task_id, f"unknown task {task_id!r}")
            return None
        task = self.collection.tasks[k]
        if line.stop_kind == "farm":
            node, own, action = self.collection.pickup_node[k], task.farm_id, "picked up"
        elif line.stop_kind == "logistics_point":
            node, own, action = (
                self.collection.delivery_node[k],
                task.logistics_point_id,
                "delivered",
            )
        else:
            kind = line.stop_kind
            self.refuse(CheckCode.PLACE, line, task_id, f"tasks at a stop of kind {kind!r}")
            return None
        if line.stop_id != own:
            message = f"task {task_id} is {action} at {own}, not at {line.stop_id}"
            self.refuse(CheckCode.PLACE, line, task_id, message)
            return None
        if node in self.placed:
            message = f"task {task_id} is {action} a second time"
            self.refuse(CheckCode.COVERAGE, line, task_id, message)
            return None
        self.placed.add(node)
        return node

    def sequences(self, lines: Iterable[StopLine]) -> dict[int, list[int]]:
        """Vehicle index → its visit nodes in stop order."""
        out: dict[int, list[int]] = {}
        for line in lines:
            if line.stop_kind == "depot" and not line.task_ids:
                continue
            v = self.vehicle.get(line.vehicle_id)
            if v is None:
                message = f"unknown vehicle {line.vehicle_id!r}: its tasks count as not routed"
                self.refuse(CheckCode.PLACE, line, "", message)
                continue
            for task_id in line.task_ids:
                if task_id in self.lost:
                    continue
                node = self.node(line, task_id)
                if node is not None:
                    out.setdefault(v, []).append(node)
        return out


def scheduled(collection: CollectionProblem, vehicle: int, nodes: Sequence[int]) -> VehicleRoute:
    """The route of ``nodes`` on ``vehicle``: the earliest schedule keeping every rule if
    there is one, else the earliest times as driven (waiting only for windows to open)."""
    visits = schedule(collection.problem, vehicle, nodes)
    if visits is not None:
        return VehicleRoute(vehicle, visits)
    problem = collection.problem
    ends = [
        int(problem.vehicle_start_node[vehicle]),
        *nodes,
        int(problem.vehicle_end_node[vehicle]),
    ]
    return schedule_route(problem, vehicle, ends)


class Wording:
    """Routing violations in the planner's words."""

    def __init__(self, collection: CollectionProblem, solution: RoutingSolution) -> None:
        self.collection = collection
        self.piece_of: dict[int, int] = {}
        for k, (p, d) in enumerate(
            zip(collection.pickup_node, collection.delivery_node, strict=True)
        ):
            self.piece_of[p] = self.piece_of[d] = k
        self.task_of = {n: collection.tasks[k].task_id for n, k in self.piece_of.items()}
        self.visit: dict[tuple[int, int], Visit] = {
            (r.vehicle, v.node): v for r in solution.routes for v in r.visits
        }
        self.carrier = {v.node: r.vehicle for r in solution.routes for v in r.visits[1:-1]}

    def clock(self, seconds: int) -> str:
        return self.collection.scenario.datetime_at(seconds / 60).strftime("%H:%M")

    def place(self, node: int) -> str:
        problem = self.collection.problem
        return self.collection.location_ids[int(problem.node_location[node])]

    def product(self, node: int) -> str:
        """The product of the task visited at ``node``."""
        k = self.piece_of.get(node)
        return self.collection.tasks[k].product_id if k is not None else "the product"

    def word(self, violation: Violation) -> PlanViolation:
        scenario, problem = self.collection.scenario, self.collection.problem
        v, node = violation.vehicle, violation.node
        vehicle_id = scenario.vehicles[v].vehicle_id if v is not None else ""
        place = self.place(node) if node is not None else ""
        task_id = self.task_of.get(node, "") if node is not None else ""
        code = RULE_CODES.get(violation.rule, CheckCode.PLACE)
        is_delivery = node is not None and problem.node_demand[node] < 0
        if code is CheckCode.WINDOW and is_delivery:
            code = CheckCode.CUTOFF
        return PlanViolation(code, vehicle_id, place, task_id, self.sentence(violation, code))

    def pairing(self, k: int, violation: Violation) -> str:
        """A task's pickup and delivery that do not go together, in words."""
        names = [v.vehicle_id for v in self.collection.scenario.vehicles]
        by_p = self.carrier.get(self.collection.pickup_node[k])
        by_d = self.carrier.get(self.collection.delivery_node[k])
        if by_d is None:
            return f"picked up by {names[by_p]} and never delivered" if by_p is not None else ""
        if by_p is None:
            return f"delivered by {names[by_d]} but never picked up"
        if by_p != by_d:
            return f"picked up by {names[by_p]} but delivered by {names[by_d]}"
        if violation.rule is Rule.FIRST_VISIT:
            return f"{names[by_p]} passes its logistics point with it on board"
        return f"delivered by {names[by_p]} before it is picked up"

    def sentence(self, violation: Violation, code: CheckCode) -> str:
        """What is wrong, with the recomputed times and loads."""
        scenario, problem = self.collection.scenario, self.collection.problem
        v, node = violation.vehicle, violation.node
        if v is None or node is None:
            return str(violation)
        vehicle = scenario.vehicles[v]
        visit = self.visit.get((v, node))
        place, task_id = self.place(node), self.task_of.get(node, "")
        who = f"{vehicle.vehicle_id} at {place}" + (f" (task {task_id})" if task_id else "")
        if visit is None:
            return f"{who}: {violation}"
        start, end = int(problem.node_tw_start[node]), int(problem.node_tw_end[node])
        leaves = "leaves" if visit.node == problem.vehicle_start_node[v] else "is back"
        texts = {
            CheckCode.WINDOW: f"starts loading at {self.clock(visit.start)}, the farm's window "
            f"is {self.clock(start)}–{self.clock(end)}",
            CheckCode.CUTOFF: f"unloads at {self.clock(visit.start)}, the point takes goods "
            f"{self.clock(start)}–{self.clock(end)} (cut-off)",
            CheckCode.SHIFT: f"{leaves} at {self.clock(visit.start)}, the shift is "
            f"{self.clock(int(problem.vehicle_tw_start[v]))}–"
            f"{self.clock(int(problem.vehicle_tw_end[v]))}",
            CheckCode.CAPACITY: f"carries {visit.load_after / LOAD_UNITS_PER_KG:,.1f} kg, "
            f"capacity {vehicle.capacity_kg:,.1f} kg",
            CheckCode.COLD_CHAIN: f"{self.product(node)} needs the cold chain and "
            f"{vehicle.vehicle_id} is not refrigerated",
        }
        if code is CheckCode.PAIRING and node in self.piece_of:
            return f"{who}: {self.pairing(self.piece_of[node], violation)}"
        if code is CheckCode.CAPACITY and visit.load_after < 0:
            aboard = visit.load_after / LOAD_UNITS_PER_KG
            return f"{who}: unloads goods it never loaded ({aboard:,.1f} kg on board)"
        if code is CheckCode.TRANSIT:
            k = self.piece_of[node]
            pickup = self.visit.get((v, self.collection.pickup_node[k]))
            limit = scenario.product[self.collection.tasks[k].product_id].max_transit_min
            if pickup is not None:
                minutes = (visit.start - pickup.start) / 60
                return f"{who}: {minutes:.0f} min from pickup to delivery, at most {limit:.0f}"
        return f"{who}: {texts.get(code, str(violation))}"


def check_stops(
    collection: CollectionProblem, lines: Sequence[StopLine], lost: frozenset[str] = frozenset()
) -> CheckedRoutes:
    """Recompute the routes given as stop lines and report every rule they break.

    Tasks of the collection problem that no stop names count as not routed (that is not
    a violation here; the order fates say whether they should have been). ``lost`` tasks
    (cargo of a vehicle that broke down) were picked up and never delivered: their stops
    are passed over.
    """
    sequencer = Sequencer(collection, lost)
    sequences = sequencer.sequences(lines)
    routes = tuple(scheduled(collection, v, nodes) for v, nodes in sorted(sequences.items()))
    routed = {n for r in routes for n in r.customer_nodes()}
    dropped = tuple(int(n) for n in collection.problem.visit_nodes() if int(n) not in routed)
    solution = RoutingSolution(
        routes=routes,
        dropped=dropped,
        status=SolveStatus.PARTIAL if dropped else SolveStatus.FEASIBLE,
        objective=0,
        wall_time_s=0.0,
        engine="check",
    )
    wording = Wording(collection, solution)
    found = [
        wording.word(x)
        for x in check_solution(collection.problem, solution)
        if x.rule is not Rule.REPORT
    ]
    return CheckedRoutes(
        routes=tuple(routes_from_solution(collection, solution)),
        tasks=tuple(task_outcomes(collection, solution)),
        violations=tuple(sequencer.violations + found),
        solution=solution,
    )


__all__ = ["RULE_CODES", "CheckCode", "CheckedRoutes", "PlanViolation", "check_stops"]
