"""Planning from the app: the planner's options, and :func:`run_plan` (or another plan-making
call, such as the re-plan of :mod:`agrichain.app.replan`) in a worker process."""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import json
import os
import pickle
import queue
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from agrichain.app.worker import worker_context
from agrichain.errors import InputIssue, ScenarioError
from agrichain.model import RoutingSettings, Scenario
from agrichain.pipeline import DEFAULT_ALLOCATION, make_allocator, plan_day
from agrichain.plan import Plan
from agrichain.routing.engine import ENGINES
from agrichain.spawning import hidden_main_script

#: What the planner is told while each stage of the worker runs.
STAGE_LABELS = {
    "starting": "starting the solver",
    "allocate": "allocating harvest to orders",
    "route": "routing the fleet",
    "replan": "re-planning the rest of the day",
    "done": "finishing",
}


@dataclass(frozen=True)
class PlanOptions:
    """What the planner chose before pressing Plan. ``None`` keeps the scenario's value."""

    time_limit_s: float
    solution_limit: int | None = None
    seed: int = 0
    engine: str = "auto"
    allocation: str = DEFAULT_ALLOCATION
    """The allocation method (the library's default unless chosen)."""
    drop_penalty_per_kg: float | None = None
    cost_per_km: float | None = None
    """One running cost per km for every vehicle (None: each vehicle's own)."""

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> PlanOptions:
        """The options ``scenario.toml`` implies (what the CLI would use)."""
        r = scenario.settings.routing
        return cls(
            time_limit_s=float(r.time_limit_s),
            solution_limit=r.solution_limit,
            seed=r.seed,
            engine=r.engine,
        )


def engine_names() -> list[str]:
    """Routing engines the library knows."""
    return list(ENGINES)


def mean_cost_per_km(scenario: Scenario) -> float:
    """The vehicles' mean running cost per km (0 without vehicles)."""
    return sum(v.cost_per_km for v in scenario.vehicles) / max(1, len(scenario.vehicles))


def planned_scenario(scenario: Scenario, options: PlanOptions) -> Scenario:
    """The scenario with the cost options applied (drop penalty, cost per km)."""
    out = scenario
    routing = out.settings.routing
    if options.drop_penalty_per_kg is not None and (
        options.drop_penalty_per_kg != routing.drop_penalty_per_kg
    ):
        new_routing = RoutingSettings(
            **{**routing.model_dump(), "drop_penalty_per_kg": options.drop_penalty_per_kg}
        )
        settings = type(out.settings)(**{**out.settings.model_dump(), "routing": new_routing})
        out = out.with_settings(settings)
    if options.cost_per_km is not None and any(
        v.cost_per_km != options.cost_per_km for v in out.vehicles
    ):
        vehicles = [
            type(v)(**{**v.model_dump(), "cost_per_km": options.cost_per_km}) for v in out.vehicles
        ]
        out = out.with_tables(vehicles=vehicles)
    return out


def plan_key(scenario: Scenario, options: PlanOptions, travel_source: str = "") -> str:
    """A digest of the scenario's content, the options and the travel file (its
    :func:`~agrichain.app.travel.travel_source_key`): equal keys give the same plan."""
    digest = hashlib.sha256(scenario.model_dump_json().encode("utf-8"))
    digest.update(json.dumps(asdict(options), sort_keys=True).encode("utf-8"))
    digest.update(travel_source.encode("utf-8"))
    return digest.hexdigest()


def run_plan(
    scenario: Scenario,
    options: PlanOptions,
    progress: Callable[[str, float], None] | None = None,
    *,
    scenario_folder: str | None = None,
) -> Plan:
    """Plan the day as the CLI would, with the app's options; ``[travel]`` files are read
    from ``scenario_folder``."""
    return plan_day(
        planned_scenario(scenario, options),
        time_limit_s=options.time_limit_s,
        seed=options.seed,
        solution_limit=options.solution_limit,
        engine=options.engine,
        allocator=make_allocator(options.allocation),
        progress=progress,
        scenario_folder=scenario_folder,
    )


def expected_duration_s(scenario: Scenario, options: PlanOptions) -> float:
    """Seconds the solve may take at most by its limits (routing, plus the inventory MILP)."""
    total = options.time_limit_s
    if options.allocation == "inventory":
        total += scenario.settings.inventory.time_limit_s
    return float(total)


@dataclass
class PlanResult:
    """A finished plan with the scenario and options it was made from."""

    plan: Plan
    scenario: Scenario
    """The scenario as planned (options applied)."""
    options: PlanOptions
    key: str
    wall_s: float
    origin: str = "planned"
    """How it was made: "planned", "adjusted" (by hand) or "re-planned" (after events)."""
    changes: pd.DataFrame | None = None
    """What changed for each driver (a re-planned plan: the rows of ``changes.csv``)."""
    scenario_folder: str | None = None
    """The folder the scenario's ``[travel]`` file is read from (None: it names none)."""
    _files: dict[str, bytes] = field(default_factory=dict, repr=False)

    def download(self, name: str, make: Callable[[], bytes]) -> bytes:
        """Bytes of a download, made once per plan."""
        if name not in self._files:
            self._files[name] = make()
        return self._files[name]


def keep_plan(
    plans: Mapping[str, PlanResult], result: PlanResult, limit: int
) -> dict[str, PlanResult]:
    """``plans`` with ``result`` added last, the oldest dropped beyond ``limit``."""
    kept = dict(plans)
    kept[result.key] = result
    while len(kept) > limit:
        kept.pop(next(iter(kept)))
    return kept


# ----- the worker process ---------------------------------------------------------------


