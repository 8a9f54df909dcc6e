"""HiGHS in-process: the MILP handed to ``highspy`` in bulk, HiGHS's own verdict read back.

PuLP 3.3.2 adds one column and one row per Python call; :class:`BulkHiGHS` hands the
MILP over in bulk. PuLP 3 reports a time-limit stop with an incumbent as "Optimal", so
:func:`highs_report` reads HiGHS's model status, primal solution status, MIP gap and
dual bound instead.
"""

from __future__ import annotations

import math
import time
from typing import Any

import highspy
import numpy as np
import pulp

from agrichain.inventory.data import InventoryOptions
from agrichain.inventory.milp import BuiltMilp
from agrichain.inventory.report import SolveReport

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
    """PuLP's HiGHS interface with a bulk transfer of the MILP and HiGHS's own status read back."""

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


def solve_highs(
    milp: BuiltMilp,
    options: InventoryOptions,
    msg: bool,
    relax: bool,
    start: np.ndarray | None,
) -> SolveReport:
    """Solve ``milp`` in place with HiGHS (see :func:`agrichain.inventory.solve.solve_milp`)."""
    solver = BulkHiGHS(
        milp.columns,
        start=start,
        mip=not relax,
        msg=msg,
        timeLimit=options.time_limit_s,
        gapRel=options.mip_gap,
        threads=options.threads,
        **options.highs_options,
    )
    t0 = time.perf_counter()
    milp.prob.solve(solver)
    wall = time.perf_counter() - t0
    return highs_report(
        milp.prob.solverModel,
        bool(milp.y) and not relax,
        solver.transfer_s,
        wall - solver.transfer_s,
    )
