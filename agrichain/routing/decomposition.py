"""Route-based decomposition around OR-Tools: many small searches, then one polish of the whole.

On agrichain's collection problems (hundreds of pickup-delivery pairs with
windows, cold chain and transit limits) OR-Tools' local search is slow: on a
390-node county case guided local search had not reached its first local
optimum after 30 s. Its work per improving move grows with the model, so the
same moves are far cheaper in a small model. This engine therefore:

1. builds the whole model once and a first solution (path-cheapest-arc; local
   cheapest insertion too when that drops visits, the cheaper one is kept);
2. repeatedly picks a *seed* route and the routes nearest to it (by the
   distance between their pickup places) until about :data:`TARGET_VISITS`
   visits are covered, adds the dropped pairs that lie nearest to those routes
   and a spare unused vehicle, and lets OR-Tools improve that subproblem
   (guided local search from the current routes, :data:`SLICE_S`-ish seconds);
   the routes are replaced only when the subproblem's objective falls;
3. spends the last :data:`POLISH_SHARE` of the time limit on guided local
   search over the whole model from the assembled routes (moves across the
   subproblems' borders).

Every subproblem keeps its vehicles, windows, cold chain and transit limits,
and routes of different vehicles share no constraint (problems with
``max_vehicles`` are solved without decomposition), so replacing routes keeps
the whole solution feasible; the objective never rises.

With a ``solution_limit`` every search stops after that many solutions and the
subproblems make exactly one pass over the first solution's routes, so the
result is deterministic; under a time limit alone the number of subproblems
solved depends on the machine's speed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from ortools.constraint_solver import pywrapcp

from agrichain.routing.check import unservable_reasons, usable_vehicles
from agrichain.routing.ortools_engine import (
    _build,
    _extract_routes,
    _Model,
    _result,
    _search_parameters,
    _validate_pairs,
    solve_ortools,
)
from agrichain.routing.problem import (
    MANDATORY,
    IntArray,
    RoutingProblem,
    RoutingSolution,
    SolveParams,
    SolveStatus,
    VehicleRoute,
)

ENGINE_NAME = "decomposition"
#: Visits (nodes) a subproblem aims at (county cases at 30 s: 80 and 120 did worse).
TARGET_VISITS = 160
#: Problems with at most this many servable visits are solved whole by
#: :func:`~agrichain.routing.ortools_engine.solve_ortools` (on the 202-visit county
#: case its parallel cheapest insertion start beat decomposition: 414,121 vs 424,810).
MIN_VISITS_TO_DECOMPOSE = 250
#: Seconds of search per subproblem (less for short time limits, see ``_slice_s``).
SLICE_S = 1.5
#: Share of the time limit kept for the final search over the whole model (it also
#: gets whatever is left when a pass over all routes gains less than STALL_GAIN).
POLISH_SHARE = 0.2
#: Relative objective gain below which a pass over all routes counts as stalled.
STALL_GAIN = 0.002
#: Seconds kept back for assembling and returning the result.
SAFETY_MARGIN_S = 0.3
#: Routes by which each pass's first seed moves on (so that passes group routes differently).
PASS_SHIFT = 7
#: Smallest routes whose vehicle each pass tries to retire (its visits spread over
#: the neighbouring routes of a subproblem without it).
RETIRE_TRIES = 2
#: Unused vehicles offered to each subproblem (a route may move to one of them).
SPARE_VEHICLES = 1
ARC_FIRST_SOLUTION = "PATH_CHEAPEST_ARC"
INSERTION_FIRST_SOLUTION = "LOCAL_CHEAPEST_INSERTION"


@dataclass(frozen=True)
class Subproblem:
    """A restriction of a problem to some vehicles and visits, with the maps back."""

    problem: RoutingProblem
    nodes: IntArray
    """Sub node -> original node."""
    vehicles: IntArray
    """Sub vehicle -> original vehicle."""


def restrict(problem: RoutingProblem, visits: IntArray, vehicles: IntArray) -> Subproblem:
    """``problem`` with only ``vehicles`` and the visit nodes ``visits`` (pairs kept whole).

    A pair is kept when both its nodes are among ``visits``; ValueError when only
    one of them is.
    """
    vehicles = np.asarray(vehicles, dtype=np.int64)
    depots = np.unique(
        np.concatenate([problem.vehicle_start_node[vehicles], problem.vehicle_end_node[vehicles]])
    )
    nodes = np.concatenate([depots, np.sort(np.asarray(visits, dtype=np.int64))])
    remap = np.full(problem.num_nodes, -1, dtype=np.int64)
    remap[nodes] = np.arange(nodes.size)
    pairs = problem.pairs
    kept = np.zeros(0, dtype=bool)
    if pairs.size:
        inside = remap[pairs] >= 0
        if np.any(inside[:, 0] != inside[:, 1]):
            raise ValueError("a subproblem must hold both nodes of a pair or neither")
        kept = inside[:, 0]
    vehicle_pos = {int(v): k for k, v in enumerate(vehicles.tolist())}
    allowed: tuple[frozenset[int] | None, ...] = ()
    if problem.node_allowed_vehicles:
        allowed = tuple(
            None
            if (ok := problem.node_allowed_vehicles[n]) is None
            else frozenset(vehicle_pos[v] for v in ok if v in vehicle_pos)
            for n in nodes.tolist()
        )
    sub = RoutingProblem(
        distance=problem.distance,
        duration=problem.duration,
        node_location=problem.node_location[nodes],
        node_demand=problem.node_demand[nodes],
        node_tw_start=problem.node_tw_start[nodes],
        node_tw_end=problem.node_tw_end[nodes],
        node_service=problem.node_service[nodes],
        node_drop_penalty=problem.node_drop_penalty[nodes],
        vehicle_start_node=remap[problem.vehicle_start_node[vehicles]],
        vehicle_end_node=remap[problem.vehicle_end_node[vehicles]],
        vehicle_capacity=problem.vehicle_capacity[vehicles],
        vehicle_tw_start=problem.vehicle_tw_start[vehicles],
        vehicle_tw_end=problem.vehicle_tw_end[vehicles],
        vehicle_fixed_cost=problem.vehicle_fixed_cost[vehicles],
        vehicle_distance_cost=problem.vehicle_distance_cost[vehicles],
        pairs=remap[pairs[kept]] if pairs.size else pairs,
        pair_max_transit=problem.pair_max_transit[kept] if pairs.size else problem.pair_max_transit,
        node_allowed_vehicles=allowed,
        name=f"{problem.name}[sub]",
    )
    return Subproblem(problem=sub, nodes=nodes, vehicles=vehicles)


class _State:
    """The current whole solution: one route per used vehicle and the dropped visit nodes."""

    def __init__(self, problem: RoutingProblem, routes: list[VehicleRoute], servable: IntArray):
        self.problem = problem
        self.routes: dict[int, VehicleRoute] = {r.vehicle: r for r in routes if len(r.visits) > 2}
        routed = {n for r in self.routes.values() for n in r.customer_nodes()}
        self.dropped = {int(n) for n in servable.tolist() if int(n) not in routed}

    def penalty(self, nodes: set[int] | list[int]) -> int:
        return int(sum(int(self.problem.node_drop_penalty[n]) for n in nodes))

    def objective(self) -> int:
        return sum(r.cost(self.problem) for r in self.routes.values()) + self.penalty(self.dropped)


def _pickup_locations(problem: RoutingProblem, route: VehicleRoute) -> IntArray:
    nodes = np.asarray(route.customer_nodes(), dtype=np.int64)
    picked = nodes[problem.node_demand[nodes] > 0]
    return np.unique(problem.node_location[picked if picked.size else nodes])


def _dropped_units(problem: RoutingProblem, dropped: set[int]) -> list[list[int]]:
    """Dropped visits as insertable units: a pair as [pickup, delivery], else [node]."""
    units: list[list[int]] = []
    paired: set[int] = set()
    for p, d in problem.pairs.tolist():
        paired.update((p, d))
        if p in dropped and d in dropped:
            units.append([p, d])
    units.extend([n] for n in sorted(dropped) if n not in paired)
    return units


def _select(
    state: _State, seed: int, spare: list[int], target_visits: int
) -> tuple[list[int], list[int]]:
    """Vehicles and visit nodes of the subproblem around route ``seed``."""
    problem = state.problem
    vehicles = sorted(state.routes)
    locs = {v: _pickup_locations(problem, state.routes[v]) for v in vehicles}
    dist = problem.distance
    seed_locs = locs[seed]

    def closeness(v: int) -> float:
        there = locs[v]
        a = dist[np.ix_(seed_locs, there)].min(axis=1).mean()
        b = dist[np.ix_(there, seed_locs)].min(axis=1).mean()
        return float(a + b)

    ranked = sorted(vehicles, key=lambda v: (closeness(v), v))
    chosen: list[int] = []
    visits: list[int] = []
    for v in ranked:
        if len(visits) >= target_visits and chosen:
            break
        chosen.append(v)
        visits.extend(state.routes[v].customer_nodes())
    # Dropped visits nearest to one of the chosen routes join the subproblem.
    if state.dropped:
        all_locs = [locs[v] for v in vehicles]
        for unit in _dropped_units(problem, state.dropped):
            here = problem.node_location[unit[0]]
            nearest = min(
                range(len(vehicles)),
                key=lambda k: (int(dist[here, all_locs[k]].min()), vehicles[k]),
            )
            if vehicles[nearest] in chosen:
                visits.extend(unit)
    # Spare vehicles: unused ones starting nearest to the seed route.
    if spare:
        start_loc = problem.node_location[problem.vehicle_start_node]
        by_distance = sorted(spare, key=lambda v: (int(dist[start_loc[v], seed_locs].min()), v))
        chosen.extend(by_distance[:SPARE_VEHICLES])
    return sorted(chosen), visits


def _improve(
    state: _State,
    vehicles: list[int],
    visits: list[int],
    params: SolveParams,
    slice_s: float,
    retired: int | None = None,
) -> bool:
    """Search the subproblem from the current routes; adopt it if cheaper. True if adopted.

    ``retired`` names a vehicle whose route's visits are in ``visits`` but which is
    not among ``vehicles``: the search starts with those visits unrouted and the
    vehicle is unused afterwards if the result is adopted (its fixed cost saved).
    """
    problem = state.problem
    sub = restrict(problem, np.asarray(visits, dtype=np.int64), np.asarray(vehicles))
    to_sub = {int(n): k for k, n in enumerate(sub.nodes.tolist())}
    initial = [
        [to_sub[n] for n in state.routes[v].customer_nodes()] if v in state.routes else []
        for v in vehicles
    ]
    replaced = [*vehicles, *([] if retired is None else [retired])]
    before = sum(state.routes[v].cost(problem) for v in replaced if v in state.routes)
    before += state.penalty([n for n in visits if n in state.dropped])
    solution = solve_ortools(
        sub.problem,
        replace(params, time_limit_s=slice_s, engine="ortools"),
        initial_routes=initial,
    )
    if solution.status == SolveStatus.NO_SOLUTION or solution.objective >= before:
        return False
    for v in replaced:
        state.routes.pop(v, None)
    routed: set[int] = set()
    for r in solution.routes:
        nodes = sub.nodes
        visits_back = tuple(replace(x, node=int(nodes[x.node])) for x in r.visits)
        vehicle = int(sub.vehicles[r.vehicle])
        state.routes[vehicle] = VehicleRoute(vehicle=vehicle, visits=visits_back)
        routed.update(x.node for x in visits_back[1:-1])
    state.dropped.difference_update(routed)
    state.dropped.update(n for n in visits if n not in routed)
    return True


def _first_solution(
    model: _Model,
    first_visit: int,
    params: SolveParams,
    deadline: float,
    stats: dict[str, float | int | str],
) -> pywrapcp.Assignment | None:
    """Path-cheapest-arc; when it drops a visit, also local cheapest insertion (cheaper wins)."""
    routing = model.routing
    first_only = replace(params, solution_limit=1)
    tried: list[str] = []
    best: pywrapcp.Assignment | None = None
    for strategy in (ARC_FIRST_SOLUTION, INSERTION_FIRST_SOLUTION):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        found = routing.SolveWithParameters(_search_parameters(first_only, left, strategy))
        if found is None:
            tried.append(f"{strategy}:-1")
            continue
        tried.append(f"{strategy}:{int(found.ObjectiveValue())}")
        if best is None or found.ObjectiveValue() < best.ObjectiveValue():
            best = routing.solver().Assignment(found)
            stats["first_solution_strategy"] = strategy
        dropped = any(
            not routing.IsStart(index)
            and model.manager.IndexToNode(index) >= first_visit
            and found.Value(routing.NextVar(index)) == index
            for index in range(routing.Size())
        )
        if not dropped:
            break
    stats["first_solution_objectives"] = ",".join(tried)
    return best


def _slice_s(time_limit_s: float) -> float:
    """Search seconds per subproblem: :data:`SLICE_S`, less for short time limits."""
    return max(0.2, min(SLICE_S, time_limit_s / 20.0))


def _labelled(solution: RoutingSolution, t0: float) -> RoutingSolution:
    return replace(solution, engine=ENGINE_NAME, wall_time_s=time.monotonic() - t0)


def solve_decomposition(
    problem: RoutingProblem,
    params: SolveParams,
    *,
    target_visits: int = TARGET_VISITS,
    min_visits: int = MIN_VISITS_TO_DECOMPOSE,
) -> RoutingSolution:
    """Solve ``problem`` within ``params.time_limit_s`` by route-based decomposition.

    ``target_visits`` is the subproblem size. Small problems (at most
    ``min_visits`` servable visits), problems
    with ``max_vehicles`` and problems with an unservable mandatory visit go to
    :func:`~agrichain.routing.ortools_engine.solve_ortools` whole.
    ``stats`` record the subproblems solved and improved and the objective after
    each phase.
    """
    t0 = time.monotonic()
    _validate_pairs(problem)
    unservable = unservable_reasons(problem)
    servable = np.array(
        [n for n in problem.visit_nodes().tolist() if n not in unservable], dtype=np.int64
    )
    whole = (
        servable.size <= min_visits
        or problem.max_vehicles is not None
        or any(problem.node_drop_penalty[n] == MANDATORY for n in unservable)
    )
    deadline = t0 + max(0.05, params.time_limit_s - SAFETY_MARGIN_S)
    if whole:
        sol = solve_ortools(
            problem, replace(params, time_limit_s=max(0.01, deadline - time.monotonic()))
        )
        return _labelled(sol, t0)
    stats: dict[str, float | int | str] = {}
    out_penalty = int(sum(int(problem.node_drop_penalty[n]) for n in unservable))
    vehicles = usable_vehicles(problem)
    model = _build(problem, vehicles, servable)
    first_visit = int(model.model_nodes.size) - int(servable.size)
    routing = model.routing
    stats["build_s"] = time.monotonic() - t0
    routing.CloseModelWithParameters(
        _search_parameters(params, max(0.01, deadline - time.monotonic()), ARC_FIRST_SOLUTION)
    )
    first = _first_solution(model, first_visit, params, deadline, stats)
    if first is None:
        return _labelled(_result(problem, t0, stats), t0)
    state = _State(problem, _extract_routes(model, problem, first), servable)
    stats["first_objective"] = state.objective() + out_penalty

    # Subproblems: one pass over the first solution's routes with a solution limit,
    # otherwise round after round until the polish share of the time limit is left.
    polish_from = deadline - POLISH_SHARE * params.time_limit_s
    slice_s = _slice_s(params.time_limit_s)
    seeds = sorted(state.routes)
    solved = improved = passes = retired_count = 0
    out_of_time = False
    while not out_of_time and state.routes:
        before_pass = state.objective()
        # Each route joins one subproblem per pass; each pass starts at another route.
        seeds = sorted(state.routes)
        shift = (passes * PASS_SHIFT) % len(seeds)
        covered: set[int] = set()
        for seed in seeds[shift:] + seeds[:shift]:
            left = polish_from - time.monotonic()
            if left < 0.5 * slice_s:
                out_of_time = True
                break
            if seed not in state.routes or seed in covered:
                continue
            spare = [int(v) for v in vehicles.tolist() if int(v) not in state.routes]
            chosen, visits = _select(state, seed, spare, target_visits)
            covered.update(chosen)
            solved += 1
            improved += _improve(state, chosen, visits, params, min(slice_s, left))
        # Fleet reduction: try to spread the smallest routes over their neighbours.
        for retired in sorted(state.routes, key=lambda v: (len(state.routes[v].visits), v))[
            :RETIRE_TRIES
        ]:
            left = polish_from - time.monotonic()
            if left < 0.5 * slice_s:
                out_of_time = True
                break
            if retired not in state.routes or len(state.routes) < 2:
                continue
            chosen, visits = _select(state, retired, [], target_visits)
            others = [v for v in chosen if v != retired]
            if not others:  # the route alone fills a subproblem
                continue
            solved += 1
            retired_count += _improve(
                state,
                others,
                visits,
                params,
                min(slice_s, left),
                retired=retired,
            )
        passes += 1
        if params.solution_limit is not None or state.objective() > before_pass * (
            1.0 - STALL_GAIN
        ):
            break
    stats["passes"] = passes
    stats["vehicles_retired"] = retired_count
    stats["subproblems"] = solved
    stats["subproblems_improved"] = improved
    stats["decomposed_objective"] = state.objective() + out_penalty

    # Polish: guided local search over the whole model from the assembled routes.
    left = deadline - time.monotonic()
    if left > 0:
        to_model = model.node_to_model
        routes = [
            [
                model.manager.NodeToIndex(int(to_model[n]))
                for n in (state.routes[v].customer_nodes() if v in state.routes else [])
            ]
            for v in vehicles.tolist()
        ]
        start = routing.ReadAssignmentFromRoutes(routes, True)
        if start is not None:
            found = routing.SolveFromAssignmentWithParameters(
                start, _search_parameters(params, left, ARC_FIRST_SOLUTION)
            )
            if found is not None:
                polished = _State(problem, _extract_routes(model, problem, found), servable)
                if polished.objective() <= state.objective():
                    state = polished
        stats["polish"] = "ok" if start is not None else "start rejected"
    objective = state.objective() + out_penalty
    stats["objective_after_polish"] = objective
    final_routes = [state.routes[v] for v in sorted(state.routes)]
    return _labelled(_result(problem, t0, stats, final_routes, objective), t0)


__all__ = [
    "ENGINE_NAME",
    "Subproblem",
    "restrict",
    "solve_decomposition",
]
