"""OR-Tools routing engine for :class:`~agrichain.routing.problem.RoutingProblem`.

Model conventions (shared with :func:`agrichain.routing.check.check_solution`):

* every vehicle leaves its start node empty; the load after each node is the
  running sum of ``node_demand`` and must stay within ``[0, capacity]``;
* the service start at a node is the time-dimension cumul; travel from node i
  to node j takes ``node_service[i] + duration[loc i, loc j]``; waiting is free;
* optional nodes carry a drop penalty; a pickup-delivery pair is dropped as a
  whole, its penalty being the sum of both nodes' penalties;
* arc costs are ``round(distance * vehicle_distance_cost)`` per vehicle.

Vehicles that cannot be used at all (empty shift/depot window, or the direct
trip from start to end does not fit) and visits that no vehicle could serve
even alone (:func:`~agrichain.routing.check.unservable_reasons`) are left out
of the model: such vehicles never make a feasible problem infeasible, and such
visits are reported dropped (or the result is NO_SOLUTION if one is mandatory).

Reported service starts are the earliest the solution allows (minimum cumul
values after propagation), so pickups are delayed only where a transit limit
requires it.

Search: parallel cheapest insertion for the first solution while the model is
small enough for the time limit (:func:`first_solution_strategy`), otherwise
local cheapest insertion; then guided local search until ``solution_limit``
solutions or ``time_limit_s`` (which bounds the whole call, building the model
included). Callers may instead name one first-solution
strategy, or several (each is built, the search starts from the cheapest), and
adjust the local search with a :class:`SearchTuning`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from ortools.constraint_solver import (
    pywrapcp,
    routing_enums_pb2,
    routing_heuristic_parameters_pb2,
    routing_parameters_pb2,
)

from agrichain.routing.check import (
    mandatory_unservable,
    unservable_reasons,
    usable_vehicles,
    validate_pairs,
)
from agrichain.routing.problem import (
    MANDATORY,
    IntArray,
    RoutingProblem,
    RoutingSolution,
    SolveParams,
    SolveStatus,
    VehicleRoute,
    Visit,
)

ENGINE_NAME = "ortools"
_FSS = routing_enums_pb2.FirstSolutionStrategy
_STRATEGIES = frozenset(_FSS.Value.keys())
_METAHEURISTIC = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
#: Measured CPU seconds of parallel cheapest insertion on 500 nodes in pickup-delivery
#: pairs with windows and transit limits (it grows about cubically: 27 s at 1,200) ...
PCI_SECONDS_AT_500_PAIRED = 2.0
#: ... and on 500 unpaired nodes (X-n401 CVRP took 0.1 s; assumed quadratic).
PCI_SECONDS_AT_500_UNPAIRED = 0.2
#: Parallel cheapest insertion is used while its estimated time is at most this share
#: of the time limit; otherwise the much faster local cheapest insertion (a time
#: limit that stops the first solution half-way leaves most visits dropped).
PCI_TIME_SHARE = 0.25


@dataclass(frozen=True)
class SearchTuning:
    """Local-search settings on top of the engine's guided local search (None: OR-Tools default)."""

    gls_lambda: float | None = None
    """``guided_local_search_lambda_coefficient`` (OR-Tools default 0.1)."""
    multi_armed_bandit_operators: bool = False
    """Choose among local-search operators by their recent success (multi-armed bandit)."""
    reset_penalties_on_new_best: bool = False
    """Clear guided-local-search penalties whenever a new best solution is found."""


@dataclass
class _Model:
    """A built OR-Tools model plus the maps back to problem nodes and vehicles."""

    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time_dim: pywrapcp.RoutingDimension
    model_nodes: IntArray
    """model node -> problem node."""
    node_to_model: IntArray
    """problem node -> model node, or -1 when the node is not in the model."""
    model_vehicles: IntArray
    """model vehicle -> problem vehicle."""
    time_offset: int
    """Problem time = model cumul + time_offset."""
    callbacks: list[Callable[[int, int], int]]
    """Python callbacks the C++ model calls: kept alive as long as the model."""


def _constant_limit(value: int) -> Callable[[int, int], int]:
    def limit(pickup_alternative: int, delivery_alternative: int) -> int:
        return value

    return limit


