"""The post-live review's tables and files: ``review.csv`` and the printable ``review.html``
(charts as inline SVG; no scripts, styles, fonts or images are fetched from anywhere)."""

from __future__ import annotations

import datetime as dt
import html
from collections import defaultdict
from collections.abc import Sequence

import pandas as pd

from agrichain.day.review import Review, SessionReview, lost_by_cause

REVIEW_CSV = "review.csv"
REVIEW_HTML = "review.html"
#: The ``row`` kinds of :func:`review_table`.
SESSION_ROW = "session"
UNATTRIBUTED_ROW = "unattributed"
PRODUCT_TOTAL_ROW = "product_total"
TOTAL_ROW = "total"
#: Columns of ``review.csv``.
REVIEW_COLUMNS = [
    "row", "session_id", "session_name", "session_start", "product_id", "orders",
    "kg_sold", "kg_on_time", "kg_late", "kg_lost", "kg_spoiled", "lost_reasons",
    "price_per_kg", "price_source", "revenue_at_risk",
]  # fmt: skip
SUMMED_COLUMNS = ["kg_sold", "kg_on_time", "kg_late", "kg_lost", "kg_spoiled", "revenue_at_risk"]
#: The outcomes of the chart, in stacking order, with their colours.
OUTCOME_COLOURS = {"on_time": "#2e7d32", "late": "#f9a825", "spoiled": "#8d6e63", "lost": "#c62828"}
OUTCOME_LABELS = {"on_time": "on time", "late": "late", "spoiled": "spoiled", "lost": "lost"}


# ----- tables -------------------------------------------------------------------------


def review_table(review: Review) -> pd.DataFrame:
    """One row per session × product, the unattributed spoilage per point and product,
    totals per product and overall (the content of ``review.csv``)."""
    rows = [session_row(s) for s in review.sessions]
    rows += [
        blank_row(UNATTRIBUTED_ROW, s.product_id, kg_spoiled=s.kg - s.kg_attributed)
        for s in review.spoilage
        if s.kg - s.kg_attributed > 1e-9
    ]
    frame = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    totals = []
    for product, part in frame.groupby("product_id", sort=True):
        price = part["price_per_kg"].dropna()
        source = part["price_source"][part["price_source"] != ""]
        totals.append(
            {
                **blank_row(PRODUCT_TOTAL_ROW, str(product)),
                **{c: float(part[c].sum()) for c in SUMMED_COLUMNS},
                "orders": int(part["orders"].sum()),
                "lost_reasons": reasons_text(
                    lost_by_cause(o for o in review.orders if o.product_id == product)
                ),
                "price_per_kg": price.iloc[0] if len(price) else None,
                "price_source": source.iloc[0] if len(source) else "",
            }
        )
    overall = {
        **blank_row(TOTAL_ROW, ""),
        **{c: float(frame[c].sum()) for c in SUMMED_COLUMNS},
        "orders": int(frame["orders"].sum()),
        "lost_reasons": reasons_text(lost_by_cause(review.orders)),
    }
    out = pd.concat([frame, pd.DataFrame([*totals, overall], columns=REVIEW_COLUMNS)])
    out[SUMMED_COLUMNS] = out[SUMMED_COLUMNS].astype(float).round(6)
    out["orders"] = out["orders"].astype(int)
    return out.reset_index(drop=True)


def session_row(s: SessionReview) -> dict[str, object]:
    """A session × product row of :func:`review_table`."""
    return {
        "row": SESSION_ROW,
        "session_id": s.session_id,
        "session_name": s.session_name,
        "session_start": s.session_start,
        "product_id": s.product_id,
        "orders": s.orders,
        "kg_sold": s.kg_sold,
        "kg_on_time": s.kg_on_time,
        "kg_late": s.kg_late,
        "kg_lost": s.kg_lost,
        "kg_spoiled": s.kg_spoiled,
        "lost_reasons": reasons_text(s.lost_kg_by_cause),
        "price_per_kg": s.price_per_kg,
        "price_source": s.price_source,
        "revenue_at_risk": s.revenue_at_risk,
    }


def reasons_text(kg_by_cause: Sequence[tuple[str, float]]) -> str:
    """Lost kg per cause as ``cause kg; cause kg``."""
    return "; ".join(f"{cause} {kg:.3f}" for cause, kg in kg_by_cause)


def blank_row(kind: str, product_id: str, **values: object) -> dict[str, object]:
    """A row of :func:`review_table` without a session: kg 0 unless given."""
    return {
        **dict.fromkeys(REVIEW_COLUMNS, ""),
        **dict.fromkeys(SUMMED_COLUMNS, 0.0),
        "orders": 0,
        "session_start": None,
        "price_per_kg": None,
        "row": kind,
        "product_id": product_id,
        **values,
    }


