"""The post-live review: conservation per session and product, actuals, spoilage, the
CSV and HTML files and the ``agrichain review`` command."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from builders import INSTANCES, infeasible_tiny_scenario, tiny_scenario
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agrichain.cli import EXIT_INPUT, EXIT_OK, app
from agrichain.day.review import (
    NOT_SHIPPED,
    OrderOutcome,
    Review,
    SessionReview,
    review_plan,
)
from agrichain.day.review_report import (
    PRODUCT_TOTAL_ROW,
    REVIEW_COLUMNS,
    REVIEW_CSV,
    REVIEW_HTML,
    SESSION_ROW,
    TOTAL_ROW,
    UNATTRIBUTED_ROW,
    lost_table,
    review_files,
    review_html,
    review_table,
)
from agrichain.errors import ScenarioError
from agrichain.io import load_scenario, save_scenario, write_plan
from agrichain.io.actuals import Actuals, actuals_csv
from agrichain.model import Scenario
from agrichain.pipeline import plan_day
from agrichain.plan import Fate, OrderFate, Plan

TOLERANCE_KG = 1e-6
runner = CliRunner()


def small_scenario() -> Scenario:
    return load_scenario(INSTANCES / "small")


SCENARIOS = {"small": small_scenario, "tiny": tiny_scenario, "infeasible": infeasible_tiny_scenario}


@pytest.fixture(scope="module")
def plans() -> dict[str, tuple[Scenario, Plan]]:
    out = {}
    for name, make in SCENARIOS.items():
        scenario = make()
        out[name] = (scenario, plan_day(scenario, solution_limit=20, seed=0))
    return out


def assert_conserved(review: Review) -> None:
    """on time + late + lost == sold, per order and per session × product."""
    for o in review.orders:
        assert o.kg_on_time + o.kg_late + o.kg_lost == pytest.approx(o.kg_sold, abs=TOLERANCE_KG)
        assert min(o.kg_on_time, o.kg_late, o.kg_lost) >= -TOLERANCE_KG
        assert sum(kg for _, _, kg in o.lost) == pytest.approx(o.kg_lost, abs=TOLERANCE_KG)
    for s in review.sessions:
        assert s.kg_on_time + s.kg_late + s.kg_lost == pytest.approx(s.kg_sold, abs=TOLERANCE_KG)


def session_row(review: Review, session_id: str, product_id: str) -> SessionReview:
    (row,) = [
        s for s in review.sessions if (s.session_id, s.product_id) == (session_id, product_id)
    ]
    return row


def outcome(review: Review, order_id: str) -> OrderOutcome:
    (found,) = [o for o in review.orders if o.order_id == order_id]
    return found


def on_time_order(plan: Plan) -> OrderFate:
    """An order of ``plan`` wholly collected today (so on time as planned)."""
    return next(o for o in plan.orders if o.fate is Fate.COLLECTED)


# ----- the plan as what happened --------------------------------------------------------


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_ordered_kg_is_on_time_late_or_lost(
    name: str, plans: dict[str, tuple[Scenario, Plan]]
) -> None:
    scenario, plan = plans[name]
    review = review_plan(scenario, plan)
    assert_conserved(review)
    sold: dict[tuple[str, str], float] = {}
    for o in plan.orders:
        sold[o.session_id, o.product_id] = sold.get((o.session_id, o.product_id), 0.0) + o.kg
    assert {(s.session_id, s.product_id): s.kg_sold for s in review.sessions} == pytest.approx(sold)
    # without actuals, lost kg are the plan's unserved kg
    lost = sum(s.kg_lost for s in review.sessions)
    assert lost == pytest.approx(sum(o.kg_unserved for o in plan.orders), abs=TOLERANCE_KG)


@pytest.mark.parametrize("name", ["small", "tiny"])
def test_collected_kg_delivered_before_the_ship_by_are_on_time(
    name: str, plans: dict[str, tuple[Scenario, Plan]]
) -> None:
    scenario, plan = plans[name]
    review = review_plan(scenario, plan)
    delivered = {t.task_id: t.delivery_time for t in plan.tasks}
    for order in plan.orders:
        times = [delivered[t] for t in order.task_ids]
        in_time = all(when is not None and when <= order.ship_by for when in times)
        found = outcome(review, order.order_id)
        if in_time:
            assert found.kg_on_time == pytest.approx(order.kg - order.kg_unserved)
        else:
            assert found.kg_late > 0


def test_unserved_kg_are_lost_with_their_causes(plans: dict[str, tuple[Scenario, Plan]]) -> None:
    scenario, plan = plans["infeasible"]
    review = review_plan(scenario, plan)
    by_cause: dict[str, float] = {}
    for o in plan.orders:
        for cause in o.causes:
            by_cause[cause] = by_cause.get(cause, 0.0) + o.kg_unserved / len(o.causes)
    assert by_cause, "the infeasible scenario leaves orders unserved"
    table = lost_table(review)
    assert table.groupby("cause")["kg_lost"].sum().to_dict() == pytest.approx(by_cause)
    reasons = {r for o in plan.orders for r in o.reasons}
    assert set(table["reason"]) == reasons
    assert table["kg_lost"].is_monotonic_decreasing


def test_later_day_kg_are_late_only_after_the_ship_by_date(
    plans: dict[str, tuple[Scenario, Plan]],
) -> None:
    scenario, plan = plans["tiny"]
    first, second, *rest = plan.orders
    later = {
        "kg_collected": 0.0,
        "kg_later_day": first.kg,
        "task_ids": (),
        "fate": Fate.LATER_DAY,
    }
    in_time = dataclasses.replace(first, **later, later_dates=(first.ship_by.date(),))
    too_late = dataclasses.replace(
        second, **later, later_dates=(second.ship_by.date() + dt.timedelta(days=1),)
    )
    review = review_plan(scenario, dataclasses.replace(plan, orders=(in_time, too_late, *rest)))
    assert outcome(review, first.order_id).kg_on_time == first.kg
    assert outcome(review, second.order_id).kg_late == second.kg
    assert_conserved(review)


# ----- actuals ----------------------------------------------------------------------


def test_an_order_made_late_by_actuals_moves_from_on_time_to_late(
    plans: dict[str, tuple[Scenario, Plan]],
) -> None:
    scenario, plan = plans["small"]
    order = on_time_order(plan)
    before = review_plan(scenario, plan)
    assert outcome(before, order.order_id).kg_on_time == pytest.approx(order.kg)
    shipped = {order.order_id: (order.kg, order.ship_by + dt.timedelta(hours=2))}
    after = review_plan(scenario, plan, Actuals(shipped=shipped))
    moved = outcome(after, order.order_id)
    assert moved.kg_late == pytest.approx(order.kg) and moved.kg_on_time == 0
    was = session_row(before, order.session_id, order.product_id)
    now = session_row(after, order.session_id, order.product_id)
    assert now.kg_on_time == pytest.approx(was.kg_on_time - order.kg)
    assert now.kg_late == pytest.approx(was.kg_late + order.kg)
    price = now.price_per_kg
    assert now.revenue_at_risk == pytest.approx(was.revenue_at_risk + order.kg * price)
    assert_conserved(after)


def test_a_task_delivered_late_and_short_makes_its_orders_late_and_lost(
    plans: dict[str, tuple[Scenario, Plan]],
) -> None:
    scenario, plan = plans["tiny"]
    task = max(plan.tasks, key=lambda t: len(t.order_ids))
    late_time = max(o.ship_by for o in plan.orders) + dt.timedelta(hours=1)
    actuals = Actuals(delivered={task.task_id: (task.kg / 2, late_time)})
    review = review_plan(scenario, plan, actuals)
    assert_conserved(review)
    for order_id in task.order_ids:
        found = outcome(review, order_id)
        assert found.kg_on_time == 0 and found.kg_late > 0 and found.kg_lost > 0
        assert {cause for cause, _, _ in found.lost} == {"delivered_short"}


def test_kg_not_shipped_are_lost(plans: dict[str, tuple[Scenario, Plan]]) -> None:
    scenario, plan = plans["tiny"]
    order = on_time_order(plan)
    actuals = Actuals(shipped={order.order_id: (order.kg / 4, order.ship_by)})
    found = outcome(review_plan(scenario, plan, actuals), order.order_id)
    assert found.kg_on_time == pytest.approx(order.kg / 4)
    assert found.lost == ((NOT_SHIPPED, "shipped less than ordered (actuals)", order.kg * 3 / 4),)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_conservation_holds_for_any_actuals(data: st.DataObject) -> None:
    scenario = tiny_scenario()
    plan = tiny_plan()
    start = min(o.ship_by for o in plan.orders) - dt.timedelta(hours=12)
    when = st.none() | st.integers(0, 24 * 60).map(lambda m: start + dt.timedelta(minutes=m))
    shipped = {
        o.order_id: (data.draw(st.floats(0, 2 * o.kg)), data.draw(when))
        for o in plan.orders
        if data.draw(st.booleans())
    }
    delivered = {
        t.task_id: (data.draw(st.floats(0, 2 * t.kg)), data.draw(when))
        for t in plan.tasks
        if data.draw(st.booleans())
    }
    review = review_plan(scenario, plan, Actuals(shipped=shipped, delivered=delivered))
    assert_conserved(review)


_TINY_PLAN: list[Plan] = []


def tiny_plan() -> Plan:
    """The tiny scenario's plan, solved once for the property test."""
    if not _TINY_PLAN:
        _TINY_PLAN.append(plan_day(tiny_scenario(), solution_limit=20, seed=0))
    return _TINY_PLAN[0]