def _build(problem: RoutingProblem, vehicles: IntArray, visits: IntArray) -> _Model:
    """Model over the given usable vehicles and servable visit nodes."""
    n_prob = problem.num_nodes
    depots = np.unique(
        np.concatenate([problem.vehicle_start_node[vehicles], problem.vehicle_end_node[vehicles]])
    )
    model_nodes = np.concatenate([depots, visits]).astype(np.int64)
    node_to_model = np.full(n_prob, -1, dtype=np.int64)
    node_to_model[model_nodes] = np.arange(model_nodes.size)

    starts = node_to_model[problem.vehicle_start_node[vehicles]]
    ends = node_to_model[problem.vehicle_end_node[vehicles]]
    manager = pywrapcp.RoutingIndexManager(
        int(model_nodes.size), int(vehicles.size), starts.tolist(), ends.tolist()
    )
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()

    loc = problem.node_location[model_nodes]
    loc_grid = np.ix_(loc, loc)

    # Arc costs: one transit matrix per distinct cost coefficient.
    # Round on the (smaller) location matrix, then expand to node x node.
    coefs = problem.vehicle_distance_cost[vehicles]
    for coef in np.unique(coefs):
        if coef == 0.0:
            continue
        loc_cost = problem.distance
        if coef != 1.0:
            loc_cost = np.round(problem.distance * coef).astype(np.int64)
        cb = routing.RegisterTransitMatrix(loc_cost[loc_grid].tolist())
        for mv in np.flatnonzero(coefs == coef).tolist():
            routing.SetArcCostEvaluatorOfVehicle(cb, mv)
    for mv, v in enumerate(vehicles.tolist()):
        fixed = int(problem.vehicle_fixed_cost[v])
        if fixed:
            routing.SetFixedCostOfVehicle(fixed, mv)

    # Capacity: start empty, load within [0, capacity] everywhere.
    demand = problem.node_demand[model_nodes]
    demand_cb = routing.RegisterUnaryTransitVector(demand.tolist())
    routing.AddDimensionWithVehicleCapacity(
        demand_cb, 0, problem.vehicle_capacity[vehicles].tolist(), True, "Capacity"
    )

    # Time: cumul = service start; transit = service at the from-node + travel.
    offset = min(0, int(problem.node_tw_start.min()), int(problem.vehicle_tw_start.min()))
    horizon = max(int(problem.node_tw_end.max()), int(problem.vehicle_tw_end.max())) - offset
    transit = problem.node_service[model_nodes][:, None] + problem.duration[loc_grid]
    time_cb = routing.RegisterTransitMatrix(transit.tolist())
    routing.AddDimension(time_cb, horizon, horizon, False, "Time")
    time_dim = routing.GetDimensionOrDie("Time")

    tw_start = problem.node_tw_start - offset
    tw_end = problem.node_tw_end - offset
    for node in visits.tolist():
        index = manager.NodeToIndex(int(node_to_model[node]))
        time_dim.CumulVar(index).SetRange(int(tw_start[node]), int(tw_end[node]))
    v_start = problem.vehicle_tw_start - offset
    v_end = problem.vehicle_tw_end - offset
    for mv, v in enumerate(vehicles.tolist()):
        s = int(problem.vehicle_start_node[v])
        e = int(problem.vehicle_end_node[v])
        time_dim.CumulVar(routing.Start(mv)).SetRange(
            max(int(v_start[v]), int(tw_start[s])), min(int(v_end[v]), int(tw_end[s]))
        )
        time_dim.CumulVar(routing.End(mv)).SetRange(
            max(int(v_start[v]), int(tw_start[e])), min(int(v_end[v]), int(tw_end[e]))
        )

    # Vehicle-node compatibility (every node here has at least one usable allowed vehicle).
    if problem.node_allowed_vehicles:
        prob_to_model_v = {int(v): mv for mv, v in enumerate(vehicles.tolist())}
        for node in visits.tolist():
            allowed = problem.node_allowed_vehicles[node]
            if allowed is None:
                continue
            banned = sorted(mv for v, mv in prob_to_model_v.items() if v not in allowed)
            if banned:
                # SetAllowedVehiclesForIndex rejects Python lists in 9.15 (its
                # absl::Span argument has no SWIG typemap): restrict VehicleVar.
                routing.VehicleVar(manager.NodeToIndex(int(node_to_model[node]))).RemoveValues(
                    banned
                )

    # Pickup-delivery pairs (both nodes are in the model or neither) and drop penalties.
    penalty = problem.node_drop_penalty
    paired: set[int] = set()
    callbacks: list[Callable[[int, int], int]] = []
    pair_index = 0
    for (p, d), max_transit in zip(
        problem.pairs.tolist(), problem.pair_max_transit.tolist(), strict=True
    ):
        if node_to_model[p] < 0:
            continue
        paired.update((p, d))
        pi = manager.NodeToIndex(int(node_to_model[p]))
        di = manager.NodeToIndex(int(node_to_model[d]))
        if penalty[p] != MANDATORY and penalty[d] != MANDATORY:
            routing.AddDisjunction([pi], int(penalty[p] + penalty[d]))
            routing.AddDisjunction([di], 0)
        routing.AddPickupAndDelivery(pi, di)
        solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
        solver.Add(time_dim.CumulVar(pi) <= time_dim.CumulVar(di))
        if max_transit >= 0:
            # The limit function lets the search filters see the limit (a 1,200-node
            # model took minutes with the constraint alone); the constraint makes
            # the propagated (minimum) cumuls of a solution respect it too.
            limit = _constant_limit(int(max_transit))
            callbacks.append(limit)
            time_dim.SetPickupToDeliveryLimitFunctionForPair(limit, pair_index)
            solver.Add(time_dim.CumulVar(di) - time_dim.CumulVar(pi) <= int(max_transit))
        pair_index += 1
    for node in visits.tolist():
        if node not in paired and penalty[node] != MANDATORY:
            routing.AddDisjunction(
                [manager.NodeToIndex(int(node_to_model[node]))], int(penalty[node])
            )

    if problem.max_vehicles is not None and problem.max_vehicles < vehicles.size:
        routing.SetMaximumNumberOfActiveVehicles(int(problem.max_vehicles))

    return _Model(
        manager=manager,
        routing=routing,
        time_dim=time_dim,
        model_nodes=model_nodes,
        node_to_model=node_to_model,
        model_vehicles=vehicles,
        time_offset=offset,
        callbacks=callbacks,
    )


