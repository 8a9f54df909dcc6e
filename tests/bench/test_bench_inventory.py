"""The inventory benchmark: generated sizes, both solvers, the table."""

from __future__ import annotations

import pytest

from agrichain.bench.inventory import (
    SIZES,
    bench_scenario,
    format_inventory_table,
    run_inventory_bench,
)
from agrichain.io import table_frame


def test_bench_scenarios_have_the_issue_sizes_and_are_seeded() -> None:
    small = bench_scenario("small", seed=3)
    assert (len(small.farms), len(small.logistics_points), len(small.products)) == (10, 3, 5)
    assert small.settings.horizon_days == 7
    assert small.settings.inventory.link_fixed_cost > 0
    again = bench_scenario("small", seed=3)
    for table in ("supply", "orders", "forecast", "stock"):
        assert table_frame(small, table).equals(table_frame(again, table))
    assert not table_frame(bench_scenario("small", seed=4), "supply").equals(
        table_frame(small, "supply")
    )
    assert SIZES["large"].n_products == 20 and SIZES["medium"].horizon_days == 14


def test_small_benchmark_runs_both_solvers_side_by_side() -> None:
    df = run_inventory_bench(["small"], ["highs", "cbc"], time_limit_s=20, modes=("lp", "milp"))
    assert list(df["solver"]) == ["highs", "cbc", "highs", "cbc"]
    lp = df[df["mode"] == "lp"]
    assert (lp["status"] == "optimal").all() and (lp["gap_pct"] == 0).all()
    assert lp["objective"].iloc[1] == pytest.approx(lp["objective"].iloc[0], rel=1e-6)
    milp = df[df["mode"] == "milp"]
    assert (milp["binaries"] > 0).all() and (milp["gap_pct"] <= 1.0 + 1e-9).all()
    assert (df["peak_mb"] > 0).all() and (df["build_s"] > 0).all()
    table = format_inventory_table(df)
    assert table.splitlines()[0].startswith("| size | mode | vars | bins | highs build s")
    assert "| small | milp |" in table
