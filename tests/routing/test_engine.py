"""OR-Tools engine, dispatcher and independent checker on tiny hand-made problems."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from agrichain.routing import (
    MANDATORY,
    NO_LIMIT,
    RoutingProblem,
    RoutingSolution,
    SolveParams,
    SolveStatus,
    check_solution,
    recompute_distance,
    solve,
)
from agrichain.routing.engines.ortools_engine import first_solution_strategy, solve_ortools
from agrichain.routing.servable import unservable_reasons

FAST = SolveParams(time_limit_s=5.0, solution_limit=50)
# Guided local search on a tiny problem with optional visits may never produce 50 solutions
# (it runs to the time limit); such tests use a short limit, their optimum is found at once.
SHORT = SolveParams(time_limit_s=0.5, solution_limit=50)
HORIZON = 10_000


def euclid(coords: Sequence[tuple[float, float]]) -> np.ndarray:
    xy = np.asarray(coords, dtype=float)
    return np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)


def make_problem(
    coords: Sequence[tuple[float, float]],
    *,
    n_vehicles: int = 1,
    demand: list[int] | None = None,
    capacity: int = 100,
    tw: list[tuple[int, int]] | None = None,
    service: int = 0,
    penalty: list[int] | None = None,
    starts: list[int] | None = None,
    ends: list[int] | None = None,
    **extra: Any,
) -> RoutingProblem:
    """One node per location; node 0 is every vehicle's depot unless starts/ends say otherwise."""
    n = len(coords)
    d = euclid(coords)
    starts = starts if starts is not None else [0] * n_vehicles
    ends = ends if ends is not None else starts
    windows = np.array(tw if tw is not None else [(0, HORIZON)] * n, dtype=np.int64).reshape(n, 2)
    return RoutingProblem(
        distance=d,
        duration=d,
        node_location=np.arange(n),
        node_demand=np.array(demand if demand is not None else [0] * n),
        node_tw_start=windows[:, 0],
        node_tw_end=windows[:, 1],
        node_service=np.full(n, service),
        node_drop_penalty=np.array(penalty if penalty is not None else [MANDATORY] * n),
        vehicle_start_node=np.array(starts),
        vehicle_end_node=np.array(ends),
        vehicle_capacity=np.full(len(starts), capacity),
        vehicle_tw_start=np.zeros(len(starts), dtype=np.int64),
        vehicle_tw_end=np.full(len(starts), HORIZON),
        vehicle_fixed_cost=np.zeros(len(starts), dtype=np.int64),
        vehicle_distance_cost=np.ones(len(starts)),
        **extra,
    )


def solved(problem: RoutingProblem, params: SolveParams = FAST) -> RoutingSolution:
    sol = solve(problem, params)
    assert check_solution(problem, sol) == []
    assert recompute_distance(problem, sol) == sol.total_distance()
    return sol


def routes_of(sol: RoutingSolution) -> dict[int, list[int]]:
    return {r.vehicle: r.customer_nodes() for r in sol.routes}


def test_capacity_forces_two_vehicles() -> None:
    p = make_problem(
        [(0, 0), (10, 0), (0, 10), (-10, 0), (0, -10)],
        n_vehicles=3,
        demand=[0, 6, 6, 6, 6],
        capacity=12,
    )
    sol = solved(p)
    assert sol.status is SolveStatus.FEASIBLE
    assert sol.num_vehicles_used() == 2
    assert all(r.visits[-1].load_after == 12 for r in sol.routes)
    assert sol.objective == sol.cost(p)


def test_time_window_forces_order() -> None:
    # Geometry alone prefers 0-1-2-3-0 or its mirror; node 3 must be served first.
    coords = [(0, 0), (10, 0), (10, 10), (0, 10)]
    tw = [(0, HORIZON), (0, HORIZON), (0, HORIZON), (0, 12)]
    sol = solved(make_problem(coords, tw=tw))
    assert sol.status is SolveStatus.FEASIBLE
    assert routes_of(sol)[0] == [3, 2, 1]
    first = sol.routes[0].visits[1]
    assert first.node == 3 and first.arrival == 10 and first.start == 10


