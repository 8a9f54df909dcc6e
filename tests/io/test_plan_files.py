"""The plan's files: summary.json is always valid JSON."""

from __future__ import annotations

import datetime as dt
import json
import math

from agrichain.io import plan_files
from agrichain.io.plan_files import SUMMARY_JSON
from agrichain.plan import Plan, PlanStatus


def test_summary_json_has_no_nan_or_infinity() -> None:
    plan = Plan(
        scenario_name="s",
        planning_date=dt.date(2025, 6, 20),
        status=PlanStatus.PARTIAL,
        routes=(),
        tasks=(),
        unserved=(),
        summary={"gap": math.nan, "nested": {"bound": math.inf, "ok": 1.5}, "list": [-math.inf]},
    )
    text = plan_files(plan)[SUMMARY_JSON].decode()
    data = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert data == {"gap": None, "nested": {"bound": None, "ok": 1.5}, "list": [None]}
