"""The summary of a plan: the solver's verdict, times, MILP size, kg and costs by component."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from agrichain.inventory.data import InventoryData
from agrichain.inventory.milp import BuiltMilp
from agrichain.inventory.report import SolveReport


def plan_summary(
    data: InventoryData,
    milp: BuiltMilp,
    report: SolveReport,
    build_s: float,
    lost_sales: pd.DataFrame,
    spoilage: pd.DataFrame,
    values: np.ndarray,
) -> dict[str, Any]:
    """The numbers of ``summary.json["allocation"]``: solver verdict, times, size, kg, costs."""
    demand = float(lost_sales["demand_kg"].sum())
    lost = float(lost_sales["lost_kg"].sum())
    orders = lost_sales[lost_sales["kind"] == "order"]
    order_demand = float(orders["demand_kg"].sum())
    order_lost = float(orders["lost_kg"].sum())
    costs = milp.cost_by_component(values)
    opt = data.options
    return {
        "solver": report.solver,
        "solver_status": report.solver_status,
        "status": report.status,
        "objective": None if report.objective is None else round(report.objective, 6),
        "bound": None if report.bound is None else round(report.bound, 6),
        "gap": None if report.gap is None else round(report.gap, 6),
        "build_s": round(build_s, 3),
        "transfer_s": round(report.transfer_s, 3),
        "solve_s": round(report.solve_s, 3),
        "time_limit_s": opt.time_limit_s,
        "mip_gap": opt.mip_gap,
        "threads": opt.threads,
        "watchdog": report.watchdog,
        "fallback": report.fallback,
        "lp_bound": None if report.lp_bound is None else round(report.lp_bound, 6),
        "start_objective": (
            None if report.start_objective is None else round(report.start_objective, 6)
        ),
        "horizon_days": data.horizon,
        "variables": len(milp.columns),
        "constraints": milp.n_rows,
        "binaries": len(milp.y),
        "integer_days": opt.integer_days,
        "link_fixed_cost": opt.link_fixed_cost,
        "demand_kg": round(demand, 3),
        "order_kg": round(order_demand, 3),
        "forecast_kg": round(demand - order_demand, 3),
        "forecast_ignored_kg": round(data.forecast_ignored_kg, 3),
        "lost_sales_kg": round(lost, 3),
        "lost_order_kg": round(order_lost, 3),
        "spoiled_kg": round(float(spoilage["kg"].sum()), 3),
        "fill_rate": round(1.0 - lost / demand, 6) if demand > 0 else 1.0,
        "order_fill_rate": round(1.0 - order_lost / order_demand, 6) if order_demand > 0 else 1.0,
        "cost": {k: round(v, 2) for k, v in costs.items()},
        "trips_per_shift": {k: v for k, v in sorted(data.trips.items())},
    }
