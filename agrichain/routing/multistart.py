"""Multi-start OR-Tools engine: two differently tuned searches at once, the cheapest wins.

Each start (:data:`STARTS`) builds the OR-Tools model once, builds a
``PATH_CHEAPEST_ARC`` first solution and runs guided local search from it:

* ``tuned-gls`` (in the calling process): guided local search with lambda 0.05;
* ``plain-gls`` (in a helper process): guided local search with OR-Tools' default
  lambda, i.e. the textbook setup, as a floor.

Path-cheapest-arc is best while it routes every visit, but when the fleet is short
it leaves many visits dropped. So, by a deterministic rule, only when the
path-cheapest-arc first solution drops a visit (or finds none) is a
``LOCAL_CHEAPEST_INSERTION`` first solution built too (it costs seconds on large
models): ``tuned-gls`` then starts from the cheaper of the two, ``plain-gls`` from
the insertion one (when it finds one).

The starts run in parallel, one in the calling process and one in a helper process
(``spawn``; it is started on first use and reused, and its start-up counts against
the time limit of that call). Two starts on two processes use a 2-core machine fully;
each process builds its own OR-Tools model (OR-Tools objects cannot be pickled, the
:class:`~agrichain.routing.problem.RoutingProblem` can), so memory is about twice a
single solve. With one CPU (or ``max_processes=1``) the starts run one after the
other, sharing the time limit. As with any ``spawn`` process, a script that calls
this engine at import time must do so under ``if __name__ == "__main__":``.

The result is the start whose solution passes
:func:`~agrichain.routing.check.check_solution` with the lowest objective (the
earlier start on ties). ``time_limit_s`` bounds the whole call: every search stops
:data:`SAFETY_MARGIN_S` before it, and a helper that has not answered shortly
after that is ignored (and restarted next time). With a ``solution_limit`` every
guided local search stops after that many solutions, so the result is
deterministic as long as the limits, not the clock, end the searches.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from agrichain._spawn import hidden_main_script
from agrichain.routing.check import check_solution, unservable_reasons, usable_vehicles
from agrichain.routing.ortools_engine import (
    _METAHEURISTIC,
    SearchTuning,
    _build,
    _finish,
    _result,
    _search_parameters,
    _validate_pairs,
    solve_ortools,
)
from agrichain.routing.problem import (
    MANDATORY,
    RoutingProblem,
    RoutingSolution,
    SolveParams,
    SolveStatus,
)

ENGINE_NAME = "multistart"
#: Seconds kept back from the time limit for collecting, checking and choosing results.
SAFETY_MARGIN_S = 0.3
#: Seconds the caller waits past the deadline for the helper process before giving up on it.
HELPER_GRACE_S = 0.5
#: First-solution strategy of every start ...
ARC_FIRST_SOLUTION = "PATH_CHEAPEST_ARC"
#: ... and the one also built when it drops a visit (f120-tight county case: insertion
#: 135,899 against path-cheapest-arc 193,338; it took about 4 s to build on f300).
INSERTION_FIRST_SOLUTION = "LOCAL_CHEAPEST_INSERTION"


@dataclass(frozen=True)
class Start:
    """One search of the multi-start: local-search tuning and the first-solution rule."""

    name: str
    tuning: SearchTuning | None = None
    """Guided-local-search settings (None: OR-Tools defaults)."""
    insertion_when_arc_drops: bool = False
    """When path-cheapest-arc drops a visit: start from the insertion first solution
    (True) or from the cheaper of the two (False, path-cheapest-arc on ties)."""


#: The starts, in tie-breaking order; the first runs in the calling process.
STARTS: tuple[Start, ...] = (
    Start("tuned-gls", SearchTuning(gls_lambda=0.05)),
    Start("plain-gls", None, insertion_when_arc_drops=True),
)


def run_start(
    problem: RoutingProblem, params: SolveParams, start: Start, deadline: float
) -> RoutingSolution:
    """Run one start until ``deadline`` (``time.monotonic()``) or ``params.solution_limit``.

    ``stats`` record the first solutions built (``first_solution_objectives``),
    the one searched from (``first_solution_strategy``) and how many visits
    path-cheapest-arc dropped (``arc_dropped``; -1 when it found no solution).
    """
    t0 = time.perf_counter()

    def left_s() -> float:
        return deadline - time.monotonic()

    _validate_pairs(problem)
    stats: dict[str, float | int | str] = {
        "metaheuristic": routing_enums_pb2.LocalSearchMetaheuristic.Value.Name(_METAHEURISTIC),
        "start": start.name,
    }
    vehicles = usable_vehicles(problem)
    unservable = unservable_reasons(problem)
    if problem.visit_nodes().size == 0 or any(
        problem.node_drop_penalty[n] == MANDATORY for n in unservable
    ):
        return solve_ortools(problem, replace(params, time_limit_s=max(0.01, left_s())))
    out_penalty = int(sum(int(problem.node_drop_penalty[n]) for n in unservable))
    visits = np.array(
        [n for n in problem.visit_nodes().tolist() if n not in unservable], dtype=np.int64
    )
    stats["usable_vehicles"] = int(vehicles.size)
    stats["unservable_nodes"] = len(unservable)
    if visits.size == 0:
        return _result(problem, t0, stats, objective=out_penalty)
    model = _build(problem, vehicles, visits)
    routing = model.routing
    t_built = time.perf_counter()
    stats["build_s"] = t_built - t0
    first_visit = int(model.model_nodes.size) - int(visits.size)

    def dropped(solution: pywrapcp.Assignment) -> int:
        return sum(
            1
            for index in range(routing.Size())
            if not routing.IsStart(index)
            and model.manager.IndexToNode(index) >= first_visit
            and solution.Value(routing.NextVar(index)) == index
        )

    first_only = replace(params, solution_limit=1)
    routing.CloseModelWithParameters(
        _search_parameters(params, max(0.01, left_s()), ARC_FIRST_SOLUTION, start.tuning)
    )
    tried: list[str] = []

    def first_solution(strategy: str) -> pywrapcp.Assignment | None:
        if left_s() <= 0:
            tried.append(f"{strategy}:-1")
            return None
        found = routing.SolveWithParameters(
            _search_parameters(first_only, left_s(), strategy, start.tuning)
        )
        if found is None:
            tried.append(f"{strategy}:-1")
            return None
        tried.append(f"{strategy}:{int(found.ObjectiveValue()) + out_penalty}")
        return routing.solver().Assignment(found)

    chosen, first = ARC_FIRST_SOLUTION, first_solution(ARC_FIRST_SOLUTION)
    arc_dropped = -1 if first is None else dropped(first)
    stats["arc_dropped"] = arc_dropped
    if arc_dropped != 0:
        insertion = first_solution(INSERTION_FIRST_SOLUTION)
        if insertion is not None and (
            first is None
            or start.insertion_when_arc_drops
            or insertion.ObjectiveValue() < first.ObjectiveValue()
        ):
            chosen, first = INSERTION_FIRST_SOLUTION, insertion
    stats["first_solution_objectives"] = ",".join(tried)
    stats["first_solution_strategy"] = chosen
    solution = first
    if first is not None and left_s() > 0:
        searched = routing.SolveFromAssignmentWithParameters(
            first, _search_parameters(params, left_s(), chosen, start.tuning)
        )
        if searched is not None:
            solution = searched
    return _finish(model, problem, routing, solution, t0, t_built, stats, out_penalty)


def _helper_main(conn: Connection) -> None:
    """Helper process loop: run (problem, params, start, deadline) jobs until told to stop."""
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            conn.send(("ok", run_start(*job)))
        except Exception as exc:  # reported to the caller, which keeps its own result
            conn.send(("error", f"{type(exc).__name__}: {exc}"[:300]))


@dataclass
class _Helper:
    process: BaseProcess
    conn: Connection


_HELPER: _Helper | None = None


def _helper() -> _Helper:
    global _HELPER
    if _HELPER is None or not _HELPER.process.is_alive():
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_helper_main, args=(child,), daemon=True)
        with hidden_main_script():
            process.start()
        child.close()
        _HELPER = _Helper(process, parent)
    return _HELPER


def shutdown_helper() -> None:
    """Stop the helper process (it is restarted on demand)."""
    global _HELPER
    if _HELPER is None:
        return
    helper, _HELPER = _HELPER, None
    with contextlib.suppress(OSError, ValueError):
        helper.conn.send(None)
    helper.process.join(timeout=1.0)
    if helper.process.is_alive():
        helper.process.terminate()
        helper.process.join(timeout=1.0)
    helper.conn.close()


atexit.register(shutdown_helper)


def _rank(problem: RoutingProblem, solution: RoutingSolution) -> tuple[bool, bool, int]:
    """(breaks a rule, has no solution, objective): lower is better."""
    no_solution = solution.status == SolveStatus.NO_SOLUTION
    broken = not no_solution and bool(check_solution(problem, solution))
    return broken, no_solution, solution.objective


def _parallel_processes(max_processes: int | None) -> int:
    cpus = os.cpu_count() or 1
    limit = cpus if max_processes is None else max(1, max_processes)
    return min(limit, cpus, 2)


def solve_multistart(
    problem: RoutingProblem, params: SolveParams, *, max_processes: int | None = None
) -> RoutingSolution:
    """Solve ``problem`` with every start of :data:`STARTS` within ``params.time_limit_s``.

    ``max_processes`` caps the processes used (default: the CPU count, at most 2).
    Returns the cheapest solution that passes :func:`check_solution`; its
    ``stats`` name the ``winner`` and each start's objective.
    """
    t0 = time.monotonic()
    mandatory_out = any(
        problem.node_drop_penalty[n] == MANDATORY for n in unservable_reasons(problem)
    )
    if problem.visit_nodes().size == 0 or mandatory_out:
        # Nothing to search: the engine answers at once (EMPTY or NO_SOLUTION with a reason).
        sol = solve_ortools(problem, params)
        return replace(sol, engine=ENGINE_NAME, wall_time_s=time.monotonic() - t0)
    deadline = t0 + max(0.05, params.time_limit_s - SAFETY_MARGIN_S)
    stats: dict[str, float | int | str] = {}
    results: list[RoutingSolution | None] = [None] * len(STARTS)
    if _parallel_processes(max_processes) >= 2 and len(STARTS) >= 2:
        helper = _helper()
        helper_note = "ok"
        try:
            helper.conn.send((problem, params, STARTS[1], deadline))
        except (OSError, ValueError) as exc:
            helper_note = f"failed: {exc}"[:200]
            shutdown_helper()
        results[0] = run_start(problem, params, STARTS[0], deadline)
        if helper_note == "ok":
            wait_s = max(0.0, deadline - time.monotonic()) + HELPER_GRACE_S
            if helper.conn.poll(wait_s):
                kind, payload = helper.conn.recv()
                if kind == "ok":
                    results[1] = payload
                else:
                    helper_note = f"failed: {payload}"
            else:  # late (slow start-up or a stuck model): stop it, restart next time
                helper_note = "late"
                shutdown_helper()
        stats["helper"] = helper_note
        stats["processes"] = 2
        # Any further starts run in turn in the remaining time.
        for k in range(2, len(STARTS)):
            results[k] = run_start(problem, params, STARTS[k], deadline)
    else:
        for k, start in enumerate(STARTS):
            share = (deadline - time.monotonic()) / (len(STARTS) - k)
            results[k] = run_start(problem, params, start, time.monotonic() + share)
    ranked = sorted((_rank(problem, sol), k) for k, sol in enumerate(results) if sol is not None)
    for (broken, no_solution, objective), k in ranked:
        stats[f"{STARTS[k].name}_objective"] = -1 if broken or no_solution else objective
    winner = ranked[0][1]
    best = results[winner]
    assert best is not None
    stats["winner"] = STARTS[winner].name
    return replace(
        best,
        engine=ENGINE_NAME,
        wall_time_s=time.monotonic() - t0,
        stats={**best.stats, **stats},
    )


__all__ = ["ENGINE_NAME", "STARTS", "Start", "run_start", "shutdown_helper", "solve_multistart"]


#: The start used alone by :func:`solve_adaptive_start` (the ``auto`` engine for
#: problems with transit limits).
ADAPTIVE_START = Start("adaptive", None, insertion_when_arc_drops=True)


def solve_adaptive_start(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
    """One in-process OR-Tools search: path-cheapest-arc first solution, or local cheapest
    insertion when that drops visits (short fleets), then guided local search.

    No extra process is started, so it is safe inside servers, notebooks and test runners.
    """
    t0 = time.monotonic()
    mandatory_out = any(
        problem.node_drop_penalty[n] == MANDATORY for n in unservable_reasons(problem)
    )
    if problem.visit_nodes().size == 0 or mandatory_out:
        sol = solve_ortools(problem, params)
        return replace(sol, engine="adaptive", wall_time_s=time.monotonic() - t0)
    deadline = t0 + max(0.05, params.time_limit_s - SAFETY_MARGIN_S)
    sol = run_start(problem, params, ADAPTIVE_START, deadline)
    return replace(sol, engine="adaptive", wall_time_s=time.monotonic() - t0)