def test_spoiled_actuals_are_reported_and_attributed(
    plans: dict[str, tuple[Scenario, Plan]],
) -> None:
    scenario, plan = plans["small"]
    order = plan.orders[0]
    point, product = order.logistics_point_id, order.product_id
    other = next(p.product_id for p in scenario.products if p.product_id != product)
    elsewhere = next(
        lp.logistics_point_id
        for lp in scenario.logistics_points
        if not any(
            o.logistics_point_id == lp.logistics_point_id and o.product_id == other
            for o in plan.orders
        )
    )
    spoiled = {(point, product): 12.5, (elsewhere, other): 4.0}
    review = review_plan(scenario, plan, Actuals(spoiled_kg=spoiled))
    reported = {(s.logistics_point_id, s.product_id): (s.kg, s.source) for s in review.spoilage}
    assert reported == {key: (kg, "actuals") for key, kg in spoiled.items()}
    attributed = sum(s.kg_spoiled for s in review.sessions if s.product_id == product)
    assert attributed == pytest.approx(12.5)
    table = review_table(review)
    (unattributed,) = table[table["row"] == UNATTRIBUTED_ROW].itertuples()
    assert unattributed.product_id == other and unattributed.kg_spoiled == pytest.approx(4.0)
    total = table[table["row"] == TOTAL_ROW].iloc[0]
    assert total["kg_spoiled"] == pytest.approx(16.5)
    assert "12.5" in review_html(review)


