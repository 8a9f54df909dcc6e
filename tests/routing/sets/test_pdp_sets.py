"""Cordeau DARP and Li & Lim PDPTW readers, the real-valued verifier and the bench on both sets.

The readers are checked against the worked examples of the data READMEs in
``../shared/benchmarks/{darp,pdptw}``; the verifier against tiny hand-made DARP
instances whose schedules are worked out by hand below.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from agrichain.bench.routing import PDP_COLUMNS, format_routing_table, run_routing_bench
from agrichain.bench.routing_sets import resolve_instances
from agrichain.routing.problem import NO_LIMIT
from agrichain.routing.sets.pdp_readers import (
    LILIM_VEHICLE_COST,
    load_pdp_instance,
    read_darp,
    read_lilim,
)
from agrichain.routing.sets.pdp_sets import SCALE, pdp_kind
from agrichain.routing.sets.pdp_verify import real_distance, verify_real

BENCH = Path(__file__).resolve().parents[4] / "shared" / "benchmarks"
A2_16 = BENCH / "darp" / "instances" / "a2-16.txt"
LC101 = BENCH / "pdptw" / "lc101.txt"

needs_bench = pytest.mark.skipif(
    not A2_16.is_file() or not LC101.is_file(),
    reason=f"shared benchmark files not found under {BENCH} (expected ../shared next to the repo)",
)


# ----------------------------------------------------------------------------- readers


@needs_bench
def test_read_darp_a2_16() -> None:
    inst = read_darp(A2_16)
    p = inst.problem
    assert (inst.kind, inst.num_vehicles, inst.num_requests, inst.capacity) == ("darp", 2, 16, 3)
    assert (inst.max_duration, inst.max_ride) == (480.0, 30.0)
    assert p.num_nodes == 34 and p.num_vehicles == 2
    assert p.pairs.tolist() == [[i, 16 + i] for i in range(1, 17)]
    assert set(p.vehicle_start_node.tolist()) == {0} and set(p.vehicle_end_node.tolist()) == {33}
    assert p.visit_nodes().tolist() == list(range(1, 33))
    assert p.node_demand[1] == 1 and p.node_demand[17] == -1 and p.node_demand[33] == 0
    # Depot windows [0, T] are the shift; the route duration T is then implied exactly.
    assert p.vehicle_tw_start.tolist() == [0, 0] and p.vehicle_tw_end.tolist() == [480_000] * 2
    assert (p.node_tw_start[17], p.node_tw_end[17]) == (402_000, 417_000)
    assert p.node_service[1] == 3_000 and p.vehicle_fixed_cost.tolist() == [0, 0]
    assert all(pen > 0 for pen in p.node_drop_penalty[1:33])  # optional, prohibitive
    assert inst.bks == pytest.approx(294.2480) and inst.proven_optimal


@needs_bench
def test_darp_worked_example_request_1() -> None:
    inst = read_darp(A2_16)
    p = inst.problem
    real = math.hypot(-1.198 - 6.687, -5.164 - 6.731)
    assert real == pytest.approx(14.271, abs=5e-4)
    assert p.distance[1, 17] == math.ceil(SCALE * real) == 14_272  # rounded up
    assert p.duration[1, 17] == 14_272
    # Ride time counts from the end of pickup service: limit L + s between service starts.
    assert p.pair_max_transit[0] == SCALE * (30 + 3) == 33_000
    # README: with service at 17 at 402, service at 1 starts in [369, 384.729].
    assert 402 - p.pair_max_transit[0] / SCALE == 369
    assert 402 - (p.node_service[1] + p.duration[1, 17]) / SCALE == pytest.approx(384.728)


@needs_bench
def test_read_lilim_lc101() -> None:
    inst = read_lilim(LC101)
    p = inst.problem
    assert (inst.kind, inst.num_vehicles, inst.capacity) == ("lilim", 25, 200)
    assert p.num_nodes == 107 and inst.num_requests == 53 and p.num_vehicles == 25
    pairs = {tuple(pair) for pair in p.pairs.tolist()}
    assert (11, 1) in pairs and (3, 75) in pairs  # task 1 is the delivery of pickup 11
    assert sorted(n for pair in pairs for n in pair) == list(range(1, 107))
    assert all(p.node_demand[a] > 0 and p.node_demand[a] == -p.node_demand[b] for a, b in pairs)
    assert set(p.pair_max_transit.tolist()) == {NO_LIMIT}
    assert set(p.vehicle_start_node.tolist()) == {0} == set(p.vehicle_end_node.tolist())
    assert p.vehicle_tw_end[0] == 1_236_000 and p.node_tw_start[3] == 65_000
    assert p.vehicle_fixed_cost[0] == LILIM_VEHICLE_COST
    # depot -> 3 is sqrt(2^2 + 16^2) = 16.1245: distance rounded, time rounded up.
    assert p.distance[0, 3] == 16_125 and p.duration[0, 3] == 16_125
    assert (inst.bks_vehicles, inst.bks) == (10, pytest.approx(828.9369))


@needs_bench
def test_pdp_kind_and_loader_dispatch() -> None:
    assert pdp_kind(A2_16) == "darp" and pdp_kind(LC101) == "lilim"
    assert pdp_kind(BENCH / "solomon" / "C101.txt") is None
    assert load_pdp_instance(A2_16).kind == "darp"
    assert load_pdp_instance(LC101).kind == "lilim"


# ---------------------------------------------------------------------- real verifier

# Request 1: pickup 1 at (1,0) -> delivery 3 at (4,0); request 2: pickup 2 at (2,0) ->
# delivery 4 at (20,0). Service 1 everywhere but at the depots (0,0).


def _darp_file(
    tmp_path: Path,
    *,
    t_max: int = 100,
    capacity: int = 2,
    ride: int = 20,
    window3: tuple[int, int] = (0, 100),
    window2: tuple[int, int] = (0, 100),
) -> Path:
    lines = [
        f"2 2 {t_max} {capacity} {ride}",
        "0 0.000 0.000 0 0 0 100",
        "1 1.000 0.000 1 1 0 100",
        f"2 2.000 0.000 1 1 {window2[0]} {window2[1]}",
        f"3 4.000 0.000 1 -1 {window3[0]} {window3[1]}",
        "4 20.000 0.000 1 -1 0 100",
        "5 0.000 0.000 0 0 0 100",
    ]
    path = tmp_path / "tiny-darp.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_verify_real_accepts_a_hand_schedule(tmp_path: Path) -> None:
    inst = read_darp(_darp_file(tmp_path, ride=20))
    # [1, 3, 2, 4]: B1 = 1, B3 = 1 + 1 + 3 = 5, B2 = 5 + 1 + 2 = 8, B4 = 8 + 1 + 18 = 27,
    # end 27 + 1 + 20 = 48 <= 100; rides 5 - (1 + 1) = 3 and 27 - (8 + 1) = 18 <= 20;
    # at most one passenger on board.
    routes = [[1, 3, 2, 4]]
    assert verify_real(inst, routes) == []
    assert verify_real(inst, [[0, 1, 3, 5], [0, 2, 4, 5]]) == []  # depots may be given
    assert real_distance(inst, routes) == pytest.approx(1 + 3 + 2 + 18 + 20)


def test_verify_real_catches_a_ride_time_breach(tmp_path: Path) -> None:
    inst = read_darp(_darp_file(tmp_path, ride=20))
    # [1, 2, 4, 3]: B3 - B1 >= 1 + 1 + 1 + 18 + 1 + 16 = 38, ride >= 37 > 20 (waiting
    # before the pickup does not help); windows and capacity are fine.
    found = verify_real(inst, [[1, 2, 4, 3]])
    assert len(found) == 1 and "request 1->3 rides at least 37.0000, limit 20" in found[0]


def test_verify_real_catches_a_window_breach(tmp_path: Path) -> None:
    inst = read_darp(_darp_file(tmp_path, ride=40, window3=(0, 8)))
    assert verify_real(inst, [[1, 3, 2, 4]]) == []  # B3 = 5
    # [2, 4, 1, 3]: B2 = 2, B4 = 21, B1 = 41, B3 = 45 > 8.
    found = verify_real(inst, [[2, 4, 1, 3]])
    assert len(found) == 1 and "node 3" in found[0] and "after its window end 8" in found[0]


def test_verify_real_catches_a_capacity_breach(tmp_path: Path) -> None:
    inst = read_darp(_darp_file(tmp_path, capacity=1, ride=40))
    assert verify_real(inst, [[1, 3, 2, 4]]) == []
    found = verify_real(inst, [[1, 2, 3, 4]])  # two passengers on board after node 2
    assert found == ["route 0: load 2 after node 2 outside [0, 1]"]


def test_verify_real_catches_a_duration_breach(tmp_path: Path) -> None:
    # Depot windows [0, 100] but T = 30: the reader's shift is the conservative [0, 30].
    path = _darp_file(tmp_path, t_max=30, ride=40, window2=(50, 60))
    inst = read_darp(path)
    assert inst.problem.vehicle_tw_end.tolist() == [30_000, 30_000]
    # [2, 4]: depart at 48 at the latest useful time; 2 + 1 + 18 + 1 + 20 = 42 > 30.
    found = verify_real(inst, [[2, 4], [1, 3]])
    assert len(found) == 1 and "duration at least 42.0000, limit 30" in found[0]


def test_verify_real_catches_structure_errors(tmp_path: Path) -> None:
    inst = read_darp(_darp_file(tmp_path, ride=40))
    assert any("not served: 2, 4" in v for v in verify_real(inst, [[1, 3]]))
    assert any("delivery before pickup" in v for v in verify_real(inst, [[3, 1, 2, 4]]))
    assert any("pickup on route 0" in v for v in verify_real(inst, [[1, 4], [2, 3]]))
    assert any("visited more than once" in v for v in verify_real(inst, [[1, 3, 1, 3, 2, 4]]))
    assert any("at most 2 allowed" in v for v in verify_real(inst, [[1, 3], [2], [4]]))


# ------------------------------------------------------------------------------- bench


@needs_bench
def test_sets_resolve_and_all_stays_solomon_and_x() -> None:
    assert len(resolve_instances("darp", None, BENCH)) == 12
    assert len(resolve_instances("pdptw", None, BENCH)) == 40
    everything = resolve_instances("all", None, BENCH)
    assert not any(p.parent.name in ("instances", "pdptw") for p in everything)
    assert [p.name for p in resolve_instances("solomon", ["a2-16", "lc101"], BENCH)] == [
        "a2-16.txt",
        "lc101.txt",
    ]


@needs_bench
@pytest.mark.parametrize(("name", "set_name"), [("a2-16", "darp"), ("lc101", "pdptw")])
def test_bench_runner_on_one_instance(name: str, set_name: str) -> None:
    df = run_routing_bench(set_name, 20.0, [name], solution_limit=2, root=BENCH)
    assert list(df.columns) == PDP_COLUMNS and len(df) == 1
    row = df.iloc[0]
    assert (row["instance"], row["set"]) == (name, set_name)
    assert row["bks"] > 0 and row["cost"] > 0 and row["requests"] > 0
    if set_name == "pdptw":
        assert row["bks_vehicles"] == 10
    table = format_routing_table(df)
    assert name in table
    assert ("all darp" if set_name == "darp" else "veh = BKS") in table
