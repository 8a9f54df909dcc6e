"""First-in-first-out stock by age (pure Python; used to rebuild ages from the MILP's flows)."""

from __future__ import annotations


def stock_by_age(
    life_days: int,
    opening: dict[int, float],
    received_kg: float,
    closing_kg: float,
    waste_kg: float,
) -> tuple[dict[int, list[float]], dict[int, float]]:
    """One day of FIFO stock at one logistics point for one product.

    ``opening`` is kg by age at the start of the day; today's receipts have age 0.
    What stays overnight is the youngest ``closing_kg``; the rest leaves oldest
    first, the ``waste_kg`` first. Returns ``{age: [opening, received, shipped,
    spoiled, closing]}`` and tomorrow's opening stock by age. Kg that would be
    older than the shelf life tomorrow (solver noise) count as spoiled.
    """
    have = dict(opening)
    if received_kg > 0:
        have[0] = have.get(0, 0.0) + received_kg
    rows: dict[int, list[float]] = {
        a: [opening.get(a, 0.0), received_kg if a == 0 else 0.0, 0.0, 0.0, 0.0] for a in have
    }
    keep = max(0.0, closing_kg)
    for a in sorted(have):  # youngest first stay
        k = min(keep, have[a])
        rows[a][4] = k
        keep -= k
    out_waste = max(0.0, waste_kg)
    for a in sorted(have, reverse=True):  # oldest first leave, waste first
        leaving = have[a] - rows[a][4]
        w = min(out_waste, leaving)
        rows[a][3] = w
        rows[a][2] = leaving - w
        out_waste -= w
    nxt: dict[int, float] = {}
    for a, r in rows.items():
        if r[4] > 0 and a + 1 >= life_days:
            r[3] += r[4]
            r[4] = 0.0
        elif r[4] > 0:
            nxt[a + 1] = r[4]
    return rows, nxt
