"""The route map in a real browser: without a basemap the page asks nothing of any host but
the app's own; one vehicle chosen is drawn in its colour, the others dimmed.

Reuses the ``server`` fixture of ``test_app_browser`` (``streamlit run app.py`` on a free
local port with the tiny instance, no ``$AGRICHAIN_MAP_STYLE``) and its skips: Debian's
``chromium`` at /usr/bin/chromium and the ``playwright`` package are needed. A vehicles
table with a small refrigerated van is uploaded so that the plan has two routes. Every
request of the browser context is recorded; requests to other hosts are recorded and
aborted, so a failure never reaches the internet. As a control, a basemap typed under
*Map settings* is requested.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from test_app_browser import CHROMIUM, CHROMIUM_ARGS, pytestmark, server  # noqa: F401
from test_map import LIMITS, two_van_scenario

from agrichain.app import map as route_map
from agrichain.io import save_scenario
from agrichain.pipeline import plan_day

#: A basemap style no network can serve (the ``.invalid`` top-level domain, RFC 2606).
OUTSIDE_STYLE = "http://basemap.invalid/style.json"
NETWORK_SCHEMES = {"http", "https", "ws", "wss"}


def two_van_vehicles_csv(folder: Path) -> bytes:
    """``vehicles.csv`` of the tiny instance with a small refrigerated van."""
    return (save_scenario(two_van_scenario(), folder) / "vehicles.csv").read_bytes()


def wait_until_idle(page: Any) -> None:
    """Wait until the script has stopped running (Streamlit's status widget is gone)."""
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)


def plan_two_vans(page: Any, vehicles_csv: bytes) -> None:
    """Load the tiny instance, replace its vehicles with ``vehicles_csv`` and plan."""
    page.get_by_role("button", name="Load instance").click(timeout=60_000)
    page.get_by_text("Loaded instance 'tiny'").wait_for(timeout=60_000)
    wait_until_idle(page)
    page.locator(".st-key-upload_table input[type=file]").set_input_files(
        files=[{"name": "vehicles.csv", "mimeType": "text/csv", "buffer": vehicles_csv}]
    )
    page.get_by_text("vehicles.csv (vehicles)").wait_for(timeout=60_000)
    wait_until_idle(page)
    page.get_by_role("button", name="Plan", exact=True).click(timeout=60_000)
    page.get_by_text("Planned in").first.wait_for(timeout=120_000)


def _outside(urls: list[str], own_host: str) -> list[str]:
    """The URLs that go over the network to a host other than ``own_host``."""
    return [
        u for u in urls if urlsplit(u).scheme in NETWORK_SCHEMES and urlsplit(u).netloc != own_host
    ]


def coloured_pixels(png: bytes, rgb: tuple[int, int, int], tolerance: int = 40) -> int:
    """Pixels of a PNG within ``tolerance`` of a colour (per channel)."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return int((np.abs(pixels - np.array(rgb)) <= tolerance).all(axis=2).sum())


def _full_colour_pixels(chart: Any, rgb: tuple[int, int, int], at_least: int) -> int:
    """Pixels of ``rgb`` in the chart, once at least ``at_least`` are drawn (or after 10 s)."""
    drawn = 0
    for _ in range(20):
        drawn = coloured_pixels(chart.screenshot(), rgb)
        if drawn >= at_least:
            break
        chart.page.wait_for_timeout(500)
    return drawn


def test_no_request_leaves_the_machine_without_a_basemap(
    server: str,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    from playwright.sync_api import Route, sync_playwright

    own_host = urlsplit(server).netloc
    requested: list[str] = []

    def outside_aborted(route: Route) -> None:
        requested.append(route.request.url)
        if _outside([route.request.url], own_host):
            route.abort()
        else:
            route.continue_()

    vehicles_csv = two_van_vehicles_csv(tmp_path / "two_vans")
    plan = plan_day(two_van_scenario(), **LIMITS)
    assert len(plan.routes) == 2
    first, second = (tuple(route_map.PALETTE[i]) for i in range(2))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1500, "height": 2600}, service_workers="block"
            )
            context.on("request", lambda request: requested.append(request.url))
            context.on("websocket", lambda socket: requested.append(socket.url))
            context.route("**/*", outside_aborted)
            page = context.new_page()
            page.goto(server, timeout=60_000)
            plan_two_vans(page, vehicles_csv)
            chart = page.locator('[data-testid="stDeckGlJsonChart"]').first
            chart.wait_for(state="visible", timeout=60_000)
            chart.scroll_into_view_if_needed()
            assert _full_colour_pixels(chart, first, 100) >= 100, "the first route is not drawn"
            # one vehicle: the second route in full colour, the first dimmed
            page.get_by_role("combobox", name="Vehicle on the map").click(timeout=30_000)
            page.get_by_role("option", name=plan.routes[1].vehicle_id).click(timeout=30_000)
            page.wait_for_timeout(1_500)
            assert _full_colour_pixels(chart, second, 100) >= 100
            assert coloured_pixels(chart.screenshot(), first) < 30, "the others are not dimmed"
            page.wait_for_timeout(2_000)  # time for any late tile or style request
            assert own_host in {urlsplit(u).netloc for u in requested}
            assert _outside(requested, own_host) == []
            # control: a basemap typed in the sidebar is asked for, so requests are seen
            page.get_by_text("Map settings").click(timeout=30_000)
            box = page.get_by_role("textbox", name="Basemap style URL")
            box.fill(OUTSIDE_STYLE)
            box.press("Enter")
            for _ in range(40):
                if OUTSIDE_STYLE in requested:
                    break
                page.wait_for_timeout(250)
            assert OUTSIDE_STYLE in requested
        finally:
            browser.close()
