"""Every ordered kg accounted for once: ``orders.csv`` against the inputs and the plan.

Checks, from the files only:

* every input order is one row of ``orders.csv`` (none missing, none twice, none unknown),
  with the input's session, product and logistics point, and kg = boxes × box weight;
* its kg columns are not negative and add up to its kg; its ``fate`` follows from them
  (``unserved`` if any kg are unserved, else its one source, else ``mixed``);
* what the row names exists: its ``task_ids`` are served tasks in ``tasks.csv`` of its
  product and logistics point that list the order; its ``stock_age_days`` are lots in
  ``stock.csv``; its ``later_dates`` lie after the planning date, within the horizon and
  by its ship-by; it has a cause exactly when kg are unserved, and ``unserved.csv``
  names it exactly then;
* per product the rows add up to the ordered kg, and per product and logistics point the
  collected kg fit in the served tasks' kg and the kg from stock in the stock.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from agrichain.verify.files import TOL_KG, kg, read_table, rows_by_id, words

FATES = ("collected", "from_stock", "later_day", "unserved", "mixed")
#: The kg column of each source fate.
SOURCE_COLUMNS = {
    "collected": "kg_collected",
    "from_stock": "kg_from_stock",
    "later_day": "kg_later_day",
}
KG_COLUMNS = (*SOURCE_COLUMNS.values(), "kg_unserved")

Place = tuple[str, str]
"""(product id, logistics point id)."""


@dataclass(frozen=True)
class _Inputs:
    """What the rows are checked against: the scenario's files and the plan's other files."""

    day: dt.date
    horizon_days: int
    orders: dict[str, dict[str, str]]
    ordered_kg: dict[str, float]
    lp_of: dict[str, str]
    stock_kg: dict[Place, dict[int, float]]
    tasks: dict[str, dict[str, str]]
    in_unserved: set[str]
    """Orders named in ``unserved.csv``."""


def _read_inputs(scenario_dir: Path, plan_dir: Path) -> _Inputs:
    settings = tomllib.loads((scenario_dir / "scenario.toml").read_text())
    products = rows_by_id(scenario_dir, "products.csv", "product_id")
    sessions = rows_by_id(scenario_dir, "sessions.csv", "session_id")
    orders = rows_by_id(scenario_dir, "orders.csv", "order_id")
    stock: dict[Place, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for row in read_table(scenario_dir, "stock.csv").to_dict("records"):
        place = (str(row["product_id"]), str(row["logistics_point_id"]))
        stock[place][int(row["age_days"])] += kg(str(row["kg"]))
    unserved = read_table(plan_dir, "unserved.csv")
    named: list[str] = list(unserved["order_ids"]) if len(unserved) else []
    return _Inputs(
        day=dt.date.fromisoformat(str(settings["planning_date"])),
        horizon_days=int(settings.get("horizon_days", 1)),
        orders=orders,
        ordered_kg={
            oid: int(o["quantity_boxes"]) * float(products[o["product_id"]]["box_weight_kg"])
            for oid, o in orders.items()
        },
        lp_of={
            oid: o.get("logistics_point_id", "") or sessions[o["session_id"]]["logistics_point_id"]
            for oid, o in orders.items()
        },
        stock_kg=stock,
        tasks=rows_by_id(plan_dir, "tasks.csv", "task_id"),
        in_unserved={oid for text in named for oid in words(str(text))},
    )


def verify_orders(scenario_dir: Path, plan_dir: Path) -> list[str]:
    """Every rule ``orders.csv`` breaks against the scenario and the plan (empty: none)."""
    if not (plan_dir / "orders.csv").exists():
        return ["orders.csv is missing"]
    inputs = _read_inputs(scenario_dir, plan_dir)
    written = read_table(plan_dir, "orders.csv")
    rows = [{str(k): str(v) for k, v in r.items()} for r in written.to_dict("records")]
    errors = _presence_errors([r["order_id"] for r in rows], inputs)
    for row in rows:
        if row["order_id"] in inputs.orders:
            errors += _row_errors(row, inputs)
    return errors + _total_errors(rows, inputs)


def _presence_errors(ids: list[str], inputs: _Inputs) -> list[str]:
    """Each input order once, no other order."""
    count = pd.Series(ids, dtype=str).value_counts().to_dict() if ids else {}
    errors = [f"order {oid}: missing from orders.csv" for oid in inputs.orders if oid not in count]
    errors += [f"order {oid}: {n} rows in orders.csv" for oid, n in count.items() if n > 1]
    errors += [f"order {oid}: not an input order" for oid in count if oid not in inputs.orders]
    return errors


def _row_errors(row: dict[str, str], inputs: _Inputs) -> list[str]:
    """One row against its input order: ids, kg, their split, the fate and what it names."""
    oid = row["order_id"]
    order = inputs.orders[oid]
    errors = [
        f"order {oid}: {column} {row[column]!r}, the input says {want!r}"
        for column, want in (
            ("session_id", order["session_id"]),
            ("product_id", order["product_id"]),
            ("logistics_point_id", inputs.lp_of[oid]),
        )
        if row[column] != want
    ]
    amounts = {c: kg(row[c]) for c in KG_COLUMNS}
    total = kg(row["kg"])
    if abs(total - inputs.ordered_kg[oid]) > TOL_KG:
        errors.append(f"order {oid}: kg {total} != ordered {inputs.ordered_kg[oid]}")
    if any(v < -TOL_KG for v in amounts.values()):
        errors.append(f"order {oid}: negative kg")
    if abs(sum(amounts.values()) - total) > TOL_KG:
        errors.append(f"order {oid}: kg columns add up to {sum(amounts.values()):.3f}, not {total}")
    errors += _fate_errors(oid, row["fate"], amounts)
    return errors + _named_errors(row, amounts, inputs)


def _fate_errors(oid: str, fate: str, amounts: dict[str, float]) -> list[str]:
    """The fate follows from the kg columns."""
    if fate not in FATES:
        return [f"order {oid}: unknown fate {fate!r}"]
    unserved = amounts["kg_unserved"]
    sources = {f for f, column in SOURCE_COLUMNS.items() if amounts[column] > TOL_KG}
    if fate == "unserved":
        ok = unserved > 0
    elif unserved > TOL_KG:
        ok = False
    elif fate == "mixed":
        ok = len(sources) > 1
    else:
        ok = amounts[SOURCE_COLUMNS[fate]] > 0 and sources <= {fate}
    return [] if ok else [f"order {oid}: fate {fate} does not match its kg {amounts}"]


def _listed(oid: str, what: str, items: list[str], amount: float) -> list[str]:
    """Items are named exactly when there are kg of their kind."""
    if items and amount <= 0:
        return [f"order {oid}: names {what} {' '.join(items)} without kg from them"]
    if not items and amount > TOL_KG:
        return [f"order {oid}: {amount:.3f} kg without {what}"]
    return []


def _named_errors(row: dict[str, str], amounts: dict[str, float], inputs: _Inputs) -> list[str]:
    """Tasks, stock lots, later dates and causes the row names exist and fit the order."""
    oid, place = row["order_id"], (row["product_id"], row["logistics_point_id"])
    task_ids, ages = words(row["task_ids"]), words(row["stock_age_days"])
    dates = words(row["later_dates"])
    errors = _listed(oid, "task_ids", task_ids, amounts["kg_collected"])
    errors += _listed(oid, "stock_age_days", ages, amounts["kg_from_stock"])
    errors += _listed(oid, "later_dates", dates, amounts["kg_later_day"])
    errors += _listed(oid, "cause", words(row["cause"]), amounts["kg_unserved"])
    if (oid in inputs.in_unserved) != (amounts["kg_unserved"] > 0):
        errors.append(f"order {oid}: unserved.csv and kg_unserved disagree")
    for tid in task_ids:
        task = inputs.tasks.get(tid)
        if task is None or not task["vehicle_id"]:
            errors.append(f"order {oid}: task {tid} is not a served task")
        elif (task["product_id"], task["logistics_point_id"]) != place:
            errors.append(f"order {oid}: task {tid} carries another product or goes elsewhere")
        elif oid not in words(task["order_ids"]):
            errors.append(f"order {oid}: task {tid} does not list it")
    errors += [
        f"order {oid}: no stock aged {a} days of {place[0]} at {place[1]}"
        for a in ages
        if int(a) not in inputs.stock_kg.get(place, {})
    ]
    ship_by = dt.datetime.fromisoformat(inputs.orders[oid]["ship_by"]).date()
    last = inputs.day + dt.timedelta(days=inputs.horizon_days - 1)
    errors += [
        f"order {oid}: collected on {d}, not a later day of the horizon by its ship-by"
        for d in dates
        if not inputs.day < dt.date.fromisoformat(d) <= min(last, ship_by)
    ]
    return errors


def _total_errors(rows: list[dict[str, str]], inputs: _Inputs) -> list[str]:
    """Per product: rows add up to the ordered kg; per product and logistics point:
    collected kg within the served tasks' kg, kg from stock within the stock."""
    ordered: dict[str, float] = defaultdict(float)
    for oid, order in inputs.orders.items():
        ordered[order["product_id"]] += inputs.ordered_kg[oid]
    accounted: dict[str, float] = defaultdict(float)
    collected: dict[Place, float] = defaultdict(float)
    from_stock: dict[Place, float] = defaultdict(float)
    for row in rows:
        place = (row["product_id"], row["logistics_point_id"])
        accounted[row["product_id"]] += sum(kg(row[c]) for c in KG_COLUMNS)
        collected[place] += kg(row["kg_collected"])
        from_stock[place] += kg(row["kg_from_stock"])
    served: dict[Place, float] = defaultdict(float)
    for task in inputs.tasks.values():
        if task["vehicle_id"]:
            served[(task["product_id"], task["logistics_point_id"])] += kg(task["kg"])
    errors = [
        f"{pid}: ordered {ordered[pid]:.3f} kg, orders.csv accounts for {accounted[pid]:.3f}"
        for pid in sorted(set(ordered) | set(accounted))
        if abs(ordered[pid] - accounted[pid]) > TOL_KG
    ]
    errors += [
        f"{p} at {lp}: {kg_:.3f} kg collected for orders, served tasks carry {served[(p, lp)]:.3f}"
        for (p, lp), kg_ in sorted(collected.items())
        if kg_ > served[(p, lp)] + TOL_KG
    ]
    errors += [
        f"{p} at {lp}: {kg_:.3f} kg from stock, the stock holds "
        f"{sum(inputs.stock_kg.get((p, lp), {}).values()):.3f}"
        for (p, lp), kg_ in sorted(from_stock.items())
        if kg_ > sum(inputs.stock_kg.get((p, lp), {}).values()) + TOL_KG
    ]
    return errors
