"""Small pickup-delivery problems with cold chain and transit limits, shared by routing tests."""

from __future__ import annotations

import numpy as np

from agrichain.routing import MANDATORY, RoutingProblem, RoutingSolution, check_solution

HORIZON = 2_000


def cold_pdp(
    n_pairs: int, seed: int, n_vehicles: int = 5, n_cold_vehicles: int = 2
) -> RoutingProblem:
    """Pickup-delivery pairs to two hubs with transit limits; a third of them cold-chain
    (only vehicles 0..n_cold_vehicles-1 may carry them); every pair optional."""
    rng = np.random.default_rng(seed)
    depot = np.array([[50.0, 50.0]])
    hubs = np.array([[20.0, 50.0], [80.0, 50.0]])
    farms = rng.uniform(0, 100, (n_pairs, 2))
    hub_of = rng.integers(0, 2, n_pairs)
    # Node 0 depot; pickups 1..P; deliveries P+1..2P (each its own node at a hub location).
    xy = np.vstack([depot, farms, hubs[hub_of]])
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    n = 1 + 2 * n_pairs
    pickups = np.arange(1, n_pairs + 1)
    deliveries = pickups + n_pairs
    demand = np.zeros(n, dtype=np.int64)
    demand[pickups] = rng.integers(1, 8, n_pairs)
    demand[deliveries] = -demand[pickups]
    tw_start = np.zeros(n, dtype=np.int64)
    tw_end = np.full(n, HORIZON, dtype=np.int64)
    tw_start[pickups] = rng.integers(0, 400, n_pairs)
    tw_end[pickups] = tw_start[pickups] + 300
    cold = rng.random(n_pairs) < 0.35
    cold_vehicles = frozenset(range(n_cold_vehicles))
    allowed: list[frozenset[int] | None] = [None] * n
    for k in np.flatnonzero(cold):
        allowed[int(pickups[k])] = cold_vehicles
        allowed[int(deliveries[k])] = cold_vehicles
    max_transit = np.where(cold, 90, 200).astype(np.int64)
    penalty = np.full(n, 5_000, dtype=np.int64)
    penalty[0] = MANDATORY
    return RoutingProblem(
        distance=dist,
        duration=dist,
        node_location=np.arange(n),
        node_demand=demand,
        node_tw_start=tw_start,
        node_tw_end=tw_end,
        node_service=np.full(n, 5),
        node_drop_penalty=penalty,
        vehicle_start_node=np.zeros(n_vehicles, dtype=np.int64),
        vehicle_end_node=np.zeros(n_vehicles, dtype=np.int64),
        vehicle_capacity=np.full(n_vehicles, 20),
        vehicle_tw_start=np.zeros(n_vehicles, dtype=np.int64),
        vehicle_tw_end=np.full(n_vehicles, HORIZON),
        vehicle_fixed_cost=np.full(n_vehicles, 100),
        vehicle_distance_cost=np.ones(n_vehicles),
        pairs=np.column_stack([pickups, deliveries]),
        pair_max_transit=max_transit,
        node_allowed_vehicles=tuple(allowed),
    )


def routes(sol: RoutingSolution) -> list[tuple[int, tuple[int, ...], tuple[int, ...]]]:
    return [
        (r.vehicle, tuple(v.node for v in r.visits), tuple(v.start for v in r.visits))
        for r in sol.routes
    ]


def assert_constraints_hold(problem: RoutingProblem, sol: RoutingSolution) -> None:
    assert check_solution(problem, sol) == []
    # Independently of the checker: transit limits and vehicle restrictions.
    start_of = {v.node: (r.vehicle, v.start) for r in sol.routes for v in r.visits}
    for (p, d), limit in zip(
        problem.pairs.tolist(), problem.pair_max_transit.tolist(), strict=True
    ):
        if p in start_of:
            (vp, tp), (vd, td) = start_of[p], start_of[d]
            assert vp == vd and 0 <= td - tp <= limit
            assert problem.allowed(p, vp) and problem.allowed(d, vd)
        else:
            assert d not in start_of and p in sol.dropped and d in sol.dropped
