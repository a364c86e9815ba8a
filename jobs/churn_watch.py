"""Churn watch (seed 003, slide 28): a gold-tier customer whose time since the last purchase is far
beyond their own usual gap gets a caring message and staff get a task to follow up.

Why a task per (customer, last purchase): the job runs daily, and the same silence must raise
one task and one message, not one a day; when the customer buys again and later goes quiet
again, that is a new episode with a new key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.crm import outreach
from bot.crm.analytics import ChurnRisk, churn_candidates
from bot.events import Outbound
from bot.i18n.commerce import say
from models import Customer, StaffTask, utcnow


def run(sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None) -> int:
    """Returns how many new tasks (and caring messages) were raised."""
    now = now or utcnow()
    with sessions() as session:
        risks = churn_candidates(session, settings, now)
    raised = 0
    for risk in risks:
        try:
            with sessions.begin() as session:
                raised += _raise(session, settings, risk, now)
        except _AlreadyRaised:  # a concurrent run raised it first; its message stands, ours rolled back
            continue
    return raised


class _AlreadyRaised(Exception):
    pass


def _raise(session: Session, settings: Settings, risk: ChurnRisk, now: datetime) -> int:
    key = f"churn:{risk.customer_id}:{risk.last_order_at.isoformat()}"
    if session.scalar(select(StaffTask.id).where(StaffTask.dedupe_key == key)) is not None:
        return 0
    customer = session.get(Customer, risk.customer_id)
    assert customer is not None  # the risk was computed from this customer's orders
    messaged = outreach.send_to_customer(session, customer.id, [Outbound(say("churn_care", customer.language,
                                                                             shop=settings.shop.name))],
                                         purpose="marketing", marketing=True)
    who = customer.display_name or f"#{customer.id}"
    task = StaffTask(kind="churn_watch", customer_id=customer.id, dedupe_key=key, created_at=now,
                     title=f"Gold customer {who}: no purchase for {risk.current_gap_days:.0f} days "
                           f"(usually every {risk.usual_gap_days:.0f})",
                     detail={"tier": customer.tier, "orders": risk.orders, "usual_gap_days": risk.usual_gap_days,
                             "current_gap_days": risk.current_gap_days, "last_order_at": risk.last_order_at.isoformat(),
                             "caring_message_sent": messaged})
    try:
        with session.begin_nested():
            session.add(task)
    except IntegrityError:
        raise _AlreadyRaised from None
    return 1