def lost_table(review: Review) -> pd.DataFrame:
    """Lost kg by cause and reason (with the orders concerned), largest first."""
    kg: dict[tuple[str, str], float] = defaultdict(float)
    orders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for o in review.orders:
        for cause, reason, part in o.lost:
            kg[cause, reason] += part
            orders[cause, reason].add(o.order_id)
    rows = [
        {"cause": c, "reason": r, "orders": len(orders[c, r]), "kg_lost": round(v, 6)}
        for (c, r), v in kg.items()
    ]
    frame = pd.DataFrame(rows, columns=["cause", "reason", "orders", "kg_lost"])
    return frame.sort_values(["kg_lost", "cause"], ascending=[False, True], ignore_index=True)


def spoilage_table(review: Review) -> pd.DataFrame:
    """Spoiled kg per logistics point and product on the planning date, with their source."""
    rows = [
        {
            "logistics_point_id": s.logistics_point_id,
            "product_id": s.product_id,
            "kg_spoiled": round(s.kg, 6),
            "source": s.source,
            "kg_attributed": round(s.kg_attributed, 6),
        }
        for s in review.spoilage
    ]
    columns = ["logistics_point_id", "product_id", "kg_spoiled", "source", "kg_attributed"]
    return pd.DataFrame(rows, columns=columns)


def session_chart(review: Review) -> pd.DataFrame:
    """kg on time, late, spoiled and lost per session (summed over its products); the
    index is ``session_id · name``."""
    kg: dict[str, dict[str, float]] = {}
    for s in review.sessions:
        label = f"{s.session_id} · {s.session_name}" if s.session_name else s.session_id
        row = kg.setdefault(label, dict.fromkeys(OUTCOME_COLOURS, 0.0))
        row["on_time"] += s.kg_on_time
        row["late"] += s.kg_late
        row["spoiled"] += s.kg_spoiled
        row["lost"] += s.kg_lost
    frame = pd.DataFrame.from_dict(kg, orient="index", columns=list(OUTCOME_COLOURS), dtype=float)
    frame.index.name = "session"
    return frame


def price_note(review: Review) -> str:
    """Which products' prices come from ``price_per_kg`` and which fall back."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for s in review.sessions:
        if s.product_id not in by_source[s.price_source]:
            by_source[s.price_source].append(s.product_id)
    parts = [f"{source}: {', '.join(ids)}" for source, ids in sorted(by_source.items())]
    head = "Revenue at risk = (kg late + kg lost) × price per kg"
    return f"{head}; price from {'; '.join(parts)}." if parts else f"{head}."


def source_note(review: Review) -> str:
    """What the review's figures come from."""
    if review.with_actuals:
        return (
            "What happened: the plan, with the actual deliveries, shipments and spoilage "
            "where the actuals give them."
        )
    return "What happened: the plan as made (no actuals given)."


# ----- files --------------------------------------------------------------------------


def review_files(review: Review) -> dict[str, bytes]:
    """``review.csv`` and ``review.html``, by file name."""
    csv = review_table(review).to_csv(index=False, lineterminator="\n")
    return {REVIEW_CSV: csv.encode("utf-8"), REVIEW_HTML: review_html(review).encode("utf-8")}


STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.4em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.4em 0; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.5em; text-align: left; }
td.n { text-align: right; } tr.total td { font-weight: bold; background: #f3f3f3; }
.kpis span { display: inline-block; margin-right: 1.5em; }
.note { font-size: 0.85em; color: #555; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; } }
"""


def review_html(review: Review) -> str:
    """The printable review: totals, the stacked bars per session, the session × product
    table, lost kg by reason and the spoilage; one self-contained page."""
    table = review_table(review)
    total = table[table["row"] == TOTAL_ROW].iloc[0]
    e = html.escape
    kpis = " ".join(
        f"<span><b>{e(label)}</b> {value:,.1f}</span>"
        for label, value in (
            ("sold (kg)", total["kg_sold"]),
            ("on time (kg)", total["kg_on_time"]),
            ("late (kg)", total["kg_late"]),
            ("spoiled (kg)", total["kg_spoiled"]),
            ("lost (kg)", total["kg_lost"]),
            (f"revenue at risk ({review.currency})", total["revenue_at_risk"]),
        )
    )
    spoilage = spoilage_table(review)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Post-live review · {e(review.scenario_name)} · {review.planning_date}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Post-live review · {e(review.scenario_name)} · {review.planning_date}</h1>",
        f'<p class="note">{e(source_note(review))}</p>',
        f'<p class="kpis">{kpis}</p>',
        "<h2>Per live session</h2>",
        chart_svg(session_chart(review)),
        "<h2>Per live session and product</h2>",
        html_table(*shown_table(table)),
        f'<p class="note">{e(price_note(review))}</p>',
        "<h2>Lost kg by reason</h2>",
        html_table(lost_table(review))
        if review.orders and any(o.lost for o in review.orders)
        else "<p>Nothing lost.</p>",
        "<h2>Spoiled kg on the planning date</h2>",
        html_table(spoilage) if len(spoilage) else "<p>Nothing spoiled.</p>",
        '<p class="note">Spoiled kg are shared among the sessions selling that product at '
        "that logistics point in proportion to their kg sold; kg no session sells there stay "
        "unattributed.</p>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def shown_table(table: pd.DataFrame) -> tuple[pd.DataFrame, list[bool]]:
    """The review table as printed: words for the rows without a session, fewer columns;
    and which rows are totals."""
    shown = table.copy()
    kind = shown["row"]
    shown.loc[kind == UNATTRIBUTED_ROW, "session_id"] = "(no session)"
    shown.loc[kind == PRODUCT_TOTAL_ROW, "session_id"] = "all sessions"
    shown.loc[kind == TOTAL_ROW, "session_id"] = "total"
    columns = ["session_id", "session_start", "product_id", "orders", "kg_sold", "kg_on_time"]
    columns += ["kg_late", "kg_lost", "kg_spoiled", "price_per_kg", "revenue_at_risk"]
    shown = shown[[*columns, "lost_reasons"]]
    shown.columns = [c.replace("_", " ") for c in shown.columns]
    return shown, [k in (PRODUCT_TOTAL_ROW, TOTAL_ROW) for k in kind]


def html_table(frame: pd.DataFrame, bold: Sequence[bool] = ()) -> str:
    """``frame`` as an HTML table; numbers right-aligned, the ``bold`` rows in bold."""
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in frame.columns)
    body = []
    for i, record in enumerate(frame.itertuples(index=False, name=None)):
        cells = "".join(cell_html(v) for v in record)
        total = i < len(bold) and bold[i]
        body.append(f'<tr class="total">{cells}</tr>' if total else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def cell_html(value: object) -> str:
    """One table cell: numbers with one decimal (counts whole), empty for missing values."""
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return "<td></td>"
    if isinstance(value, bool):
        return f"<td>{value}</td>"
    if isinstance(value, int):
        return f'<td class="n">{value:,}</td>'
    if isinstance(value, float):
        return f'<td class="n">{value:,.1f}</td>'
    if isinstance(value, dt.datetime):  # pandas' Timestamp too
        return f"<td>{value:%Y-%m-%d %H:%M}</td>"
    return f"<td>{html.escape(str(value))}</td>"


def chart_svg(chart: pd.DataFrame, width_px: int = 760) -> str:
    """Horizontal stacked bars of kg per session and outcome, with a legend, as inline SVG."""
    if chart.empty:
        return "<p>No orders to review.</p>"
    label_px, bar_px, gap_px, top_px = 230, 22, 8, 30
    area_px = width_px - label_px - 90
    biggest = max(float(chart.sum(axis=1).max()), 1e-9)
    height_px = top_px + len(chart) * (bar_px + gap_px) + 10
    e = html.escape
    shapes = []
    x = float(label_px)
    for outcome, colour in OUTCOME_COLOURS.items():  # the legend
        shapes.append(f'<rect x="{x:.0f}" y="4" width="12" height="12" fill="{colour}"/>')
        shapes.append(f'<text x="{x + 16:.0f}" y="15">{OUTCOME_LABELS[outcome]}</text>')
        x += 100
    for i, (label, row) in enumerate(chart.iterrows()):
        y = top_px + i * (bar_px + gap_px)
        shapes.append(
            f'<text x="{label_px - 6}" y="{y + 15}" text-anchor="end">{e(str(label)[:34])}</text>'
        )
        x = float(label_px)
        for outcome, colour in OUTCOME_COLOURS.items():
            kg = float(row[outcome])
            if kg <= 0:
                continue
            w = area_px * kg / biggest
            title = f"{label}: {OUTCOME_LABELS[outcome]} {kg:,.1f} kg"
            shapes.append(
                f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{bar_px}" fill="{colour}">'
                f"<title>{e(title)}</title></rect>"
            )
            x += w
        shapes.append(f'<text x="{x + 4:.0f}" y="{y + 15}">{float(row.sum()):,.0f} kg</text>')
    return (
        f'<svg width="{width_px}" height="{height_px}" viewBox="0 0 {width_px} {height_px}" '
        f'role="img" aria-label="kg per live session by outcome" '
        f'font-family="sans-serif" font-size="12">{"".join(shapes)}</svg>'
    )


__all__ = [
    "REVIEW_COLUMNS",
    "REVIEW_CSV",
    "REVIEW_HTML",
    "lost_table",
    "price_note",
    "review_files",
    "review_html",
    "review_table",
    "session_chart",
    "source_note",
    "spoilage_table",
]
