"""Who promotions leave out: customers in a cluster whose strategy (the marketer's choice, else the
suggested one) is "abandon". They are still served (orders, care, service messages); they only get
no broadcast and no broadcast coupon. Customers flagged with losses are never excluded by this
alone: a person decides about them on the value report.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import CustomerValue, ValueCluster


def abandoned_clusters() -> Any:
    return select(ValueCluster.id).where(func.coalesce(ValueCluster.strategy, ValueCluster.suggested) == "abandon")


def abandoned_among(session: Session, customer_ids: Any) -> set[int]:
    """Those of `customer_ids` (a select of ids) in an abandoned cluster."""
    return set(session.scalars(select(CustomerValue.customer_id).where(
        CustomerValue.customer_id.in_(customer_ids), CustomerValue.cluster.in_(abandoned_clusters()))))
