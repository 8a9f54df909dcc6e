"""The planner in a real browser: ``streamlit run app.py`` driven by Playwright on Chromium.

Needs Debian's ``chromium`` at /usr/bin/chromium and the ``playwright`` package (no browser
download); skipped otherwise. Loads the tiny instance, plans it, and checks that the map
canvas shows the routes and that the route table is rendered; the screenshot is kept in the
test's tmp_path. A second path moves a task to another vehicle (step 4.1), sees the check
at once, and reloads the page: the plan comes back from disk.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import REPO, tiny_app_scenario

from agrichain.app import adjust, inputs, jobs
from agrichain.app import map as route_map
from agrichain.io import save_scenario
from agrichain.pipeline import plan_day

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 90.0

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None,
        reason="the playwright package is not installed",
    ),
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``streamlit run app.py`` on a free local port, with the tiny instance bundled."""
    instances = tmp_path / "instances"
    save_scenario(tiny_app_scenario(), instances / "tiny")
    port = _free_port()
    env = dict(os.environ)
    env.pop(route_map.MAP_STYLE_ENV, None)
    env.update({inputs.INSTANCES_ENV: str(instances), inputs.DEFAULT_INSTANCE_ENV: "tiny"})
    log_path = tmp_path / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{log_path.read_text()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply,
            ):
                if reply.status == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not start in {START_TIMEOUT_S} s:\n{log_path.read_text()}"
                )
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _coloured_pixels(png: bytes, rgb: tuple[int, int, int], tolerance: int = 40) -> int:
    """Pixels of a PNG within ``tolerance`` of a colour (per channel)."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    r0, g0, b0 = rgb
    pixels = image.load()
    width, height = image.size
    count = 0
    for y in range(0, height):
        for x in range(0, width):
            r, g, b = pixels[x, y]  # type: ignore[index,misc]
            if abs(r - r0) <= tolerance and abs(g - g0) <= tolerance and abs(b - b0) <= tolerance:
                count += 1
    return count


def test_load_plan_and_see_the_routes_on_the_map(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 2600})
            page.goto(server, timeout=60_000)
            # load
            page.get_by_role("button", name="Load instance").click(timeout=60_000)
            page.get_by_text("Loaded instance 'tiny'").wait_for(timeout=60_000)
            # plan
            page.get_by_role("button", name="Plan", exact=True).click(timeout=60_000)
            page.get_by_text("Vehicles used").wait_for(timeout=120_000)
            page.get_by_text("Planned in").first.wait_for(timeout=60_000)
            metric_values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
            assert len(metric_values) >= 6
            # map: the deck.gl canvas shows the routes in the vehicles' colours
            chart = page.locator('[data-testid="stDeckGlJsonChart"]').first
            chart.wait_for(state="visible", timeout=60_000)
            assert chart.locator("canvas").count() >= 1
            chart.scroll_into_view_if_needed()
            page.wait_for_timeout(2_000)
            colours = [tuple(route_map.PALETTE[i]) for i in range(2)]
            drawn = 0
            for _ in range(20):
                shot = chart.screenshot()
                drawn = sum(_coloured_pixels(shot, c) for c in colours)  # type: ignore[arg-type]
                if drawn > 200:
                    break
                page.wait_for_timeout(500)
            assert drawn > 200, "no route or stop drawn on the map"
            # the route table: one row per route of the library's plan
            plan = plan_day(tiny_app_scenario(), time_limit_s=10.0, solution_limit=10, seed=0)
            assert page.get_by_role("tab", name="Routes").is_visible()
            cells = page.locator(".st-key-routes_box [role=gridcell]")
            cells.first.wait_for(state="attached", timeout=30_000)  # the grid's hidden a11y table
            texts = {t.strip() for t in cells.all_text_contents()}
            assert {r.vehicle_id for r in plan.routes} <= texts
            assert {str(len(r.stops) - 2) for r in plan.routes} <= texts  # the stops column
            assert page.get_by_role("button", name="Download the plan (zip)").is_visible()
            page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
            assert (tmp_path / "app.png").stat().st_size > 10_000
        finally:
            browser.close()


def test_move_a_task_see_the_check_and_reload(server: str) -> None:
    from playwright.sync_api import sync_playwright

    scenario = tiny_app_scenario()
    plan = plan_day(scenario, time_limit_s=10.0, solution_limit=10, seed=0)
    # the page's first choices: the first routed task, moved to the first vehicle
    task = next(t for t in plan.tasks if t.served)
    target = scenario.vehicles[0].vehicle_id
    assert task.vehicle_id != target
    options = jobs.PlanOptions.from_scenario(scenario)
    result = jobs.PlanResult(plan, scenario, options, jobs.plan_key(scenario, options), 0.0)
    lines = adjust.move_task(scenario, plan, adjust.start_lines(plan), task.task_id, target)
    check = adjust.check_lines(result, lines)
    moved = f"{task.task_id}: its pickup and delivery moved to {target}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 2600})
            page.goto(server, timeout=60_000)
            page.get_by_text("Loaded instance 'tiny'").wait_for(timeout=60_000)
            page.get_by_role("button", name="Plan", exact=True).click(timeout=60_000)
            page.get_by_text("Planned in").first.wait_for(timeout=120_000)
            page.get_by_text("The adjusted routes break no rule").wait_for(timeout=30_000)
            page.get_by_role("button", name="Move", exact=True).click(timeout=30_000)
            page.get_by_text(moved).wait_for(timeout=30_000)
            page.get_by_text(f"cost {check.cost():,.2f}").first.wait_for(timeout=30_000)
            if check.violations:
                counts = ", ".join(f"{code} {n}" for code, n in check.counts().items())
                said = f"break {len(check.violations)} rules ({counts})"
                page.get_by_text(said).wait_for(timeout=30_000)
                cells = page.locator(".st-key-adjust_violations_box [role=gridcell]")
                cells.first.wait_for(state="attached", timeout=30_000)
                codes = {t.strip() for t in cells.all_text_contents()}
                assert {v.code.value for v in check.violations} <= codes
            # a reload opens the plan again from disk
            page.reload(timeout=60_000)
            page.get_by_text("Opened again from the last session").wait_for(timeout=60_000)
            page.get_by_text("Vehicles used").wait_for(timeout=60_000)
        finally:
            browser.close()
