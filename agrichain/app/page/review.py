"""Step 6 · review: the post-live review of the plan shown, per live session and product
(the same figures as ``agrichain review``), with its CSV and printable HTML."""

from __future__ import annotations

import streamlit as st

from agrichain.app import jobs
from agrichain.app import review as app_review
from agrichain.app.page import state

MIME = {".csv": "text/csv", ".html": "text/html"}


def show(result: jobs.PlanResult) -> None:
    """Totals, stacked bars per session, the session × product table, lost kg by reason."""
    st.header("6 · Review")
    review = app_review.plan_review(result)
    st.caption(app_review.review_caption(review))
    if not review.orders:
        st.info("No orders to review in this plan.")
        return
    st.markdown(app_review.totals_line(review))
    st.bar_chart(
        app_review.review_chart(review),
        horizontal=True,
        stack=True,
        color=[*app_review.CHART_COLOURS],
        x_label="kg",
        y_label="live session",
    )
    state.show_table(app_review.shown_table(review), "review_table")
    st.markdown("**Lost kg by reason**")
    lost = app_review.lost_reasons(review)
    if lost.empty:
        st.success("No ordered kg are lost in this plan.")
    else:
        wide = st.column_config.TextColumn(width="large")
        state.show_table(lost, "review_lost_table", reason=wide)
    columns = st.columns(2)
    for column, (name, data) in zip(
        columns, app_review.review_downloads(result, review).items(), strict=True
    ):
        suffix = name[name.rfind(".") :]
        column.download_button(
            f"Download the review ({suffix[1:].upper()})",
            data,
            name,
            MIME[suffix],
            key=f"download_review_{suffix[1:]}",
            width="stretch",
        )
