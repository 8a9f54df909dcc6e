"""Route-based decomposition around OR-Tools: many small searches, then one polish of the whole.

On agrichain's collection problems (hundreds of pickup-delivery pairs with
windows, cold chain and transit limits) OR-Tools' local search is slow: on a
390-node county case guided local search had not reached its first local
optimum after 30 s. Its work per improving move grows with the model, so the
same moves are far cheaper in a small model. This engine therefore:

1. builds the whole model once and a first solution (path-cheapest-arc; local
   cheapest insertion too when that drops visits, the cheaper one is kept), and
   moves its routes to the cheapest vehicles that can run them
   (:func:`~agrichain.routing.reassign.reassign_routes`, an exact assignment);
2. makes passes in which every route joins one subproblem: a *seed* route and the
   routes nearest to it (by the distance between their pickup places) up to about
   :data:`TARGET_VISITS` visits, the dropped pairs nearest to them and a spare
   unused vehicle. OR-Tools improves each subproblem (guided local search from
   its current routes, :data:`SLICE_S` seconds) and the routes are replaced only
   when the subproblem's objective falls. Each pass also tries to retire the
   routes with the fewest visits per unit of fixed cost (their visits are spread
   over the neighbouring routes) and ends with a reassignment of vehicles. A pass
   that gains less than :data:`STALL_GAIN` is followed by one that tries to retire
   every route; if that gains nothing either, the polish starts early;
3. spends the rest, at least :data:`POLISH_SHARE` of the time limit, on guided
   local search over the whole model from the assembled routes (moves across the
   subproblems' borders), then reassigns vehicles once more.

With ``SolveParams.num_workers >= 2`` on a machine with two CPUs the search uses
the shared helper process (:mod:`agrichain.routing.helper`): each step searches
two disjoint subproblems at once, one in each process, and the polish runs in
both (the helper's with the vehicles in reverse order, so that it ends in another
local optimum); the cheaper result wins.

Every subproblem keeps its vehicles, windows, cold chain and transit limits,
and routes of different vehicles share no constraint (problems with
``max_vehicles`` are solved without decomposition), so replacing routes keeps
the whole solution feasible; the objective never rises.

With a ``solution_limit`` every search stops after that many solutions (the
clock only bounds the whole call) and the subproblems make exactly one pass over
the first solution's routes, so the result is deterministic for a given number
of processes; under a time limit alone the number of subproblems solved depends
on the machine's speed and load.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass, replace

import numpy as np

from agrichain.routing import helper
from agrichain.routing.check import unservable_reasons, usable_vehicles
from agrichain.routing.insertion import construct
from agrichain.routing.ortools_engine import (
    _build,
    _extract_routes,
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
from agrichain.routing.reassign import reassign_routes

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
#: Routes whose vehicle each pass tries to retire (its visits spread over the
#: neighbouring routes of a subproblem without it), fewest visits per fixed cost first.
RETIRE_TRIES = 2
#: Seconds the search waits past a step's end for the helper process before going on alone.
HELPER_GRACE_S = 0.5
#: Unused vehicles offered to each subproblem (a route may move to one of them).
SPARE_VEHICLES = 1
ARC_FIRST_SOLUTION = "PATH_CHEAPEST_ARC"
#: Share of the time limit the insertion construction may take at most.
CONSTRUCTION_SHARE = 0.6
#: The final search over the whole model runs only up to this many visits (building the
#: model alone took 33 s at 2,650 visits and 60 vehicles).
POLISH_MAX_VISITS = 1200


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
        deliver_at_first_visit=problem.deliver_at_first_visit,
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
    state: _State,
    seed: int,
    spare: list[int],
    target_visits: int,
    busy: frozenset[int] = frozenset(),
    carriers_first: bool = False,
) -> tuple[list[int], list[int]]:
    """Vehicles and visit nodes of the subproblem around route ``seed``.

    Routes of ``busy`` vehicles (in another subproblem being solved) are left out,
    and so are the dropped visits nearest to them. With ``carriers_first`` the
    routes whose vehicles may carry every visit of the seed route (refrigerated
    ones for a cold-chain route) come before the others.
    """
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

    seed_nodes = state.routes[seed].customer_nodes()

    def carries_all(v: int) -> bool:
        return not carriers_first or all(problem.allowed(n, v) for n in seed_nodes)

    ranked = sorted(
        (v for v in vehicles if v not in busy),
        key=lambda v: (not carries_all(v), closeness(v), v),
    )
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


@dataclass(frozen=True)
class _Job:
    """One subproblem to search: its vehicles and visits, where it starts and what it costs now."""

    vehicles: tuple[int, ...]
    visits: tuple[int, ...]
    initial: tuple[tuple[int, ...], ...]
    """Current customer nodes of each of ``vehicles`` (original node ids)."""
    retired: int | None
    """A vehicle whose visits are in ``visits`` but which is not among ``vehicles``:
    the search starts with them unrouted and the vehicle is unused if it is adopted."""
    before: int
    """Current cost of the routes it replaces plus the penalty of its dropped visits."""


@dataclass(frozen=True)
class _Outcome:
    """A subproblem's best solution, in the whole problem's node and vehicle ids."""

    objective: int
    routes: tuple[VehicleRoute, ...]


def _job(state: _State, vehicles: list[int], visits: list[int], retired: int | None = None) -> _Job:
    problem = state.problem
    replaced = [*vehicles, *([] if retired is None else [retired])]
    before = sum(state.routes[v].cost(problem) for v in replaced if v in state.routes)
    before += state.penalty([n for n in visits if n in state.dropped])
    initial = tuple(
        tuple(state.routes[v].customer_nodes()) if v in state.routes else () for v in vehicles
    )
    return _Job(tuple(vehicles), tuple(visits), initial, retired, before)


def search_subproblem(
    problem: RoutingProblem, job: _Job, params: SolveParams, end: float
) -> _Outcome | None:
    """Guided local search on ``job``'s subproblem from its current routes until ``end``.

    ``end`` is a ``time.monotonic()`` instant (the clock is system-wide, so the
    helper process can use it too). None when OR-Tools returns no solution.
    """
    sub = restrict(problem, np.asarray(job.visits, dtype=np.int64), np.asarray(job.vehicles))
    to_sub = {int(n): k for k, n in enumerate(sub.nodes.tolist())}
    initial = [[to_sub[n] for n in route] for route in job.initial]
    solution = solve_ortools(
        sub.problem,
        replace(params, time_limit_s=max(0.01, end - time.monotonic()), engine="ortools"),
        initial_routes=initial,
    )
    if solution.status == SolveStatus.NO_SOLUTION:
        return None
    routes = tuple(
        VehicleRoute(
            vehicle=int(sub.vehicles[r.vehicle]),
            visits=tuple(replace(x, node=int(sub.nodes[x.node])) for x in r.visits),
        )
        for r in solution.routes
    )
    return _Outcome(solution.objective, routes)


def _adopt(state: _State, job: _Job, outcome: _Outcome | None) -> bool:
    """Replace ``job``'s routes with ``outcome`` if that is cheaper. True if adopted."""
    if outcome is None or outcome.objective >= job.before:
        return False
    for v in (*job.vehicles, *(() if job.retired is None else (job.retired,))):
        state.routes.pop(v, None)
    routed: set[int] = set()
    for route in outcome.routes:
        if len(route.visits) > 2:
            state.routes[route.vehicle] = route
            routed.update(route.customer_nodes())
    state.dropped.difference_update(routed)
    state.dropped.update(n for n in job.visits if n not in routed)
    return True