def _plan_worker(run: Callable[..., Any], args: tuple[Any, ...], path: str, news: Any) -> None:
    def progress(stage: str, fraction: float) -> None:
        news.put(("progress", stage, float(fraction)))

    try:
        made = run(*args, progress=progress)
        tmp = path + ".part"
        with open(tmp, "wb") as fh:
            pickle.dump(made, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        news.put(("plan", path))
    except ScenarioError as exc:
        news.put(("issues", [asdict(i) for i in exc.issues]))
    except Exception as exc:  # reported to the planner as a message, not a traceback
        news.put(("error", f"{type(exc).__name__}: {exc}"))


_RUNNING: weakref.WeakSet[PlanJob] = weakref.WeakSet()


@atexit.register
def _stop_running_jobs() -> None:
    # Runs before multiprocessing's own exit handler, which would wait for the workers.
    for job in list(_RUNNING):
        job.cancel()


class PlanJob:
    """One :func:`run_plan` in a worker process; poll it for progress and the plan.

    Or another module-level call ``run(*args, progress=…)``: a subclass takes what it
    makes in :meth:`accept` and gives the :class:`PlanResult` in :meth:`result`."""

    #: Jobs started in this process (lets tests check that re-rendering does not re-solve).
    started = 0

    def __init__(
        self,
        scenario: Scenario,
        options: PlanOptions,
        key: str = "",
        *,
        run: Callable[..., Any] = run_plan,
        args: tuple[Any, ...] | None = None,
        scenario_folder: str | None = None,
    ) -> None:
        ctx = worker_context()
        if run is run_plan:
            run = functools.partial(run_plan, scenario_folder=scenario_folder)
        self.scenario = scenario
        self.options = options
        self.scenario_folder = scenario_folder
        self.key = key or plan_key(scenario, options)
        self.expected_s = expected_duration_s(scenario, options)
        self.stage = "starting"
        self.plan: Plan | None = None
        self.error: str | None = None
        self.issues: tuple[InputIssue, ...] = ()
        self.started_at = time.monotonic()
        self.finished_at: float | None = None
        self._dir = tempfile.mkdtemp(prefix="agrichain-plan-")
        self._result = os.path.join(self._dir, "plan.pickle")
        self._news: Any = ctx.Queue()
        self._process: Any = ctx.Process(  # type: ignore[attr-defined]
            target=_plan_worker,
            args=(run, (scenario, options) if args is None else args, self._result, self._news),
            name="agrichain-plan",
        )
        with hidden_main_script():
            self._process.start()
        type(self).started += 1
        _RUNNING.add(self)

    @property
    def done(self) -> bool:
        return self.finished_at is not None

    @property
    def elapsed_s(self) -> float:
        return (self.finished_at or time.monotonic()) - self.started_at

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)

    @property
    def progress_text(self) -> str:
        """The stage and the time spent against the most the limits allow."""
        return f"{self.stage_label} — {self.elapsed_s:.0f} s of at most {self.expected_s:.0f} s"

    def fraction(self) -> float:
        """Progress in [0, 1]: elapsed time against the limits (1 once finished)."""
        if self.done:
            return 1.0
        return max(0.0, min(0.99, self.elapsed_s / max(self.expected_s, 1e-9)))

    def result(self) -> PlanResult | None:
        """The plan with the scenario as planned and the options (None without a plan)."""
        if self.plan is None:
            return None
        return PlanResult(
            plan=self.plan,
            scenario=planned_scenario(self.scenario, self.options),
            options=self.options,
            key=self.key,
            wall_s=self.elapsed_s,
            scenario_folder=self.scenario_folder,
        )

    def accept(self, made: Any) -> None:
        """Take what the worker made (here: the plan)."""
        self.plan = made

    def _take(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "progress":
            self.stage = str(message[1])
        elif kind == "plan":
            with open(message[1], "rb") as fh:
                self.accept(pickle.load(fh))
            self._finish()
        elif kind == "issues":
            self.issues = tuple(InputIssue(**i) for i in message[1])
            self.error = "the scenario is invalid"
            self._finish()
        elif kind == "error":
            self.error = str(message[1])
            self._finish()

    def _drain(self, wait_s: float = 0.0) -> None:
        while not self.done:
            try:
                message = self._news.get(timeout=wait_s) if wait_s else self._news.get_nowait()
            except queue.Empty:
                return
            self._take(message)

    def poll(self) -> bool:
        """Read the worker's news; True once the job has ended (plan or error)."""
        if self.done:
            return True
        alive = self._process.is_alive()
        self._drain()
        if not self.done and not alive:
            self._drain(wait_s=1.0)
            if not self.done:
                code = self._process.exitcode
                self.error = f"the planning process stopped unexpectedly (exit code {code})"
                self._finish()
        return self.done

    def wait(self, timeout_s: float | None = None, interval_s: float = 0.1) -> bool:
        """Poll until the job ends or ``timeout_s`` passes; True if it ended."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not self.poll():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(interval_s)
        return True

    def cancel(self) -> None:
        """Stop the worker; the job ends with the error ``cancelled``."""
        if self.done:
            return
        self._process.terminate()
        self._process.join(timeout=5)
        self.error = "cancelled"
        self._finish()

    def _finish(self) -> None:
        _RUNNING.discard(self)
        self.finished_at = time.monotonic()
        self._process.join(timeout=5)
        with contextlib.suppress(Exception):
            self._news.close()
        shutil.rmtree(self._dir, ignore_errors=True)


__all__ = [
    "STAGE_LABELS",
    "PlanJob",
    "PlanOptions",
    "PlanResult",
    "engine_names",
    "expected_duration_s",
    "keep_plan",
    "mean_cost_per_km",
    "plan_key",
    "planned_scenario",
    "run_plan",
]
