"""Solving a built MILP with HiGHS (default) or CBC, in phases when it has binaries.

The solvers themselves: :mod:`agrichain.inventory.highs` (in-process, through
``highspy``) and :mod:`agrichain.inventory.cbc` (the ``cbc`` binary under a watchdog).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np

from agrichain.errors import SolverError
from agrichain.inventory.cbc import solve_cbc
from agrichain.inventory.data import InventoryOptions
from agrichain.inventory.highs import solve_highs
from agrichain.inventory.milp import BuiltMilp, build_milp
from agrichain.inventory.report import SolveReport


def solve_milp(
    milp: BuiltMilp,
    options: InventoryOptions,
    msg: bool = False,
    relax: bool = False,
    start: np.ndarray | None = None,
) -> SolveReport:
    """Solve ``milp`` in place (variable values set) with the solver named in ``options``.

    ``relax`` solves the LP relaxation (binaries as continuous in [0, 1]); ``start`` is a
    feasible solution (a value per column) handed to the MILP solver as its incumbent.
    """
    if not milp.columns:  # nothing to decide (no demand, no stock)
        return SolveReport(options.solver, "optimal", "Empty model", 0.0, 0.0, 0.0, 0.0, 0.0)
    if options.solver == "highs":
        return solve_highs(milp, options, msg, relax, start)
    return solve_cbc(milp, options, msg, relax, start)


def _phase_options(options: InventoryOptions, time_limit_s: float, **more: Any) -> InventoryOptions:
    return dataclasses.replace(options, time_limit_s=max(time_limit_s, 0.1), **more)


def solve_with_fallback(
    milp: BuiltMilp, options: InventoryOptions, msg: bool = False
) -> SolveReport:
    """Solve the planning MILP within ``options.time_limit_s`` (plus CBC's watchdog).

    An LP is solved directly. A MILP (binary links) is solved in phases:

    1. the same MILP with every link cost charged per kg (``integer_days=0``, an LP,
       fast at any size); opening each link it uses gives a feasible start;
    2. the MILP's LP relaxation, if it solves within half of ``rens_share`` of the time
       (a lower bound, and the links it uses — better candidates than those of 1);
    3. the MILP restricted to the links used in 2, or else in 1 (a RENS-style sub-MIP:
       the other links closed), to half the requested gap, until ``rens_share`` of the
       time;
    4. the full MILP, started from the best solution so far, for the rest of the time.

    If phase 3 ends without a solution of its own, its start is the plan. The MILP
    is never infeasible (unmet demand is lost sales).
    """
    t0 = time.perf_counter()
    limit = options.time_limit_s
    if not milp.y or options.rens_share <= 0:
        return solve_milp(milp, options, msg)
    reports: list[SolveReport] = []
    start, links, lp_report = _per_kg_start(milp, options, msg)
    reports.append(lp_report)
    start_obj = None if start is None else float(np.dot(milp.cost, start))
    lp_bound = None
    left = limit * options.rens_share / 2 - (time.perf_counter() - t0)
    if left > 0.5:  # the MILP's own LP relaxation: a bound, and more links worth trying
        relaxed = solve_milp(milp, _phase_options(options, left), msg, relax=True)
        reports.append(relaxed)
        if relaxed.status == "optimal":
            lp_bound = relaxed.objective
            links = {k for k, v in milp.y.items() if (v.varValue or 0.0) > 1e-6}
    left = limit * options.rens_share - (time.perf_counter() - t0)
    if links is not None and left > 0.5:
        closed = [v for k, v in milp.y.items() if k not in links]
        for v in closed:
            v.upBound = 0.0
        sub = solve_milp(
            milp, _phase_options(options, left, mip_gap=options.mip_gap / 2), msg, start=start
        )
        reports.append(sub)
        for v in closed:
            v.upBound = 1.0
        if sub.has_solution and (start_obj is None or (sub.objective or 0.0) <= start_obj):
            start, start_obj = milp.values(), sub.objective
    left = max(limit - (time.perf_counter() - t0), 0.1 * limit)
    final = solve_milp(milp, _phase_options(options, left), msg, start=start)
    reports.append(final)
    extra: dict[str, Any] = {
        "transfer_s": sum(r.transfer_s for r in reports),
        "solve_s": sum(r.solve_s for r in reports),
        "start_objective": start_obj,
        "lp_bound": lp_bound,
    }
    if final.has_solution:
        return dataclasses.replace(final, **extra)
    if final.status == "infeasible":
        raise SolverError(f"{final.solver} reports the planning MILP infeasible (a bug)")
    if start is None:
        raise SolverError(f"{final.solver} found no solution: {final.solver_status}")
    for v, x in zip(milp.columns, start.tolist(), strict=True):
        v.varValue = x
    objective = float(np.dot(milp.cost, start))
    bound = final.bound if final.bound is not None else lp_bound
    return dataclasses.replace(
        final,
        status="feasible",
        solver_status=f"{final.solver_status}; the plan is its start",
        objective=objective,
        bound=bound,
        gap=None if bound is None else abs(objective - bound) / max(abs(objective), 1e-9),
        fallback="start",
        **extra,
    )


def _per_kg_start(
    milp: BuiltMilp, options: InventoryOptions, msg: bool
) -> tuple[np.ndarray | None, set[tuple[int, int, int]] | None, SolveReport]:
    """Solve the MILP with link costs per kg (no binaries); return its values mapped onto
    ``milp``'s columns with every used link opened, and the set of used links."""
    relaxed = build_milp(
        dataclasses.replace(
            milp.data, options=dataclasses.replace(milp.data.options, integer_days=0)
        )
    )
    report = solve_milp(
        relaxed, _phase_options(options, options.time_limit_s * options.rens_share), msg
    )
    report = dataclasses.replace(report, solve_s=report.solve_s + relaxed.build_s)
    if report.status != "optimal":
        return None, None, report
    values = relaxed.values()
    pos = {id(v): i for i, v in enumerate(milp.columns)}
    rel = {id(v): i for i, v in enumerate(relaxed.columns)}
    start = np.zeros(len(milp.columns))
    for name in ("x", "recv", "stock", "waste", "issue", "serve", "lost"):
        mine, theirs = getattr(milp, name), getattr(relaxed, name)
        for key, v in mine.items():
            start[pos[id(v)]] = values[rel[id(theirs[key])]]
    links: set[tuple[int, int, int]] = set()
    for (d, f, h, _), v in milp.x.items():
        if start[pos[id(v)]] > 1e-9 and (d, f, h) in milp.y:
            links.add((d, f, h))
    for key, v in milp.y.items():
        start[pos[id(v)]] = 1.0 if key in links else 0.0
    return start, links, report
