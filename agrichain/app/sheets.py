"""The app's downloads: the plan as a zip, the hand-over files (:mod:`agrichain.handover`)
as a zip (each driver's sheet itself comes from :mod:`agrichain.handover`), and a siting's
files as a zip."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

from agrichain.day.siting import Siting, siting_files
from agrichain.handover import sheet_files
from agrichain.io import plan_files
from agrichain.model import Scenario
from agrichain.plan import Plan

#: Time stamp of every file in the zips, so equal plans give equal bytes.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def download_stem(plan: Plan) -> str:
    """File name stem of the plan's downloads: ``plan_<scenario>_<yyyymmdd>``."""
    return f"plan_{plan.scenario_name}_{plan.planning_date:%Y%m%d}"


def _zip(files: Mapping[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def plan_zip(plan: Plan) -> bytes:
    """The plan's output files (what the CLI writes) as one zip."""
    return _zip(plan_files(plan))


def siting_zip(siting: Siting) -> bytes:
    """What ``agrichain site`` writes (recommendation, assignment, change, GeoJSON, summary)
    as one zip."""
    return _zip(siting_files(siting))


def route_sheets_zip(plan: Plan, scenario: Scenario) -> bytes:
    """The hand-over folder as one zip: each driver's sheet (HTML and CSV), ``index.html``
    and ``map.html`` (what ``agrichain sheets`` writes)."""
    return _zip(sheet_files(plan, scenario))


__all__ = ["ZIP_TIME", "download_stem", "plan_zip", "route_sheets_zip", "siting_zip"]