class _Runner:
    """Searches a step's subproblems: the first here, a second one at once in the helper."""

    def __init__(self, problem: RoutingProblem, params: SolveParams, use_helper: bool):
        self.problem = problem
        self.params = params
        self.helper_note = "off"
        if use_helper:
            helper.warm_up()
            self.helper_note = "ok"

    @property
    def width(self) -> int:
        """Subproblems searched at once."""
        return 2 if self.helper_note == "ok" else 1

    def run(self, state: _State, jobs: list[_Job], end: float) -> list[bool]:
        """Search ``jobs`` (disjoint, at most :attr:`width`) until ``end``; adopt the cheaper.

        Returns, per job, whether its result was adopted.
        """
        future: Future[_Outcome | None] | None = None
        if len(jobs) > 1:
            future = helper.submit(search_subproblem, self.problem, jobs[1], self.params, end)
        outcomes = [search_subproblem(self.problem, jobs[0], self.params, end)]
        if future is not None:
            outcomes.append(self.collect(future, end))
        return [_adopt(state, job, out) for job, out in zip(jobs, outcomes, strict=True)]

    def polish(self, state: _State, end: float) -> Future[_Outcome | None] | None:
        """Start the helper's polish of ``state`` (None without a helper)."""
        if self.width < 2:
            return None
        # The whole problem as one "subproblem" whose vehicles are in reverse order: the
        # same search visits the neighbourhoods in another order and ends elsewhere.
        vehicles = list(range(self.problem.num_vehicles))[::-1]
        routed = {n for r in state.routes.values() for n in r.customer_nodes()}
        job = _job(state, vehicles, sorted(routed | state.dropped))
        return helper.submit(search_subproblem, self.problem, job, self.params, end)

    def collect(self, future: Future[_Outcome | None] | None, end: float) -> _Outcome | None:
        """The helper's result, or None (then the helper is stopped) if late or failed."""
        if future is None:
            return None
        wait_s = max(0.0, end - time.monotonic()) + HELPER_GRACE_S
        try:
            return future.result(timeout=wait_s)
        except Exception as exc:  # late or failed: go on alone, keep what we have
            self.helper_note = "late" if isinstance(exc, TimeoutError) else f"failed: {exc}"[:200]
            helper.shutdown_helper()
            return None


