"""Available-to-promise: how much more each upcoming session can sell and still ship fresh.

For every product with forecast rows, one LP (the planning MILP restricted to
that product) is built and handed to HiGHS once; each of the product's upcoming
sessions is then a re-solve with changed bounds (warm-started):

* every other product keeps its planned flows: the LP sees the storage room and
  fleet kg they leave free, day by day;
* confirmed orders are served at least as well as in the plan (lost kg <= planned);
* forecast sales of sessions held earlier (start, then session id) are served at
  least as well as in the plan — by then they are confirmed orders;
* the session's own forecast and later sessions' forecasts are left out;
* maximise ``extra``: kg of the product sold in the session, shipped on its ship day.

``atp_kg`` is that maximum (the LP relaxation: link costs and binaries play no
part — they are costs, not limits). ``atp_boxes`` rounds it down to whole boxes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from agrichain.geo import TravelModel
from agrichain.inventory.data import Bucket, InventoryOptions
from agrichain.inventory.fixed_travel import portable_travel
from agrichain.inventory.inventory_plan import InventoryPlan
from agrichain.inventory.planner import deadline_s, plan_job, resolve_options
from agrichain.inventory.tables import ATP_COLUMNS
from agrichain.inventory.worker import run_job
from agrichain.model import Scenario

if TYPE_CHECKING:
    import highspy

    from agrichain.inventory.milp import BuiltMilp, Restriction


def _restriction(plan: InventoryPlan, product: int, sessions: list[Bucket]) -> Restriction:
    from agrichain.inventory.milp import Restriction

    data = plan.data
    storage: dict[tuple[int, int, int], float] = defaultdict(float)
    transport: dict[tuple[int, int, int], float] = defaultdict(float)
    for (d, h, p), kg in plan.usage["on_hand"].items():
        if p != product:
            storage[(d, h, int(data.cold[p]))] += kg
    for (d, h, p), kg in plan.usage["received"].items():
        if p != product:
            transport[(d, h, 0)] += kg
            if data.cold[p]:
                transport[(d, h, 1)] += kg
    return Restriction(
        product=product,
        storage_used_kg=dict(storage),
        transport_used_kg=dict(transport),
        extra={bk.index: (bk.lp, bk.due_day) for bk in sessions},
    )


def _highs(milp: BuiltMilp, options: InventoryOptions) -> highspy.Highs:
    """The ATP LP loaded into HiGHS (through PuLP's interface), not yet solved."""
    from agrichain.inventory.highs import BulkHiGHS

    solver = BulkHiGHS(
        milp.columns,
        mip=False,
        msg=False,
        timeLimit=options.time_limit_s,
        threads=options.threads,
    )
    solver.createAndConfigureSolver(milp.prob)
    solver.buildSolverModel(milp.prob)
    h: highspy.Highs = milp.prob.solverModel
    return h


def _session_order(plan: InventoryPlan, bk: Bucket) -> tuple[dt.datetime, str]:
    return (plan.scenario.session[bk.session_id].start, bk.session_id)


def atp_from_plan(plan: InventoryPlan) -> pd.DataFrame:
    """ATP per upcoming session and product (see the module docstring), given the plan.

    Runs in this process (imports PuLP and highspy)."""
    import highspy

    from agrichain.inventory.milp import build_milp

    data = plan.data
    sc = plan.scenario
    planned_lost = plan.bucket_lost_kg
    rows: list[dict[str, Any]] = []
    forecast = [bk for bk in data.buckets if bk.kind == "forecast"]
    by_product: dict[int, list[Bucket]] = defaultdict(list)
    for bk in forecast:
        by_product[bk.product].append(bk)
    for p, sessions in sorted(by_product.items()):
        sessions.sort(key=lambda bk: _session_order(plan, bk))
        milp = build_milp(data, _restriction(plan, p, sessions), name=f"atp_{p}")
        h = _highs(milp, data.options)
        col = {id(v): i for i, v in enumerate(milp.columns)}
        keys = sorted(milp.lost)
        idx = np.asarray(
            [col[id(milp.lost[k])] for k in keys] + [col[id(v)] for v in milp.extra.values()],
            dtype=np.int32,
        )
        kg = np.asarray([data.buckets[k].kg for k in keys])
        served_lb = np.minimum(kg, [planned_lost[k] for k in keys])  # ub of lost if kept
        order = [
            (dt.datetime.min, "")
            if data.buckets[k].kind == "order"
            else _session_order(plan, data.buckets[k])
            for k in keys
        ]
        extra_keys = list(milp.extra)
        inf = highspy.kHighsInf
        for target in sessions:
            when = _session_order(plan, target)
            kept = np.asarray([o < when for o in order], dtype=bool)
            lower = np.concatenate([np.where(kept, 0.0, kg), np.zeros(len(extra_keys))])
            upper = np.concatenate(
                [
                    np.where(kept, served_lb, kg),
                    [inf if k == target.index else 0.0 for k in extra_keys],
                ]
            )
            h.changeColsBounds(len(idx), idx, lower, upper)
            h.run()
            status = h.getModelStatus()
            ok = status == highspy.HighsModelStatus.kOptimal
            atp = max(0.0, float(h.getInfo().objective_function_value)) if ok else 0.0
            box = sc.product[data.product_ids[p]].box_weight_kg
            rows.append(
                {
                    "session_id": target.session_id,
                    "session_start": sc.session[target.session_id].start,
                    "logistics_point_id": data.lp_ids[target.lp],
                    "product_id": data.product_ids[p],
                    "ship_day": target.due_day,
                    "ship_date": sc.settings.planning_date + dt.timedelta(days=target.due_day),
                    "forecast_kg": round(target.kg, 6),
                    "planned_kg": round(target.kg - planned_lost[target.index], 6),
                    "atp_kg": round(atp, 3),
                    "atp_boxes": int((atp + 1e-6) // box),
                    "status": "optimal" if ok else h.modelStatusToString(status),
                }
            )
    frame = pd.DataFrame(rows, columns=ATP_COLUMNS)
    return frame.sort_values(
        ["session_start", "session_id", "product_id"], kind="stable"
    ).reset_index(drop=True)


def atp_job(
    scenario: Scenario,
    options: InventoryOptions,
    plan: InventoryPlan | None,
    travel: TravelModel | None,
) -> pd.DataFrame:
    """Plan if needed, then ATP, in this process."""
    return atp_from_plan(plan if plan is not None else plan_job(scenario, options, travel))


def available_to_promise(
    scenario: Scenario,
    options: InventoryOptions | None = None,
    *,
    plan: InventoryPlan | None = None,
    travel: TravelModel | None = None,
    isolate: bool = True,
    **overrides: object,
) -> pd.DataFrame:
    """Per upcoming session and product: the most kg that can still be sold and shipped fresh.

    Columns: session_id, session_start, logistics_point_id, product_id, ship_day,
    ship_date, forecast_kg, planned_kg (of the forecast, in the plan), atp_kg,
    atp_boxes (whole boxes), status. Upcoming sessions are those starting on or
    after the planning date with forecast rows whose ship day lies in the horizon.
    ``plan`` reuses a plan of the same scenario; otherwise one is made first. Options
    and ``isolate`` work as in :func:`~agrichain.inventory.plan_inventory`.
    """
    opts = plan.options if plan is not None else resolve_options(scenario, options, **overrides)
    if isolate:
        portable = portable_travel(scenario, travel)
        frame: pd.DataFrame = run_job(
            atp_job, scenario, opts, plan, portable, timeout_s=deadline_s(opts)
        )
        return frame
    return atp_job(scenario, opts, plan, travel)


__all__ = ["ATP_COLUMNS", "atp_from_plan", "available_to_promise"]
