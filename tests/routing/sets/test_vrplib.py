"""Benchmark readers (Solomon, CVRPLIB X), BKS lookup and smoke solves on real instances.

Costs are recomputed here from the raw coordinates in the files, independently
of the readers: Solomon arcs are floor(10 * euclid) tenths, X arcs nint(euclid).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from agrichain.routing import SolveParams, SolveStatus, check_solution, solve
from agrichain.routing.sets.vrplib import (
    SOLOMON_SCALE,
    load_cvrplib,
    load_instance,
    load_solomon,
    lookup_bks,
    read_bks,
    read_sol_routes,
)

BENCH = Path(__file__).resolve().parents[4] / "shared" / "benchmarks"
C101 = BENCH / "solomon" / "C101.txt"
R101 = BENCH / "solomon" / "R101.txt"
X101 = BENCH / "cvrplib-x" / "X-n101-k25.vrp"

pytestmark = pytest.mark.skipif(
    not C101.is_file() or not X101.is_file(),
    reason=f"shared benchmark files not found under {BENCH} (expected ../shared next to the repo)",
)

# Reproducible and quick: the iteration/solution limit ends the search, not the clock.
SMOKE = SolveParams(time_limit_s=30.0, solution_limit=5, seed=3, engine="portfolio")


def raw_solomon(path: Path) -> list[tuple[float, float, float, float, float, float]]:
    """(x, y, demand, ready, due, service) per row, straight from the file."""
    rows = []
    for line in path.read_text().splitlines():
        toks = line.split()
        if len(toks) == 7 and all(t.lstrip("-").isdigit() for t in toks):
            rows.append(tuple(float(t) for t in toks[1:]))
    return rows  # type: ignore[return-value]


def raw_vrp_coords(path: Path) -> dict[int, tuple[float, float]]:
    coords: dict[int, tuple[float, float]] = {}
    section = None
    for line in path.read_text().splitlines():
        toks = line.split()
        if not toks:
            continue
        if toks[0].endswith("_SECTION"):
            section = toks[0]
        elif section == "NODE_COORD_SECTION" and len(toks) == 3:
            coords[int(toks[0])] = (float(toks[1]), float(toks[2]))
    return coords


def solomon_tenths(rows: list[tuple[float, ...]], routes: list[list[int]]) -> int:
    total = 0
    for route in routes:
        nodes = [0, *route, 0]
        for a, b in itertools.pairwise(nodes):
            (xa, ya), (xb, yb) = rows[a][:2], rows[b][:2]
            total += math.floor(10 * math.hypot(xa - xb, ya - yb))
    return total


def x_cost(coords: dict[int, tuple[float, float]], routes: list[list[int]]) -> int:
    # Customer c of a solution is file node c + 1; the depot is file node 1.
    total = 0
    for route in routes:
        nodes = [1, *(c + 1 for c in route), 1]
        for a, b in itertools.pairwise(nodes):
            (xa, ya), (xb, yb) = coords[a], coords[b]
            total += int(math.hypot(xa - xb, ya - yb) + 0.5)
    return total


def test_solomon_reader_matches_the_file() -> None:
    rows = raw_solomon(C101)
    problem = load_solomon(C101)
    assert problem.num_nodes == len(rows) == 101
    assert problem.num_vehicles == 25 and problem.max_vehicles == 25
    assert set(problem.vehicle_capacity.tolist()) == {200}
    for i in (1, 37, 100):
        x, y, demand, ready, due, service = rows[i]
        assert problem.node_demand[i] == demand
        assert problem.node_tw_start[i] == ready * SOLOMON_SCALE
        assert problem.node_tw_end[i] == due * SOLOMON_SCALE
        assert problem.node_service[i] == service * SOLOMON_SCALE
        (x0, y0) = rows[0][:2]
        assert problem.node_distance(0, i) == math.floor(10 * math.hypot(x - x0, y - y0))
    assert problem.vehicle_tw_end[0] == rows[0][4] * SOLOMON_SCALE


def test_solomon_bks_routes_reproduce_bks_and_are_feasible() -> None:
    from agrichain.routing.engines.pyvrp_engine import assemble_solution

    bks = read_bks(C101.with_suffix(".sol"))
    assert bks == pytest.approx(827.3)
    assert lookup_bks("C101", BENCH / "bks.csv") == pytest.approx(827.3)
    routes = read_sol_routes(C101.with_suffix(".sol"))
    assert solomon_tenths(raw_solomon(C101), routes) == round(bks * SOLOMON_SCALE)
    problem = load_solomon(C101)
    sol = assemble_solution(problem, list(enumerate(routes)), 0.0, "bks")
    assert check_solution(problem, sol) == []
    assert sol.cost(problem) == round(bks * SOLOMON_SCALE)


def test_cvrplib_reader_and_bks() -> None:
    problem = load_cvrplib(X101)
    coords = raw_vrp_coords(X101)
    assert problem.num_nodes == len(coords) == 101
    assert set(problem.vehicle_capacity.tolist()) == {206}
    # Enough vehicles for an unlimited fleet: at least the BKS's 26 routes.
    routes = read_sol_routes(X101.with_suffix(".sol"))
    assert problem.num_vehicles >= len(routes) and problem.max_vehicles is None
    bks = read_bks(X101.with_suffix(".sol"))
    assert bks == 27591
    assert x_cost(coords, routes) == bks
    inst = load_instance(X101)
    assert inst.kind == "cvrplib" and inst.cost_scale == 1 and inst.bks == bks


def test_load_instance_truncates_solomon() -> None:
    inst = load_instance(R101, num_customers=25)
    assert inst.kind == "solomon" and inst.problem.num_nodes == 26 and inst.bks is None


def test_c101_solves_feasibly_with_recomputed_cost() -> None:
    problem = load_solomon(C101)
    sol = solve(problem, SMOKE)
    assert sol.status is SolveStatus.FEASIBLE and not sol.dropped
    assert check_solution(problem, sol) == []
    routes = [r.customer_nodes() for r in sol.routes if r.customer_nodes()]
    assert sorted(n for r in routes for n in r) == list(range(1, 101))
    cost = solomon_tenths(raw_solomon(C101), routes)
    assert cost == sol.cost(problem) == sol.objective
    assert cost <= 1.05 * 8273  # within 5 % of the best known 827.3


def test_x101_solves_feasibly_with_recomputed_cost() -> None:
    problem = load_cvrplib(X101)
    sol = solve(problem, SMOKE)
    assert sol.status is SolveStatus.FEASIBLE
    assert check_solution(problem, sol) == []
    routes = [r.customer_nodes() for r in sol.routes if r.customer_nodes()]
    assert sorted(n for r in routes for n in r) == list(range(1, 101))
    demand = {i: int(problem.node_demand[i]) for i in range(101)}
    assert all(sum(demand[n] for n in r) <= 206 for r in routes)
    cost = x_cost(raw_vrp_coords(X101), routes)
    assert cost == sol.cost(problem)
    assert cost <= 1.05 * 27591
