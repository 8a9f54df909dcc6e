"""The independent check of orders.csv: a real plan passes, planted mistakes are found."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from builders import mixed_scenario

from agrichain.io import save_scenario, write_plan
from agrichain.pipeline import plan_day
from agrichain.verify import verify_orders, verify_plan

Edit = Callable[[pd.DataFrame], pd.DataFrame]


@pytest.fixture(scope="module")
def mixed_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The mixed scenario (stock, three days, short supply) and its written plan."""
    root = tmp_path_factory.mktemp("mixed")
    folder = save_scenario(mixed_scenario(), root / "sc")
    write_plan(plan_day(mixed_scenario(), time_limit_s=20.0, solution_limit=10), root / "plan")
    return folder, root / "plan"


def with_orders(mixed_plan: tuple[Path, Path], tmp_path: Path, edit: Edit) -> Path:
    """A copy of the written plan whose orders.csv is edited."""
    out = tmp_path / "plan"
    shutil.copytree(mixed_plan[1], out)
    orders = pd.read_csv(out / "orders.csv", dtype=str, keep_default_na=False)
    edit(orders).to_csv(out / "orders.csv", index=False)
    return out


def test_a_real_plan_with_every_kind_of_fate_passes(mixed_plan: tuple[Path, Path]) -> None:
    folder, out = mixed_plan
    assert verify_orders(folder, out) == []
    assert verify_plan(folder, out) == []
    fates = set(pd.read_csv(out / "orders.csv")["fate"])
    assert {"collected", "from_stock", "unserved"} <= fates


def test_a_missing_and_a_double_counted_order_fail(
    mixed_plan: tuple[Path, Path], tmp_path: Path
) -> None:
    def plant(orders: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([orders.iloc[1:], orders.iloc[[2]]])  # O1 gone, O3 twice

    errors = verify_orders(mixed_plan[0], with_orders(mixed_plan, tmp_path, plant))
    assert "order O1: missing from orders.csv" in errors
    assert "order O3: 2 rows in orders.csv" in errors
    # the per-product totals no longer match either
    assert any(e.startswith("peach: ordered") for e in errors)
    assert any(e.startswith("bayberry: ordered") for e in errors)


@pytest.mark.parametrize(
    ("column", "value", "found"),
    [
        ("kg_collected", "999", "kg columns add up"),
        ("kg", "1", "!= ordered"),
        ("fate", "later_day", "does not match its kg"),
        ("task_ids", "T99999", "is not a served task"),
        ("stock_age_days", "9", "no stock aged 9 days"),
        ("product_id", "berry", "the input says"),
    ],
)
def test_a_planted_mistake_in_an_order_row_fails(
    mixed_plan: tuple[Path, Path], tmp_path: Path, column: str, value: str, found: str
) -> None:
    def plant(orders: pd.DataFrame) -> pd.DataFrame:
        row = orders.index[orders["kg_from_stock"].astype(float) > 0][0]
        orders.loc[row, column] = value
        return orders

    errors = verify_orders(mixed_plan[0], with_orders(mixed_plan, tmp_path, plant))
    assert any(found in e for e in errors), errors


def test_collected_kg_beyond_the_served_tasks_fail(
    mixed_plan: tuple[Path, Path], tmp_path: Path
) -> None:
    tasks = pd.read_csv(mixed_plan[1] / "tasks.csv", dtype=str, keep_default_na=False)

    def plant(orders: pd.DataFrame) -> pd.DataFrame:
        row = orders.index[orders["kg_collected"].astype(float) > 0][0]
        place = orders.loc[row, ["product_id", "logistics_point_id"]].tolist()
        same = (tasks["product_id"] == place[0]) & (tasks["logistics_point_id"] == place[1])
        extra = tasks.loc[same, "kg"].astype(float).sum()
        for column in ("kg", "kg_collected"):
            orders.loc[row, column] = str(float(orders.loc[row, column]) + extra)
        return orders

    errors = verify_orders(mixed_plan[0], with_orders(mixed_plan, tmp_path, plant))
    assert any("served tasks carry" in e for e in errors), errors


def test_a_plan_without_orders_csv_fails(mixed_plan: tuple[Path, Path], tmp_path: Path) -> None:
    out = with_orders(mixed_plan, tmp_path, lambda o: o)
    (out / "orders.csv").unlink()
    assert verify_orders(mixed_plan[0], out) == ["orders.csv is missing"]
