"""The example count of the loader fuzzing (``tests/io/test_fuzz.py``).

A small count in the default run and in CI; ``pytest -m fuzz`` runs the long fuzz
(1,000 examples per test); ``AGRICHAIN_FUZZ_EXAMPLES`` sets any count.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

#: The hypothesis profile the fuzz tests use.
FUZZ_PROFILE = "agrichain-fuzz"
#: Environment variable: examples per fuzz test (overrides the marker's choice).
FUZZ_EXAMPLES_ENV = "AGRICHAIN_FUZZ_EXAMPLES"
SHORT_RUN_EXAMPLES = 25
LONG_RUN_EXAMPLES = 1000


def pytest_configure(config: pytest.Config) -> None:
    chosen = str(config.getoption("markexpr", "") or "")
    long_run = "fuzz" in chosen and "not fuzz" not in chosen
    examples = LONG_RUN_EXAMPLES if long_run else SHORT_RUN_EXAMPLES
    settings.register_profile(
        FUZZ_PROFILE,
        max_examples=int(os.environ.get(FUZZ_EXAMPLES_ENV) or examples),
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
