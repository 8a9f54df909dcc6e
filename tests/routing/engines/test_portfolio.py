"""PyVRP engine and the PyVRP → OR-Tools portfolio on small problems (limits, not clocks)."""

from __future__ import annotations

from pathlib import Path

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
    solve,
)
from agrichain.routing.engines.portfolio import solve_portfolio
from agrichain.routing.engines.pyvrp_engine import (
    ITERATIONS_PER_SOLUTION,
    iteration_budget,
    solve_pyvrp,
)
from agrichain.routing.engines.pyvrp_problem import build_pyvrp_problem, pyvrp_coverage

BENCH = Path(__file__).resolve().parents[4] / "shared" / "benchmarks"
R101 = BENCH / "solomon" / "R101.txt"
FAST = SolveParams(time_limit_s=30.0, solution_limit=4, seed=11)


def pdp_problem(
    n_pairs: int = 10,
    *,
    max_transit: int = NO_LIMIT,
    cold_pairs: int = 0,
    seed: int = 0,
) -> RoutingProblem:
    """Pickups at farms delivered to one of two hubs; three vehicles, vehicle 0 at hub 1.

    Node 0/1: hub 0/1 (vehicle starts/ends); then per pair a pickup node at its
    farm and a delivery node at its hub. The first ``cold_pairs`` pairs may only
    be carried by vehicle 2.
    """
    rng = np.random.default_rng(seed)
    hubs = np.array([[0.0, 0.0], [60.0, 0.0]])
    farms = rng.uniform([-40, -40], [100, 40], size=(n_pairs, 2))
    xy = np.vstack([hubs, farms])
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    hub_of = rng.integers(0, 2, size=n_pairs)
    node_location = [0, 1]
    demand = [0, 0]
    tw = [(0, 1000), (0, 1000)]
    pairs = []
    for k in range(n_pairs):
        q = int(rng.integers(5, 20))
        open_ = int(rng.integers(0, 300))
        node_location += [2 + k, int(hub_of[k])]
        demand += [q, -q]
        tw += [(open_, open_ + 200), (0, 1000)]
        pairs.append((len(demand) - 2, len(demand) - 1))
    n = len(demand)
    windows = np.array(tw)
    allowed: tuple[frozenset[int] | None, ...] = ()
    if cold_pairs:
        lst: list[frozenset[int] | None] = [None] * n
        for p, d in pairs[:cold_pairs]:
            lst[p] = lst[d] = frozenset({2})
        allowed = tuple(lst)
    return RoutingProblem(
        distance=dist,
        duration=dist,
        node_location=np.array(node_location),
        node_demand=np.array(demand),
        node_tw_start=windows[:, 0],
        node_tw_end=windows[:, 1],
        node_service=np.array([0, 0] + [5] * (n - 2)),
        node_drop_penalty=np.full(n, MANDATORY),
        vehicle_start_node=np.array([1, 0, 0]),
        vehicle_end_node=np.array([1, 0, 0]),
        vehicle_capacity=np.array([40, 40, 30]),
        vehicle_tw_start=np.zeros(3, dtype=np.int64),
        vehicle_tw_end=np.full(3, 1000),
        vehicle_fixed_cost=np.array([100, 100, 150]),
        vehicle_distance_cost=np.array([1.0, 1.0, 1.5]),
        pairs=np.array(pairs),
        pair_max_transit=np.full(n_pairs, max_transit),
        node_allowed_vehicles=allowed,
        name="pdp",
    )


def routes_of(sol: RoutingSolution) -> list[tuple[int, list[int]]]:
    return [(r.vehicle, r.customer_nodes()) for r in sol.routes]


def transit_times(problem: RoutingProblem, sol: RoutingSolution) -> list[int]:
    start = {v.node: v.start for r in sol.routes for v in r.visits}
    return [start[d] - start[p] for p, d in problem.pairs.tolist()]


def test_coverage_names_what_pyvrp_cannot_express() -> None:
    assert pyvrp_coverage(pdp_problem(cold_pairs=2)) == ()
    assert pyvrp_coverage(pdp_problem(max_transit=60)) == ("pair_max_transit",)


def test_pyvrp_problem_has_shipments_types_and_a_profile_per_cost_and_compatibility() -> None:
    problem = pdp_problem(n_pairs=6, cold_pairs=2)
    pyvrp = build_pyvrp_problem(problem)
    assert pyvrp.data.num_shipments == 6 and pyvrp.data.num_clients == 0
    assert pyvrp.data.num_depots == 2
    # Vehicle 0 (hub 1) and vehicle 1 (hub 0) differ only in depot: two types, one profile
    # (cost 1.0, cold nodes forbidden); vehicle 2 (cost 1.5, may carry all) has its own.
    assert pyvrp.data.num_vehicle_types == 3
    assert pyvrp.data.num_profiles == 2


def test_pyvrp_engine_respects_pairs_compatibility_and_costs() -> None:
    problem = pdp_problem(n_pairs=10, cold_pairs=3, seed=2)
    sol = solve_pyvrp(problem, FAST)
    assert sol.status is SolveStatus.FEASIBLE
    assert check_solution(problem, sol) == []
    for p, d in problem.pairs[:3].tolist():
        carriers = {
            r.vehicle for r in sol.routes if p in r.customer_nodes() or d in r.customer_nodes()
        }
        assert carriers == {2}
    fixed = sum(int(problem.vehicle_fixed_cost[r.vehicle]) for r in sol.routes)
    arcs = sum(
        round(
            problem.node_distance(a.node, b.node) * float(problem.vehicle_distance_cost[r.vehicle])
        )
        for r in sol.routes
        for a, b in zip(r.visits, r.visits[1:], strict=False)
    )
    assert sol.objective == sol.cost(problem) == fixed + arcs