def test_waiting_at_window_start() -> None:
    sol = solved(make_problem([(0, 0), (5, 0)], tw=[(0, HORIZON), (100, 200)], service=7))
    visit = sol.routes[0].visits[1]
    assert (visit.arrival, visit.start) == (
        7 + 5,
        100,
    )  # service applies at the depot too
    assert sol.routes[0].visits[2].arrival == 100 + 7 + 5


def pdp_problem(max_transit: int) -> RoutingProblem:
    # Pickup 1 -> delivery 2, pickup 3 -> delivery 4 (3 far away from 2).
    coords = [(0, 0), (10, 0), (20, 0), (10, 50), (10, 60)]
    return make_problem(
        coords,
        n_vehicles=1,
        demand=[0, 5, -5, 5, -5],
        capacity=10,
        pairs=np.array([[1, 2], [3, 4]]),
        pair_max_transit=np.array([max_transit, NO_LIMIT]),
    )


def test_pickup_delivery_max_transit_excludes_detour() -> None:
    free = solved(pdp_problem(NO_LIMIT))
    tight = solved(pdp_problem(15))
    for sol in (free, tight):
        assert sol.status is SolveStatus.FEASIBLE
        nodes = routes_of(sol)[0]
        assert nodes.index(1) < nodes.index(2) and nodes.index(3) < nodes.index(4)
    visits = {v.node: v for v in tight.routes[0].visits}
    assert visits[2].start - visits[1].start <= 15
    nodes = routes_of(tight)[0]
    assert nodes.index(2) == nodes.index(1) + 1  # no detour to 3/4 while carrying pair 1


def test_pair_with_impossible_transit_is_dropped_together() -> None:
    # Delivery 2 is 100 away from pickup 1 but must follow within 50: optional pair is dropped.
    p = make_problem(
        [(0, 0), (0, 0), (100, 0)],
        demand=[0, 1, -1],
        penalty=[MANDATORY, 1000, 1000],
        pairs=np.array([[1, 2]]),
        pair_max_transit=np.array([50]),
    )
    sol = solved(p)
    assert sol.status is SolveStatus.PARTIAL
    assert sorted(sol.dropped) == [1, 2]
    assert sol.objective == 2000


def test_node_allowed_only_for_vehicle_1() -> None:
    coords = [(0, 0), (1, 0), (2, 0), (3, 0)]
    allowed = (None, None, frozenset({1}), None)
    p = make_problem(coords, n_vehicles=2, node_allowed_vehicles=allowed)
    sol = solved(p)
    assert sol.status is SolveStatus.FEASIBLE
    assert 2 in routes_of(sol)[1]


def test_unreachable_optional_node_dropped_mandatory_gives_no_solution() -> None:
    coords = [(0, 0), (10, 0), (5000, 0)]
    tw = [
        (0, 1000),
        (0, 1000),
        (0, 1000),
    ]  # node 2 is 5000 away: cannot be reached in time
    optional = make_problem(coords, tw=tw, penalty=[MANDATORY, MANDATORY, 77])
    sol = solved(optional)
    assert sol.status is SolveStatus.PARTIAL
    assert sol.dropped == (2,)
    assert routes_of(sol)[0] == [1]
    assert sol.objective == 20 + 77

    mandatory = make_problem(coords, tw=tw)
    bad = solve(mandatory, FAST)
    assert bad.status is SolveStatus.NO_SOLUTION
    assert bad.routes == () and sorted(bad.dropped) == [1, 2]
    assert not bad.is_feasible()
    assert "mandatory node 2 is dropped" in check_solution(mandatory, bad)


def test_mandatory_node_no_vehicle_allowed_gives_no_solution() -> None:
    p = make_problem([(0, 0), (1, 0)], node_allowed_vehicles=(None, frozenset()))
    assert solve(p, FAST).status is SolveStatus.NO_SOLUTION