def first_solution_strategy(num_nodes: int, num_paired_nodes: int, time_limit_s: float) -> str:
    """Name of the first-solution strategy the engine uses for a model of this size."""
    estimate_s = (
        PCI_SECONDS_AT_500_PAIRED * (num_paired_nodes / 500.0) ** 3
        + PCI_SECONDS_AT_500_UNPAIRED * (num_nodes / 500.0) ** 2
    )
    if estimate_s <= PCI_TIME_SHARE * time_limit_s:
        return "PARALLEL_CHEAPEST_INSERTION"
    return "LOCAL_CHEAPEST_INSERTION"


def _search_parameters(
    params: SolveParams,
    time_limit_s: float,
    strategy: str,
    tuning: SearchTuning | None = None,
) -> routing_parameters_pb2.RoutingSearchParameters:
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = _FSS.Value.Value(strategy)
    # Insert a pickup and its delivery together (much better than one after the other).
    search.local_cheapest_insertion_parameters.pickup_delivery_strategy = (
        routing_heuristic_parameters_pb2.LocalCheapestInsertionParameters.BEST_PICKUP_DELIVERY_PAIR
    )
    search.local_search_metaheuristic = _METAHEURISTIC
    search.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    if params.solution_limit is not None:
        search.solution_limit = max(1, int(params.solution_limit))
    if tuning is not None:
        if tuning.gls_lambda is not None:
            search.guided_local_search_lambda_coefficient = tuning.gls_lambda
        search.use_multi_armed_bandit_concatenate_operators = tuning.multi_armed_bandit_operators
        search.guided_local_search_reset_penalties_on_new_best_solution = (
            tuning.reset_penalties_on_new_best
        )
    return search


def _best_first_solution(
    model: _Model,
    params: SolveParams,
    strategies: Sequence[str],
    tuning: SearchTuning | None,
    deadline: float,
    stats: dict[str, float | int | str],
    objective_offset: int,
) -> tuple[str, pywrapcp.Assignment | None]:
    """Build a first solution with each strategy in turn; the cheapest (first on ties).

    ``stats["first_solution_objectives"]`` lists ``strategy:objective`` (plus
    ``objective_offset``; -1 when the strategy found none) in the order tried.
    """
    routing = model.routing
    best: pywrapcp.Assignment | None = None
    chosen = strategies[0]
    tried: list[str] = []
    first_only = replace(params, solution_limit=1)
    for strategy in strategies:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        found = routing.SolveWithParameters(
            _search_parameters(first_only, remaining, strategy, tuning)
        )
        value = int(found.ObjectiveValue()) if found is not None else -1
        tried.append(f"{strategy}:{value + objective_offset if found is not None else -1}")
        if found is not None and (best is None or value < best.ObjectiveValue()):
            best = routing.solver().Assignment(found)
            chosen = strategy
    stats["first_solution_objectives"] = ",".join(tried)
    return chosen, best


