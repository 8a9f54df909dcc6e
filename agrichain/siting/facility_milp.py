"""The capacitated facility-location MILP, built with PuLP and solved by HiGHS.

This module runs in a process of its own (``python -m agrichain.siting.facility_milp``,
started by :func:`agrichain.siting.facility.solve_in_process`): PuLP's highspy and the
HiGHS bundled in OR-Tools cannot share a process (see ``docs/inventory.md``). It reads a
pickled :class:`FacilityData` on standard input and writes a pickled :class:`MilpAnswer`
to standard output. The model is described in ``docs/siting.md``.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from typing import Any

import highspy
import numpy as np
import pulp

from agrichain.siting.milp_data import FacilityData, MilpAnswer

#: Share of the time limit the coverage objective's first phase (most kg covered) may use.
COVERAGE_PHASE_SHARE = 0.5
#: kg of coverage the second phase may give up (float noise), per kg of supply.
COVERAGE_SLACK = 1e-7


class FacilityModel:
    """The MILP's variables and expressions (see ``docs/siting.md``)."""

    def __init__(self, data: FacilityData) -> None:
        self.data = data
        self.prob = pulp.LpProblem("siting", pulp.LpMinimize)
        farms, places = data.km.shape
        kg = data.kg
        self.farms = [f for f in range(farms) if kg[f] > 0]
        self.candidates = list(range(data.existing, places))
        self.x = {
            (f, j): pulp.LpVariable(f"x_{f}_{j}", 0, 1) for f in self.farms for j in range(places)
        }
        self.u = {f: pulp.LpVariable(f"u_{f}", 0, 1) for f in self.farms}
        self.y = {c: pulp.LpVariable(f"y_{c}", cat=pulp.LpBinary) for c in self.candidates}
        self.transport = pulp.lpSum(
            kg[f] * data.km[f, j] * data.cost_per_kg_km * v for (f, j), v in self.x.items()
        )
        self.opening = pulp.lpSum(data.open_cost[c - data.existing] * v for c, v in self.y.items())
        self.unassigned = pulp.lpSum(
            kg[f] * data.unassigned_cost_per_kg * v for f, v in self.u.items()
        )
        within = data.within_min
        self.covered = pulp.lpSum(
            kg[f] * v
            for (f, j), v in self.x.items()
            if within is not None and data.minutes[f, j] <= within
        )
        self._constraints()

    def _constraints(self) -> None:
        data, prob = self.data, self.prob
        places = data.km.shape[1]
        for f in self.farms:
            prob += pulp.lpSum(self.x[f, j] for j in range(places)) + self.u[f] == 1, f"farm_{f}"
            for c in self.candidates:
                prob += self.x[f, c] <= self.y[c], f"open_{f}_{c}"
        if self.y:
            prob += pulp.lpSum(self.y.values()) <= data.open_k, "open_k"
        for j in range(places):
            room = data.capacity_kg[j] * self.y.get(j, 1)
            for d in range(data.kg_day.shape[1]):
                load = pulp.lpSum(data.kg_day[f, d] * self.x[f, j] for f in self.farms)
                prob += load <= room, f"capacity_{j}_{d}"

    def cost(self) -> Any:
        return self.transport + self.opening + self.unassigned


def solve_once(model: FacilityModel, time_limit_s: float) -> tuple[str, str, float | None]:
    """Solve the model's problem as it stands: (status, HiGHS's words, relative gap)."""
    data = model.data
    solver = pulp.HiGHS(
        msg=False,
        timeLimit=max(time_limit_s, 0.1),
        threads=data.threads,
        gapRel=data.mip_gap,
        random_seed=0,
    )
    model.prob.solve(solver)
    h = model.prob.solverModel
    info = h.getInfo()
    status = h.getModelStatus()
    has = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if status == highspy.HighsModelStatus.kOptimal:
        verdict = "optimal"
    else:
        verdict = "feasible" if has else "no_solution"
    gap = float(info.mip_gap) if has and model.y and np.isfinite(info.mip_gap) else None
    if verdict == "optimal" and gap is None:
        gap = 0.0
    return verdict, h.modelStatusToString(status), gap


def solve_facility(data: FacilityData) -> MilpAnswer:
    """Build and solve the instance; the shares of each farm's kg and the candidates opened."""
    t0 = time.perf_counter()
    model = FacilityModel(data)
    best_covered = None
    if data.objective == "coverage":
        model.prob.sense = pulp.LpMaximize
        model.prob.setObjective(model.covered)
        status, words, _ = solve_once(model, data.time_limit_s * COVERAGE_PHASE_SHARE)
        if status == "no_solution":
            return empty_answer(data, status, words, time.perf_counter() - t0)
        best_covered = float(pulp.value(model.covered) or 0.0)
        slack = COVERAGE_SLACK * float(data.kg.sum()) + 1e-6
        model.prob += model.covered >= best_covered - slack, "coverage_kept"
        model.prob.sense = pulp.LpMinimize
    model.prob.setObjective(model.cost())
    left = data.time_limit_s - (time.perf_counter() - t0)
    status, words, gap = solve_once(model, max(left, 0.1 * data.time_limit_s))
    if status == "no_solution":
        return empty_answer(data, status, words, time.perf_counter() - t0)
    share = np.zeros(data.km.shape)
    for (f, j), v in model.x.items():
        share[f, j] = max(0.0, min(1.0, float(v.varValue or 0.0)))
    opened = tuple(
        (model.y[c].varValue or 0.0) > 0.5 if c in model.y else False for c in model.candidates
    )
    return MilpAnswer(
        status=status,
        solver_status=words,
        share=share,
        opened=opened,
        objective=float(pulp.value(model.cost()) or 0.0),
        gap=gap,
        solve_s=time.perf_counter() - t0,
        kg_covered_best=best_covered,
    )


def empty_answer(data: FacilityData, status: str, words: str, solve_s: float) -> MilpAnswer:
    """The answer when HiGHS found no solution within its limits."""
    opened = (False,) * (data.km.shape[1] - data.existing)
    return MilpAnswer(status, words, np.zeros(data.km.shape), opened, None, None, solve_s)


def main() -> None:
    """Read the instance on standard input, write the answer to standard output."""
    answer_fd = os.dup(1)
    os.dup2(2, 1)  # anything printed on the way goes to standard error, not into the answer
    data = pickle.load(sys.stdin.buffer)
    answer = solve_facility(data)
    with os.fdopen(answer_fd, "wb") as out:
        pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":  # pragma: no cover - runs in the solver process
    main()


__all__ = ["FacilityModel", "empty_answer", "main", "solve_facility", "solve_once"]