def _route_key(state: _State, vehicle: int) -> tuple[int, ...]:
    """A route's identity: its vehicle and customer nodes in order."""
    return (vehicle, *state.routes[vehicle].customer_nodes())


def _next_step(
    state: _State,
    tasks: list[int | None],
    covered: set[int],
    vehicles: IntArray,
    target_visits: int,
    width: int,
    failed: frozenset[tuple[int, ...]] = frozenset(),
) -> list[_Job]:
    """The next (at most ``width``) disjoint subproblems of a pass; [] when the pass is over.

    ``tasks`` (consumed from the front) holds seed routes and, as None, retirement
    tries: the route with the fewest visits per unit of fixed cost not yet tried in
    this pass is spread over its neighbours. ``covered`` collects the routes already
    in a subproblem this pass (retirement tries are marked with a negative vehicle
    id). A route whose retirement failed before (``failed`` holds
    :func:`_route_key` values) is not tried again until it changes.
    """
    jobs: list[_Job] = []
    busy: set[int] = set()
    while tasks and len(jobs) < width:
        task = tasks.pop(0)
        if task is not None:
            if task not in state.routes or task in covered:
                continue
            spare = [
                int(v)
                for v in vehicles.tolist()
                if int(v) not in state.routes and int(v) not in busy
            ]
            chosen, visits = _select(state, task, spare, target_visits, frozenset(busy))
            covered.update(chosen)
            busy.update(chosen)
            jobs.append(_job(state, chosen, visits))
            continue
        if len(state.routes) < 2:
            continue
        fixed = state.problem.vehicle_fixed_cost
        candidates = sorted(
            (
                v
                for v in state.routes
                if v not in busy and -1 - v not in covered and _route_key(state, v) not in failed
            ),
            # Few visits on a vehicle with a high fixed cost first.
            key=lambda v: (len(state.routes[v].visits) / max(1, int(fixed[v])), v),
        )
        if not candidates:
            continue
        retired = candidates[0]
        covered.add(-1 - retired)
        chosen, visits = _select(state, retired, [], target_visits, frozenset(busy), True)
        others = [v for v in chosen if v != retired]
        if others:  # else the route alone fills a subproblem
            busy.update(chosen)
            jobs.append(_job(state, others, visits, retired))
    return jobs