def test_planned_spoilage_of_the_planning_date_comes_from_the_plan(
    plans: dict[str, tuple[Scenario, Plan]],
) -> None:
    scenario, plan = plans["tiny"]
    order = plan.orders[0]
    spoilage = pd.DataFrame(
        {
            "day": [0, 1],
            "date": ["2026-06-15", "2026-06-16"],
            "logistics_point_id": [order.logistics_point_id] * 2,
            "product_id": [order.product_id] * 2,
            "age_days": [3, 4],
            "kg": [7.0, 100.0],
            "reason": ["shelf life ends"] * 2,
        }
    )
    with_spoilage = dataclasses.replace(plan, tables={**plan.tables, "spoilage": spoilage})
    review = review_plan(scenario, with_spoilage)
    assert [(s.kg, s.source) for s in review.spoilage] == [(7.0, "plan")]
    actual = Actuals(spoiled_kg={(order.logistics_point_id, order.product_id): 2.0})
    replaced = review_plan(scenario, with_spoilage, actual)
    assert [(s.kg, s.source) for s in replaced.spoilage] == [(2.0, "actuals")]


def test_actuals_naming_orders_or_tasks_outside_the_plan_are_refused(
    plans: dict[str, tuple[Scenario, Plan]],
) -> None:
    scenario, plan = plans["tiny"]
    actuals = Actuals(shipped={"NOPE": (1.0, None)}, delivered={"T404": (1.0, None)})
    with pytest.raises(ScenarioError) as caught:
        review_plan(scenario, plan, actuals)
    assert {i.column for i in caught.value.issues} == {"order_id", "task_id"}


# ----- prices, the table and the HTML ---------------------------------------------------


def test_price_per_kg_is_used_where_given_else_the_lost_sales_cost(
    plans: dict[str, tuple[Scenario, Plan]],
) -> None:
    scenario, plan = plans["infeasible"]
    priced = "peach"
    products = [
        p.model_copy(update={"price_per_kg": 3.5}) if p.product_id == priced else p
        for p in scenario.products
    ]
    review = review_plan(scenario.with_tables(products=products), plan)
    for s in review.sessions:
        product = next(p for p in scenario.products if p.product_id == s.product_id)
        if s.product_id == priced:
            assert (s.price_per_kg, s.price_source) == (3.5, "price_per_kg")
        else:
            assert (s.price_per_kg, s.price_source) == (
                product.lost_sales_cost_per_kg,
                "lost_sales_cost_per_kg",
            )
        assert s.revenue_at_risk == pytest.approx((s.kg_late + s.kg_lost) * s.price_per_kg)
    assert "price_per_kg: peach" in review_html(review)