def _validate_initial_routes(
    problem: RoutingProblem, initial_routes: Sequence[Sequence[int]]
) -> None:
    if len(initial_routes) > problem.num_vehicles:
        raise ValueError("initial_routes has more routes than the problem has vehicles")
    visit_mask = np.zeros(problem.num_nodes, dtype=bool)
    visit_mask[problem.visit_nodes()] = True
    for v, nodes in enumerate(initial_routes):
        for node in nodes:
            if not 0 <= node < problem.num_nodes or not visit_mask[node]:
                raise ValueError(
                    f"initial route of vehicle {v} holds {node}, which is not a visit node"
                )


def _initial_assignment(
    model: _Model, problem: RoutingProblem, initial_routes: Sequence[Sequence[int]]
) -> pywrapcp.Assignment | None:
    routes: list[list[int]] = []
    for v in model.model_vehicles.tolist():
        nodes = list(initial_routes[v]) if v < len(initial_routes) else []
        # Nodes left out of the model (unservable) are dropped in any case.
        indices = [int(model.node_to_model[node]) for node in nodes]
        routes.append([model.manager.NodeToIndex(i) for i in indices if i >= 0])
    return model.routing.ReadAssignmentFromRoutes(routes, True)


def _extract_routes(
    model: _Model, problem: RoutingProblem, solution: pywrapcp.Assignment
) -> list[VehicleRoute]:
    routing, manager = model.routing, model.manager
    routes: list[VehicleRoute] = []
    for mv, v in enumerate(model.model_vehicles.tolist()):
        indices = [routing.Start(mv)]
        while not routing.IsEnd(indices[-1]):
            indices.append(solution.Value(routing.NextVar(indices[-1])))
        if len(indices) <= 2:
            continue
        nodes = [int(model.model_nodes[manager.IndexToNode(i)]) for i in indices]
        starts = [solution.Min(model.time_dim.CumulVar(i)) + model.time_offset for i in indices]
        visits: list[Visit] = []
        load = 0
        dist = 0
        arrival = starts[0]
        for k, node in enumerate(nodes):
            if k:
                prev = nodes[k - 1]
                arrival = (
                    starts[k - 1]
                    + int(problem.node_service[prev])
                    + problem.node_duration(prev, node)
                )
                dist += problem.node_distance(prev, node)
            load += int(problem.node_demand[node])
            visits.append(
                Visit(
                    node=node,
                    arrival=arrival,
                    start=starts[k],
                    load_after=load,
                    distance_from_start=dist,
                )
            )
        routes.append(VehicleRoute(vehicle=int(v), visits=tuple(visits)))
    return routes


def _result(
    problem: RoutingProblem,
    t0: float,
    stats: dict[str, float | int | str],
    routes: Sequence[VehicleRoute] = (),
    objective: int | None = None,
) -> RoutingSolution:
    """Solution with ``routes``; every other visit node is dropped.

    ``objective`` None means no solution was found: the status is NO_SOLUTION.
    """
    routed = {n for r in routes for n in r.customer_nodes()}
    dropped = tuple(int(n) for n in problem.visit_nodes() if int(n) not in routed)
    if objective is None:
        status, objective = SolveStatus.NO_SOLUTION, 0
    else:
        status = SolveStatus.PARTIAL if dropped else SolveStatus.FEASIBLE
    return RoutingSolution(
        routes=tuple(routes),
        dropped=dropped,
        status=status,
        objective=objective,
        wall_time_s=time.monotonic() - t0,
        engine=ENGINE_NAME,
        stats=stats,
    )


def _finish(
    model: _Model,
    problem: RoutingProblem,
    routing: pywrapcp.RoutingModel,
    solution: pywrapcp.Assignment | None,
    t0: float,
    t_built: float,
    stats: dict[str, float | int | str],
    out_penalty: int,
) -> RoutingSolution:
    """Record the search outcome in ``stats`` and turn ``solution`` into a RoutingSolution."""
    stats["solve_s"] = time.monotonic() - t_built
    stats["ortools_status"] = routing_enums_pb2.RoutingSearchStatus.Value.Name(
        int(routing.status())
    )
    if solution is None:
        return _result(problem, t0, stats)
    routes = _extract_routes(model, problem, solution)
    return _result(problem, t0, stats, routes, int(solution.ObjectiveValue()) + out_penalty)


