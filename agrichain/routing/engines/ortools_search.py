"""OR-Tools search: parameters, first solutions, starts from given routes, reading routes back.

Parallel cheapest insertion builds the first solution while the problem is small
enough for the time limit (:func:`first_solution_strategy`), otherwise local
cheapest insertion; then guided local search. Callers may name one first-solution
strategy or several (:func:`best_first_solution`) and adjust the local search with
a :class:`SearchTuning`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from ortools.constraint_solver import (
    pywrapcp,
    routing_enums_pb2,
    routing_heuristic_parameters_pb2,
    routing_parameters_pb2,
)

from agrichain.routing.engines.ortools_problem import OrToolsProblem
from agrichain.routing.problem import RoutingProblem, SolveParams, VehicleRoute, Visit

_FSS = routing_enums_pb2.FirstSolutionStrategy
#: Names of OR-Tools' first-solution strategies.
STRATEGIES = frozenset(_FSS.Value.keys())
#: The local-search metaheuristic of every search.
METAHEURISTIC = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
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


def first_solution_strategy(num_nodes: int, num_paired_nodes: int, time_limit_s: float) -> str:
    """Name of the first-solution strategy the engine uses for a problem of this size."""
    estimate_s = (
        PCI_SECONDS_AT_500_PAIRED * (num_paired_nodes / 500.0) ** 3
        + PCI_SECONDS_AT_500_UNPAIRED * (num_nodes / 500.0) ** 2
    )
    if estimate_s <= PCI_TIME_SHARE * time_limit_s:
        return "PARALLEL_CHEAPEST_INSERTION"
    return "LOCAL_CHEAPEST_INSERTION"


def search_parameters(
    params: SolveParams,
    time_limit_s: float,
    strategy: str,
    tuning: SearchTuning | None = None,
) -> routing_parameters_pb2.RoutingSearchParameters:
    """OR-Tools parameters: ``strategy`` first, then guided local search within the limits."""
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = _FSS.Value.Value(strategy)
    # Insert a pickup and its delivery together (much better than one after the other).
    search.local_cheapest_insertion_parameters.pickup_delivery_strategy = (
        routing_heuristic_parameters_pb2.LocalCheapestInsertionParameters.BEST_PICKUP_DELIVERY_PAIR
    )
    search.local_search_metaheuristic = METAHEURISTIC
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


def best_first_solution(
    built: OrToolsProblem,
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
    routing = built.routing
    best: pywrapcp.Assignment | None = None
    chosen = strategies[0]
    tried: list[str] = []
    first_only = replace(params, solution_limit=1)
    for strategy in strategies:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        found = routing.SolveWithParameters(
            search_parameters(first_only, remaining, strategy, tuning)
        )
        value = int(found.ObjectiveValue()) if found is not None else -1
        tried.append(f"{strategy}:{value + objective_offset if found is not None else -1}")
        if found is not None and (best is None or value < best.ObjectiveValue()):
            best = routing.solver().Assignment(found)
            chosen = strategy
    stats["first_solution_objectives"] = ",".join(tried)
    return chosen, best


def validate_initial_routes(
    problem: RoutingProblem, initial_routes: Sequence[Sequence[int]]
) -> None:
    """ValueError unless ``initial_routes`` holds at most one route of visit nodes per vehicle."""
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


def initial_assignment(
    built: OrToolsProblem, initial_routes: Sequence[Sequence[int]]
) -> pywrapcp.Assignment | None:
    """``initial_routes`` (visit nodes per problem vehicle) as an OR-Tools assignment, or None."""
    routes: list[list[int]] = []
    for v in built.vehicles.tolist():
        nodes = list(initial_routes[v]) if v < len(initial_routes) else []
        # Nodes left out (unservable) are dropped in any case.
        indices = [int(built.node_index[node]) for node in nodes]
        routes.append([built.manager.NodeToIndex(i) for i in indices if i >= 0])
    return built.routing.ReadAssignmentFromRoutes(routes, True)


def extract_routes(
    built: OrToolsProblem, problem: RoutingProblem, solution: pywrapcp.Assignment
) -> list[VehicleRoute]:
    """The used routes of ``solution``, with the earliest service starts it allows."""
    routing, manager = built.routing, built.manager
    routes: list[VehicleRoute] = []
    for mv, v in enumerate(built.vehicles.tolist()):
        indices = [routing.Start(mv)]
        while not routing.IsEnd(indices[-1]):
            indices.append(solution.Value(routing.NextVar(indices[-1])))
        if len(indices) <= 2:
            continue
        nodes = [int(built.nodes[manager.IndexToNode(i)]) for i in indices]
        starts = [solution.Min(built.time_dim.CumulVar(i)) + built.time_offset for i in indices]
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


__all__ = [
    "METAHEURISTIC",
    "STRATEGIES",
    "SearchTuning",
    "best_first_solution",
    "extract_routes",
    "first_solution_strategy",
    "initial_assignment",
    "search_parameters",
    "validate_initial_routes",
]