def test_portfolio_enforces_max_transit_that_pyvrp_omits() -> None:
    problem = pdp_problem(n_pairs=10, max_transit=120, cold_pairs=2, seed=0)
    relaxed = solve_pyvrp(problem, FAST)
    assert any("between pickup and delivery" in v for v in check_solution(problem, relaxed))
    sol = solve_portfolio(problem, FAST)
    assert sol.engine == "portfolio"
    assert sol.status is SolveStatus.FEASIBLE, sol.stats
    assert check_solution(problem, sol) == []
    assert max(transit_times(problem, sol)) <= 120
    assert sol.stats["omitted_by_pyvrp"] == "pair_max_transit"


def test_pyvrp_flags_what_it_omits_and_accepts_a_warm_start() -> None:
    problem = pdp_problem(n_pairs=10, max_transit=120, seed=0)
    relaxed = solve_pyvrp(problem, FAST)
    assert relaxed.status is SolveStatus.NO_SOLUTION and relaxed.routes
    assert relaxed.stats["omitted"] == "pair_max_transit"
    easy = pdp_problem(n_pairs=10, seed=0)
    first = solve_pyvrp(easy, SolveParams(time_limit_s=30.0, solution_limit=1, seed=2))
    warm = solve_pyvrp(easy, FAST, initial_routes=routes_of(first))
    assert check_solution(easy, warm) == []
    assert warm.objective <= first.objective


def test_portfolio_reports_a_provably_unservable_visit() -> None:
    # Transit limit 70 is shorter than some farm-to-hub drives: no solution exists.
    problem = pdp_problem(n_pairs=10, max_transit=70, seed=5)
    sol = solve_portfolio(problem, FAST)
    assert sol.status is SolveStatus.NO_SOLUTION and not sol.routes
    assert "cannot be served" in str(sol.stats["reason"])


def test_portfolio_drops_an_unprofitable_optional_visit() -> None:
    base = pdp_problem(n_pairs=4, seed=1)
    far = np.vstack([base.distance, np.full((1, base.distance.shape[1]), 5000)])
    far = np.hstack([far, np.append(far[:, -1:][:-1], 0).reshape(-1, 1)])
    n = base.num_nodes
    problem = RoutingProblem(
        distance=far,
        duration=far,
        node_location=np.append(base.node_location, far.shape[0] - 1),
        node_demand=np.append(base.node_demand, 1),
        node_tw_start=np.append(base.node_tw_start, 0),
        node_tw_end=np.append(base.node_tw_end, 100_000),
        node_service=np.append(base.node_service, 0),
        node_drop_penalty=np.append(base.node_drop_penalty, 50),
        vehicle_start_node=base.vehicle_start_node,
        vehicle_end_node=base.vehicle_end_node,
        vehicle_capacity=base.vehicle_capacity,
        vehicle_tw_start=base.vehicle_tw_start,
        vehicle_tw_end=base.vehicle_tw_end,
        vehicle_fixed_cost=base.vehicle_fixed_cost,
        vehicle_distance_cost=base.vehicle_distance_cost,
        pairs=base.pairs,
        pair_max_transit=base.pair_max_transit,
    )
    sol = solve(problem, SolveParams(time_limit_s=30.0, solution_limit=4, engine="portfolio"))
    assert sol.status is SolveStatus.PARTIAL and sol.dropped == (n,)
    assert check_solution(problem, sol) == []
    assert sol.objective == sol.cost(problem) + 50


def test_same_seed_and_limits_give_identical_routes() -> None:
    problem = pdp_problem(n_pairs=12, max_transit=120, seed=9)
    a = solve_portfolio(problem, FAST)
    b = solve_portfolio(problem, FAST)
    assert a.status is SolveStatus.FEASIBLE
    assert routes_of(a) == routes_of(b) and a.objective == b.objective
    c = solve_pyvrp(problem, FAST)
    d = solve_pyvrp(problem, FAST)
    assert routes_of(c) == routes_of(d)
    assert iteration_budget(FAST) == 4 * ITERATIONS_PER_SOLUTION
    assert c.stats["pyvrp_iterations"] <= iteration_budget(FAST)


@pytest.mark.skipif(not R101.is_file(), reason=f"shared benchmark {R101} not found")
def test_truncated_solomon_routes_are_feasible_and_reproducible() -> None:
    from agrichain.routing.sets.vrplib import load_solomon

    problem = load_solomon(R101, num_customers=25)
    params = SolveParams(time_limit_s=30.0, solution_limit=3, seed=4, engine="portfolio")
    a = solve(problem, params)
    b = solve(problem, params)
    assert a.status is SolveStatus.FEASIBLE
    assert check_solution(problem, a) == []
    assert a.num_vehicles_used() <= 25
    assert routes_of(a) == routes_of(b)


def test_second_worker_hedge_returns_a_valid_solution() -> None:
    problem = pdp_problem(n_pairs=8, max_transit=120, seed=4)
    params = SolveParams(time_limit_s=30.0, solution_limit=3, seed=1, num_workers=2)
    sol = solve_portfolio(problem, params)
    assert check_solution(problem, sol) == []
    assert sol.status is SolveStatus.FEASIBLE
    # The hedge outcome is always reported. Known issue: after tests/test_app*.py ran in the
    # same process the spawned worker dies (BrokenProcessPool); the portfolio then carries
    # on without it, which is what this test still checks.
    assert sol.stats["hedge"] == "ok" or str(sol.stats["hedge"]).startswith("failed")
    if sol.stats["hedge"] == "ok":
        assert any(key.startswith("hedge:") for key in sol.stats)
