"""The facility-location model on hand-made cases whose optimum is known by hand: the best
candidate, at most K opened, capacities per day, the coverage objective; and the solver's
process."""

from __future__ import annotations

import subprocess
import sys

import pytest
from builders import HUB, REPO, farm, hub, inventory_scenario, product
from hypothesis import given, settings
from hypothesis import strategies as st

from agrichain.geo import haversine_km
from agrichain.model import Scenario
from agrichain.siting import Candidate, locate_facilities

#: Travel of the test scenarios (scenario.toml of tests/data/one_hub).
CIRCUITY, SPEED_KMH = 1.3, 40.0
COST_PER_KG_KM = 0.002
NORTH = (HUB[0] + 0.15, HUB[1])
"""A valley 16.7 km north of the hub (about 33 minutes by road)."""
EAST = (HUB[0], HUB[1] + 0.15)
SOUTH = (HUB[0] - 0.15, HUB[1])


def road_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_km([a[0], b[0]], [a[1], b[1]])[0, 1]) * CIRCUITY


def valleys(kg: dict[str, float], hub_kg: float = 10_000, days: int = 1) -> Scenario:
    """Farms N1, N2 in the north valley, E1 east, S1 south, H1 at the hub; ``kg`` per farm
    and day (the others harvest nothing)."""
    where = {"N1": NORTH, "N2": NORTH, "E1": EAST, "S1": SOUTH, "H1": HUB}
    return inventory_scenario(
        products=[product("peach", 72)],
        farms=[farm(f, *where[f]) for f in where],
        lps=[hub(ambient=hub_kg, cold=0)],
        supply=[(f, "peach", d, kg[f]) for f in kg for d in range(days)],
        horizon=days,
    )


def site(cid: str, at: tuple[float, float], cost: float = 10.0, kg: float = 10_000) -> Candidate:
    return Candidate(candidate_id=cid, lat=at[0], lon=at[1], open_cost=cost, capacity_kg=kg)


def test_the_candidate_in_the_heavy_valley_opens() -> None:
    scenario = valleys({"N1": 600, "N2": 400, "E1": 100, "H1": 50})
    candidates = [site("MID", (HUB[0] + 0.07, HUB[1])), site("IN_N", NORTH), site("IN_S", SOUTH)]
    result = locate_facilities(scenario, candidates, 1)
    assert result.status == "optimal"
    assert [c.candidate_id for c in result.opened] == ["IN_N"]
    where = {f.farm_id: f.logistics_point_id for f in result.farms}
    assert where == {"N1": "IN_N", "N2": "IN_N", "E1": "HUB", "S1": "HUB", "H1": "HUB"}
    # by hand: the north valley drives 0 km, E1 drives to the hub, H1 is at the hub
    transport = 100 * road_km(EAST, HUB) * COST_PER_KG_KM
    assert result.transport_cost == pytest.approx(transport, rel=1e-6)
    assert result.opening_cost == 10.0
    loads = {p.place_id: p.kg for p in result.places}
    assert loads == {"HUB": 150.0, "MID": 0.0, "IN_N": 1000.0, "IN_S": 0.0}


def test_a_point_that_costs_more_than_it_saves_stays_closed() -> None:
    scenario = valleys({"N1": 600, "N2": 400})
    saving = 1000 * road_km(NORTH, HUB) * COST_PER_KG_KM  # ≈ 43.6
    dear = locate_facilities(scenario, [site("IN_N", NORTH, cost=saving + 5)], 1)
    assert dear.opened == () and dear.opening_cost == 0.0
    assert dear.transport_cost == pytest.approx(saving, rel=1e-6)
    cheap = locate_facilities(scenario, [site("IN_N", NORTH, cost=saving - 5)], 1)
    assert [c.candidate_id for c in cheap.opened] == ["IN_N"]
    assert cheap.transport_cost == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=4, deadline=None)
@given(st.integers(min_value=0, max_value=3))
def test_at_most_k_points_open_the_heaviest_valleys_first(k: int) -> None:
    scenario = valleys({"N1": 900, "E1": 600, "S1": 300})
    candidates = [site("IN_S", SOUTH), site("IN_E", EAST), site("IN_N", NORTH)]
    result = locate_facilities(scenario, candidates, k)
    assert len(result.opened) <= k
    heaviest = ["IN_N", "IN_E", "IN_S"][:k]  # every valley pays for its point
    assert sorted(c.candidate_id for c in result.opened) == sorted(heaviest)
    assert [p.place_id for p in result.places if p.open] == [
        "HUB",
        *(c for c in ("IN_S", "IN_E", "IN_N") if c in heaviest),
    ]


