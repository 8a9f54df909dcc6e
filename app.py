"""agrichain planner: load the night's orders, check them, plan, see the routes, adjust them
or re-plan after the day's events, hand over, review.

Run with ``streamlit run app.py``. Bundled instances are read from ``instances/``
(or ``$AGRICHAIN_INSTANCES_DIR``); a basemap is drawn only when
``$AGRICHAIN_MAP_STYLE`` (or the sidebar setting) gives a style URL, so the map
works offline. All planning is done by the library (``agrichain.pipeline.plan_day``)
in a worker process. This file only calls the steps of the page in order; each step is
laid out by a module of :mod:`agrichain.app.page`, every computation is a call into
:mod:`agrichain.app`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from agrichain.app import worker
from agrichain.app.page import adjust, edit, handover, load, plan, replan, review, see, state
from agrichain.app.page import siting as siting_step

REPO = Path(__file__).resolve().parent

st.set_page_config(page_title="agrichain planner", page_icon="🚚", layout="wide")
state.start()
worker.warm_up()

st.title("agrichain · nightly collection plan")
scenario = load.show(REPO)
map_style = see.map_settings()
if scenario is None:
    st.stop()

edit.show(scenario)
page_key = plan.show(scenario)
result = see.show(scenario, page_key, map_style)
state.save()  # what a browser reload opens again
if result is None:
    st.stop()

adjust.show(result)
replan.show(result)
handover.show(result)
review.show(result)
siting_step.show(result, map_style)
