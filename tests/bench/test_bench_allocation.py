"""The allocation benchmark's runner on a tiny generated county (no timing assertions)."""

from __future__ import annotations

import pandas as pd
import pytest

from agrichain.bench.allocation import (
    CASES,
    COLUMNS,
    STRESS_CASES,
    forecast_sales,
    format_allocation_table,
    keeps_until,
    resolve_cases,
    run_case,
    with_forecast_orders,
)
from agrichain.generate import generate_scenario, make_config
from agrichain.model import Scenario


def tiny() -> Scenario:
    return generate_scenario(
        make_config(
            name="tiny",
            seed=3,
            farms=12,
            orders=80,
            logistics_points=2,
            products=3,
            sessions=1,
            horizon_days=2,
        )
    )


def test_the_cases_are_the_county_and_three_generated_counties() -> None:
    assert next(iter(CASES)) == "county" and len(CASES) == 4
    assert all(c.config.n_vehicles is None for c in list(CASES.values())[1:])  # sized fleets
    assert [c.name for c in resolve_cases(["county", "anji-200-half"])] == [
        "county",
        "anji-200-half",
    ]
    assert all(c.fleet_share < 1 or c.max_transit_min for c in STRESS_CASES.values())
    with pytest.raises(ValueError, match="unknown allocation case"):
        resolve_cases(["nowhere"])


def test_the_forecast_becomes_orders_shipping_on_its_ship_day() -> None:
    sc = tiny()
    sales = forecast_sales(sc)
    assert sales and all(s.ship_day == 1 for s in sales)
    kept = [s for s in sales if keeps_until(sc, s)]
    copy = with_forecast_orders(sc, kept)
    added = [o for o in copy.orders if o.order_id.startswith("FORECAST")]
    assert len(copy.orders) == len(sc.orders) + len(added) and len(added) <= len(kept)
    for o in added:
        sale = next(s for s in kept if (s.session_id, s.product_id) == (o.session_id, o.product_id))
        assert 0 < sale.kg - copy.order_kg(o) < copy.product[o.product_id].box_weight_kg + 1e-6
        assert copy.day_of(o.ship_by) == 1


def test_a_tiny_case_runs_and_its_figures_add_up() -> None:
    row = run_case("tiny", tiny(), time_limit_s=3.0, solution_limit=20)
    assert set(COLUMNS) == set(row)
    assert row["kg_today"] > 0 and 0 <= row["kg_dropped"] <= row["kg_today"]
    assert row["dropped_pct"] == pytest.approx(100 * row["kg_dropped"] / row["kg_today"])
    assert row["atp_rows"] > 0
    assert 0 <= row["routable_kg"] <= row["forecast_kg"] + 1e-6
    assert 0 <= row["refused_routable_kg"] <= row["routable_kg"] + 1e-6
    table = format_allocation_table(pd.DataFrame([row], columns=COLUMNS))
    assert table.splitlines()[0].startswith("| case | farms | orders | vehicles | kg today |")
    assert "| tiny | 12 | 80 |" in table
