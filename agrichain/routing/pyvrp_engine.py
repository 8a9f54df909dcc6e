"""PyVRP (iterated local search) as a routing engine for :class:`RoutingProblem`.

PyVRP expresses capacities, node and shift time windows, several depots,
optional visits (prizes), fixed and per-distance vehicle costs and
pickup-delivery pairs (as shipments). Vehicle-node compatibility is modelled
with one routing profile per vehicle group in which arcs into forbidden nodes
take longer than any horizon (so using them is a time-window violation, which
PyVRP treats as infeasible). It cannot express a maximum transit time per pair,
nor a fleet bound across vehicle groups; :func:`pyvrp_coverage` says what was
left out, and callers must check the result (see :mod:`agrichain.routing.portfolio`).

Reproducibility: PyVRP is deterministic for a given seed and iteration count.
``SolveParams.solution_limit`` is mapped to ``solution_limit *``
:data:`ITERATIONS_PER_SOLUTION` ILS iterations; the wall-clock limit applies as
well (whichever comes first), measured from the call, model building included.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from pyvrp import (
    Activity,
    ActivityType,
    Client,
    Depot,
    Location,
    ProblemData,
    Route,
    Shipment,
    Solution,
    VehicleType,
)
from pyvrp import SolveParams as PyVRPSolveParams
from pyvrp import solve as pyvrp_solve
from pyvrp.stop import MaxIterations, MultipleCriteria, StoppingCriterion

from agrichain.routing.check import check_solution
from agrichain.routing.problem import (
    MANDATORY,
    NO_LIMIT,
    RoutingProblem,
    RoutingSolution,
    SolveParams,
    SolveStatus,
    VehicleRoute,
    Visit,
)

ENGINE_NAME = "pyvrp"
#: ILS iterations granted per unit of ``SolveParams.solution_limit``.
ITERATIONS_PER_SOLUTION = 200
#: Seconds kept back from the time limit for result conversion.
TIME_MARGIN_S = 0.05


@dataclass(frozen=True)
class PyVRPModel:
    """A :class:`RoutingProblem` translated to PyVRP, with the maps back."""

    data: ProblemData
    client_node: tuple[int, ...]
    """PyVRP client index -> problem node."""
    depot_node: tuple[int, ...]
    """PyVRP depot index -> problem node."""
    shipment_nodes: tuple[tuple[int, int], ...]
    """PyVRP shipment index -> (pickup node, delivery node)."""
    type_vehicles: tuple[tuple[int, ...], ...]
    """PyVRP vehicle type -> problem vehicles of that type, in order."""
    node_activity: dict[int, tuple[ActivityType, int]]
    """Problem visit node -> PyVRP activity (type, index)."""
    vehicle_type: tuple[int, ...]
    """Problem vehicle -> PyVRP vehicle type."""
    omitted: tuple[str, ...]
    """Constraints of the problem that the PyVRP model does not enforce."""


def pyvrp_coverage(problem: RoutingProblem) -> tuple[str, ...]:
    """Constraints of ``problem`` PyVRP cannot express (empty: the model is exact)."""
    omitted: list[str] = []
    paired = {int(x) for x in problem.pairs.ravel()}
    visits = [int(i) for i in problem.visit_nodes() if int(i) not in paired]
    if any(int(problem.node_demand[i]) < 0 for i in visits):
        # The contract starts every vehicle empty; PyVRP would load deliveries at the depot.
        omitted.append("unpaired_delivery")
    if any(
        int(problem.node_demand[p]) != -int(problem.node_demand[d])
        or int(problem.node_demand[p]) < 0
        for p, d in problem.pairs.tolist()
    ):
        omitted.append("unbalanced_pair_demand")
    if problem.pair_max_transit.size and np.any(problem.pair_max_transit != NO_LIMIT):
        omitted.append("pair_max_transit")
    if problem.deliver_at_first_visit and problem.pairs.size:
        omitted.append("deliver_at_first_visit")
    bounded = problem.max_vehicles is not None and problem.max_vehicles < problem.num_vehicles
    if bounded and len(set(_vehicle_keys(problem, _profile_index(problem)[0]))) > 1:
        # One PyVRP vehicle type can be capped; a bound across several types cannot.
        omitted.append("max_vehicles")
    return tuple(omitted)


def _profile_index(problem: RoutingProblem) -> tuple[list[int], list[tuple[float, frozenset[int]]]]:
    """Per vehicle a profile index; profiles = distinct (cost coefficient, forbidden nodes)."""
    n = problem.num_nodes
    forbidden_of: list[frozenset[int]] = []
    for v in range(problem.num_vehicles):
        if problem.node_allowed_vehicles:
            forb = frozenset(i for i in range(n) if not problem.allowed(i, v))
        else:
            forb = frozenset()
        forbidden_of.append(forb)
    profiles: list[tuple[float, frozenset[int]]] = []
    index: list[int] = []
    for v in range(problem.num_vehicles):
        key = (float(problem.vehicle_distance_cost[v]), forbidden_of[v])
        if key not in profiles:
            profiles.append(key)
        index.append(profiles.index(key))
    return index, profiles


def _vehicle_keys(problem: RoutingProblem, profile_of: Sequence[int]) -> list[tuple[int, ...]]:
    keys: list[tuple[int, ...]] = []
    for v in range(problem.num_vehicles):
        s, e = int(problem.vehicle_start_node[v]), int(problem.vehicle_end_node[v])
        keys.append(
            (
                s,
                e,
                int(problem.vehicle_capacity[v]),
                int(problem.vehicle_tw_start[v]),
                int(problem.vehicle_tw_end[v]),
                int(problem.vehicle_fixed_cost[v]),
                int(profile_of[v]),
            )
        )
    return keys


def build_pyvrp_model(problem: RoutingProblem) -> PyVRPModel:
    """Translate ``problem`` to PyVRP ``ProblemData`` (one PyVRP location per node)."""
    depots = [int(d) for d in problem.depot_nodes()]
    paired = {int(x) for x in problem.pairs.ravel()}
    clients = [int(i) for i in problem.visit_nodes() if int(i) not in paired]
    pairs = [(int(p), int(d)) for p, d in problem.pairs]
    # PyVRP location order: depots, clients, then pickup/delivery nodes of shipments.
    order = depots + clients + [x for pd in pairs for x in pd]
    loc_of_node = {node: k for k, node in enumerate(order)}
    locations = [Location(0, 0) for _ in order]
    node_loc = problem.node_location[np.asarray(order, dtype=np.int64)]
    base_dist = problem.distance[np.ix_(node_loc, node_loc)]
    base_dur = problem.duration[np.ix_(node_loc, node_loc)]

    profile_of, profiles = _profile_index(problem)
    horizon_lo = min(int(problem.node_tw_start.min()), int(problem.vehicle_tw_start.min()))
    horizon_hi = max(int(problem.node_tw_end.max()), int(problem.vehicle_tw_end.max()))
    unreachable = horizon_hi - min(horizon_lo, 0) + 1
    dist_mats: list[np.ndarray] = []
    dur_mats: list[np.ndarray] = []
    for coef, forbidden in profiles:
        dist = base_dist.copy() if coef == 1.0 else np.round(base_dist * coef).astype(np.int64)
        dur = base_dur.copy()
        cols = [loc_of_node[i] for i in forbidden if i in loc_of_node and i not in depots]
        if cols:
            dur[:, cols] = unreachable
            dur[cols, cols] = 0
        np.fill_diagonal(dist, 0)
        np.fill_diagonal(dur, 0)
        dist_mats.append(np.ascontiguousarray(dist, dtype=np.int64))
        dur_mats.append(np.ascontiguousarray(dur, dtype=np.int64))

    pv_depots = [
        Depot(loc_of_node[d], service_duration=int(problem.node_service[d])) for d in depots
    ]
    depot_index = {d: k for k, d in enumerate(depots)}

    def prize(node: int) -> tuple[int, bool]:
        pen = int(problem.node_drop_penalty[node])
        return (0, True) if pen == MANDATORY else (pen, False)

    pv_clients = []
    node_activity: dict[int, tuple[ActivityType, int]] = {}
    for k, i in enumerate(clients):
        dem = int(problem.node_demand[i])
        pz, required = prize(i)
        pv_clients.append(
            Client(
                loc_of_node[i],
                delivery=[max(-dem, 0)],
                pickup=[max(dem, 0)],
                service_duration=int(problem.node_service[i]),
                tw_early=int(problem.node_tw_start[i]),
                tw_late=int(problem.node_tw_end[i]),
                prize=pz,
                required=required,
            )
        )
        node_activity[i] = (ActivityType.CLIENT, k)
    pv_shipments = []
    for k, (p, d) in enumerate(pairs):
        pz_p, req_p = prize(p)
        pz_d, req_d = prize(d)
        p_early, p_late = int(problem.node_tw_start[p]), int(problem.node_tw_end[p])
        d_early, d_late = int(problem.node_tw_start[d]), int(problem.node_tw_end[d])
        max_transit = int(problem.pair_max_transit[k])
        if max_transit != NO_LIMIT:
            # Implied by the transit limit (PyVRP cannot state it directly): every
            # feasible schedule already satisfies these tighter windows.
            d_late = max(d_early, min(d_late, p_late + max_transit))
            p_early = min(p_late, max(p_early, d_early - max_transit))
        pv_shipments.append(
            Shipment(
                loc_of_node[p],
                loc_of_node[d],
                pickup_tw_early=p_early,
                pickup_tw_late=p_late,
                pickup_service_duration=int(problem.node_service[p]),
                delivery_tw_early=d_early,
                delivery_tw_late=d_late,
                delivery_service_duration=int(problem.node_service[d]),
                amount=[max(int(problem.node_demand[p]), 0)],
                prize=pz_p + pz_d,
                required=req_p or req_d,
            )
        )
        node_activity[p] = (ActivityType.PICKUP, k)
        node_activity[d] = (ActivityType.DELIVERY, k)

    keys = _vehicle_keys(problem, profile_of)
    type_keys: list[tuple[int, ...]] = []
    members: list[list[int]] = []
    for v, key in enumerate(keys):
        if key not in type_keys:
            type_keys.append(key)
            members.append([])
        members[type_keys.index(key)].append(v)
    cap_all = problem.max_vehicles
    pv_types = []
    vehicle_type = [0] * problem.num_vehicles
    for t, (key, vs) in enumerate(zip(type_keys, members, strict=True)):
        s, e, cap, tw_s, tw_e, fixed, prof = key
        early = max(tw_s, int(problem.node_tw_start[s]))
        late_start = max(early, min(tw_e, int(problem.node_tw_end[s])))
        late = min(tw_e, int(problem.node_tw_end[e]))
        num = len(vs) if cap_all is None else max(1, min(len(vs), cap_all))
        pv_types.append(
            VehicleType(
                num_available=num,
                capacity=[cap],
                start_depot=depot_index[s],
                end_depot=depot_index[e],
                fixed_cost=fixed,
                tw_early=early,
                tw_late=max(late, early),
                start_late=late_start,
                unit_distance_cost=1,
                profile=prof,
            )
        )
        for v in vs:
            vehicle_type[v] = t
    data = ProblemData(
        locations=locations,
        clients=pv_clients,
        depots=pv_depots,
        vehicle_types=pv_types,
        distance_matrices=dist_mats,  # type: ignore[arg-type]  # PyVRP's stub is too narrow
        duration_matrices=dur_mats,  # type: ignore[arg-type]
        shipments=pv_shipments,
    )
    return PyVRPModel(
        data=data,
        client_node=tuple(clients),
        depot_node=tuple(depots),
        shipment_nodes=tuple(pairs),
        type_vehicles=tuple(tuple(vs) for vs in members),
        node_activity=node_activity,
        vehicle_type=tuple(vehicle_type),
        omitted=pyvrp_coverage(problem),
    )


def schedule_route(problem: RoutingProblem, vehicle: int, nodes: Sequence[int]) -> VehicleRoute:
    """Visits of ``vehicle`` along ``nodes`` (start..end) with earliest service start times.

    The vehicle leaves empty and the load is the running sum of ``node_demand``
    (the convention of :func:`agrichain.routing.check.check_solution`).
    """
    load = 0
    visits: list[Visit] = []
    t = max(int(problem.vehicle_tw_start[vehicle]), int(problem.node_tw_start[nodes[0]]))
    dist = 0
    prev: int | None = None
    for node in nodes:
        if prev is None:
            arrival = t
        else:
            arrival = t + int(problem.node_service[prev]) + problem.node_duration(prev, node)
            dist += problem.node_distance(prev, node)
        start = max(arrival, int(problem.node_tw_start[node]))
        load += int(problem.node_demand[node])
        visits.append(
            Visit(
                node=node, arrival=arrival, start=start, load_after=load, distance_from_start=dist
            )
        )
        t = start
        prev = node
    return VehicleRoute(vehicle=vehicle, visits=tuple(visits))


def assemble_solution(
    problem: RoutingProblem,
    routes: Sequence[tuple[int, Sequence[int]]],
    wall_time_s: float,
    engine: str,
    stats: dict[str, float | int | str] | None = None,
    violated: bool = False,
) -> RoutingSolution:
    """A :class:`RoutingSolution` from (vehicle, customer nodes) routes; unrouted visits dropped.

    ``violated`` marks routes known to break a constraint: the status is then
    :attr:`SolveStatus.NO_SOLUTION` (the routes are kept, e.g. as a warm start).
    """
    out: list[VehicleRoute] = []
    routed: set[int] = set()
    for vehicle, customers in routes:
        if not customers:
            continue
        nodes = [
            int(problem.vehicle_start_node[vehicle]),
            *(int(c) for c in customers),
            int(problem.vehicle_end_node[vehicle]),
        ]
        out.append(schedule_route(problem, vehicle, nodes))
        routed.update(int(c) for c in customers)
    out.sort(key=lambda r: r.vehicle)
    dropped = tuple(int(i) for i in problem.visit_nodes() if int(i) not in routed)
    penalties = 0
    mandatory_dropped = False
    for i in dropped:
        pen = int(problem.node_drop_penalty[i])
        if pen == MANDATORY:
            mandatory_dropped = True
        else:
            penalties += pen
    if not problem.visit_nodes().size:
        status = SolveStatus.EMPTY
    elif mandatory_dropped or violated:
        status = SolveStatus.NO_SOLUTION
    elif dropped:
        status = SolveStatus.PARTIAL
    else:
        status = SolveStatus.FEASIBLE
    solution = RoutingSolution(
        routes=tuple(out),
        dropped=dropped,
        status=status,
        objective=0,
        wall_time_s=wall_time_s,
        engine=engine,
        stats=dict(stats or {}),
    )
    objective = solution.cost(problem) + penalties
    return RoutingSolution(
        routes=solution.routes,
        dropped=solution.dropped,
        status=status,
        objective=objective,
        wall_time_s=wall_time_s,
        engine=engine,
        stats=solution.stats,
    )


class _Deadline(StoppingCriterion):
    """Stops once ``time.monotonic()`` passes an absolute deadline."""

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline

    def __call__(self, best_cost: float) -> bool:
        return time.monotonic() >= self._deadline


def decode_solution(model: PyVRPModel, solution: Solution) -> list[tuple[int, list[int]]]:
    """(problem vehicle, customer nodes) routes of a PyVRP solution of ``model``."""
    free = [list(vs) for vs in model.type_vehicles]
    routes: list[tuple[int, list[int]]] = []
    for route in solution.routes():
        nodes: list[int] = []
        for act in route.schedule():
            if act.type == ActivityType.CLIENT:
                nodes.append(model.client_node[act.idx])
            elif act.type == ActivityType.PICKUP:
                nodes.append(model.shipment_nodes[act.idx][0])
            elif act.type == ActivityType.DELIVERY:
                nodes.append(model.shipment_nodes[act.idx][1])
        if not nodes:
            continue
        pool = free[route.vehicle_type()]
        if not pool:
            raise RuntimeError("PyVRP used more vehicles of a type than exist")
        routes.append((pool.pop(0), nodes))
    return routes


def encode_routes(model: PyVRPModel, routes: Sequence[tuple[int, Sequence[int]]]) -> Solution:
    """PyVRP ``Solution`` for (vehicle, customer nodes) routes of the same problem."""
    pv_routes = []
    for vehicle, customers in routes:
        if not customers:
            continue
        acts = [Activity(*model.node_activity[int(c)]) for c in customers]
        pv_routes.append(Route(model.data, acts, model.vehicle_type[vehicle]))
    return Solution(model.data, pv_routes)


def iteration_budget(params: SolveParams) -> int | None:
    """ILS iterations for ``params`` (None: only the clock stops the search)."""
    if params.solution_limit is None:
        return None
    return max(1, int(params.solution_limit)) * ITERATIONS_PER_SOLUTION


def solve_pyvrp(
    problem: RoutingProblem,
    params: SolveParams,
    initial_routes: Sequence[tuple[int, Sequence[int]]] | None = None,
    *,
    max_iterations: int | None = None,
) -> RoutingSolution:
    """Solve ``problem`` with PyVRP within ``params.time_limit_s`` (total wall time).

    Constraints PyVRP cannot model (see :func:`pyvrp_coverage`) are not
    enforced; ``stats["omitted"]`` lists them and a result that breaks one gets
    status :attr:`SolveStatus.NO_SOLUTION` (its routes are kept). So does a
    result PyVRP itself deems infeasible. ``initial_routes`` ((vehicle, visit
    nodes) pairs) warm-start the search; ``max_iterations`` overrides the
    iteration budget derived from ``params.solution_limit``.
    """
    t0 = time.monotonic()
    deadline = t0 + max(0.0, params.time_limit_s - TIME_MARGIN_S)
    if not problem.visit_nodes().size:
        return assemble_solution(problem, [], time.monotonic() - t0, ENGINE_NAME)
    model = build_pyvrp_model(problem)
    criteria: list[StoppingCriterion] = [_Deadline(deadline)]
    iters = max_iterations if max_iterations is not None else iteration_budget(params)
    if iters is not None:
        criteria.append(MaxIterations(iters))
    init = encode_routes(model, initial_routes) if initial_routes else None
    result = pyvrp_solve(
        model.data,
        MultipleCriteria(criteria),
        seed=int(params.seed),
        collect_stats=False,
        display=False,
        params=PyVRPSolveParams(),
        initial_solution=init,
    )
    best = result.best
    routes = decode_solution(model, best)
    stats: dict[str, float | int | str] = {
        "pyvrp_iterations": int(result.num_iterations),
        "pyvrp_feasible": int(best.is_feasible()),
        "pyvrp_cost": int(best.distance_cost() + best.fixed_vehicle_cost()),
        "omitted": ",".join(model.omitted),
    }
    solution = assemble_solution(
        problem,
        routes,
        time.monotonic() - t0,
        ENGINE_NAME,
        stats,
        violated=not best.is_feasible(),
    )
    if model.omitted and solution.status is not SolveStatus.NO_SOLUTION:
        # Feasible for PyVRP, but PyVRP did not see every constraint: check them all.
        violations = check_solution(problem, solution)
        if violations:
            stats["violations"] = len(violations)
            solution = replace(solution, status=SolveStatus.NO_SOLUTION, stats=stats)
    return solution