def test_review_table_has_a_row_per_session_and_product_and_totals(
    plans: dict[str, tuple[Scenario, Plan]],
) -> None:
    scenario, plan = plans["infeasible"]
    review = review_plan(scenario, plan)
    table = review_table(review)
    assert list(table.columns) == REVIEW_COLUMNS
    sessions = table[table["row"] == SESSION_ROW]
    assert len(sessions) == len(review.sessions)
    totals = table[table["row"] == PRODUCT_TOTAL_ROW].set_index("product_id")
    for product, part in sessions.groupby("product_id"):
        assert totals.loc[product, "kg_lost"] == pytest.approx(part["kg_lost"].sum())
    total = table[table["row"] == TOTAL_ROW].iloc[0]
    for column in ["kg_sold", "kg_on_time", "kg_late", "kg_lost", "revenue_at_risk"]:
        assert total[column] == pytest.approx(sessions[column].sum())
    assert "not_allocated" in total["lost_reasons"]


def test_the_html_report_is_self_contained_with_charts(
    plans: dict[str, tuple[Scenario, Plan]],
) -> None:
    scenario, plan = plans["infeasible"]
    text = review_html(review_plan(scenario, plan))
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.IGNORECASE)
    assert "http" not in text.lower()
    assert "<script" not in text.lower() and "@import" not in text
    assert "<svg" in text and text.count("<rect") >= 4  # legend and bars
    assert "not_allocated" in text and "out_of_window" in text  # lost kg by reason


# ----- the command ------------------------------------------------------------------


def test_review_command_writes_both_files(
    tmp_path: Path, plans: dict[str, tuple[Scenario, Plan]]
) -> None:
    scenario, plan = plans["small"]
    folder = save_scenario(scenario, tmp_path / "sc")
    write_plan(plan, tmp_path / "plan")
    out = tmp_path / "review"
    result = runner.invoke(app, ["review", str(folder), str(tmp_path / "plan"), "--out", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    assert sorted(p.name for p in out.iterdir()) == [REVIEW_CSV, REVIEW_HTML]
    written = pd.read_csv(out / REVIEW_CSV)
    want = review_table(review_plan(scenario, plan))
    assert written["kg_on_time"].tolist() == pytest.approx(want["kg_on_time"].tolist())
    # with actuals: the first order shipped late
    order = on_time_order(plan)
    actuals = Actuals(shipped={order.order_id: (order.kg, order.ship_by + dt.timedelta(hours=1))})
    (tmp_path / "actuals.csv").write_text(actuals_csv(actuals))
    args = ["review", str(folder), str(tmp_path / "plan"), "--out", str(out)]
    result = runner.invoke(app, [*args, "--actuals", str(tmp_path / "actuals.csv")])
    assert result.exit_code == EXIT_OK, result.output
    late = pd.read_csv(out / REVIEW_CSV)
    total = late[late["row"] == TOTAL_ROW].iloc[0]
    assert total["kg_late"] == pytest.approx(want.iloc[-1]["kg_late"] + order.kg)


def test_review_command_input_errors_exit_2(
    tmp_path: Path, plans: dict[str, tuple[Scenario, Plan]]
) -> None:
    scenario, plan = plans["tiny"]
    folder = save_scenario(scenario, tmp_path / "sc")
    write_plan(plan, tmp_path / "plan")
    out = tmp_path / "review"
    no_plan = runner.invoke(app, ["review", str(folder), str(tmp_path / "none"), "--out", str(out)])
    assert no_plan.exit_code == EXIT_INPUT
    (tmp_path / "bad.csv").write_text("kind,id,kg\nshipped,NOPE,3\n")
    args = ["review", str(folder), str(tmp_path / "plan"), "--out", str(out)]
    bad = runner.invoke(app, [*args, "--actuals", str(tmp_path / "bad.csv")])
    assert bad.exit_code == EXIT_INPUT and "NOPE" in bad.output
    (tmp_path / "file").write_text("")
    blocked = runner.invoke(app, [*args[:-1], str(tmp_path / "file" / "review")])
    assert blocked.exit_code == EXIT_INPUT
    assert not out.exists()


def test_review_files_are_the_csv_and_the_html(plans: dict[str, tuple[Scenario, Plan]]) -> None:
    scenario, plan = plans["tiny"]
    files = review_files(review_plan(scenario, plan))
    assert set(files) == {REVIEW_CSV, REVIEW_HTML}
    assert files[REVIEW_CSV].decode().splitlines()[0] == ",".join(REVIEW_COLUMNS)
