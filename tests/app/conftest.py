"""The app's tests keep what survives a browser reload in their own folder, never in the
user's ``~/.cache/agrichain/app``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import REPO, tiny_app_scenario
from streamlit.testing.v1 import AppTest

from agrichain.app import inputs, persist
from agrichain.app import map as route_map
from agrichain.io import save_scenario


@pytest.fixture(autouse=True)
def app_state_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A fresh state folder for each test (``$AGRICHAIN_APP_STATE``)."""
    folder = tmp_path_factory.mktemp("app-state")
    monkeypatch.setenv(persist.STATE_ENV, str(folder))
    return folder


#: Session-state keys of the app's background jobs (plan, re-plan, siting).
BACKGROUND_JOBS = ("job", "replan_job", "siting_job")


@pytest.fixture
def planned_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The app on the bundled-instances folder holding only 'tiny', planned once; every
    background job still running is cancelled afterwards."""
    folder = tmp_path / "instances"
    save_scenario(tiny_app_scenario(), folder / "tiny")
    monkeypatch.setenv(inputs.INSTANCES_ENV, str(folder))
    monkeypatch.setenv(inputs.DEFAULT_INSTANCE_ENV, "tiny")
    monkeypatch.delenv(route_map.MAP_STYLE_ENV, raising=False)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    at.button(key="plan_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    yield at
    for name in BACKGROUND_JOBS:
        # AppTest's session state raises KeyError from .get for a key never set
        job = at.session_state[name] if name in at.session_state else None  # noqa: SIM401
        if job is not None:
            job.cancel()
