"""Generator settings beyond the bundled instances: product variants, demand spikes, link cost."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from agrichain.generate import (
    CATALOGUE,
    CATALOGUE_BY_ID,
    MAX_PRODUCTS,
    GeneratorConfig,
    generate_scenario,
)
from agrichain.generate.catalogue import VARIANT_COST_FACTOR_RANGE

MONDAY = dt.date(2025, 6, 16)
WEEK = GeneratorConfig(
    seed=4,
    n_farms=30,
    n_logistics_points=3,
    n_products=5,
    n_sessions=3,
    n_orders=300,
    horizon_days=7,
    planning_date=MONDAY,
)


def test_products_beyond_the_catalogue_are_variants_with_jittered_costs() -> None:
    s = generate_scenario(GeneratorConfig(seed=1, n_farms=10, n_products=13, n_orders=200))
    ids = [p.product_id for p in s.products]
    assert ids == [c.product_id for c in CATALOGUE] + ["bayberry-2", "shiitake-2", "loquat-2"]
    low, high = VARIANT_COST_FACTOR_RANGE
    for p in s.products[len(CATALOGUE) :]:
        base = CATALOGUE_BY_ID[p.product_id.rsplit("-", 1)[0]]
        assert (p.box_weight_kg, p.shelf_life_h) == (base.box_weight_kg, base.shelf_life_h)
        factor = p.lost_sales_cost_per_kg / base.lost_sales_cost_per_kg
        assert low - 1e-3 <= factor <= high + 1e-3
    assert {o.product_id for o in s.orders} <= set(ids)
    with pytest.raises(ValueError):
        GeneratorConfig(n_products=MAX_PRODUCTS + 1)


def _sold_share_by_day(config: GeneratorConfig) -> dict[int, list[float]]:
    """Per later day of the horizon: each product's forecast kg over its harvest that day."""
    s = generate_scenario(config)
    sold: dict[tuple[str, int], float] = defaultdict(float)
    harvest: dict[tuple[str, int], float] = defaultdict(float)
    for f in s.forecast:
        day = s.day_of(s.session[f.session_id].start) + 1
        sold[(f.product_id, day)] += f.boxes * s.product[f.product_id].box_weight_kg
    for x in s.supply:
        harvest[(x.product_id, s.day_of(x.date))] += x.kg
    return {
        day: [sold[(p.product_id, day)] / harvest[(p.product_id, day)] for p in s.products]
        for day in range(1, config.horizon_days)
    }


def test_spike_weekdays_sell_more_than_the_other_days() -> None:
    spiked = WEEK.model_copy(update={"spike_weekdays": (4, 5), "spike_factor": 1.8})
    shares = _sold_share_by_day(spiked)
    spike_days = [d for d in shares if (MONDAY + dt.timedelta(days=d)).weekday() in (4, 5)]
    other_days = [d for d in shares if d not in spike_days]
    assert spike_days == [4, 5]
    assert min(min(shares[d]) for d in spike_days) > max(max(shares[d]) for d in other_days)
    plain = _sold_share_by_day(WEEK)
    assert all(0.6 <= x <= 0.951 for day in plain.values() for x in day)


def test_link_fixed_cost_and_spike_settings_are_validated() -> None:
    s = generate_scenario(WEEK.model_copy(update={"link_fixed_cost": 20.0}))
    assert s.settings.inventory.link_fixed_cost == 20.0
    assert generate_scenario(WEEK).settings.inventory.link_fixed_cost == 0.0
    with pytest.raises(ValueError):
        GeneratorConfig(spike_weekdays=(7,))
    with pytest.raises(ValueError, match="repeats a weekday"):
        GeneratorConfig(spike_weekdays=(4, 4))
    with pytest.raises(ValueError):
        GeneratorConfig(spike_factor=0.0)
    with pytest.raises(ValueError):
        GeneratorConfig(link_fixed_cost=-1.0)
