"""The app's tests keep what survives a browser reload in their own folder, never in the
user's ``~/.cache/agrichain/app``."""

from __future__ import annotations

from pathlib import Path

import pytest

from agrichain.app import persist


@pytest.fixture(autouse=True)
def app_state_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A fresh state folder for each test (``$AGRICHAIN_APP_STATE``)."""
    folder = tmp_path_factory.mktemp("app-state")
    monkeypatch.setenv(persist.STATE_ENV, str(folder))
    return folder
