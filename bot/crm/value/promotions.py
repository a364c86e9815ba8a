"""Who promotions leave out: customers in a cluster whose strategy (the marketer's choice, else the
suggested one) is "abandon". They are still served (orders, care, service messages); they get no
broadcast and no promotional coupon. Customers flagged with losses are never excluded by this
alone: a person decides about them on the value report.

Which coupons are promotional, by the source they are issued for (the one rule; `issue_coupon`
applies it to every coupon issued one at a time, broadcast planning to broadcast coupons):
- owed or earned, so they always go: a service-recovery coupon after a complaint ("recovery:"),
  a reward bought with points ("reward:"), a full stamp card ("stamp-card:"), a tier's gift
  ("tier-up:"): the loyalty programme promised them for what the customer did, and breaking a
  promise or an apology costs more than the coupon;
- everything else is promotional and withheld: the welcome / lead incentive, journey steps, and
  any source not listed above (so a new kind of coupon is promotional until someone says otherwise).
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


OWED_SOURCES = ("recovery:", "reward:", "stamp-card:", "tier-up:")


def promotional(source: str) -> bool:
    """Whether a coupon issued for `source` is a promotion (withheld from abandoned clusters)."""
    return not source.startswith(OWED_SOURCES)


def coupon_withheld(session: Session, customer_id: int, source: str) -> bool:
    """Whether a coupon for `source` must not go to this customer: promotional, and the customer
    is in an abandoned cluster."""
    return promotional(source) and bool(abandoned_among(session, [customer_id]))
