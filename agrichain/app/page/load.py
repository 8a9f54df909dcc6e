"""Step 1 · load: a bundled instance, a zipped scenario or one table (sidebar), and its errors."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from agrichain.app import inputs, labels, persist, uploads
from agrichain.app.page import state
from agrichain.errors import ScenarioError
from agrichain.io import load_scenario
from agrichain.model import TABLES, Scenario
from agrichain.model.settings import CoordinateName

#: Coordinate systems of an uploaded table (every one the library reads), as planners know them.
COORDINATE_LABELS: dict[CoordinateName, str] = {
    "wgs84": "WGS-84 (GPS)",
    "gcj02": "GCJ-02 (Amap, Tencent)",
    "bd09": "BD-09 (Baidu)",
}
#: The upload's table is the one its file name names.
FROM_FILE_NAME = "from the file name"


def show(repo: Path) -> Scenario | None:
    """Load what the sidebar asks for; the loaded scenario, or None (with a hint) if none is.

    A new session (a browser reload) first opens what the last one kept on disk."""
    ss = st.session_state
    if ss.scenario is None and not ss.tried_restore and state.restore():
        st.rerun()  # the option widgets start from the restored values
    with st.sidebar:
        st.header("1 · Load")
        bundled_instance(inputs.instances_dir(repo))
        uploaded_files()
    if ss.load_error is not None:
        load_title, load_issues = ss.load_error
        state.show_issues(load_title, load_issues, key="load_issues")
        if st.button("Dismiss", key="dismiss_load_error"):
            ss.load_error = None
            st.rerun()
    scenario: Scenario | None = ss.scenario
    if scenario is None:
        st.info("Load a bundled instance or upload a scenario (sidebar) to begin.")
        return None
    st.caption(labels.scenario_caption(scenario, ss.source))
    if ss.restored:
        st.caption("Opened again from the last session (kept on disk).")
    doubts = inputs.scenario_doubts(scenario)
    if doubts:
        st.warning(
            f"{len(doubts)} doubtful value{'s' if len(doubts) != 1 else ''} (planned anyway):"
        )
        state.show_table(inputs.issues_frame(doubts), key="doubts_table")
    return scenario


def bundled_instance(folder: Path) -> None:
    """Choose and load a bundled instance; the default one opens by itself the first time."""
    names = inputs.list_instances(folder)
    if not names:
        st.info(f"No bundled instances in `{folder}`. Upload a scenario below.")
        return
    ss = st.session_state
    first = inputs.default_instance(names) or names[0]
    choice = st.selectbox("Bundled instance", names, index=names.index(first), key="instance")
    load_clicked = st.button("Load instance", key="load_instance", width="stretch")
    if load_clicked or (ss.scenario is None and not ss.tried_default):
        ss.tried_default = True
        try:
            loaded = load_scenario(folder / choice)
            state.set_scenario(loaded, f"instance '{choice}'", folder / choice)
        except ScenarioError as exc:
            ss.load_error = (f"Instance '{choice}' could not be loaded", exc.issues)


def uploaded_files() -> None:
    """A zipped scenario, or one table replacing that of the loaded scenario; each read once."""
    zipped = st.file_uploader(
        "Scenario folder as .zip",
        type=["zip"],
        key="upload_zip",
        help="scenario.toml and the CSV files, zipped (at the top or in one folder).",
    )
    table_choice = st.selectbox(
        "Table the file replaces",
        [FROM_FILE_NAME, *TABLES],
        key="upload_table_name",
        help="orders.csv replaces the orders, vehicles.xlsx the vehicles …; otherwise orders.",
    )
    coordinates = st.selectbox(
        "Coordinates in the file",
        list(COORDINATE_LABELS),
        format_func=COORDINATE_LABELS.__getitem__,
        key="upload_coordinates",
        help="Amap (Gaode) and Tencent give GCJ-02, Baidu gives BD-09; they are converted "
        "to WGS-84. A zipped scenario says it in scenario.toml (coordinates = ...).",
    )
    single = st.file_uploader(
        "Orders (or another table) as .csv / .xlsx",
        type=["csv", "xlsx", "xlsm"],
        key="upload_table",
        help="Replaces one table of the loaded scenario, e.g. the night's orders.",
    )
    chosen = None if table_choice == FROM_FILE_NAME else table_choice
    ss = st.session_state
    for upload in (zipped, single):
        if upload is None or upload.file_id in ss.seen_uploads:
            continue
        ss.seen_uploads.add(upload.file_id)
        try:
            loaded = uploads.uploaded_scenario(
                ss.scenario, ss.source, upload.name, upload.getvalue(), chosen,
                folder=None if ss.scenario_folder is None else Path(ss.scenario_folder),
                keep_in=persist.state_folder() / persist.UPLOADS_DIR, coordinates=coordinates,
            )  # fmt: skip
            state.set_scenario(*loaded)
        except ScenarioError as exc:
            unchanged = f"{upload.name} was not loaded; the data shown is unchanged"
            ss.load_error = (unchanged, exc.issues)