def test_capacities_hold_on_every_day() -> None:
    # 1,000 kg a day in the north valley; the site there holds 700 kg a day
    scenario = valleys({"N1": 600, "N2": 400}, days=2)
    result = locate_facilities(scenario, [site("IN_N", NORTH, kg=700)], 1)
    assert [c.candidate_id for c in result.opened] == ["IN_N"]
    places = {p.place_id: p for p in result.places}
    assert places["IN_N"].peak_kg_day == pytest.approx(700.0)
    assert places["IN_N"].kg == pytest.approx(1400.0)  # two days
    assert places["HUB"].kg == pytest.approx(600.0)
    for p in result.places:
        assert p.peak_kg_day <= p.capacity_kg + 1e-6
    assert result.kg_unassigned == pytest.approx(0.0, abs=1e-6)


def test_kg_no_place_has_room_for_are_reported() -> None:
    scenario = valleys({"N1": 600, "H1": 300}, hub_kg=500)
    result = locate_facilities(scenario, [site("IN_N", NORTH, kg=200)], 1)
    assert result.kg_unassigned == pytest.approx(200.0)
    places = {p.place_id: p for p in result.places}
    assert places["HUB"].peak_kg_day == pytest.approx(500.0)
    assert places["IN_N"].peak_kg_day == pytest.approx(200.0)
    n1 = next(f for f in result.farms if f.farm_id == "N1")
    assert n1.kg_unassigned + (n1.share * 600) <= 600 + 1e-6


def test_the_coverage_objective_opens_where_most_kg_are_beyond_reach() -> None:
    scenario = valleys({"N1": 600, "N2": 400, "E1": 200})
    candidates = [site("IN_N", NORTH, cost=1000.0), site("IN_E", EAST, cost=0.0)]
    by_cost = locate_facilities(scenario, candidates, 1, within_min=20)
    assert [c.candidate_id for c in by_cost.opened] == ["IN_E"]  # free, and saves transport
    assert by_cost.kg_covered == pytest.approx(200.0)
    by_coverage = locate_facilities(scenario, candidates, 1, objective="coverage", within_min=20)
    assert [c.candidate_id for c in by_coverage.opened] == ["IN_N"]
    assert by_coverage.kg_covered == pytest.approx(1000.0)
    covered = {f.farm_id for f in by_coverage.farms if f.covered}
    assert covered == {"N1", "N2", "H1"}  # H1 (no harvest) lies at the hub


def test_equal_coverage_is_decided_by_cost() -> None:
    scenario = valleys({"N1": 500, "E1": 500})
    candidates = [site("IN_N", NORTH, cost=50.0), site("IN_E", EAST, cost=5.0)]
    result = locate_facilities(scenario, candidates, 1, objective="coverage", within_min=20)
    assert [c.candidate_id for c in result.opened] == ["IN_E"]
    assert result.kg_covered == pytest.approx(500.0)


def test_the_same_question_gets_the_same_answer() -> None:
    scenario = valleys({"N1": 600, "N2": 400, "E1": 100, "S1": 100})
    candidates = [site("IN_S", SOUTH), site("IN_E", EAST), site("IN_N", NORTH)]
    first = locate_facilities(scenario, candidates, 2)
    again = locate_facilities(scenario, candidates, 2)
    assert first.opened == again.opened and first.farms == again.farms


@pytest.mark.parametrize(
    ("k", "objective", "within", "message"),
    [
        (-1, "cost", None, "whole number"),
        (1, "nearest", None, "unknown objective"),
        (1, "coverage", None, "needs a threshold"),
        (1, "cost", 0.0, "threshold"),
    ],
)
def test_bad_requests_are_value_errors(
    k: int, objective: str, within: float | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        locate_facilities(
            valleys({"N1": 1}), [site("IN_N", NORTH)], k, objective=objective, within_min=within
        )


def test_pulp_stays_out_of_the_callers_process() -> None:
    code = (
        "import sys\n"
        "from agrichain.io import load_scenario\n"
        "from agrichain.siting import Candidate, locate_facilities\n"
        "s = load_scenario('instances/small')\n"
        "c = Candidate(candidate_id='C', lat=28.8, lon=120.8, open_cost=1, capacity_kg=500)\n"
        "assert locate_facilities(s, [c], 1).status == 'optimal'\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulp', 'highspy')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
