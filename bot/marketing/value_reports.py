"""The value report's tables: the clusters as seed 003 draws them, the distribution of
expected spend, and each model's quality on held-out data. Aggregates only; the per-customer CSV
carries scores, never message text."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.marketing.reports import Table
from models import CustomerValue, ValueCluster, ValueModel

CLUSTER_HEADER = ["Cluster", "Customers", "Share of customers (%)", "Share of revenue (%)", "Product index", "Leverage",
                  "Average tenure (days)", "Days since last purchase", "Suggested strategy", "Strategy"]


def clusters(session: Session) -> Table:
    rows: list[list[Any]] = []
    for c in session.scalars(select(ValueCluster).order_by(ValueCluster.id)):
        s = c.stats
        rows.append([c.id, c.customers, round(100 * s.get("customer_share", 0), 1), round(100 * s.get("revenue_share", 0), 1),
                     s.get("product_index"), s.get("leverage"), s.get("tenure_days"), s.get("recency_days"), c.suggested,
                     c.strategy or c.suggested])
    return Table(CLUSTER_HEADER, rows)


def clv_distribution(session: Session) -> Table:
    """Buyers by decile of expected spend: how concentrated the future value is."""
    values = np.array(session.scalars(select(CustomerValue.expected_spend).where(CustomerValue.expected_spend.is_not(None))).all(),
                      dtype=np.float64)
    header = ["Decile", "Customers", "Expected spend from", "Expected spend to", "Share of expected spend (%)"]
    if len(values) == 0:
        return Table(header, [])
    ordered = np.sort(values)[::-1]
    total = ordered.sum() or 1.0
    rows: list[list[Any]] = []
    for decile, part in enumerate(np.array_split(ordered, 10), start=1):
        if len(part):
            rows.append([decile, len(part), round(float(part.min())), round(float(part.max())), round(100 * float(part.sum()) / total, 1)])
    return Table(header, rows)


def quality(session: Session) -> dict[str, dict[str, Any]]:
    """Each model's stored quality and when it ran; empty before the first nightly run."""
    return {m.name: {**m.quality, "computed_at": m.computed_at, "params": m.params} for m in session.scalars(select(ValueModel))}


def losses(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(CustomerValue).where(CustomerValue.loss)) or 0)


def customer_scores(session: Session) -> Table:
    """Every scored customer's figures (the per-customer CSV)."""
    header = ["Customer", "Expected purchases", "Expected spend", "Probability active", "Churn risk", "Cluster", "Loss"]
    rows = [[r.customer_id, _round(r.expected_purchases, 3), _round(r.expected_spend, 0), _round(r.p_alive, 3), _round(r.churn_risk, 3),
             r.cluster, "yes" if r.loss else ""]
            for r in session.scalars(select(CustomerValue).order_by(CustomerValue.customer_id))]
    return Table(header, rows)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
