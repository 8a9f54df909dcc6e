"""The review step's logic: the post-live review of the plan shown, as the app lays it out
(the same review, tables and files as ``agrichain review``)."""

from __future__ import annotations

from functools import partial

import pandas as pd

from agrichain.app.jobs import PlanResult
from agrichain.app.sheets import download_stem
from agrichain.day.review import Review, review_plan
from agrichain.day.review_report import (
    OUTCOME_COLOURS,
    OUTCOME_LABELS,
    REVIEW_CSV,
    REVIEW_HTML,
    lost_table,
    price_note,
    review_files,
    review_table,
    session_chart,
    source_note,
)

#: The chart's colours, in the order of :func:`review_chart`'s columns.
CHART_COLOURS = list(OUTCOME_COLOURS.values())


def plan_review(result: PlanResult) -> Review:
    """The review of the plan shown (what happened is the plan)."""
    return review_plan(result.scenario, result.plan)


def review_caption(review: Review) -> str:
    """Where the figures come from and how revenue at risk is priced."""
    return f"{source_note(review)} {price_note(review)}"


def totals_line(review: Review) -> str:
    """The review's totals in one line of Markdown."""
    sold = sum(s.kg_sold for s in review.sessions)
    parts = [
        f"**{sold:,.1f} kg sold** in {len(review.sessions)} session × product rows",
        f"on time {sum(s.kg_on_time for s in review.sessions):,.1f} kg",
        f"late {sum(s.kg_late for s in review.sessions):,.1f} kg",
        f"spoiled {sum(sp.kg for sp in review.spoilage):,.1f} kg",
        f"lost {sum(s.kg_lost for s in review.sessions):,.1f} kg",
        f"revenue at risk {sum(s.revenue_at_risk for s in review.sessions):,.2f} {review.currency}",
    ]
    return " · ".join(parts)


def review_chart(review: Review) -> pd.DataFrame:
    """kg per session (rows) and outcome (columns, in words), for a stacked bar chart."""
    return session_chart(review).rename(columns=OUTCOME_LABELS)


def shown_table(review: Review) -> pd.DataFrame:
    """The session × product table with its totals (the rows of ``review.csv``)."""
    return review_table(review)


def lost_reasons(review: Review) -> pd.DataFrame:
    """Lost kg by cause and reason, largest first."""
    return lost_table(review)


def review_downloads(result: PlanResult, review: Review) -> dict[str, bytes]:
    """``review.csv`` and ``review.html`` of the plan as download file names
    (``<plan stem>_review.csv`` …) and bytes, made once per plan."""
    made: dict[str, bytes] = {}

    def make(name: str) -> bytes:
        if not made:
            made.update(review_files(review))
        return made[name]

    stem = download_stem(result.plan)
    return {
        f"{stem}_{name}": result.download(f"{stem}_{name}", partial(make, name))
        for name in (REVIEW_CSV, REVIEW_HTML)
    }


__all__ = [
    "CHART_COLOURS",
    "lost_reasons",
    "plan_review",
    "review_caption",
    "review_chart",
    "review_downloads",
    "shown_table",
    "totals_line",
]
