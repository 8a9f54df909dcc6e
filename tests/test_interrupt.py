"""SIGINT and SIGTERM stop a plan at once: nothing written, no process left, exit 130 / 143."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from builders import REPO, cold_pdp, tiny_scenario
from typer.testing import CliRunner

from agrichain.cli import app
from agrichain.clock import Interrupted, raise_if_stopped, stop_on_signals
from agrichain.inventory.worker import run_job
from agrichain.io import save_scenario
from agrichain.io.plan_folder import PlanFolder, write_plan_folder
from agrichain.routing import ENGINES, RoutingProblem, RoutingSolution, SolveParams, helper, solve

OLD = {"summary.json": b'{"status": "old"}\n', "routes.csv": b"old\n"}
INTERRUPTED = "agrichain: interrupted; no plan written"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def alive(pid: int) -> bool:
    """The process exists and is no zombie (an exited child not yet reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def descendants(pid: int) -> dict[int, str]:
    """Living processes below ``pid``, with their command lines."""
    parent_of: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent_of[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parent_of.items():
            if its_parent == parent and alive(child):
                try:
                    found[child] = (Path(f"/proc/{child}/cmdline").read_bytes()).decode()
                except OSError:
                    continue
                frontier.append(child)
    return found


def wait_until_gone(pids: set[int], within_s: float = 15.0) -> set[int]:
    """The processes of ``pids`` still alive after waiting up to ``within_s``."""
    deadline = time.monotonic() + within_s
    while {p for p in pids if alive(p)} and time.monotonic() < deadline:
        time.sleep(0.1)
    return {p for p in pids if alive(p)}


# ----- the signal handling itself -------------------------------------------------------


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_signal_raises_interrupted_with_the_shells_exit_code(signum: int, code: int) -> None:
    before = signal.getsignal(signum)
    with pytest.raises(Interrupted) as caught, stop_on_signals() as stop:
        os.kill(os.getpid(), signum)
        time.sleep(5)  # the handler raises before this ends
    assert caught.value.exit_code == code and stop.received == signum
    assert isinstance(caught.value, KeyboardInterrupt)  # `except Exception` lets it pass
    assert signal.getsignal(signum) is before


def test_a_held_signal_waits_until_the_step_is_done() -> None:
    with stop_on_signals() as stop:
        with stop.held():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
        assert stop.received == signal.SIGTERM
        with pytest.raises(Interrupted), stop.held():  # no step begins after a stop
            pass
    raise_if_stopped()  # outside the block: nothing to raise


def test_a_stop_that_a_native_search_dropped_is_raised_afterwards() -> None:
    with stop_on_signals() as stop:
        raise_if_stopped()  # no signal yet: nothing happens
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except Interrupted:
            pass  # as a solver's callback wrapper drops it
        assert stop.received == signal.SIGINT
        with pytest.raises(Interrupted):
            raise_if_stopped()


# ----- the library stops its processes on an interrupt ----------------------------------


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_an_interrupt_in_routing_kills_the_busy_helper_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    helpers: list[int] = []

    def interrupted(problem: RoutingProblem, params: SolveParams) -> RoutingSolution:
        helpers.append(helper.submit(os.getpid).result(timeout=120))
        helper.submit(time.sleep, 600)  # a job that would run for ten minutes
        raise KeyboardInterrupt

    monkeypatch.setitem(ENGINES, "interrupted", interrupted)
    with pytest.raises(KeyboardInterrupt):
        solve(cold_pdp(3, seed=0), SolveParams(engine="interrupted"))
    assert helpers and not alive(helpers[0])  # killed and reaped before solve returned


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_a_helper_exits_by_itself_when_its_parent_dies_without_stopping_it() -> None:
    parent = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; from agrichain.routing import helper; "
            "print(helper.submit(os.getpid).result(timeout=120), flush=True); "
            "os._exit(0)",  # no cleanup at all, as after a SIGKILL
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
    )
    orphan = int(parent.stdout.split()[-1])
    assert wait_until_gone({orphan}) == set()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_an_interrupt_kills_the_busy_inventory_worker_at_once() -> None:
    worker = run_job(os.getpid)

    def interrupt(signum: int, frame: FrameType | None) -> Any:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_job(time.sleep, 600)  # a job that would run for ten minutes
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
    assert not alive(worker)
    assert run_job(os.getpid) != worker  # the next job gets a new worker


# ----- the command: exit code, one line, the old plan intact ----------------------------

runner = CliRunner()


def test_a_signal_during_the_solve_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    out = tmp_path / "p"
    write_plan_folder(out, OLD)

    def killed(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)

    monkeypatch.setattr("agrichain.pipeline.plan_day", killed)
    result = runner.invoke(app, ["plan", str(folder), "--out", str(out)])
    assert result.exit_code == 143
    assert result.output.splitlines() == [INTERRUPTED]
    assert snapshot(out) == OLD


def test_a_signal_that_the_search_dropped_still_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    out = tmp_path / "p"
    write_plan_folder(out, OLD)
    from agrichain import pipeline

    real_plan_day = pipeline.plan_day

    def dropping(*args: Any, **kwargs: Any) -> Any:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except Interrupted:
            pass  # as OR-Tools drops an exception raised in its Python callback
        return real_plan_day(*args, **kwargs)

    monkeypatch.setattr(pipeline, "plan_day", dropping)
    result = runner.invoke(app, ["plan", str(folder), "--out", str(out), "--solution-limit", "5"])
    assert result.exit_code == 130
    assert result.output.splitlines() == [INTERRUPTED]
    assert snapshot(out) == OLD


def test_a_signal_during_the_swap_lets_it_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = save_scenario(tiny_scenario(), tmp_path / "sc")
    out = tmp_path / "p"
    write_plan_folder(out, OLD)
    real_write = PlanFolder.write

    def signalled(self: PlanFolder, files: dict[str, bytes]) -> list[Path]:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        return real_write(self, files)

    monkeypatch.setattr(PlanFolder, "write", signalled)
    args = ["plan", str(folder), "--out", str(out), "--solution-limit", "5", "--workers", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 130
    assert result.output.splitlines() == [f"agrichain: interrupted; the plan was written to {out}"]
    assert b'"status": "old"' not in (out / "summary.json").read_bytes()


# ----- a real `agrichain plan` process, signalled while it works ------------------------


def start_plan(out: Path) -> subprocess.Popen[str]:
    """``agrichain plan instances/county`` with a long time limit, in its own session."""
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "agrichain.cli", "plan", str(REPO / "instances" / "county")),
            *("--out", str(out), "--time-limit", "60"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_child(proc: subprocess.Popen[str], marker: str) -> dict[int, str]:
    """Wait until a process below ``proc`` runs with ``marker`` in its command line."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        below = descendants(proc.pid)
        if any(marker in cmd for cmd in below.values()):
            return below
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"no {marker} process appeared: {proc.communicate()[1]}")


needs_two_cpus = pytest.mark.skipif(
    not Path("/proc").is_dir() or (os.cpu_count() or 1) < 2,
    reason="needs /proc and a helper process (two CPUs)",
)


@needs_two_cpus
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_routing_stops_the_plan_and_its_helpers(
    tmp_path: Path, signum: int, code: int
) -> None:
    out = tmp_path / "p"
    write_plan_folder(out, OLD)
    proc = start_plan(out)
    children = wait_for_child(proc, "spawn_main")  # the routing helper has started
    time.sleep(1.0)  # well inside the search
    children |= descendants(proc.pid)
    proc.send_signal(signum)
    # The search would run for a minute; stopping takes a moment.
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert err.splitlines()[-1] == INTERRUPTED
    assert snapshot(out) == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == [".p.lock", "p"]
    assert wait_until_gone(set(children)) == set(), children


@needs_two_cpus
def test_a_signal_while_allocating_stops_the_inventory_worker(tmp_path: Path) -> None:
    out = tmp_path / "p"
    proc = start_plan(out)
    children = wait_for_child(proc, "agrichain.inventory.worker")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == INTERRUPTED
    assert not out.exists()
    assert wait_until_gone(set(children)) == set(), children
