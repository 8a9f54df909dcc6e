"""One time budget per call, and no helper process outliving it."""

from __future__ import annotations

import dataclasses
import math
import os
import time
from pathlib import Path

import pytest
from builders import REPO, tiny_scenario

from agrichain.app import jobs
from agrichain.clock import Deadline
from agrichain.inventory import InventoryAllocator
from agrichain.io import load_scenario
from agrichain.pipeline import plan_day


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_a_deadline_needs_a_finite_positive_limit(bad: float) -> None:
    with pytest.raises(ValueError, match="finite number > 0"):
        Deadline(bad)


def test_a_deadline_counts_down_from_its_start() -> None:
    d = Deadline(5.0, started=time.monotonic() - 2.0)
    assert d.at == pytest.approx(d.started + 5.0)
    assert 2.0 <= d.elapsed() < 3.0 and 2.0 < d.remaining() <= 3.0 and not d.expired()
    assert Deadline(1.0, started=time.monotonic() - 2.0).expired()


def test_the_inventory_solver_gets_at_most_its_share_of_the_limit() -> None:
    scenario = tiny_scenario()
    allocator = InventoryAllocator(time_limit_s=60.0)
    assert allocator.options_for(scenario).time_limit_s == 60.0
    assert allocator.within(4.0).options_for(scenario).time_limit_s == 4.0
    assert allocator.within(4.0).within(9.0).options_for(scenario).time_limit_s == 4.0
    assert allocator.options_for(scenario).time_limit_s == 60.0  # the original is unchanged


def test_plan_day_records_the_limit_and_what_stopped_the_search() -> None:
    plan = plan_day(tiny_scenario(), time_limit_s=20.0, solution_limit=3, workers=1)
    routing = plan.summary["routing"]
    assert routing["time_limit_s"] == 20.0
    assert 0 < routing["search_time_limit_s"] <= 20.0
    assert routing["stopped_by"] == "solution_limit"
    assert routing["violations"] == 0 and plan.summary["status"] == "complete"


def _spawned_python_pids() -> set[int]:
    """Processes started by multiprocessing's spawn (helper or worker processes)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"multiprocessing.spawn" in cmdline or b"spawn_main" in cmdline:
                out.add(int(entry.name))
    return out


@pytest.mark.skipif(not Path("/proc").is_dir() or (os.cpu_count() or 1) < 2, reason="needs /proc")
def test_no_process_outlives_a_plan_job_that_used_two_processes() -> None:
    before = _spawned_python_pids()
    county = load_scenario(REPO / "instances" / "county")
    # scenario.toml's routing.workers defaults to 2
    options = dataclasses.replace(jobs.PlanOptions.from_scenario(county), solution_limit=2)
    job = jobs.PlanJob(county, options)
    assert job.wait(timeout_s=300)
    assert job.error is None and job.plan is not None
    assert job.plan.summary["routing"]["processes"] == 2  # a helper process was used
    deadline = time.monotonic() + 10
    while _spawned_python_pids() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _spawned_python_pids() - before == set()