def solve_ortools(
    problem: RoutingProblem,
    params: SolveParams,
    initial_routes: Sequence[Sequence[int]] | None = None,
    first_solution: str | Sequence[str] | None = None,
    *,
    tuning: SearchTuning | None = None,
) -> RoutingSolution:
    """Solve ``problem`` with OR-Tools routing (cheapest insertion + guided local search).

    ``first_solution`` names an OR-Tools ``FirstSolutionStrategy`` (for example
    ``"PARALLEL_CHEAPEST_INSERTION"``); by default :func:`first_solution_strategy`
    picks one from the model size and the time limit. A sequence of names builds
    a first solution with each (in order, within the time limit) and searches
    from the cheapest; the earlier name wins ties, so the choice is deterministic.
    ``tuning`` adjusts the guided local search (default: OR-Tools' settings).

    ``initial_routes`` optionally gives one list of visit nodes per vehicle
    (without start/end nodes) to start the local search from; if it is not a
    feasible solution, the engine builds its own first solution instead.
    Deterministic for a fixed ``params.solution_limit`` reached within the time limit.
    Visits no vehicle could serve even alone (see
    :func:`~agrichain.routing.check.unservable_reasons`) are dropped before the
    search; if one of them is mandatory the result is NO_SOLUTION at once.
    """
    t0 = time.monotonic()
    candidates = [first_solution] if isinstance(first_solution, str) else first_solution
    if candidates is not None:
        if not candidates:
            raise ValueError("first_solution must name at least one strategy")
        for name in candidates:
            if name not in _STRATEGIES:
                raise ValueError(f"unknown OR-Tools first solution strategy {name!r}")
    validate_pairs(problem)
    if initial_routes is not None:
        _validate_initial_routes(problem, initial_routes)
    stats: dict[str, float | int | str] = {
        "metaheuristic": routing_enums_pb2.LocalSearchMetaheuristic.Value.Name(_METAHEURISTIC),
    }
    if problem.visit_nodes().size == 0:
        return RoutingSolution(
            routes=(),
            dropped=(),
            status=SolveStatus.EMPTY,
            objective=0,
            wall_time_s=time.monotonic() - t0,
            engine=ENGINE_NAME,
            stats=stats,
        )
    vehicles = usable_vehicles(problem)
    unservable = unservable_reasons(problem)
    stats["usable_vehicles"] = int(vehicles.size)
    stats["unservable_nodes"] = len(unservable)
    reason = mandatory_unservable(problem, unservable)
    if reason is not None:
        stats["reason"] = reason
        return _result(problem, t0, stats)
    out_penalty = int(sum(int(problem.node_drop_penalty[n]) for n in unservable))
    visits = np.array(
        [n for n in problem.visit_nodes().tolist() if n not in unservable],
        dtype=np.int64,
    )
    if visits.size == 0:
        return _result(problem, t0, stats, objective=out_penalty)

    model = _build(problem, vehicles, visits)
    t_built = time.monotonic()
    stats["build_s"] = t_built - t0
    num_paired = int(np.isin(problem.pairs, visits).sum()) if problem.pairs.size else 0
    strategies = list(candidates or ())
    if not strategies:
        strategies = [
            first_solution_strategy(int(model.model_nodes.size), num_paired, params.time_limit_s)
        ]
    strategy = strategies[0]
    stats["first_solution_strategy"] = strategy
    # The time limit bounds the whole call: building the model counts against it.
    search_s = max(0.01, params.time_limit_s - (t_built - t0))
    search = _search_parameters(params, search_s, strategy, tuning)
    routing = model.routing

    solution: pywrapcp.Assignment | None = None
    if initial_routes is not None:
        routing.CloseModelWithParameters(search)
        start = _initial_assignment(model, problem, initial_routes)
        stats["initial_routes"] = "accepted" if start is not None else "rejected"
        if start is not None:
            solution = routing.SolveFromAssignmentWithParameters(start, search)
        if solution is None:
            remaining = params.time_limit_s - (time.monotonic() - t0)
            if remaining > 0:
                solution = routing.SolveWithParameters(
                    _search_parameters(params, remaining, strategy, tuning)
                )
    elif len(strategies) > 1:
        routing.CloseModelWithParameters(search)
        deadline = t0 + params.time_limit_s
        strategy, start = _best_first_solution(
            model, params, strategies, tuning, deadline, stats, out_penalty
        )
        stats["first_solution_strategy"] = strategy
        remaining = deadline - time.monotonic()
        if start is not None and remaining > 0:
            solution = routing.SolveFromAssignmentWithParameters(
                start, _search_parameters(params, remaining, strategy, tuning)
            )
        if solution is None:
            solution = start
    else:
        solution = routing.SolveWithParameters(search)
    return _finish(model, problem, routing, solution, t0, t_built, stats, out_penalty)
