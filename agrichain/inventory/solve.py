"""Solving a built model with HiGHS (default) or CBC, and reading the solver's own verdict.

* HiGHS runs in-process through a :class:`pulp.HiGHS` subclass that hands the
  model to ``highspy`` in bulk (PuLP 3.3.2 adds one column and one row per Python
  call) and reads HiGHS's model status, primal solution status, MIP gap and dual
  bound — PuLP 3 reports a time-limit stop with an incumbent as "Optimal".
* CBC runs as PuLP's bundled ``cbc`` binary on an MPS file under a watchdog: CBC
  overruns its ``-sec`` limit, so it gets SIGINT (it then stops and writes its
  incumbent) ``watchdog_grace_s`` after the limit and SIGKILL 10 s later.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pulp

from agrichain.errors import SolverError
from agrichain.inventory.data import InventoryOptions
from agrichain.inventory.model import BuiltModel, build_model
from agrichain.inventory.report import SolveReport

KILL_AFTER_INTERRUPT_S = 10.0


def solve_model(
    model: BuiltModel,
    options: InventoryOptions,
    msg: bool = False,
    relax: bool = False,
    start: np.ndarray | None = None,
) -> SolveReport:
    """Solve ``model`` in place (variable values set) with the solver named in ``options``.

    ``relax`` solves the LP relaxation (binaries as continuous in [0, 1]); ``start`` is a
    feasible solution (a value per column) handed to the MILP solver as its incumbent.
    """
    if not model.columns:  # nothing to decide (no demand, no stock)
        return SolveReport(options.solver, "optimal", "Empty model", 0.0, 0.0, 0.0, 0.0, 0.0)
    if options.solver == "highs":
        return _solve_highs(model, options, msg, relax, start)
    return _solve_cbc(model, options, msg, relax, start)


def _phase_options(options: InventoryOptions, time_limit_s: float, **more: Any) -> InventoryOptions:
    return dataclasses.replace(options, time_limit_s=max(time_limit_s, 0.1), **more)


def solve_with_fallback(
    model: BuiltModel, options: InventoryOptions, msg: bool = False
) -> SolveReport:
    """Solve the planning model within ``options.time_limit_s`` (plus CBC's watchdog).

    An LP is solved directly. A MILP (binary links) is solved in phases:

    1. the same model with every link cost charged per kg (``integer_days=0``, an LP,
       fast at any size); opening each link it uses gives a feasible start;
    2. the MILP's LP relaxation, if it solves within half of ``rens_share`` of the time
       (a lower bound, and the links it uses — better candidates than those of 1);
    3. the MILP restricted to the links used in 2, or else in 1 (a RENS-style sub-MIP:
       the other links closed), to half the requested gap, until ``rens_share`` of the
       time;
    4. the full MILP, started from the best solution so far, for the rest of the time.

    If phase 3 ends without a solution of its own, its start is the plan. The model
    is never infeasible (unmet demand is lost sales).
    """
    t0 = time.perf_counter()
    limit = options.time_limit_s
    if not model.y or options.rens_share <= 0:
        return solve_model(model, options, msg)
    reports: list[SolveReport] = []
    start, links, lp_report = _per_kg_start(model, options, msg)
    reports.append(lp_report)
    start_obj = None if start is None else float(np.dot(model.cost, start))
    lp_bound = None
    left = limit * options.rens_share / 2 - (time.perf_counter() - t0)
    if left > 0.5:  # the MILP's own LP relaxation: a bound, and more links worth trying
        relaxed = solve_model(model, _phase_options(options, left), msg, relax=True)
        reports.append(relaxed)
        if relaxed.status == "optimal":
            lp_bound = relaxed.objective
            links = {k for k, v in model.y.items() if (v.varValue or 0.0) > 1e-6}
    left = limit * options.rens_share - (time.perf_counter() - t0)
    if links is not None and left > 0.5:
        closed = [v for k, v in model.y.items() if k not in links]
        for v in closed:
            v.upBound = 0.0
        sub = solve_model(
            model, _phase_options(options, left, mip_gap=options.mip_gap / 2), msg, start=start
        )
        reports.append(sub)
        for v in closed:
            v.upBound = 1.0
        if sub.has_solution and (start_obj is None or (sub.objective or 0.0) <= start_obj):
            start, start_obj = model.values(), sub.objective
    left = max(limit - (time.perf_counter() - t0), 0.1 * limit)
    final = solve_model(model, _phase_options(options, left), msg, start=start)
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
        raise SolverError(f"{final.solver} reports the planning model infeasible (a bug)")
    if start is None:
        raise SolverError(f"{final.solver} found no solution: {final.solver_status}")
    for v, x in zip(model.columns, start.tolist(), strict=True):
        v.varValue = x
    objective = float(np.dot(model.cost, start))
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
    model: BuiltModel, options: InventoryOptions, msg: bool
) -> tuple[np.ndarray | None, set[tuple[int, int, int]] | None, SolveReport]:
    """Solve the model with link costs per kg (no binaries); return its values mapped onto
    ``model``'s columns with every used link opened, and the set of used links."""
    relaxed = build_model(
        dataclasses.replace(
            model.data, options=dataclasses.replace(model.data.options, integer_days=0)
        )
    )
    report = solve_model(
        relaxed, _phase_options(options, options.time_limit_s * options.rens_share), msg
    )
    report = dataclasses.replace(report, solve_s=report.solve_s + relaxed.build_s)
    if report.status != "optimal":
        return None, None, report
    values = relaxed.values()
    pos = {id(v): i for i, v in enumerate(model.columns)}
    rel = {id(v): i for i, v in enumerate(relaxed.columns)}
    start = np.zeros(len(model.columns))
    for name in ("x", "recv", "stock", "waste", "issue", "serve", "lost"):
        mine, theirs = getattr(model, name), getattr(relaxed, name)
        for key, v in mine.items():
            start[pos[id(v)]] = values[rel[id(theirs[key])]]
    links: set[tuple[int, int, int]] = set()
    for (d, f, h, _), v in model.x.items():
        if start[pos[id(v)]] > 1e-9 and (d, f, h) in model.y:
            links.add((d, f, h))
    for key, v in model.y.items():
        start[pos[id(v)]] = 1.0 if key in links else 0.0
    return start, links, report


# ----- HiGHS -------------------------------------------------------------------------------


_HIGHS_STATUS_TEXT = {
    highspy.HighsModelStatus.kOptimal: "Optimal",
    highspy.HighsModelStatus.kInfeasible: "Infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "Unbounded or infeasible",
    highspy.HighsModelStatus.kUnbounded: "Unbounded",
    highspy.HighsModelStatus.kTimeLimit: "Time limit reached",
    highspy.HighsModelStatus.kIterationLimit: "Iteration limit reached",
    highspy.HighsModelStatus.kSolutionLimit: "Solution limit reached",
    highspy.HighsModelStatus.kInterrupt: "Interrupted",
    highspy.HighsModelStatus.kMemoryLimit: "Memory limit reached",
    highspy.HighsModelStatus.kObjectiveBound: "Objective bound reached",
    highspy.HighsModelStatus.kObjectiveTarget: "Objective target reached",
}
_HIGHS_LIMITS = {
    highspy.HighsModelStatus.kTimeLimit,
    highspy.HighsModelStatus.kIterationLimit,
    highspy.HighsModelStatus.kSolutionLimit,
    highspy.HighsModelStatus.kInterrupt,
    highspy.HighsModelStatus.kMemoryLimit,
    highspy.HighsModelStatus.kObjectiveBound,
    highspy.HighsModelStatus.kObjectiveTarget,
}
_HIGHS_INFEASIBLE = {
    highspy.HighsModelStatus.kInfeasible,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
    highspy.HighsModelStatus.kUnbounded,
}


#: Threads of HiGHS's global scheduler in this process (None: not started yet).
_scheduler_threads: int | None = None


class BulkHiGHS(pulp.HiGHS):
    """PuLP's HiGHS interface with a bulk model transfer and HiGHS's own status read back."""

    def __init__(
        self, columns: list[pulp.LpVariable], start: np.ndarray | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.columns = columns
        self.start = start
        self.transfer_s = 0.0
        self.values: np.ndarray = np.zeros(0)

    def createAndConfigureSolver(self, lp: pulp.LpProblem) -> None:
        # HiGHS refuses to run ("global scheduler has already been initialized to use N
        # threads") when ``threads`` differs from the first run's in this process.
        global _scheduler_threads
        if self.threads is not None and self.threads != _scheduler_threads:
            if _scheduler_threads is not None:
                highspy.Highs.resetGlobalScheduler(True)
            _scheduler_threads = self.threads
        super().createAndConfigureSolver(lp)

    def buildSolverModel(self, lp: pulp.LpProblem) -> None:
        t0 = time.perf_counter()
        h = lp.solverModel
        cols = self.columns
        n = len(cols)
        inf = highspy.kHighsInf
        lower = np.empty(n)
        upper = np.empty(n)
        integer: list[int] = []
        for i, v in enumerate(cols):
            v.index = i
            lower[i] = -inf if v.lowBound is None else v.lowBound
            upper[i] = inf if v.upBound is None else v.upBound
            if v.cat == pulp.LpInteger and self.mip:
                integer.append(i)
        cost = np.zeros(n)
        position = {id(v): i for i, v in enumerate(cols)}
        for v, c in lp.objective.items():
            if id(v) in position:  # PuLP adds a dummy variable to an empty objective
                cost[position[id(v)]] = c
        h.addCols(
            n, cost, lower, upper, 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)
        )
        if lp.sense == pulp.LpMaximize:
            h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        if integer:
            idx = np.asarray(integer, dtype=np.int32)
            h.changeColsIntegrality(
                len(idx), idx, np.full(len(idx), highspy.HighsVarType.kInteger.value, np.uint8)
            )
        starts: list[int] = []
        index: list[int] = []
        value: list[float] = []
        row_lo: list[float] = []
        row_up: list[float] = []
        for i, con in enumerate(lp._constraints.values()):
            con.index = i
            starts.append(len(index))
            for v, c in con.items():
                index.append(v.index)
                value.append(c)
            rhs = -con.constant
            if con.sense == pulp.LpConstraintLE:
                row_lo.append(-inf)
                row_up.append(rhs)
            elif con.sense == pulp.LpConstraintGE:
                row_lo.append(rhs)
                row_up.append(inf)
            else:
                row_lo.append(rhs)
                row_up.append(rhs)
        if starts:
            h.addRows(
                len(starts),
                np.asarray(row_lo),
                np.asarray(row_up),
                len(index),
                np.asarray(starts, dtype=np.int32),
                np.asarray(index, dtype=np.int32),
                np.asarray(value, dtype=np.float64),
            )
        if self.start is not None and self.mip:
            idx = np.arange(n, dtype=np.int32)
            h.setSolution(n, idx, np.asarray(self.start, dtype=np.float64))
        self.transfer_s = time.perf_counter() - t0

    def findSolutionValues(self, lp: pulp.LpProblem) -> tuple[int, int]:
        h = lp.solverModel
        info = h.getInfo()
        if info.primal_solution_status == 2:  # kSolutionStatusFeasible
            self.values = np.asarray(h.getSolution().col_value, dtype=float)
            for v, x in zip(self.columns, self.values.tolist(), strict=True):
                v.varValue = x
            return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible
        return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound

    def actualSolve(self, lp: pulp.LpProblem, **kwargs: Any) -> int:
        self.createAndConfigureSolver(lp)
        self.buildSolverModel(lp)
        self.callSolver(lp)
        status, sol_status = self.findSolutionValues(lp)
        lp.assignStatus(status, sol_status)
        return int(status)


def highs_report(h: highspy.Highs, is_mip: bool, transfer_s: float, solve_s: float) -> SolveReport:
    """Our reading of a finished ``highspy`` run."""
    ms = h.getModelStatus()
    info = h.getInfo()
    has = info.primal_solution_status == 2
    objective = float(info.objective_function_value) if has else None
    if ms == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
    elif ms in _HIGHS_LIMITS:
        status = "feasible" if has else "no_solution"
    elif ms in _HIGHS_INFEASIBLE:
        status = "infeasible"
    else:
        status = "error"
    if is_mip:
        bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
        gap = float(info.mip_gap) if has and math.isfinite(info.mip_gap) else None
        nodes = int(info.mip_node_count)
    else:
        bound = objective if status == "optimal" else None
        gap = 0.0 if status == "optimal" else None
        nodes = None
    return SolveReport(
        solver="highs",
        status=status,
        solver_status=_HIGHS_STATUS_TEXT.get(ms, h.modelStatusToString(ms)),
        objective=objective,
        bound=bound,
        gap=gap,
        transfer_s=transfer_s,
        solve_s=solve_s,
        nodes=nodes,
    )


def _solve_highs(
    model: BuiltModel,
    options: InventoryOptions,
    msg: bool,
    relax: bool,
    start: np.ndarray | None,
) -> SolveReport:
    solver = BulkHiGHS(
        model.columns,
        start=start,
        mip=not relax,
        msg=msg,
        timeLimit=options.time_limit_s,
        gapRel=options.mip_gap,
        threads=options.threads,
        **options.highs_options,
    )
    t0 = time.perf_counter()
    model.prob.solve(solver)
    wall = time.perf_counter() - t0
    return highs_report(
        model.prob.solverModel,
        bool(model.y) and not relax,
        solver.transfer_s,
        wall - solver.transfer_s,
    )


# ----- CBC ---------------------------------------------------------------------------------

_CBC_NUMBER = r"([-+0-9.eE]+|inf|-inf|nan)"


def _cbc_log_number(log: str, label: str) -> float | None:
    found = re.findall(rf"^{label}:\s+{_CBC_NUMBER}", log, flags=re.MULTILINE)
    if not found:
        return None
    try:
        value = float(found[-1])
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _solve_cbc(
    model: BuiltModel,
    options: InventoryOptions,
    msg: bool,
    relax: bool,
    start: np.ndarray | None,
) -> SolveReport:
    prob = model.prob
    cmd = pulp.PULP_CBC_CMD(msg=False)
    if not cmd.available():
        raise SolverError(f"CBC is not available at {cmd.path}")
    with tempfile.TemporaryDirectory(prefix="agrichain-cbc-") as tmp:
        mps = os.path.join(tmp, "model.mps")
        sol = os.path.join(tmp, "model.sol")
        log_path = os.path.join(tmp, "cbc.log")
        t0 = time.perf_counter()
        vs, var_names, con_names, _ = prob.writeMPS(mps, rename=1, mip=not relax)
        transfer = time.perf_counter() - t0
        args = [cmd.path, mps]
        if prob.sense == pulp.LpMaximize:
            args.append("-max")
        if start is not None and model.y and not relax:
            mst = os.path.join(tmp, "start.mst")
            for v, x in zip(model.columns, start.tolist(), strict=True):
                v.varValue = x
            cmd.writesol(mst, prob, vs, var_names, con_names)
            args += ["-mips", mst]
        args += [
            "-sec",
            f"{options.time_limit_s:g}",
            "-timeMode",
            "elapsed",
            "-ratio",
            f"{options.mip_gap:g}",
            "-threads",
            str(options.threads),
            "-solve" if model.y and not relax else "-initialSolve",
            "-printingOptions",
            "all",
            "-solution",
            sol,
        ]
        watchdog = ""
        t1 = time.perf_counter()
        with open(log_path, "w") as log_file:
            proc = subprocess.Popen(
                args, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
            try:
                proc.wait(timeout=options.time_limit_s + options.watchdog_grace_s)
            except subprocess.TimeoutExpired:
                watchdog = "interrupted"
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=KILL_AFTER_INTERRUPT_S)
                except subprocess.TimeoutExpired:
                    watchdog = "killed"
                    proc.kill()
                    proc.wait()
        solve_s = time.perf_counter() - t1
        log = Path(log_path).read_text(errors="replace")
        if not os.path.exists(sol) or os.path.getsize(sol) == 0:
            return SolveReport(
                solver="cbc",
                status="no_solution" if watchdog else "error",
                solver_status="killed by watchdog" if watchdog else f"exit code {proc.returncode}",
                objective=None,
                bound=None,
                gap=None,
                transfer_s=transfer,
                solve_s=solve_s,
                watchdog=watchdog,
            )
        first = Path(sol).read_text(errors="replace").split("\n", 1)[0].strip()
        _, sol_status = cmd.get_status(sol)
        _, values, _, _, _, _ = cmd.readsol_MPS(sol, prob, vs, var_names, con_names)
    for v in model.columns:
        v.varValue = values.get(v.name, 0.0)
    head = first.split(" - ")[0].strip()
    objective = _cbc_log_number(log, "Objective value")
    if objective is None and "objective value" in first:
        objective = float(first.rsplit(" ", 1)[-1])
    has = sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if head.startswith("Optimal"):
        status = "optimal"
    elif head.startswith("Infeasible") or head.startswith("Integer infeasible"):
        status = "infeasible"
        has = False
    elif has:
        status = "feasible"
    else:
        status = "no_solution"
    if not has:
        objective = None
    bound = _cbc_log_number(log, "Lower bound")
    gap = None
    if objective is not None:
        if bound is not None:
            gap = abs(objective - bound) / max(abs(objective), 1e-9)
        elif status == "optimal":
            bound, gap = objective, 0.0
    nodes = _cbc_log_number(log, "Enumerated nodes")
    return SolveReport(
        solver="cbc",
        status=status,
        solver_status=head or first,
        objective=objective,
        bound=bound,
        gap=gap,
        transfer_s=transfer,
        solve_s=solve_s,
        nodes=None if nodes is None else int(nodes),
        watchdog=watchdog,
    )
