"""CBC as PuLP's bundled ``cbc`` binary on an MPS file, under a watchdog.

CBC overruns its ``-sec`` limit, so it gets SIGINT (it then stops and writes its
incumbent) ``watchdog_grace_s`` after the limit and SIGKILL
:data:`KILL_AFTER_INTERRUPT_S` later. Its verdict is read from the solution file's
first line and from its log (objective, lower bound, nodes).
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pulp

from agrichain.errors import SolverError
from agrichain.inventory.data import InventoryOptions
from agrichain.inventory.milp import BuiltMilp
from agrichain.inventory.report import SolveReport

#: Seconds between the watchdog's SIGINT and its SIGKILL.
KILL_AFTER_INTERRUPT_S = 10.0

_CBC_NUMBER = r"([-+0-9.eE]+|inf|-inf|nan)"


@dataclass(frozen=True)
class _Files:
    """The files of one CBC run, in a temporary folder."""

    mps: str
    sol: str
    log: str
    start: str

    @classmethod
    def within(cls, folder: str) -> _Files:
        return cls(
            mps=os.path.join(folder, "milp.mps"),
            sol=os.path.join(folder, "milp.sol"),
            log=os.path.join(folder, "cbc.log"),
            start=os.path.join(folder, "start.mst"),
        )


@dataclass(frozen=True)
class _Run:
    """How a CBC run went: its wall time, exit code and what the watchdog did."""

    transfer_s: float
    solve_s: float
    returncode: int | None
    watchdog: str


def solve_cbc(
    milp: BuiltMilp,
    options: InventoryOptions,
    msg: bool,
    relax: bool,
    start: np.ndarray | None,
) -> SolveReport:
    """Solve ``milp`` in place with CBC (see :func:`agrichain.inventory.solve.solve_milp`)."""
    prob = milp.prob
    cmd = pulp.PULP_CBC_CMD(msg=False)
    if not cmd.available():
        raise SolverError(f"CBC is not available at {cmd.path}")
    mip = bool(milp.y) and not relax
    with tempfile.TemporaryDirectory(prefix="agrichain-cbc-") as tmp:
        files = _Files.within(tmp)
        t0 = time.perf_counter()
        columns, column_names, row_names, _ = prob.writeMPS(files.mps, rename=1, mip=not relax)
        transfer_s = time.perf_counter() - t0
        args = [cmd.path, files.mps]
        if prob.sense == pulp.LpMaximize:
            args.append("-max")
        if start is not None and mip:
            for v, x in zip(milp.columns, start.tolist(), strict=True):
                v.varValue = x
            cmd.writesol(files.start, prob, columns, column_names, row_names)
            args += ["-mips", files.start]
        args += _cbc_options(options, mip, files.sol)
        run = _run_watched(args, files.log, options, transfer_s)
        log = Path(files.log).read_text(errors="replace")
        if not os.path.exists(files.sol) or os.path.getsize(files.sol) == 0:
            return _no_solution_report(run)
        first = Path(files.sol).read_text(errors="replace").split("\n", 1)[0].strip()
        _, sol_status = cmd.get_status(files.sol)
        _, values, _, _, _, _ = cmd.readsol_MPS(files.sol, prob, columns, column_names, row_names)
    for v in milp.columns:
        v.varValue = values.get(v.name, 0.0)
    return _cbc_report(first, sol_status, log, run)


def _cbc_options(options: InventoryOptions, mip: bool, solution_path: str) -> list[str]:
    """CBC's command line after the MILP and start: limits, threads, what to solve."""
    return [
        "-sec",
        f"{options.time_limit_s:g}",
        "-timeMode",
        "elapsed",
        "-ratio",
        f"{options.mip_gap:g}",
        "-threads",
        str(options.threads),
        "-solve" if mip else "-initialSolve",
        "-printingOptions",
        "all",
        "-solution",
        solution_path,
    ]


def _run_watched(
    args: list[str], log_path: str, options: InventoryOptions, transfer_s: float
) -> _Run:
    """Run CBC with its output in ``log_path``; SIGINT, then SIGKILL, if it overruns."""
    watchdog = ""
    t0 = time.perf_counter()
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
    return _Run(transfer_s, time.perf_counter() - t0, proc.returncode, watchdog)


def _no_solution_report(run: _Run) -> SolveReport:
    """The report of a run that wrote no solution file."""
    return SolveReport(
        solver="cbc",
        status="no_solution" if run.watchdog else "error",
        solver_status="killed by watchdog" if run.watchdog else f"exit code {run.returncode}",
        objective=None,
        bound=None,
        gap=None,
        transfer_s=run.transfer_s,
        solve_s=run.solve_s,
        watchdog=run.watchdog,
    )


def _cbc_log_number(log: str, label: str) -> float | None:
    found = re.findall(rf"^{label}:\s+{_CBC_NUMBER}", log, flags=re.MULTILINE)
    if not found:
        return None
    try:
        value = float(found[-1])
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _cbc_status(head: str, sol_status: Any) -> tuple[str, bool]:
    """(our status, whether the solution is usable) from the solution file's verdict."""
    has = sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if head.startswith("Optimal"):
        return "optimal", has
    if head.startswith("Infeasible") or head.startswith("Integer infeasible"):
        return "infeasible", False
    return ("feasible" if has else "no_solution"), has


def _cbc_report(first: str, sol_status: Any, log: str, run: _Run) -> SolveReport:
    """Our reading of a CBC run from its solution file's first line and its log."""
    head = first.split(" - ")[0].strip()
    objective = _cbc_log_number(log, "Objective value")
    if objective is None and "objective value" in first:
        objective = float(first.rsplit(" ", 1)[-1])
    status, has = _cbc_status(head, sol_status)
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
        transfer_s=run.transfer_s,
        solve_s=run.solve_s,
        nodes=None if nodes is None else int(nodes),
        watchdog=run.watchdog,
    )
