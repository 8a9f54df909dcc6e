"""Property tests: invariants of allocation and of whole plans on random generated scenarios."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agrichain.generate import GeneratorConfig, generate_scenario
from agrichain.inventory import NearestFarmAllocator
from agrichain.io import save_scenario, write_plan
from agrichain.pipeline import plan_day
from agrichain.verify import verify_orders, verify_plan

configs = st.builds(
    GeneratorConfig,
    seed=st.integers(0, 10_000),
    n_farms=st.integers(2, 12),
    n_logistics_points=st.integers(1, 3),
    n_products=st.integers(1, 4),
    n_sessions=st.integers(1, 2),
    n_orders=st.integers(1, 60),
    n_vehicles=st.integers(1, 4),
    horizon_days=st.integers(1, 2),
    radius_km=st.floats(5, 40),
)


@settings(max_examples=30, deadline=None)
@given(config=configs)
def test_allocation_conserves_and_respects_limits(config: GeneratorConfig) -> None:
    scenario = generate_scenario(config)
    allocation = NearestFarmAllocator().allocate(scenario)
    ordered: dict[str, float] = defaultdict(float)
    for o in scenario.orders:
        ordered[o.product_id] += scenario.order_kg(o)
    planned: dict[str, float] = defaultdict(float)
    for t in allocation.tasks:
        planned[t.product_id] += t.kg
    for s in allocation.shortfalls:
        planned[s.product_id] += s.kg
        assert s.kg > 0 and s.reason
    for product, kg in ordered.items():
        assert planned[product] == pytest.approx(kg, abs=1e-6)
    supply = scenario.supply_on(0)
    taken: dict[tuple[str, str], float] = defaultdict(float)
    for t in allocation.tasks:
        taken[(t.farm_id, t.product_id)] += t.kg
        assert t.kg > 0
    for key, kg in taken.items():
        assert kg <= supply.get(key, 0.0) + 1e-6
    stored: dict[tuple[str, bool], float] = defaultdict(float)
    for t in allocation.tasks:
        stored[(t.logistics_point_id, scenario.product[t.product_id].needs_cold_chain)] += t.kg
    for (lp, cold), kg in stored.items():
        point = scenario.logistics_point[lp]
        assert kg <= (point.cold_capacity_kg if cold else point.ambient_capacity_kg) + 1e-6


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(config=configs)
def test_plans_are_feasible_and_account_for_every_kg(
    tmp_path_factory: pytest.TempPathFactory, config: GeneratorConfig
) -> None:
    scenario = generate_scenario(config)
    folder = save_scenario(scenario, tmp_path_factory.mktemp("sc"))
    plan = plan_day(scenario, time_limit_s=10, solution_limit=10)
    out = Path(tmp_path_factory.mktemp("plan"))
    write_plan(plan, out)
    assert verify_plan(folder, out) == []
    assert verify_orders(folder, out) == []
    assert plan.is_complete() == (not plan.unserved)