def test_two_depots_each_vehicle_serves_its_neighbourhood() -> None:
    # Depots 0 and 1 far apart, two customers near each.
    coords = [(0, 0), (1000, 0), (5, 0), (0, 5), (1005, 0), (1000, 5)]
    p = make_problem(coords, n_vehicles=2, starts=[0, 1])
    sol = solved(p)
    assert sol.status is SolveStatus.FEASIBLE
    r = routes_of(sol)
    assert sorted(r[0]) == [2, 3] and sorted(r[1]) == [4, 5]
    assert sol.total_distance() == 2 * (5 + 7 + 5)


def test_open_route_with_different_end_and_shared_start() -> None:
    coords = [(0, 0), (100, 0), (50, 0), (50, 1)]
    p = make_problem(
        coords,
        n_vehicles=2,
        starts=[0, 0],
        ends=[1, 1],
        demand=[0, 0, 1, 1],
        capacity=1,
    )
    sol = solved(p)
    assert sol.num_vehicles_used() == 2
    assert all(r.visits[-1].node == 1 for r in sol.routes)


def test_max_vehicles_limits_the_fleet() -> None:
    coords = [(0, 0), (100, 0), (-100, 0), (0, 100)]
    base = make_problem(
        coords,
        n_vehicles=3,
        penalty=[MANDATORY, 10**6, 10**6, 10**6],
        demand=[0, 1, 1, 1],
        capacity=1,
    )
    assert solved(base).num_vehicles_used() == 3
    limited = dataclasses.replace(base, max_vehicles=2)
    sol = solved(limited)
    assert sol.num_vehicles_used() == 2 and len(sol.dropped) == 1


def test_fixed_costs_and_cost_coefficients_in_objective() -> None:
    p = dataclasses.replace(
        make_problem([(0, 0), (10, 0), (0, 10)], n_vehicles=2),
        vehicle_fixed_cost=np.array([500, 0]),
        vehicle_distance_cost=np.array([1.0, 2.5]),
    )
    sol = solved(p)
    # Vehicle 1 costs 2.5 * 34 = 85 < 500 + 34: one route on vehicle 1.
    assert [r.vehicle for r in sol.routes] == [1]
    assert sol.objective == sol.cost(p) == round(2.5 * 10) + round(2.5 * 14) + round(2.5 * 10)


def test_vehicle_whose_shift_cannot_fit_is_ignored() -> None:
    p = dataclasses.replace(
        make_problem([(0, 0), (10, 0), (1000, 0)], n_vehicles=2, starts=[0, 0], ends=[2, 0]),
        vehicle_tw_end=np.array([50, HORIZON]),
    )
    sol = solved(p)
    assert sol.status is SolveStatus.FEASIBLE and [r.vehicle for r in sol.routes] == [1]


def test_empty_problem() -> None:
    sol = solve(make_problem([(0, 0)]), FAST)
    assert sol.status is SolveStatus.EMPTY and sol.is_feasible() and sol.routes == ()


def random_cvrptw(n: int, seed: int) -> RoutingProblem:
    rng = np.random.default_rng(seed)
    coords = [(50.0, 50.0)] + [tuple(xy) for xy in rng.uniform(0, 100, (n, 2))]
    open_ = rng.integers(0, 300, n + 1)
    open_[0] = 0
    close = open_ + rng.integers(60, 200, n + 1)
    close[0] = 1000
    demand = np.concatenate([[0], rng.integers(1, 10, n)])
    return make_problem(
        coords,
        n_vehicles=8,
        demand=demand.tolist(),
        capacity=40,
        tw=list(zip(open_.tolist(), close.tolist(), strict=True)),
        service=5,
        penalty=[MANDATORY] + [10_000] * n,
    )


def test_same_params_and_solution_limit_give_identical_routes() -> None:
    p = random_cvrptw(40, seed=3)
    params = SolveParams(time_limit_s=20.0, solution_limit=30)
    a, b = solved(p, params), solved(p, params)
    assert [(r.vehicle, r.visits) for r in a.routes] == [(r.vehicle, r.visits) for r in b.routes]
    assert a.objective == b.objective and a.dropped == b.dropped


