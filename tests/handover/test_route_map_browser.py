"""map.html in a real browser: it asks for nothing but itself, and the legend hides routes.

Needs Debian's ``chromium`` at /usr/bin/chromium and the ``playwright`` package; skipped
otherwise.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from agrichain.handover import MAP_HTML, write_sheets
from agrichain.model import Scenario
from agrichain.plan import Plan

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]

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


def test_the_map_loads_nothing_else_and_the_legend_hides_a_route(
    tmp_path: Path, planned: tuple[Scenario, Plan]
) -> None:
    from playwright.sync_api import sync_playwright

    scenario, plan = planned
    write_sheets(plan, scenario, tmp_path / "sheets")
    url = (tmp_path / "sheets" / MAP_HTML).as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto(url)
            shown = page.eval_on_selector_all("g.route", "gs => gs.map(g => g.dataset.vehicle)")
            assert shown == [r.vehicle_id for r in plan.routes]
            page.uncheck("input[data-route='0']")
            display = "g => getComputedStyle(g).display"
            assert page.eval_on_selector("#route-0", display) == "none"
            page.check("input[data-route='0']")
            assert page.eval_on_selector("#route-0", display) != "none"
        finally:
            browser.close()
    assert requested == [url]
