"""What a solver run said (plain data, picklable, no solver imports)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SolveReport:
    """What the solver said, in its own terms and ours."""

    solver: str
    status: str
    """"optimal" (within the requested gap), "feasible" (a limit hit, a solution kept),
    "no_solution", "infeasible" or "error"."""
    solver_status: str
    """The solver's own status text."""
    objective: float | None
    bound: float | None
    """Best bound on the optimum (the objective for a solved LP)."""
    gap: float | None
    """Relative gap (objective - bound) / |objective| as the solver computes it."""
    transfer_s: float
    """Handing the MILP to the solver (writing MPS for CBC)."""
    solve_s: float
    nodes: int | None = None
    watchdog: str = ""
    """"interrupted" / "killed" when the CBC watchdog had to act."""
    fallback: str = ""
    """"start" when the full MILP found no solution of its own and the plan is its start
    (the sub-MIP's solution, or the LP relaxation with every link it uses opened)."""
    start_objective: float | None = None
    """Objective of the sub-MIP solution handed to the MILP as its start."""
    lp_bound: float | None = None
    """Objective of the LP relaxation (a lower bound)."""

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")