def _reassign(state: _State, vehicles: IntArray) -> int:
    """Move routes to cheaper vehicles (:func:`reassign_routes`); the number moved."""
    before = state.routes
    after = reassign_routes(state.problem, before.values(), vehicles.tolist())
    state.routes = {r.vehicle: r for r in after}
    return sum(1 for r in after if before.get(r.vehicle) is not r)


def _reassigned(problem: RoutingProblem, solution: RoutingSolution) -> RoutingSolution:
    """``solution`` with its routes on the cheapest vehicles (:func:`reassign_routes`)."""
    routes = reassign_routes(problem, solution.routes, usable_vehicles(problem).tolist())
    saved = sum(r.cost(problem) for r in solution.routes) - sum(r.cost(problem) for r in routes)
    if saved <= 0:
        return solution
    return replace(
        solution,
        routes=tuple(sorted(routes, key=lambda r: r.vehicle)),
        objective=solution.objective - saved,
        stats={
            **solution.stats,
            "routes_reassigned": sum(1 for r in routes if r not in solution.routes),
        },
    )


def _improve_whole(
    problem: RoutingProblem,
    params: SolveParams,
    state: _State,
    deadline: float,
    out_penalty: int,
    stats: dict[str, float | int | str],
) -> RoutingSolution:
    """Guided local search over the whole problem from the constructed routes (the cheaper wins)."""
    initial = [
        state.routes[v].customer_nodes() if v in state.routes else []
        for v in range(problem.num_vehicles)
    ]
    constructed = state.objective() + out_penalty
    routes = [state.routes[v] for v in sorted(state.routes)]
    best = _result(problem, time.monotonic(), dict(stats), routes, constructed)
    left = deadline - time.monotonic()
    if left > 0:
        searched = solve_ortools(
            problem, replace(params, time_limit_s=left), initial_routes=initial
        )
        if searched.status != SolveStatus.NO_SOLUTION and searched.objective <= constructed:
            best = replace(searched, stats={**stats, **searched.stats})
    return _reassigned(problem, best)


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
    whole = servable.size <= min_visits or problem.max_vehicles is not None
    deadline = t0 + max(0.05, params.time_limit_s - SAFETY_MARGIN_S)
    if any(problem.node_drop_penalty[n] == MANDATORY for n in unservable):
        sol = solve_ortools(  # reports the mandatory visit that cannot be served
            problem, replace(params, time_limit_s=max(0.01, deadline - time.monotonic()))
        )
        return _labelled(sol, t0)
    stats: dict[str, float | int | str] = {}
    out_penalty = int(sum(int(problem.node_drop_penalty[n]) for n in unservable))
    vehicles = usable_vehicles(problem)
    built = construct(problem, servable, t0 + CONSTRUCTION_SHARE * params.time_limit_s)
    state = _State(problem, built.routes, servable)
    stats["construction"] = built.method
    stats["construction_s"] = time.monotonic() - t0
    stats["first_objective"] = state.objective() + out_penalty
    stats["unplaced_full"] = len(built.unplaced_full)
    stats["unplaced_stopped"] = len(built.unplaced_stopped)
    if whole:
        return _labelled(_improve_whole(problem, params, state, deadline, out_penalty, stats), t0)
    runner = _Runner(problem, params, helper.helper_available(params.num_workers))
    moved = _reassign(state, vehicles)

    # Subproblems: one pass over the first solution's routes with a solution limit,
    # otherwise round after round until the polish share of the time limit is left.
    polish_from = deadline - POLISH_SHARE * params.time_limit_s
    slice_s = _slice_s(params.time_limit_s)
    solved = improved = passes = retired_count = 0
    failed: set[tuple[int, ...]] = set()
    out_of_time = False

    def step_end() -> float | None:
        """End of the next step's search, or None when the subproblems' time is up."""
        left = polish_from - time.monotonic()
        if left < 0.5 * slice_s:
            return None
        if params.solution_limit is not None:  # the limit, not the clock, ends the searches
            return time.monotonic() + left
        return time.monotonic() + min(slice_s, left)

    sweep = False
    while not out_of_time and state.routes:
        before_pass = state.objective()
        # Each route joins one subproblem per pass, each pass starting at another
        # route; then RETIRE_TRIES routes are offered for retirement (None entries).
        # A sweep pass (after a stalled one) only tries to retire routes, all of them.
        seeds = sorted(state.routes)
        shift = (passes * PASS_SHIFT) % len(seeds)
        tasks: list[int | None] = (
            [None] * len(seeds)
            if sweep
            else [*seeds[shift:], *seeds[:shift], *[None] * RETIRE_TRIES]
        )
        covered: set[int] = set()
        while jobs := _next_step(
            state, tasks, covered, vehicles, target_visits, runner.width, frozenset(failed)
        ):
            end = step_end()
            if end is None:
                out_of_time = True
                break
            solved += len(jobs)
            for job, ok in zip(jobs, runner.run(state, jobs, end), strict=True):
                if job.retired is None:
                    improved += ok
                elif ok:
                    retired_count += 1
                else:
                    failed.add(_route_key(state, job.retired))
        passes += 1
        moved += _reassign(state, vehicles)
        if params.solution_limit is not None:
            break
        stalled = state.objective() > before_pass * (1.0 - STALL_GAIN)
        if stalled and sweep:
            break
        sweep = stalled
    stats["passes"] = passes
    stats["vehicles_retired"] = retired_count
    stats["subproblems"] = solved
    stats["subproblems_improved"] = improved
    stats["helper"] = runner.helper_note
    stats["processes"] = 1 if runner.helper_note == "off" else 2
    stats["decomposed_objective"] = state.objective() + out_penalty

    # Polish: guided local search over the whole model from the assembled routes,
    # here and in the helper (vehicles in reverse order); the cheaper result wins.
    left = deadline - time.monotonic()
    if left > 0 and servable.size <= POLISH_MAX_VISITS:
        second = runner.polish(state, deadline)
        model = _build(problem, vehicles, servable)
        routing = model.routing
        routing.CloseModelWithParameters(
            _search_parameters(params, max(0.01, deadline - time.monotonic()), ARC_FIRST_SOLUTION)
        )
        to_model = model.node_to_model
        routes = [
            [
                model.manager.NodeToIndex(int(to_model[n]))
                for n in (state.routes[v].customer_nodes() if v in state.routes else [])
            ]
            for v in vehicles.tolist()
        ]
        start = routing.ReadAssignmentFromRoutes(routes, True)
        left = deadline - time.monotonic()
        if start is not None and left > 0:
            found = routing.SolveFromAssignmentWithParameters(
                start, _search_parameters(params, left, ARC_FIRST_SOLUTION)
            )
            if found is not None:
                polished = _State(problem, _extract_routes(model, problem, found), servable)
                if polished.objective() <= state.objective():
                    state = polished
        stats["polish"] = "ok" if start is not None else "start rejected"
        stats["polish_objective"] = state.objective() + out_penalty
        other = runner.collect(second, deadline)
        if other is not None:
            helper_polished = _State(problem, list(other.routes), servable)
            stats["helper_polish_objective"] = helper_polished.objective() + out_penalty
            if helper_polished.objective() < state.objective():
                state = helper_polished
    moved += _reassign(state, vehicles)
    stats["routes_reassigned"] = moved
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