def test_initial_routes_are_used_and_bad_ones_fall_back() -> None:
    p = random_cvrptw(15, seed=1)
    first = solved(p)
    init: list[list[int]] = [[] for _ in range(p.num_vehicles)]
    for r in first.routes:
        init[r.vehicle] = r.customer_nodes()
    params = SolveParams(time_limit_s=5.0, solution_limit=1)
    warm = solve_ortools(p, params, initial_routes=init)
    assert warm.stats["initial_routes"] == "accepted"
    assert check_solution(p, warm) == []
    assert warm.objective <= first.objective
    broken = [[1, 1]] + [[] for _ in range(p.num_vehicles - 1)]  # node 1 twice: not a solution
    cold = solve_ortools(p, params, initial_routes=broken)
    assert cold.stats["initial_routes"] == "rejected"
    assert check_solution(p, cold) == []
    with pytest.raises(ValueError):
        solve_ortools(p, params, initial_routes=[[0]])  # the depot is not a visit node


def test_unknown_engine_rejected() -> None:
    with pytest.raises(ValueError, match="unknown routing engine"):
        solve(make_problem([(0, 0), (1, 1)]), SolveParams(engine="nope"))


def corrupt(sol: RoutingSolution, **changes: Any) -> RoutingSolution:
    return dataclasses.replace(sol, **changes)


def test_checker_detects_corruptions() -> None:
    p = pdp_problem(15)
    sol = solved(p)
    route = sol.routes[0]
    visits = list(route.visits)

    def with_visits(new: list[Any]) -> RoutingSolution:
        return corrupt(sol, routes=(dataclasses.replace(route, visits=tuple(new)),))

    def violations(bad: RoutingSolution) -> str:
        found = check_solution(p, bad)
        assert found, "corruption not detected"
        return " | ".join(found)

    # A delivery moved before its pickup (loads/arrivals then also disagree).
    i1 = next(k for k, v in enumerate(visits) if v.node == 1)
    i2 = next(k for k, v in enumerate(visits) if v.node == 2)
    swapped = visits.copy()
    swapped[i1], swapped[i2] = swapped[i2], swapped[i1]
    assert "delivery before pickup" in violations(with_visits(swapped))
    # A node silently missing.
    assert "neither routed nor dropped" in violations(
        with_visits([v for v in visits if v.node not in (3, 4)])
    )
    # Dropped but mandatory.
    assert "mandatory node 3 is dropped" in violations(
        corrupt(
            sol,
            routes=(
                dataclasses.replace(route, visits=tuple(v for v in visits if v.node not in (3, 4))),
            ),
            dropped=(3, 4),
        )
    )
    # Service started late beyond the transit limit.
    late = [dataclasses.replace(v, start=v.start + 100) if v.node == 2 else v for v in visits]
    assert "limit 15" in violations(with_visits(late))
    # A reported arrival inconsistent with travel times.
    assert "recomputed" in violations(
        with_visits(
            [dataclasses.replace(v, arrival=v.arrival - 1) if v.node == 2 else v for v in visits]
        )
    )
    # A duplicated visit.
    assert "more than once" in violations(with_visits([*visits[:-1], visits[1], visits[-1]]))
    assert "status is feasible" in violations(corrupt(sol, dropped=(3, 4), routes=()))

    # Capacity and time-window violations on another problem.
    cap = make_problem(
        [(0, 0), (1, 0), (2, 0)],
        demand=[0, 6, 6],
        capacity=12,
        tw=[(0, HORIZON), (0, HORIZON), (0, 3)],
    )
    csol = solved(cap)
    tight = dataclasses.replace(cap, vehicle_capacity=np.array([11]))
    assert any("outside [0, 11]" in m for m in check_solution(tight, csol))
    late_window = dataclasses.replace(cap, node_tw_end=np.array([HORIZON, HORIZON, 1]))
    assert any("after the window end" in m for m in check_solution(late_window, csol))
    not_allowed = dataclasses.replace(cap, node_allowed_vehicles=(None, frozenset({5}), None))
    assert any("not allowed" in m for m in check_solution(not_allowed, csol))
    fleet = make_problem([(0, 0), (1, 0), (2, 0)], n_vehicles=2, demand=[0, 1, 1], capacity=1)
    fsol = solved(fleet)
    assert any(
        "at most 1" in m for m in check_solution(dataclasses.replace(fleet, max_vehicles=1), fsol)
    )


