"""Property tests are derandomized: the same examples on every run and machine, so CI is
red only for a real regression. ``AGRICHAIN_HYPOTHESIS=explore`` draws new examples
(and keeps failures in ``.hypothesis/``) to look for bugs on purpose."""

from __future__ import annotations

import os

from hypothesis import settings

#: Environment variable choosing the hypothesis profile (``repeat`` or ``explore``).
PROFILE_ENV = "AGRICHAIN_HYPOTHESIS"

settings.register_profile("repeat", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get(PROFILE_ENV, "").strip() or "repeat")