def test_unservable_reasons_name_the_cause_and_engine_drops_them() -> None:
    coords = [(0, 0), (1, 0), (2, 0), (3000, 0), (0, 0), (100, 0), (4, 0)]
    p = make_problem(
        coords,
        demand=[0, 1, 50, 1, 1, -1, 1],
        capacity=10,
        tw=[(0, 1000)] * 7,
        penalty=[MANDATORY, 10, 20, 30, 40, 50, 60],
        node_allowed_vehicles=(None, frozenset(), None, None, None, None, None),
        pairs=np.array([[4, 5]]),
        pair_max_transit=np.array([50]),
    )
    reasons = unservable_reasons(p)
    assert sorted(reasons) == [1, 2, 3, 4, 5]
    assert "allowed" in reasons[1]
    assert "capacity" in reasons[2]
    assert "time window" in reasons[3]
    assert "transit limit" in reasons[4] and reasons[4] == reasons[5]
    sol = solved(p, SHORT)
    assert sol.status is SolveStatus.PARTIAL
    assert routes_of(sol)[0] == [6] and sorted(sol.dropped) == [1, 2, 3, 4, 5]
    assert sol.objective == 8 + 10 + 20 + 30 + 40 + 50
    hard = solve(dataclasses.replace(p, node_drop_penalty=np.array([MANDATORY] * 7)), FAST)
    assert hard.status is SolveStatus.NO_SOLUTION
    assert str(hard.stats["reason"]).startswith("mandatory node 1 cannot be served")


def test_pair_partner_reason_and_no_usable_vehicle() -> None:
    p = make_problem(
        [(0, 0), (1, 0), (2, 0)],
        demand=[0, 20, -20],
        capacity=10,
        penalty=[MANDATORY, 5, 5],
        pairs=np.array([[1, 2]]),
        pair_max_transit=np.array([NO_LIMIT]),
    )
    reasons = unservable_reasons(p)
    assert "capacity" in reasons[1] and "capacity" in reasons[2]
    # The depot closes (10) before the shift starts (20): the vehicle cannot leave.
    idle = dataclasses.replace(
        p,
        node_tw_end=np.array([10, HORIZON, HORIZON]),
        vehicle_tw_start=np.array([20]),
        vehicle_tw_end=np.array([30]),
    )
    assert set(unservable_reasons(idle).values()) == {"no vehicle can work within its shift"}
    sol = solved(idle)
    assert sol.status is SolveStatus.PARTIAL and sol.objective == 10 and sol.routes == ()


def test_first_solution_strategy_by_size_and_override() -> None:
    assert first_solution_strategy(100, 100, 10.0) == "PARALLEL_CHEAPEST_INSERTION"
    assert first_solution_strategy(1200, 0, 30.0) == "PARALLEL_CHEAPEST_INSERTION"
    assert first_solution_strategy(1200, 1200, 30.0) == "LOCAL_CHEAPEST_INSERTION"
    p = random_cvrptw(20, seed=2)
    params = SolveParams(time_limit_s=5.0, solution_limit=5)
    lci = solve_ortools(p, params, first_solution="LOCAL_CHEAPEST_INSERTION")
    assert lci.stats["first_solution_strategy"] == "LOCAL_CHEAPEST_INSERTION"
    assert check_solution(p, lci) == []
    with pytest.raises(ValueError, match="first solution strategy"):
        solve_ortools(p, params, first_solution="NO_SUCH_STRATEGY")
